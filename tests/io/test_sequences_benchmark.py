"""benchmarks/io.py still runs (tiny sizes), so the published figures can be reproduced."""

from __future__ import annotations

import runpy
from pathlib import Path

import pytest

BENCHMARK = Path(__file__).resolve().parents[2] / "benchmarks" / "io.py"


def test_io_benchmark_runs_small(capsys: pytest.CaptureFixture[str]) -> None:
    module = runpy.run_path(str(BENCHMARK))
    module["main"](["--rows", "2000", "--chars", "2000", "--repeat", "1"])
    out = capsys.readouterr().out
    assert "2,000 rows x 4 columns CSV" in out and "lstmviz load_sequence" in out and "numpy.loadtxt" in out
    assert "2,000-character text -> one-hot" in out
