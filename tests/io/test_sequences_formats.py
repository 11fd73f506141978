"""NumPy, JSON, text and stdin sequences; typed numbers; saving and reloading."""

from __future__ import annotations

import io
import json
import os
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from io_peak import baseline_mb, linux_only, load_in_child

from lstmviz.io.errors import SequenceError
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import (
    MISSING_POLICIES,
    SEQUENCE_SUFFIXES,
    load_sequence,
    parse_numbers,
    save_sequence,
    text_sequence,
)

Write = Callable[[str, bytes | str], Path]


def test_public_constants() -> None:
    assert MISSING_POLICIES == ("error", "interpolate", "ffill", "drop")
    assert {".csv", ".tsv", ".txt", ".json", ".npy", ".npz"} <= set(SEQUENCE_SUFFIXES)


@pytest.mark.parametrize("shape", [(5,), (5, 1), (5, 3)])
def test_npy_shapes(tmp_path: Path, shape: tuple[int, ...]) -> None:
    array = np.arange(np.prod(shape), dtype=np.float32).reshape(shape)
    np.save(tmp_path / "a.npy", array)
    seq = load_sequence(tmp_path / "a.npy")
    assert seq.values.shape == (5, 1 if len(shape) == 1 else shape[1])
    np.testing.assert_array_equal(seq.values.ravel(), np.arange(np.prod(shape)))
    assert seq.source == "a.npy"


def test_npz_one_or_several_arrays(tmp_path: Path) -> None:
    np.savez(tmp_path / "one.npz", signal=np.array([1.0, 2.0]))
    assert load_sequence(tmp_path / "one.npz").source == "one.npz [signal]"
    np.savez(tmp_path / "two.npz", a=np.array([1.0, 2.0]), b=np.array([[3, 4], [5, 6]]))
    with pytest.raises(SequenceError, match="two.npz: holds 2 arrays \\('a', 'b'\\); pick one with --key"):
        load_sequence(tmp_path / "two.npz")
    np.testing.assert_array_equal(load_sequence(tmp_path / "two.npz", key="b").values, [[3, 4], [5, 6]])
    with pytest.raises(SequenceError, match="there is no array 'c'"):
        load_sequence(tmp_path / "two.npz", key="c")


def test_npy_and_npz_from_stdin() -> None:
    buffer = io.BytesIO()
    np.save(buffer, np.array([[1.0, 2.0], [3.0, 4.0]]))
    np.testing.assert_array_equal(load_sequence("-", stdin_bytes=buffer.getvalue()).values, [[1, 2], [3, 4]])
    buffer = io.BytesIO()
    np.savez(buffer, x=np.array([7.0, 8.0]))
    np.testing.assert_array_equal(load_sequence("-", stdin_bytes=buffer.getvalue()).values[:, 0], [7, 8])


def test_broken_npy_from_stdin_names_stdin() -> None:
    with pytest.raises(SequenceError, match="^<stdin>"):
        load_sequence("-", stdin_bytes=b"\x93NUMPY\x01\x00garbage")


@pytest.mark.parametrize(
    "content, values",
    [
        ("[1, 2.5, -3]", [[1], [2.5], [-3]]),
        ("[[1, 2], [3, 4]]", [[1, 2], [3, 4]]),
        ('{"x": [0.5, 1.5]}', [[0.5], [1.5]]),
    ],
)
def test_json_shapes(write_file: Write, content: str, values: list[list[float]]) -> None:
    np.testing.assert_array_equal(load_sequence(write_file("s.json", content)).values, values)


def test_json_object_with_time_and_labels(write_file: Write) -> None:
    doc = {"x": [[1, 2], [3, 4], [5, 6]], "t": [1990, 1995, 2000], "labels": ["co2", "temp"], "time_label": "year"}
    seq = load_sequence(write_file("s.json", json.dumps(doc)))
    np.testing.assert_array_equal(seq.time, [1990, 1995, 2000])
    assert seq.input_labels == ("co2", "temp") and seq.time_label == "year"


