"""The Train panel: train the document's network on a task, off the GUI thread, and watch the loss fall.

The loop (:func:`lstmviz.model.training.run_training`) runs in a process of its own
(:class:`~lstmviz.model.training_job.TrainingJob`, which says why not a thread); it never touches widgets or the
document. A 100 ms timer on the GUI thread polls it, extends the loss curves and hands the current weights to the
document (so the gate diagram, heatmaps, numbers and gradients refresh at most 10 times a second). Every hand-over
uses one merge key per run, so the whole run is one undo step: Undo restores the weights from before training.
Pause and Stop are flags the child looks at between updates.

Copy and adding bring their own input: Start first loads one example of the task with a fresh network sized for
it (its own undo step, "Set up ... task"). Next-value trains on the document's sequence.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox, QDoubleSpinBox, QFormLayout, QHBoxLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget,
)

from ...engine.errors import EngineError
from ...engine.kernels import kernel_for
from ...engine.spec import cell_kinds
from ...io.errors import FileFormatError
from ...io.sequence_data import SequenceData
from ...io.tasks import Task, make_task
from ...model.document import Document
from ...model.training import TrainingConfig, new_network
from ...model.training_job import TrainingJob

TASK_CHOICES = (("copy", "copy"), ("adding", "adding"), ("next-value", "next value of this sequence"))
_run_ids = itertools.count(1)


class TrainPanel(QWidget):
    """Task, network and optimiser settings, Start / Pause / Resume / Stop, and the live loss curves."""

    state_changed = Signal(str)
    """``running``, ``paused``, ``idle``."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._job: TrainingJob | None = None
        self._jobs: list[TrainingJob] = []
        """The run in flight, if any, for the widget's end (the child process must not outlive the window)."""
        jobs = self._jobs  # not self: the slot runs when the widget is already gone
        self.destroyed.connect(lambda *_: [job.kill() for job in jobs])
        self._task: Task | None = None
        self._merge_key: Any = None
        self._train_curve: list[tuple[int, float]] = []
        self._val_curve: list[tuple[int, float, float]] = []
        self.state = "idle"
        self._build()
        self._timer = QTimer(self)
        self._timer.setInterval(100)
        self._timer.timeout.connect(self._drain)

    # Widgets -------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        form = QFormLayout()
        self.task_box = QComboBox()
        for key, title in TASK_CHOICES:
            self.task_box.addItem(title, key)
        self.task_box.setToolTip("What the network learns: recall a symbol (copy), add two marked values (adding), "
                                 "or forecast the loaded sequence one step ahead")
        self.delay_box = self._spin(0, 1000, 20, "copy: blank steps between the symbol and the cue; "
                                    "adding: half the sequence length")
        self.cell_box = QComboBox()
        self.cell_box.addItems([kind for kind in cell_kinds() if kernel_for(kind).batched is not None])
        self.cell_box.setCurrentText("lstm")
        self.cell_box.setToolTip("Cell type of the network trained")
        self.hidden_box = self._spin(1, 512, 32, "Hidden units")
        self.updates_box = self._spin(1, 1_000_000, 2000, "Optimiser updates (Adam, gradient clipped at norm 1)")
        self.batch_box = self._spin(1, 4096, 32, "Sequences per update")
        self.seed_box = self._spin(0, 2**31 - 1, 0, "Seed of the initial weights and of the data order")
        self.lr_box = QDoubleSpinBox()
        self.lr_box.setDecimals(4)
        self.lr_box.setRange(0.0001, 1.0)
        self.lr_box.setSingleStep(0.001)
        self.lr_box.setValue(0.01)
        self.lr_box.setToolTip("Adam's learning rate")
        for label, widget in (("Task", self.task_box), ("Delay", self.delay_box), ("Cell", self.cell_box),
                              ("Hidden", self.hidden_box), ("Updates", self.updates_box), ("Batch", self.batch_box),
                              ("Learning rate", self.lr_box), ("Seed", self.seed_box)):
            form.addRow(label, widget)
        buttons = QHBoxLayout()
        self.start_button = self._button("Start", "Train from the current settings (one undo step)", self.start)
        self.pause_button = self._button("Pause", "Pause training; Resume continues from here", self.pause)
        self.resume_button = self._button("Resume", "Continue a paused run", self.resume)
        self.stop_button = self._button("Stop", "Stop training and keep the weights reached so far", self.stop)
        for button in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        self.status = QLabel("Not trained yet")
        self.status.setWordWrap(True)
        self.status.setToolTip("Progress of the current run")
        self.plot = pg.PlotWidget()
        self.plot.setToolTip("Training loss (every update) and validation loss, log scale")
        self.plot.setLogMode(y=True)
        self.plot.setLabel("bottom", "update")
        self.plot.setLabel("left", "loss")
        self.plot.addLegend()
        self.train_line = self.plot.plot(pen=pg.mkPen("#1f77b4", width=1), name="training")
        self.val_line = self.plot.plot(pen=pg.mkPen("#d62728", width=2), symbol="o", symbolSize=4,
                                       name="validation")
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addLayout(buttons)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)
        self._update_buttons()

    def _spin(self, low: int, high: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    def _button(self, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _update_buttons(self) -> None:
        self.start_button.setEnabled(self.state == "idle")
        self.pause_button.setEnabled(self.state == "running")
        self.resume_button.setEnabled(self.state == "paused")
        self.stop_button.setEnabled(self.state != "idle")

    def _set_state(self, state: str) -> None:
        self.state = state
        self._update_buttons()
        self.state_changed.emit(state)

    # Run control ---------------------------------------------------------------------------------------------
    def config(self) -> TrainingConfig:
        return TrainingConfig(cell=self.cell_box.currentText(), hidden=self.hidden_box.value(),
                              updates=self.updates_box.value(), batch=self.batch_box.value(),
                              lr=self.lr_box.value(), seed=self.seed_box.value(), validate_every=50)

    def _make_task(self) -> Task:
        key = self.task_box.currentData()
        seed = self.seed_box.value()
        if key == "copy":
            return make_task("copy", delay=self.delay_box.value(), seed=seed)
        if key == "adding":
            return make_task("adding", length=max(2, 2 * self.delay_box.value()), seed=seed)
        return make_task("next-value", self.document.sequence, window=min(50, max(1, self.document.sequence.steps
                                                                                   // 10)), seed=seed)

    def start(self) -> None:
        if self.state != "idle":
            return
        try:
            config = self.config()
            task = self._make_task()
        except (FileFormatError, EngineError) as error:
            self.status.setText(str(error))
            return
        network = new_network(config, task)
        if task.name in ("copy", "adding"):
            example = task.validation().x[0]
            labels = getattr(task, "labels", ("value", "marker"))
            sequence = SequenceData(example, input_labels=tuple(labels), source=task.describe())
            self.document.load_network_with_sequence(task.export(network), sequence, f"Set up the {task.name} task")
        self._task = task
        self._merge_key = ("train", next(_run_ids))
        self._train_curve, self._val_curve = [], []
        try:
            self._job = TrainingJob(config, task, network)
        except (OSError, RuntimeError) as error:  # no process could start (limits; an unguarded main script)
            self.status.setText(f"Training could not start: {error}".splitlines()[0])
            return
        self._set_state("running")
        self.status.setText(f"Training {config.cell.upper()} H={config.hidden} on {task.describe()}...")
        self._jobs[:] = [self._job]
        self._timer.start()

    def pause(self) -> None:
        if self.state == "running" and self._job is not None:
            self._job.pause()
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused" and self._job is not None:
            self._job.resume()
            self._set_state("running")

    def stop(self) -> None:
        if self.state != "idle" and self._job is not None:
            self._job.stop()

    # Results (GUI thread) ------------------------------------------------------------------------------------
    def _drain(self) -> None:
        job = self._job
        if job is None:
            return
        report = job.poll()
        if report.losses:
            self._train_curve.extend(report.losses)
            xs, ys = np.array(self._train_curve).T
            self.train_line.setData(xs, np.maximum(ys, 1e-12))
        if report.validation:
            self._val_curve.extend(report.validation)
            data = np.array(self._val_curve)
            self.val_line.setData(data[:, 0], np.maximum(data[:, 1], 1e-12))
        if report.network is not None and self._task is not None and not job.finished:
            self._apply(report.network)
            accuracy = f", {self._task.accuracy_name} {100 * self._val_curve[-1][2]:.0f}%" if self._val_curve else ""
            self.status.setText(f"Update {report.updates:,}: loss {self._train_curve[-1][1]:.4g}{accuracy}")
        if job.finished:
            self._finish(job)

    def _apply(self, network: Any) -> None:
        assert self._task is not None
        self.document.set_network(self._task.export(network), "Train network", merge_key=self._merge_key)

    def _finish(self, job: TrainingJob) -> None:
        self._timer.stop()
        self._job = None
        self._jobs.clear()
        if job.error is not None:
            self.status.setText(f"Training failed: {job.error}")
        else:
            if job.result is not None:
                self._apply(job.result)
            done = self._train_curve[-1][0] if self._train_curve else 0
            self.status.setText(f"Trained for {done:,} updates" + (f"; last loss {self._train_curve[-1][1]:.4g}"
                                                                   if self._train_curve else ""))
        self._set_state("idle")

    def curves(self) -> tuple[list[tuple[int, float]], list[tuple[int, float, float]]]:
        """(training loss per update, validation (update, loss, accuracy)) as drawn so far."""
        return list(self._train_curve), list(self._val_curve)
