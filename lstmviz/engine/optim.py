"""Optimisers as pure update functions over parameter dicts, with PyTorch's formulas and defaults.

An optimiser is a frozen set of hyperparameters; its state is a separate frozen record. ``update(params, grads,
state)`` returns new parameters and a new state and never writes into its arguments, so a training run can be
snapshotted, replayed or undone by keeping references.

SGD (``torch.optim.SGD``), with g = grad + weight_decay * p:
    b_1 = g;  b_t = momentum b_{t-1} + (1 - dampening) g          (when momentum != 0)
    g <- g + momentum b_t (nesterov) or g <- b_t;  p <- p - lr g
Adam (``torch.optim.Adam``), with g = grad + weight_decay * p and step t = 1, 2, ...:
    m_t = beta1 m_{t-1} + (1 - beta1) g;  v_t = beta2 v_{t-1} + (1 - beta2) g^2
    v^ = max(v^_{t-1}, v_t) (amsgrad) or v_t
    p <- p - (lr / (1 - beta1^t)) m_t / (sqrt(v^) / sqrt(1 - beta2^t) + eps)
Global-norm clipping (``torch.nn.utils.clip_grad_norm_``):
    N = sqrt(sum_p ||g_p||^2);  g <- g * min(1, max_norm / (N + 1e-6))

Every update works on all parameters at once, as one flat vector: the results (new parameters, buffers, clipped
gradients) are :class:`FlatParams`, views of one flat array each, and such an input is used without copying
(:func:`flat_vector`). Per element the arithmetic is the per-tensor formula above, unchanged.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field

import numpy as np

from .errors import EngineError

OPTIMIZERS: tuple[str, ...] = ("sgd", "adam")
Params = Mapping[str, np.ndarray]


@dataclass(frozen=True)
class OptimizerState:
    """What an optimiser carries between updates: the update count and its per-parameter buffers."""

    step: int = 0
    buffers: Mapping[str, Mapping[str, np.ndarray]] = field(default_factory=dict)
    """Buffer name (``momentum``, ``exp_avg``, ``exp_avg_sq``, ``max_exp_avg_sq``) -> parameter name -> array."""


class FlatParams(Mapping[str, np.ndarray]):
    """A read-only mapping of arrays that are consecutive views of one flat vector, ``flat``."""

    def __init__(self, flat: np.ndarray, like: Params) -> None:
        self.flat = flat
        self._views: dict[str, np.ndarray] = {}
        start = 0
        for name, reference in like.items():
            stop = start + reference.size
            self._views[name] = flat[start:stop].reshape(reference.shape)
            start = stop
        self.names = tuple(self._views)

    def __getitem__(self, name: str) -> np.ndarray:
        return self._views[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._views)

    def __len__(self) -> int:
        return len(self._views)


def flat_vector(arrays: Params, like: Params) -> np.ndarray:
    """``arrays`` (one per name of ``like``, same shapes) as one flat vector in ``like``'s order: the
    :class:`FlatParams`' own vector when it is one (no copy), else a concatenated copy."""
    if isinstance(arrays, FlatParams) and arrays.names == tuple(like):
        return arrays.flat
    return np.concatenate([np.ravel(arrays[name]) for name in like])


def _check_positive(name: str, value: float, allow_zero: bool = True) -> None:
    if not (value >= 0 if allow_zero else value > 0) or not math.isfinite(value):
        raise EngineError(f"the {name} must be {'non-negative' if allow_zero else 'positive'}, not {value}")


@dataclass(frozen=True)
class SGD:
    """Stochastic gradient descent with optional momentum, dampening, Nesterov momentum and weight decay."""

    lr: float = 1e-3
    momentum: float = 0.0
    dampening: float = 0.0
    nesterov: bool = False
    weight_decay: float = 0.0

    def __post_init__(self) -> None:
        _check_positive("learning rate", self.lr)
        _check_positive("momentum", self.momentum)
        _check_positive("weight decay", self.weight_decay)
        if self.nesterov and (self.momentum <= 0 or self.dampening != 0):
            raise EngineError("Nesterov momentum needs a positive momentum and zero dampening")

    def init(self, params: Params) -> OptimizerState:
        return OptimizerState()

    def update(self, params: Params, grads: Params, state: OptimizerState) -> tuple[Params, OptimizerState]:
        """One step: new parameters and state (the arguments are left untouched)."""
        p = flat_vector(params, params)
        g = flat_vector(grads, params)
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        buffers: dict[str, Mapping[str, np.ndarray]] = {}
        if self.momentum != 0:
            old = state.buffers.get("momentum")
            if old:
                buf = self.momentum * flat_vector(old, params) + (1 - self.dampening) * g
            else:
                buf = np.array(g, copy=True)
            buffers["momentum"] = FlatParams(buf, params)
            g = g + self.momentum * buf if self.nesterov else buf
        return FlatParams(p - self.lr * g, params), OptimizerState(state.step + 1, buffers)


