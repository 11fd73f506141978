"""The heatmaps view shows the engine's numbers, follows the step, and maps clicks to steps and units."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolButton

from lstmviz.engine.network import Network
from lstmviz.gui.views.heatmaps import HeatmapsView
from lstmviz.io.seq_text import text_sequence
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def make_document(cell: str = "lstm", steps: int = 200, hidden: int = 8, layers: int = 1, time=None) -> Document:
    x = np.sin(np.linspace(0, 12, steps))
    label = "s" if time is not None else "step"
    return Document(Network.random(cell, 1, hidden, layers, seed=0), SequenceData(x, time=time, time_label=label))


_ALIVE: list[HeatmapsView] = []
"""Views stay referenced until the session ends: dropping the last Python reference to a parentless pyqtgraph
widget mid-session makes PySide6 6.12 on CPython 3.11 destroy its scene under half-freed Python items, which
corrupts memory (in the app every view has a dock as parent, so Qt destroys them in order)."""


def make_view(qtbot, document: Document) -> HeatmapsView:
    view = HeatmapsView(document)
    _ALIVE.append(view)
    view.resize(900, 700)
    view.show()
    qtbot.waitExposed(view)
    return view


@pytest.fixture(autouse=True)
def _hide_views_after_test():
    yield
    for view in _ALIVE:
        view.hide()


@pytest.mark.parametrize("cell, layers", [("lstm", 1), ("gru", 2), ("rnn", 1)])
def test_images_equal_engine_trace(qtbot, cell: str, layers: int) -> None:
    doc = make_document(cell, layers=layers)
    doc.set_layer(layers - 1)
    view = make_view(qtbot, doc)
    reference = doc.network.run(doc.sequence.values)  # the engine directly, not the document's trace
    expected_keys = set(doc.network.spec.trace_keys())
    assert set(view.rows) == expected_keys
    for key in expected_keys:
        image = view.image_array(key)
        np.testing.assert_allclose(image, reference.get_quantity(key, layers - 1).T, rtol=1e-6, atol=1e-6)


def test_weight_edit_updates_images(qtbot) -> None:
    doc = make_document()
    view = make_view(qtbot, doc)
    before = view.image_array("c").copy()
    doc.set_weight("bias_hh_l0", 8, 3.0)  # forget-gate bias of unit 0 (rows i, f, g, o)
    after = view.image_array("c")
    assert not np.allclose(before, after)
    reference = doc.network.run(doc.sequence.values)
    for key in ("i", "f", "g", "o", "c", "h"):
        np.testing.assert_allclose(view.image_array(key), reference.get_quantity(key).T, rtol=1e-6, atol=1e-6)
    doc.undo()
    np.testing.assert_allclose(view.image_array("c"), before, rtol=0, atol=0)


def test_time_axis_and_cursor(qtbot) -> None:
    time = 1900.0 + 0.5 * np.arange(200)
    doc = make_document(time=time)
    view = make_view(qtbot, doc)
    rect = view.rows["f"].image.mapRectToParent(view.rows["f"].image.boundingRect())
    assert rect.left() == pytest.approx(1900.0 - 0.25) and rect.right() == pytest.approx(time[-1] + 0.25)
    doc.set_step(123)
    for row in view.rows.values():
        assert row.cursor.value() == pytest.approx(time[123])
    assert view.input_row.cursor.value() == pytest.approx(time[123])


def _viewport_point(view: HeatmapsView, key: str, x: float, y: float):
    box = view.rows[key].plot.getViewBox()
    scene_point = box.mapViewToScene(QPointF(x, y))
    return view.graphics.mapFromScene(scene_point)


def test_click_jumps_to_step_and_selects_unit(qtbot) -> None:
    time = 10.0 + 0.1 * np.arange(200)
    doc = make_document(time=time)
    view = make_view(qtbot, doc)
    point = _viewport_point(view, "f", time[150], 5.5)
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert abs(doc.step - 150) <= 1  # one pixel is about one step at this width
    assert doc.selected_units == (5,)
    point = _viewport_point(view, "h", time[40], 2.5)
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, Qt.KeyboardModifier.ControlModifier, point)
    assert abs(doc.step - 40) <= 1 and doc.selected_units == (2, 5)


def test_hover_reads_value(qtbot) -> None:
    doc = make_document()
    view = make_view(qtbot, doc)
    box = view.rows["f"].plot.getViewBox()
    view._on_hover(box.mapViewToScene(QPointF(60, 3.5)))
    value = doc.network.run(doc.sequence.values).get_quantity("f")[60, 3]
    assert view.hover_label.text().startswith(f"f\u209c unit 3 at t = 60: {value:.3f}")


def test_quantity_toggle_persists_in_view_settings(qtbot) -> None:
    doc = make_document()
    view = make_view(qtbot, doc)
    view._buttons["g"].click()
    assert "g" in doc.view_settings.hidden_heatmaps and "g" not in view.rows
    doc.reconfigure(cell="gru")
    assert set(view.rows) == {"r", "z", "n", "h"}
    view._buttons["x"].click()
    assert view.input_row is None


def test_export_action_emits_quantity(qtbot) -> None:
    view = make_view(qtbot, make_document())
    box = view.rows["f"].plot.getViewBox()
    assert box.menu is None, "the context menu is built when first opened, not at start-up"
    actions = [a for a in box.getMenu(None).actions() if a.text().startswith("Export f\u209c")]
    assert "View All" in [a.text() for a in box.getMenu(None).actions()], "pyqtgraph's own items stay"
    with qtbot.waitSignal(view.export_requested) as blocker:
        actions[0].trigger()
    assert blocker.args == ["f"]


def test_progressive_fill(qtbot, monkeypatch) -> None:
    from lstmviz.gui.workers import BackgroundRunner
    from lstmviz.model import compute

    monkeypatch.setattr(compute, "INLINE_COST", 0)
    doc = make_document(steps=3000)
    view = make_view(qtbot, doc)
    runner = BackgroundRunner()
    doc.set_runner(runner)
    done: list[str] = []
    doc.compute.events.ready.connect(done.append)
    doc.set_weight("weight_hh_l0", (8, 0), 2.5)
    qtbot.waitUntil(lambda: bool(done), timeout=20000)
    reference = doc.network.run(doc.sequence.values)
    np.testing.assert_allclose(view.data_array("c"), reference.get_quantity("c").T, rtol=1e-6, atol=1e-6)
    runner.shutdown()


def test_zoom_draws_visible_steps_at_full_resolution(qtbot) -> None:
    doc = make_document(steps=20_000)
    view = make_view(qtbot, doc)
    reference = doc.network.run(doc.sequence.values).get_quantity("f")
    whole = view.image_array("f")
    assert whole.shape[1] < 2_000  # about one column per pixel, not 20,000
    first, end, block = view.rows["f"].window
    assert block > 1
    expected = reference[first : first + block * (whole.shape[1] - 1)]
    stride = -(-block // 4)  # ceil: at most 4 samples averaged per column
    means = expected.reshape(whole.shape[1] - 1, block, 8)[:, ::stride].mean(axis=1)
    np.testing.assert_allclose(whole[:, :-1], means.T, rtol=1e-5, atol=1e-6)
    view.rows["f"].plot.setXRange(5_000, 5_300, padding=0)
    qtbot.waitUntil(lambda: view.rows["f"].window[2] == 1)
    first, end, block = view.rows["f"].window
    assert block == 1 and first <= 5_000 and end >= 5_300
    np.testing.assert_allclose(view.image_array("f"), reference[first:end].T, rtol=1e-6, atol=1e-6)
    rect = view.rows["f"].image.mapRectToParent(view.rows["f"].image.boundingRect())
    assert rect.left() == pytest.approx(first - 0.5) and end - 0.5 <= rect.right() < end + 3.5


def test_long_sequence(qtbot) -> None:
    doc = make_document(steps=100_000, hidden=8)
    view = make_view(qtbot, doc)
    assert view.data_array("h").shape == (8, 100_000)
    assert view.image_array("h").shape[1] <= 2_000
    doc.set_step(99_999)
    assert view.rows["h"].cursor.value() == pytest.approx(99_999)


def test_cell_switch_leaves_no_stale_buttons_on_screen(qtbot) -> None:
    doc = make_document("lstm", steps=40)
    view = make_view(qtbot, doc)
    old = [b for b in view.options.findChildren(QToolButton) if b.isVisible() and b.property("quantity")]
    assert "c" in {b.property("quantity") for b in old}
    doc.reconfigure(cell="gru")
    # before the event loop deletes them, the LSTM buttons must already be off the screen
    assert all(b.isHidden() for b in old if shiboken6.isValid(b))

    def shown() -> set[str]:
        buttons = view.options.findChildren(QToolButton)
        return {b.property("quantity") for b in buttons if b.isVisible() and b.property("quantity")}  # not the "?" note

    qtbot.waitUntil(lambda: shown() == set(doc.network.spec.trace_keys()) | {"x"})
    assert "c" not in shown()


def test_labels_use_the_diagram_symbols_and_text_rows_show_thinned_characters(qtbot) -> None:
    doc = make_document("lstm", steps=40)
    view = make_view(qtbot, doc)
    texts = {b.property("quantity"): b.text() for b in view.options.findChildren(QToolButton) if b.isVisible()}
    # the gate diagram writes the candidate as C with a combining tilde and a subscript t
    assert texts["g"] == "C\u0303\u209c" and texts["x"] == "x\u209c" and texts["h"] == "h\u209c"
    assert not any("~" in t or "_" in t for t in texts.values())
    assert view.rows["g"].plot.getAxis("left").labelText == "C\u0303\u209c"
    text = "the quick brown fox jumps over the lazy dog"
    doc.set_sequence(text_sequence(text), text="text")
    axis = view.input_row.plot.getAxis("left")
    assert axis.labelText == "x\u209c"
    vocabulary = doc.sequence.vocabulary
    # thinned to every 5th row when they do not all fit, as in the figures; a space is an open box there too
    assert axis.tickStrings([0.5, 5.5, 10.5], 1.0, 5.0) == [vocabulary[0], vocabulary[5], vocabulary[10]]
    assert axis.tickStrings([0.5, 5.5], 1.0, 5.0) == ["", ""], "a character or two alone reads as the axis's name"
    assert axis.tickStrings([0.5, 3.5], 1.0, 1.0) == [vocabulary[0], "\u2423"] and vocabulary[3] == " "


def test_heatmap_levels_are_the_diagrams(qtbot) -> None:
    """One rule for colour levels: the heatmap of C_t and the diagram's C_t strip use the same range, the nice
    bound above the largest |C_t| (worked out here from the engine's own trace)."""
    from lstmviz.gui.views.gate_diagram import GateDiagramView
    from lstmviz.io.color_levels import nice_ceiling

    doc = make_document()
    doc.set_parameter("bias_ih_l0", np.full(32, 2.5))  # every gate open: C_t grows past 1
    view = make_view(qtbot, doc)
    diagram = GateDiagramView(doc)
    _ALIVE.append(diagram)
    top = float(np.abs(doc.network.run(doc.sequence.values)["c_l0"]).max())
    assert top > 1.0
    expected = (-nice_ceiling(top), nice_ceiling(top))
    assert view.rows["c"].levels == expected
    assert diagram._levels()["c"] == expected


def test_while_a_run_paces_the_views_a_rebuild_adds_one_row_per_turn_and_ends_like_an_unpaced_one(qtbot) -> None:
    """A training run's set-up rebuilds the heatmaps (a new network and example): 150 to 250 ms in one turn, so
    under pacing the rows come one per event-loop turn, and the view ends as an unpaced rebuild leaves it."""
    from lstmviz.gui.refresh_pacing import pacer

    document = Document(Network.random("lstm", 1, 6, 1, seed=0), SequenceData(np.sin(np.linspace(0, 9, 40))))
    view = HeatmapsView(document)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    gru = Network.random("gru", 1, 5, 1, seed=1)
    pacer().begin()
    try:
        document.set_network(gru)
        qtbot.waitUntil(lambda: view.building, timeout=2_000)  # the rebuild has begun in a turn of its own
        assert len(view.rows) < len(view.shown_quantities())  # ... with the rest of the rows still to come
        qtbot.waitUntil(lambda: not view.building, timeout=5_000)
    finally:
        pacer().end()
        pacer().flush()
    assert list(view.rows) == list(view.shown_quantities())  # r, z, n, h: every row, in order
    qtbot.waitUntil(lambda: document.trace is not None and document.trace_steps_ready == 40, timeout=5_000)
    qtbot.wait(50)
    reference = gru.run(document.sequence.values)
    for key, row in view.rows.items():
        assert row.units == 5
        np.testing.assert_allclose(view.data_array(key), reference.get_quantity(key, 0).T, atol=1e-6)


def test_a_paced_rebuild_overtaken_by_another_change_ends_with_the_latest_network(qtbot) -> None:
    from lstmviz.gui.refresh_pacing import pacer

    document = Document(Network.random("lstm", 1, 6, 1, seed=0), SequenceData(np.sin(np.linspace(0, 9, 40))))
    view = HeatmapsView(document)
    qtbot.addWidget(view)
    view.show()
    qtbot.waitExposed(view)
    pacer().begin()
    try:
        document.set_network(Network.random("gru", 1, 5, 1, seed=1))
        qtbot.waitUntil(lambda: view.building, timeout=2_000)
        document.undo()  # back to the LSTM of 6 units while the GRU's rows are half built
        qtbot.waitUntil(lambda: not view.building and set(view.rows) == set(view.shown_quantities()), timeout=5_000)
    finally:
        pacer().end()
        pacer().flush()
    qtbot.waitUntil(lambda: document.trace is not None and document.trace_steps_ready == 40, timeout=5_000)
    qtbot.wait(50)
    assert document.network.cell == "lstm" and all(row.units == 6 for row in view.rows.values())
    reference = document.network.run(document.sequence.values)
    for key in view.rows:
        np.testing.assert_allclose(view.data_array(key), reference.get_quantity(key, 0).T, atol=1e-6)
