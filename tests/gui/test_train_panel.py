"""The Train panel: start, pause, resume and stop a run off the GUI thread; the views follow; Undo restores."""

from __future__ import annotations

import csv
from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_checks import sine_document, wait_until_the_curve_holds
from PySide6.QtCore import Qt, QTimer
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QFileDialog, QFormLayout, QMessageBox

from lstmviz.engine.batched import forward
from lstmviz.engine.network import Network
from lstmviz.gui.panels.train_panel import TrainPanel
from lstmviz.gui.training.curves import LossCurves
from lstmviz.gui.views.heatmaps import HeatmapsView
from lstmviz.io.seq_text import text_sequence
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.weights import load_weights
from lstmviz.model.document import Document


def _panel(qtbot: Any, updates: int = 400) -> TrainPanel:
    document = sine_document()
    panel = TrainPanel(document)
    qtbot.addWidget(panel)
    panel.settings.choose_task("copy")
    panel.settings.delay_box.setValue(3)
    panel.settings.hidden_box.setValue(8)
    panel.settings.updates_box.setValue(updates)
    panel.settings.lr_box.setValue(0.01)  # ten times the default: these short runs learn within their few updates
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
    wait_until_the_curve_holds(qtbot, panel)
    held = len(panel.curves()[0])
    assert panel.timeline_slider.slider.isEnabled()  # a paused run can be scrubbed
    panel.timeline_slider.slider.setValue(0)
    assert np.array_equal(document.network.params["weight_hh_l0"], set_up.params["weight_hh_l0"])
    qtbot.wait(400)
    assert len(panel.curves()[0]) == held  # paused: nothing more arrives
    panel.resume_button.click()
    assert not panel.timeline_slider.slider.isEnabled()
    assert panel.timeline_slider.slider.value() == panel.timeline_slider.slider.maximum()  # back to the newest
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


def test_the_set_up_at_start_reaches_the_views_one_per_turn_not_all_in_the_click(qtbot: Any) -> None:
    """Start loads the task's network and example, which rebuilds every view (like opening a file): done inside the
    click, that was a 300 ms freeze. The views are now told in later turns, one each, and all of them get there."""
    panel = _panel(qtbot, updates=30)
    views = [HeatmapsView(panel.document), HeatmapsView(panel.document)]
    for view in views:
        qtbot.addWidget(view)
        view.show()
    qtbot.waitExposed(views[1])
    assert all(view.input_row is not None and len(view.input_row.curves) == 1 for view in views)  # the sine
    panel.start_button.click()
    assert panel.document.network.input_size == 10  # the copy task's network is the document's at once
    assert all(len(view.input_row.curves) == 1 for view in views)  # ... but no view was rebuilt in the click
    qtbot.waitUntil(lambda: any(len(view.input_row.curves) == 10 for view in views), timeout=5_000)
    assert not all(len(view.input_row.curves) == 10 for view in views)  # the first view first, the next later
    qtbot.waitUntil(lambda: all(len(view.input_row.curves) == 10 for view in views), timeout=5_000)
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)


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


def test_each_task_shows_its_own_parameters_and_every_control_explains_itself(qtbot: Any) -> None:
    panel = _panel(qtbot)
    settings = panel.settings
    shown = {
        "copy": {"delay", "symbols"},
        "adding": {"length"},
        "next-value": {"window", "horizon"},
        "next-char": {"window"},
    }
    for key, names in shown.items():
        settings.choose_task(key)
        assert {name for name, box in settings.parameter_boxes.items() if settings.form.isRowVisible(box)} == names
    for index in range(settings.form.rowCount()):
        field = settings.form.itemAt(index, QFormLayout.ItemRole.FieldRole).widget()
        assert field.toolTip(), settings.form.itemAt(index, QFormLayout.ItemRole.LabelRole).widget().text()
    assert not settings.momentum_box.isEnabled()  # Adam has no momentum setting
    settings.optimizer_box.setCurrentIndex(settings.optimizer_box.findData("sgd"))
    assert settings.momentum_box.isEnabled()


