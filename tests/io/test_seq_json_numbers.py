"""Large JSON read without a Python object per number: the same numbers as ``json``, refusals in one line,
and memory measured in a child process."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from io_peak import baseline_mb, linux_only, load_in_child

from lstmviz.io import seq_json, seq_json_numbers
from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_json import load_json


@pytest.fixture
def tiny_blocks(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every file takes the large-file path, with arrays of a few bytes and blocks of 128 bytes (many boundaries)."""
    monkeypatch.setattr(seq_json, "SMALL_JSON_BYTES", 0)
    monkeypatch.setattr(seq_json_numbers, "MIN_RUN", 4)
    monkeypatch.setattr(seq_json_numbers, "BLOCK", 128)
    monkeypatch.setattr(seq_json_numbers, "SCAN_CHUNK", 7)


def _reference(document: object) -> np.ndarray:
    """What ``json`` plus NumPy give, null as NaN: the numbers the large path must reproduce."""
    x = document["x"] if isinstance(document, dict) else document
    array = np.array(
        [[np.nan if v is None else v for v in (row if isinstance(row, list) else [row])] for row in x], dtype=np.float64
    )
    return array


def test_a_large_list_of_rows_is_the_same_as_json_reads_it() -> None:
    rng = np.random.default_rng(3)
    x = rng.normal(size=(120_000, 3)) * 10.0 ** rng.integers(-5, 5, size=(120_000, 3))
    document = {"labels": ["a", "b", "c"], "x": x.tolist(), "t": list(range(120_000)), "time_label": "year"}
    data = json.dumps(document, indent=1).encode()  # pretty-printed: rows broken over lines
    assert len(data) > seq_json_numbers.SMALL_JSON_BYTES
    seq = load_json(data, "big.json")
    assert np.array_equal(seq.values, x) and np.array_equal(seq.time, np.arange(120_000.0))
    assert seq.input_labels == ("a", "b", "c") and seq.time_label == "year"


def test_a_large_flat_list_with_nulls_and_nan() -> None:
    values = [0.5 * k if k % 1000 else None for k in range(300_000)]
    data = json.dumps(values).replace("null", "NaN", 10).encode()  # the first ten missing values as NaN
    seq = load_json(data, "flat.json", missing="interpolate")
    assert seq.values.shape == (300_000, 1)
    assert seq.values[1, 0] == 0.5 and seq.values[1000, 0] == pytest.approx(500.0)


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    rows=st.lists(
        st.lists(
            st.one_of(
                st.none(), st.floats(allow_nan=False, allow_infinity=False, width=64), st.integers(-(10**6), 10**6)
            ),
            min_size=1,
            max_size=4,
        ),
        min_size=1,
        max_size=12,
    ),
    flat=st.booleans(),
    wrap=st.booleans(),
    indent=st.sampled_from([None, 0, 2]),
)
def test_the_large_path_reads_what_json_reads(
    tiny_blocks: None, rows: list[list[float | None]], flat: bool, wrap: bool, indent: int | None
) -> None:
    """Random documents (ragged ones too): the block reader accepts exactly what ``json`` accepts, same numbers."""
    x = [row[0] for row in rows] if flat else rows
    document = {"x": x, "labels": None} if wrap else x
    text = json.dumps(document, indent=indent)
    try:
        expected = _reference(document)
        ok = len({len(r) for r in rows}) == 1 or flat
    except ValueError:
        ok = False
    try:
        seq = load_json(text.encode(), "p.json", missing="ffill" if ok else "error")
    except SequenceError as error:
        assert str(error).startswith("p.json: ") and "\n" not in str(error)
        assert not ok or np.isnan(expected).any()
        return
    assert ok
    present = ~np.isnan(expected)
    assert np.array_equal(seq.values[present], expected[present])


@pytest.mark.parametrize(
    "text, match",
    [
        ("[[1, 2], [3, 4], [5]]", r"the list\[2\] has 1 values, but the list\[0\] has 2"),
        ('{"x": [[1, 2], [3, 4, 5]]}', r"x\[1\] has 3 values, but x\[0\] has 2"),
        ("[1, 2,, 3, 4, 5]", "a value is missing between commas"),
        ("[1, 2 3, 4, 5, 6]", "two values have no comma between them"),
        ("[[1, 2], [], [3, 4]]", r"the list\[1\] has 0 values, but the list\[0\] has 2"),
        ("[[1], [ ], [3], [4]]", "a row is empty"),
        ("[[], [1], [3], [4]]", r"the list\[0\] is an empty row"),
        ("[1, 2, nul, 3, 4]", "a word that is not a number"),
        ("[1, 2, 1e, 3, 4]", "not a JSON number"),
        ("[1, 2, 1e999, 3, 4]", r"the list\[2\]: the number is too large"),
        ("[1, 2, Infinity, 3]", "Infinity is not allowed"),
        (" \n" * 40, "the file is empty"),
        ("[1, 2, +1, 3, 4]", "not a JSON number"),  # NumPy reads these four; JSON does not write them
        ("[1, 2, .5, 3, 4]", "not a JSON number"),
        ("[[1, 2], [3, 1.], [5, 6]]", "not a JSON number"),
        ("[1, 2, -01, 3, 4]", "not a JSON number"),
        ('[1, 2, "3", 4, 5]', "not a number"),
    ],
)
def test_large_path_refusals_are_one_line(tiny_blocks: None, text: str, match: str) -> None:
    with pytest.raises(SequenceError, match=match) as info:
        load_json(text.encode(), "bad.json")
    assert str(info.value).startswith("bad.json: ") and "\n" not in str(info.value)


