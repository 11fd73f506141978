"""Batched forward pass and backpropagation through time, for training (a batch axis in front).

The batch-1 :class:`~lstmviz.engine.trace.Trace` path (``Network.run``, ``Network.bptt``) is separate and
unchanged; this module serves training loops and the encoder-decoder, where many sequences run at once and only
the numbers needed for gradients are kept.

API (stable)
------------
``forward(network, x, h0=None, c0=None, workspace=FRESH) -> BatchCache``
    ``x`` (B, T, I); ``h0``/``c0`` (L, B, H), zeros when omitted (``c0`` only for the LSTM). The cache holds every
    layer's record and offers ``cache.h`` (B, T, H, the top layer), ``cache.layer_h(k)`` (B, T, H),
    ``cache.gate(key, k)`` (B, T, H, e.g. ``"f"``), ``cache.y`` (B, T, O, or None without an output layer),
    ``cache.h_T`` and ``cache.c_T`` (L, B, H; ``c_T`` is None for GRU and RNN), ``cache.network``. A training
    loop passes its own :class:`~.scratch.Workspace` so each update reuses the previous one's record buffers
    (that cache then lives until the next call with the same workspace).
``backward(cache, dy=None, dh=None, dh_T=None, dc_T=None) -> BatchGradients``
    ``dy`` = dL/dy (B, T, O), ``dh`` = direct dL/dh_t of the top layer (B, T, H), ``dh_T``/``dc_T`` = dL/dh_T,
    dL/dC_T (L, B, H) arriving at the final states (any may be omitted: zero); ``need_dx=False`` skips dL/dx.
    Returns ``params`` (a dict under PyTorch's names, every parameter of the network, output layer included),
    ``dx`` (B, T, I), ``dh0`` (L, B, H) and ``dc0`` (L, B, H, LSTM only, else None).

Step by step: a call with T = 1 whose ``h0``/``c0`` are the previous call's ``h_T``/``c_T`` continues the same
recursion; backward then runs call by call in reverse, passing each call's ``dh0``/``dc0`` as the earlier call's
``dh_T``/``dc_T``, and :func:`add_gradients` sums the parameter gradients. The same chaining joins two networks:
an encoder's ``h_T``/``c_T`` as a decoder's ``h0``/``c0``, the decoder's ``dh0``/``dc0`` as the encoder's
``dh_T``/``dc_T``.

Equations (PyTorch's, rows in its gate order i, f, g, o / r, z, n): see :mod:`lstmviz.engine.spec`. Per layer,
backward computes dA (the gradients of the gate pre-activations, (T, G*H, B)) by the recursion of
:mod:`.batched_cells`, then dW_ih = sum_{t,b} dA x^T, dW_hh = sum_{t,b} dA_rec h_{t-1}^T, db_ih = sum dA,
db_hh = sum dA_rec: one matrix product each over all steps and rows; dL/d(input) = W_ih^T dA, one per step.
Inside, every record is feature-major, (T, width, B) (see :mod:`.batched_cells` for why); the (B, T, .) arrays
of the API are views of it.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .batched_cells import HALF, CellKernel, LayerBuffers, PreparedBatchLayer
from .errors import EngineError
from .kernels import apply_output, internal_nonlinearities, internal_permutation, kernel_for
from .losses import activation_backward
from .network import OUTPUT_BIAS, OUTPUT_WEIGHT, parameter_name
from .scratch import FRESH, Workspace, transient

if TYPE_CHECKING:
    from .network import Network

__all__ = ["BatchCache", "BatchGradients", "add_gradients", "backward", "forward", "prepare_batch_layer"]


def prepare_batch_layer(network: Network, k: int) -> PreparedBatchLayer:
    """Layer ``k``'s parameters in internal row order, the sigmoid rows (as the CellSpec names them) halved."""
    spec, hidden = network.spec, network.hidden_size
    w_ih, w_hh, b_ih, b_hh = network.layer_parameters(k)
    perm = internal_permutation(network.cell, hidden, spec.gate_keys)
    nonlinearities = internal_nonlinearities(network.cell, network.nonlinearity)
    leading = 0
    while leading < len(nonlinearities) and nonlinearities[leading] == "sigmoid":
        leading += 1
    sigmoid_rows = leading * hidden
    scale = np.ones(perm.shape[0], dtype=w_ih.dtype)
    scale[:sigmoid_rows] = HALF
    w_ih_p, w_hh_p = w_ih[perm], w_hh[perm]
    bias_in = bias_rec = None
    if b_ih is not None and b_hh is not None:
        if spec.recurrent_bias_apart:
            bias_in, bias_rec = (b_ih[perm] * scale)[:, None], (b_hh[perm] * scale)[:, None]
        else:
            bias_in = (b_ih[perm] * scale + b_hh[perm] * scale)[:, None]
    return PreparedBatchLayer(
        cell=network.cell,
        hidden=hidden,
        activation=network.nonlinearity if spec.activation_choice else "tanh",
        sigmoid_rows=sigmoid_rows,
        perm=perm,
        w_ih_half=w_ih_p * scale[:, None],
        w_hh_half=w_hh_p * scale[:, None],
        bias_in=bias_in,
        bias_rec=bias_rec,
        w_ih=w_ih_p,
        w_hh_t=np.ascontiguousarray(w_hh_p.T),
    )


