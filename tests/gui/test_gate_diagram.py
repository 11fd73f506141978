"""The gate diagram shows the engine's numbers: strips against an independent ``network.run``, clicks, tooltips,
the layer chooser and export."""

from __future__ import annotations

import re

import numpy as np
import pytest
from PySide6.QtCore import QPoint, Qt
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QSpinBox
from test_gate_diagram_helpers import hold, release_held_widgets  # noqa: F401 - autouse fixture

from lstmviz.engine.network import Network
from lstmviz.engine.trace import Trace
from lstmviz.gui.views.gate_diagram import GateDiagramView
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

X = np.sin(np.linspace(0, 6, 30))


def make_view(qtbot, cell: str, hidden: int = 5, layers: int = 1, output: int | None = None):
    net = Network.random(cell, 1, hidden, layers, seed=3, output_size=output)
    doc = Document(net, SequenceData(X))
    view = GateDiagramView(doc)
    hold(qtbot, view)
    view.resize(900, 560)
    return doc, view


def expected_vectors(trace: Trace, key: str, layer: int, step: int) -> np.ndarray:
    """What a strip must show, read straight from a trace (h_prev/c_prev from the previous row)."""
    if key == "x":
        return trace["x"][step] if layer == 0 else trace[f"h_l{layer - 1}"][step]
    if key == "y":
        return trace["y"][step]
    if key in ("h_prev", "c_prev"):
        base = key[0]
        return trace.previous(base, layer)[step]
    return trace[f"{key}_l{layer}"][step]


def assert_strips_match(view: GateDiagramView, trace: Trace, layer: int, step: int) -> None:
    strips = view.diagram.strips
    assert strips, "the diagram has no strips"
    for node_id, strip in strips.items():
        np.testing.assert_allclose(
            strip.values(), expected_vectors(trace, strip.key, layer, step), rtol=1e-12, atol=1e-12, err_msg=node_id
        )


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_strips_hold_the_engines_values(qtbot, cell: str) -> None:
    doc, view = make_view(qtbot, cell, output=2)
    keys = {strip.key for strip in view.diagram.strips.values()}
    assert set(doc.network.spec.trace_keys()) | {"x", "h_prev", "y"} <= keys
    doc.set_step(7)
    trace = doc.network.run(X)
    assert_strips_match(view, trace, 0, 7)
    doc.set_step(0)  # h_{t-1} is the initial state
    assert_strips_match(view, trace, 0, 0)


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_weight_edit_recolours_without_rebuilding(qtbot, cell: str) -> None:
    doc, view = make_view(qtbot, cell)
    doc.set_step(12)
    scene = view.diagram
    doc.set_weight("weight_hh_l0", (1, 2), 2.5)
    assert view.diagram is scene  # same structure: recoloured, not rebuilt
    params = dict(doc.network.params)
    reference = Network(cell, 1, 5, params=params).run(X)
    assert_strips_match(view, reference, 0, 12)
    doc.reconfigure(hidden_size=7)
    assert view.diagram is not scene
    assert len(view.strip("h").cells) == 7