def test_json_numbers_in_every_form_json_allows(tiny_blocks: None) -> None:
    text = "[0, -0, 10, 0.5, -0.25, 1e05, 1E+2, 2.5e-3, -0.0e0, 100, 0]"
    assert load_json(text.encode(), "forms.json").values[:, 0].tolist() == json.loads(text)


def test_an_array_written_inside_a_string_stays_a_string(tiny_blocks: None) -> None:
    seq = load_json(b'{"note": "[1, 2, 3, 4, 5]", "x": [[1, 2], [3, 4]], "labels": ["a\\"[1,2,3]", "b"]}', "s.json")
    assert seq.values.tolist() == [[1, 2], [3, 4]] and seq.input_labels == ('a"[1,2,3]', "b")


def test_too_much_json_besides_numbers_is_refused() -> None:
    data = json.dumps({"x": [1, 2], "notes": ["words"] * 2_000_000}).encode()
    with pytest.raises(SequenceError, match="holds more than 16.0 MB of JSON other than lists of numbers"):
        load_json(data, "notes.json")


@linux_only
@pytest.mark.parametrize("rows", [False, True])
def test_large_json_costs_its_bytes_and_its_floats_not_a_python_object_per_number(tmp_path: Path, rows: bool) -> None:
    """40 MB of numbers: ``json.loads`` alone would take ~300 MB (as rows ~600 MB); the limit is the file's bytes,
    the float64 result and 40 MB of blocks and copies."""
    rng = np.random.default_rng(0)
    x = rng.random((1_000_000, 2)) if rows else rng.random((2_000_000, 1))
    path = tmp_path / "large.json"
    path.write_text(json.dumps(x.tolist() if rows else x[:, 0].tolist()))
    load = load_in_child(path)
    assert load.code == 0, load.message
    file_mb, floats_mb = path.stat().st_size / 2**20, x.nbytes / 2**20
    assert load.peak_mb - baseline_mb() < file_mb + 2 * floats_mb + 40, (load.peak_mb, file_mb)


@linux_only
def test_a_large_file_of_strings_is_refused_in_bounded_memory(tmp_path: Path) -> None:
    path = tmp_path / "strings.json"
    path.write_text(json.dumps({"x": ["word"] * 8_000_000}))  # 64 MB: json.loads would hold 8 M list slots
    load = load_in_child(path)
    assert load.code == 2 and "other than lists of numbers" in load.message
    assert load.peak_mb - baseline_mb() < path.stat().st_size / 2**20 + 40, load.peak_mb


@pytest.mark.parametrize(
    "encoding, bom",
    [
        ("utf-8", b"\xef\xbb\xbf"),
        ("utf-16-le", b"\xff\xfe"),
        ("utf-16-be", b"\xfe\xff"),
        ("utf-32-le", b"\xff\xfe\x00\x00"),
        ("utf-32-be", b"\x00\x00\xfe\xff"),
    ],
)
def test_a_large_file_with_a_byte_order_mark(encoding: str, bom: bytes) -> None:
    x = np.arange(200_000, dtype=np.float64).reshape(-1, 2) / 8
    data = bom + json.dumps({"x": x.tolist(), "labels": ["é", "ß"]}).encode(encoding)
    seq = load_json(data, "bom.json")
    assert np.array_equal(seq.values, x) and seq.input_labels == ("é", "ß")


def test_many_arrays_inside_strings_stay_strings(tiny_blocks: None) -> None:
    """Strings that look like arrays, with escaped quotes among them: none is taken for a value."""
    notes = [f'[{k}, {k + 1}, {k + 2}] \\" [{k}, 5]' for k in range(300)]
    text = '{"notes": [' + ", ".join(f'"{n}"' for n in notes) + '], "x": [[1, 2], [3, 4]], "t": [5, 6]}'
    seq = load_json(text.encode(), "notes.json")
    assert seq.values.tolist() == [[1, 2], [3, 4]] and seq.time.tolist() == [5, 6]


def test_rows_that_all_close_before_a_block_boundary_followed_by_spaces(tiny_blocks: None) -> None:
    """The last row closes before the block's end and only spaces follow it: one block, not "a row is too long"."""
    text = "[" + "[1, 2], " * 14 + "[3, 4]" + " " * 30 + "]"
    seq = load_json(text.encode(), "spaces.json")
    assert seq.values.tolist() == [[1, 2]] * 14 + [[3, 4]]
