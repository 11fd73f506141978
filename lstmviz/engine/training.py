"""The training step and loop: loss, backpropagation through time, clipping, update; nothing cached on the network.

A step is a pure function: ``train_step(network, optimizer, state, batch, ...)`` returns a new network, a new
optimiser state and the step's metrics (and the final states, for truncated BPTT). :func:`train` is a generator
over batches that yields ``(network, state, metrics)`` after every update, so a caller can stop, snapshot or
display at any point; it keeps nothing but the current values.

Truncated BPTT over k steps (``tbptt=k``): each batch is cut into chunks of k steps; every chunk is one update,
starting from the previous chunk's final states (as values: no gradient flows between chunks, as with torch's
``h.detach()``). A chunk whose mask selects no step makes no update (its loss is undefined) but carries the state.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from .batched import backward, forward
from .errors import EngineError
from .network import Network
from .objectives import objective, step_mask
from .optim import Optimizer, OptimizerState, clip_grad_norm
from .scratch import FRESH, Workspace


@dataclass(frozen=True)
class Batch:
    """One batch of a task: inputs (B, T, I), targets ((B, T, O) values or (B, T) classes), mask (B, T)."""

    x: np.ndarray
    target: np.ndarray
    mask: np.ndarray | None = None


@dataclass(frozen=True)
class StepMetrics:
    """What one update measured."""

    update: int
    """1 for the first update of a run."""
    loss: float
    grad_norm: float
    """Global gradient norm before clipping."""
    clip_scale: float
    """The factor clipping applied (1 when it did not clip)."""


def _check_batch(network: Network, batch: Batch) -> None:
    if not network.has_output:
        raise EngineError("training needs a network with an output layer (fc.weight, fc.bias)")
    if batch.x.ndim != 3:
        raise EngineError(f"a batch's input must be (batch, steps, inputs), not {batch.x.shape}")


def train_step(
    network: Network,
    optimizer: Optimizer,
    state: OptimizerState,
    batch: Batch,
    loss: str,
    *,
    clip: float | None = None,
    steps: str = "all",
    h0: Any | None = None,
    c0: Any | None = None,
    update: int = 1,
    workspace: Workspace | None = None,
) -> tuple[Network, OptimizerState, StepMetrics, tuple[np.ndarray, np.ndarray | None]]:
    """One update on one batch: L, dL/dparams by BPTT, global-norm clip, optimiser step.

    Returns (new network, new optimiser state, metrics, (h_T, c_T)). ``workspace`` (kept by a loop between its
    updates) reuses the forward record's buffers; nothing returned points into it.
    """
    _check_batch(network, batch)
    cache = forward(network, batch.x, h0, c0, FRESH if workspace is None else workspace)
    assert cache.y is not None
    value, dy = objective(loss, cache.y, batch.target, batch.mask, steps)
    grads = backward(cache, dy=dy, need_dx=False).params
    clipped, norm, scale = clip_grad_norm(grads, clip)
    params, new_state = optimizer.update(network.params, clipped, state)
    return (network.with_parameters(params), new_state, StepMetrics(update, value, norm, scale), (cache.h_T, cache.c_T))


def tbptt_steps(
    network: Network,
    optimizer: Optimizer,
    state: OptimizerState,
    batch: Batch,
    loss: str,
    k: int,
    *,
    clip: float | None = None,
    first_update: int = 1,
    workspace: Workspace | None = None,
) -> Iterator[tuple[Network, OptimizerState, StepMetrics]]:
    """Truncated BPTT: one update per chunk of ``k`` steps of ``batch``, states carried between chunks."""
    if k < 1:
        raise EngineError(f"the truncation length must be at least 1 step, not {k}")
    total = batch.x.shape[1]
    weights = step_mask(batch.x.shape[:2], batch.mask, "all", network.dtype)
    h: np.ndarray | None = None
    c: np.ndarray | None = None
    update = first_update
    for start in range(0, total, k):
        chunk = slice(start, min(start + k, total))
        part = Batch(batch.x[:, chunk], batch.target[:, chunk], weights[:, chunk])
        if not weights[:, chunk].any():
            carried = forward(network, part.x, h, c)
            h, c = carried.h_T, carried.c_T
            continue
        network, state, metrics, (h, c) = train_step(
            network, optimizer, state, part, loss, clip=clip, h0=h, c0=c, update=update, workspace=workspace
        )
        update += 1
        yield network, state, metrics


def train(
    network: Network,
    optimizer: Optimizer,
    state: OptimizerState | None,
    batches: Iterable[Batch],
    loss: str,
    *,
    updates: int,
    clip: float | None = None,
    tbptt: int | None = None,
    steps: str = "all",
) -> Iterator[tuple[Network, OptimizerState, StepMetrics]]:
    """Yield (network, optimiser state, metrics) after each of ``updates`` updates, drawing batches in order.

    ``state`` None starts a fresh optimiser state. Stop iterating to stop training; the last yielded network is
    the trained one.
    """
    if updates < 0:
        raise EngineError(f"the number of updates must not be negative, not {updates}")
    current = optimizer.init(network.params) if state is None else state
    workspace = Workspace()  # this run's record buffers, reused by every update
    done = 0
    if updates == 0:
        return
    for batch in batches:
        if tbptt is None:
            network, current, metrics, _ = train_step(
                network, optimizer, current, batch, loss, clip=clip, steps=steps, update=done + 1, workspace=workspace
            )
            done += 1
            yield network, current, metrics
        else:
            for stepped, carried, metrics in tbptt_steps(
                network, optimizer, current, batch, loss, tbptt, clip=clip, first_update=done + 1, workspace=workspace
            ):
                network, current = stepped, carried
                done += 1
                yield network, current, metrics
                if done >= updates:
                    return
        if done >= updates:
            return
    if done < updates:
        raise EngineError(f"the batches ran out after {done} of {updates} updates")
