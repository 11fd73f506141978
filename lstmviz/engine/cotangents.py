"""The backward recursion of one layer, shared by BPTT (:mod:`.bptt`) and the Jacobian curve (:mod:`.jacobian`).

It carries B cotangent rows from the last step to the first through a layer's recursion-free factors
(:class:`~.factors.LayerFactors`); where the results go is a :class:`CotangentSink`. It sits below both users, so
neither imports the other.
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .progress import tick
from .spec import spec_for

if TYPE_CHECKING:
    from .factors import LayerFactors


TINY = 1e-280
"""Gradients below this are flushed to zero: a vanishing gradient otherwise decays through subnormal numbers, which
the CPU handles about 100x slower (measured: BPTT at H=256, T=2,000 took 4x longer). Nothing above 1e-280 changes."""
FLUSH_MASK = 15
"""Flush the carried gradient every 16 steps (t & 15 == 0): rare enough to cost nothing, often enough that a
gradient cannot stay subnormal for long."""


TINY_FLOAT32 = 1e-30
"""The same for float32, whose subnormals start below 1.2e-38."""


def flush_subnormal(array: np.ndarray) -> None:
    """Set entries with |value| < TINY (TINY_FLOAT32 for float32) to zero, in place."""
    np.putmask(array, np.abs(array) < (TINY if array.dtype == np.float64 else TINY_FLOAT32), 0.0)


def _steady(renormalise: bool, *carried: np.ndarray) -> None:
    """Keep carried values away from subnormals: rescale them together to max |value| = 1, or flush tiny ones."""
    if not renormalise:
        for array in carried:
            flush_subnormal(array)
        return
    peak = max(float(np.abs(array).max()) for array in carried)
    if peak > 0 and np.isfinite(peak):
        for array in carried:
            array /= peak


@dataclass
class CotangentSink:
    """Where the backward loop writes step t's results, as iterables over t = T-1 .. 0 of ready-made views.

    Making every view before the loop (not ``dg[:, :3]`` inside it) saves about a microsecond per step.
    """

    dh: Iterable[np.ndarray]
    """dh_t: (H,) for one row, (B, 1, H) for B rows (one row avoids broadcasting, which costs ~0.7 us a call)."""
    dc: Iterable[np.ndarray | None]
    """dC_t (LSTM), shaped as dh; None for the other cells."""
    dg: Iterable[np.ndarray]
    """dG_in: (G, H) or (B, G, H)."""
    dg_flat: Iterable[np.ndarray]
    """The same memory as ``dg``, (G*H,) or (B, G*H)."""
    dg_sigmoid: Iterable[np.ndarray]
    """The rows of ``dg`` driven by dC (the LSTM's i, f, g): (G-1, H) or (B, G-1, H)."""
    dg_last: Iterable[np.ndarray]
    """The last row of ``dg``, driven by dh (the LSTM's o), shaped as dh."""
    dg_rec: Iterable[np.ndarray]
    """The GRU's hidden-side dG (its own array), else ``dg``."""
    dg_rec_flat: Iterable[np.ndarray]
    one_row: bool = True
    """True: the 1-D shapes of a single row; False: (B, 1, H) shapes."""

    @classmethod
    def storing(cls, dh: np.ndarray, dc: np.ndarray | None, dg: np.ndarray, dg_rec: np.ndarray) -> CotangentSink:
        """One row, written into full-length arrays: dh, dc (T, H), dg, dg_rec (T, G, H)."""
        steps, blocks, hidden = dg.shape
        back = slice(None, None, -1)
        return cls(
            dh[back],
            itertools.repeat(None) if dc is None else dc[back],
            dg[back],
            dg.reshape(steps, blocks * hidden)[back],
            dg[back, : blocks - 1],
            dg[back, blocks - 1],  # the LSTM's o row (unused by the other cells)
            dg_rec[back],
            dg_rec.reshape(steps, blocks * hidden)[back],
        )

    @classmethod
    def scratch(
        cls, dh: Iterable[np.ndarray], batch: int, blocks: int, hidden: int, separate: bool, dtype: Any
    ) -> CotangentSink:
        """Keep only dh (given: (H,) rows when batch is 1, else (B, 1, H)), overwriting one scratch array per
        other quantity every step."""
        r = itertools.repeat
        if batch == 1:
            dg = np.empty((blocks, hidden), dtype=dtype)
            dg_rec = np.empty_like(dg) if separate else dg
            return cls(
                dh,
                r(np.empty(hidden, dtype=dtype)),
                r(dg),
                r(dg.reshape(-1)),
                r(dg[: blocks - 1]),
                r(dg[blocks - 1]),
                r(dg_rec),
                r(dg_rec.reshape(-1)),
            )
        dg = np.empty((batch, blocks, hidden), dtype=dtype)
        dg_rec = np.empty_like(dg) if separate else dg
        return cls(
            dh,
            r(np.empty((batch, 1, hidden), dtype=dtype)),
            r(dg),
            r(dg.reshape(batch, -1)),
            r(dg[:, : blocks - 1]),
            r(dg[:, blocks - 1 :]),
            r(dg_rec),
            r(dg_rec.reshape(batch, -1)),
            one_row=False,
        )


def run_cotangents(
    cell: str,
    factors: LayerFactors,
    w_hh: np.ndarray,
    start: np.ndarray,
    external: np.ndarray | None,
    sink: CotangentSink,
    renormalise: bool = False,
) -> tuple[np.ndarray, np.ndarray | None]:
    """The backward recursion of one layer for B cotangent rows at once, from t = T-1 down to 0.

    Returns what is carried past step 0, (B, H) each: dh_{-1} = dL/dh_0 of the initial state and, for the LSTM,
    dC_{-1} = dC_0 f_0 = dL/dC_0.

    ``start`` (B, H) is dh at the last step before ``external`` (T, H), which is added to every row at every step.
    ``renormalise`` (without ``external``) rescales the carried state every 16 steps instead of flushing it: the
    recursion is linear, so directions survive where magnitudes would underflow (for power iteration).
    """
    steps, blocks, hidden = factors.gates_in.shape
    batch = start.shape[0]
    dtype = start.dtype
    add, multiply, dot, copyto = np.add, np.multiply, np.dot, np.copyto
    vector = (hidden,) if sink.one_row else (batch, 1, hidden)
    rec = start.reshape(vector).copy()
    rec_flat = rec if sink.one_row else rec.reshape(batch, hidden)
    tmp = np.empty(vector, dtype=dtype)
    ext_rows: Any = itertools.repeat(None) if external is None else external[::-1]
    gates_in = factors.gates_in[::-1]
    carry: Any = itertools.repeat(None) if factors.carry is None else factors.carry[::-1]
    countdown = range(steps - 1, -1, -1)
    if spec_for(cell).has_cell_state:
        assert factors.cell_gain is not None
        dc_next = np.zeros(vector, dtype=dtype)
        for t, a_sig, a_o, f, gain, ext, dh, dc, dg_sig, dg_o, dg_flat in zip(
            countdown,
            gates_in[:, : blocks - 1],
            gates_in[:, blocks - 1],
            carry,
            factors.cell_gain[::-1],
            ext_rows,
            sink.dh,
            sink.dc,
            sink.dg_sigmoid,
            sink.dg_last,
            sink.dg_flat,
            strict=False,
        ):
            if not t & FLUSH_MASK:
                _steady(renormalise, rec, dc_next)
                tick(FLUSH_MASK + 1)
            if ext is None:
                copyto(dh, rec)
            else:
                add(rec, ext, out=dh)
            multiply(dh, gain, out=tmp)
            add(tmp, dc_next, out=dc)  # dC_t = dC_{t+1} f_{t+1} + dh_t o_t (1 - tanh^2 C_t)
            multiply(a_sig, dc, out=dg_sig)
            multiply(a_o, dh, out=dg_o)
            multiply(dc, f, out=dc_next)
            dot(dg_flat, w_hh, out=rec_flat)  # dh_{t-1} (through the recurrence) = dG_t W_hh
        return rec.reshape(batch, hidden), dc_next.reshape(batch, hidden)
    separate = factors.gates_rec is not None
    gates_rec = gates_in if factors.gates_rec is None else factors.gates_rec[::-1]
    for t, a, a_rec, z, ext, dh, dg, dg_rec, dg_rec_flat in zip(
        countdown, gates_in, gates_rec, carry, ext_rows, sink.dh, sink.dg, sink.dg_rec, sink.dg_rec_flat, strict=False
    ):
        if not t & FLUSH_MASK:
            _steady(renormalise, rec)
            tick(FLUSH_MASK + 1)
        if ext is None:
            copyto(dh, rec)
        else:
            add(rec, ext, out=dh)
        multiply(a, dh, out=dg)
        if separate:
            multiply(a_rec, dh, out=dg_rec)
        dot(dg_rec_flat, w_hh, out=rec_flat)
        if z is not None:  # GRU: dh_{t-1} also gets dh_t z_t directly
            multiply(dh, z, out=tmp)
            add(rec, tmp, out=rec)
    return rec.reshape(batch, hidden), None
