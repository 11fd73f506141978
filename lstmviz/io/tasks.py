"""Training tasks as data: seeded generators of (input, target, mask) batches, a loss name and an accuracy measure.

Every task answers the same questions, so the command line, the app and the tests share them:

- ``input_size``, ``output_size``, ``loss`` (``mse`` or ``cross-entropy``, see :mod:`lstmviz.engine.objectives`);
- ``batches(batch_size, seed)``: an endless, reproducible stream of :class:`~lstmviz.engine.training.Batch`;
- ``validation()``: a fixed held-out batch (for generated tasks, drawn from a stream no training batch uses);
- ``accuracy(y, batch)``: the task's own score in [0, 1] and ``accuracy_name`` saying what it counts;
- ``export(network)``: the network as the user should keep it (next-value folds its normalisation into the
  weights so traces and saved files are in the user's units; the identity elsewhere).

Generated tasks live here (``copy``, ``adding``); tasks on the user's own sequence (``next-value``, ``next-char``)
in :mod:`.task_series`; what both share (:class:`Task`, :class:`TaskError`) in :mod:`.task_base`. :func:`make_task`
builds any of them by name.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.training import Batch
from .task_base import Task, TaskError, check, class_accuracy, stream
from .task_series import NextCharTask, NextValueTask

__all__ = [
    "TASKS",
    "AddingTask",
    "CopyTask",
    "NextCharTask",
    "NextValueTask",
    "Task",
    "TaskError",
    "class_accuracy",
    "make_task",
    "stream",
]

TASKS: dict[str, str] = {
    "copy": "recall a symbol (one of --symbols) shown at step 0 after --delay blank steps, at a cue",
    "adding": "output the sum of the two marked values in a noisy sequence of --length steps",
    "next-value": "predict a numeric sequence --horizon steps ahead from windows of --window steps",
    "next-char": "predict the next character of a text (one-hot), then sample new text",
}


@dataclass
class CopyTask(Task):
    """Remember a symbol across a delay.

    Columns: the K symbols, ``blank``, ``cue``; T = delay + 2 steps::

        step 0            one-hot symbol s            <- what to remember
        steps 1 .. delay  blank
        step delay + 1    cue                         <- output s here (cross-entropy at this step only)

    Accuracy: the share of sequences whose output at the cue names the symbol (chance is 1/K).
    """

    delay: int = 20
    symbols: int = 8
    seed: int = 0
    name = "copy"
    loss = "cross-entropy"
    accuracy_name = "recall"

    def __post_init__(self) -> None:
        check(1 <= self.symbols <= 26, f"the copy task needs 1 to 26 symbols, not {self.symbols}")
        check(0 <= self.delay <= 100_000, f"the copy task's delay must be 0 to 100,000 steps, not {self.delay}")
        self.input_size = self.symbols + 2
        self.output_size = self.symbols

    @property
    def steps(self) -> int:
        return self.delay + 2

    @property
    def labels(self) -> tuple[str, ...]:
        return tuple(chr(ord("A") + k) for k in range(self.symbols)) + ("blank", "cue")

    def make_batch(self, rows: int, rng: np.random.Generator) -> Batch:
        steps, k = self.steps, self.symbols
        symbol = rng.integers(0, k, rows)
        x = np.zeros((rows, steps, k + 2))
        x[np.arange(rows), 0, symbol] = 1.0
        x[:, 1 : steps - 1, k] = 1.0
        x[:, steps - 1, k + 1] = 1.0
        target = np.zeros((rows, steps), dtype=np.int64)
        target[:, -1] = symbol
        mask = np.zeros((rows, steps))
        mask[:, -1] = 1.0
        return Batch(x, target, mask)

    def accuracy(self, y: np.ndarray, batch: Batch) -> float:
        return class_accuracy(y, batch)

    def describe(self) -> str:
        return f"copy (delay {self.delay}, {self.symbols} symbols)"


@dataclass
class AddingTask(Task):
    """The adding problem (Hochreiter and Schmidhuber): columns ``value`` (uniform in [0, 1)) and ``marker`` (1 at
    one step in each half); the output at the last step must be the sum of the two marked values (MSE there).

    Accuracy: the share of sequences answered within 0.04 of the sum (the classic success criterion).
    """

    length: int = 50
    seed: int = 0
    name = "adding"
    loss = "mse"
    accuracy_name = "within 0.04"
    tolerance = 0.04

    def __post_init__(self) -> None:
        check(2 <= self.length <= 100_000, f"the adding problem needs 2 to 100,000 steps, not {self.length}")
        self.input_size = 2
        self.output_size = 1

    @property
    def steps(self) -> int:
        return self.length

    def make_batch(self, rows: int, rng: np.random.Generator) -> Batch:
        half = self.length // 2
        x = np.zeros((rows, self.length, 2))
        x[:, :, 0] = rng.uniform(0.0, 1.0, (rows, self.length))
        first = rng.integers(0, half, rows)
        second = rng.integers(half, self.length, rows)
        index = np.arange(rows)
        x[index, first, 1] = 1.0
        x[index, second, 1] = 1.0
        target = np.zeros((rows, self.length, 1))
        target[:, -1, 0] = x[index, first, 0] + x[index, second, 0]
        mask = np.zeros((rows, self.length))
        mask[:, -1] = 1.0
        return Batch(x, target, mask)

    def accuracy(self, y: np.ndarray, batch: Batch) -> float:
        return float(np.mean(np.abs(y[:, -1, 0] - batch.target[:, -1, 0]) < self.tolerance))

    def describe(self) -> str:
        return f"adding (length {self.length})"


def make_task(name: str, sequence: Any | None = None, **options: Any) -> Task:
    """Build a task by name; ``next-value`` and ``next-char`` need the loaded ``sequence`` (a SequenceData).

    Options not given keep their defaults; options that do not belong to the task are ignored (the command
    line passes all of them).
    """
    chosen = {k: v for k, v in options.items() if v is not None}
    seed = int(chosen.get("seed", 0))
    if name == "copy":
        return CopyTask(delay=int(chosen.get("delay", 20)), symbols=int(chosen.get("symbols", 8)), seed=seed)
    if name == "adding":
        return AddingTask(length=int(chosen.get("length", 50)), seed=seed)
    if name in ("next-value", "next-char"):
        if sequence is None:
            raise TaskError(f"the {name} task needs a sequence file")
        if name == "next-value":
            return NextValueTask.from_sequence(
                sequence, window=int(chosen.get("window", 50)), horizon=int(chosen.get("horizon", 1)), seed=seed
            )
        return NextCharTask.from_sequence(sequence, window=int(chosen.get("window", 50)), seed=seed)
    raise TaskError(f"unknown task {name!r}; choose one of {', '.join(TASKS)} or give a sequence file")
