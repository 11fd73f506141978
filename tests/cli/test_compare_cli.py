"""``lstmviz plot --compare``: the three cells trained on a task, or run on a sequence, as one figure."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from lstmviz.model.compare import CompareSetup, run_compare


def test_compare_on_a_task_trains_the_three_cells(cli, tmp_path: Path) -> None:
    out = tmp_path / "compare.svg"
    result = cli("plot", "--compare", "copy", "--delay", 3, "--hidden", 4, "--updates", 5, "--seed", 1, "--out", out)
    assert result.code == 0, result
    text = out.read_text(encoding="utf-8")
    assert "gradient decay" in text and "training loss" in text
    expected = run_compare(CompareSetup(task="copy", delay=3, hidden=4, updates=5, seed=1))
    lines = result.out.strip().splitlines()
    assert [line.split(":")[0] for line in lines] == ["RNN", "GRU", "LSTM"]
    for line, cell in zip(lines, expected, strict=True):
        assert f"{float(cell.decay[0]):.2e}" in line
        assert f"accuracy {100 * cell.accuracy:.0f}%" in line
        assert f"update share of the first half of the steps {cell.shares[:2].sum():.2%}" in line  # T = 5


def test_compare_on_a_sequence_runs_the_fresh_networks(cli, tmp_path: Path) -> None:
    path = tmp_path / "wave.npy"
    np.save(path, np.sin(np.arange(40) / 4.0))
    out = tmp_path / "compare.png"
    result = cli("plot", path, "--compare", "--hidden", 3, "--out", out)
    assert result.code == 0, result
    assert out.read_bytes().startswith(b"\x89PNG")
    assert "accuracy" not in result.out and len(result.out.strip().splitlines()) == 3


def test_compare_refuses_a_task_and_a_file_together(cli, tmp_path: Path) -> None:
    result = cli("plot", "--compare", "copy", "adding", "--out", tmp_path / "c.png")
    assert result.code == 2
    message = "lstmviz: --compare takes one task (copy or adding) or a sequence file, not both"
    assert result.err.strip().splitlines() == [message]
    assert not (tmp_path / "c.png").exists()
