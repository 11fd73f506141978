"""The weights panel drives Document edits that match the engine's own numbers (pytest-qt, offscreen)."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtWidgets import QSpinBox

from lstmviz.engine.network import Network
from lstmviz.gui.panels.weights import WeightsPanel
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

X = np.sin(np.linspace(0, 6, 40))


def make_document(cell: str = "lstm", hidden: int = 4, **kw) -> Document:
    return Document(Network.random(cell, 1, hidden, seed=0, **kw), SequenceData(X))


@pytest.fixture
def panel(qtbot):
    def build(document: Document) -> WeightsPanel:
        widget = WeightsPanel(document)
        qtbot.addWidget(widget)
        widget.resize(640, 560)
        widget.show()
        qtbot.waitExposed(widget)
        return widget

    return build


def drag(qtbot, widget: WeightsPanel, cell: tuple[int, int, int], pixels_up: int) -> None:
    viewport = widget.matrix.graphics.viewport()
    start = widget.matrix.cell_center(*cell).toPoint()
    qtbot.mousePress(viewport, Qt.MouseButton.LeftButton, pos=start)
    for k in (1, 2):
        qtbot.mouseMove(viewport, start - QPoint(0, pixels_up * k // 2), delay=15)
    qtbot.mouseRelease(viewport, Qt.MouseButton.LeftButton, pos=start - QPoint(0, pixels_up), delay=15)


def assert_trace_matches(document: Document) -> None:
    expected = document.network.run(X)
    for key in expected:
        np.testing.assert_array_equal(document.trace[key], expected[key])


def test_drag_on_a_cell_edits_that_weight_and_one_undo_restores(qtbot, panel):
    document = make_document()
    widget = panel(document)
    widget.param_combo.setCurrentText("weight_hh_l0")
    widget.param_combo.activated.emit(widget.param_combo.currentIndex())
    original = {k: v.copy() for k, v in document.network.params.items()}
    history = len(document._undo)
    per_pixel = widget.drag_sensitivity

    drag(qtbot, widget, (1, 2, 3), 40)  # forget-gate block, unit 2, from h unit 3, 40 px up

    index = (1 * 4 + 2, 3)
    edited = document.network.params["weight_hh_l0"]
    expected_value = original["weight_hh_l0"][index] + 40 * per_pixel
    assert edited[index] == pytest.approx(expected_value, abs=1e-9)
    changed = np.argwhere(edited != original["weight_hh_l0"])
    assert changed.tolist() == [list(index)]
    for name, value in original.items():
        if name != "weight_hh_l0":
            np.testing.assert_array_equal(document.network.params[name], value)
    # The trace is the engine's run of the edited network (computed here, independently of the view).
    reference = Network("lstm", 1, 4, params={**original, "weight_hh_l0": edited}).run(X)
    np.testing.assert_array_equal(document.trace["f_l0"], reference["f_l0"])
    assert_trace_matches(document)
    # The shown image of the f block holds the new value; the label names the element.
    np.testing.assert_array_equal(widget.matrix.images[1].image, edited[4:8])
    assert "weight_hh_l0[f: 2, 3]" in widget.selection_label.text()

    assert len(document._undo) == history + 1, "one drag is one undo step"
    document.undo()
    for name, value in original.items():
        np.testing.assert_array_equal(document.network.params[name], value)
    np.testing.assert_array_equal(widget.matrix.images[1].image, original["weight_hh_l0"][4:8])


def test_drag_down_lowers_a_weight_ih_element(qtbot, panel):
    document = make_document("gru")
    widget = panel(document)
    widget.param_combo.setCurrentText("weight_ih_l0")
    widget.param_combo.activated.emit(widget.param_combo.currentIndex())
    before = document.network.params["weight_ih_l0"].copy()
    per_pixel = widget.drag_sensitivity
    drag(qtbot, widget, (2, 1, 0), -300)  # n block, unit 1: far enough to widen the colour range
    after = document.network.params["weight_ih_l0"]
    assert after[2 * 4 + 1, 0] == pytest.approx(before[9, 0] - 300 * per_pixel)
    assert widget.drag_sensitivity > per_pixel, "the colour range widened, but not under the hand"
    np.testing.assert_array_equal(widget.matrix.images[2].image, after[8:12])
    assert_trace_matches(document)


def test_click_selects_and_spin_box_sets_an_exact_value(qtbot, panel):
    document = make_document()
    widget = panel(document)
    viewport = widget.matrix.graphics.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=widget.matrix.cell_center(3, 1, 2).toPoint())
    assert widget.selected == ("weight_hh_l0", (13, 2))
    assert document.selected_units == (1,)
    framed = [item.rect().y() for _plot, item in widget.matrix._rows]
    assert framed == [1.0] * 4, "the selected unit's row is framed in every gate block"
    assert widget.value_spin.value() == pytest.approx(document.network.params["weight_hh_l0"][13, 2], abs=1e-4)
    widget.value_spin.setValue(0.625)
    assert document.network.params["weight_hh_l0"][13, 2] == 0.625
    assert "0.6250" in widget.selection_label.text()
    assert_trace_matches(document)


def test_forget_bias_slider_moves_every_b_f_and_opens_the_forget_gate(qtbot, panel):
    document = make_document(hidden=6)
    widget = panel(document)
    slider = widget.biases.sliders["f"]
    before = document.network.params["bias_ih_l0"].copy()
    f_before = document.trace["f_l0"].copy()
    history = len(document._undo)
    slider.slider.setSliderDown(True)
    for target in (0.5, 1.5, 3.0):
        slider.slider.setValue(slider.to_position(target))
    slider.slider.setSliderDown(False)
    slider.released.emit()
    after = document.network.params["bias_ih_l0"]
    b_hh = document.network.params["bias_hh_l0"]
    rows = slice(6, 12)
    offset = after[rows] - before[rows]
    assert np.allclose(offset, offset[0]) and offset[0] > 0, "the same offset is added to every unit"
    assert np.mean(after[rows] + b_hh[rows]) == pytest.approx(3.0)
    np.testing.assert_array_equal(np.delete(after, np.arange(6, 12)), np.delete(before, np.arange(6, 12)))
    assert np.all(document.trace["f_l0"] > f_before), "more forget bias -> larger f at every step and unit"
    assert_trace_matches(document)
    assert len(document._undo) == history + 1
    document.undo()
    np.testing.assert_array_equal(document.network.params["bias_ih_l0"], before)


def test_scale_slider_multiplies_weight_hh_and_shows_numpys_spectral_radius(qtbot, panel):
    document = make_document(hidden=5)
    widget = panel(document)
    reference = document.network.params["weight_hh_l0"].copy()
    slider = widget.scale.slider
    slider.slider.setSliderDown(True)
    slider.slider.setValue(slider.to_position(1.7))
    slider.slider.setSliderDown(False)
    slider.released.emit()
    np.testing.assert_allclose(document.network.params["weight_hh_l0"], 1.7 * reference, rtol=1e-12)
    text = widget.scale.radius_label.text().replace("\u00a0", " ")
    for k, gate in enumerate("ifgo"):
        block = document.network.params["weight_hh_l0"][5 * k : 5 * (k + 1)]
        rho = np.max(np.abs(np.linalg.eigvals(block)))
        assert f"{gate} {rho:.3f}" in text
        assert widget.scale.radii()[k] == pytest.approx(rho, rel=1e-9)
    assert slider.readout.text() == "1.70"
    assert_trace_matches(document)


def test_randomise_with_a_seed_is_reproducible_and_reset_restores(qtbot, panel):
    document = make_document(hidden=3)
    widget = panel(document)
    widget.init_combo.setCurrentText("orthogonal")
    widget.seed_spin.setValue(42)
    qtbot.mouseClick(widget.randomise_button, Qt.MouseButton.LeftButton)
    first = dict(document.network.params)
    expected = Network.random("lstm", 1, 3, seed=42, init="orthogonal")
    for name, value in expected.params.items():
        np.testing.assert_array_equal(first[name], value)
    document.set_weight("weight_hh_l0", (0, 0), 9.0)
    qtbot.mouseClick(widget.reset_button, Qt.MouseButton.LeftButton)
    for name, value in expected.params.items():
        np.testing.assert_array_equal(document.network.params[name], value)
    assert_trace_matches(document)


def test_layers_output_layer_and_rnn_single_block(qtbot, panel):
    document = make_document("rnn", hidden=3, num_layers=2, output_size=2)
    widget = panel(document)
    assert len(widget.matrix.images) == 1
    document.set_layer(1)
    assert widget.parameter == "weight_hh_l1"
    np.testing.assert_array_equal(widget.matrix.images[0].image, document.network.params["weight_hh_l1"])
    widget.param_combo.setCurrentText("fc.weight")
    widget.param_combo.activated.emit(widget.param_combo.currentIndex())
    np.testing.assert_array_equal(widget.matrix.images[0].image, document.network.params["fc.weight"])
    widget.param_combo.setCurrentText("bias_hh_l1")
    widget.param_combo.activated.emit(widget.param_combo.currentIndex())
    assert widget.matrix.images[0].image.shape == (3, 1)


def test_panel_follows_cell_switch_input_width_and_undo(qtbot, panel):
    document = make_document()
    widget = panel(document)
    document.reconfigure(cell="gru", hidden_size=3)
    assert [image.image.shape for image in widget.matrix.images] == [(3, 3)] * 3
    assert set(widget.biases.sliders) == {"r", "z", "n"}
    document.set_sequence(SequenceData(np.ones((10, 2))))
    widget.param_combo.setCurrentText("weight_ih_l0")
    widget.param_combo.activated.emit(widget.param_combo.currentIndex())
    assert widget.matrix.images[0].image.shape == (3, 2)
    document.undo()
    document.undo()
    assert set(widget.biases.sliders) == {"i", "f", "g", "o"}
    np.testing.assert_array_equal(widget.matrix.images[1].image, document.network.params["weight_ih_l0"][4:8])


def test_a_deleted_panel_ignores_document_events(qtbot):
    document = make_document()
    widget = WeightsPanel(document)
    widget.deleteLater()
    qtbot.waitUntil(lambda: not __import__("shiboken6").isValid(widget))
    document.set_weight("weight_hh_l0", (0, 0), 0.5)
    document.reconfigure(cell="rnn")


def test_large_spectral_radii_come_from_a_worker_and_match_numpy(qtbot, panel):
    document = make_document(hidden=40)
    widget = panel(document)
    document.set_weight("weight_hh_l0", (45, 3), 2.5)  # edits the f block only

    def shown() -> bool:
        text = widget.scale.radius_label.text().replace("\u00a0", " ")
        block = document.network.params["weight_hh_l0"][40:80]
        return f"f {np.max(np.abs(np.linalg.eigvals(block))):.3f}" in text

    qtbot.waitUntil(shown, timeout=5000)


def test_a_real_mouse_drag_of_the_forget_bias_handle_is_one_undo_step(qtbot, panel):
    from PySide6.QtWidgets import QStyle, QStyleOptionSlider

    document = make_document(hidden=6)
    widget = panel(document)
    slider = widget.biases.sliders["f"].slider
    option = QStyleOptionSlider()
    slider.initStyleOption(option)
    handle = (
        slider.style()
        .subControlRect(QStyle.ComplexControl.CC_Slider, option, QStyle.SubControl.SC_SliderHandle, slider)
        .center()
    )
    before = document.network.params["bias_ih_l0"].copy()
    f_before = document.trace["f_l0"].copy()
    history = len(document._undo)
    qtbot.mousePress(slider, Qt.MouseButton.LeftButton, pos=handle)
    for dx in (10, 25, 40):
        qtbot.mouseMove(slider, handle + QPoint(dx, 0))
    qtbot.mouseRelease(slider, Qt.MouseButton.LeftButton, pos=handle + QPoint(40, 0))
    shown = widget.biases.sliders["f"].value()
    assert shown > 0.5
    params = document.network.params
    assert np.mean(params["bias_ih_l0"][6:12] + params["bias_hh_l0"][6:12]) == pytest.approx(shown)
    assert np.all(document.trace["f_l0"] > f_before)
    assert_trace_matches(document)
    assert len(document._undo) == history + 1
    document.undo()
    np.testing.assert_array_equal(document.network.params["bias_ih_l0"], before)


def test_a_selection_that_no_longer_fits_is_dropped(qtbot, panel):
    document = make_document(hidden=6)
    widget = panel(document)
    widget.select(("weight_hh_l0", (23, 5)))
    assert "weight_hh_l0[o: 5, 5]" in widget.selection_label.text()
    document.reconfigure(hidden_size=3)
    assert widget.selected is None and not widget.value_spin.isEnabled()


def test_panel_fits_a_narrow_dock_with_every_gate_block_visible(panel, qtbot) -> None:
    widget = panel(make_document("lstm", hidden=8))
    assert widget.minimumSizeHint().width() <= 300, "it set the window's minimum width (was 373 px)"
    widget.resize(widget.minimumSizeHint().width(), 560)
    qtbot.waitUntil(lambda: widget.width() <= 300)
    view = widget.matrix.graphics
    assert len(widget.matrix.plots) == 4  # i, f, g, o

    def last_block_right() -> int:
        return view.mapFromScene(widget.matrix.plots[-1].getViewBox().sceneBoundingRect().bottomRight()).x()

    qtbot.waitUntil(lambda: 0 < last_block_right() <= view.viewport().width())  # the o block is not cut off
    seed = widget.findChild(QSpinBox, "weightsSeed")
    assert seed.width() >= seed.fontMetrics().horizontalAdvance(seed.text())
