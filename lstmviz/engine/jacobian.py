"""The curve ||dh_T/dh_t||_2 over t: does the gradient vanish or explode on the way back?

dh_T/dh_t (H x H, with C_t held fixed for the LSTM) is the product of the step Jacobians from t+1 to T. Its rows
are H cotangent vectors carried back by the same recursion as BPTT (:func:`lstmviz.engine.bptt.run_cotangents`),
seeded with the identity at the last step; the spectral norm of each step's block is its largest singular value.

Cost: the exact curve carries H rows, so each step costs a (H x G*H) @ (G*H x H) product, T * G * H^3 multiply-adds
in all, plus T singular-value decompositions of H x H. That is cheap for small cells (H = 32, T = 1,000: 0.1 G) but
not for big ones (H = 256, T = 2,000: 134 G). So ``auto`` computes it exactly while T * H^3 <= 2e8 and otherwise
carries k = 8 orthonormal seed rows (a fixed, seeded random subspace): the largest singular value of those k rows'
block is a lower bound of ||dh_T/dh_t||_2, exact at the last step and tight once the product is dominated by a few
directions (the usual case far back in time, where the curve matters); cost T * G * H^2 * k.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EngineError

if TYPE_CHECKING:
    from .bptt import LayerFactors

JACOBIAN_METHODS: tuple[str, ...] = ("auto", "exact", "estimate", "none")
EXACT_BUDGET = 2e8
"""``auto`` computes the curve exactly while steps * H^3 stays within this many multiply-adds."""
ESTIMATE_ROWS = 8
NORM_CHUNK = 512


def jacobian_norms(cell: str, factors: LayerFactors, w_hh: np.ndarray, mode: str = "auto") -> tuple[np.ndarray, str]:
    """(||dh_T/dh_t||_2 for every t, the method used: ``exact`` or ``estimate``)."""
    from .bptt import CotangentSink, run_cotangents

    if mode not in JACOBIAN_METHODS or mode == "none":
        raise EngineError(f"unknown jacobian method {mode!r}; choose one of {', '.join(JACOBIAN_METHODS)}")
    steps, blocks, hidden = factors.gates_in.shape
    dtype = w_hh.dtype
    exact = mode == "exact" or (mode == "auto" and (steps * hidden**3 <= EXACT_BUDGET or hidden <= ESTIMATE_ROWS))
    if exact:
        seed = np.eye(hidden, dtype=dtype)
    else:
        rows = min(ESTIMATE_ROWS, hidden)
        gaussian = np.random.default_rng(0).standard_normal((hidden, rows))
        seed = np.ascontiguousarray(np.linalg.qr(gaussian)[0].T, dtype=dtype)
    batch = seed.shape[0]
    norms = np.empty(steps, dtype=dtype)
    chunk = np.empty((min(NORM_CHUNK, steps), batch, 1, hidden), dtype=dtype)
    rows = _chunked_rows(chunk, norms)
    sink = CotangentSink.scratch(rows, batch, blocks, hidden, factors.gates_rec is not None, dtype)
    run_cotangents(cell, factors, w_hh, seed, None, sink)
    for _ in rows:  # resume once more so the last chunk's norms are stored
        pass
    return norms, "exact" if exact else "estimate"


def _chunked_rows(chunk: np.ndarray, norms: np.ndarray) -> Any:
    """Yield chunk rows for t = T-1 .. 0; when a chunk is full (or at t = 0), store the spectral norms of its blocks."""
    steps = norms.shape[0]
    size = chunk.shape[0]
    t = steps - 1
    while t >= 0:
        filled = 0
        while filled < size and t - filled >= 0:
            yield chunk[filled]
            filled += 1
        block = chunk[:filled, :, 0]
        if block.shape[1] == 1 or block.shape[2] == 1:
            values = np.linalg.norm(block.reshape(filled, -1), axis=1)
        else:  # batched singular values (measured faster here than eigvalsh of the Gram matrices)
            values = np.linalg.norm(block, ord=2, axis=(1, 2))
        norms[t - filled + 1 : t + 1] = values[::-1]
        t -= filled
