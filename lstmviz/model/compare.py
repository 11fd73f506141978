"""RNN vs GRU vs LSTM: the same task, the same size, the same seed, trained (or just run) side by side.

Why one module: the app's Compare window and ``lstmviz plot --compare`` must show the same numbers. A
:class:`CompareSetup` names the task and the budget; every cell gets the same :class:`TrainingConfig` but for its
kind (so the same initial-weight seed and the same batches in the same order). What is shown of each trained
network is a :class:`CellResult`: its loss curves, its h_t and (LSTM) C_t on one example of the task, and its
gradient decay ||dh_T/dh_t|| over that example (the exact Jacobian norm of the engine's BPTT), and what an update
learns from: the share of the weight gradient from each input step on one training batch
(:mod:`lstmviz.engine.update_sources`).

An honest note, measured: with Adam and gradient clipping a vanilla RNN does learn the blank-delay copy task at
moderate delays, so the recall curves alone need not separate the cells. The gradient curves do: the RNN's
||dh_T/dh_t|| falls by orders of magnitude across the delay, the LSTM's carousel keeps it near 1.

No Qt here: :class:`CompareRun` drives one :class:`~lstmviz.model.training_job.TrainingJob` (a child process) per
cell and is polled, so the window never waits for training.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np

from ..engine.bptt import bptt
from ..engine.network import Network
from ..engine.training import Batch
from ..engine.update_sources import update_shares
from ..io.sequence_data import SequenceData
from ..io.tasks import Task, make_task
from .training import DEFAULT_LR, TrainingConfig, new_network, run_training
from .training_job import TRAINING, TrainingJob

if TYPE_CHECKING:
    from .compute import ComputeService

COMPARE_CELLS: tuple[str, ...] = ("rnn", "gru", "lstm")
COMPARE_UPDATES = 600
"""The default budget per cell: at delay 50 (seed 0, H = 32) the LSTM recalls 100% by then (75% at 300), while the
vanilla RNN and the GRU stay at chance and their gradient through the delay falls 11 to 13 decades."""

COMPARE_TASKS: tuple[str, ...] = ("copy", "adding")
ON_SEQUENCE = "sequence"
"""The setup's task name for "just run the three fresh networks on a given sequence"."""


