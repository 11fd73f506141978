"""The Train panel: train the document's network on a task, off the GUI thread, and watch it learn.

The loop (:func:`lstmviz.model.training.run_training`) runs in a process of its own
(:class:`~lstmviz.model.training_job.TrainingJob`, which says why not a thread); it never touches widgets or the
document. A 100 ms timer on the GUI thread polls it, extends the loss curves, redraws the prediction and hands the
current weights to the document (so the gate diagram, heatmaps, numbers and gradients refresh at most 10 times a
second). Every hand-over uses one merge key per run, so the whole run is one undo step: Undo restores the weights
from before training. Pause and Stop are flags the child looks at between updates.

The child also sends a snapshot every N updates for the training timeline (bounded:
:mod:`lstmviz.model.training_timeline`); scrubbing it once the run is paused or over puts that moment's network in
the document under the same merge key, so scrubbing never adds undo steps.

Copy and adding bring their own input: Start first loads one example of the task with a fresh network sized for
it (its own undo step, "Set up ... task"). Next-value and next-char train on the document's sequence. The parts
live in :mod:`lstmviz.gui.training`: the settings form, the curves, the prediction view, the timeline slider.
"""

from __future__ import annotations

import itertools
import os
from pathlib import Path
from typing import Any

from PySide6.QtCore import Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import EngineError
from ...io.errors import FileFormatError
from ...io.sequence_data import SequenceData
from ...io.tasks import Task
from ...io.training_log import app_rows, render_loss_figure, write_loss_csv
from ...model.compute import ComputeService
from ...model.document import Document
from ...model.training import TrainingConfig, new_network
from ...model.training_job import TRAINING, TrainingJob
from ...model.training_prediction import LIVE_STEPS, predict
from ...model.training_timeline import Timeline
from ..note_button import note_button
from ..refresh_pacing import pacer
from ..training.curves import LossCurves
from ..training.prediction_view import PredictionView
from ..training.settings_form import TrainSettings
from ..training.timeline_slider import TimelineSlider
from .weights import app_file_actions

_run_ids = itertools.count(1)
PREDICT_EVERY = 0.3
"""Seconds between two redraws of the prediction during a run: the child process runs the network on held-out data
for it (:class:`~lstmviz.model.training_job.TrainingJob`'s ``predict_every``), so it refreshes about 3 times a
second while the other views take the weights up to 10 times."""
CURVE_FORMATS: tuple[tuple[str, str], ...] = (
    ("csv", "CSV table"),
    ("png", "PNG image"),
    ("svg", "SVG image"),
    ("pdf", "PDF document"),
)


def _stop_pacing(pacing: list[bool]) -> None:
    """End the pacing one panel began (once)."""
    if pacing:
        pacing.clear()
        pacer().end()


