"""The JSON nesting check: exact on hand-counted cases; on hostile ones it stops early and stays in bounded memory."""

from __future__ import annotations

import json
import sys
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_peak import baseline_mb, load_in_child

from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_json import load_json, nesting_depth


@pytest.mark.parametrize(
    "text, depth",
    [
        ("1", 0),
        ("[1, 2]", 1),
        ('[1, "[[", {"a": [2]}]', 3),
        ('["\\"[[[", [1]]', 2),  # an escaped quote does not end the string
        ('["\\\\", [1]]', 2),  # an escaped backslash does not escape the quote after it
        ('{"x": [[1, 2]], "labels": ["}}}", "]]"]}', 3),
    ],
)
def test_depth_by_hand(text: str, depth: int) -> None:
    assert nesting_depth(text.encode()) == depth


@pytest.mark.parametrize("chunk", [1, 2, 3, 5, 7])
@pytest.mark.parametrize(
    "text, depth",
    [
        ('["\\\\\\"[[", [[1]], "\\\\"]', 3),  # a string holding \\\"[[ then ]] and an escaped backslash
        ('[{"a": "[\\"]]]"}, [[[2]]]]', 4),
    ],
)
def test_depth_is_the_same_whatever_the_chunks(text: str, depth: int, chunk: int) -> None:
    assert nesting_depth(text.encode(), chunk=chunk) == depth == nesting_depth(text.encode())


@pytest.mark.parametrize(
    "data",
    [
        b'["' + b"a" * 2_000_000,  # an unterminated string: a backtracking regex would take seconds
        b'["a' * 500_000,
        b"[" * 1_000_000,
        b'{"x":' * 200_000,
    ],
)
def test_hostile_json_is_refused_in_bounded_memory(tmp_path: Path, data: bytes) -> None:
    """Beyond what imports cost, the child's peak is a few times the file (the bytes, a decoded copy) plus the
    depth scan's 1 MB chunk (~40 MB of index arrays); a Python object per bracket would cost 56 MB more."""
    with pytest.raises(SequenceError, match="^hostile.json: "):
        load_json(data, "hostile.json")
    if sys.platform == "linux":
        path = tmp_path / "hostile.json"
        path.write_bytes(data)
        load = load_in_child(path)
        assert load.code == 2 and load.message.startswith(f"{path}: ")
        assert load.peak_mb - baseline_mb() < 4 * len(data) / 2**20 + 45, load.peak_mb


def test_the_depth_scan_stops_at_the_first_chunk_past_the_limit() -> None:
    """Work bound: of 3 MB of brackets only the first 1 MB chunk is examined (a full scan would count 3 M)."""
    assert nesting_depth(b"[" * (3 << 20), limit=16) == 1 << 20
    assert nesting_depth(b"[" * (3 << 20)) == 3 << 20


def _reference_depth(text: str) -> int:
    """The documented rule as a character loop: a quote preceded by an odd run of backslashes does not count."""
    deepest = depth = 0
    in_string = escaped = False
    for char in text:
        if char == "\\":
            escaped = not escaped
            continue
        if char == '"' and not escaped:
            in_string = not in_string
        elif not in_string and char in "[{":
            depth += 1
            deepest = max(deepest, depth)
        elif not in_string and char in "]}":
            depth -= 1
        escaped = False
    return deepest


@settings(max_examples=300, deadline=None)
@given(text=st.text(alphabet='[]{}"\\a ', max_size=60), chunk=st.integers(1, 9))
def test_depth_matches_a_character_loop(text: str, chunk: int) -> None:
    assert nesting_depth(text.encode(), chunk=chunk) == _reference_depth(text)


nested = st.recursive(
    st.one_of(st.floats(allow_nan=False), st.text(alphabet='[]{}"\\ab', max_size=5)),
    lambda inner: st.lists(inner, max_size=3),
    max_leaves=20,
)


def _true_depth(value: object) -> int:
    return 1 + max((_true_depth(v) for v in value), default=0) if isinstance(value, list) else 0


@settings(max_examples=300, deadline=None)
@given(value=nested, chunk=st.integers(1, 9))
def test_depth_of_real_json(value: object, chunk: int) -> None:
    assert nesting_depth(json.dumps(value).encode(), chunk=chunk) == _true_depth(value)


@pytest.mark.parametrize("large", [False, True])
def test_a_key_named_twice_is_refused_not_read_as_its_last_value(tmp_path: Path, large: bool) -> None:
    """``json`` keeps the last of two equal keys: half of what the file says would vanish without a word."""
    padding = ', "pad": [' + ", ".join(["1"] * 400_000) + "]" if large else ""  # over 1 MB: the NumPy path
    data = ('{"x": [1, 2], "labels": ["a"], "x": [3, 4]' + padding + "}").encode()
    with pytest.raises(SequenceError, match=r"^s\.json: the JSON object names 'x' twice"):
        load_json(data, "s.json")
