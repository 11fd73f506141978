"""Playback: step back and forward, play/pause at a chosen speed, scrub, jump to start or end.

The controller owns the QActions (the main window puts them in its menus and toolbar) and a ``bar`` widget for the
toolbar. It writes only ``document.set_step``; every view follows through ``step_changed``. Playing faster than the
screen refreshes advances several steps per frame (by elapsed time), so 1,000 steps/s does not need 1,000 redraws
a second.
"""

from __future__ import annotations

from typing import Any

import shiboken6
from PySide6.QtCore import QElapsedTimer, QEvent, QObject, QSignalBlocker, Qt, QTimer
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import (
    QApplication,
    QHBoxLayout,
    QLabel,
    QSlider,
    QSpinBox,
    QStyle,
    QToolButton,
    QWidget,
)

from ..model.document import Document
from .document_binding import DocumentBinding
from .playback_icons import playback_icon
from .step_time import step_time

MAX_SPEED = 10_000
FRAME_MS = 16
"""Shortest timer interval (about 60 frames a second); faster speeds advance several steps per frame."""


class PlaybackController(QObject):
    """Play/pause, step, start/end actions with shortcuts, and a toolbar ``bar`` (buttons, scrubber, step, speed).

    Space plays or pauses, Left/Right step, Home/End jump. Playback stops at the last step unless looping.
    """

    def __init__(self, document: Document, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self._remainder = 0.0
        self._clock = QElapsedTimer()
        self.timer = QTimer(self)
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.timeout.connect(self._tick)

        style = parent.style() if isinstance(parent, QWidget) else QApplication.style()
        icon = style.standardIcon
        pixmap = QStyle.StandardPixmap
        self.play_action = self._action("Play", "Space", icon(pixmap.SP_MediaPlay), "Play or pause (Space)")
        self.play_action.setCheckable(True)
        self.play_action.toggled.connect(self._on_play_toggled)
        self._play_icon, self._pause_icon = icon(pixmap.SP_MediaPlay), icon(pixmap.SP_MediaPause)
        self.back_action = self._action("Step back", "Left", icon(pixmap.SP_MediaSeekBackward), "One step back (Left)")
        self.back_action.triggered.connect(lambda: self.step_by(-1))
        self.forward_action = self._action(
            "Step forward", "Right", icon(pixmap.SP_MediaSeekForward), "One step forward (Right)"
        )
        self.forward_action.triggered.connect(lambda: self.step_by(1))
        self.start_action = self._action("Go to start", "Home", icon(pixmap.SP_MediaSkipBackward), "First step (Home)")
        self.start_action.triggered.connect(lambda: self.document.set_step(0))
        self.end_action = self._action("Go to end", "End", icon(pixmap.SP_MediaSkipForward), "Last step (End)")
        self.end_action.triggered.connect(lambda: self.document.set_step(self.document.steps - 1))
        self.loop_action = self._action(
            "Loop", "", icon(pixmap.SP_BrowserReload), "Loop: start again after the last step"
        )
        self.loop_action.setCheckable(True)
        self.loop_action.setChecked(document.view_settings.playback_loop)
        self.loop_action.toggled.connect(lambda on: self.document.set_view_settings(playback_loop=bool(on)))
        self.actions = [self.start_action, self.back_action, self.play_action, self.forward_action, self.end_action]

        self._icon_kinds = {
            self.play_action: "play",
            self.back_action: "back",
            self.forward_action: "forward",
            self.start_action: "start",
            self.end_action: "end",
            self.loop_action: "loop",
        }
        self.bar = self._build_bar()
        self.bar.installEventFilter(self)
        self._apply_icons()
        if isinstance(parent, QWidget):
            parent.addActions(self.actions)
        self.bar.addActions(self.actions)

        events = document.events
        self._binding = DocumentBinding(
            self,
            [
                (events.step_changed, self._on_step_changed),
                (events.sequence_changed, self._on_sequence_changed),
                (events.view_settings_changed, self._on_view_settings_changed),
            ],
        )
        self._on_sequence_changed()

    # Construction ---------------------------------------------------------------------------------------------
    def _action(self, text: str, shortcut: str, icon: Any, tooltip: str) -> QAction:
        action = QAction(icon, text, self)
        if shortcut:
            action.setShortcut(QKeySequence(shortcut))
            action.setShortcutContext(Qt.ShortcutContext.WindowShortcut)
        action.setToolTip(tooltip)
        action.setStatusTip(tooltip)
        return action

    def _build_bar(self) -> QWidget:
        bar = QWidget()
        bar.setObjectName("playbackBar")
        layout = QHBoxLayout(bar)
        layout.setContentsMargins(2, 0, 2, 0)
        layout.setSpacing(2)
        for action in (
            self.start_action,
            self.back_action,
            self.play_action,
            self.forward_action,
            self.end_action,
            self.loop_action,
        ):
            button = QToolButton(bar)
            button.setDefaultAction(action)
            button.setAutoRaise(True)
            button.setObjectName(f"playback_{action.text().lower().replace(' ', '_')}")
            layout.addWidget(button)
        self.slider = QSlider(Qt.Orientation.Horizontal, bar)
        self.slider.setObjectName("playbackScrubber")
        self.slider.setToolTip("Scrub through the sequence")
        self.slider.setMinimumWidth(160)
        self.slider.valueChanged.connect(self._on_slider_moved)
        layout.addWidget(self.slider, 1)
        self.step_spin = QSpinBox(bar)
        self.step_spin.setObjectName("playbackStep")
        self.step_spin.setToolTip("Current step t (0-based) of the last step index; type to jump")
        self.step_spin.setPrefix("t = ")
        self.step_spin.setKeyboardTracking(False)
        self.step_spin.valueChanged.connect(self.document.set_step)
        layout.addWidget(self.step_spin)
        self.time_label = QLabel(bar)
        self.time_label.setObjectName("playbackTime")
        self.time_label.setToolTip("The time of the current step on the sequence's own axis")
        self.time_label.setMinimumWidth(70)
        layout.addWidget(self.time_label)
        self.speed_spin = QSpinBox(bar)
        self.speed_spin.setObjectName("playbackSpeed")
        self.speed_spin.setToolTip("Playback speed in steps per second")
        self.speed_spin.setRange(1, MAX_SPEED)
        self.speed_spin.setSuffix(" steps/s")
        self.speed_spin.setValue(self.document.view_settings.playback_speed)
        self.speed_spin.valueChanged.connect(self._on_speed_changed)
        layout.addWidget(self.speed_spin)
        for box in (self.step_spin, self.speed_spin):
            # Enter ends the typing: give the keyboard back to the window, so Space plays and Home goes to the start
            # instead of typing into the box.
            box.lineEdit().returnPressed.connect(self._return_focus)
        return bar

    def _return_focus(self) -> None:
        window = self.bar.window()
        target = window.centralWidget() if hasattr(window, "centralWidget") else None
        (target or window).setFocus(Qt.FocusReason.ShortcutFocusReason)

    def _apply_icons(self) -> None:
        """Draw the buttons' icons in the bar's palette (again whenever the palette changes)."""
        palette = self.bar.palette()
        for action, kind in self._icon_kinds.items():
            action.setIcon(playback_icon(kind, palette))
        self._play_icon, self._pause_icon = playback_icon("play", palette), playback_icon("pause", palette)
        self.play_action.setIcon(self._pause_icon if self.playing else self._play_icon)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if watched is self.bar and event.type() == QEvent.Type.PaletteChange and shiboken6.isValid(self.bar):
            self._apply_icons()
        return False

    # Stepping -------------------------------------------------------------------------------------------------
    @property
    def playing(self) -> bool:
        return self.play_action.isChecked()

    @property
    def speed(self) -> int:
        """Steps per second."""
        return self.speed_spin.value()

    def set_speed(self, steps_per_second: int) -> None:
        self.speed_spin.setValue(int(steps_per_second))

    def step_by(self, delta: int) -> None:
        self.document.set_step(self.document.step + delta)

    def play(self) -> None:
        self.play_action.setChecked(True)

    def pause(self) -> None:
        self.play_action.setChecked(False)

    def _on_play_toggled(self, playing: bool) -> None:
        self.play_action.setIcon(self._pause_icon if playing else self._play_icon)
        self.play_action.setText("Pause" if playing else "Play")
        if playing:
            if self.document.step >= self.document.steps - 1:
                self.document.set_step(0)
            self._remainder = 0.0
            self._clock.start()
            self.timer.start(self._interval())
        else:
            self.timer.stop()

    def _interval(self) -> int:
        return max(FRAME_MS, int(round(1000 / max(self.speed, 1))))

    def _on_speed_changed(self, value: int) -> None:
        self.document.set_view_settings(playback_speed=int(value))
        if self.timer.isActive():
            self.timer.setInterval(self._interval())

    def _tick(self) -> None:
        """Advance by the steps due since the last tick (at least one), then stop or wrap at the end."""
        elapsed_ms = self._clock.restart()
        due = self._remainder + elapsed_ms * self.speed / 1000.0
        advance = max(1, int(due))
        self._remainder = max(0.0, due - advance)
        last = self.document.steps - 1
        target = self.document.step + advance
        if target > last:
            if self.loop_action.isChecked():
                target = 0 if self.document.step >= last else last
            else:
                self.document.set_step(last)
                self.pause()
                return
        self.document.set_step(target)

    # Document -> widgets --------------------------------------------------------------------------------------
    def _on_step_changed(self, step: int) -> None:
        if not shiboken6.isValid(self.bar):
            return
        with QSignalBlocker(self.slider):
            self.slider.setValue(step)
        with QSignalBlocker(self.step_spin):
            self.step_spin.setValue(step)
        self.time_label.setText(step_time(self.document.sequence, step))

    def _on_sequence_changed(self) -> None:
        if not shiboken6.isValid(self.bar):
            return
        last = max(self.document.steps - 1, 0)
        with QSignalBlocker(self.slider):
            self.slider.setRange(0, last)
            self.slider.setPageStep(max(1, (last + 1) // 20))
        with QSignalBlocker(self.step_spin):
            self.step_spin.setRange(0, last)
            self.step_spin.setSuffix(f" / {last}")
        self._on_step_changed(self.document.step)

    def _on_view_settings_changed(self) -> None:
        if not shiboken6.isValid(self.bar):
            return
        with QSignalBlocker(self.speed_spin):
            self.speed_spin.setValue(self.document.view_settings.playback_speed)
        with QSignalBlocker(self.loop_action):
            self.loop_action.setChecked(self.document.view_settings.playback_loop)

    def _on_slider_moved(self, value: int) -> None:
        self.document.set_step(value)
