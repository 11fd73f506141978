"""How a parameter array splits into the gate blocks the weights panel draws (pure NumPy, no widgets).

PyTorch stacks the gates' rows: ``weight_hh_l0`` of an LSTM is (4H x H) with rows i, f, g, o. The panel shows one
heatmap per gate block so the forget gate's weights are a picture of their own. Every block is drawn as a
(units x inputs) image; a bias block is drawn as a (units x 1) column so its rows line up with the matrices' rows.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ...engine.network import OUTPUT_BIAS, OUTPUT_WEIGHT, RECURRENT_PARAMETERS, Network, parameter_name
from ...engine.spec import CellSpec
from ...model.naming import element_text


@dataclass(frozen=True)
class Block:
    """One gate's rows of a parameter: ``label`` is the gate symbol (``f``) or ``""`` for the output layer."""

    label: str
    title: str
    rows: slice

    def image(self, array: np.ndarray) -> np.ndarray:
        """The block as a 2-D (units x columns) image; vectors become one column."""
        part = array[self.rows]
        return part[:, None] if part.ndim == 1 else part

    def parameter_index(self, row: int, col: int, ndim: int) -> tuple[int, ...]:
        """Index into the whole parameter of image cell (row, col)."""
        start = self.rows.start or 0
        return (start + row,) if ndim == 1 else (start + row, col)


def gate_labels(spec: CellSpec) -> tuple[tuple[str, str], ...]:
    """(symbol, title) of each row block; a vanilla RNN's single block is ``h`` itself."""
    if spec.gates:
        return tuple((g.key, g.title) for g in spec.gates)
    state = spec.states[-1]
    return ((state.key, state.title),)


def parameter_choices(network: Network, layer: int) -> list[str]:
    """Parameters the panel offers for ``layer``: the recurrent ones that exist, then the output layer."""
    names = [parameter_name(kind, layer) for kind in RECURRENT_PARAMETERS]
    names = [name for name in names if name in network.params]
    if network.has_output:
        names += [OUTPUT_WEIGHT, OUTPUT_BIAS]
    return names


def blocks_for(network: Network, name: str) -> list[Block]:
    """The gate blocks of parameter ``name``; the output layer is one block."""
    if name in (OUTPUT_WEIGHT, OUTPUT_BIAS):
        rows = network.params[name].shape[0]
        return [Block("", "output layer", slice(0, rows))]
    hidden = network.hidden_size
    return [
        Block(symbol, title, slice(k * hidden, (k + 1) * hidden))
        for k, (symbol, title) in enumerate(gate_labels(network.spec))
    ]


def element_name(name: str, block: Block, row: int, col: int, ndim: int) -> str:
    """Readable name of one element: ``weight_hh_l0[f: 3, 5]``, ``bias_ih_l0[f: 3]``, ``fc.weight[2, 5]``."""
    return element_text(name, block.label, row, None if ndim == 1 else col)


def locate(network: Network, name: str, index: tuple[int, ...]) -> tuple[int, int, int]:
    """(block number, row, col) of a whole-parameter index (inverse of :meth:`Block.parameter_index`)."""
    blocks = blocks_for(network, name)
    row = index[0]
    for k, block in enumerate(blocks):
        start, stop = block.rows.start or 0, block.rows.stop
        if start <= row < stop:
            return k, row - start, index[1] if len(index) > 1 else 0
    raise IndexError(f"{name} has no element {index}")


def scale_of(current: np.ndarray, reference: np.ndarray) -> float | None:
    """``s`` with ``current == s * reference`` (to rounding), or None when ``current`` is not such a multiple."""
    if current.shape != reference.shape:
        return None
    # Plain sums, not np.vdot: a threaded BLAS call costs milliseconds on a busy machine for a 16k-element dot.
    norm = float(np.sum(reference * reference))
    if norm == 0.0:
        return None
    s = float(np.sum(current * reference)) / norm
    # One pass of max|difference| instead of np.allclose: this runs on every edit of a 1024 x 256 matrix.
    tol = 1e-9 * max(1.0, float(np.max(np.abs(current))))
    return s if float(np.max(np.abs(current - s * reference))) <= tol else None


def effective_bias(network: Network, layer: int, rows: slice) -> np.ndarray | None:
    """b_ih + b_hh of the given rows (what the gate's pre-activation actually adds), or None without biases."""
    b_ih = network.params.get(parameter_name("bias_ih", layer))
    b_hh = network.params.get(parameter_name("bias_hh", layer))
    if b_ih is None or b_hh is None:
        return None
    return np.asarray(b_ih[rows] + b_hh[rows])


def symmetric_level(values: np.ndarray) -> float:
    """Half-width of a colour range centred on 0 that holds ``values``, rounded up to a readable number."""
    peak = float(np.max(np.abs(values))) if values.size else 0.0
    if peak <= 0.0 or not np.isfinite(peak):
        return 1.0
    exponent = np.floor(np.log10(peak))
    for step in (1.0, 2.0, 2.5, 5.0, 10.0):
        bound = step * 10.0**exponent
        if bound >= peak:
            return float(bound)
    return peak
