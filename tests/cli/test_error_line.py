"""The command line's refusal is one line of at most 300 characters beside the file's name."""

from __future__ import annotations

import os
from pathlib import Path

import pytest


def test_a_ten_megabyte_cell_gives_a_short_line(cli, tmp_path: Path) -> None:
    path = tmp_path / "huge.csv"
    path.write_text("a,b\n1,2\n3," + "z" * 10_000_000 + "\n", encoding="utf-8")
    result = cli("trace", path, "--columns", "b", "--out", tmp_path / "t.npz")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, lines[:3]
    assert str(path) in lines[0] and len(lines[0]) <= len("lstmviz: ") + len(str(path)) + 300


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")
def test_trace_onto_a_fifo_is_refused_and_the_fifo_stays(cli, tmp_path: Path) -> None:
    data = tmp_path / "x.csv"
    data.write_text("a\n1\n2\n3\n", encoding="utf-8")
    fifo = tmp_path / "out.csv"
    os.mkfifo(fifo)
    result = cli("trace", data, "--out", fifo)
    assert result.code == 2 and "FIFO" in result.err and len(result.err.strip().splitlines()) == 1
    assert fifo.is_fifo()
