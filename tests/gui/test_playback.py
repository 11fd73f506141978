"""Playback: play advances and stops at the end, shortcuts step, the scrubber and spin box follow the document."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from lstmviz.engine.network import Network
from lstmviz.gui.playback import PlaybackController
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def make_document(steps: int = 50) -> Document:
    return Document(Network.random("lstm", 1, 4, seed=0), SequenceData(np.sin(np.linspace(0, 6, steps))))


def make_window(qtbot, document: Document) -> tuple[QWidget, PlaybackController, QWidget]:
    window = QWidget()
    qtbot.addWidget(window)
    controller = PlaybackController(document, window)
    layout = QVBoxLayout(window)
    layout.addWidget(controller.bar)
    focus_target = QWidget(window)
    focus_target.setFocusPolicy(Qt.FocusPolicy.StrongFocus)
    layout.addWidget(focus_target)
    window.show()
    qtbot.waitExposed(window)
    window.activateWindow()
    qtbot.waitUntil(window.isActiveWindow, timeout=2000)
    focus_target.setFocus()
    return window, controller, focus_target


def test_play_advances_and_stops_at_end(qtbot) -> None:
    doc = make_document(steps=30)
    window, controller, _ = make_window(qtbot, doc)
    controller.set_speed(1000)
    controller.play_action.trigger()
    assert controller.playing
    qtbot.waitUntil(lambda: doc.step > 0, timeout=2000)
    qtbot.waitUntil(lambda: not controller.playing, timeout=5000)
    assert doc.step == doc.steps - 1


def test_loop_wraps(qtbot) -> None:
    doc = make_document(steps=20)
    window, controller, _ = make_window(qtbot, doc)
    controller.loop_action.setChecked(True)
    controller.set_speed(500)
    seen: list[int] = []
    doc.events.step_changed.connect(seen.append)
    controller.play()
    qtbot.waitUntil(lambda: 0 in seen and seen.index(0) > 0, timeout=5000)
    assert controller.playing
    controller.pause()
    assert not controller.timer.isActive()


def test_shortcuts_step_with_focus(qtbot) -> None:
    doc = make_document()
    window, controller, target = make_window(qtbot, doc)
    doc.set_step(10)
    qtbot.keyClick(target, Qt.Key.Key_Right)
    assert doc.step == 11
    qtbot.keyClick(target, Qt.Key.Key_Left)
    qtbot.keyClick(target, Qt.Key.Key_Left)
    assert doc.step == 9
    qtbot.keyClick(target, Qt.Key.Key_End)
    assert doc.step == doc.steps - 1
    qtbot.keyClick(target, Qt.Key.Key_Home)
    assert doc.step == 0
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert controller.playing
    qtbot.keyClick(target, Qt.Key.Key_Space)
    assert not controller.playing


def test_scrubber_and_spin_follow_document(qtbot) -> None:
    doc = make_document(steps=50)
    window, controller, _ = make_window(qtbot, doc)
    assert controller.slider.maximum() == 49
    controller.slider.setValue(17)
    assert doc.step == 17 and controller.step_spin.value() == 17
    doc.set_step(33)
    assert controller.slider.value() == 33 and controller.step_spin.value() == 33
    time = 2000 + np.arange(80) / 12
    doc.set_sequence(SequenceData(np.cos(np.arange(80) / 5), time=time, time_label="years"))
    assert controller.slider.maximum() == 79 and controller.step_spin.maximum() == 79
    doc.set_step(12)
    assert controller.time_label.text() == f"years {time[12]:.6g}"
    doc.set_sequence(SequenceData(np.zeros(10)))
    assert controller.slider.maximum() == 9 and doc.step == 9


def test_speed_persists_in_view_settings(qtbot) -> None:
    doc = make_document()
    window, controller, _ = make_window(qtbot, doc)
    controller.set_speed(120)
    assert doc.view_settings.playback_speed == 120
    doc.set_view_settings(playback_speed=7)
    assert controller.speed == 7


def test_time_label_puts_names_first_and_short_units_after(qtbot) -> None:
    doc = make_document(steps=50)
    _window, controller, _ = make_window(qtbot, doc)
    doc.set_sequence(SequenceData(np.zeros(5), time=np.array([1940.0, 1941, 1942, 1943, 1944]), time_label="year"))
    doc.set_step(0)
    assert controller.time_label.text() == "year 1940"
    doc.set_sequence(SequenceData(np.zeros(5), time=np.arange(5) * 2.5, time_label="s"))
    doc.set_step(3)
    assert controller.time_label.text() == "7.5 s"