def test_clicking_a_cell_selects_the_unit_everywhere(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm")
    view.show()
    qtbot.waitExposed(view)
    cell = view.strip("strip_f").cells[3]
    pos = view.mapFromScene(cell.sceneBoundingRect().center())
    qtbot.mouseClick(view.viewport(), Qt.MouseButton.LeftButton, pos=pos)
    assert doc.selected_units == (3,)
    for strip in view.diagram.strips.values():
        if strip.key not in ("x", "y"):
            assert [c.unit for c in strip.cells if c.selected] == [3]
    other = view.strip("c").cells[1]
    qtbot.mouseClick(
        view.viewport(),
        Qt.MouseButton.LeftButton,
        Qt.KeyboardModifier.ShiftModifier,
        view.mapFromScene(other.sceneBoundingRect().center()),
    )
    assert doc.selected_units == (1, 3)


def test_tooltips_show_equation_value_and_preactivation(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm")
    doc.set_step(5)
    trace = doc.network.run(X)
    text = view.strip("strip_f").cells[2].tooltip_text()
    _, _, equation = doc.network.spec.describe("f")
    assert equation in text
    assert f"{trace['f_l0'][5, 2]:.6g}" in text
    w_ih, w_hh, b_ih, b_hh = doc.network.layer_parameters(0)
    row = 5 + 2  # forget gate block is the second of four
    pre = w_ih[row] @ trace["x"][5] + b_ih[row] + w_hh[row] @ trace["h_l0"][4] + b_hh[row]
    assert f"{pre:.4g}" in text
    block_text = view.diagram.blocks["g"].tooltip_text()
    assert doc.network.spec.describe("g")[2] in block_text
    assert all(arrow.tooltip_text() for arrow in view.diagram.arrows)


def hover(qtbot, view, point: QPoint) -> None:
    """Move the mouse to ``point`` on the viewport, coming from elsewhere: Qt sends no move (so no hover) when the
    cursor is already where an earlier test left it."""
    qtbot.mouseMove(view.viewport(), point + QPoint(40, 40))
    qtbot.mouseMove(view.viewport(), point)


def test_hover_sets_the_tooltip(qtbot) -> None:
    doc, view = make_view(qtbot, "gru")
    view.show()
    qtbot.waitExposed(view)
    cell = view.strip("h").cells[0]
    hover(qtbot, view, view.mapFromScene(cell.sceneBoundingRect().center()))
    qtbot.waitUntil(lambda: bool(cell.toolTip()), timeout=2000)
    assert "h_t = (1 - z_t) * n_t + z_t * h_{t-1}" in cell.toolTip()


def test_layer_chooser_switches_layers(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm", layers=2)
    doc.set_step(9)
    spin = view.findChild(QSpinBox, "diagramLayerSpin")
    assert spin is not None and spin.maximum() == 1
    spin.setValue(1)
    assert doc.layer == 1
    trace = doc.network.run(X)
    assert_strips_match(view, trace, 1, 9)
    assert len(view.strip("x").cells) == 5  # layer 1's input is h of layer 0
    doc.set_layer(0)
    assert spin.value() == 0
    assert_strips_match(view, trace, 0, 9)


def test_export_svg_is_vector_and_png_has_content(qtbot, tmp_path) -> None:
    doc, view = make_view(qtbot, "lstm", output=1)
    svg = tmp_path / "diagram.svg"
    view.export_image(svg)
    text = svg.read_text(encoding="utf-8")
    assert "<text" in text and "<path" in text
    assert re.search(r"forget\s*gate", text)
    png = tmp_path / "diagram.png"
    view.export_image(png)
    image = QImage(str(png))
    rect = view.diagram.sceneRect()
    assert abs(image.width() - 2 * rect.width()) <= 2 and abs(image.height() - 2 * rect.height()) <= 2
    pixels = {image.pixel(x, y) for x in range(0, image.width(), 37) for y in range(0, image.height(), 29)}
    assert len(pixels) > 10


def test_large_hidden_size_wraps_strips_without_numbers(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm", hidden=40)
    strip = view.strip("c")
    assert (strip.shape_info.cols, strip.shape_info.rows) == (14, 3) and not strip.shape_info.numbers
    np.testing.assert_allclose(strip.values(), doc.network.run(X)["c_l0"][0])


def test_wrapped_strip_cells_stay_visible_when_the_diagram_is_fitted(qtbot) -> None:
    """H = 64 used to be two rows of 32 cells of 8 x 14 scene px: about 3 screen px wide in a 900 px view."""
    _doc, view = make_view(qtbot, "lstm", hidden=64)
    view.show()
    qtbot.waitExposed(view)
    strip = view.strip("strip_f")
    on_screen = view.mapFromScene(strip.mapToScene(strip.cell_rect(0))).boundingRect()
    assert (strip.shape_info.cols, strip.shape_info.rows) == (16, 4)
    assert on_screen.width() >= 5 and on_screen.height() >= 5


@pytest.mark.parametrize(("hidden", "shape"), [(20, (10, 2)), (40, (14, 3)), (100, (15, 7)), (256, (32, 8))])
def test_wrapped_rows_are_even(qtbot, hidden: int, shape: tuple[int, int]) -> None:
    """20 units were a row of 16 and a row of 4: a ragged strip with an empty block."""
    _doc, view = make_view(qtbot, "gru", hidden=hidden)
    info = view.strip("h").shape_info
    assert (info.cols, info.rows) == shape
    assert info.cols * info.rows - hidden < info.rows  # at most one short row, short by less than a row


@pytest.mark.parametrize(
    ("cell", "op", "formula"),
    [
        ("lstm", "mul_f", lambda t, s, u: t["f_l0"][s, u] * t["c_l0"][s - 1, u]),
        ("lstm", "mul_i", lambda t, s, u: t["i_l0"][s, u] * t["g_l0"][s, u]),
        ("gru", "one_minus", lambda t, s, u: 1 - t["z_l0"][s, u]),
        ("gru", "mul_n", lambda t, s, u: (1 - t["z_l0"][s, u]) * t["n_l0"][s, u]),
    ],
)
def test_operation_tooltips_show_their_result(qtbot, cell: str, op: str, formula) -> None:
    doc, view = make_view(qtbot, cell)
    doc.set_step(6)
    doc.select_units([4])
    trace = doc.network.run(X)
    text = view.diagram.ops[op].tooltip_text()
    assert f"{formula(trace, 6, 4):.6g}" in text


def test_steps_not_computed_yet_are_grey(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm")
    doc.set_step(20)
    full = doc.trace
    doc.generation += 1
    doc.deliver_trace(doc.generation, full, steps_done=10)  # a background recompute has reached step 10
    assert np.all(np.isnan(view.strip("c").values()))
    assert "computing" in view.diagram.title.toPlainText()
    doc.deliver_trace(doc.generation, full)
    np.testing.assert_allclose(view.strip("c").values(), full["c_l0"][20])


def test_export_errors_name_the_file_and_leave_nothing_behind(qtbot, tmp_path) -> None:
    from lstmviz.io.errors import ExportError

    doc, view = make_view(qtbot, "rnn")
    with pytest.raises(ExportError, match="diagram.pdf"):
        view.export_image(tmp_path / "diagram.pdf")
    with pytest.raises(ExportError, match="missing"):
        view.export_image(tmp_path / "missing" / "diagram.png")
    assert list(tmp_path.iterdir()) == []


def test_ctrl_wheel_zooms_and_double_click_fits_again(qtbot) -> None:
    from PySide6.QtCore import QPoint, QPointF
    from PySide6.QtGui import QWheelEvent
    from PySide6.QtWidgets import QApplication

    doc, view = make_view(qtbot, "lstm")
    view.show()
    qtbot.waitExposed(view)
    fitted = view.transform().m11()
    centre = QPointF(view.viewport().rect().center())
    wheel = QWheelEvent(
        centre,
        view.viewport().mapToGlobal(centre),
        QPoint(0, 0),
        QPoint(0, 120),
        Qt.MouseButton.NoButton,
        Qt.KeyboardModifier.ControlModifier,
        Qt.ScrollPhase.NoScrollPhase,
        False,
    )
    QApplication.sendEvent(view.viewport(), wheel)
    assert view.transform().m11() == pytest.approx(fitted * 1.15)
    view.resize(700, 500)  # zoomed by hand: a resize keeps the zoom
    assert view.transform().m11() == pytest.approx(fitted * 1.15)
    view.reset_zoom()
    assert view.transform().m11() < fitted


def test_clicking_an_input_or_output_cell_selects_nothing(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm", output=2)
    view.show()
    qtbot.waitExposed(view)
    doc.select_units([4])
    for node_id in ("x", "y"):
        cell = view.strip(node_id).cells[0]
        qtbot.mouseClick(
            view.viewport(), Qt.MouseButton.LeftButton, pos=view.mapFromScene(cell.sceneBoundingRect().center())
        )
        assert doc.selected_units == (4,)


def test_input_cell_tooltip_names_the_input_column(qtbot) -> None:
    values = np.stack([np.sin(np.linspace(0, 3, 12)), np.cos(np.linspace(0, 3, 12))], axis=1)
    doc = Document(Network.random("gru", 2, 3, seed=0), SequenceData(values, input_labels=("speed", "angle")))
    view = GateDiagramView(doc)
    hold(qtbot, view)
    doc.set_step(4)
    text = view.strip("x").cells[1].tooltip_text()
    assert "angle" in text and f"{values[4, 1]:.6g}" in text


def test_state_tooltips_show_how_the_state_is_made(qtbot) -> None:
    doc, view = make_view(qtbot, "gru")
    doc.set_step(3)
    t = doc.network.run(X)
    z, n, h_prev = t["z_l0"][3, 1], t["n_l0"][3, 1], t["h_l0"][2, 1]
    text = view.strip("h").cells[1].tooltip_text()
    assert f"= (1 − {z:.4g})·{n:.4g} + {z:.4g}·{h_prev:.4g}" in text


def test_strip_colours_follow_the_shared_scales(qtbot) -> None:
    from lstmviz.gui.colors import default_levels, value_to_qcolor

    doc, view = make_view(qtbot, "lstm")
    doc.set_step(8)
    trace = doc.network.run(X)
    checks = [
        ("strip_f", trace["f_l0"][8], (0.0, 1.0), False),
        ("c", trace["c_l0"][8], default_levels("c", trace["c_l0"]), True),
    ]
    for node_id, values, levels, signed in checks:
        strip = view.strip(node_id)
        for unit, value in enumerate(values):
            expected = value_to_qcolor(float(value), levels, signed)
            shown = strip.rgba[unit]
            assert (
                max(
                    abs(int(shown[0]) - expected.red()),
                    abs(int(shown[1]) - expected.green()),
                    abs(int(shown[2]) - expected.blue()),
                )
                <= 4
            ), (node_id, unit)


def test_follows_a_progressive_background_recompute(qtbot, monkeypatch) -> None:
    from lstmviz.gui import workers
    from lstmviz.model import compute, compute_kinds

    monkeypatch.setattr(compute, "INLINE_COST", 0)
    monkeypatch.setattr(compute_kinds, "TRACE_CHUNK_STEPS", 7)
    monkeypatch.setattr(compute_kinds, "FIRST_DELIVERY_STEPS", 14)
    monkeypatch.setattr(compute_kinds, "SECOND_DELIVERY_STEPS", 35)
    x = np.sin(np.linspace(0, 20, 120))
    doc = Document(Network.random("gru", 1, 4, seed=1), SequenceData(x))
    runner = workers.BackgroundRunner()
    doc.set_runner(runner)
    view = GateDiagramView(doc)
    hold(qtbot, view)
    doc.set_step(100)
    with qtbot.waitSignal(doc.events.trace_changed, timeout=5000):
        doc.set_weight("weight_hh_l0", (0, 0), 1.5)
    reference = Network("gru", 1, 4, params=dict(doc.network.params)).run(x)
    assert_strips_match(view, reference, 0, 100)
    runner.shutdown()


def test_hovering_a_unit_outlines_it_in_every_strip(qtbot) -> None:
    doc, view = make_view(qtbot, "lstm")
    view.show()
    qtbot.waitExposed(view)
    cell = view.strip("strip_i").cells[2]  # noqa: B005 - the view's strip(key), not str.strip
    hover(qtbot, view, view.mapFromScene(cell.sceneBoundingRect().center()))
    qtbot.waitUntil(lambda: view.strip("c").hovered == 2, timeout=2000)
    assert {s.hovered for s in view.diagram.strips.values() if s.key not in ("x", "y")} == {2}
    assert view.strip("x").hovered is None
    hover(qtbot, view, view.mapFromScene(view.diagram.sceneRect().topLeft()) + QPoint(3, 3))
    qtbot.waitUntil(lambda: view.strip("c").hovered is None, timeout=2000)


def test_colour_levels_grow_with_a_progressive_trace() -> None:
    from lstmviz.gui.colors import default_levels
    from lstmviz.gui.views.diagram_levels import strip_levels
    from lstmviz.io.sequence_data import SequenceData
    from lstmviz.model.document import Document

    net = Network.random("lstm", 1, 5, seed=4).with_parameter("bias_hh_l0", np.full(20, 1.5))
    x = 3 * np.sin(np.linspace(0, 9, 60))
    doc = Document(net, SequenceData(x[:, None]))
    trace = net.run(x)
    signed = {"i": False, "f": False, "g": True, "o": False, "c": True, "h": True, "x": True}.__getitem__
    doc.generation += 1  # a background recompute of a new generation, delivered chunk by chunk
    for ready in (10, 35, 60):
        assert doc.deliver_trace(doc.generation, trace, steps_done=ready)
        levels = strip_levels(doc, 0, signed)
        assert levels["c"] == default_levels("c", trace["c_l0"][:ready])
        assert levels["c_prev"] == levels["c"]
        assert levels["x"] == default_levels("x", trace["x"][:ready])
        assert levels["f"] == (0.0, 1.0)
    doc.generation += 1  # a new run starts again from its own first steps
    assert doc.deliver_trace(doc.generation, trace, steps_done=5)
    assert strip_levels(doc, 0, signed)["c"] == default_levels("c", trace["c_l0"][:5])
