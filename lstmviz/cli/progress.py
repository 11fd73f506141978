"""A status line on stderr for long work, shown only when stderr is a terminal (never in pipes, logs or tests)."""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import TextIO

LONG_WORK = 20_000_000
"""Estimated multiply-adds above which a command announces what it is doing (about a second of engine time)."""


def work_estimate(steps: int, hidden: int, layers: int, gates: int) -> int:
    """Multiply-adds of a trace: per step and layer, G*H rows times (H + input) columns, taken as 2H."""
    return steps * layers * gates * hidden * hidden * 2


Report = Callable[[int, int], None]
"""``report(done, total)``: rewrite the status line with a percentage (does nothing when no line is shown)."""


@contextmanager
def progress(message: str, work: int, stream: TextIO | None = None) -> Iterator[Report | None]:
    """Print ``lstmviz: <message>...`` before long work and ``done in N s`` after, on a terminal only.

    Yields a ``report(done, total)`` callback when the line is shown, else None (callers then skip the
    chunked path entirely).
    """
    out = stream if stream is not None else sys.stderr
    shown = work >= LONG_WORK and _is_terminal(out)
    start = time.perf_counter()

    def report(done: int, total: int) -> None:
        out.write(f"\rlstmviz: {message}... {100 * done // max(total, 1)}%")
        out.flush()

    if shown:
        out.write(f"lstmviz: {message}...")
        out.flush()
    try:
        yield report if shown else None
    except BaseException:
        if shown:
            out.write("\n")  # the error message that follows gets a line of its own
        raise
    if shown:
        out.write(f"\rlstmviz: {message}... done in {time.perf_counter() - start:.1f} s\n")
        out.flush()


def _is_terminal(stream: TextIO) -> bool:
    try:
        return stream.isatty()
    except (AttributeError, ValueError):
        return False
