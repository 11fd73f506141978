"""The training timeline's slider: scrub through a run's weight snapshots.

The slider only says which snapshot the user picked (:attr:`TimelineSlider.picked`); the panel puts that network
in the document. While a run is in flight the slider follows the newest snapshot and cannot be moved (the next
report would overwrite the user's choice at once); paused or finished, it scrubs.
"""

from __future__ import annotations

from PySide6.QtCore import QSignalBlocker, Qt, Signal
from PySide6.QtWidgets import QBoxLayout, QLabel, QSlider, QWidget

from ...model.training_timeline import Timeline


class TimelineSlider(QWidget):
    """A slider over the snapshots and a label naming the update shown."""

    picked = Signal(int)
    """The index of the snapshot the user moved to."""

    def __init__(self, parent: QWidget | None = None, stacked: bool = False) -> None:
        """``stacked`` puts the label above the slider (a narrow panel) instead of beside it."""
        super().__init__(parent)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setObjectName("train_timeline_slider")
        self.slider.setToolTip(
            "Training timeline: drag to see the network as it was at an earlier update (the gate "
            "diagram, heatmaps and prediction follow); pause or finish the run first"
        )
        self.slider.setRange(0, 0)
        self.slider.setPageStep(1)
        self.label = QLabel("Timeline: no run yet")
        self.label.setToolTip("Which snapshot of the weights the views show")
        self.label.setMinimumWidth(self.label.fontMetrics().horizontalAdvance("Timeline: update 1,000,000 (200/200)"))
        layout = QBoxLayout(QBoxLayout.Direction.TopToBottom if stacked else QBoxLayout.Direction.LeftToRight, self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label)
        layout.addWidget(self.slider, 0 if stacked else 1)
        self.slider.valueChanged.connect(self._moved)
        self.timeline: Timeline | None = None
        self.set_scrubbable(False)

    def set_timeline(self, timeline: Timeline | None) -> None:
        self.timeline = timeline
        self.follow_newest()

    def follow_newest(self) -> None:
        """Show the newest snapshot (while training), without telling anyone."""
        count = len(self.timeline) if self.timeline is not None else 0
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, max(count - 1, 0))
            self.slider.setValue(max(count - 1, 0))
        self._label(self.slider.value())

    def set_scrubbable(self, scrubbable: bool) -> None:
        self.slider.setEnabled(scrubbable and self.timeline is not None and len(self.timeline) > 1)

    def _label(self, index: int) -> None:
        if self.timeline is None or not len(self.timeline):
            self.label.setText("Timeline: no run yet")
            return
        self.label.setText(f"Timeline: update {self.timeline[index].update:,} ({index + 1}/{len(self.timeline)})")

    def _moved(self, index: int) -> None:
        self._label(index)
        if self.timeline is not None and 0 <= index < len(self.timeline):
            self.picked.emit(index)
