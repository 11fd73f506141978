"""The generator dialog's form comes from the generator specs and OK returns what generate() makes."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QCheckBox, QDialogButtonBox, QDoubleSpinBox, QLineEdit, QSpinBox

from lstmviz.gui.dialogs.generate import GenerateDialog
from lstmviz.io.generators import GENERATORS, generate

WIDGET_FOR = {bool: QCheckBox, int: QSpinBox, float: QDoubleSpinBox, str: QLineEdit}


@pytest.mark.parametrize("kind", list(GENERATORS))
def test_form_has_the_specs_parameters_and_ok_returns_generate(qtbot, kind):
    dialog = GenerateDialog(kind=kind)
    qtbot.addWidget(dialog)
    spec = GENERATORS[kind]
    assert list(dialog.editors) == list(spec.params)
    for name, default in spec.params.items():
        assert type(dialog.editors[name]) is WIDGET_FOR[type(default)]
    assert dialog.params() == spec.params
    expected = generate(kind, **spec.params)
    np.testing.assert_array_equal(dialog.sequence().values, expected.values)


def test_changed_parameters_update_preview_and_result(qtbot):
    dialog = GenerateDialog(kind="sine")
    qtbot.addWidget(dialog)
    dialog.editors["steps"].setValue(64)
    dialog.editors["frequency"].setValue(0.125)
    dialog.editors["noise"].setValue(0.25)
    dialog.editors["seed"].setValue(3)
    dialog.update_preview()
    curve = dialog.preview.getPlotItem().listDataItems()[0]
    params = dict(GENERATORS["sine"].params, steps=64, frequency=0.125, noise=0.25, seed=3)
    expected = generate("sine", **params)
    np.testing.assert_array_equal(curve.yData, expected.values[:, 0])
    with qtbot.waitSignal(dialog.accepted):
        dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()
    np.testing.assert_array_equal(dialog.sequence().values, expected.values)


def test_a_bad_parameter_disables_ok_with_the_generators_sentence(qtbot):
    dialog = GenerateDialog(kind="copy")
    qtbot.addWidget(dialog)
    dialog.editors["length"].setValue(100)  # longer than the sequence can hold
    dialog.update_preview()
    assert not dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()
    assert dialog.status.text()
    dialog.editors["length"].setValue(3)
    dialog.update_preview()
    assert dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled()


def test_one_hot_sequences_preview_as_an_image(qtbot):
    dialog = GenerateDialog(kind="copy")
    qtbot.addWidget(dialog)
    images = [item for item in dialog.preview.getPlotItem().items if type(item).__name__ == "ImageItem"]
    assert len(images) == 1
    np.testing.assert_array_equal(images[0].image, generate("copy", **GENERATORS["copy"].params).values.T)


def test_ask_generate_feeds_the_document(qtbot, monkeypatch):
    from lstmviz.engine.network import Network
    from lstmviz.gui.dialogs import generate as module
    from lstmviz.io.sequence_data import SequenceData
    from lstmviz.model.document import Document

    document = Document(Network.random("gru", 1, 3, seed=0), SequenceData(np.zeros(5)))
    monkeypatch.setattr(module.GenerateDialog, "exec", lambda self: 1)
    assert module.ask_generate(document, kind="random_walk")
    expected = generate("random_walk", **GENERATORS["random_walk"].params)
    np.testing.assert_array_equal(document.sequence.values, expected.values)
    assert document.undo_text == "Generate random walk"


def test_focus_starts_on_the_first_parameter_and_tab_walks_the_form(qtbot):
    """The focus started on the preview plot; rebuilt editors came after the buttons in the Tab order."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QApplication

    dialog = GenerateDialog(kind="sine")
    qtbot.addWidget(dialog)
    dialog.select("square")  # a second form: its editors are new widgets
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.activateWindow()
    editors = list(dialog.editors.values())
    qtbot.waitUntil(
        lambda: QApplication.focusWidget() is editors[0] or editors[0].isAncestorOf(QApplication.focusWidget())
    )
    walked = []
    for _ in range(len(editors) - 1):
        qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Tab)
        focus = QApplication.focusWidget()
        walked.append(next(e for e in editors if e is focus or e.isAncestorOf(focus)))
    assert walked == editors[1:]
    assert not dialog.preview.hasFocus()