def test_the_settings_reach_the_run(qtbot: Any) -> None:
    panel = _panel(qtbot)
    settings = panel.settings
    settings.cell_box.setCurrentIndex(settings.cell_box.findData("gru"))
    settings.layers_box.setValue(2)
    settings.optimizer_box.setCurrentIndex(settings.optimizer_box.findData("sgd"))
    settings.momentum_box.setValue(0.5)
    settings.lr_box.setValue(0.2)
    settings.batch_box.setValue(7)
    settings.clip_box.setValue(0.0)
    settings.tbptt_box.setValue(2)
    settings.seed_box.setValue(5)
    config = panel.config()
    assert (
        config.cell,
        config.hidden,
        config.layers,
        config.optimizer,
        config.momentum,
        config.lr,
        config.batch,
        config.clip,
        config.tbptt,
        config.seed,
    ) == ("gru", 8, 2, "sgd", 0.5, 0.2, 7, None, 2, 5)
    assert settings.clip_box.text() == "off"
    settings.symbols_box.setValue(4)
    task = settings.make_task(panel.document.sequence)
    assert (task.name, task.delay, task.symbols, task.seed) == ("copy", 3, 4, 5)
    settings.choose_task("adding")
    settings.length_box.setValue(12)
    assert settings.make_task(panel.document.sequence).steps == 12
    settings.choose_task("next-value")
    settings.window_box.setValue(6)
    settings.horizon_box.setValue(2)
    task = settings.make_task(panel.document.sequence)
    assert (task.name, task.window, task.horizon) == ("next-value", 6, 2)


def test_a_truncated_sgd_run_of_a_two_layer_gru_draws_loss_and_accuracy(qtbot: Any) -> None:
    panel = _panel(qtbot, updates=120)
    settings = panel.settings
    settings.cell_box.setCurrentIndex(settings.cell_box.findData("gru"))
    settings.layers_box.setValue(2)
    settings.optimizer_box.setCurrentIndex(settings.optimizer_box.findData("sgd"))
    settings.tbptt_box.setValue(2)
    panel.start_button.click()
    assert not settings.isEnabled()  # the settings of a run in flight cannot change
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    assert settings.isEnabled()
    network = panel.document.network
    assert (network.cell, network.num_layers) == ("gru", 2)
    losses, validation = panel.curves()
    assert losses[-1][0] == 120
    xs, ys = panel.curves_view.train_line.xData, panel.curves_view.train_line.yData
    np.testing.assert_array_equal(xs, np.arange(1, 121))
    np.testing.assert_allclose(ys, [loss for _, loss in losses])
    accuracy_x, accuracy_y = panel.curves_view.accuracy_line.getData()
    assert list(accuracy_x) == [row[0] for row in validation]
    np.testing.assert_allclose(accuracy_y, [100 * row[2] for row in validation])
    assert panel.curves_view.accuracy_plot.getAxis("left").labelText == "recall %"
    assert panel.curves_view.loss_plot.getPlotItem().ctrl.logYCheck.isChecked()


def test_next_value_on_the_loaded_sine_learns_and_a_window_too_long_is_refused(qtbot: Any) -> None:
    panel = _panel(qtbot, updates=200)
    settings = panel.settings
    settings.choose_task("next-value")
    settings.window_box.setValue(500)  # the sine has 120 steps
    before = panel.document.network
    panel.start_button.click()
    assert panel.state == "idle" and panel.document.network is before
    assert "too short" in panel.status.text()
    dialog = panel.findChild(QMessageBox, "dialog_train_refused")
    assert dialog is not None and "too short" in dialog.text()
    dialog.close()
    settings.window_box.setValue(10)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    _, validation = panel.curves()
    assert validation[-1][2] > 0  # beats the persistence forecast on the held-out last 20%
    assert panel.document.network.input_size == 1 and panel.document.sequence.source == "test sine"


