"""Training losses over a batch: their value and dL/dy, with a mask choosing which steps count.

Both follow PyTorch's mean reduction over the steps that count (``mask`` (B, T), 1 where a step counts):

- ``mse``: L = sum_{b,t} m_bt sum_o (y_bto - target_bto)^2 / (O sum_{b,t} m_bt); with every step counted this is
  ``torch.nn.MSELoss()(y, target)``.
- ``cross-entropy``: L = -sum_{b,t} m_bt log softmax(y_bt)[class_bt] / sum_{b,t} m_bt, with y the logits (an
  identity output layer); with every step counted this is ``torch.nn.CrossEntropyLoss()`` over the (B*T, C) rows.

``steps="last"`` counts only the last step (then the mask, if given, still applies there).
"""

from __future__ import annotations

from typing import Any

import numpy as np

from .errors import EngineError

OBJECTIVES: tuple[str, ...] = ("mse", "cross-entropy")


def step_mask(shape: tuple[int, int], mask: Any | None, steps: str, dtype: Any) -> np.ndarray:
    """The (B, T) weights of the steps that count: ``mask`` (default all ones), restricted to the last step when
    ``steps == "last"``."""
    if steps not in ("all", "last"):
        raise EngineError(f"a loss counts 'all' steps or the 'last' one, not {steps!r}")
    weights = np.ones(shape, dtype=dtype) if mask is None else np.asarray(mask, dtype=dtype)
    if weights.shape != shape:
        raise EngineError(f"the mask has shape {weights.shape}, expected {shape}")
    if steps == "last":
        last = np.zeros(shape, dtype=dtype)
        last[:, -1] = weights[:, -1]
        weights = last
    return weights


def mse(y: np.ndarray, target: Any, mask: Any | None = None, steps: str = "all") -> tuple[float, np.ndarray]:
    """(L, dL/dy) of the masked mean squared error; ``target`` has y's shape (B, T, O)."""
    goal = np.asarray(target, dtype=y.dtype)
    if goal.shape != y.shape:
        raise EngineError(f"the target has shape {goal.shape} but the prediction has shape {y.shape}")
    weights = step_mask(y.shape[:2], mask, steps, y.dtype)
    count = float(weights.sum()) * y.shape[2]
    if count == 0:
        raise EngineError("the mask selects no step, so the loss is undefined")
    diff = y - goal
    weighted = diff * weights[:, :, None]
    value = float(np.vdot(weighted, diff)) / count
    return value, weighted * (2.0 / count)


def cross_entropy(y: np.ndarray, target: Any, mask: Any | None = None, steps: str = "all") -> tuple[float, np.ndarray]:
    """(L, dL/dy) of the masked mean cross-entropy of logits y (B, T, C) against classes (B, T)."""
    classes = np.asarray(target)
    if classes.shape != y.shape[:2]:
        raise EngineError(f"the target classes have shape {classes.shape}, expected {y.shape[:2]}")
    weights = step_mask(y.shape[:2], mask, steps, y.dtype)
    count = float(weights.sum())
    if count == 0:
        raise EngineError("the mask selects no step, so the loss is undefined")
    classes = classes.astype(np.int64)
    counted = weights != 0
    rows = y[counted]  # only the counted steps (the copy task counts one step in T): no work on the others
    chosen = classes[counted]
    if np.any((chosen < 0) | (chosen >= y.shape[2])):
        raise EngineError(f"target classes must lie in 0 to {y.shape[2] - 1}")
    index = np.arange(len(chosen))
    shifted = rows - rows.max(axis=1, keepdims=True)
    log_z = np.log(np.exp(shifted).sum(axis=1))
    factor = weights[counted] / count
    value = float(np.dot(log_z - shifted[index, chosen], factor))
    d_rows = np.exp(shifted - log_z[:, None])
    d_rows[index, chosen] -= 1.0
    d_rows *= factor[:, None]
    grad = np.zeros_like(y)
    grad[counted] = d_rows
    return value, grad


def objective(
    name: str, y: np.ndarray, target: Any, mask: Any | None = None, steps: str = "all"
) -> tuple[float, np.ndarray]:
    """Dispatch on the loss name (``mse`` or ``cross-entropy``)."""
    if name == "mse":
        return mse(y, target, mask, steps)
    if name == "cross-entropy":
        return cross_entropy(y, target, mask, steps)
    raise EngineError(f"unknown training loss {name!r}; choose one of {', '.join(OBJECTIVES)}")
