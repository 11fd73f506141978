"""Typing numbers or text, or generating, replaces the document's sequence; bad input changes nothing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QDialogButtonBox, QDockWidget, QMainWindow

from lstmviz.engine.network import Network
from lstmviz.gui.panels.sequence import SequencePanel
from lstmviz.gui.panels.weights import WeightsPanel
from lstmviz.io.generators import GENERATORS, generate
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def make(qtbot):
    document = Document(Network.random("lstm", 1, 4, seed=0), SequenceData(np.sin(np.linspace(0, 6, 50))))
    panel = SequencePanel(document)
    qtbot.addWidget(panel)
    return document, panel


def test_typed_numbers_become_the_sequence(qtbot):
    document, panel = make(qtbot)
    panel.numbers_edit.setPlainText("0.1, 0.5 -1, 2")
    qtbot.mouseClick(panel.numbers_apply, Qt.MouseButton.LeftButton)
    np.testing.assert_array_equal(document.sequence.values[:, 0], [0.1, 0.5, -1.0, 2.0])
    np.testing.assert_array_equal(document.trace["h_l0"], document.network.run([0.1, 0.5, -1.0, 2.0])["h_l0"])
    assert "T = 4 steps" in panel.info.text()
    panel.numbers_edit.setPlainText("1 0\n0 1\n1 1")
    panel.apply_numbers()
    assert document.sequence.values.shape == (3, 2) and document.network.input_size == 2


def test_typed_text_becomes_one_hot_with_optional_vocabulary(qtbot):
    document, panel = make(qtbot)
    panel.text_edit.setPlainText("abba")
    panel.vocab_edit.setText("abc")
    qtbot.mouseClick(panel.text_apply, Qt.MouseButton.LeftButton)
    expected = np.array([[1, 0, 0], [0, 1, 0], [0, 1, 0], [1, 0, 0]], dtype=float)
    np.testing.assert_array_equal(document.sequence.values, expected)
    assert document.network.input_size == 3
    assert "T = 4 steps × D = 3" in panel.info.text()


def test_bad_input_shows_the_error_and_changes_nothing(qtbot):
    document, panel = make(qtbot)
    before_seq, before_net, history = document.sequence, document.network, len(document._undo)
    panel.numbers_edit.setPlainText("0.1, banana, 3")
    assert not panel.apply_numbers()
    assert panel.error_box is not None and "banana" in panel.error_box.text()
    panel.text_edit.setPlainText("xyz")
    panel.vocab_edit.setText("ab")
    assert not panel.apply_text()
    assert "x" in panel.error_box.text()
    assert document.sequence is before_seq and document.network is before_net
    assert len(document._undo) == history


def test_generate_button_feeds_the_generated_sequence(qtbot):
    document, panel = make(qtbot)
    dialog = panel.open_generator()
    dialog.select("square")
    dialog.editors["steps"].setValue(40)
    dialog.update_preview()
    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    expected = generate("square", **dict(GENERATORS["square"].params, steps=40))
    np.testing.assert_array_equal(document.sequence.values, expected.values)
    document.undo()
    assert document.sequence.steps == 50


def test_open_buttons_use_the_windows_file_actions(qtbot):
    calls: list[str] = []

    class FakeFileActions:
        def open_dialog(self) -> None:
            calls.append("open")

        def open_weights_dialog(self) -> None:
            calls.append("open weights")

        def save_weights_as(self) -> None:
            calls.append("save weights")

    document, panel = make(qtbot)
    window = QMainWindow()
    qtbot.addWidget(window)
    window.file_actions = FakeFileActions()
    weights = WeightsPanel(document)
    window.setCentralWidget(weights)
    dock = QDockWidget("Sequence")
    dock.setWidget(panel)
    window.addDockWidget(Qt.DockWidgetArea.LeftDockWidgetArea, dock)
    qtbot.mouseClick(panel.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(weights.open_button, Qt.MouseButton.LeftButton)
    qtbot.mouseClick(weights.save_button, Qt.MouseButton.LeftButton)
    assert calls == ["open", "open weights", "save weights"]


def test_numbers_box_lists_short_sequences_and_keeps_unapplied_typing(qtbot):
    document, panel = make(qtbot)
    assert panel.numbers_edit.toPlainText().startswith("0, ")
    document.set_sequence(SequenceData(np.zeros((5000, 1))))
    assert panel.numbers_edit.toPlainText() == "", "too long to list: no stale numbers left in the box"
    panel.numbers_edit.setPlainText("1, 2")
    document.set_sequence(SequenceData(np.ones((3, 1))))
    assert panel.numbers_edit.toPlainText() == "1, 2"


def test_step_cursor_follows_the_document_step(qtbot):
    document, panel = make(qtbot)
    panel.show()
    qtbot.waitExposed(panel)
    document.set_step(17)
    assert panel.cursor.value() == document.sequence.time_axis[17]
    panel.hide()
    document.set_step(30)
    panel.show()
    assert panel.cursor.value() == document.sequence.time_axis[30]


def test_numbers_box_stays_empty_with_a_placeholder_for_long_or_wide_sequences(qtbot):
    document, panel = make(qtbot)
    values = np.sin(np.linspace(0, 6, 50))
    assert [float(v) for v in panel.numbers_edit.toPlainText().split(",")] == pytest.approx(values, abs=1e-6)
    document.set_sequence(SequenceData(np.sin(np.arange(240) / 9)))  # the demo's length
    assert panel.numbers_edit.toPlainText() == ""
    assert "0.1, 0.5" in panel.numbers_edit.placeholderText()
    document.set_sequence(SequenceData(np.ones((10, 2))))  # wide: not listed either
    assert panel.numbers_edit.toPlainText() == ""
    document.set_sequence(SequenceData(np.arange(51.0)))
    assert panel.numbers_edit.toPlainText() == ""
    document.set_sequence(SequenceData(np.arange(3.0)))
    assert panel.numbers_edit.toPlainText() == "0, 1, 2"
