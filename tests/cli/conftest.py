"""Helpers for the command-line tests: run ``main(argv)`` in-process and capture its exit code and output."""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from lstmviz.cli.main import main


@dataclass
class Result:
    code: int
    out: str
    err: str


@pytest.fixture()
def cli(capsys: pytest.CaptureFixture[str]):
    """``cli("trace", "x.npy", "--out", "t.npz")`` -> Result(code, stdout, stderr)."""

    def run(*argv: object) -> Result:
        capsys.readouterr()
        code = main([str(a) for a in argv])
        captured = capsys.readouterr()
        return Result(code, captured.out, captured.err)

    return run


def _assert_one_line_error(result: Result, *words: str) -> None:
    assert result.code == 2, result
    lines = result.err.strip().splitlines()
    assert len(lines) == 1, result.err
    assert lines[0].startswith("lstmviz: "), result.err
    assert "Traceback" not in result.err
    for word in words:
        assert word in lines[0], (word, lines[0])


@pytest.fixture()
def one_line_error():
    """Bad input: exit 2, exactly one line on stderr, starting ``lstmviz:``, naming what it must, no traceback."""
    return _assert_one_line_error
