"""Plots at every size and length: tick labels spaced from the font never overlap, long traces draw thinned."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pytest
from PySide6.QtGui import QColor, QFont, QFontMetricsF

from lstmviz.engine.network import Network
from lstmviz.gui.colors import colormap_for
from lstmviz.gui.views.heatmap_colorbar import ColorScaleBar
from lstmviz.gui.views.plot_detail import ReadableAxis, nice_spacing
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


@pytest.mark.parametrize(
    "span, room, step",
    [(100_000, 3, 50_000), (100_000, 10, 10_000), (2.0, 1, 2.0), (2.0, 4, 0.5), (255, 6, 50), (1.0, 100, 0.01)],
)
def test_nice_spacing_is_the_roundest_step_that_fits(span: float, room: int, step: float) -> None:
    assert nice_spacing(span, room) == pytest.approx(step)


def _labels(axis: ReadableAxis, low: float, high: float, size: float) -> list[tuple[float, str]]:
    levels = axis.tickValues(low, high, size)
    spacing, values = levels[0]
    return list(zip(values, axis.tickStrings(values, 1.0, spacing), strict=True))


@pytest.mark.parametrize("steps, width", [(100_000, 150), (100_000, 400), (100_000, 1500), (240, 120), (50, 60)])
def test_bottom_labels_never_run_together(qapp: Any, steps: int, width: int) -> None:
    """ "2000040000..." at 100k steps: each label needs its own width and a gap."""
    axis = ReadableAxis("bottom")
    metrics = QFontMetricsF(QFont())
    labels = _labels(axis, 0, steps, width)
    assert labels, "at least one label"
    pixels = [(value / steps * width, metrics.horizontalAdvance(text)) for value, text in labels]
    for (x0, w0), (x1, w1) in pairwise(pixels):
        assert x1 - x0 >= (w0 + w1) / 2 + metrics.horizontalAdvance("M") * 0.9


@pytest.mark.parametrize("height", [12, 20, 40, 120])
def test_left_labels_of_a_short_row_do_not_stack(qapp: Any, height: int) -> None:
    """The x_t row read "1/0/-1" on top of each other."""
    axis = ReadableAxis("left")
    line = QFontMetricsF(QFont()).height()
    labels = _labels(axis, -1.2, 1.2, height)
    assert len(labels) <= max(height // line, 1)
    if len(labels) > 1:
        gap = (labels[1][0] - labels[0][0]) / 2.4 * height
        assert gap >= line


@pytest.mark.parametrize("low, high, height", [(-1.7, 0.4, 200), (-1.7, 0.4, 600), (-12.5, 0.2, 200), (-0.7, 0.5, 80)])
def test_a_log_axis_labels_its_minor_ticks_only_where_they_clear_the_decades(
    qapp: Any, low: float, high: float, height: int
) -> None:
    """pyqtgraph wrote 1, 0.9, 0.8, 0.7 on top of each other on a short loss plot: every label it keeps must have
    a line of its own, and the decades are always labelled."""
    axis = ReadableAxis("left")
    axis.setLogMode(False, True)
    line = QFontMetricsF(QFont()).height()
    per_decade = height / (high - low)
    drawn: list[float] = []
    for spacing, values in axis.tickValues(low, high, height):
        strings = axis.tickStrings(values, 1.0, spacing)
        drawn += [value for value, text in zip(values, strings, strict=True) if text]
        for value, text in zip(values, strings, strict=True):
            if abs(value - round(value)) < 1e-9 and low <= value <= high:
                assert text, f"the decade 1e{round(value)} lost its label"
    positions = sorted({round(v, 9) for v in drawn})
    assert all((b - a) * per_decade >= line for a, b in pairwise(positions)), positions
    if height == 600 and high - low < 3:  # a tall plot over two decades has room for some minor labels
        assert any(abs(v - round(v)) > 1e-9 for v in positions)


@pytest.mark.parametrize("height", range(8, 200, 6))
def test_colour_bar_labels_never_overlap(qapp: Any, height: int) -> None:
    bar = ColorScaleBar(colormap_for(True), (-2.5, 2.5), QColor("black"))
    bar.resize(bar.minimumWidth(), height)
    boxes = [box for box, _text in bar.label_boxes()]
    inside = bar.boundingRect().adjusted(0, 0, 0.01, 0.01)
    for k, box in enumerate(boxes):
        assert inside.contains(box)
        assert all(not box.intersects(other) for other in boxes[k + 1 :])
    assert (len(boxes) >= 2) == (height - 6 >= 2 * bar.text_height)


def test_a_100k_step_trace_draws_thinned(qtbot: Any) -> None:
    from lstmviz.gui.views.heatmaps import HeatmapsView
    from lstmviz.gui.views.unit_plots import UnitPlotsView

    steps = 100_000
    document = Document(
        Network.random("lstm", 1, 4, 1, seed=0), SequenceData(np.sin(np.arange(steps) / 50.0), source="long")
    )
    document.select_units([0])
    heatmaps, plots = HeatmapsView(document), UnitPlotsView(document)
    for view in (heatmaps, plots):
        qtbot.addWidget(view)
        view.resize(600, 400)
        view.show()
        qtbot.waitExposed(view)
    curves = list(heatmaps.input_row.curves) + [c for group in plots.curves.values() for c in group]
    assert curves
    for curve in curves:
        qtbot.waitUntil(lambda c=curve: c.curve.xData is not None and len(c.curve.xData) > 0)
        assert curve.opts["autoDownsample"] and curve.opts["clipToView"], curve.name()
        assert len(curve.curve.xData) < 5_000, "drawn at the pixels it covers, not 100k points"
    assert heatmaps.rows and all(row.image.autoDownsample for row in heatmaps.rows.values())