@dataclass(frozen=True)
class CompareSetup:
    """The task and the budget shared by the three cells; ``updates = 0`` compares the untrained networks."""

    task: str = "copy"
    delay: int = 50
    """copy: blank steps between the symbol and the cue; adding: half the sequence length."""
    hidden: int = 32
    updates: int = COMPARE_UPDATES
    batch: int = 32
    lr: float = DEFAULT_LR
    seed: int = 0

    @property
    def steps(self) -> int:
        """Steps of one example of the task."""
        return int(self.make_task().steps)  # type: ignore[attr-defined]

    def make_task(self) -> Task:
        if self.task == "adding":
            return make_task("adding", length=max(2, 2 * self.delay), seed=self.seed)
        return make_task(self.task, delay=self.delay, seed=self.seed)

    def config(self, cell: str) -> TrainingConfig:
        return TrainingConfig(
            cell=cell,
            hidden=self.hidden,
            updates=max(self.updates, 1),
            batch=self.batch,
            lr=self.lr,
            seed=self.seed,
            validate_every=max(1, min(50, self.updates // 10 or 1)),
        )


def example_sequence(task: Task) -> SequenceData:
    """The first held-out example of ``task`` as a sequence the views can show."""
    labels = getattr(task, "labels", ("value", "marker"))
    return SequenceData(task.validation().x[0], input_labels=tuple(labels), source=task.describe())


def gradient_decay(network: Network, sequence: SequenceData) -> np.ndarray:
    """||dh_T/dh_t||_2 of the first layer over ``sequence`` (T,): how much of step t still reaches the last step."""
    grads = bptt(network, sequence.values, "h-last-sum")  # exact when cheap, else the engine's estimate
    return np.asarray(grads["jacobian_norm_l0"], dtype=np.float64)


@dataclass
class CellResult:
    """One cell's part of the comparison: the network reached, its curves, and its gradient decay."""

    cell: str
    network: Network
    losses: list[tuple[int, float]] = field(default_factory=list)
    validation: list[tuple[int, float, float]] = field(default_factory=list)
    """(update, validation loss, accuracy)."""
    decay: np.ndarray | None = None
    shares: np.ndarray | None = None
    """share_t of the update on the task's first training batch: what the next update learns from."""

    @property
    def accuracy(self) -> float | None:
        """The task's accuracy at the last validation (None before the first)."""
        return self.validation[-1][2] if self.validation else None


def update_batch(setup: CompareSetup, task: Task) -> Batch:
    """The batch whose update the shares describe: the first training batch, the same for every cell."""
    return next(task.batches(setup.batch, setup.seed))


def analyse(
    result: CellResult, sequence: SequenceData, task: Task | None = None, batch: Batch | None = None
) -> CellResult:
    """Fill in what is measured: the gradient decay on the example and, given a task's batch, the update's shares
    per step; returns ``result``."""
    result.decay = gradient_decay(result.network, sequence)
    if task is not None and batch is not None:
        result.shares = update_shares(result.network, batch, task.loss)
    return result


def untrained(setup: CompareSetup, task: Task) -> list[CellResult]:
    """The three fresh networks (seeded as training would start them)."""
    return [CellResult(cell, new_network(setup.config(cell), task)) for cell in COMPARE_CELLS]


def fresh_on_sequence(setup: CompareSetup, sequence: SequenceData) -> list[CellResult]:
    """The three fresh, seeded networks sized for ``sequence`` (no read-out: nothing to train on), not analysed."""
    return [
        CellResult(cell, Network.random(cell, sequence.input_size, setup.hidden, seed=setup.seed))
        for cell in COMPARE_CELLS
    ]


def run_compare(setup: CompareSetup, on_update: Callable[[str, int], None] | None = None) -> list[CellResult]:
    """Train the three cells one after another in this process (the command line); analysed on the example."""
    task = setup.make_task()
    sequence = example_sequence(task)
    results = untrained(setup, task)
    if setup.updates > 0:
        for result in results:
            for progress in run_training(setup.config(result.cell), task, result.network):
                update = progress.metrics.update
                result.losses.append((update, progress.metrics.loss))
                if progress.validation is not None:
                    result.validation.append((update, progress.validation.loss, progress.validation.accuracy))
                result.network = progress.network
                if on_update is not None:
                    on_update(result.cell, update)
    batch = update_batch(setup, task)
    return [analyse(result, sequence, task, batch) for result in results]


class CompareRun:
    """The three trainings at once, each in its own child process; :meth:`poll` gathers what has arrived."""

    def __init__(self, setup: CompareSetup, sequence: SequenceData | None = None) -> None:
        """Train on ``setup``'s task; or, given a ``sequence``, just run the fresh networks on it (no jobs)."""
        self.setup = setup
        self.task: Task | None = None
        self.batch: Batch | None = None
        self._jobs: dict[str, TrainingJob] = {}
        if sequence is not None:
            self.sequence = sequence
            self.results = fresh_on_sequence(setup, sequence)
        else:
            self.task = setup.make_task()
            self.sequence = example_sequence(self.task)
            self.results = untrained(setup, self.task)
            self.batch = update_batch(setup, self.task)
        if self.task is not None and setup.updates > 0:
            for result in self.results:
                self._jobs[result.cell] = TrainingJob(setup.config(result.cell), self.task, result.network)
        self._ended: set[str] = set()
        self._services: dict[str, ComputeService] = {}
        self.error: str | None = None
        """The first failure of a child, as one line (the other cells still finish)."""

    def publish_through(self, services: Mapping[str, ComputeService]) -> None:
        """From now on each cell's run is published by that cell's compute service (its document's, in the app):
        :meth:`poll` pumps it, :meth:`stop` cancels it there. Without services (a script) the jobs are polled
        directly."""
        for cell, job in self._jobs.items():
            if cell in services and cell not in self._ended:
                services[cell].follow(TRAINING, job, self.setup.updates)
                self._services[cell] = services[cell]

    @property
    def finished(self) -> bool:
        return all(job.finished for job in self._jobs.values())

    def poll(self) -> set[str]:
        """Take every job's news into :attr:`results`; returns the cells whose network changed."""
        changed: set[str] = set()
        for result in self.results:
            job = self._jobs.get(result.cell)
            if job is None or result.cell in self._ended:
                continue
            service = self._services.get(result.cell)
            report = service.pump(TRAINING) if service is not None else None
            if report is None:  # no service publishes it (a script), or it no longer follows the job
                report = job.poll()
            result.losses.extend(report.losses)
            result.validation.extend(report.validation)
            network = job.result if job.finished and job.result is not None else report.network
            if network is not None and (network is not result.network):
                result.network = network
                changed.add(result.cell)
            if job.finished:
                self._ended.add(result.cell)
                if job.error is not None:
                    self.error = f"{result.cell.upper()}: {job.error}"
        return changed

    def stop(self) -> None:
        for cell, job in self._jobs.items():
            service = self._services.get(cell)
            if service is not None:
                service.cancel(TRAINING)
            else:
                job.stop()

    def kill(self) -> None:
        for job in self._jobs.values():
            job.kill()
