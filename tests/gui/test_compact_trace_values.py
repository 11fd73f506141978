"""A long trace is kept compact (float32 for drawing), yet the diagram and the numbers panel show the float64
values of the full trace (an independent ``network.run``), at any step and across checkpoint windows."""

from __future__ import annotations

import csv
from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QPointF
from test_gate_diagram import assert_strips_match
from test_gate_diagram_helpers import hold, release_held_widgets  # noqa: F401 - autouse fixture

from lstmviz.engine.network import Network
from lstmviz.engine.trace_compact import WINDOW_STEPS, CompactTrace
from lstmviz.gui.panels.numbers import NumbersPanel
from lstmviz.gui.views.gate_diagram import GateDiagramView
from lstmviz.gui.views.heatmaps import HeatmapsView
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import compute_kinds
from lstmviz.model.document import Document

X = np.sin(np.linspace(0, 60, 3 * WINDOW_STEPS + 20)) * 3.0
STEPS = (0, 1, WINDOW_STEPS - 1, WINDOW_STEPS, 2 * WINDOW_STEPS + 7, X.shape[0] - 1)


def documents(monkeypatch, cell: str) -> tuple[Document, Document]:
    """(a document keeping its trace in float64, the same session kept compact)."""
    net = Network.random(cell, 1, 6, 2, seed=11, output_size=2)
    full = Document(net, SequenceData(X))
    monkeypatch.setattr(compute_kinds, "COMPACT_TRACE_BYTES", 0)
    compact = Document(net, SequenceData(X))
    assert isinstance(compact.trace, CompactTrace) and not isinstance(full.trace, CompactTrace)
    return full, compact


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_numbers_panel_shows_the_float64_values(qtbot, monkeypatch, cell: str) -> None:
    full, compact = documents(monkeypatch, cell)
    panels = []
    for doc in (full, compact):
        panel = NumbersPanel(doc)
        hold(qtbot, panel)
        panel.show()
        panel.digits.setValue(8)  # the most the panel shows: float32 values would differ here
        panels.append(panel)
    reference = full.network.run(X)
    for layer in (0, 1):
        for step in STEPS:
            for doc in (full, compact):
                doc.set_layer(layer)
                doc.set_step(step)
            qtbot.waitUntil(lambda s=step, la=layer: all(f"t = {s}" in p.plain_text() for p in panels))
            qtbot.waitUntil(lambda: panels[0].plain_text() == panels[1].plain_text(), timeout=2000)
            text = panels[1].plain_text().replace("−", "-")
            assert "✗" not in text
            h = float(reference[f"h_l{layer}"][step, 0])
            assert f"engine: {h:.8f}" in text  # the float64 value, to the last digit shown


def test_float32_would_show_other_digits() -> None:
    """The check above can fail: the drawing copy alone differs from the float64 values at 8 digits."""
    net = Network.random("lstm", 1, 6, 2, seed=11, output_size=2)
    full = net.run(X)
    h = np.asarray(full["h_l1"])
    assert np.any([f"{a:.8f}" != f"{float(np.float32(a)):.8f}" for a in h.ravel()])


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_diagram_strips_hold_the_float64_values(qtbot, monkeypatch, cell: str) -> None:
    _, doc = documents(monkeypatch, cell)
    view = GateDiagramView(doc)
    hold(qtbot, view)
    reference = doc.network.run(X)
    for step in STEPS:
        doc.set_step(step)
        assert_strips_match(view, reference, doc.layer, step)  # within 1e-12, float32 is off by ~1e-8


def _drawn_heatmaps(qtbot, monkeypatch) -> tuple[Any, HeatmapsView]:
    """An LSTM's compact session in a shown heatmaps view, every row drawn to the last step."""
    _, doc = documents(monkeypatch, "lstm")
    view = HeatmapsView(doc)
    hold(qtbot, view)
    view.resize(900, 700)
    view.show()
    qtbot.waitUntil(lambda: all(row.valid == doc.steps for row in view.rows.values()))
    return doc, view


def test_heatmaps_draw_from_the_compact_trace_without_a_copy(qtbot, monkeypatch) -> None:
    doc, view = _drawn_heatmaps(qtbot, monkeypatch)
    for key, row in view.rows.items():
        assert np.shares_memory(row.buffer, doc.trace[f"{key}_l0"])
        drawn = view.image_array(key)
        assert drawn is not None and np.all(np.isfinite(drawn))


def test_heatmap_hover_reads_the_float64_value(qtbot, monkeypatch) -> None:
    doc, view = _drawn_heatmaps(qtbot, monkeypatch)
    box = view.rows["c"].plot.getViewBox()
    step = 2 * WINDOW_STEPS + 7
    x = float(doc.sequence.time_axis[step])
    view._on_hover(box.mapViewToScene(QPointF(x, 4.5)))
    expected = doc.network.run(X)["c_l0"][view.time_map.step_at(x), 4]
    assert view.hover_label.text().replace("−", "-").endswith(f": {expected:.3f}")


@pytest.fixture
def document(monkeypatch) -> Document:
    """The session the ``main_window`` fixture shows: kept compact."""
    return documents(monkeypatch, "lstm")[1]


@pytest.mark.parametrize("suffix", ["npz", "csv"])
def test_export_from_the_window_is_float64(qtbot, main_window, document, tmp_path, suffix: str) -> None:
    path = tmp_path / f"trace.{suffix}"
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000):
        main_window.export_actions.export_trace_to(str(path))
    reference = document.network.run(X)
    if suffix == "npz":
        with np.load(path, allow_pickle=False) as data:
            for key in reference:
                assert data[key].dtype == np.float64
                np.testing.assert_array_equal(data[key], reference[key])
        return
    with path.open(encoding="utf-8") as stream:
        rows = list(csv.reader(line for line in stream if not line.startswith("#")))
    column = rows[0].index("c_l1_3")
    np.testing.assert_array_equal([float(row[column]) for row in rows[1:]], reference["c_l1"][:, 3])