def batched_kernel(network: Network) -> CellKernel:
    """The batched kernel of the network's cell kind, or a clear error for a kind that has none."""
    kernel = kernel_for(network.cell).batched
    if kernel is None:
        raise EngineError(f"the {network.spec.title} cell has no batched kernel, so it cannot be trained")
    return kernel


@dataclass(frozen=True)
class BatchCache:
    """Everything backward needs from one forward call: the network, its prepared layers and time-major records."""

    network: Network
    inputs: np.ndarray
    """(T, I, B), time-major, feature-major copy of x."""
    prepared: tuple[PreparedBatchLayer, ...]
    layers: tuple[LayerBuffers, ...]
    y_time: np.ndarray | None
    """(T, B, O) output-layer values, or None."""

    @property
    def steps(self) -> int:
        return int(self.inputs.shape[0])

    @property
    def batch(self) -> int:
        return int(self.inputs.shape[2])

    @property
    def x(self) -> np.ndarray:
        """(B, T, I) (a view)."""
        return self.inputs.transpose(2, 0, 1)

    def layer_h(self, k: int) -> np.ndarray:
        """h_t of layer ``k``, (B, T, H) (a view)."""
        return self.layers[k].h[1:].transpose(2, 0, 1)

    def gate(self, key: str, k: int) -> np.ndarray:
        """A gate (``i``, ``f``, ``g``, ``o``, ``r``, ``z``, ``n``) or state (``h``, ``c``) of layer ``k``,
        (B, T, H)."""
        buffers, hidden = self.layers[k], self.network.hidden_size
        if key == "h":
            return self.layer_h(k)
        if key == "c" and buffers.c is not None:
            return buffers.c[1:].transpose(2, 0, 1)
        order = kernel_for(self.network.cell).internal_order
        if key not in order or not self.network.spec.gates:
            raise EngineError(f"a {self.network.spec.title} layer has no quantity {key!r}")
        j = order.index(key)
        return buffers.gates[:, j * hidden : (j + 1) * hidden].transpose(2, 0, 1)

    @property
    def h(self) -> np.ndarray:
        """The top layer's h_t, (B, T, H)."""
        return self.layer_h(len(self.layers) - 1)

    @property
    def y(self) -> np.ndarray | None:
        """The output layer's y_t, (B, T, O), or None without an output layer."""
        return None if self.y_time is None else self.y_time.transpose(1, 0, 2)

    @property
    def h_T(self) -> np.ndarray:
        """Final hidden states of every layer, (L, B, H)."""
        return np.stack([buffers.h[-1].T for buffers in self.layers])

    @property
    def c_T(self) -> np.ndarray | None:
        """Final cell states (LSTM), (L, B, H); None for GRU and RNN."""
        if self.layers[0].c is None:
            return None
        return np.stack([buffers.c[-1].T for buffers in self.layers if buffers.c is not None])