def test_json_nulls_follow_the_missing_policy(write_file: Write) -> None:
    path = write_file("s.json", "[1, null, 3]")
    with pytest.raises(SequenceError, match="index 1.*--missing"):
        load_sequence(path)
    np.testing.assert_array_equal(load_sequence(path, missing="interpolate").values[:, 0], [1, 2, 3])


def test_stdin_table_json_and_text() -> None:
    np.testing.assert_array_equal(load_sequence("-", stdin_bytes=b"a,b\n1,2\n").values, [[1, 2]])
    np.testing.assert_array_equal(load_sequence("-", stdin_bytes=b" [1, 2]").values[:, 0], [1, 2])
    seq = load_sequence("-", stdin_bytes=b"to be or not")
    assert seq.vocabulary is not None and seq.text == "to be or not"
    with pytest.raises(SequenceError, match="<stdin>: no data"):
        load_sequence("-")


def test_text_file_is_read_as_one_hot_characters(write_file: Write) -> None:
    seq = load_sequence(write_file("poem.txt", "ab a\r\nb"))
    assert seq.text == "ab a\nb"
    assert seq.vocabulary == ("a", "b", " ", "\n")
    assert seq.input_labels == ("a", "b", "␣", "\\n")
    expected = np.zeros((6, 4))
    expected[[0, 1, 2, 3, 4, 5], [0, 1, 2, 0, 3, 1]] = 1
    np.testing.assert_array_equal(seq.values, expected)


def test_text_flag_reads_a_numeric_file_as_characters(write_file: Write) -> None:
    seq = load_sequence(write_file("digits.csv", "1,2\n"), text=True)
    assert seq.vocabulary == ("1", ",", "2", "\n")


def test_fixed_vocabulary_keeps_its_order_and_unused_characters(write_file: Write) -> None:
    seq = load_sequence(write_file("t.txt", "ba"), vocab="abc")
    np.testing.assert_array_equal(seq.values, [[0, 1, 0], [1, 0, 0]])
    assert seq.input_labels == ("a", "b", "c")


def test_text_sequence_labels_and_errors() -> None:
    seq = text_sequence("a\tb")
    assert seq.input_labels == ("a", "\\t", "b") and seq.source == "typed text"
    with pytest.raises(SequenceError, match="typed text: there is no text"):
        text_sequence("")
    with pytest.raises(SequenceError, match="lists 'a' twice"):
        text_sequence("a", vocab="aa")


@pytest.mark.parametrize(
    "typed, values",
    [
        ("0.1, 0.5 -1", [[0.1], [0.5], [-1]]),
        ("1 2\n3 4", [[1, 2], [3, 4]]),
        ("0,5; 1,5", [[0.5], [1.5]]),
        ("1e-3\n2\n", [[0.001], [2]]),
    ],
)
def test_parse_numbers(typed: str, values: list[list[float]]) -> None:
    seq = parse_numbers(typed)
    np.testing.assert_array_equal(seq.values, values)
    assert seq.source == "typed numbers"


@pytest.mark.parametrize(
    "typed, match",
    [
        ("", "nothing was typed"),
        ("1 x", "'x' is not a number"),
        ("1 2\n3", "line 2 has 1 numbers"),
        ("1 nan", "NaN"),
        ("1 inf", "finite"),
    ],
)
def test_parse_numbers_errors(typed: str, match: str) -> None:
    with pytest.raises(SequenceError, match=match):
        parse_numbers(typed)


def _sample() -> SequenceData:
    return SequenceData(
        values=np.array([[0.1, 1 / 3], [-2.5e-300, 1e300]]),
        time=np.array([2000.5, 2001.25]),
        time_label="year",
        input_labels=('a, quoted "b"', "c"),
        source="x",
    )


def test_save_and_reload_csv_is_exact(tmp_path: Path) -> None:
    seq = _sample()
    save_sequence(seq, tmp_path / "s.csv")
    assert (tmp_path / "s.csv").read_text().splitlines()[0] == 'year,"a, quoted ""b""",c'
    back = load_sequence(tmp_path / "s.csv")
    np.testing.assert_array_equal(back.values, seq.values)
    np.testing.assert_array_equal(back.time, seq.time)
    assert back.input_labels == seq.input_labels and back.time_label == "year"