def test_the_prediction_view_follows_the_run_and_shows_what_the_network_recalls(
    qtbot: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("lstmviz.gui.panels.train_panel.PREDICT_EVERY", 0.0)  # every refresh: a fast run counts too
    panel = _panel(qtbot, updates=2_000)  # long enough that a busy machine's GUI still sees it running
    shown: list[Any] = []
    original = panel.prediction_view.show_prediction
    panel.prediction_view.show_prediction = lambda p: (shown.append((panel.state, p)), original(p))  # type: ignore
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    assert sum(1 for state, _ in shown if state == "running") >= 3  # refreshed with the views, not only at the end
    first, last = shown[0][1], shown[-1][1]
    task = panel._task
    validation = task.validation()
    np.testing.assert_array_equal(last.target, validation.target[:40, -1])  # the symbols shown at step 0
    recalled = [int(np.argmax(panel.document.network.run(validation.x[k]).arrays["y"][-1])) for k in range(40)]
    np.testing.assert_array_equal(last.output, recalled)  # the batch-1 trace of the trained network agrees
    hits = int(np.sum(last.output == last.target))
    assert hits >= 36 and panel.prediction_view.score.text().endswith(f"{hits} of 40 recalled")
    assert "recalled at the cue" in panel.prediction_view.score.text()
    assert int(np.sum(first.output == first.target)) < hits  # the untrained network did worse
    ticks = panel.prediction_view.plot.getAxis("left")._tickLevels[0]
    assert [label for _, label in ticks] == list("ABCDEFGH")
    _, ys = panel.prediction_view.output_item.getData()
    np.testing.assert_array_equal(ys, recalled)


def test_the_next_value_forecast_is_drawn_in_the_users_units(qtbot: Any) -> None:
    document = Document(
        Network.random("lstm", 1, 8, 1, seed=0),
        SequenceData(50 + 20 * np.sin(np.linspace(0, 30, 400)), source="big sine"),
    )
    panel = TrainPanel(document)
    qtbot.addWidget(panel)
    settings = panel.settings
    settings.choose_task("next-value")
    settings.window_box.setValue(12)
    settings.horizon_box.setValue(2)
    settings.hidden_box.setValue(8)
    settings.updates_box.setValue(150)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    prediction = panel.prediction_view.prediction
    assert prediction is not None and prediction.split == 320
    np.testing.assert_array_equal(prediction.target, document.sequence.values[:, 0])
    task = panel._task
    starts = task.validation_starts
    assert prediction.output_x[0] == starts[0] + 12 - 1 + 2
    # The document's network reads and writes the user's units (normalisation folded into its weights): run it
    # on the raw windows, an independent path from the view's, which undoes the normalisation by hand.
    raw = document.sequence.values[starts[:, None] + np.arange(12)[None, :]]
    expected = forward(document.network, raw).y[:, -1, 0]
    np.testing.assert_allclose(prediction.output, expected, rtol=1e-9, atol=1e-9)
    assert 25 < np.median(prediction.output) < 75  # around the series' mean of 50, not around 0
    assert panel.prediction_view.split_line.isVisible() or not panel.isVisible()
    assert "RMS error" in panel.prediction_view.score.text()


def test_the_timeline_scrubs_through_snapshots_within_the_runs_one_undo_step(qtbot: Any) -> None:
    panel = _panel(qtbot, updates=100_000)
    panel.settings.snapshot_box.setValue(10)
    document = panel.document
    slider = panel.timeline_slider.slider
    panel.start_button.click()
    set_up = document.network
    steps_before = len(document._undo)
    qtbot.waitUntil(lambda: len(panel._timeline or ()) >= 6, timeout=30_000)
    assert not slider.isEnabled()  # a run in flight owns the document's network
    assert slider.value() == slider.maximum()  # and the slider follows the newest snapshot
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=20_000)
    timeline = panel._timeline
    updates = timeline.updates
    assert updates[:4] == [0, 10, 20, 30] and updates[-1] == panel.curves()[0][-1][0]
    assert slider.isEnabled() and slider.maximum() == len(timeline) - 1
    assert len(document._undo) == steps_before + 1  # the whole run is one step
    slider.setValue(1)  # as a drag or a key press does
    assert panel.timeline_slider.label.text() == f"Timeline: update 10 (2/{len(timeline)})"
    assert np.array_equal(document.network.params["weight_hh_l0"], timeline[1].network.params["weight_hh_l0"])
    assert panel.curves_view.moment.isVisible() or not panel.isVisible()
    assert panel.curves_view.moment.value() == 10
    recalled = panel.prediction_view.prediction.output
    x = panel._task.validation().x
    assert int(np.argmax(document.network.run(x[0]).arrays["y"][-1])) == recalled[0]  # the prediction followed
    slider.setValue(0)
    assert np.array_equal(document.network.params["weight_hh_l0"], set_up.params["weight_hh_l0"])
    slider.setValue(slider.maximum())
    assert len(document._undo) == steps_before + 1  # scrubbing made no undo steps
    document.undo()
    assert np.array_equal(document.network.params["weight_hh_l0"], set_up.params["weight_hh_l0"])
    assert document.undo_text.startswith("Set up")


