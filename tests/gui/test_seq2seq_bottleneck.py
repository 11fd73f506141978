"""The bottleneck in the seq2seq window: accuracy against source length, measured off the GUI thread, drawn,
exported."""

from __future__ import annotations

from typing import Any

import numpy as np

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.seq2seq_window import seq2seq_window
from lstmviz.io.seq2seq_bottleneck import measure_bottleneck
from lstmviz.io.seq2seq_tasks import make_task


def _window(qtbot: Any, model: Seq2Seq):
    window = seq2seq_window(model, "demo")
    qtbot.addWidget(window)
    return window


def test_the_curve_is_measured_drawn_and_exported(qtbot: Any, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    model = Seq2Seq.random("gru", 5, 1, vocab_size=7, embed_size=3, seed=2, output_activation="identity")
    window = _window(qtbot, model)
    panel = window.bottleneck
    assert not window.actions["export_bottleneck"].isEnabled()
    panel.length_box.setValue(4)
    panel.samples_box.setValue(50)
    with qtbot.waitSignal(panel.measured, timeout=60_000):
        panel.measure_button.click()
    expected = measure_bottleneck(model, make_task("reverse", 6), [2, 4, 6, 8, 10, 12], samples=50, trained_length=4)
    assert panel.curve == expected
    xs, ys = panel.token_line.getData()
    assert list(xs) == [2, 4, 6, 8, 10, 12] and np.allclose(ys, expected.token_accuracy)
    assert np.allclose(panel.sequence_line.getData()[1], expected.sequence_accuracy)
    assert panel.trained_line.isVisible() and panel.trained_line.value() == 4
    assert panel.status.text().startswith("Context 5 numbers: per-token accuracy")
    path = tmp_path / "bottleneck.svg"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    assert window.actions["export_bottleneck"].isEnabled()
    with qtbot.waitSignal(window.exports.finished, timeout=60_000):
        window.actions["export_bottleneck"].trigger()
    text = path.read_text()
    assert "fixed context vector of 5 numbers" in text and "longest trained source: 4" in text


def test_a_numeric_model_is_told_why_it_has_no_bottleneck_curve(qtbot: Any) -> None:
    window = _window(qtbot, Seq2Seq.random("lstm", 3, 1, input_size=1, seed=1))
    panel = window.bottleneck
    assert not panel.measure()
    assert "measured on token tasks" in panel.status.text() and panel.curve is None
