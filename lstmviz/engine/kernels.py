"""Step kernels: pure functions that run one layer of one cell kind over a range of steps, in place.

A run allocates every trace array once, full length (:func:`allocate_layer`), then fills steps [start, stop) chunk
by chunk (:func:`run_chunk`): the input projection W_ih x_t + b for the whole chunk is one matrix product written
straight into the trace's gate block, and per step only the recurrent product and elementwise ufuncs with ``out=``
remain. Nothing is cached between calls: the same inputs give the same outputs.

Why the parameters are rearranged first (:func:`prepare_layer`):

- the LSTM's gate rows are permuted from PyTorch's (i, f, g, o) to (o, i, f, g), so the three sigmoid gates are
  contiguous and one call covers them, and each step's block row is followed by C_{t-1}: the row reads
  (o, i, f, g, C_{t-1}), so [i, f] * [g, C_{t-1}] is one multiply and C_t = i g + f C_{t-1} one add;
- the rows of every sigmoid gate are scaled by 1/2 (exact: a power of two), so sigma(a) = 0.5 * tanh(a / 2) + 0.5
  costs one ``tanh`` (shared with the tanh gates) plus two cheap calls. ``tanh`` saturates to +-1 for huge inputs,
  so huge weights give finite gates with no overflow warnings (``1 / (1 + exp(-a))`` would warn).

The trace's LSTM gates i, f, g, o and C are (T, H) column views into one (T + 1, 5H) block (row t + 1 holds C_t);
GRU r, z, n likewise into one (T, 3H) block.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

from .batched_cells import CellKernel, GRUKernel, LSTMKernel, RNNKernel
from .errors import EngineError
from .factors import LayerFactors, gru_factors, lstm_factors, rnn_factors
from .spec import CELL_KINDS, SPECS, CellSpec, spec_for

if TYPE_CHECKING:
    from .network import Network
    from .trace import Trace

HALF = 0.5
"""Sigmoid rows are prescaled by this power of two, so the scaling is exact."""


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), computed as 0.5 * tanh(x / 2) + 0.5: no overflow warnings for any finite x."""
    out: np.ndarray = np.tanh(np.multiply(x, HALF))
    out *= HALF
    out += HALF
    return out


def relu(x: np.ndarray) -> np.ndarray:
    """relu(x) = max(x, 0)."""
    out: np.ndarray = np.maximum(x, 0.0)
    return out


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"tanh": np.tanh, "relu": relu, "sigmoid": sigmoid}


@dataclass(frozen=True)
class PreparedLayer:
    """One layer's parameters rearranged for the step loop (internal row order, sigmoid rows halved)."""

    cell: str
    hidden: int
    activation: str
    """The vanilla RNN's activation; ``tanh`` for the gated cells (unused there)."""
    w_ih_t: np.ndarray
    """(D, G*H), the transposed input weights, so a chunk's projection is ``x @ w_ih_t``."""
    w_hh_t: np.ndarray
    """(H, G*H), the transposed recurrent weights."""
    bias_in: np.ndarray | None
    """Added to the projection: b_ih + b_hh (LSTM, RNN) or b_ih (GRU)."""
    bias_rec: np.ndarray | None
    """Added to the recurrent product each step: b_hh (GRU only, since b_hn sits inside the reset product)."""


def internal_permutation(cell: str, hidden: int, gate_keys: tuple[str, ...]) -> np.ndarray:
    """Row indices taking PyTorch's gate order to the kernel's internal order (identity for GRU and RNN)."""
    if not gate_keys:  # the vanilla RNN: its one block is h
        return np.arange(hidden)
    blocks = [np.arange(hidden) + gate_keys.index(key) * hidden for key in kernel_for(cell).internal_order]
    return np.concatenate(blocks)


def internal_nonlinearities(cell: str, activation: str) -> list[str]:
    """The nonlinearity of each internal block, from the spec (the network's own activation for a gateless cell)."""
    spec = spec_for(cell)
    if not spec.gates:
        return [activation]
    return [spec.gate(key).nonlinearity for key in kernel_for(cell).internal_order]


