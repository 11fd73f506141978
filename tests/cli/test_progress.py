"""The progress line: only on a terminal, only for long work, and out of the way of error messages."""

from __future__ import annotations

import io

import pytest

from lstmviz.cli.progress import LONG_WORK, progress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_shown_on_a_terminal_for_long_work_with_percentages() -> None:
    stream = Terminal()
    with progress("tracing", LONG_WORK, stream) as report:
        assert report is not None
        report(50, 100)
    text = stream.getvalue()
    assert text.startswith("lstmviz: tracing...") and "50%" in text
    assert text.endswith(" s\n") and "done in" in text


@pytest.mark.parametrize(("stream", "work"), [(io.StringIO(), LONG_WORK), (Terminal(), LONG_WORK - 1)])
def test_silent_in_pipes_and_for_short_work(stream: io.StringIO, work: int) -> None:
    with progress("tracing", work, stream) as report:
        assert report is None
    assert stream.getvalue() == ""


def test_an_error_ends_the_line_without_claiming_done() -> None:
    stream = Terminal()
    with pytest.raises(RuntimeError), progress("tracing", LONG_WORK, stream):
        raise RuntimeError("boom")
    assert stream.getvalue() == "lstmviz: tracing...\n"


def test_successful_commands_print_nothing_on_stderr(cli, tmp_path) -> None:
    import numpy as np

    np.save(tmp_path / "s.npy", np.zeros((3, 2)))
    result = cli("trace", tmp_path / "s.npy", "--out", tmp_path / "t.npz")
    assert (result.code, result.out, result.err) == (0, "", "")
