"""Unit line plots show the engine's numbers for the selected units and follow selection, step and edits."""

from __future__ import annotations

import numpy as np
import pytest
import shiboken6
from PySide6.QtCore import QPointF, Qt
from PySide6.QtWidgets import QToolButton

from lstmviz.engine.network import Network
from lstmviz.gui.views.unit_plots import UnitPlotsView
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

_ALIVE: list[UnitPlotsView] = []


@pytest.fixture(autouse=True)
def _hide_views_after_test():
    """Kept alive (see tests/gui/test_heatmaps.py) but hidden, so later tests' windows get the mouse."""
    yield
    for view in _ALIVE:
        view.hide()


def make_view(qtbot, cell: str = "lstm") -> tuple[Document, UnitPlotsView]:
    time = 0.25 * np.arange(150)
    doc = Document(Network.random(cell, 1, 6, seed=1), SequenceData(np.sin(time), time=time, time_label="s"))
    view = UnitPlotsView(doc)
    _ALIVE.append(view)  # see tests/gui/test_heatmaps.py: never dropped mid-session
    view.resize(800, 500)
    view.show()
    qtbot.waitExposed(view)
    return doc, view


def test_lines_equal_engine_for_selected_units(qtbot) -> None:
    doc, view = make_view(qtbot)
    doc.set_view_settings(unit_plots=("c", "h", "f"))
    doc.select_units((1, 4))
    reference = doc.network.run(doc.sequence.values)
    assert set(view.curves) == {"c", "h", "f"}
    for key, curves in view.curves.items():
        assert len(curves) == 2
        for unit, curve in zip((1, 4), curves, strict=True):
            x, y = curve.getOriginalDataset()
            np.testing.assert_allclose(x, doc.sequence.time)
            np.testing.assert_allclose(y, reference.get_quantity(key)[:, unit], rtol=1e-12, atol=1e-12)


def test_edit_and_step_follow(qtbot) -> None:
    doc, view = make_view(qtbot)
    doc.set_weight("bias_ih_l0", 6, -2.0)  # forget gate (rows i, f, g, o) of unit 0
    reference = doc.network.run(doc.sequence.values)
    _, y = view.curves["c"][0].getOriginalDataset()
    np.testing.assert_allclose(y, reference.get_quantity("c")[:, 0], rtol=1e-12, atol=1e-12)
    doc.set_step(77)
    assert all(c.value() == pytest.approx(doc.sequence.time[77]) for c in view.cursors)


def test_click_sets_step_and_cell_switch(qtbot) -> None:
    doc, view = make_view(qtbot)
    box = view.plots["h"].getViewBox()
    point = view.graphics.mapFromScene(box.mapViewToScene(QPointF(doc.sequence.time[90], 0.0)))
    qtbot.mouseClick(view.graphics.viewport(), Qt.MouseButton.LeftButton, pos=point)
    assert abs(doc.step - 90) <= 1
    doc.reconfigure(cell="gru")
    assert set(view.curves) == {"h"}


def test_many_selected_units_are_capped(qtbot) -> None:
    from lstmviz.gui.views.unit_plots import MAX_LINES

    time = np.arange(60, dtype=float)
    doc = Document(Network.random("gru", 1, MAX_LINES + 4, seed=2), SequenceData(np.cos(time / 5)))
    view = UnitPlotsView(doc)
    _ALIVE.append(view)
    doc.select_units(range(MAX_LINES + 4))
    assert len(view.curves["h"]) == MAX_LINES
    assert view.note.text() == f"first {MAX_LINES} of {MAX_LINES + 4} selected units"


def test_cell_switch_leaves_no_stale_buttons_on_screen(qtbot) -> None:
    doc, view = make_view(qtbot)
    old = [b for b in view.options.findChildren(QToolButton) if b.isVisible() and b.property("quantity")]
    assert "c" in {b.property("quantity") for b in old}
    doc.reconfigure(cell="gru")
    # before the event loop deletes them, the LSTM buttons must already be off the screen
    assert all(b.isHidden() for b in old if shiboken6.isValid(b))

    def shown() -> set[str]:
        buttons = view.options.findChildren(QToolButton)
        return {b.property("quantity") for b in buttons if b.isVisible() and b.property("quantity")}  # not the "?" note

    qtbot.waitUntil(lambda: shown() == set(doc.network.spec.trace_keys()))
    assert "c" not in shown()


def test_legend_sits_above_the_plots_not_over_the_curves(qtbot) -> None:
    doc, view = make_view(qtbot)
    doc.select_units([0, 2, 5])
    view.resize(300, 420)  # a dock's size in a 1280 x 800 window
    qtbot.waitUntil(lambda: view.legend.isVisible() and view.legend.sceneBoundingRect().height() > 0)
    names = [label.text for _sample, label in view.legend.items]
    assert names == ["unit 0", "unit 2", "unit 5"]
    legend = view.legend.sceneBoundingRect()
    for plot in view.plots.values():
        assert not legend.intersects(plot.getViewBox().sceneBoundingRect())
    assert view.graphics.viewport().width() >= view.plots["h"].sceneBoundingRect().right() - 1, "no plot cut off"
