"""The JSON nesting check: exact on hand-counted cases, fast on hostile ones."""

from __future__ import annotations

import time

import pytest

from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_json import load_json, nesting_depth


@pytest.mark.parametrize("text, depth", [
    ("1", 0),
    ("[1, 2]", 1),
    ('[1, "[[", {"a": [2]}]', 3),
    ('["\\"[[[", [1]]', 2),  # an escaped quote does not end the string
    ('["\\\\", [1]]', 2),  # an escaped backslash does not escape the quote after it
    ('{"x": [[1, 2]], "labels": ["}}}", "]]"]}', 3),
])
def test_depth_by_hand(text: str, depth: int) -> None:
    assert nesting_depth(text.encode()) == depth


@pytest.mark.parametrize("data", [
    b'["' + b"a" * 2_000_000,  # an unterminated string: a backtracking regex would take seconds
    b'["a' * 500_000,
    b"[" * 1_000_000,
    b'{"x":' * 200_000,
])
def test_hostile_json_is_refused_quickly(data: bytes) -> None:
    start = time.perf_counter()
    with pytest.raises(SequenceError, match="^hostile.json: "):
        load_json(data, "hostile.json")
    assert time.perf_counter() - start < 1.0