def sigmoid_row_count(cell: str, hidden: int, activation: str) -> int:
    """Number of leading internal rows whose nonlinearity is the sigmoid (their weights are halved)."""
    leading = 0
    for nonlinearity in internal_nonlinearities(cell, activation):
        if nonlinearity != "sigmoid":
            break
        leading += 1
    return leading * hidden


def prepare_layer(
    cell: str,
    gate_keys: tuple[str, ...],
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None,
    bias_hh: np.ndarray | None,
    activation: str = "tanh",
) -> PreparedLayer:
    """Permute and prescale one layer's parameters (PyTorch layout in) for :func:`run_chunk`."""
    hidden = weight_hh.shape[1]
    activation = activation if spec_for(cell).activation_choice else "tanh"
    sigmoid_rows = sigmoid_row_count(cell, hidden, activation)
    apart = spec_for(cell).recurrent_bias_apart
    if not gate_keys and not sigmoid_rows:  # nothing to permute or scale: transposed views, no copies
        bias_in = None if bias_ih is None or bias_hh is None else bias_ih + bias_hh
        return PreparedLayer(cell, hidden, activation, weight_ih.T, weight_hh.T, bias_in, None)
    perm = internal_permutation(cell, hidden, gate_keys)
    scale = np.ones(perm.shape[0], dtype=weight_ih.dtype)
    scale[:sigmoid_rows] = HALF
    w_ih_t = np.ascontiguousarray((weight_ih[perm] * scale[:, None]).T)
    w_hh_t = np.ascontiguousarray((weight_hh[perm] * scale[:, None]).T)
    b_ih = None if bias_ih is None else bias_ih[perm] * scale
    b_hh = None if bias_hh is None else bias_hh[perm] * scale
    if apart:
        return PreparedLayer(cell, hidden, activation, w_ih_t, w_hh_t, b_ih, b_hh)
    bias_in = None if b_ih is None or b_hh is None else b_ih + b_hh
    return PreparedLayer(cell, hidden, activation, w_ih_t, w_hh_t, bias_in, None)


def allocate_layer(cell: str, steps: int, hidden: int, dtype: np.dtype) -> dict[str, np.ndarray]:
    """Full-length, writable arrays for one layer: ``block`` (the gate block, or h for the RNN), ``pre`` (its
    (T, G*H) pre-activation part, where the projection goes), ``h``, and each gate (and the LSTM's ``c``) as a
    (T, H) column view of the block under its trace key (``i``, ``f``, ...).

    A gateless cell's block is h itself; a cell with a cell state keeps C beside its gates, one row later
    (row t + 1 holds C_t), so the LSTM's [i, f] * [g, C_{t-1}] is one multiply."""
    spec = spec_for(cell)
    if not spec.gates:
        h = np.empty((steps, hidden), dtype=dtype)
        return {"block": h, "pre": h, "h": h}
    order = kernel_for(cell).internal_order
    width = len(order) * hidden
    if spec.has_cell_state:
        block = np.empty((steps + 1, width + hidden), dtype=dtype)
        out = {"block": block, "pre": block[:steps, :width], "c": block[1:, width:]}
    else:
        block = np.empty((steps, width), dtype=dtype)
        out = {"block": block, "pre": block}
    out["h"] = np.empty((steps, hidden), dtype=dtype)
    for k, key in enumerate(order):
        out[key] = block[:steps, k * hidden : (k + 1) * hidden]
    return out


def run_chunk(
    layer: PreparedLayer,
    layer_input: np.ndarray,
    arrays: dict[str, np.ndarray],
    start: int,
    stop: int,
    h_prev: np.ndarray,
    c_prev: np.ndarray | None,
) -> None:
    """Fill steps [start, stop) of one layer's arrays, given its input rows and the state before ``start``."""
    block = arrays["pre"][start:stop]
    # Saturating cells stay finite for any finite weights; only an unbounded relu RNN can reach inf, silently
    # (IEEE arithmetic), rather than raising warnings mid-run.
    with np.errstate(over="ignore", invalid="ignore"):
        np.matmul(layer_input[start:stop], layer.w_ih_t, out=block)
        if layer.bias_in is not None:
            block += layer.bias_in
        kernel_for(layer.cell).steps(layer, arrays, start, stop, h_prev, c_prev)