@dataclass(frozen=True)
class BatchGradients:
    """Gradients of one backward call: every parameter under PyTorch's names, and the inputs and initial states."""

    params: dict[str, np.ndarray]
    dx: np.ndarray
    """(B, T, I)."""
    dh0: np.ndarray
    """(L, B, H)."""
    dc0: np.ndarray | None
    """(L, B, H) for the LSTM, else None."""
    step_terms: np.ndarray | None = None
    """(T,) with ``step_terms=True``: sum over the recurrent parameters of |term_t|, the BPTT sum's step-t part
    (see :mod:`.update_sources`); else None."""


def _array(value: Any, shape: tuple[int, ...], what: str, dtype: np.dtype) -> np.ndarray:
    array = np.asarray(value, dtype=dtype)
    if array.shape != shape:
        raise EngineError(f"{what} has shape {array.shape}, expected {shape}")
    if not np.all(np.isfinite(array)):
        raise EngineError(f"{what} contains NaN or infinite values")
    return array


def forward(
    network: Network, x: Any, h0: Any | None = None, c0: Any | None = None, workspace: Workspace = FRESH
) -> BatchCache:
    """Run ``network`` over a batch ``x`` (B, T, I) from ``h0``/``c0`` (L, B, H; zeros by default).

    ``workspace`` (a training loop's own :class:`~.scratch.Workspace`) reuses the record buffers of the previous
    call: the cache is then valid only until the next forward call with the same workspace.
    """
    dtype = network.dtype
    inputs = np.asarray(x, dtype=dtype)
    if inputs.ndim != 3 or inputs.shape[2] != network.input_size or inputs.shape[0] < 1 or inputs.shape[1] < 1:
        raise EngineError(
            f"the batch must have shape (batch, steps, {network.input_size}) with at least one row and step, "
            f"not {inputs.shape}"
        )
    if not np.all(np.isfinite(inputs)):
        raise EngineError("the batch contains NaN or infinite values")
    batch, steps, _ = inputs.shape
    layers, hidden, spec = network.num_layers, network.hidden_size, network.spec
    state_shape = (layers, batch, hidden)
    h_init = np.zeros(state_shape, dtype) if h0 is None else _array(h0, state_shape, "h0", dtype)
    c_init = None
    if spec.has_cell_state:
        c_init = np.zeros(state_shape, dtype) if c0 is None else _array(c0, state_shape, "c0", dtype)
    elif c0 is not None:
        raise EngineError(f"a {spec.title} has no cell state; pass h0 only")
    kernel = batched_kernel(network)
    feature_major = workspace.empty("inputs", (steps, network.input_size, batch), dtype)
    np.copyto(feature_major, inputs.transpose(1, 2, 0))
    layer_input = feature_major
    prepared: list[PreparedBatchLayer] = []
    records: list[LayerBuffers] = []
    rows = steps * batch
    with np.errstate(over="ignore", invalid="ignore"):
        for k in range(layers):
            layer = prepare_batch_layer(network, k)
            buffers = kernel.allocate(steps, batch, hidden, spec.gate_count, dtype, workspace, f"layer {k} ")
            np.matmul(layer.w_ih_half, layer_input, out=buffers.gates)  # every step's input projection
            if layer.bias_in is not None:
                buffers.gates += _broadcast_block(layer.bias_in, batch)
            buffers.h[0] = h_init[k].T
            if buffers.c is not None and c_init is not None:
                buffers.c[0] = c_init[k].T
            kernel.forward(layer, buffers)
            prepared.append(layer)
            records.append(buffers)
            layer_input = buffers.h[1:]
        y_time = None
        if network.has_output:
            weight, bias = network.output_parameters()
            assert weight is not None
            h_rows = _rows(layer_input)
            y_out = workspace.empty("y", (rows, weight.shape[0]), dtype)
            y_flat = apply_output(h_rows, weight, bias, network.output_activation, out=y_out)
            y_time = y_flat.reshape(steps, batch, -1)
    return BatchCache(network, feature_major, tuple(prepared), tuple(records), y_time)


