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

from collections.abc import Mapping
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

import numpy as np

from .cotangents import CotangentSink, flush_subnormal, run_cotangents
from .errors import EngineError
from .factors import LayerFactors
from .jacobian import jacobian_norms
from .kernels import kernel_for
from .losses import loss_seed
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
        network.cell,
        network.hidden_size,
        network.num_layers,
        inputs.shape[0],
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
    dh0, dc0 = run_cotangents(
        cell,
        factors,
        w_hh,
        np.zeros((1, hidden), dtype=dtype),
        external,
        CotangentSink.storing(grad_h, grad_c, d_in, d_rec),
    )
    flat = steps, blocks * hidden
    return grad_h, grad_c, d_in.reshape(flat), d_rec.reshape(flat), dh0[0], None if dc0 is None else dc0[0]
