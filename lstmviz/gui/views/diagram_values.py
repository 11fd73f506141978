"""The numbers behind one step of one layer, recomputed from the parameters (no Qt).

The gate diagram's tooltips and the numbers panel both need more than the trace holds: each gate's pre-activation
split into its input part ``W_ih x_t``, recurrent part ``W_hh h_{t-1}`` and the two biases. Recomputing them here from
the network's parameters and the trace's ``x_t``, ``h_{t-1}``, ``C_{t-1}`` is an independent path from the engine's
fused kernels, so showing that the result matches the trace value is also a check of the engine.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from ...engine.network import OUTPUT_BIAS, OUTPUT_WEIGHT, Network
from ...engine.trace import Trace, trace_key
from ...model.document import Document


def _sigmoid(a: np.ndarray) -> np.ndarray:
    return 0.5 * np.tanh(0.5 * a) + 0.5


ACTIVATIONS = {
    "sigmoid": _sigmoid,
    "tanh": np.tanh,
    "relu": lambda a: np.maximum(a, 0.0),
    "identity": lambda a: a,
}


@dataclass(frozen=True)
class GateParts:
    """One gate's pre-activation in parts, for every unit of the layer (each array is (H,))."""

    key: str
    nonlinearity: str
    input: np.ndarray
    """``W_i* x_t``."""
    bias_ih: np.ndarray
    recurrent: np.ndarray
    """``W_h* h_{t-1}``."""
    bias_hh: np.ndarray
    reset: np.ndarray | None
    """GRU candidate only: ``r_t``, which multiplies ``W_hn h_{t-1} + b_hn``."""

    @property
    def pre(self) -> np.ndarray:
        """The pre-activation a_t (for the GRU candidate: W_in x + b_in + r_t * (W_hn h + b_hn))."""
        recurrent = self.recurrent + self.bias_hh
        if self.reset is not None:
            recurrent = self.reset * recurrent
        return self.input + self.bias_ih + recurrent

    @property
    def value(self) -> np.ndarray:
        return ACTIVATIONS[self.nonlinearity](self.pre)


@dataclass(frozen=True)
class StepValues:
    """Every vector the diagram shows at one step of one layer, plus the gates' parts."""

    cell: str
    layer: int
    step: int
    vectors: dict[str, np.ndarray]
    """``x`` (layer input), ``h_prev``, ``c_prev`` (LSTM), each gate key, ``c`` (LSTM), ``h``, ``y`` (top layer)."""
    parts: dict[str, GateParts]
    """Per gate key (``h`` for the vanilla RNN)."""


def evaluate(expression: str, names: Mapping[str, Any]) -> Any:
    """A formula written in the code (a layout's ``Node.value``, a spec's ``StateInfo.value``; never user input) over
    the step's values, with ``tanh`` available and no builtins."""
    scope = {"tanh": np.tanh, **names}
    return eval(expression, {"__builtins__": {}}, scope)


def layer_input(trace: Trace, layer: int, step: int) -> np.ndarray:
    """x_t for layer 0, otherwise the hidden state of the layer below at the same step."""
    return trace.row("x", step) if layer == 0 else trace.row(trace_key("h", layer - 1), step)


def previous_state(trace: Trace, quantity: str, layer: int, step: int) -> np.ndarray:
    """h_{t-1} or C_{t-1}: the trace's row step-1, or the initial state at step 0."""
    if step > 0:
        return trace.row(trace_key(quantity, layer), step - 1)
    initial = trace.h0 if quantity == "h" else trace.c0
    if initial:
        return np.asarray(initial[layer], dtype=np.float64)
    return np.zeros(trace.hidden_size)


def gate_parts(network: Network, trace: Trace, layer: int, step: int) -> dict[str, GateParts]:
    """Each gate's pre-activation parts from the parameters (W_ih x + b_ih + W_hh h_{t-1} + b_hh)."""
    spec = network.spec
    hidden = network.hidden_size
    w_ih, w_hh, b_ih, b_hh = network.layer_parameters(layer)
    x = layer_input(trace, layer, step)
    h_prev = previous_state(trace, "h", layer, step)
    zeros = np.zeros(w_ih.shape[0])
    b_ih = zeros if b_ih is None else np.asarray(b_ih, dtype=np.float64)
    b_hh = zeros if b_hh is None else np.asarray(b_hh, dtype=np.float64)
    input_part = np.asarray(w_ih, dtype=np.float64) @ x
    recurrent_part = np.asarray(w_hh, dtype=np.float64) @ h_prev
    parts: dict[str, GateParts] = {}
    gates = spec.gates or ()
    if not gates:  # vanilla RNN: one row block, its "gate" is h itself
        parts["h"] = GateParts("h", network.nonlinearity, input_part, b_ih, recurrent_part, b_hh, None)
        return parts
    for gate in gates:
        rows = spec.gate_slice(gate.key, hidden)
        reset = None
        if gate.recurrent_scale is not None:
            reset = parts[gate.recurrent_scale].value
        parts[gate.key] = GateParts(
            gate.key, gate.nonlinearity, input_part[rows], b_ih[rows], recurrent_part[rows], b_hh[rows], reset
        )
    return parts


def output_values(network: Network, h: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(pre-activation W_o h + b_o, output O_t) of the output layer for one hidden state."""
    weight = np.asarray(network.params[OUTPUT_WEIGHT], dtype=np.float64)
    bias = network.params.get(OUTPUT_BIAS)
    pre = weight @ h + (0.0 if bias is None else np.asarray(bias, dtype=np.float64))
    if network.output_activation == "softmax":
        e = np.exp(pre - pre.max())
        return pre, e / e.sum()
    return pre, ACTIVATIONS[network.output_activation](pre)


def shows_output(network: Network, layer: int) -> bool:
    """The output layer sits on top of the last recurrent layer only."""
    return network.has_output and layer == network.num_layers - 1


def trace_pending_text(document: Document) -> str:
    """Why the current step has no values yet: still computing, or a cancelled trace that stops before it."""
    if document.trace_stopped:
        return (
            f"the trace stops at step {document.trace_steps_ready} (cancelled): Recompute in the status bar "
            "computes the rest"
        )
    return "computing the trace…"


def trace_matches(network: Network, trace: Trace | None, steps: int) -> bool:
    """True when ``trace`` was made by a network of this shape on a sequence of ``steps`` steps."""
    return trace is not None and (trace.cell, trace.hidden_size, trace.num_layers, trace.steps) == (
        network.cell,
        network.hidden_size,
        network.num_layers,
        steps,
    )


def step_values(network: Network, trace: Trace, layer: int, step: int) -> StepValues:
    """All of the diagram's vectors at ``step`` of ``layer``: trace values, plus the recomputed parts."""
    vectors: dict[str, np.ndarray] = {
        "x": layer_input(trace, layer, step),
        "h_prev": previous_state(trace, "h", layer, step),
    }
    if network.spec.has_cell_state:
        vectors["c_prev"] = previous_state(trace, "c", layer, step)
    for key in network.spec.trace_keys():
        vectors[key] = trace.row(trace_key(key, layer), step)  # exact float64 even from a compact trace
    if shows_output(network, layer) and "y" in trace:
        vectors["y"] = trace.row("y", step)
    return StepValues(network.cell, layer, step, vectors, gate_parts(network, trace, layer, step))
