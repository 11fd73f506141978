"""Training an encoder-decoder with the training engine's optimisers, clipping and metrics.

The same shape as :mod:`lstmviz.engine.training` (a pure step, a generator loop, nothing cached on the model): a
step is teacher-forced BPTT through decoder and encoder (:func:`lstmviz.engine.seq2seq_batch.loss_and_gradients`),
global-norm clipping, and one optimiser update over the whole state_dict (``encoder.*``, ``decoder.*``, ``fc.*``,
``embed.weight``), so SGD and Adam apply to the two sides and the shared embedding exactly as
``torch.optim.Adam(model.parameters())`` does to the PyTorch module.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import EngineError
from .optim import Optimizer, OptimizerState, clip_grad_norm
from .seq2seq import Seq2Seq
from .seq2seq_batch import loss_and_gradients
from .training import StepMetrics


@dataclass(frozen=True)
class PairBatch:
    """Sources (B, T_enc) ids or (B, T_enc, D) values, targets likewise, an optional (B, T_dec) mask."""

    source: np.ndarray
    target: np.ndarray
    mask: np.ndarray | None = None


def seq2seq_step(
    model: Seq2Seq,
    optimizer: Optimizer,
    state: OptimizerState,
    batch: Any,
    *,
    clip: float | None = None,
    update: int = 1,
) -> tuple[Seq2Seq, OptimizerState, StepMetrics]:
    """One update: the teacher-forced loss, its gradient through both sides, clipping, the optimiser step.

    ``batch`` is anything with ``source``, ``target`` and ``mask`` (a :class:`PairBatch`, a task's batch).
    """
    grads = loss_and_gradients(model, batch.source, batch.target, getattr(batch, "mask", None))
    clipped, norm, scale = clip_grad_norm(grads.params, clip)
    params, new_state = optimizer.update(model.state_dict(), clipped, state)
    return model.with_state(params), new_state, StepMetrics(update, grads.loss, norm, scale)


def train_seq2seq(
    model: Seq2Seq,
    optimizer: Optimizer,
    state: OptimizerState | None,
    batches: Iterable[Any],
    *,
    updates: int,
    clip: float | None = None,
) -> Iterator[tuple[Seq2Seq, OptimizerState, StepMetrics]]:
    """Yield (model, optimiser state, metrics) after each of ``updates`` updates, drawing batches in order.

    ``state`` None starts a fresh optimiser state; stop iterating to stop training.
    """
    if updates < 0:
        raise EngineError(f"the number of updates must not be negative, not {updates}")
    current = optimizer.init(model.state_dict()) if state is None else state
    done = 0
    for batch in batches:
        if done >= updates:
            return
        model, current, metrics = seq2seq_step(model, optimizer, current, batch, clip=clip, update=done + 1)
        done += 1
        yield model, current, metrics
    if done < updates:
        raise EngineError(f"the batches ran out after {done} of {updates} updates")