class TrainPanel(QWidget):
    """Task, network and optimiser settings, Start / Pause / Resume / Stop, and the live loss curves.

    A trainer of another kind of model reuses the run control by overriding the seams: :meth:`_make_settings`
    (its form), :meth:`_make_task`, :meth:`_prepare`, :meth:`_new_job` (its runner), :meth:`_apply` (where the
    weights go) and :meth:`save_weights`; :attr:`PREDICTS` False drops the single-network prediction view and
    :attr:`STACKED` puts the plots under the settings for a narrow dock.
    """

    PREDICTS = True
    """Whether the prediction view (:func:`~lstmviz.model.training_prediction.predict` of one network) is shown."""
    STACKED = False
    """Settings above the buttons and plots (a narrow dock) instead of beside them."""

    state_changed = Signal(str)
    """``running``, ``paused``, ``idle``."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._job: TrainingJob | None = None
        self._jobs: list[TrainingJob] = []
        """The run in flight, if any, for the widget's end (the child process must not outlive the window)."""
        jobs = self._jobs  # not self: the slot runs when the widget is already gone
        self._pacing: list[bool] = []
        """One entry while this panel has the views' refreshes paced (:mod:`lstmviz.gui.refresh_pacing`)."""
        pacing = self._pacing
        self._prediction_turn = object()
        """The prediction's place in the pacer's queue (:meth:`_draw_prediction`), dropped with the panel."""
        turn = self._prediction_turn
        self.destroyed.connect(lambda *_: ([job.kill() for job in jobs], _stop_pacing(pacing), pacer().forget(turn)))
        self._task: Task | None = None
        self._timeline: Timeline | None = None
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
        self.settings = self._make_settings()
        scroll = QScrollArea()
        scroll.setWidget(self.settings)
        scroll.setWidgetResizable(True)
        if self.STACKED:  # the dock's width is the form's: no sideways scrolling
            scroll.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        else:
            scroll.setMinimumWidth(self.settings.sizeHint().width() + 24)
            scroll.setMaximumWidth(self.settings.sizeHint().width() + 40)
        buttons = QHBoxLayout()
        self.start_button = self._button("Start", "Train from the current settings (one undo step)", self.start)
        self.pause_button = self._button("Pause", "Pause training; Resume continues from here", self.pause)
        self.resume_button = self._button("Resume", "Continue a paused run", self.resume)
        self.stop_button = self._button("Stop", "Stop training and keep the weights reached so far", self.stop)
        for button in (self.start_button, self.pause_button, self.resume_button, self.stop_button):
            buttons.addWidget(button)
        buttons.addStretch(1)
        files = QHBoxLayout() if self.STACKED else buttons  # six buttons do not fit across a narrow dock
        self.save_button = self._button(
            "Save Weights...",
            "Save the network shown (trained, or the timeline's "
            "moment) as .safetensors or .npz; it loads in lstmviz and PyTorch",
            self.save_weights,
        )
        self.export_button = self._button(
            "Export Curve...",
            "Save the loss curve as CSV (update, loss, val_loss, val_accuracy) or as a PNG, SVG or PDF figure",
            self.export_curve,
        )
        files.addWidget(self.save_button)
        files.addWidget(self.export_button)
        files.addWidget(note_button("train", self))
        self.status = QLabel("Not trained yet")
        self.status.setWordWrap(True)
        self.status.setToolTip("Progress of the current run")
        self.curves_view = LossCurves()
        self.prediction_view = PredictionView()
        plots = QSplitter(Qt.Orientation.Horizontal)
        plots.addWidget(self.curves_view)
        plots.addWidget(self.prediction_view)
        plots.setChildrenCollapsible(False)
        plots.setStretchFactor(0, 3)  # the curves get the larger share: they are what a run is watched by
        plots.setStretchFactor(1, 2)
        plots.setSizes([3000, 2000])
        self.prediction_view.setVisible(self.PREDICTS)
        right = QVBoxLayout()
        right.addLayout(buttons)
        if files is not buttons:
            files.addStretch(1)
            right.addLayout(files)
        right.addWidget(self.status)
        right.addWidget(plots, 1)
        self.timeline_slider = TimelineSlider(stacked=self.STACKED)
        self.timeline_slider.picked.connect(self._scrub)
        right.addWidget(self.timeline_slider)
        if self.STACKED:  # settings above, run control and plots below, the split draggable
            below = QWidget()
            below.setLayout(right)
            right.setContentsMargins(0, 0, 0, 0)
            split = QSplitter(Qt.Orientation.Vertical)
            split.addWidget(scroll)
            split.addWidget(below)
            split.setChildrenCollapsible(False)
            split.setSizes([1000, 1000])
            QVBoxLayout(self).addWidget(split)
        else:
            layout = QHBoxLayout(self)
            layout.addWidget(scroll)
            layout.addLayout(right, 1)
        self._update_buttons()

    def _make_settings(self) -> TrainSettings:
        """The settings form (a subclass supplies its own tasks)."""
        return TrainSettings()

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
        self.save_button.setEnabled(self.state != "running" and bool(self._train_curve))
        self.export_button.setEnabled(self.state != "running" and bool(self._train_curve))
        self.settings.setEnabled(self.state == "idle")
        self.timeline_slider.set_scrubbable(self.state != "running")

    def _begin_pacing(self) -> None:
        """One view per event-loop turn from now until the run pauses or ends (once, however often asked)."""
        if not self._pacing:
            self._pacing.append(True)
            pacer().begin()

    def _set_state(self, state: str) -> None:
        self.state = state
        if state == "running":  # one view per event-loop turn while the weights stream in
            self._begin_pacing()
        else:
            _stop_pacing(self._pacing)
        self._update_buttons()
        self.state_changed.emit(state)

    def _refuse(self, message: str, title: str = "Cannot train") -> None:
        """Bad settings (or a file that cannot be written): one line in the status and a dialog; the session stays
        as it was."""
        self.status.setText(message)
        box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, self)
        box.setObjectName("dialog_train_refused")
        box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
        box.open()

    # Run control ---------------------------------------------------------------------------------------------
    def config(self) -> TrainingConfig:
        return self.settings.config()

    def start(self) -> None:
        if self.state != "idle":
            return
        try:
            config = self.config()
            task = self._make_task()
        except (FileFormatError, EngineError) as error:
            self._refuse(str(error))
            return
        self._begin_pacing()  # the set-up rebuilds every view (a new network and example): one view per turn too
        network = self._prepare(config, task)
        self._task = task
        self._merge_key = ("train", next(_run_ids))
        self._train_curve, self._val_curve = [], []
        self.curves_view.show_curves([], [])
        self.curves_view.mark_update(None)
        self.curves_view.set_accuracy_name(task.accuracy_name)
        self._timeline = Timeline.for_network(network, self.settings.snapshot_box.value())
        self.timeline_slider.set_timeline(self._timeline)
        try:
            self._job = self._new_job(config, task, network)
        except (OSError, RuntimeError) as error:  # no process could start (limits; an unguarded main script)
            _stop_pacing(self._pacing)
            self.status.setText(f"Training could not start: {error}".splitlines()[0])
            return
        self._compute().follow(TRAINING, self._job, config.updates)  # its progress is the service's to publish
        self._show_prediction(network)  # the untrained answers, to compare
        self._set_state("running")
        self._say_when_the_prediction_is_redrawn()
        self.status.setText(f"Training {config.cell.upper()} H={config.hidden} on {task.describe()}...")
        self._jobs[:] = [self._job]
        self._timer.start()

    def _make_task(self) -> Any:
        """The chosen task (raises FileFormatError or EngineError with a sentence for the user)."""
        return self.settings.make_task(self.document.sequence)

    def _prepare(self, config: TrainingConfig, task: Task) -> Any:
        """The network to train; copy and adding first load one example of the task (its own undo step)."""
        network = new_network(config, task)
        if task.name in ("copy", "adding"):
            example = task.validation().x[0]
            labels = getattr(task, "labels", ("value", "marker"))
            sequence = SequenceData(example, input_labels=tuple(labels), source=task.describe())
            self.document.load_network_with_sequence(task.export(network), sequence, f"Set up the {task.name} task")
        return network

    def _new_job(self, config: TrainingConfig, task: Any, network: Any) -> TrainingJob:
        live = self.PREDICTS and self._live_prediction()
        return TrainingJob(
            config,
            task,
            network,
            snapshot_every=self.settings.snapshot_box.value(),
            predict_every=PREDICT_EVERY if live else None,
        )

    def _compute(self) -> ComputeService:
        """The compute service the run is published through (the document's: its status bar shows and cancels it
        like a recompute)."""
        return self.document.compute

    def pause(self) -> None:
        if self.state == "running" and self._job is not None:
            self._compute().pause(TRAINING)
            self._set_state("paused")

    def resume(self) -> None:
        if self.state == "paused" and self._job is not None:
            self._compute().resume(TRAINING)
            self.timeline_slider.follow_newest()
            self._set_state("running")

    def stop(self) -> None:
        """End after the update in flight, keeping the weights reached (the service's cancel of a long job)."""
        if self.state != "idle" and self._job is not None:
            self._compute().cancel(TRAINING)

    # Results (GUI thread) ------------------------------------------------------------------------------------
    def _drain(self) -> None:
        job = self._job
        if job is None:
            return
        report = self._compute().pump(TRAINING)
        if report is None:  # the service no longer follows it (it ended through another path)
            report = job.poll()
        self._train_curve.extend(report.losses)
        self._val_curve.extend(report.validation)
        if report.losses or report.validation:
            self.curves_view.extend(report.losses, report.validation)
        if self._timeline is not None and report.snapshots:
            for update, network in report.snapshots:
                self._timeline.add(update, network)
            self.timeline_slider.follow_newest()
        if report.network is not None and self._task is not None and not job.finished:
            self._apply(report.network)
            if report.prediction is not None and self.PREDICTS:  # drawn in a turn of its own, after the hand-over
                self._draw_prediction(report.prediction)
            accuracy = f", {self._task.accuracy_name} {100 * self._val_curve[-1][2]:.0f}%" if self._val_curve else ""
            self.status.setText(f"Update {report.updates:,}: loss {self._train_curve[-1][1]:.4g}{accuracy}")
        if job.finished:
            self._finish(job)

    def _apply(self, network: Any) -> None:
        assert self._task is not None
        self.document.set_network(self._task.export(network), "Train network", merge_key=self._merge_key)
        if self.state != "running":  # during a run the child sends the prediction (see _drain)
            self._show_prediction(network)

    def _show_prediction(self, network: Any) -> None:
        if self.PREDICTS and self._task is not None:
            self._draw_prediction(predict(self._task, network))

    def _draw_prediction(self, prediction: Any) -> None:
        """Drawing a prediction costs 20-30 ms: while the views are paced it takes a pacer turn of its own (a newer
        prediction replaces one still waiting), otherwise it is drawn at once."""
        pacer().call_in_turn(self._prediction_turn, self.prediction_view, self._draw_prediction_now, prediction)

    def _draw_prediction_now(self, prediction: Any) -> None:
        self.prediction_view.show_prediction(prediction)
        self._say_when_the_prediction_is_redrawn()

    def _say_when_the_prediction_is_redrawn(self) -> None:
        """During a run on long sequences the prediction stays as it was drawn: the score line says so."""
        if self.PREDICTS and self.state == "running" and not self._live_prediction():
            self.prediction_view.score.setText(
                f"Sequences of more than {LIVE_STEPS:,} steps: the prediction is redrawn when the run pauses or ends"
            )

    def _live_prediction(self) -> bool:
        """Short sequences are predicted during the run (every PREDICT_EVERY s); long ones when it pauses or ends."""
        return int(getattr(self._task, "steps", 0)) <= LIVE_STEPS

    def _finish(self, job: TrainingJob) -> None:
        self._timer.stop()
        self._job = None
        self._jobs.clear()
        if job.error is not None:
            self.status.setText(f"Training failed: {job.error}")
        else:
            if job.result is not None:
                self._apply(job.result)
                if self._timeline is not None and self._train_curve:
                    self._timeline.add(self._train_curve[-1][0], job.result, keep=True)
                    self.timeline_slider.follow_newest()
            done = self._train_curve[-1][0] if self._train_curve else 0
            self.status.setText(
                f"Trained for {done:,} updates"
                + (f"; last loss {self._train_curve[-1][1]:.4g}" if self._train_curve else "")
            )
        self._set_state("idle")
        if job.result is not None:  # the last answers, whatever the rate limit skipped
            self._show_prediction(job.result)

    def _scrub(self, index: int) -> None:
        """Show the run's snapshot ``index``: part of the run's undo step, not one of its own."""
        if self._timeline is None or self._task is None or self.state == "running":
            return
        snapshot = self._timeline[index]
        self.curves_view.mark_update(snapshot.update)
        try:
            self._apply(snapshot.network)
        except (
            EngineError,
            FileFormatError,
            ValueError,
        ) as error:  # the document moved on (another sequence was opened)
            self.status.setText(f"The timeline cannot be shown on this sequence: {error}")

    # Saving and exporting ------------------------------------------------------------------------------------
    def save_weights(self) -> bool:
        """Through the main window's Save Weights (one file dialog and one writer for the whole app)."""
        actions = app_file_actions(self)
        if actions is None:
            self._refuse("Saving weights works inside the main window.")
            return False
        return bool(actions.save_weights_as())

    def export_curve(self) -> bool:
        filters = ";;".join(f"{label} (*.{fmt})" for fmt, label in CURVE_FORMATS)
        name = f"{self._task.name if self._task else 'training'}-loss.csv"
        settings = getattr(self.window(), "settings", None)
        folder = settings.last_folder() if settings is not None and hasattr(settings, "last_folder") else ""
        path, _ = QFileDialog.getSaveFileName(self, "Export loss curve", os.path.join(folder, name), filters)
        if not path:
            return False
        if Path(path).suffix.lower().lstrip(".") not in dict(CURVE_FORMATS):
            path += ".csv"
        return self.export_curve_to(path)

    def export_curve_to(self, path: str) -> bool:
        """Write the curves drawn so far to ``path``: CSV, or a figure by its suffix (png, svg, pdf)."""
        train, validation = self.curves()
        try:
            if Path(path).suffix.lower() == ".csv":
                write_loss_csv(path, app_rows(train, validation))
            else:
                title = self._task.describe() if self._task is not None else ""
                render_loss_figure(
                    train,
                    validation,
                    path,
                    title=title,
                    accuracy_name=self._task.accuracy_name if self._task else "accuracy",
                )
        except FileFormatError as error:
            self._refuse(str(error))
            return False
        self.status.setText(f"Exported {os.path.basename(path)}")
        return True

    def curves(self) -> tuple[list[tuple[int, float]], list[tuple[int, float, float]]]:
        """(training loss per update, validation (update, loss, accuracy)) as drawn so far."""
        return list(self._train_curve), list(self._val_curve)