def _lstm_steps(
    layer: PreparedLayer,
    arrays: dict[str, np.ndarray],
    start: int,
    stop: int,
    h_prev: np.ndarray,
    c_prev: np.ndarray | None,
) -> None:
    """C_t = f_t * C_{t-1} + i_t * g_t, h_t = o_t * tanh(C_t); rows hold the projection on entry (order o, i, f, g)."""
    assert c_prev is not None
    hidden = layer.hidden
    block = arrays["block"]
    block[start, 4 * hidden :] = c_prev  # C_{start-1} beside the first row's g (already there when start > 0)
    rows = block[start:stop]
    dot, add, multiply, tanh = np.dot, np.add, np.multiply, np.tanh
    w_hh_t = layer.w_hh_t
    half = np.array(HALF, dtype=block.dtype)
    rec = np.empty(4 * hidden, dtype=block.dtype)
    products = np.empty(2 * hidden, dtype=block.dtype)
    ig, fc = products[:hidden], products[hidden:]
    for pre, sig, o, i_f, g_c, c_t, h_t in zip(
        rows[:, : 4 * hidden],
        rows[:, : 3 * hidden],
        rows[:, :hidden],
        rows[:, hidden : 3 * hidden],
        rows[:, 3 * hidden :],
        block[start + 1 : stop + 1, 4 * hidden :],
        arrays["h"][start:stop],
        strict=True,
    ):
        dot(h_prev, w_hh_t, out=rec)
        add(pre, rec, out=pre)
        tanh(pre, out=pre)
        multiply(sig, half, out=sig)
        add(sig, half, out=sig)
        multiply(i_f, g_c, out=products)
        add(ig, fc, out=c_t)
        tanh(c_t, out=h_t)
        multiply(h_t, o, out=h_t)
        h_prev = h_t


def _gru_steps(
    layer: PreparedLayer,
    arrays: dict[str, np.ndarray],
    start: int,
    stop: int,
    h_prev: np.ndarray,
    _c: np.ndarray | None,
) -> None:
    """n_t = tanh(W_in x + b_in + r_t * (W_hn h + b_hn)), h_t = n_t + z_t * (h_{t-1} - n_t), as torch computes it."""
    hidden = layer.hidden
    block = arrays["block"]
    rz_rows = block[start:stop, : 2 * hidden]
    r_rows = block[start:stop, :hidden]
    z_rows = block[start:stop, hidden : 2 * hidden]
    n_rows = block[start:stop, 2 * hidden :]
    dot, add, subtract, multiply, tanh = np.dot, np.add, np.subtract, np.multiply, np.tanh
    w_hh_t, bias_rec = layer.w_hh_t, layer.bias_rec
    half = np.array(HALF, dtype=block.dtype)
    rec = np.empty(3 * hidden, dtype=block.dtype)
    rec_rz, rec_n = rec[: 2 * hidden], rec[2 * hidden :]
    tmp = np.empty(hidden, dtype=block.dtype)
    for rz, r, z, n, h_t in zip(rz_rows, r_rows, z_rows, n_rows, arrays["h"][start:stop], strict=True):
        dot(h_prev, w_hh_t, out=rec)
        if bias_rec is not None:
            add(rec, bias_rec, out=rec)
        add(rz, rec_rz, out=rz)
        tanh(rz, out=rz)
        multiply(rz, half, out=rz)
        add(rz, half, out=rz)
        multiply(r, rec_n, out=tmp)
        add(n, tmp, out=n)
        tanh(n, out=n)
        subtract(h_prev, n, out=h_t)
        multiply(h_t, z, out=h_t)
        add(h_t, n, out=h_t)
        h_prev = h_t


