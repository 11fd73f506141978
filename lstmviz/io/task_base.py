"""What every training task shares: the :class:`Task` base, its error, seeded streams and class accuracy.

Below both task families (:mod:`.tasks`, the generated ones, and :mod:`.task_series`, those on the user's own
sequence), so neither imports the other's module for them.
"""

from __future__ import annotations

from collections.abc import Iterator

import numpy as np

from ..engine.network import Network
from ..engine.training import Batch
from .errors import FileFormatError

VALIDATION_ROWS = 512
"""Examples in the held-out batch of a generated task."""


class TaskError(FileFormatError):
    """A task that cannot be set up as asked (a parameter out of range, a sequence too short)."""


def check(condition: bool, message: str) -> None:
    if not condition:
        raise TaskError(message)


def stream(seed: int, purpose: int) -> np.random.Generator:
    """Independent, reproducible random streams per purpose (0 training data, 1 validation, 2 data order)."""
    return np.random.default_rng([seed, purpose])


class Task:
    """Base of every task; subclasses set the sizes and fill :meth:`make_batch` (or override :meth:`batches`)."""

    name: str = ""
    loss: str = "mse"
    accuracy_name: str = "accuracy"
    input_size: int = 1
    output_size: int = 1
    seed: int = 0

    def make_batch(self, rows: int, rng: np.random.Generator) -> Batch:
        raise NotImplementedError

    def batches(self, batch_size: int, seed: int | None = None) -> Iterator[Batch]:
        check(batch_size >= 1, f"the batch size must be at least 1, not {batch_size}")
        rng = stream(self.seed if seed is None else seed, 0)
        while True:
            yield self.make_batch(batch_size, rng)

    def validation(self) -> Batch:
        return self.make_batch(VALIDATION_ROWS, stream(self.seed, 1))

    def accuracy(self, y: np.ndarray, batch: Batch) -> float:
        raise NotImplementedError

    def export(self, network: Network) -> Network:
        """The network in the user's units (identity unless the task normalised its data)."""
        return network

    def describe(self) -> str:
        return self.name


def class_accuracy(y: np.ndarray, batch: Batch) -> float:
    """Share of the counted steps (mask != 0) whose largest output is the target class."""
    counted = np.ones(batch.target.shape, dtype=bool) if batch.mask is None else np.asarray(batch.mask) != 0
    hits = (np.argmax(y, axis=2) == batch.target) & counted
    return float(hits.sum()) / max(int(counted.sum()), 1)
