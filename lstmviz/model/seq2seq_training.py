"""An encoder-decoder training run as plain Python, in the shape of :func:`lstmviz.model.training.run_training`.

The app's :class:`~lstmviz.model.training_job.TrainingJob` runs any such generator in its child process; this one
yields a :class:`~lstmviz.model.training.Progress` after every update of
:func:`~lstmviz.engine.seq2seq_train.train_seq2seq` on a token task's seeded batches, scored every
``validate_every`` updates (and after the last) on a fixed held-out batch: the teacher-forced loss and the
free-running per-token accuracy (what the decoder gets right when it is fed its own outputs), or for a forecast the
free-running R^2 on the windows after the split. The task travels as a :class:`TokenTask` (names and sizes) or a
:class:`ForecastTask` (the series itself), since a token task's batch generator is a closure a spawned process
cannot receive.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.seq2seq import Seq2Seq
from ..engine.seq2seq_batch import decode_free, loss_and_gradients
from ..engine.seq2seq_train import train_seq2seq
from ..io.seq2seq_tasks import (
    ForecastData,
    Seq2SeqBatch,
    Seq2SeqTask,
    forecast_windows,
    make_task,
    token_accuracy,
)
from .training import Evaluation, Progress, TrainingConfig

SEQ2SEQ_LR = 0.01
"""The encoder-decoder's default learning rate (Adam): the rate its measured results were trained at (reverse and
sort, docs/seq2seq.md); a single network's default is :data:`~lstmviz.model.training.DEFAULT_LR`."""

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

    def new_model(self, config: TrainingConfig) -> Seq2Seq:
        """A fresh, seeded model sized for the task (raw scores out: the loss applies the softmax)."""
        return Seq2Seq.random(
            config.cell,
            config.hidden,
            config.layers,
            vocab_size=self.make().vocab_size,
            embed_size=self.embed,
            seed=config.seed,
            nonlinearity=config.activation,
            output_activation="identity",
            dtype=np.dtype(config.dtype),
        )

    def fits(self, model: Seq2Seq) -> bool:
        """Whether ``model`` can be trained on the task as it is (a token model with the task's vocabulary)."""
        return model.tokens and model.vocab_size == self.make().vocab_size

    def batches(self, config: TrainingConfig) -> Iterator[Any]:
        problem, rng = self.make(), np.random.default_rng(config.seed)
        while True:
            yield problem.batch(rng, config.batch, self.length)

    def evaluate(self, model: Seq2Seq, seed: int) -> Evaluation:
        """Teacher-forced loss and free-running per-token accuracy on the held-out sources of ``seed``."""
        held_out = self.make().batch(np.random.default_rng(seed), VALIDATION_SOURCES, self.length)
        loss = loss_and_gradients(model, held_out.source, held_out.target).loss
        return Evaluation(loss, token_accuracy(decode_free(model, held_out.source, self.length), held_out.target))


@dataclass(frozen=True)
class ForecastTask:
    """Multi-step forecasting of a numeric series: encode ``window`` steps, decode the next ``horizon``, the
    validation windows after the chronological split (:func:`~lstmviz.io.seq2seq_tasks.forecast_windows`)."""

    series: np.ndarray
    window: int = 24
    horizon: int = 6
    name = "forecast"
    accuracy_name = "free-running R\u00b2"

    def data(self) -> ForecastData:
        return forecast_windows(self.series, self.window, self.horizon)

    def describe(self) -> str:
        return f"forecast {self.horizon} steps from {self.window}"

    def example(self, seed: int) -> tuple[np.ndarray, np.ndarray]:
        """The first validation window (normalised, as the model sees it) and its true continuation."""
        validation = self.data().validation
        return validation.source[0], validation.target[0]

    def new_model(self, config: TrainingConfig) -> Seq2Seq:
        width = self.data().train.source.shape[2]
        return Seq2Seq.random(
            config.cell,
            config.hidden,
            config.layers,
            input_size=width,
            seed=config.seed,
            nonlinearity=config.activation,
            dtype=np.dtype(config.dtype),
        )

    def fits(self, model: Seq2Seq) -> bool:
        return not model.tokens and model.encoder.input_size == self.data().train.source.shape[2]

    def batches(self, config: TrainingConfig) -> Iterator[Any]:
        train, rng = self.data().train, np.random.default_rng(config.seed)
        while True:
            rows = rng.integers(0, train.size, min(config.batch, train.size))
            yield Seq2SeqBatch(train.source[rows], train.target[rows], train.mask[rows])

    def evaluate(self, model: Seq2Seq, seed: int) -> Evaluation:
        """Teacher-forced mse and the free-running forecast's R^2 on the validation windows (normalised units)."""
        validation = self.data().validation
        loss = loss_and_gradients(model, validation.source, validation.target).loss
        predicted = decode_free(model, validation.source, self.horizon)
        spread = float(np.sum((validation.target - validation.target.mean()) ** 2)) or 1.0
        return Evaluation(loss, 1.0 - float(np.sum((predicted - validation.target) ** 2)) / spread)


def run_seq2seq_training(
    config: TrainingConfig, task: TokenTask | ForecastTask, model: Seq2Seq | None = None
) -> Iterator[Progress]:
    """Yield a :class:`Progress` (its ``network`` is the :class:`Seq2Seq`) after every update."""
    start = task.new_model(config) if model is None else model
    for current, state, metrics in train_seq2seq(
        start, config.make_optimizer(), None, task.batches(config), updates=config.updates, clip=config.clip
    ):
        scored = metrics.update % config.validate_every == 0 or metrics.update == config.updates
        report = task.evaluate(current, config.seed + 1) if scored else None
        yield Progress(metrics, current, state, report, None)  # type: ignore[arg-type]  # network: the Seq2Seq
