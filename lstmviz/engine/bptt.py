"""Backpropagation through time: gradients of a scalar loss with respect to every parameter and every state.

The forward trace holds every gate, so the backward pass needs no re-run. Per layer, from the top down:

1. every factor that does not depend on the recursion is computed for all steps at once (e.g. for the LSTM
   A_i = g * i (1 - i), A_f = C_{t-1} * f (1 - f), A_g = i (1 - g^2), A_o = tanh(C_t) * o (1 - o),
   K = o (1 - tanh^2 C_t));
2. one Python loop runs t = T-1 .. 0 carrying only what is recursive (LSTM: dh_t = e_t + dG_{t+1} W_hh,
   dC_t = dC_{t+1} f_{t+1} + dh_t K_t, dG_t = [dC A_i, dC A_f, dC A_g, dh A_o]), writing into preallocated arrays;
3. the weight gradients are one matrix product over all steps: dW_ih = dG^T X, dW_hh = dG^T H_{prev}, db = sum_t dG_t.

The same loop, run on a block of cotangent rows seeded at the last step, gives ||dh_T/dh_t||_2 (see :mod:`.jacobian`).
"""

from __future__ import annotations

import itertools
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EngineError
from .factors import LayerFactors
from .jacobian import jacobian_norms
from .kernels import kernel_for
from .losses import loss_seed
from .progress import tick
from .spec import spec_for
from .trace import ArrayRecord, Trace, trace_key

if TYPE_CHECKING:
    from .network import Network


@dataclass(frozen=True)
class Gradients(ArrayRecord):
    """A read-only record of one BPTT: ``loss``, ``grad_<parameter>``, per layer ``grad_h_l{k}`` (T, H),
    ``grad_c_l{k}`` (LSTM), ``grad_norm_h_l{k}`` (T,), ``jacobian_norm_l{k}`` (T,), ``cec_l{k}`` (LSTM), ``clip_scale``,
    and the gradients with respect to the initial states, ``grad_h0`` and (LSTM) ``grad_c0`` (L, H): what chains a
    decoder's loss into the encoder whose final state it started from.
    """

    loss_name: str
    arrays: Mapping[str, np.ndarray]
    jacobian_method: str = "exact"
    """How ``jacobian_norm_l{k}`` was computed: ``exact``, ``estimate`` (a lower bound) or ``none`` (absent)."""

    @property
    def loss(self) -> float:
        return float(self.arrays["loss"])

    def parameter_gradients(self) -> dict[str, np.ndarray]:
        """``{parameter name: gradient}`` (the ``grad_`` prefix removed), for every parameter."""
        skip = ("grad_h_l", "grad_c_l", "grad_norm_h_l", "grad_h0", "grad_c0")
        return {k[5:]: v for k, v in self.arrays.items() if k.startswith("grad_") and not k.startswith(skip)}


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


