"""The model panel builds the network it shows, with the input size of the sequence."""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import Qt

from lstmviz.engine.network import Network
from lstmviz.gui.panels.model_panel import ModelPanel
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def make(qtbot, network: Network, width: int = 3):
    x = np.cos(np.linspace(0, 4, 30))[:, None] * np.arange(1, width + 1)
    document = Document(network, SequenceData(x))
    panel = ModelPanel(document)
    qtbot.addWidget(panel)
    return document, panel


def test_switching_to_gru_builds_a_gru_with_the_sequences_input_size(qtbot):
    document, panel = make(qtbot, Network.random("lstm", 3, 4, seed=0))
    panel.cell_combo.setCurrentIndex(panel.cell_combo.findData("gru"))
    panel.hidden_spin.setValue(6)
    panel.layers_spin.setValue(2)
    panel.init_combo.setCurrentText("xavier")
    panel.seed_spin.setValue(7)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    net = document.network
    assert (net.cell, net.input_size, net.hidden_size, net.num_layers) == ("gru", 3, 6, 2)
    expected = Network.random("gru", 3, 6, 2, seed=7, init="xavier")
    for name, value in expected.params.items():
        np.testing.assert_array_equal(net.params[name], value)
    assert "GRU, D=3, H=6, 2 layers" in panel.description.text()
    assert f"{sum(v.size for v in expected.params.values()):,} parameters" in panel.description.text()
    assert panel.input_label.text().startswith("3")
    document.undo()
    assert document.network.cell == "lstm"
    assert panel.cell_combo.currentData() == "lstm", "the form follows undo"


def test_rnn_activation_change_keeps_the_weights(qtbot):
    document, panel = make(qtbot, Network.random("rnn", 3, 4, seed=1))
    before = dict(document.network.params)
    panel.activation_combo.setCurrentText("relu")
    panel.activation_combo.activated.emit(panel.activation_combo.currentIndex())
    assert document.network.nonlinearity == "relu"
    for name, value in before.items():
        np.testing.assert_array_equal(document.network.params[name], value)
    expected = document.network.run(document.sequence.values)
    np.testing.assert_array_equal(document.trace["h_l0"], expected["h_l0"])
    assert np.all(document.trace["h_l0"] >= 0)


def test_output_layer_added_and_removed(qtbot):
    document, panel = make(qtbot, Network.random("lstm", 3, 4, seed=0))
    panel.output_check.setChecked(True)
    panel.output_spin.setValue(2)
    panel.output_activation.setCurrentText("softmax")
    panel.apply()
    assert document.network.output_size == 2 and document.network.output_activation == "softmax"
    np.testing.assert_allclose(document.trace["y"].sum(axis=1), 1.0)
    panel.output_check.setChecked(False)
    panel.apply()
    assert not document.network.has_output and "y" not in document.trace


def test_apply_is_bold_only_while_the_form_differs(qtbot):
    document, panel = make(qtbot, Network.random("lstm", 3, 4, seed=0))
    assert not panel.pending() and not panel.apply_button.font().bold()
    panel.hidden_spin.setValue(9)
    assert panel.pending() and panel.apply_button.font().bold()
    panel.apply()
    assert document.network.hidden_size == 9
    assert not panel.pending() and not panel.apply_button.font().bold()


def test_panel_fits_a_narrow_left_column(qtbot):
    """The seed used to share the initialiser's row: the panel could not be narrower than 344 px."""
    _document, panel = make(qtbot, Network.random("lstm", 3, 4, seed=0, output_size=2))
    panel.resize(290, 300)
    panel.show()
    qtbot.waitExposed(panel)
    assert panel.minimumSizeHint().width() <= 290
    for widget in (panel.cell_combo, panel.output_activation, panel.init_combo, panel.seed_spin, panel.apply_button):
        assert widget.mapTo(panel, widget.rect().topRight()).x() < panel.width(), widget.objectName()


def test_the_origin_row_stays_one_line_in_a_narrow_panel(qtbot, main_window) -> None:
    """A long file name is shortened with an ellipsis (whole in the tooltip), never wrapped over the next row."""
    panel = main_window.views["model"]
    label = panel.origin_label
    long_name = "from " + "a_very_long_weight_file_name_" * 4 + ".npz"
    label.setText(long_name)
    label.resize(120, label.sizeHint().height())
    assert label.minimumSizeHint().width() < 120
    assert label.text() == long_name
    assert label.sizeHint().height() <= label.fontMetrics().height() + 8
    image = label.grab().toImage()
    assert image.height() <= label.fontMetrics().height() + 8
