"""A training run in a process of its own, steered by polling: pause, resume, stop, and what it has learned so far.

Why a process and not a thread: the training loop is NumPy on small arrays, so it holds the interpreter lock most
of the time, and every repaint of the window had to wait for it (measured in the real window, copy task, LSTM
H = 32: the longest event-loop stall was about 100 ms with the loop in a thread, 38 ms for the same view refreshes
with no loop running). In its own process it competes for a CPU core, never for the lock.

The child sends what it has at most every :data:`PUBLISH_EVERY` seconds (the losses since the last message, the
current network, and the snapshots taken every ``snapshot_every`` updates for the app's timeline), so a fast run
does not flood the pipe; the parent's :meth:`TrainingJob.poll` gathers everything
that has arrived without waiting. Asked to (``predict_every``), the child also computes the prediction view's data
(:func:`~lstmviz.model.training_prediction.predict`) for the network it sends, at most that often: running the
network on held-out data is numeric work the GUI thread should not do between two repaints. Nothing here knows
Qt: the GUI polls from a timer, a script could poll in a loop.
"""

from __future__ import annotations

import multiprocessing
import queue
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from typing import Any

from ..engine.network import Network
from ..io.tasks import Task
from .training import Progress, TrainingConfig, run_training
from .training_prediction import Prediction, predict

Runner = Callable[[TrainingConfig, Any, Any], Iterator[Progress]]
"""A training generator: :func:`~lstmviz.model.training.run_training` for a network, or an encoder-decoder's
(:func:`~lstmviz.model.seq2seq_training.run_seq2seq_training`); module level, so a spawned child can import it."""

TRAINING = "training"
"""The compute-service kind a training run is published under (``ComputeService.follow``)."""
PUBLISH_EVERY = 0.05
"""Seconds between the child's messages: twice as often as the app refreshes its views (10 a second)."""
PAUSE_POLL = 0.05
"""How often a paused child looks at the stop flag."""


@dataclass
class Report:
    """What arrived since the last poll: training losses, validation rows, the latest network, the update count."""

    losses: list[tuple[int, float]] = field(default_factory=list)
    validation: list[tuple[int, float, float]] = field(default_factory=list)
    network: Network | Any | None = None
    """The latest network (or encoder-decoder, whatever the runner trains)."""
    updates: int = 0
    snapshots: list[tuple[int, Network]] = field(default_factory=list)
    """(update, network) every ``snapshot_every`` updates, when the job was asked for them."""
    prediction: Prediction | None = None
    """What :attr:`network` answers on held-out data, when the job was asked for predictions and one was due."""


def _train(
    config: TrainingConfig,
    task: Task,
    network: Network,
    outbox: Any,
    stop: Any,
    resume: Any,
    snapshot_every: int | None = None,
    runner: Runner = run_training,
    predict_every: float | None = None,
) -> None:
    """The child's loop (module level, so the ``spawn`` start method can import it)."""
    try:
        losses: list[tuple[int, float]] = []
        validation: list[tuple[int, float, float]] = []
        snapshots: list[tuple[int, Network]] = []
        last, updates, sent = network, 0, time.monotonic()
        predicted = -float("inf")

        def publish() -> None:
            nonlocal losses, validation, snapshots, sent, predicted
            prediction = None
            if predict_every is not None and last is not network and time.monotonic() - predicted >= predict_every:
                prediction, predicted = predict(task, last), time.monotonic()
            outbox.put(("progress", losses, validation, last, updates, snapshots, prediction))
            losses, validation, snapshots, sent = [], [], [], time.monotonic()

        for progress in runner(config, task, network):
            updates = progress.metrics.update
            losses.append((updates, progress.metrics.loss))
            if progress.validation is not None:
                validation.append((updates, progress.validation.loss, progress.validation.accuracy))
            last = progress.network
            if snapshot_every and updates % snapshot_every == 0:
                snapshots.append((updates, last))
            if not resume.is_set():
                publish()  # the curves end where the pause began
                while not resume.wait(PAUSE_POLL) and not stop.is_set():
                    pass
            if stop.is_set():
                break
            if time.monotonic() - sent >= PUBLISH_EVERY:
                publish()
        publish()
        outbox.put(("done", last))
    except Exception as error:  # reported to the parent as one readable line, never a traceback in a terminal
        outbox.put(("failed", str(error) or type(error).__name__))


