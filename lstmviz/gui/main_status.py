"""The status bar: cell and sizes, step t / T with its time, file name, and progress of background recomputes."""

from __future__ import annotations

import os

import shiboken6
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from ..model.document import Document
from .step_time import step_time
from .workers import TraceExecutor


class MainStatusBar(QStatusBar):
    """Follows the document; the progress bar and its cancel button appear only while a recompute runs."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("status_bar")
        self.document = document
        self.model_label = QLabel(self)
        self.model_label.setObjectName("status_model")
        self.model_label.setToolTip("Cell type, input size D, hidden size H and layers")
        self.step_label = QLabel(self)
        self.step_label.setObjectName("status_step")
        self.step_label.setToolTip("Current step t of T, and its value on the sequence's own time axis")
        self.file_label = QLabel(self)
        self.file_label.setObjectName("status_file")
        self.file_label.setToolTip("The sequence and the workspace file of this session")
        self.progress = QProgressBar(self)
        self.progress.setObjectName("status_progress")
        self.progress.setMaximumWidth(160)
        self.progress.setTextVisible(True)
        self.progress.setToolTip("Steps of the trace computed so far")
        self.cancel_button = QToolButton(self)
        self.cancel_button.setObjectName("status_cancel")
        self.cancel_button.setText("Cancel")
        self.cancel_button.setToolTip("Stop the recompute running in the background")
        self.cancel_button.clicked.connect(self.cancel_recompute)
        for widget in (self.progress, self.cancel_button):
            widget.hide()
            self.addPermanentWidget(widget)
        for index, widget in enumerate((self.file_label, self.model_label, self.step_label)):
            if index:
                separator = QFrame(self)
                separator.setFrameShape(QFrame.Shape.VLine)
                separator.setFrameShadow(QFrame.Shadow.Sunken)
                self.addPermanentWidget(separator)
            widget.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(widget)
        self.step_label.setMinimumWidth(self.step_label.fontMetrics().horizontalAdvance("t = 00000 / 00000   step 0.0000"))
        events = document.events
        events.network_changed.connect(self._update_model)
        events.sequence_changed.connect(self._update_file)
        events.sequence_changed.connect(self._update_step)
        events.path_changed.connect(self._update_file)
        events.step_changed.connect(self._update_step)
        events.trace_progress.connect(self._on_progress)
        events.trace_changed.connect(self._on_trace_done)
        self.refresh()

    def _alive(self) -> bool:
        return shiboken6.isValid(self)

    def refresh(self) -> None:
        self._update_model()
        self._update_file()
        self._update_step()

    def _update_model(self) -> None:
        if self._alive():
            self.model_label.setText(self.document.network.describe())

    def _update_file(self) -> None:
        if not self._alive():
            return
        doc = self.document
        parts = []
        if doc.sequence.source:
            parts.append(os.path.basename(doc.sequence.source) or doc.sequence.source)
        if doc.path:
            parts.append(os.path.basename(doc.path))
        self.file_label.setText("  ·  ".join(parts))

    def _update_step(self, *_: object) -> None:
        if not self._alive():
            return
        doc = self.document
        text = f"t = {doc.step} / {doc.steps - 1}"
        when = step_time(doc.sequence, doc.step)
        if when:
            text += f"   {when}"
        self.step_label.setText(text)

    def watch_executor(self, executor: TraceExecutor) -> None:
        """Follow the TraceExecutor's own signals too: it reports progress even when deliveries are coalesced."""
        executor.started.connect(self._on_started)
        executor.progress.connect(self._on_executor_progress)
        executor.finished.connect(self._on_trace_done)
        executor.failed.connect(lambda *_: self._on_trace_done())

    def _on_started(self) -> None:
        self._on_progress(self.document.trace_steps_ready)

    def _on_executor_progress(self, done: int, total: int) -> None:
        self._on_progress(done, total)

    def _on_progress(self, steps_done: int, total: int | None = None) -> None:
        if not self._alive():
            return
        self.progress.setRange(0, max(1, total if total is not None else self.document.steps))
        self.progress.setValue(int(steps_done))
        self.progress.setFormat("computing %p%")
        self.progress.show()
        self.cancel_button.show()

    def _on_trace_done(self) -> None:
        if self._alive():
            self.progress.hide()
            self.cancel_button.hide()

    def cancel_recompute(self) -> None:
        """Ask the executor to stop; the views keep what has been computed so far."""
        cancel = getattr(self.document.executor, "cancel", None)  # an executor may be a plain function
        if cancel is not None:
            cancel()
        self.progress.hide()
        self.cancel_button.hide()
        self.showMessage("Recompute cancelled: the views show the steps computed so far", 5000)