@dataclass(frozen=True)
class Adam:
    """Adam (Kingma and Ba) with bias correction, optional AMSGrad and L2 weight decay, as ``torch.optim.Adam``."""

    lr: float = 1e-3
    betas: tuple[float, float] = (0.9, 0.999)
    eps: float = 1e-8
    weight_decay: float = 0.0
    amsgrad: bool = False

    def __post_init__(self) -> None:
        _check_positive("learning rate", self.lr)
        _check_positive("epsilon", self.eps)
        _check_positive("weight decay", self.weight_decay)
        if not all(0.0 <= b < 1.0 for b in self.betas):
            raise EngineError(f"Adam's betas must lie in [0, 1), not {self.betas}")

    def init(self, params: Params) -> OptimizerState:
        zeros = {name: np.zeros_like(p) for name, p in params.items()}
        buffers = {"exp_avg": zeros, "exp_avg_sq": dict(zeros)}
        if self.amsgrad:
            buffers["max_exp_avg_sq"] = dict(zeros)
        return OptimizerState(0, buffers)

    def update(self, params: Params, grads: Params, state: OptimizerState) -> tuple[Params, OptimizerState]:
        """One step: new parameters and state (the arguments are left untouched)."""
        if not state.buffers:
            state = self.init(params)
        beta1, beta2 = self.betas
        step = state.step + 1
        step_size = self.lr / (1 - beta1**step)
        bias_correction2_sqrt = math.sqrt(1 - beta2**step)
        p = flat_vector(params, params)
        g = flat_vector(grads, params)
        if self.weight_decay != 0:
            g = g + self.weight_decay * p
        exp_avg = flat_vector(state.buffers["exp_avg"], params)
        m = exp_avg + (g - exp_avg) * (1 - beta1)  # torch: exp_avg.lerp_(grad, 1 - beta1)
        v = flat_vector(state.buffers["exp_avg_sq"], params) * beta2
        v += (1 - beta2) * g * g
        buffers = {"exp_avg": FlatParams(m, params), "exp_avg_sq": FlatParams(v, params)}
        second = v
        if self.amsgrad:
            second = np.maximum(flat_vector(state.buffers["max_exp_avg_sq"], params), v)
            buffers["max_exp_avg_sq"] = FlatParams(second, params)
        denom = np.sqrt(second)
        denom /= bias_correction2_sqrt
        denom += self.eps
        step_value = np.divide(m, denom, out=denom)
        step_value *= step_size
        return FlatParams(np.subtract(p, step_value, out=step_value), params), OptimizerState(step, buffers)


Optimizer = SGD | Adam


def make_optimizer(name: str, lr: float, **options: float | bool) -> Optimizer:
    """``sgd`` or ``adam`` by name (the CLI's and the Train panel's entry point)."""
    if name == "sgd":
        return SGD(lr=lr, **options)  # type: ignore[arg-type]
    if name == "adam":
        return Adam(lr=lr, **options)  # type: ignore[arg-type]
    raise EngineError(f"unknown optimiser {name!r}; choose one of {', '.join(OPTIMIZERS)}")


def global_norm(grads: Params) -> float:
    """sqrt(sum_p ||g_p||^2) over every gradient, in float64."""
    return math.sqrt(sum(float(np.vdot(g, g)) for g in (np.asarray(v, dtype=np.float64) for v in grads.values())))


def clip_grad_norm(grads: Params, max_norm: float | None) -> tuple[Params, float, float]:
    """(clipped gradients, total norm before clipping, the factor applied), as ``clip_grad_norm_``.

    ``max_norm`` None leaves the gradients as they are (factor 1).
    """
    total = global_norm(grads)
    if max_norm is None:
        return dict(grads), total, 1.0
    if not max_norm > 0:
        raise EngineError(f"the clipping norm must be positive, not {max_norm}")
    factor = min(1.0, max_norm / (total + 1e-6))
    return FlatParams(flat_vector(grads, grads) * factor, grads), total, factor
