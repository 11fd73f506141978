"""An immutable record of every gate and state of a run.

A :class:`Trace` is a read-only mapping from keys to arrays: ``x`` (T, D), and per layer k ``h_l{k}``, ``c_l{k}``,
``i_l{k}``, ``f_l{k}``, ``g_l{k}``, ``o_l{k}`` (LSTM), ``r_l{k}``, ``z_l{k}``, ``n_l{k}`` (GRU), each (T, H); ``y``
(T, O) when the network has an output layer. These are the same keys the ``trace`` command writes, so a notebook
and the command line read the same names.
"""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from .spec import CellSpec, spec_for


def trace_key(quantity: str, layer: int) -> str:
    """``trace_key("f", 1) == "f_l1"``."""
    return f"{quantity}_l{layer}"


class ArrayRecord(Mapping[str, np.ndarray]):
    """A read-only mapping of named arrays (the base of :class:`Trace` and the BPTT ``Gradients``).

    Subclasses are frozen dataclasses with an ``arrays`` field; the arrays are made read-only on creation, so a
    record can be shared between the document, the views and worker threads without copies.
    """

    arrays: Mapping[str, np.ndarray]

    def __post_init__(self) -> None:
        for array in self.arrays.values():
            array.setflags(write=False)

    def __getitem__(self, key: str) -> np.ndarray:
        return self.arrays[key]

    def __iter__(self) -> Iterator[str]:
        return iter(self.arrays)

    def __len__(self) -> int:
        return len(self.arrays)


@dataclass(frozen=True)
class Trace(ArrayRecord):
    """Every gate and state at every step, as read-only (T, H) arrays under their trace keys."""

    cell: str
    hidden_size: int
    num_layers: int
    arrays: Mapping[str, np.ndarray]
    h0: tuple[np.ndarray, ...] = field(default=())
    """Initial hidden state of each layer (H,), so step 0's h_{t-1} is known."""
    c0: tuple[np.ndarray, ...] = field(default=())
    """Initial cell state of each layer (LSTM only)."""

    # Conveniences ----------------------------------------------------------------------------------------
    @property
    def spec(self) -> CellSpec:
        return spec_for(self.cell)

    @property
    def steps(self) -> int:
        """T, the number of time steps."""
        return int(self.arrays["x"].shape[0])

    def get_quantity(self, quantity: str, layer: int = 0) -> np.ndarray:
        """The (T, H) array of ``quantity`` (``h``, ``c``, ``f``, ...) in ``layer``."""
        return self.arrays[trace_key(quantity, layer)]

    def row(self, key: str, step: int) -> np.ndarray:
        """The exact (float64) values of ``key`` at ``step``: what every number shown to the user is read from.

        A plain trace holds them; a :class:`~lstmviz.engine.trace_compact.CompactTrace` replays them."""
        return np.asarray(self.arrays[key][step], dtype=np.float64)

    def previous(self, quantity: str, layer: int = 0) -> np.ndarray:
        """The state one step earlier: row t holds ``quantity`` at t-1 (h_{t-1} or C_{t-1}), row 0 the initial state."""
        current = self.get_quantity(quantity, layer)
        initial = (self.h0 if quantity == "h" else self.c0)[layer]
        return np.concatenate([initial[None, :], current[:-1]], axis=0)

    def nbytes(self) -> int:
        return int(sum(a.nbytes for a in self.arrays.values()))
