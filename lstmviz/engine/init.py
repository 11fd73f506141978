"""Parameter initialisers: seeded, reproducible, PyTorch's default among them.

Each initialiser fills a fresh dict of parameters under PyTorch's names, so a network made here and one made by
``torch.nn.LSTM`` with the same scheme have the same distribution (not the same numbers: the generators differ).
"""

from __future__ import annotations

import numpy as np

from .errors import EngineError

INITIALISERS: tuple[str, ...] = ("pytorch", "xavier", "orthogonal", "zeros")


def _orthogonal(rng: np.random.Generator, rows: int, cols: int) -> np.ndarray:
    """A (rows x cols) matrix with orthonormal rows or columns (QR of a Gaussian, sign-fixed as torch does)."""
    flat = rng.standard_normal((max(rows, cols), min(rows, cols)))
    q, r = np.linalg.qr(flat)
    q *= np.sign(np.diag(r))
    return q if rows >= cols else q.T


def init_parameters(
    shapes: dict[str, tuple[int, ...]],
    hidden_size: int,
    scheme: str = "pytorch",
    seed: int | None = 0,
    dtype: np.dtype | type = np.float64,
) -> dict[str, np.ndarray]:
    """Return parameters of the given shapes initialised by ``scheme``.

    - ``pytorch``: every parameter ~ U(-1/sqrt(H), 1/sqrt(H)), as ``nn.RNN/GRU/LSTM.reset_parameters``.
    - ``xavier``: weights ~ U(-a, a), a = sqrt(6 / (fan_in + fan_out)) per gate block; biases zero.
    - ``orthogonal``: input weights Xavier, each gate block of ``weight_hh`` orthogonal; biases zero.
    - ``zeros``: everything zero (a blank slate to edit by hand).
    """
    if scheme not in INITIALISERS:
        raise EngineError(f"unknown initialiser {scheme!r}; choose one of {', '.join(INITIALISERS)}")
    rng = np.random.default_rng(seed)
    bound = 1.0 / np.sqrt(hidden_size)
    out: dict[str, np.ndarray] = {}
    for name, shape in shapes.items():
        if scheme == "zeros":
            value = np.zeros(shape)
        elif scheme == "pytorch":
            value = rng.uniform(-bound, bound, size=shape)
        elif len(shape) == 1:
            value = np.zeros(shape)
        elif scheme == "orthogonal" and name.startswith("weight_hh"):
            blocks = [_orthogonal(rng, hidden_size, shape[1]) for _ in range(shape[0] // hidden_size)]
            value = np.concatenate(blocks, axis=0)
        else:
            rows = hidden_size if name.startswith("weight_") and shape[0] % hidden_size == 0 else shape[0]
            a = np.sqrt(6.0 / (rows + shape[1]))
            value = rng.uniform(-a, a, size=shape)
        out[name] = np.ascontiguousarray(value, dtype=dtype)
    return out
