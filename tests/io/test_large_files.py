"""Large named tables and JSON files are read without holding their bytes, and read exactly as from their bytes.

Over :data:`~lstmviz.io.seq_scan.STREAM_BYTES` a table is checked in one pass a chunk at a time and NumPy reads the
file itself; anything that pass or the fast path does not accept is read whole, as before. Here the threshold and
the chunk are shrunk so that small files of every shape take the large-file route, and chunks end mid-line. A JSON
file over 1 MB is mapped, not read, and each pass gives back the pages it has passed (:mod:`lstmviz.io.mapped`).
The peaks are measured in a fresh process against twice the float64 kept plus what the imports cost.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from io_peak import baseline_mb, linux_only, load_in_child

from lstmviz.io import seq_scan, seq_table
from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_json import load_json
from lstmviz.io.seq_table import load_large_table
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import load_sequence

Write = Callable[[str, bytes | str], Path]

PLAIN = "".join(f"{k},{k * 0.5:.3f},{-k}\n" for k in range(40))
CASES = {
    "plain": PLAIN,
    "header": "a,b,c\n" + PLAIN,
    "time column": "t,x\n" + "".join(f"{k * 0.1:.1f},{k}\n" for k in range(30)),
    "dates": "date,x\n" + "".join(f"2020-01-{k + 1:02d},{k}\n" for k in range(28)),
    "dates with an extra cell": "date,x\n2020-01-01,1\n2020-01-02,2,9\n2020-01-03,3\n",
    "crlf": PLAIN.replace("\n", "\r\n"),
    "cr only": PLAIN.replace("\n", "\r"),
    "bom": "\ufeffa,b,c\n" + PLAIN,
    "comments and blanks": "# made by hand\n\na,b,c\n" + PLAIN.replace("\n5,", "\n# note\n\n5,", 1),
    "semicolons": PLAIN.replace(",", ";"),
    "tabs": PLAIN.replace(",", "\t"),
    "spaces": PLAIN.replace(",", "  "),
    "decimal comma": PLAIN.replace(",", ";").replace(".", ","),
    "a word": "a,b\n1,2\n3,x\n5,6\n",
    "a missing cell": "a,b\n1,2\n3,\n5,6\n",
    "ragged": "a,b\n1,2\n3,4,5\n5,6\n",
    "nan": "a,b\n1,2\n3,nan\n",
    "overflow": "a,b\n1,2\n3,1e999\n",
    "quotes": 'a,b\n1,"2"\n3,4\n',
    "unclosed quote": 'a,b\n1,"2\n3,4\n',
    "nul": "a,b\n1,2\n3,\x004\n",
    "not utf-8": b"a,b\n1,2\n3,4\n" + b"\xe9,5\n",
    "long line": "a,b\n1,2\n3," + "7" * (1 << 20) + "\n",
    "header only": "a,b\n",
    "only comments": "# nothing\n",
    "prose": "the quick brown fox\njumps over the lazy dog\n" * 3,  # a .txt of words is read as characters
}


def _outcome(path: Path) -> SequenceData | str:
    try:
        return load_sequence(path)
    except SequenceError as error:
        return str(error)


@pytest.mark.parametrize("suffix", [".csv", ".txt"])
@pytest.mark.parametrize("name", list(CASES))
def test_the_large_file_route_reads_what_the_whole_file_reader_reads(
    write_file: Write, monkeypatch: pytest.MonkeyPatch, name: str, suffix: str
) -> None:
    content = CASES[name]
    path = write_file("table" + suffix, content.encode() if isinstance(content, str) else content)
    whole = _outcome(path)
    monkeypatch.setattr(seq_scan, "STREAM_BYTES", 0)
    monkeypatch.setattr(seq_scan, "CHUNK", 7)  # chunks end mid-line and mid-number
    large = _outcome(path)
    if isinstance(whole, str):
        assert large == whole
        return
    assert isinstance(large, SequenceData), large
    np.testing.assert_array_equal(large.values, whole.values)
    assert large.input_labels == whole.input_labels
    assert large.time_label == whole.time_label
    assert large.notices == whole.notices
    assert large.source == whole.source
    if whole.time is None:
        assert large.time is None
    else:
        np.testing.assert_array_equal(large.time, whole.time)


TAKEN = ["plain", "header", "time column", "dates", "crlf", "cr only", "bom", "comments and blanks", "tabs", "spaces"]


@pytest.mark.parametrize("name", TAKEN)
def test_plain_numbers_take_the_large_file_route(write_file: Write, monkeypatch: pytest.MonkeyPatch, name: str) -> None:
    path = write_file("table.csv", CASES[name])
    monkeypatch.setattr(seq_scan, "STREAM_BYTES", 0)
    monkeypatch.setattr(seq_scan, "CHUNK", 7)
    assert load_large_table(str(path), str(path)) is not None
    # What a .txt's first bytes say decides: a table is read, prose is left to the text reader.
    assert load_large_table(str(path), str(path), is_table=lambda head: False) is None


def test_a_file_that_grows_after_the_scan_is_read_whole(write_file: Write, monkeypatch: pytest.MonkeyPatch) -> None:
    path = write_file("table.csv", PLAIN)
    monkeypatch.setattr(seq_scan, "STREAM_BYTES", 0)
    scan = seq_table.scan_table

    def scan_then_grow(*args: str | int) -> seq_scan.Scan | None:
        found = scan(*args)  # type: ignore[arg-type]
        with path.open("a") as stream:
            stream.write("40,20.0,-40\n")
        return found

    monkeypatch.setattr(seq_table, "scan_table", scan_then_grow)
    assert load_sequence(path).values.shape == (41, 3)  # the bytes on disk, all of them


def _write_numbers(path: Path, rows: int) -> int:
    """A CSV of ``rows`` x 4 numbers with a header, like a spreadsheet's export; returns the float64 bytes kept."""
    values = np.random.default_rng(0).standard_normal((rows, 4))
    with path.open("w") as stream:
        stream.write("a,b,c,d\n")
        for begin in range(0, rows, 100_000):
            np.savetxt(stream, values[begin : begin + 100_000], fmt="%.6f", delimiter=",")
    return values.nbytes