def _unpermute(internal: np.ndarray, perm: np.ndarray) -> np.ndarray:
    """Rows back to PyTorch's order: out[perm[r]] = internal[r]."""
    out = np.empty_like(internal)
    out[perm] = internal
    return out


def backward(
    cache: BatchCache,
    dy: Any | None = None,
    dh: Any | None = None,
    dh_T: Any | None = None,
    dc_T: Any | None = None,
    need_dx: bool = True,
    step_terms: bool = False,
) -> BatchGradients:
    """Backpropagate dL/dy, dL/dh_t (top layer) and dL/dh_T, dL/dC_T through one forward call.

    ``need_dx=False`` skips the product for dL/dx (a training step does not need it); ``dx`` is then zeros.
    ``step_terms=True`` also measures each step's part of the recurrent weight gradients (``step_terms``).
    """
    network = cache.network
    dtype, hidden, layers = network.dtype, network.hidden_size, network.num_layers
    steps, batch, rows = cache.steps, cache.batch, cache.steps * cache.batch
    top_shape = (batch, steps, hidden)
    state_shape = (layers, batch, hidden)
    grads: dict[str, np.ndarray] = {}
    terms = np.zeros(steps, dtype=np.float64) if step_terms else None
    external: np.ndarray | None = None
    if dh is not None:
        external = np.ascontiguousarray(_array(dh, top_shape, "dL/dh", dtype).transpose(1, 2, 0))
    last_h = None if dh_T is None else _array(dh_T, state_shape, "dL/dh_T", dtype)
    last_c = None
    if dc_T is not None:
        if cache.layers[0].c is None:
            raise EngineError(f"a {network.spec.title} has no cell state; pass dL/dh_T only")
        last_c = _array(dc_T, state_shape, "dL/dc_T", dtype)
    weight, bias = network.output_parameters()
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        if dy is not None:
            if cache.y_time is None or weight is None:
                raise EngineError("this network has no output layer, so it has no dL/dy; pass dL/dh instead")
            out_shape = (batch, steps, weight.shape[0])
            dy_time = _array(dy, out_shape, "dL/dy", dtype).transpose(1, 0, 2)
            d_pre = activation_backward(network.output_activation, cache.y_time, dy_time).reshape(rows, -1)
            grads[OUTPUT_WEIGHT] = d_pre.T @ _rows(cache.layers[-1].h[1:])
            if bias is not None:
                grads[OUTPUT_BIAS] = d_pre.sum(axis=0)
            from_output = np.matmul(weight.T, d_pre.reshape(steps, batch, -1).transpose(0, 2, 1))  # (T, H, B)
            external = from_output if external is None else external + from_output
        dh0 = np.empty(state_shape, dtype)
        dc0 = np.empty(state_shape, dtype) if cache.layers[0].c is not None else None
        kernel = batched_kernel(network)
        zeros = np.zeros((hidden, batch), dtype)
        for k in reversed(range(layers)):
            layer, buffers = cache.prepared[k], cache.layers[k]
            d_in, d_rec, dh0_k, dc0_k = kernel.backward(
                layer,
                buffers,
                external,
                zeros if last_h is None else last_h[k].T,
                None if last_c is None else last_c[k].T,
            )
            dh0[k] = dh0_k.T
            if dc0 is not None and dc0_k is not None:
                dc0[k] = dc0_k.T
            layer_input = cache.inputs if k == 0 else cache.layers[k - 1].h[1:]
            if terms is not None:
                terms += step_term_sizes(d_in, d_rec, layer_input, buffers.h[:-1], layer.bias_in is not None)
            # (width, T*B) copies, so each weight gradient is one matrix product over all steps and rows
            d_in_flat = _columns(d_in, "d_in columns")
            d_rec_flat = d_in_flat if d_rec is d_in else _columns(d_rec, "d_rec columns")
            perm = layer.perm
            x_flat = _columns(layer_input, "input columns")
            grads[parameter_name("weight_ih", k)] = _unpermute(d_in_flat @ x_flat.T, perm)
            h_flat = _columns(buffers.h[:-1], "input columns")  # x_flat is used up: the same buffer
            grads[parameter_name("weight_hh", k)] = _unpermute(d_rec_flat @ h_flat.T, perm)
            if layer.bias_in is not None:
                grads[parameter_name("bias_ih", k)] = _unpermute(d_in_flat.sum(axis=1), perm)
                grads[parameter_name("bias_hh", k)] = _unpermute(d_rec_flat.sum(axis=1), perm)
            if k > 0 or need_dx:
                external = np.matmul(layer.w_ih.T, d_in)  # (T, D, B)
            else:
                external = np.zeros((steps, network.input_size, batch), dtype)
    assert external is not None
    ordered = {name: grads[name] if name in grads else np.zeros_like(value) for name, value in network.params.items()}
    return BatchGradients(ordered, external.transpose(2, 0, 1), dh0, dc0, terms)


