"""The comparison figure: one heatmap row per quantity, the decay and loss curves, in every format."""

from __future__ import annotations

from io import BytesIO
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.compare_figure import render_compare_figure
from lstmviz.io.errors import ExportError
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.compare import COMPARE_CELLS, CellResult, analyse


def _results(losses: bool = True) -> tuple[list[CellResult], SequenceData]:
    sequence = SequenceData(np.sin(np.arange(30) / 3.0), source="a sine")
    results = []
    for k, cell in enumerate(COMPARE_CELLS):
        result = CellResult(cell, Network.random(cell, 1, 5, seed=k))
        if losses:
            result.losses = [(u, 2.0 / (u + k)) for u in range(1, 11)]
            result.validation = [(10, 0.5, 0.25 * (k + 1))]
        results.append(analyse(result, sequence))
        if losses:
            result.shares = np.linspace(1.0, 2.0 + k, 30) / np.linspace(1.0, 2.0 + k, 30).sum()
    return results, sequence


def test_rows_curves_and_their_data() -> None:
    results, sequence = _results()
    figure = render_compare_figure(results, sequence, BytesIO(), format="png")
    titles = [ax.get_title(loc="left") for ax in figure.axes if ax.get_title(loc="left")]
    assert titles[:4] == [
        "RNN: hidden state $h_t$",
        "GRU: hidden state $h_t$",
        "LSTM: cell state $C_t$",
        "LSTM: hidden state $h_t$",
    ]
    decay_ax = next(ax for ax in figure.axes if ax.get_title(loc="left").startswith("gradient decay"))
    assert decay_ax.get_yscale() == "log"
    for line, result in zip(decay_ax.get_lines(), results, strict=True):
        np.testing.assert_allclose(line.get_ydata(), result.decay)
    share_ax = next(ax for ax in figure.axes if ax.get_title(loc="left").startswith("what an update learns from"))
    assert share_ax.get_yscale() == "log"
    for line, result in zip(share_ax.get_lines(), results, strict=True):
        np.testing.assert_allclose(line.get_ydata(), result.shares)
    assert share_ax.get_legend().get_texts()[0].get_text() == (
        f"RNN (last fifth of the steps: {100 * results[0].shares[-6:].sum():.0f}%)"
    )
    loss_ax = next(ax for ax in figure.axes if ax.get_title(loc="left") == "training loss")
    assert [t.get_text() for t in loss_ax.get_legend().get_texts()] == [
        "RNN, accuracy 25%",
        "GRU, accuracy 50%",
        "LSTM, accuracy 75%",
    ]
    images = [ax.get_images()[0].get_array() for ax in figure.axes if ax.get_images()]
    np.testing.assert_allclose(images[0], results[0].network.run(sequence.values)["h_l0"].T)


@pytest.mark.parametrize("suffix", ["png", "svg", "pdf"])
def test_every_format_is_written(tmp_path: Path, suffix: str) -> None:
    results, sequence = _results(losses=False)
    out = tmp_path / f"compare.{suffix}"
    render_compare_figure(results, sequence, out)
    data = out.read_bytes()
    assert data.startswith({"png": b"\x89PNG", "svg": b"<?xml", "pdf": b"%PDF"}[suffix])
    if suffix == "svg":
        assert b"untrained" in data and b"gradient decay" in data and b"needs a task" in data


def test_a_bad_suffix_is_refused(tmp_path: Path) -> None:
    results, sequence = _results()
    with pytest.raises(ExportError, match="use .png, .svg or .pdf"):
        render_compare_figure(results, sequence, tmp_path / "compare.txt")
    assert not (tmp_path / "compare.txt").exists()
