"""An encoder-decoder training run as plain Python, in the shape of :func:`lstmviz.model.training.run_training`.

The app's :class:`~lstmviz.model.training_job.TrainingJob` runs any such generator in its child process; this one
yields a :class:`~lstmviz.model.training.Progress` after every update of
:func:`~lstmviz.engine.seq2seq_train.train_seq2seq` on a token task's seeded batches, scored every
``validate_every`` updates (and after the last) on a fixed held-out batch: the teacher-forced loss and the
free-running per-token accuracy (what the decoder gets right when it is fed its own outputs). The task travels as a
:class:`TokenTask` (names and sizes), since the task's batch generator is a closure a spawned process cannot receive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from ..engine.seq2seq import Seq2Seq
from ..engine.seq2seq_batch import decode_free, loss_and_gradients
from ..engine.seq2seq_train import train_seq2seq
from ..io.seq2seq_tasks import Seq2SeqTask, make_task, token_accuracy
from .training import Evaluation, Progress, TrainingConfig

VALIDATION_SOURCES = 200
"""Held-out sources scored at each validation (fresh draws from a seed of their own, never trained on)."""


@dataclass(frozen=True)
class TokenTask:
    """A token task by name (``reverse``, ``sort``), its symbol count and the source length trained on."""

    name: str = "reverse"
    symbols: int = 10
    length: int = 8
    embed: int | None = 16
    """Embedding width of a fresh model (None: one-hot inputs)."""

    accuracy_name = "free-running per-token accuracy"

    def make(self) -> Seq2SeqTask:
        return make_task(self.name, self.symbols)

    def describe(self) -> str:
        return f"{self.name} {self.length} tokens of {self.symbols} symbols"

    def example(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """One (source, target) of the task, to show when a fresh model is set up."""
        batch = self.make().batch(np.random.default_rng(seed), 1, self.length)
        return batch.source[0], batch.target[0]


def new_model(config: TrainingConfig, task: TokenTask) -> Seq2Seq:
    """A fresh, seeded model sized for ``task`` (raw scores out: the loss applies the softmax)."""
    return Seq2Seq.random(config.cell, config.hidden, config.layers, vocab_size=task.make().vocab_size,
                          embed_size=task.embed, seed=config.seed, nonlinearity=config.activation,
                          output_activation="identity", dtype=np.dtype(config.dtype))


def fits(model: Seq2Seq, task: TokenTask) -> bool:
    """Whether ``model`` can be trained on ``task`` as it is (a token model with the task's vocabulary)."""
    return model.tokens and model.vocab_size == task.make().vocab_size


def evaluate_seq2seq(model: Seq2Seq, task: TokenTask, seed: int) -> Evaluation:
    """Teacher-forced loss and free-running per-token accuracy on the held-out sources of ``seed``."""
    held_out = task.make().batch(np.random.default_rng(seed), VALIDATION_SOURCES, task.length)
    loss = loss_and_gradients(model, held_out.source, held_out.target).loss
    return Evaluation(loss, token_accuracy(decode_free(model, held_out.source, task.length), held_out.target))


def run_seq2seq_training(config: TrainingConfig, task: TokenTask, model: Seq2Seq | None = None) -> Iterator[Progress]:
    """Yield a :class:`Progress` (its ``network`` is the :class:`Seq2Seq`) after every update."""
    problem = task.make()
    start = new_model(config, task) if model is None else model
    rng = np.random.default_rng(config.seed)

    def batches() -> Iterator[object]:
        while True:
            yield problem.batch(rng, config.batch, task.length)

    for current, state, metrics in train_seq2seq(start, config.make_optimizer(), None, batches(),
                                                 updates=config.updates, clip=config.clip):
        scored = metrics.update % config.validate_every == 0 or metrics.update == config.updates
        report = evaluate_seq2seq(current, task, config.seed + 1) if scored else None
        yield Progress(metrics, current, state, report, None)  # type: ignore[arg-type]  # network: the Seq2Seq
