"""The Train panel: start, pause, resume and stop a run off the GUI thread; the views follow; Undo restores."""

from __future__ import annotations

from typing import Any

import numpy as np
from PySide6.QtCore import QTimer
from app_checks import sine_document

from lstmviz.gui.panels.train_panel import TrainPanel


def _panel(qtbot: Any, updates: int = 400) -> TrainPanel:
    document = sine_document()
    panel = TrainPanel(document)
    qtbot.addWidget(panel)
    panel.task_box.setCurrentIndex(panel.task_box.findData("copy"))
    panel.delay_box.setValue(3)
    panel.hidden_box.setValue(8)
    panel.updates_box.setValue(updates)
    return panel


def test_start_pause_resume_stop_and_undo(qtbot: Any) -> None:
    panel = _panel(qtbot, updates=100_000)
    document = panel.document
    refreshed: list[int] = []
    document.events.trace_changed.connect(lambda: refreshed.append(1))
    panel.start_button.click()
    assert panel.state == "running" and not panel.start_button.isEnabled()
    set_up = document.network  # the copy task's fresh network (its own undo step)
    assert set_up.input_size == 10
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > 20, timeout=20_000)
    assert document.network is not set_up  # the views are fed the current weights
    panel.pause_button.click()
    assert panel.state == "paused"
    qtbot.wait(300)
    held = len(panel.curves()[0])
    qtbot.wait(400)
    assert len(panel.curves()[0]) <= held + 1  # at most the update in flight
    panel.resume_button.click()
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > held + 20, timeout=20_000)
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=20_000)
    assert len(panel.curves()[0]) < 100_000
    assert refreshed  # views were told to redraw during the run
    trained = document.network
    assert not np.array_equal(trained.params["weight_hh_l0"], set_up.params["weight_hh_l0"])
    document.undo()  # the whole run is one undo step
    assert np.array_equal(document.network.params["weight_hh_l0"], set_up.params["weight_hh_l0"])


def test_a_short_run_learns_while_the_event_loop_keeps_turning(qtbot: Any) -> None:
    """The run is off the GUI thread: timer events are handled mid-run, between its updates. (How long the event
    loop ever waits is a figure for benchmarks/gui.py's train section, not a timed test.)"""
    panel = _panel(qtbot, updates=600)
    seen: list[int] = []
    timer = QTimer()
    timer.setInterval(10)
    timer.timeout.connect(lambda: panel.state == "running" and seen.append(len(panel.curves()[0])))
    timer.start()
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    timer.stop()
    losses, validation = panel.curves()
    assert losses[-1][0] == 600
    assert validation and validation[-1][2] >= 0.9  # recall after 600 updates at delay 3
    assert len({n for n in seen if 0 < n < 600}) >= 2  # the GUI ran while the curves were half drawn


def test_a_training_process_that_dies_is_reported_and_the_weights_stay_usable(qtbot: Any) -> None:
    panel = _panel(qtbot, updates=100_000)
    panel.start_button.click()
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > 5, timeout=30_000)
    assert panel._job is not None
    panel._job._process.kill()  # what the system's out-of-memory killer would do
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=10_000)
    assert "ended unexpectedly" in panel.status.text()
    assert panel.start_button.isEnabled()
    panel.document.undo()  # the weights it had published are one undo step, like any run's