def _trained_in_window(qtbot: Any, main_window: Any, updates: int = 120) -> TrainPanel:
    main_window.docks["train"].raise_()
    qtbot.waitUntil(lambda: isinstance(main_window.views["train"], TrainPanel), timeout=5_000)
    panel = main_window.views["train"]
    assert not panel.save_button.isEnabled() and not panel.export_button.isEnabled()  # nothing trained yet
    settings = panel.settings
    settings.choose_task("copy")
    settings.delay_box.setValue(3)
    settings.hidden_box.setValue(6)
    settings.updates_box.setValue(updates)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    assert panel.save_button.isEnabled() and panel.export_button.isEnabled()
    return panel


@pytest.mark.parametrize("suffix", [".safetensors", ".npz"])
def test_the_trained_network_saves_through_the_apps_save_weights_and_reopens(
    qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, suffix: str
) -> None:
    panel = _trained_in_window(qtbot, main_window)
    target = tmp_path / f"trained{suffix}"
    asked: list[str] = []
    monkeypatch.setattr(
        main_window.file_actions,
        "_ask_save",
        lambda title, filters, suggestion: (asked.append(filters), str(target))[1],
    )
    panel.save_button.click()
    assert ".safetensors" in asked[0] and ".npz" in asked[0]  # every format the app writes is offered
    loaded = load_weights(target)
    trained = main_window.document.network
    for name, value in trained.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)
    assert loaded.cell == "lstm" and loaded.output_size == 8  # copy: 8 symbols


