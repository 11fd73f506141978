"""Small controls of the weights panel: a float slider with a readout, and a rate limiter for live edits.

The slider hands out a *drag token* that stays the same while the handle is held, so the panel can give every edit
of one drag the same ``merge_key`` and the whole drag becomes one undo step.
"""

from __future__ import annotations

import itertools
import time
from collections.abc import Callable

from PySide6.QtCore import QObject, Qt, QTimer, Signal
from PySide6.QtGui import QFont
from PySide6.QtWidgets import QHBoxLayout, QLabel, QMessageBox, QSizePolicy, QSlider, QWidget

_tokens = itertools.count(1)


class ValueSlider(QWidget):
    """A horizontal slider over a float range with a caption on the left and the value on the right."""

    edited = Signal(float, int)
    """(value, drag token) whenever the user moves the handle."""
    released = Signal()

    def __init__(
        self,
        caption: str,
        low: float,
        high: float,
        step: float = 0.01,
        fmt: str = "{:+.2f}",
        prominent: bool = False,
        parent: QWidget | None = None,
    ) -> None:
        super().__init__(parent)
        self.low, self.high, self.step, self.fmt = low, high, step, fmt
        self.caption = QLabel(caption)
        self.caption.setMinimumWidth(self.caption.fontMetrics().horizontalAdvance("scale W_hh ×") + 8)
        self.slider = QSlider(Qt.Orientation.Horizontal)
        self.slider.setRange(0, round((high - low) / step))
        self.slider.setPageStep(max(1, round(0.25 / step)))
        self.slider.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.readout = QLabel()
        self.readout.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.readout.setMinimumWidth(self.readout.fontMetrics().horizontalAdvance("-00.000") + 4)
        if prominent:
            bold = QFont(self.caption.font())
            bold.setBold(True)
            self.caption.setFont(bold)
            self.readout.setFont(bold)
            self.slider.setMinimumHeight(24)
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(6)
        layout.addWidget(self.caption)
        layout.addWidget(self.slider, 1)
        layout.addWidget(self.readout)
        self._token = next(_tokens)
        self.slider.sliderPressed.connect(self._new_token)
        self.slider.valueChanged.connect(self._on_value_changed)
        self.slider.sliderReleased.connect(self.released)
        self._value = low

    def setToolTip(self, text: str) -> None:
        for widget in (self, self.caption, self.slider, self.readout):
            QWidget.setToolTip(widget, text)

    def value(self) -> float:
        return self._value

    def to_position(self, value: float) -> int:
        return int(min(max(round((value - self.low) / self.step), 0), self.slider.maximum()))

    def set_value(self, value: float) -> None:
        """Show ``value`` (from the model) without emitting an edit; ignored while the hand holds the handle."""
        if self.slider.isSliderDown():
            return  # the model lags the hand by the throttle; pulling the handle back would make it jitter
        self._value = float(value)
        self.readout.setText(self.fmt.format(value))
        self.slider.blockSignals(True)
        self.slider.setValue(self.to_position(value))
        self.slider.blockSignals(False)

    def _new_token(self) -> None:
        self._token = next(_tokens)

    def _on_value_changed(self, position: int) -> None:
        if not self.slider.isSliderDown():
            self._new_token()  # a click or key press is an undo step of its own
        self._value = self.low + position * self.step
        self.readout.setText(self.fmt.format(self._value))
        self.edited.emit(self._value, self._token)
        if not self.slider.isSliderDown():
            self.released.emit()


class EditThrottle(QObject):
    """Runs the latest submitted edit at most once per interval; ``flush`` runs a pending one at once.

    A drag produces mouse events faster than a trace can be recomputed at large sizes; applying only the newest
    value keeps the view following the hand instead of lagging behind a queue of stale edits. The interval is one
    frame (16 ms) or as long as the last edit took, whichever is longer, so at most about half of the GUI thread's
    time goes to edits and the rest to painting and input.
    """

    def __init__(self, interval_ms: int = 16, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.interval = interval_ms / 1000.0
        self._pending: Callable[[], None] | None = None
        self._next = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self.flush)

    def submit(self, edit: Callable[[], None]) -> None:
        self._pending = edit
        wait = self._next - time.perf_counter()
        if wait <= 0:
            self.flush()
        elif not self._timer.isActive():
            self._timer.start(max(1, int(wait * 1000)))

    def flush(self) -> None:
        self._timer.stop()
        edit, self._pending = self._pending, None
        if edit is not None:
            start = time.perf_counter()
            edit()
            end = time.perf_counter()
            self._next = end + max(self.interval, end - start)


def show_error(parent: QWidget, title: str, message: str) -> QMessageBox:
    """A warning box that does not block (window-modal, opened with ``open``); returned so tests can read it."""
    box = QMessageBox(QMessageBox.Icon.Warning, title, message, QMessageBox.StandardButton.Ok, parent)
    box.setObjectName("errorBox")
    box.setAttribute(Qt.WidgetAttribute.WA_DeleteOnClose)
    box.open()
    return box
