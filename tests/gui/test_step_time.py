"""One way to write the time of a step: the status bar, the playback toolbar, the diagram title and the heatmap
hover agree, for a numeric axis with a unit, a named axis and a date axis; counts read as plurals."""

from __future__ import annotations

import html

import numpy as np
import pytest
from PySide6.QtCore import QPointF

from lstmviz.engine.network import Network
from lstmviz.gui.main_window import MainWindow
from lstmviz.io.seq_cells import fractional_years
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


@pytest.mark.parametrize(
    "time, label, expected",
    [
        (np.arange(40) * 0.5, "s", "12.5 s"),
        (1900.0 + np.arange(40), "year", "year 1925"),
        (
            fractional_years(np.arange("1994-01", "1997-05", dtype="datetime64[M]").astype("datetime64[s]")),
            "date (year)",
            "date 1996-02-01",
        ),
    ],
)
def test_every_place_writes_the_step_time_the_same_way(qtbot, time, label, expected) -> None:
    document = Document(
        Network.random("lstm", 1, 4, 1, seed=0), SequenceData(np.sin(np.arange(40.0)), time=time, time_label=label)
    )
    window = MainWindow(document)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    document.set_step(25)
    assert window.status.step_label.text() == f"t = 25 / 39   {expected}"
    assert window.playback.time_label.text() == expected
    qtbot.waitUntil(lambda: html.escape(expected) in window.diagram._title_html())
    heatmaps = window.views["heatmaps"]
    box = heatmaps.rows["h"].plot.getViewBox()
    heatmaps._on_hover(box.mapViewToScene(QPointF(float(time[25]), 1.5)))
    assert f"at t = 25 ({expected}):" in heatmaps.hover_label.text()
    document.mark_clean()


def test_one_step_sequence_reads_in_the_singular(qtbot) -> None:
    from lstmviz.gui.panels.sequence import SequencePanel

    document = Document(Network.random("lstm", 1, 4, 1, seed=0), SequenceData(np.array([0.5])))
    panel = SequencePanel(document)
    qtbot.addWidget(panel)
    assert "1 step " in panel.info.text() and "1 steps" not in panel.info.text()
