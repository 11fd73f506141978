"""A long sequence computed in the background: every heatmap ends up drawn over the whole trace.

With an H=16 LSTM a 100,000-step, 2-column CSV is recomputed off the GUI thread and delivered in growing parts
(512, 2048, 4096, ... steps, all in the same Trace object). Each row must redraw when a delivery brings steps
into view, not only when the steps it already shows change.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.gui.main_window import MainWindow
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.compute import INLINE_COST
from lstmviz.model.document import Document


def write_two_columns(path: Path, steps: int) -> Path:
    t = np.arange(steps)
    a, b = np.sin(t / 50.0), np.cos(t / 170.0)
    lines = ["a,b", *(f"{x:.6f},{y:.6f}" for x, y in zip(a, b, strict=True))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


@pytest.mark.parametrize("hidden", [16])
def test_heatmaps_cover_the_whole_trace_after_the_last_delivery(qtbot, tmp_path, hidden) -> None:
    steps = 100_000
    document = Document(Network.random("lstm", 2, hidden, 1, seed=0), SequenceData(np.zeros((50, 2)), source="start"))
    window = MainWindow(document)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    path = write_two_columns(tmp_path / "long.csv", steps)
    assert window.file_actions.open_path(str(path))
    qtbot.waitUntil(lambda: document.steps == steps, timeout=30000)
    assert document.recompute_cost() > INLINE_COST, "the test must take the background path"
    qtbot.waitUntil(lambda: document.trace_steps_ready == steps and not document.compute.busy(), timeout=60000)
    qtbot.wait(50)  # deferred redraws (zero-length timers) run
    heatmaps = window.views["heatmaps"]
    reference = document.network.run(document.sequence.values)
    for key, row in heatmaps.rows.items():
        rect = row.image.mapRectToParent(row.image.boundingRect())
        first, end, block = row.window
        assert first == 0 and end == steps, (key, row.window)
        assert rect.left() <= -0.5 + 1e-6 and rect.right() >= steps - 0.5 - 1e-6, (key, rect)
        image = heatmaps.image_array(key)
        last = reference.get_quantity(key)[steps - block * 4 : steps].mean(axis=0)
        assert np.all(np.isfinite(image)) and image.shape[1] == row.columns
        # the last column shows the end of the trace, not the zeros a never-redrawn image would keep
        assert np.abs(image[:, -1]).max() > 0 or np.abs(last).max() == 0
    window.document.mark_clean()
    window.close()
