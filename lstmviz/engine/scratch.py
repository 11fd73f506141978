"""Reusable work buffers, so a training loop does not allocate and free the same megabytes on every update.

Freeing a large NumPy array hands its memory back to the C allocator, which may return it to the system; the next
update then faults the same pages back in (hundreds of page faults per update at H = 32, a tenth to a quarter of
its time). A :class:`Workspace` keeps one buffer per role and hands out views of it: a buffer is valid until the
same role is asked for again from the same workspace.

- :data:`FRESH` allocates a new array every time (the default: results that outlive the call).
- :func:`transient` is this thread's workspace for buffers that never leave one call (e.g. the gradient
  pre-activations inside ``batched.backward``); buffers above :data:`POOL_LIMIT` bytes are never kept.
"""

from __future__ import annotations

import math
import threading

import numpy as np

POOL_LIMIT = 16 * 1024 * 1024
"""Bytes: larger buffers are allocated fresh (their work dwarfs the faults) and never held."""


class Workspace:
    """One reusable buffer per (role, dtype); :meth:`empty` returns an uninitialised view of the requested shape."""

    def __init__(self) -> None:
        self._buffers: dict[tuple[str, str], np.ndarray] = {}

    def empty(self, role: str, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        kind = np.dtype(dtype)
        size = math.prod(shape)
        if size * kind.itemsize > POOL_LIMIT:
            return np.empty(shape, dtype=kind)
        key = (role, kind.str)
        buffer = self._buffers.get(key)
        if buffer is None or buffer.size < size:
            buffer = self._buffers[key] = np.empty(size, dtype=kind)
        return buffer[:size].reshape(shape)


class _Fresh(Workspace):
    """Allocates a new array on every call (keeps nothing)."""

    def empty(self, role: str, shape: tuple[int, ...], dtype: np.dtype | type) -> np.ndarray:
        return np.empty(shape, dtype=dtype)


FRESH: Workspace = _Fresh()

_LOCAL = threading.local()


def transient() -> Workspace:
    """This thread's workspace for buffers that do not outlive one call."""
    space: Workspace | None = getattr(_LOCAL, "space", None)
    if space is None:
        space = _LOCAL.space = Workspace()
    return space