def test_the_saved_network_gives_torchs_outputs(
    qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    panel = _trained_in_window(qtbot, main_window)
    target = tmp_path / "trained.safetensors"
    monkeypatch.setattr(main_window.file_actions, "_ask_save", lambda *args: str(target))
    assert panel.save_weights()
    state = load_file(str(target))
    lstm = torch.nn.LSTM(10, 6, batch_first=True).double()
    fc = torch.nn.Linear(6, 8).double()
    lstm.load_state_dict({k: v for k, v in state.items() if not k.startswith("fc.")})
    fc.load_state_dict({k[3:]: v for k, v in state.items() if k.startswith("fc.")})
    x = panel._task.validation().x[:16]
    with torch.no_grad():
        expected = fc(lstm(torch.from_numpy(x))[0]).numpy()
    np.testing.assert_allclose(forward(main_window.document.network, x).y, expected, atol=1e-10)


def test_the_loss_curve_exports_as_csv_and_as_figures(
    qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    panel = _trained_in_window(qtbot, main_window, updates=120)
    train, validation = panel.curves()
    chosen = tmp_path / "copy-loss"  # no suffix: CSV
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(chosen), ""))
    panel.export_button.click()
    with open(f"{chosen}.csv", newline="", encoding="utf-8") as stream:
        rows = list(csv.DictReader(stream))
    assert list(rows[0]) == ["update", "loss", "val_loss", "val_accuracy"]
    assert [int(r["update"]) for r in rows] == list(range(1, 121))
    assert [float(r["loss"]) for r in rows] == [loss for _, loss in train]
    scored = [(int(r["update"]), float(r["val_loss"]), float(r["val_accuracy"])) for r in rows if r["val_loss"]]
    assert scored == validation and [u for u, _, _ in scored] == [50, 100, 120]
    for fmt in ("png", "svg", "pdf"):
        assert panel.export_curve_to(str(tmp_path / f"curve.{fmt}"))
    assert (tmp_path / "curve.pdf").read_bytes().startswith(b"%PDF")
    svg = (tmp_path / "curve.svg").read_text(encoding="utf-8")
    assert "recall %" in svg and "update" in svg and "validation" in svg  # real text, not outlines
    image = QImage(str(tmp_path / "curve.png"))
    assert image.width() == 1200 and image.height() == 750
    assert panel.status.text() == "Exported curve.pdf" or panel.status.text().startswith("Exported")
    assert not panel.export_curve_to(str(tmp_path / "curve.bmp"))
    assert "cannot write a .bmp figure" in panel.status.text() and not (tmp_path / "curve.bmp").exists()


def test_next_char_trains_on_a_loaded_text_and_names_its_characters(qtbot: Any) -> None:
    text = "the cat sat on the mat. " * 12
    sequence = text_sequence(text, source="cats.txt")
    document = Document(Network.random("gru", sequence.input_size, 8, 1, seed=0), sequence)
    panel = TrainPanel(document)
    qtbot.addWidget(panel)
    settings = panel.settings
    settings.choose_task("next-char")
    settings.window_box.setValue(12)
    settings.cell_box.setCurrentIndex(settings.cell_box.findData("gru"))
    settings.hidden_box.setValue(16)
    settings.updates_box.setValue(150)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    _, validation = panel.curves()
    assert validation[-1][2] > 1 / len(sequence.vocabulary)  # better than guessing a character
    prediction = panel.prediction_view.prediction
    start = int(panel._task.validation_starts[0])
    assert "".join(sequence.vocabulary[k] for k in prediction.target) == text[start + 1 : start + 13]
    labels = [label for _, label in panel.prediction_view.plot.getAxis("left")._tickLevels[0]]
    assert "␣" in labels and "t" in labels  # characters, the space made visible
    assert panel.document.sequence is sequence and panel.document.network.cell == "gru"


def test_a_long_sequence_is_predicted_when_the_run_ends_not_at_every_refresh(qtbot: Any) -> None:
    panel = _panel(qtbot, updates=3)
    settings = panel.settings
    settings.delay_box.setValue(2_500)
    settings.batch_box.setValue(1)
    settings.hidden_box.setValue(4)
    states: list[str] = []
    original = panel.prediction_view.show_prediction
    panel.prediction_view.show_prediction = lambda p: (states.append(panel.state), original(p))  # type: ignore
    panel.start_button.click()
    assert "redrawn when the run pauses or ends" in panel.prediction_view.score.text()
    qtbot.waitUntil(lambda: len(states) == 1, timeout=10_000)  # the untrained answers, drawn in a turn of their own
    assert "redrawn when the run pauses or ends" in panel.prediction_view.score.text()  # ... and the note stays
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=120_000)
    assert len(states) == 2 and states[1] == "idle"  # then the trained ones once the run ended, never mid-run
    prediction = panel.prediction_view.prediction
    assert len(prediction.output) == 50_000 // 2_502  # the trained network's answers, within the budget
    assert panel.prediction_view.score.text().endswith(f"of {len(prediction.output)} recalled")