class TrainingJob:
    """One run of :func:`~lstmviz.model.training.run_training` (or another ``runner``) in a child process."""

    def __init__(
        self,
        config: TrainingConfig,
        task: Task | Any,
        network: Network | Any,
        snapshot_every: int | None = None,
        runner: Runner = run_training,
        predict_every: float | None = None,
    ) -> None:
        context = multiprocessing.get_context("spawn")  # never fork a process that runs Qt threads
        self._outbox = context.Queue()
        self._stop = context.Event()
        self._resume = context.Event()
        self._resume.set()
        self._process = context.Process(
            target=_train,
            name="lstmviz training",
            daemon=True,
            args=(config, task, network, self._outbox, self._stop, self._resume, snapshot_every, runner, predict_every),
        )
        self._process.start()
        # Only the child writes to the outbox. The parent's own copy of the pipe's write end is closed, so a child
        # killed in the middle of a message (the out-of-memory killer, a kill from a terminal) leaves an end of
        # file for the reader; with the copy open, the read of that message's rest would wait forever.
        writer = getattr(self._outbox, "_writer", None)  # multiprocessing.Queue's own pipe: no public way to it
        if writer is not None:
            writer.close()
        self.finished = False
        """True once the run has ended (done, stopped or failed); :attr:`result` or :attr:`error` says how."""
        self.result: Network | None = None
        self.error: str | None = None
        self.done = 0
        """Updates reported so far (what :meth:`ComputeService.pump <lstmviz.model.compute.ComputeService.pump>`
        counts against the run's total)."""

    def pause(self) -> None:
        self._resume.clear()

    def resume(self) -> None:
        self._resume.set()

    def stop(self) -> None:
        """Ask the run to end after the update in flight; it still reports its last network."""
        self._stop.set()
        self._resume.set()

    def poll(self) -> Report:
        """Everything the child has sent since the last poll, without waiting (except once, briefly, at its end)."""
        report = Report()
        while not self.finished:
            try:
                message = self._outbox.get_nowait()
            except queue.Empty:
                if self._process.is_alive():
                    break
                try:  # it has exited: whatever it sent is in the pipe by now
                    message = self._outbox.get(timeout=0.5)
                except (queue.Empty, EOFError, OSError):
                    self._ended_unexpectedly()
                    break
            except (EOFError, OSError):  # it died in the middle of a message: the rest of it will never come
                self._ended_unexpectedly()
                break
            self._take(message, report)
        return report

    def _ended_unexpectedly(self) -> None:
        self._process.join(timeout=2.0)
        self._end(error=f"the training process ended unexpectedly (exit code {self._process.exitcode})")

    def _take(self, message: tuple[Any, ...], report: Report) -> None:
        kind = message[0]
        if kind == "progress":
            _, losses, validation, network, updates, snapshots, prediction = message
            report.losses.extend(losses)
            report.snapshots.extend(snapshots)
            report.validation.extend(validation)
            report.network, report.updates = network, updates
            report.prediction = prediction if prediction is not None else report.prediction
            self.done = updates
        elif kind == "done":
            self.result = message[1]
            self._end()
        else:
            self._end(error=message[1])

    def _end(self, error: str | None = None) -> None:
        self.finished, self.error = True, error
        self._process.join(timeout=2.0)

    def kill(self) -> None:
        """End the child now (the window is closing); nothing more will be reported."""
        if self._process.is_alive():
            self._process.terminate()
            self._process.join(timeout=2.0)
        self.finished = True
