"""Training in the seq2seq window: a token task in a child process, Pause / Stop, the views following, one undo."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_checks import wait_until_the_curve_holds
from PySide6.QtWidgets import QFileDialog

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.seq2seq_window import seq2seq_window


@pytest.fixture
def window(qtbot: Any):
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=7, embed_size=3, seed=2)  # fits reverse with 6 symbols
    window = seq2seq_window(model, "demo")
    qtbot.addWidget(window)
    settings = window.train_panel.settings
    settings.symbols_box.setValue(6)
    settings.length_box.setValue(5)
    settings.hidden_box.setValue(4)
    return window


def test_training_follows_in_the_views_pauses_stops_and_is_one_undo_step(qtbot: Any, window) -> None:
    session, panel = window.session, window.train_panel
    before = session.model
    decoder_before = np.array(session.decoder_doc.trace["h_l0"])
    seen: list[Seq2Seq] = []
    session.events.model_changed.connect(lambda: seen.append(session.model))
    panel.settings.updates_box.setValue(100_000)
    panel.start_button.click()
    assert panel.state == "running" and session.model is before  # it fits: the window's own model is trained
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > 20, timeout=60_000)
    assert seen and session.model is not before  # the views are fed the current weights
    assert not window.undo_action.isEnabled()  # not while the run would overwrite what Undo restores
    panel.pause_button.click()
    assert panel.state == "paused"
    wait_until_the_curve_holds(qtbot, panel)  # what the child sent before it saw the pause has arrived
    held = len(panel.curves()[0])
    qtbot.wait(500)
    assert len(panel.curves()[0]) == held
    panel.stop_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=30_000)
    trained = session.model
    assert len(panel.curves()[0]) < 100_000 and "Trained for" in panel.status.text()
    assert not np.array_equal(trained.state_dict()["encoder.weight_hh_l0"], before.state_dict()["encoder.weight_hh_l0"])
    assert not np.allclose(session.decoder_doc.trace["h_l0"], decoder_before)
    np.testing.assert_array_equal(session.decoder_doc.trace["h_l0"], session.trace["dec_h_l0"])
    assert window.undo_action.isEnabled() and window.undo_action.text() == "&Undo Train reverse"
    window.undo_action.trigger()  # the whole run is one undo step
    assert session.model is before and not window.undo_action.isEnabled()
    np.testing.assert_array_equal(session.decoder_doc.trace["h_l0"], decoder_before)


def test_a_short_run_learns_the_task_and_reports_its_accuracy(qtbot: Any, window) -> None:
    panel = window.train_panel
    panel.settings.updates_box.setValue(150)
    panel.settings.lr_box.setValue(0.02)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=120_000)
    losses, validation = panel.curves()
    assert len(losses) == 150 and validation[-1][0] == 150
    assert validation[-1][1] < validation[0][1]  # held-out teacher-forced loss fell
    assert np.mean([loss for _, loss in losses[-10:]]) < np.mean([loss for _, loss in losses[:10]])
    assert window.bottleneck.length_box.value() == 5  # the bottleneck is measured against the trained length


def test_a_model_that_does_not_fit_the_task_is_replaced_by_a_fresh_one_and_undone(qtbot: Any, window) -> None:
    session, panel, view = window.session, window.train_panel, window.view
    before = session.model
    panel.settings.symbols_box.setValue(9)  # 10 tokens: not this model's 7
    panel.settings.choose_task("sort")
    panel.settings.hidden_box.setValue(3)
    panel.settings.updates_box.setValue(5)
    panel.start_button.click()
    fresh = session.model
    assert fresh is not before and fresh.vocab_size == 10 and fresh.hidden_size == 3
    qtbot.waitUntil(lambda: len(view.sliders) == 6, timeout=5_000)  # h and C of 3 units, one view per turn
    source = session.trace["enc_tokens"]
    assert session.trace["dec_target"].tolist() == sorted(source.tolist()) and source.size == 5
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    view.random_source.click()  # a random source now follows the task: sorted
    assert session.trace["dec_target"].tolist() == sorted(session.trace["enc_tokens"].tolist())
    window.undo_action.trigger()
    assert session.model is before
    qtbot.waitUntil(lambda: len(view.sliders) == 8, timeout=5_000)  # the views still draining the run's refreshes


def test_training_the_window_model_on_another_task_shows_that_tasks_target(qtbot: Any, window) -> None:
    session, panel = window.session, window.train_panel
    window.view.source_edit.setText("3 1 4 1 5 2")
    window.view.target_edit.setText("2 5 1 4 1 3")  # its reverse: the task the window opens on
    assert window.view.run_typed_source()
    before, source = session.model, session.trace["enc_tokens"].copy()
    panel.settings.choose_task("sort")  # 6 symbols, H = 4: the window's own model fits and is trained
    panel.settings.updates_box.setValue(5)
    panel.start_button.click()
    assert session.model is before
    # the same source, teacher-forced on its sorted form (not on the reverse target a sort model never learns)
    assert session.trace["enc_tokens"].tolist() == source.tolist()
    assert session.trace["dec_target"].tolist() == sorted(source.tolist())
    shown = " ".join(str(v) for v in sorted(source.tolist()))
    qtbot.waitUntil(lambda: window.view.target_edit.text() == shown, timeout=5_000)  # the views follow, paced
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    assert session.trace["dec_target"].tolist() == sorted(source.tolist())
    window.undo_action.trigger()  # the run and the new target are one undo step
    assert session.model is before and session.trace["dec_target"].tolist() == source[::-1].tolist()


def test_closing_the_window_stops_its_run(qtbot: Any, window) -> None:
    panel = window.train_panel
    panel.settings.updates_box.setValue(100_000)
    window.show()
    panel.start_button.click()
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > 5, timeout=60_000)
    window.close()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=30_000)
    assert len(panel.curves()[0]) < 100_000 and "Trained for" in panel.status.text()


def test_forecasting_trains_on_the_main_windows_sequence(qtbot: Any, main_window) -> None:
    from lstmviz.model.seq2seq_training import ForecastTask

    series = main_window.document.sequence.values
    window = seq2seq_window(Seq2Seq.random("gru", 4, 1, input_size=series.shape[1], seed=1), "demo", main_window)
    qtbot.addWidget(window)
    panel, session = window.train_panel, window.session
    before = session.model
    settings = panel.settings
    settings.choose_task("forecast")
    shown = {name for name, box in settings.parameter_boxes.items() if settings.form.isRowVisible(box)}
    assert shown == {"window", "horizon"}
    settings.window_box.setValue(12)
    settings.horizon_box.setValue(3)
    settings.cell_box.setCurrentIndex(settings.cell_box.findData("gru"))
    panel.settings.hidden_box.setValue(4)
    panel.settings.updates_box.setValue(60)
    panel.start_button.click()
    assert session.model is before  # a numeric GRU of this width and size is trained as it is
    shown = ForecastTask(series, 12, 3).data().validation
    np.testing.assert_array_equal(session.trace["enc_x"], shown.source[0])  # a validation window, normalised
    assert session.mode == "teacher" and session.trace.decoder_steps == 3 == session.other.decoder_steps
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=120_000)
    losses, validation = panel.curves()
    task = ForecastTask(series, 12, 3)
    assert len(losses) == 60 and validation[-1][1] < task.evaluate(before, 0).loss  # held-out mse fell
    assert session.model is not before and not session.model.tokens
    settings.window_box.setValue(series.shape[0])  # a window as long as the series leaves nothing to forecast
    panel.start_button.click()
    assert panel.state == "idle" and "too short" in panel.status.text()


def test_forecasting_without_a_main_window_sequence_says_so(qtbot: Any) -> None:
    window = seq2seq_window(Seq2Seq.random("gru", 4, 1, input_size=1, seed=1), "demo")
    qtbot.addWidget(window)
    panel = window.train_panel
    panel.settings.choose_task("forecast")
    panel.start_button.click()
    assert panel.state == "idle" and "open one there first" in panel.status.text()
    assert window.session.undo_text is None


def test_only_the_settings_an_encoder_decoder_uses_are_shown(qtbot: Any, window) -> None:
    settings, panel = window.train_panel.settings, window.train_panel
    window.show()
    for key, names in (
        ("reverse", {"length", "symbols"}),
        ("sort", {"length", "symbols"}),
        ("forecast", {"window", "horizon"}),
    ):
        settings.choose_task(key)
        assert {name for name, box in settings.parameter_boxes.items() if settings.form.isRowVisible(box)} == names
    assert not settings.form.isRowVisible(settings.tbptt_box)  # both sides are trained through whole
    assert settings.form.isRowVisible(settings.optimizer_box) and settings.form.isRowVisible(settings.clip_box)
    assert not panel.prediction_view.isVisible() and panel.curves_view.isVisible()
    assert settings.layers_box.value() == window.session.model.num_layers


def test_the_timeline_scrubs_the_runs_models_save_weights_writes_the_one_shown_and_the_curve_exports(
    qtbot: Any, window, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from lstmviz.io.seq2seq_weights import load_seq2seq

    session, panel = window.session, window.train_panel
    before = session.model
    panel.settings.updates_box.setValue(20)
    panel.settings.snapshot_box.setValue(5)
    panel.start_button.click()
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    trained = session.model
    slider = panel.timeline_slider.slider
    assert slider.isEnabled() and slider.maximum() == 4  # updates 0, 5, 10, 15, 20
    slider.setValue(0)
    assert session.model is before and panel.timeline_slider.label.text() == "Timeline: update 0 (1/5)"
    slider.setValue(2)
    middle = session.model
    assert middle is not before and middle is not trained
    chosen = tmp_path / "middle"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *args, **kwargs: (str(chosen), ""))
    assert panel.save_button.isEnabled()
    panel.save_button.click()
    reopened = load_seq2seq(tmp_path / "middle.safetensors")
    for key, value in middle.state_dict().items():
        np.testing.assert_array_equal(reopened.state_dict()[key], value)
    assert panel.status.text() == "Saved weights middle.safetensors"
    assert not panel.save_weights_to(str(tmp_path / "model.txt"))  # not a weight format: refused, nothing written
    assert "cannot save an encoder-decoder as '.txt'" in panel.status.text() and not (tmp_path / "model.txt").exists()
    assert panel.export_curve_to(str(tmp_path / "curve.csv")) and panel.export_curve_to(str(tmp_path / "curve.svg"))
    assert len((tmp_path / "curve.csv").read_text().splitlines()) == 21  # a header and the 20 updates
    svg = (tmp_path / "curve.svg").read_text()
    assert "free-running" in svg and "per-token" in svg and "accuracy %" in svg  # the label, wrapped on 3 lines
    assert window.undo_action.text() == "&Undo Train reverse"  # scrubbing added no undo step
    window.undo_action.trigger()
    assert session.model is before and not window.undo_action.isEnabled()