def _broadcast_block(column: np.ndarray, batch: int) -> np.ndarray:
    """A (width, 1) column repeated over ``batch`` columns, contiguous: adding a (width, B) block to every step of a
    (T, width, B) record runs a long contiguous inner loop, where broadcasting the column itself runs one of B."""
    return np.ascontiguousarray(np.broadcast_to(column, (column.shape[0], batch)))


def _rows(record: np.ndarray) -> np.ndarray:
    """A (T, H, B) record as (T*B, H), one row per step and batch row: a transient copy (see :mod:`.scratch`)."""
    steps, width, batch = record.shape
    out = transient().empty("rows", (steps, batch, width), record.dtype)
    np.copyto(out, record.transpose(0, 2, 1))
    return out.reshape(steps * batch, width)


def _columns(record: np.ndarray, role: str) -> np.ndarray:
    """A (T, width, B) record as (width, T*B), one column per step and row: a transient copy (see :mod:`.scratch`),
    only read by the next matrix product."""
    steps, width, batch = record.shape
    out = transient().empty(role, (width, steps, batch), record.dtype)
    np.copyto(out, record.transpose(1, 0, 2))
    return out.reshape(width, steps * batch)


STEP_CHUNK = 64
"""Steps whose (G*H, D) outer-product terms are formed at once: bounded memory on long sequences."""


def step_term_sizes(
    d_in: np.ndarray, d_rec: np.ndarray, inputs: np.ndarray, h_prev: np.ndarray, biases: bool = True
) -> np.ndarray:
    """sum over the entries of |term_t| for W_ih, W_hh, b_ih, b_hh of one layer, per step t (T,).

    term_t(W_ih) = sum_b dA_in[t, b] x[t, b]^T, term_t(W_hh) = sum_b dA_rec[t, b] h_{t-1}[t, b]^T,
    term_t(b_ih) = sum_b dA_in[t, b], term_t(b_hh) = sum_b dA_rec[t, b]: summed over t these are the weight
    gradients. All arrays are time-major, feature-major (T, ., B); the internal row order does not change a sum
    of |entries|.
    """
    steps = d_in.shape[0]
    out = np.empty(steps, dtype=np.float64)
    for start in range(0, steps, STEP_CHUNK):
        part = slice(start, min(start + STEP_CHUNK, steps))
        a_in, a_rec = d_in[part].astype(np.float64), d_rec[part].astype(np.float64)
        size = np.abs(np.matmul(a_in, inputs[part].transpose(0, 2, 1))).sum(axis=(1, 2))
        size += np.abs(np.matmul(a_rec, h_prev[part].transpose(0, 2, 1))).sum(axis=(1, 2))
        if biases:
            size += np.abs(a_in.sum(axis=2)).sum(axis=1) + np.abs(a_rec.sum(axis=2)).sum(axis=1)
        out[part] = size
    return out


def add_gradients(parts: Iterable[Mapping[str, np.ndarray]]) -> dict[str, np.ndarray]:
    """Sum parameter-gradient dicts (e.g. of step-by-step backward calls) name by name."""
    total: dict[str, np.ndarray] = {}
    for part in parts:
        for name, value in part.items():
            if name in total:
                total[name] = total[name] + value
            else:
                total[name] = np.array(value, copy=True)
    return total