def bptt(
    network: Network,
    x: Any,
    loss: str = "h-last-sum",
    *,
    target: Any | None = None,
    unit: int = 0,
    step: int = -1,
    layer: int | None = None,
    clip: float | None = None,
    h0: Any | None = None,
    c0: Any | None = None,
    trace: Trace | None = None,
    jacobian: str = "auto",
) -> Gradients:
    """Gradients of ``loss`` (``h-last-sum``, ``unit``, ``mse``, ``cross-entropy``) by backpropagation through time.

    ``trace`` reuses a forward run of the same network and input (its own h0/c0 are used). ``clip`` rescales all
    parameter gradients together when their global 2-norm exceeds it (``clip_scale`` says by how much).
    ``jacobian``: ``auto`` (exact when cheap, else an estimate), ``exact``, ``estimate`` or ``none``.
    """
    inputs = network.prepare_input(x)
    if trace is None:
        trace = network.run(inputs, h0, c0)
    elif (trace.cell, trace.hidden_size, trace.num_layers, trace.steps) != (
        network.cell, network.hidden_size, network.num_layers, inputs.shape[0]
    ):
        raise EngineError("the given trace was not made by this network on this input; run it again")
    if clip is not None and not clip > 0:
        raise EngineError(f"the clipping norm must be positive, not {clip}")
    seed = loss_seed(network, trace, loss, target, unit, step, layer)
    arrays: dict[str, np.ndarray] = {"loss": np.array(seed.value, dtype=network.dtype)}
    params: dict[str, np.ndarray] = {f"grad_{k}": v for k, v in seed.output_grads.items()}
    from_above: np.ndarray | None = None
    method = "none"
    grad_h0 = np.zeros((network.num_layers, network.hidden_size), dtype=network.dtype)
    grad_c0 = np.zeros_like(grad_h0) if network.spec.has_cell_state else None
    with np.errstate(over="ignore", invalid="ignore", under="ignore"):
        for k in reversed(range(network.num_layers)):
            external = seed.dh.get(k)
            if from_above is not None:
                external = from_above if external is None else external + from_above
            if external is None:
                external = np.zeros((trace.steps, network.hidden_size), dtype=network.dtype)
            factors = layer_factors(network, trace, k)
            w_ih, w_hh, b_ih, b_hh = network.layer_parameters(k)
            if jacobian != "none":
                arrays[trace_key("jacobian_norm", k)], method = jacobian_norms(network.cell, factors, w_hh, jacobian)
            grad_h, grad_c, d_in, d_rec, grad_h0[k], dc0 = backward_layer(network.cell, factors, w_hh, external)
            if grad_c0 is not None and dc0 is not None:
                grad_c0[k] = dc0
            layer_input = inputs if k == 0 else trace[trace_key("h", k - 1)]
            params[f"grad_weight_ih_l{k}"] = d_in.T @ layer_input
            h = trace[trace_key("h", k)]
            params[f"grad_weight_hh_l{k}"] = d_rec[1:].T @ h[:-1] + np.outer(d_rec[0], trace.h0[k])
            if b_ih is not None and b_hh is not None:
                params[f"grad_bias_ih_l{k}"] = d_in.sum(axis=0)
                params[f"grad_bias_hh_l{k}"] = d_rec.sum(axis=0)
            arrays[trace_key("grad_h", k)] = grad_h
            # in float64: squares of float32 gradients near 1e20 would overflow, the norm itself does not
            arrays[trace_key("grad_norm_h", k)] = np.linalg.norm(grad_h.astype(np.float64), axis=1).astype(grad_h.dtype)
            if grad_c is not None:
                arrays[trace_key("grad_c", k)] = grad_c
                assert factors.carry is not None  # the forget gate, which the cell line runs through
                arrays[trace_key("cec", k)] = constant_error_carousel(factors.carry)
            from_above = d_in @ w_ih if k > 0 else None
    scale = 1.0
    if clip is not None:
        total = float(np.sqrt(sum(float(np.vdot(g, g)) for g in (p.astype(np.float64) for p in params.values()))))
        if total > clip:
            scale = clip / total
            for g in params.values():
                g *= scale
    # a loss on h alone leaves the output layer untouched: its gradient is zero, not missing
    ordered = {f"grad_{k}": params.get(f"grad_{k}", np.zeros_like(value)) for k, value in network.params.items()}
    arrays.update(ordered)
    arrays["clip_scale"] = np.array(scale, dtype=network.dtype)
    arrays["grad_h0"] = grad_h0
    if grad_c0 is not None:
        arrays["grad_c0"] = grad_c0
    return Gradients(loss, arrays, method)