@linux_only
def test_a_large_csv_of_numbers_peaks_under_twice_its_numbers_plus_the_baseline(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    kept_mb = _write_numbers(path, 800_000) / (1 << 20)  # 30 MB of text, 24.4 MB of float64
    assert path.stat().st_size > 28 << 20
    load = load_in_child(path)
    assert load.code == 0 and "(800000, 4)" in load.message, load.message
    # Holding the file's bytes while NumPy parsed it peaked at baseline + 63 MB (2.6x the numbers).
    assert load.peak_mb <= baseline_mb() + 2 * kept_mb + 4, (load.peak_mb, kept_mb)


JSON_CASES = {
    "flat": json.dumps([round(k * 0.001, 3) for k in range(300_000)]),
    "rows": json.dumps([[k, -k * 0.5, None] for k in range(150_000)]),
    "object": json.dumps({"x": [[k, k + 1] for k in range(120_000)], "t": list(range(120_000)), "labels": ["a", "b"]}),
    "bom": "\ufeff" + json.dumps(list(range(300_000))),
    "a word at the end": json.dumps(list(range(300_000)))[:-1] + ", true]",
    "ragged at the end": json.dumps([[k, k] for k in range(150_000)])[:-1] + ", [1]]",
    "two commas": json.dumps(list(range(300_000))).replace(", 7", ",, 7", 1),
    "a string with brackets": json.dumps({"x": list(range(300_000)), "note": "[1, 2, 3]" * 100}),
}


@pytest.mark.parametrize("name", list(JSON_CASES))
def test_a_mapped_json_file_reads_as_its_bytes_do(write_file: Write, name: str) -> None:
    path = write_file("big.json", JSON_CASES[name])
    assert path.stat().st_size > 1 << 20
    try:
        expected: SequenceData | str = load_json(path.read_bytes(), str(path), missing="keep")
    except SequenceError as error:
        expected = str(error)
    mapped = _outcome_with(path, missing="keep")
    if isinstance(expected, str):
        assert mapped == expected
        return
    assert isinstance(mapped, SequenceData), mapped
    np.testing.assert_array_equal(mapped.values, expected.values)
    assert mapped.input_labels == expected.input_labels and mapped.notices == expected.notices


def _outcome_with(path: Path, **kwargs: str) -> SequenceData | str:
    try:
        return load_sequence(path, **kwargs)
    except SequenceError as error:
        return str(error)


@linux_only
@pytest.mark.parametrize("shape", [(700_000, 4), (2_800_000,)])
def test_a_large_json_of_numbers_peaks_under_twice_its_numbers_plus_the_baseline(
    tmp_path: Path, shape: tuple[int, ...]
) -> None:
    path = tmp_path / "big.json"
    values = np.random.default_rng(0).standard_normal(shape).round(6)
    with path.open("w") as stream:  # written a slice at a time: the test's own process stays small too
        stream.write("[")
        for begin in range(0, shape[0], 100_000):
            part = json.dumps(values[begin : begin + 100_000].tolist())[1:-1]
            stream.write(("," if begin else "") + part)
        stream.write("]")
    assert path.stat().st_size > 27 << 20  # 28 to 29 MB of text
    kept_mb = values.nbytes / (1 << 20)  # 21.4 MB
    load = load_in_child(path)
    assert load.code == 0 and str(values.reshape(len(values), -1).shape) in load.message, load.message
    # Holding the file's bytes (and a row number per row) peaked at baseline + 86 MB (rows) and + 105 MB (flat).
    assert load.peak_mb <= baseline_mb() + 2 * kept_mb + 4, (load.peak_mb, kept_mb)