def _rnn_steps(
    layer: PreparedLayer,
    arrays: dict[str, np.ndarray],
    start: int,
    stop: int,
    h_prev: np.ndarray,
    _c: np.ndarray | None,
) -> None:
    """h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh); the sigmoid rows arrive halved."""
    h = arrays["h"]
    dot, add, multiply = np.dot, np.add, np.multiply
    w_hh_t = layer.w_hh_t
    half, zero = np.array(HALF, dtype=h.dtype), np.array(0.0, dtype=h.dtype)
    rec = np.empty(layer.hidden, dtype=h.dtype)
    activation = layer.activation
    act: np.ufunc = np.maximum if activation == "relu" else np.tanh
    for h_t in h[start:stop]:
        dot(h_prev, w_hh_t, out=rec)
        add(h_t, rec, out=h_t)
        if activation == "relu":
            act(h_t, zero, out=h_t)
        else:
            act(h_t, out=h_t)
            if activation == "sigmoid":
                multiply(h_t, half, out=h_t)
                add(h_t, half, out=h_t)
        h_prev = h_t


StepFunction = Callable[[PreparedLayer, dict[str, np.ndarray], int, int, np.ndarray, "np.ndarray | None"], None]
"""Fills steps [start, stop) of one layer whose rows already hold the input projection (see :func:`run_chunk`)."""


@dataclass(frozen=True)
class StepKernel:
    """The code of one cell kind, everything else about it being data in its :class:`~.spec.CellSpec`.

    ``steps`` runs the forward recursion, ``factors`` gives BPTT's recursion-free factors (the shared backward
    loop reads them as the spec says: with a cell state the LSTM's way, else the GRU's), ``batched`` is the
    batched kernel training uses (None: the kind cannot be trained).
    """

    internal_order: tuple[str, ...]
    """Gate keys in the kernel's row order (sigmoid gates first, so one call covers them); ``("h",)`` if gateless."""
    steps: StepFunction
    factors: Callable[[Network, Trace, int], LayerFactors]
    batched: CellKernel | None = None


STEP_KERNELS: dict[str, StepKernel] = {
    "rnn": StepKernel(("h",), _rnn_steps, rnn_factors, batched=RNNKernel()),
    "gru": StepKernel(("r", "z", "n"), _gru_steps, gru_factors, batched=GRUKernel()),
    "lstm": StepKernel(("o", "i", "f", "g"), _lstm_steps, lstm_factors, batched=LSTMKernel()),
}


def kernel_for(kind: str) -> StepKernel:
    """The step kernel of a cell kind, with the spec's clear error for an unknown kind."""
    spec = spec_for(kind)
    try:
        return STEP_KERNELS[spec.kind]
    except KeyError:
        raise EngineError(f"the {spec.title} cell has no step kernel registered") from None


def register_cell_kind(spec: CellSpec, kernel: StepKernel) -> None:
    """Add a cell kind at run time: its spec and its kernel (the GUI adds its diagram layout beside it)."""
    if spec.kind in SPECS:
        raise EngineError(f"a cell kind named {spec.kind!r} already exists")
    if len(kernel.internal_order) != spec.row_blocks:
        raise EngineError(
            f"the {spec.title} kernel orders {len(kernel.internal_order)} blocks, the spec says {spec.row_blocks}"
        )
    SPECS[spec.kind] = spec
    STEP_KERNELS[spec.kind] = kernel


def unregister_cell_kind(kind: str) -> None:
    """Remove a cell kind added by :func:`register_cell_kind` (the built-in kinds stay)."""
    if kind in CELL_KINDS:
        raise EngineError(f"the built-in cell kind {kind!r} cannot be removed")
    SPECS.pop(kind, None)
    STEP_KERNELS.pop(kind, None)


def apply_output(
    h: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, activation: str, out: np.ndarray | None = None
) -> np.ndarray:
    """O_t = g(W_o h_t + b_o) for all t, g in identity, sigmoid, tanh, softmax (over the output units)."""
    y: np.ndarray = np.matmul(h, weight.T, out=out)
    if bias is not None:
        y += bias
    if activation == "identity":
        return y
    if activation == "sigmoid":
        y *= HALF
        np.tanh(y, out=y)
        y *= HALF
        y += HALF
        return y
    if activation == "tanh":
        np.tanh(y, out=y)
        return y
    if activation == "softmax":
        y -= y.max(axis=1, keepdims=True)
        np.exp(y, out=y)
        y /= y.sum(axis=1, keepdims=True)
        return y
    raise ValueError(f"unknown output activation {activation!r}")
