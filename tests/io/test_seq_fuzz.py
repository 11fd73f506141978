"""Fuzzing the table and JSON readers: any bytes give a SequenceData or a SequenceError, never another exception."""

from __future__ import annotations

import json
import os

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_json import load_json
from lstmviz.io.seq_table import load_table
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import load_sequence

# LSTMVIZ_FUZZ_EXAMPLES=4000 for a long local run (passed at 4,000 when written).
FUZZ = settings(
    max_examples=int(os.environ.get("LSTMVIZ_FUZZ_EXAMPLES", "200")),
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
)

# Bytes biased toward what tables and JSON are made of, so the fuzzer gets past the first line.
TABLE_ALPHABET = list(b'0123456789.,;\t \n\r-+eEaNnIif"#xyz') + [0, 0xEF, 0xBB, 0xBF, 0xFF, 0xFE, 0xC3]
JSON_ALPHABET = list(b'[]{}",:0123456789.-+eE nulltrufasxNIaiy\n') + [0, 0xFF]


def _table_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300), st.lists(st.sampled_from(TABLE_ALPHABET), max_size=300).map(bytes))


def _json_bytes() -> st.SearchStrategy[bytes]:
    return st.one_of(st.binary(max_size=300), st.lists(st.sampled_from(JSON_ALPHABET), max_size=300).map(bytes))


def _holds(result: SequenceData) -> None:
    assert result.values.ndim == 2 and result.steps >= 1 and np.isfinite(result.values).all()
    assert len(result.input_labels) == result.input_size


@FUZZ
@given(data=_table_bytes(), missing=st.sampled_from(["error", "interpolate", "ffill", "drop"]))
def test_table_reader_never_crashes(data: bytes, missing: str) -> None:
    try:
        _holds(load_table(data, "fuzz.csv", missing=missing))
    except SequenceError as exc:
        assert str(exc).startswith("fuzz.csv: ") and "\n" not in str(exc)


@FUZZ
@given(data=_json_bytes(), missing=st.sampled_from(["error", "interpolate", "ffill", "drop"]))
def test_json_reader_never_crashes(data: bytes, missing: str) -> None:
    try:
        _holds(load_json(data, "fuzz.json", missing=missing))
    except SequenceError as exc:
        assert str(exc).startswith("fuzz.json: ")


@FUZZ
@given(data=_table_bytes())
def test_content_sniffing_from_stdin_never_crashes(data: bytes) -> None:
    try:
        _holds(load_sequence("-", stdin_bytes=data, missing="drop"))
    except SequenceError:
        pass


finite = st.floats(allow_nan=False, allow_infinity=False, width=64)


@FUZZ
@given(
    rows=st.integers(1, 20).flatmap(
        lambda d: st.lists(st.lists(finite, min_size=d, max_size=d), min_size=1, max_size=30)
    ),
    delimiter=st.sampled_from([",", "\t", " ", ";"]),
    crlf=st.booleans(),
)
def test_any_table_of_floats_reads_back_exactly(rows: list[list[float]], delimiter: str, crlf: bool) -> None:
    newline = "\r\n" if crlf else "\n"
    # Decimal commas only where semicolons separate cells (a lone "0,5" column is read as two cells, by design).
    european = delimiter == ";" and len(rows[0]) > 1
    cells = [[repr(v).replace(".", ",") if european else repr(v) for v in row] for row in rows]
    text = newline.join(delimiter.join(row) for row in cells) + newline
    seq = load_table(text.encode(), "floats.csv")
    np.testing.assert_array_equal(seq.values, np.array(rows))


@FUZZ
@given(rows=st.lists(st.lists(finite, min_size=2, max_size=2), min_size=1, max_size=30))
def test_any_json_of_floats_reads_back_exactly(rows: list[list[float]]) -> None:
    seq = load_json(json.dumps({"x": rows}).encode(), "floats.json")
    np.testing.assert_array_equal(seq.values, np.array(rows))


@FUZZ
@given(
    rows=st.integers(1, 6).flatmap(
        lambda d: st.lists(st.lists(finite, min_size=d, max_size=d), min_size=1, max_size=20)
    ),
    header=st.booleans(),
    delimiter=st.sampled_from([",", "\t", ";", " "]),
    days=st.one_of(st.none(), st.lists(st.integers(-100_000, 100_000), min_size=30, max_size=30)),
)
def test_fast_and_careful_paths_agree(
    rows: list[list[float]], header: bool, delimiter: str, days: list[int] | None
) -> None:
    from lstmviz.io.seq_table import _careful_table

    width = len(rows[0])
    dates = [str(np.datetime64("2000-01-01") + d) for d in days] if days else []
    lines = (
        [delimiter.join(["t", *(f"c{k}" for k in range(1, width))] + (["day"] if days else []))] if header else []
    ) + [delimiter.join([repr(v) for v in row] + dates[k : k + 1] * bool(days)) for k, row in enumerate(rows)]
    data = ("\n".join(lines) + "\n").encode()
    outcomes = []
    for load in (lambda: load_table(data, "same.csv"), lambda: _careful_table(data, "same.csv", None, "error")):
        try:
            seq = load()
            outcomes.append(
                (seq.values.tolist(), None if seq.time is None else seq.time.tolist(), seq.input_labels, seq.time_label)
            )
        except SequenceError as exc:
            outcomes.append(str(exc))
    assert outcomes[0] == outcomes[1]
