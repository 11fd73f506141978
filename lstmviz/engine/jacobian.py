"""The curve ||dh_T/dh_t||_2 over t: does the gradient vanish or explode on the way back?

J_t = dh_T/dh_t (H x H, with C_t held fixed for the LSTM) is the product of the step Jacobians from t+1 to T. Its rows
are H cotangent vectors carried back by the same recursion as BPTT (:func:`lstmviz.engine.cotangents.run_cotangents`),
seeded with the identity at the last step; the spectral norm of each step's block is its largest singular value.

Cost: the exact curve carries H rows, so each step costs a (H x G*H) @ (G*H x H) product, T * G * H^3 multiply-adds
in all, plus T singular-value decompositions of H x H. That is cheap for small cells (H = 32, T = 1,000: 0.1 G) but
not for big ones (H = 256, T = 2,000: 134 G). So ``auto`` computes it exactly while T * H^3 <= 2e8 and otherwise
estimates it with one row: ||u^T J_t|| for the unit vector u that power iteration on J_0 J_0^T finds (the top left
singular vector of the longest product). That is a lower bound, exact at the last step and, far back, equal to the
norm up to how well u has converged (the product's leading singular values separate fast with T). Each power
iteration is one backward pass (u^T J_0) and one forward tangent pass (J_0 w, :func:`forward_tangent`), both
renormalised as they go, so directions survive where magnitudes under- or overflow; then one backward pass draws the
curve. One iteration suffices in practice (on 64-unit LSTM, GRU and RNN cells over 300 steps the estimate was 0.96x
to 1.0x of the exact norm at t = 0 and 0.74x to 1.0x everywhere, against 0.25x to 0.46x for 8 random directions):
three single-vector passes in all, about the cost of three BPTT backward loops.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

import numpy as np

from .cotangents import CotangentSink, run_cotangents
from .errors import EngineError
from .spec import spec_for

if TYPE_CHECKING:
    from .factors import LayerFactors

JACOBIAN_METHODS: tuple[str, ...] = ("auto", "exact", "estimate", "none")
EXACT_BUDGET = 2e8
"""``auto`` computes the curve exactly while steps * H^3 stays within this many multiply-adds."""
POWER_ITERATIONS = 1
"""Rounds of power iteration for the estimate's direction (a second round moved the measured ratios by < 0.1)."""
NORM_CHUNK = 512
RENORMALISE_MASK = 15


def jacobian_norms(cell: str, factors: LayerFactors, w_hh: np.ndarray, mode: str = "auto") -> tuple[np.ndarray, str]:
    """(||dh_T/dh_t||_2 for every t, the method used: ``exact`` or ``estimate``)."""
    if mode not in JACOBIAN_METHODS or mode == "none":
        raise EngineError(f"unknown jacobian method {mode!r}; choose one of {', '.join(JACOBIAN_METHODS)}")
    steps, blocks, hidden = factors.gates_in.shape
    dtype = w_hh.dtype
    separate = factors.gates_rec is not None
    exact = mode == "exact" or (mode == "auto" and steps * hidden**3 <= EXACT_BUDGET) or hidden == 1
    if not exact or hidden == 1:  # one row: the power-iteration direction, or the whole 1 x 1 Jacobian
        direction = np.ones(1, dtype=dtype) if hidden == 1 else dominant_direction(cell, factors, w_hh)
        rows = np.empty((steps, hidden), dtype=dtype)
        sink = CotangentSink.scratch(rows[::-1], 1, blocks, hidden, separate, dtype)
        run_cotangents(cell, factors, w_hh, direction[None, :], None, sink)
        return np.linalg.norm(rows, axis=1), "exact" if exact else "estimate"
    norms = np.empty(steps, dtype=dtype)
    chunk = np.empty((min(NORM_CHUNK, steps), hidden, 1, hidden), dtype=dtype)
    chunk_rows = _chunked_rows(chunk, norms)
    sink = CotangentSink.scratch(chunk_rows, hidden, blocks, hidden, separate, dtype)
    run_cotangents(cell, factors, w_hh, np.eye(hidden, dtype=dtype), None, sink)
    for _ in chunk_rows:  # resume once more so the last chunk's norms are stored
        pass
    return norms, "exact"


