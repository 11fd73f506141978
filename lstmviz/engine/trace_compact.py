"""A long trace kept small: float32 arrays for drawing, float64 states every K steps for exact values on demand.

Why: a float64 trace of every gate and state is T x H x 8 bytes x (gates + states), 1.2 GB for an LSTM at
100,000 steps x 256 units, and a window also needs a drawing copy. Pictures are 8-bit colour, so float32 is far
finer than anything drawn; but every number the user reads must be the float64 value. A :class:`CompactTrace`
therefore holds float32 arrays under the usual trace keys (half the bytes, and no separate drawing copy is needed)
plus the float64 h (and C) of every layer at the start of every window of :data:`WINDOW_STEPS` steps. ``row(key,
t)`` replays t's window from its checkpoint in float64 (at most ``WINDOW_STEPS`` steps, about 13 ms at H = 256) and
returns the exact row; the last replayed window is kept, so playing step by step replays once per window.

The replay runs the same kernels from the same states over the same windows as the run that filled the trace, so
a row equals the row of ``Network.run`` over the whole sequence (tests check it against the full float64 trace).
"""

from __future__ import annotations

import threading
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from . import forward as _forward
from .trace import Trace, trace_key

if TYPE_CHECKING:
    from .network import Network

WINDOW_STEPS = 256
"""Steps between float64 checkpoints: the most a row costs to replay, and the chunk the trace is filled in."""
DRAWING_DTYPE = np.float32
CACHED_WINDOWS = 2


class Replay:
    """Float64 rows of a compact trace recomputed from its checkpoints (one cached window, thread-safe)."""

    def __init__(self, network: Network, x: np.ndarray, window: int, layers: int, has_cell: bool) -> None:
        self.network = network
        self.x = x
        self.window = window
        count = -(-x.shape[0] // window)
        hidden = network.hidden_size
        self.h = np.zeros((count, layers, hidden), dtype=np.float64)
        """h of every layer before the first step of each window (h_{-1} = h0 for window 0)."""
        self.c = np.zeros((count, layers, hidden), dtype=np.float64) if has_cell else None
        self._lock = threading.Lock()
        self._cached: dict[int, Trace] = {}
        """The last two windows replayed: a step's h_{t-1} may sit in the window before it."""

    def nbytes(self) -> int:
        return int(self.h.nbytes + (0 if self.c is None else self.c.nbytes) + self.x.nbytes)

    def window_trace(self, index: int) -> Trace:
        """The float64 trace of window ``index`` (steps [index * window, ...)), replayed from its checkpoint."""
        with self._lock:
            cached = self._cached.get(index)
            if cached is not None:
                return cached
            start = index * self.window
            stop = min(start + self.window, self.x.shape[0])
            h_init = [self.h[index, k].copy() for k in range(self.h.shape[1])]
            c_init = [] if self.c is None else [self.c[index, k].copy() for k in range(self.c.shape[1])]
            trace = _run_window(self.network, self.x[start:stop], h_init, c_init)
            if len(self._cached) >= CACHED_WINDOWS:
                del self._cached[next(iter(self._cached))]
            self._cached[index] = trace
            return trace


def _run_window(network: Network, x: np.ndarray, h_init: list[np.ndarray], c_init: list[np.ndarray]) -> Trace:
    """One window in float64 through the engine's own forward pass (one chunk, so one projection matmul)."""
    trace, _ = next(_forward.run_progressive(network, x, h_init, c_init, chunk_steps=max(1, x.shape[0])))
    return trace


@dataclass(frozen=True)
class CompactTrace(Trace):
    """A :class:`Trace` whose arrays are float32 copies for drawing; ``row`` gives the exact float64 values."""

    replay: Replay | None = field(default=None, compare=False)

    def row(self, key: str, step: int) -> np.ndarray:
        """The float64 values of ``key`` at ``step`` (as ``Network.run`` computes them), replayed on demand."""
        if key == "x" or self.replay is None:
            return super().row(key, step)
        step = int(step) % self.steps if step < 0 else int(step)
        index = step // self.replay.window
        window = self.replay.window_trace(index)
        return np.asarray(window[key][step - index * self.replay.window], dtype=np.float64)

    def nbytes(self) -> int:
        return super().nbytes() + (0 if self.replay is None else self.replay.nbytes() - self.arrays["x"].nbytes)


def compact_nbytes(network: Network, steps: int) -> int:
    """Bytes of a compact trace of ``steps`` steps (float32 arrays; checkpoints and x are small beside them)."""
    full = network.trace_nbytes(steps) - steps * network.input_size * network.dtype.itemsize
    return int(full * np.dtype(DRAWING_DTYPE).itemsize // network.dtype.itemsize)


def run_compact_progressive(
    network: Network, x: np.ndarray, h_init: list[np.ndarray], c_init: list[np.ndarray], window: int = WINDOW_STEPS
) -> Iterator[tuple[CompactTrace, int]]:
    """Fill a compact trace window by window, yielding ``(trace, steps_done)`` after each; stop iterating to cancel.

    ``x`` is prepared (T, D) of the network's dtype, as :func:`lstmviz.engine.forward.run_progressive` takes it.
    Only one window is ever held in float64; the arrays are zero-filled up front, so unfilled steps read as 0.
    """
    steps, spec = x.shape[0], network.spec
    replay = Replay(network, x, window, network.num_layers, spec.has_cell_state)
    arrays: dict[str, np.ndarray] = {"x": _frozen(x)}
    buffers: dict[str, np.ndarray] = {}
    for k in range(network.num_layers):
        for quantity in spec.trace_keys():
            buffers[trace_key(quantity, k)] = np.zeros((steps, network.hidden_size), dtype=DRAWING_DTYPE)
    if network.has_output:
        buffers["y"] = np.zeros((steps, network.output_size or 0), dtype=DRAWING_DTYPE)
    arrays.update({key: _frozen(buffer) for key, buffer in buffers.items()})
    trace = CompactTrace(
        cell=network.cell,
        hidden_size=network.hidden_size,
        num_layers=network.num_layers,
        arrays=arrays,
        h0=tuple(h_init),
        c0=tuple(c_init) if spec.has_cell_state else (),
        replay=replay,
    )
    h_state = [h.copy() for h in h_init]
    c_state = [c.copy() for c in c_init] if spec.has_cell_state else []
    for index, start in enumerate(range(0, steps, window)):
        stop = min(start + window, steps)
        replay.h[index] = h_state
        if replay.c is not None:
            replay.c[index] = c_state
        part = _run_window(network, x[start:stop], [h.copy() for h in h_state], [c.copy() for c in c_state])
        for key, buffer in buffers.items():
            buffer[start:stop] = part[key]
        h_state = [np.array(part[trace_key("h", k)][-1]) for k in range(network.num_layers)]
        if spec.has_cell_state:
            c_state = [np.array(part[trace_key("c", k)][-1]) for k in range(network.num_layers)]
        yield trace, stop


def _frozen(array: np.ndarray) -> np.ndarray:
    view = array.view()
    view.setflags(write=False)
    return view


def exact_trace(trace: Trace) -> Trace:
    """``trace`` with float64 arrays: itself when it holds them, else a full replay (for an export or BPTT, which
    need every value exact; it costs a full float64 trace for as long as the caller keeps it)."""
    if not isinstance(trace, CompactTrace) or trace.replay is None:
        return trace
    replay = trace.replay
    h0 = np.stack(trace.h0) if trace.h0 else None
    c0 = np.stack(trace.c0) if trace.c0 else None
    return replay.network.run(replay.x, h0, c0)