def constant_error_carousel(forget: np.ndarray, block: int = 16) -> np.ndarray:
    """cec_t = f_{t+1} * ... * f_T: dC_T/dC_t along the cell line alone (1 at the last step).

    Computed backwards in blocks of ``block`` steps, flushing the carried product below TINY to zero between blocks
    (as in the backward loop, so it does not crawl through subnormal numbers).
    """
    steps = forget.shape[0]
    out = np.empty_like(forget)
    carried = np.ones(forget.shape[1], dtype=forget.dtype)
    out[-1] = carried
    for stop in range(steps - 1, 0, -block):
        start = max(stop - block, 0)
        # rows start..stop-1 get carried * f[stop] * f[stop-1] * ... * f[row+1]
        rows = out[stop - 1 : None if start == 0 else start - 1 : -1]
        np.multiply(np.cumprod(forget[stop:start:-1], axis=0), carried, out=rows)
        carried = out[start].copy()
        flush_subnormal(carried)
    return out


def layer_factors(network: Network, trace: Trace, k: int) -> LayerFactors:
    """The factors of layer ``k`` that depend only on the forward trace, for all steps at once (from the cell
    kind's step kernel)."""
    return kernel_for(network.cell).factors(network, trace, k)


def backward_layer(
    cell: str, factors: LayerFactors, w_hh: np.ndarray, external: np.ndarray
) -> tuple[np.ndarray, np.ndarray | None, np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
    """(dL/dh_t, dL/dC_t or None, dG_in (T, G*H), dG_rec (T, G*H), dL/dh_0, dL/dC_0 or None) for one layer given
    the direct dL/dh_t; the last two are with respect to the initial state (H,).

    The pre-activation gradients dG are written over the factors (each step reads its factor row, then
    overwrites it), so ``factors`` is used up: no second (T, G*H) array.
    """
    steps, blocks, hidden = factors.gates_in.shape
    dtype = external.dtype
    grad_h = np.empty((steps, hidden), dtype=dtype)
    grad_c = np.empty((steps, hidden), dtype=dtype) if spec_for(cell).has_cell_state else None
    d_in = factors.gates_in
    d_rec = d_in if factors.gates_rec is None else factors.gates_rec
    dh0, dc0 = run_cotangents(cell, factors, w_hh, np.zeros((1, hidden), dtype=dtype), external,
                              CotangentSink.storing(grad_h, grad_c, d_in, d_rec))
    flat = steps, blocks * hidden
    return grad_h, grad_c, d_in.reshape(flat), d_rec.reshape(flat), dh0[0], None if dc0 is None else dc0[0]


@dataclass
class CotangentSink:
    """Where the backward loop writes step t's results, as iterables over t = T-1 .. 0 of ready-made views.

    Making every view before the loop (not ``dg[:, :3]`` inside it) saves about a microsecond per step.
    """

    dh: Iterable[np.ndarray]
    """dh_t: (H,) for one row, (B, 1, H) for B rows (one row avoids broadcasting, which costs ~0.7 us a call)."""
    dc: Iterable[np.ndarray]
    """dC_t (LSTM), shaped as dh."""
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
            return cls(dh, r(np.empty(hidden, dtype=dtype)), r(dg), r(dg.reshape(-1)), r(dg[: blocks - 1]), r(dg[blocks - 1]),
                       r(dg_rec), r(dg_rec.reshape(-1)))
        dg = np.empty((batch, blocks, hidden), dtype=dtype)
        dg_rec = np.empty_like(dg) if separate else dg
        return cls(
            dh, r(np.empty((batch, 1, hidden), dtype=dtype)), r(dg), r(dg.reshape(batch, -1)), r(dg[:, : blocks - 1]),
            r(dg[:, blocks - 1 :]), r(dg_rec), r(dg_rec.reshape(batch, -1)), one_row=False,
        )


def run_cotangents(
    cell: str, factors: LayerFactors, w_hh: np.ndarray, start: np.ndarray, external: np.ndarray | None,
    sink: CotangentSink, renormalise: bool = False,
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
            countdown, gates_in[:, : blocks - 1], gates_in[:, blocks - 1], carry, factors.cell_gain[::-1], ext_rows,
            sink.dh, sink.dc, sink.dg_sigmoid, sink.dg_last, sink.dg_flat,
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
        countdown, gates_in, gates_rec, carry, ext_rows, sink.dh, sink.dg, sink.dg_rec, sink.dg_rec_flat
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