def dominant_direction(cell: str, factors: LayerFactors, w_hh: np.ndarray) -> np.ndarray:
    """The top left singular vector of J_0 = dh_T/dh_0, by power iteration on J_0 J_0^T from a seeded start."""
    steps, blocks, hidden = factors.gates_in.shape
    dtype = w_hh.dtype
    vector: np.ndarray = np.random.default_rng(0).standard_normal(int(hidden)).astype(dtype)
    vector /= np.linalg.norm(vector)
    last_row = np.empty(hidden, dtype=dtype)
    for _ in range(POWER_ITERATIONS):
        sink = CotangentSink.scratch(_repeat(last_row), 1, blocks, hidden, factors.gates_rec is not None, dtype)
        run_cotangents(cell, factors, w_hh, vector[None, :], None, sink, renormalise=True)  # u^T J_0
        image = forward_tangent(cell, factors, w_hh, last_row)  # J_0 J_0^T u, up to scale
        size = float(np.linalg.norm(image))
        if not (size > 0 and np.isfinite(size)):
            break
        vector = image / size
    return vector


def forward_tangent(cell: str, factors: LayerFactors, w_hh: np.ndarray, start: np.ndarray) -> np.ndarray:
    """J_0 w up to a positive scale: a tangent of h_0 (C_0 held fixed) carried forward to h_{T-1}.

    From the same factors as the backward pass, with da_s = W_hh dh_{s-1}:
    LSTM dC_s = f_s dC_{s-1} + A_i da_i + A_f da_f + A_g da_g, dh_s = A_o da_o + K_s dC_s;
    GRU dh_s = z_s dh_{s-1} + sum over r, z, n of A_rec da; RNN dh_s = act'_s da.
    """
    steps, blocks, hidden = factors.gates_in.shape
    gates = factors.gates_in if factors.gates_rec is None else factors.gates_rec
    dtype = w_hh.dtype
    add, multiply, dot = np.add, np.multiply, np.dot
    dh = start.astype(dtype, copy=True)
    dc = np.zeros(hidden, dtype=dtype)
    da = np.empty(blocks * hidden, dtype=dtype)
    da_blocks = da.reshape(blocks, hidden)
    products = np.empty((blocks, hidden), dtype=dtype)
    tmp = np.empty(hidden, dtype=dtype)
    carry = factors.carry
    cell_state = spec_for(cell).has_cell_state
    for s in range(1, steps):
        dot(w_hh, dh, out=da)
        multiply(gates[s], da_blocks, out=products)
        if cell_state:  # every block but the last feeds C, the last feeds h directly
            assert carry is not None and factors.cell_gain is not None
            multiply(dc, carry[s], out=dc)
            for j in range(blocks - 1):
                add(dc, products[j], out=dc)
            multiply(factors.cell_gain[s], dc, out=dh)
            add(dh, products[blocks - 1], out=dh)
        else:
            if carry is not None:
                multiply(carry[s], dh, out=tmp)
            np.sum(products, axis=0, out=dh)
            if carry is not None:
                add(dh, tmp, out=dh)
        if not s & RENORMALISE_MASK:
            peak = max(float(np.abs(dh).max()), float(np.abs(dc).max()))
            if peak > 0 and np.isfinite(peak):
                dh /= peak
                dc /= peak
    return dh


def _repeat(array: np.ndarray) -> Any:
    while True:
        yield array


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
        # batched singular values (measured faster here than eigvalsh of the Gram matrices)
        values = np.linalg.norm(chunk[:filled, :, 0], ord=2, axis=(1, 2))
        norms[t - filled + 1 : t + 1] = values[::-1]
        t -= filled
