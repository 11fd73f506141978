"""The status bar: cell and sizes, step t / T with its time, file name, and progress of background computations."""

from __future__ import annotations

import os

from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import QFrame, QLabel, QProgressBar, QStatusBar, QToolButton, QWidget

from ..model.document import Document
from .document_binding import DocumentBinding
from .step_time import step_time


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
        self.cancel_button.setToolTip("Stop the computation running in the background (Escape)")
        self.cancel_button.clicked.connect(self.cancel_recompute)
        self.escape = QShortcut(QKeySequence(Qt.Key.Key_Escape), parent or self)
        """Escape anywhere in the window cancels, but only while there is something to cancel: otherwise the key
        stays free for menus, dialogs and text boxes."""
        self.escape.setContext(Qt.ShortcutContext.WindowShortcut)
        self.escape.setEnabled(False)
        self.escape.activated.connect(self.cancel_recompute)
        self.recompute_button = QToolButton(self)
        self.recompute_button.setObjectName("status_recompute")
        self.recompute_button.setText("Recompute")
        self.recompute_button.setToolTip("Compute the rest of the trace that was cancelled")
        self.recompute_button.clicked.connect(self.recompute_stopped)
        self.stopped_label = QLabel(self)
        self.stopped_label.setObjectName("status_stopped")
        for widget in (self.progress, self.cancel_button, self.stopped_label, self.recompute_button):
            widget.hide()
            self.addPermanentWidget(widget)
        self._yielding: list[QWidget] = [self.file_label]
        """What steps aside while a message needs the room (the message was cut: "...layer was re-initial")."""
        for index, widget in enumerate((self.file_label, self.model_label, self.step_label)):
            if index:
                separator = QFrame(self)
                separator.setFrameShape(QFrame.Shape.VLine)
                separator.setFrameShadow(QFrame.Shadow.Sunken)
                self.addPermanentWidget(separator)
                self._yielding.append(separator)  # both separators go with the labels they divide
                if widget is self.model_label:
                    self._yielding.append(widget)
            widget.setContentsMargins(6, 0, 6, 0)
            self.addPermanentWidget(widget)
        self.step_label.setMinimumWidth(
            self.step_label.fontMetrics().horizontalAdvance("t = 00000 / 00000   step 0.0000")
        )
        self._yielded: list[QWidget] = []
        self.messageChanged.connect(self._make_room)
        events, compute = document.events, document.compute.events
        self._binding = DocumentBinding(
            self,
            [
                (events.network_changed, self._update_model),
                (events.sequence_changed, self._update_file),
                (events.sequence_changed, self._update_step),
                (events.path_changed, self._update_file),
                (events.step_changed, self._update_step),
                (compute.started, self._on_started),
                (compute.progress, self._on_progress),
                (compute.working, self._on_progress),
                (compute.ready, self._on_done),
                (compute.failed, self._on_done),
                (compute.stopped, self._on_stopped),
            ],
        )
        self.refresh()

    def message_room(self) -> int:
        """Pixels a temporary message has: the bar's width less the permanent widgets shown."""
        taken = sum(
            w.sizeHint().width() + 8
            for w in self.findChildren(QWidget)
            if w.parentWidget() is not None and w.isVisibleTo(self) and w in self._permanent()
        )
        return self.width() - taken - 24

    def _permanent(self) -> list[QWidget]:
        return [
            self.progress,
            self.cancel_button,
            self.stopped_label,
            self.recompute_button,
            *self._yielding,
            self.step_label,
        ]

    def _make_room(self, text: str) -> None:
        """A message wider than the room left hides the file and model labels until it goes (the step stays)."""
        if not text:
            for widget in self._yielded:
                widget.show()
            self._yielded = []
            return
        if self.fontMetrics().horizontalAdvance(text) <= self.message_room():
            return
        for widget in self._yielding:
            if widget.isVisibleTo(self):
                widget.hide()
                self._yielded.append(widget)

    def refresh(self) -> None:
        self._update_model()
        self._update_file()
        self._update_step()

    def _update_model(self) -> None:
        self.model_label.setText(self.document.network.describe())
        self._clear_stopped()

    def _update_file(self) -> None:
        doc = self.document
        parts = []
        if doc.sequence.source:
            parts.append(os.path.basename(doc.sequence.source) or doc.sequence.source)
        if doc.path:
            parts.append(os.path.basename(doc.path))
        self.file_label.setText("  ·  ".join(parts))

    def _update_step(self, *_: object) -> None:
        doc = self.document
        text = f"t = {doc.step} / {doc.steps - 1}"
        when = step_time(doc.sequence, doc.step)
        if when:
            text += f"   {when}"
        self.step_label.setText(text)

    def _on_started(self, kind: str) -> None:
        self._clear_stopped()
        self._on_progress(kind, 0, 0)

    def _on_progress(self, kind: str, done: int, total: int) -> None:
        result = self.document.compute.result(kind)
        if total <= 0:
            total = result.total if result is not None else self.document.steps
        self.progress.setRange(0, max(1, total))
        self.progress.setValue(int(done))
        self.progress.setFormat(f"{KIND_LABELS.get(kind, kind)} %p%")
        what = f"{done:,} of {total:,} updates" if kind == "training" else f"{done} of {total}"
        self.progress.setToolTip(f"{KIND_LABELS.get(kind, kind).capitalize()} in the background: {what}")
        self.progress.show()
        self.cancel_button.show()
        self.escape.setEnabled(True)

    def _on_done(self, kind: str = "", *_: object) -> None:
        if kind == "trace":
            self._clear_stopped()
        if not self.document.compute.busy():
            self.progress.hide()
            self.escape.setEnabled(False)
            self.cancel_button.hide()

    def _on_stopped(self, kind: str, done: int, total: int) -> None:
        self._on_done("")
        if kind == "trace":
            self.stopped_label.setText(f"trace stops at step {done} of {total}")
            self.stopped_label.show()
            self.recompute_button.show()
        elif kind == "training":  # stopped early: the weights reached so far are kept
            self.showMessage(f"Training stopped at update {done:,} of {total:,}", 5000)
        else:
            self.showMessage(f"{KIND_LABELS.get(kind, kind).capitalize()} cancelled", 5000)

    def _clear_stopped(self) -> None:
        self.stopped_label.hide()
        self.recompute_button.hide()

    def cancel_recompute(self) -> None:
        """Stop every background computation; the views keep what has been computed so far."""
        compute = self.document.compute
        if compute.busy():
            training = compute.busy("training")  # it stops after the update in flight and says where
            compute.cancel()
            self.showMessage(
                "Stopping training..." if training else "Cancelled: the views show what was computed so far", 5000
            )
        self.progress.hide()
        self.escape.setEnabled(False)
        self.cancel_button.hide()

    def recompute_stopped(self) -> None:
        self._clear_stopped()
        self.document.recompute_stopped()


KIND_LABELS = {"trace": "trace", "gradients": "gradients", "radii": "spectral radii", "training": "training"}