def test_the_curves_grow_by_the_rows_that_arrive_and_a_new_run_starts_them_afresh(qtbot: Any) -> None:
    curves = LossCurves()
    qtbot.addWidget(curves)
    curves.extend([(k, 1.0 / k) for k in range(1, 301)], [(100, 0.5, 0.25)])
    curves.extend([(k, 1.0 / k) for k in range(301, 601)], [(200, 0.25, 0.5), (300, 0.125, -3.0)])
    xs, ys = curves.train_line.xData, curves.train_line.yData  # as given (getData is in the log axis's units)
    np.testing.assert_array_equal(xs, np.arange(1, 601))
    np.testing.assert_allclose(ys, 1.0 / np.arange(1, 601))
    _, accuracy = curves.accuracy_line.getData()
    np.testing.assert_allclose(accuracy, [25.0, 50.0, -300.0])
    low, high = curves.accuracy_plot.getViewBox().viewRange()[1]
    assert -111 < low < -99 and 100 < high < 111  # a very negative skill is cut at -100%
    curves.show_curves([], [])
    assert curves.train_line.xData is None or len(curves.train_line.xData) == 0


def test_a_run_in_the_window_shows_in_the_status_bar_and_escape_stops_it_keeping_the_weights(
    qtbot: Any, main_window: Any
) -> None:
    """Training publishes through the document's compute service: the status bar's progress bar counts its
    updates like a recompute's steps, and Escape (the status bar's Cancel) stops it, as Stop does."""
    main_window.docks["train"].raise_()
    qtbot.waitUntil(lambda: isinstance(main_window.views["train"], TrainPanel), timeout=5_000)
    panel, status = main_window.views["train"], main_window.status
    panel.settings.choose_task("copy")
    panel.settings.delay_box.setValue(3)
    panel.settings.hidden_box.setValue(6)
    panel.settings.updates_box.setValue(100_000)
    panel.start_button.click()
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > 20, timeout=60_000)
    qtbot.waitUntil(lambda: status.progress.value() > 0, timeout=5_000)  # the status bar's turn comes (paced)
    assert status.progress.isVisible() and status.progress.format().startswith("training")
    assert status.progress.maximum() == 100_000 and status.progress.value() < 100_000
    assert "updates" in status.progress.toolTip()
    main_window.activateWindow()
    qtbot.keyClick(main_window.views["heatmaps"], Qt.Key.Key_Escape)  # Escape cancels long work, as Cancel does
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=30_000)
    reached = panel.curves()[0][-1][0]
    assert reached < 100_000 and "Trained for" in panel.status.text()
    expected = f"Training stopped at update {reached:,} of 100,000"
    qtbot.waitUntil(lambda: status.currentMessage() == expected, timeout=5_000)  # the paced views catch up
    assert not status.progress.isVisible()
    assert panel.save_button.isEnabled()  # what it reached is kept


def test_a_long_accuracy_name_fits_the_small_plots_side_and_is_whole_in_its_tooltip(qtbot: Any) -> None:
    from lstmviz.gui.training.curves import ACCURACY_LABEL_ROOM

    curves = LossCurves()
    qtbot.addWidget(curves)
    curves.set_accuracy_name("recall")
    assert curves.accuracy_plot.getAxis("left").labelText == "recall %"
    curves.set_accuracy_name("free-running per-token accuracy")
    label = curves.accuracy_plot.getAxis("left").labelText
    assert label.endswith(" %") and label.startswith("free") and "\u2026" in label
    assert curves.accuracy_plot.fontMetrics().horizontalAdvance(label) <= ACCURACY_LABEL_ROOM
    assert "free-running per-token accuracy" in curves.accuracy_plot.toolTip()