def test_save_and_reload_json_and_npy(tmp_path: Path) -> None:
    seq = _sample()
    save_sequence(seq, tmp_path / "s.json")
    back = load_sequence(tmp_path / "s.json")
    np.testing.assert_array_equal(back.values, seq.values)
    np.testing.assert_array_equal(back.time, seq.time)
    assert back.input_labels == seq.input_labels and back.time_label == "year"
    save_sequence(seq, tmp_path / "s.npy")
    np.testing.assert_array_equal(np.load(tmp_path / "s.npy", allow_pickle=False), seq.values)


def test_save_errors(tmp_path: Path) -> None:
    with pytest.raises(SequenceError, match="s.xlsx: cannot save a sequence as .xlsx"):
        save_sequence(_sample(), tmp_path / "s.xlsx")
    with pytest.raises(SequenceError, match="cannot be written"):
        save_sequence(_sample(), tmp_path / "no" / "such" / "folder" / "s.csv")


def test_failed_save_keeps_the_old_file(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text("old")
    bad = SequenceData(values=np.array([[np.nan]]))
    with pytest.raises(SequenceError):
        save_sequence(bad, path)
    assert path.read_text() == "old"
    assert os.listdir(tmp_path) == ["s.json"]


def test_one_hot_size_limit(monkeypatch: pytest.MonkeyPatch) -> None:
    from lstmviz.io import seq_text

    monkeypatch.setattr(seq_text, "MAX_ONE_HOT_CELLS", 100)
    with pytest.raises(SequenceError, match="101 characters is too long"):
        text_sequence("a" * 101)
    with pytest.raises(SequenceError, match="30 characters x 4 vocabulary entries is too large"):
        text_sequence("abcd" * 7 + "ab")
    assert text_sequence("abcd" * 5).values.shape == (20, 4)


def test_columns_pick_inputs_of_arrays_and_json(tmp_path: Path) -> None:
    np.save(tmp_path / "a.npy", np.arange(6.0).reshape(2, 3))
    picked = load_sequence(tmp_path / "a.npy", columns=["2", "x0"])
    np.testing.assert_array_equal(picked.values, [[2, 0], [5, 3]])
    assert picked.input_labels == ("x2", "x0")
    (tmp_path / "s.json").write_text('{"x": [[1, 2], [3, 4]], "labels": ["co2", "temp"]}')
    np.testing.assert_array_equal(load_sequence(tmp_path / "s.json", columns=["temp"]).values, [[2], [4]])
    with pytest.raises(SequenceError, match='s.json: there is no column "rain"'):
        load_sequence(tmp_path / "s.json", columns=["rain"])


@linux_only
def test_a_long_text_costs_its_one_hot_values_and_little_more(tmp_path: Path) -> None:
    """6 million characters over 3 letters keep 151 MB of float64; finding the vocabulary and setting the ones
    used to add an 8-byte index per character three times over (1.9 times the values in all), now 1.25."""
    path = tmp_path / "long.txt"
    path.write_text("ab\n" * (1 << 21), encoding="utf-8")
    load = load_in_child(path)
    kept_mb = 3 * (1 << 21) * 3 * 8 / 2**20
    assert load.message == f"accepted ({3 << 21}, 3)"
    assert load.peak_mb - baseline_mb() < 1.5 * kept_mb, load.peak_mb


def test_one_hot_columns_follow_first_appearance_across_chunks(monkeypatch: pytest.MonkeyPatch) -> None:
    from lstmviz.io import seq_text

    monkeypatch.setattr(seq_text, "CHUNK", 3)  # the vocabulary is found a chunk at a time
    sequence = seq_text.text_sequence("bbbbbacbd")
    assert sequence.vocabulary == ("b", "a", "c", "d")
    expected = np.zeros((9, 4))
    expected[np.arange(9), ["bacd".index(c) for c in "bbbbbacbd"]] = 1.0
    np.testing.assert_array_equal(sequence.values, expected)
