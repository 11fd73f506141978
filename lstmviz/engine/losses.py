"""Scalar losses on a trace, and where each one injects its gradient.

A loss returns its value and the direct gradients dL/dh_t it puts on the hidden states (per layer, (T, H)), plus the
output layer's parameter gradients when it reads ``y``. :mod:`lstmviz.engine.bptt` carries these back through time.

- ``h-last-sum``: L = sum_j h_{T,j} of the top layer.
- ``unit``: L = h_{step,unit} of one layer (the top by default).
- ``mse``: L = mean_{t,j} (y_{t,j} - target_{t,j})^2, of y when there is an output layer, else of the top h
  (``torch.nn.MSELoss()``'s mean over every element).
- ``cross-entropy``: L = -(1/T) sum_t log softmax(z_t)[class_t], with z the output layer's pre-activation when its
  activation is softmax (so y is the softmax), else y itself, else the top h (``torch.nn.CrossEntropyLoss()``).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any

import numpy as np

from .errors import EngineError
from .trace import Trace, trace_key

if TYPE_CHECKING:
    from .network import Network

LOSSES: tuple[str, ...] = ("h-last-sum", "unit", "mse", "cross-entropy")


@dataclass
class LossSeed:
    """A loss's value, its direct dL/dh per layer, and the output layer's gradients (if the loss reads y)."""

    value: float
    dh: dict[int, np.ndarray] = field(default_factory=dict)
    output_grads: dict[str, np.ndarray] = field(default_factory=dict)


def loss_seed(
    network: Network, trace: Trace, loss: str, target: Any | None, unit: int, step: int, layer: int | None
) -> LossSeed:
    """Evaluate ``loss`` on ``trace`` and return where its gradient enters the network."""
    steps, hidden, top = trace.steps, network.hidden_size, network.num_layers - 1
    dtype = network.dtype
    if loss == "h-last-sum":
        h_top = trace[trace_key("h", top)]
        dh = np.zeros((steps, hidden), dtype=dtype)
        dh[-1] = 1.0
        return LossSeed(float(h_top[-1].sum()), {top: dh})
    if loss == "unit":
        k = top if layer is None else layer
        if not 0 <= k <= top:
            raise EngineError(f"layer {k} does not exist; this network has layers 0 to {top}")
        if not -steps <= step < steps:
            raise EngineError(f"step {step} is outside the sequence of {steps} steps")
        if not 0 <= unit < hidden:
            raise EngineError(f"unit {unit} does not exist; the layer has units 0 to {hidden - 1}")
        dh = np.zeros((steps, hidden), dtype=dtype)
        dh[step, unit] = 1.0
        return LossSeed(float(trace[trace_key("h", k)][step, unit]), {k: dh})
    if loss == "mse":
        return _mse(network, trace, target)
    if loss == "cross-entropy":
        return _cross_entropy(network, trace, target)
    raise EngineError(f"unknown loss {loss!r}; choose one of {', '.join(LOSSES)}")


def _mse(network: Network, trace: Trace, target: Any | None) -> LossSeed:
    top = network.num_layers - 1
    prediction = trace["y"] if network.has_output else trace[trace_key("h", top)]
    if target is None:
        raise EngineError("the mse loss needs a target sequence")
    goal = np.asarray(target, dtype=network.dtype)
    if goal.ndim == 1 and prediction.shape[1] == 1:
        goal = goal[:, None]
    if goal.shape != prediction.shape:
        raise EngineError(f"the mse target has shape {goal.shape} but the prediction has shape {prediction.shape}")
    if not np.all(np.isfinite(goal)):
        raise EngineError("the mse target contains NaN or infinite values")
    diff = prediction - goal
    value = float(np.mean(diff * diff))
    d_prediction = diff * (2.0 / diff.size)
    if not network.has_output:
        return LossSeed(value, {top: d_prediction})
    d_pre = activation_backward(network.output_activation, trace["y"], d_prediction)
    return _through_output(network, trace, value, d_pre)


def _cross_entropy(network: Network, trace: Trace, target: Any | None) -> LossSeed:
    top = network.num_layers - 1
    if target is None:
        raise EngineError("the cross-entropy loss needs target classes, one integer per step")
    classes = np.asarray(target)
    steps = trace.steps
    if classes.shape != (steps,) or not np.all(np.equal(np.mod(classes, 1), 0)):
        raise EngineError(f"the cross-entropy target must be {steps} integer classes, one per step")
    classes = classes.astype(np.int64)
    softmax_output = network.has_output and network.output_activation == "softmax"
    if softmax_output:
        weight, bias = network.output_parameters()
        assert weight is not None
        logits = trace[trace_key("h", top)] @ weight.T + (0.0 if bias is None else bias)
    else:
        logits = np.asarray(trace["y"] if network.has_output else trace[trace_key("h", top)])
    if classes.min() < 0 or classes.max() >= logits.shape[1]:
        raise EngineError(f"the cross-entropy target classes must lie in 0 to {logits.shape[1] - 1}")
    shifted = logits - logits.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1))
    rows = np.arange(steps)
    value = float(np.mean(log_z - shifted[rows, classes]))
    d_logits = np.exp(shifted - log_z[:, None])
    d_logits[rows, classes] -= 1.0
    d_logits /= steps
    if not network.has_output:
        return LossSeed(value, {top: d_logits})
    d_pre = d_logits if softmax_output else activation_backward(network.output_activation, trace["y"], d_logits)
    return _through_output(network, trace, value, d_pre)


def activation_backward(activation: str, y: np.ndarray, dy: np.ndarray) -> np.ndarray:
    """dL/da for y = g(a), from y itself (units on the last axis, any leading axes: steps, batch): identity 1,
    sigmoid y(1-y), tanh 1-y^2, softmax y * (dy - sum(dy * y))."""
    if activation == "identity":
        return dy
    grad: np.ndarray
    if activation == "sigmoid":
        grad = dy * y * (1.0 - y)
    elif activation == "tanh":
        grad = dy * (1.0 - y * y)
    else:
        grad = y * (dy - np.sum(dy * y, axis=-1, keepdims=True))
    return grad


def _through_output(network: Network, trace: Trace, value: float, d_pre: np.ndarray) -> LossSeed:
    """Gradients of fc.weight, fc.bias and the top h from dL/d(pre-activation) of the output layer."""
    top = network.num_layers - 1
    weight, bias = network.output_parameters()
    assert weight is not None
    grads = {"fc.weight": d_pre.T @ trace[trace_key("h", top)]}
    if bias is not None:
        grads["fc.bias"] = d_pre.sum(axis=0)
    return LossSeed(value, {top: d_pre @ weight}, grads)
