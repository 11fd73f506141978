"""Hostile-file fixtures shared by the io tests (sequences, weights): each writes one bad file into tmp_path.

Keep this file additive: several test modules rely on these names.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from lstmviz.io import limits


@pytest.fixture
def write_file(tmp_path: Path) -> Callable[[str, bytes | str], Path]:
    """Write bytes (or UTF-8 text, newlines untouched) to ``tmp_path/name`` and return the path."""

    def write(name: str, content: bytes | str) -> Path:
        path = tmp_path / name
        path.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
        return path

    return write


@pytest.fixture
def small_file_limit() -> Iterator[int]:
    """Lower the size limit to 1 KiB for one test, then restore it."""
    limits.set_max_file_bytes(1024)
    try:
        yield 1024
    finally:
        limits.set_max_file_bytes(None)


@pytest.fixture
def empty_file(write_file: Callable[[str, bytes | str], Path]) -> Path:
    return write_file("empty.csv", b"")


@pytest.fixture
def binary_garbage(write_file: Callable[[str, bytes | str], Path]) -> Path:
    """Deterministic pseudo-random bytes including NULs, as a mis-named binary file looks."""
    data = bytes((i * 7919 + 13) % 256 for i in range(4096))
    return write_file("garbage.csv", data)


@pytest.fixture
def wide_line(write_file: Callable[[str, bytes | str], Path]) -> Path:
    """One line with 200,000 comma-separated columns."""
    return write_file("wide.csv", ",".join(["1"] * 200_000) + "\n")


@pytest.fixture
def deep_json(write_file: Callable[[str, bytes | str], Path]) -> Path:
    """Nesting far deeper than Python's recursion limit."""
    return write_file("deep.json", "[" * 100_000 + "]" * 100_000)
