"""The loss curve as a file: one CSV row per update with validation where it ran; figures refuse an empty run."""

from __future__ import annotations

import csv
import os
import re
import stat
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io.errors import ExportError
from lstmviz.io.training_log import accuracy_range, app_rows, render_loss_figure, write_loss_csv


def test_rows_carry_validation_only_where_it_ran(tmp_path: Path) -> None:
    rows = app_rows([(1, 2.0), (2, 1.5), (3, 1.0)], [(2, 1.25, 0.5)])
    assert rows == [(1, 2.0, "", ""), (2, 1.5, 1.25, 0.5), (3, 1.0, "", "")]
    path = tmp_path / "log.csv"
    write_loss_csv(path, rows)
    with open(path, newline="", encoding="utf-8") as stream:
        read = list(csv.reader(stream))
    assert read == [
        ["update", "loss", "val_loss", "val_accuracy"],
        ["1", "2.0", "", ""],
        ["2", "1.5", "1.25", "0.5"],
        ["3", "1.0", "", ""],
    ]


def test_an_unwritable_log_and_an_empty_curve_are_one_line_errors(tmp_path: Path) -> None:
    with pytest.raises(ExportError, match="log.csv: cannot be written"):
        write_loss_csv(tmp_path / "missing" / "log.csv", [])
    with pytest.raises(ExportError, match="train first"):
        render_loss_figure([], [], tmp_path / "curve.png")
    assert not (tmp_path / "curve.png").exists()


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs: POSIX")
def test_a_log_onto_a_fifo_is_refused_naming_the_whole_path_and_the_fifo_stays(tmp_path: Path) -> None:
    fifo = tmp_path / "log.csv"
    os.mkfifo(fifo)
    with pytest.raises(ExportError, match=rf"^{re.escape(str(fifo))}: cannot be written \(it is a FIFO"):
        write_loss_csv(fifo, [(1, 2.0)])
    assert stat.S_ISFIFO(os.lstat(fifo).st_mode)


def test_the_accuracy_range_keeps_0_to_100_and_stops_at_minus_100() -> None:
    assert accuracy_range(np.array([40.0, 90.0])) == (0.0, 100.0)
    assert accuracy_range(np.array([-20.0, 50.0])) == (-20.0, 100.0)
    assert accuracy_range(np.array([-15000.0, 30.0])) == (-100.0, 100.0)
    assert accuracy_range(np.array([np.nan])) == (0.0, 100.0)


def test_a_long_accuracy_name_stays_inside_the_figure(tmp_path) -> None:
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    from lstmviz.model.seq2seq_training import TokenTask

    name = TokenTask.accuracy_name  # the longest a task has: "free-running per-token accuracy"
    figure = render_loss_figure([(1, 2.0), (2, 1.0)], [(2, 1.1, 0.5)], tmp_path / "curve.png", accuracy_name=name)
    canvas = FigureCanvasAgg(figure)
    canvas.draw()
    label = figure.axes[1].yaxis.label
    box = label.get_window_extent(canvas.get_renderer())
    assert " ".join(label.get_text().split()) == f"{name} %"
    assert 0 <= box.y0 and box.y1 <= figure.bbox.height
