"""Large named tables are read without holding their bytes, and read exactly as the whole-file reader reads them.

Over :data:`~lstmviz.io.seq_scan.STREAM_BYTES` a table is checked in one pass a chunk at a time and NumPy reads the
file itself; anything that pass or the fast path does not accept is read whole, as before. Here the threshold and
the chunk are shrunk so that small files of every shape take the large-file route, and chunks end mid-line.
"""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from io_peak import baseline_mb, linux_only, load_in_child

from lstmviz.io import seq_scan, seq_table
from lstmviz.io.errors import SequenceError
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
}


def _outcome(path: Path) -> SequenceData | str:
    try:
        return load_sequence(path)
    except SequenceError as error:
        return str(error)


@pytest.mark.parametrize("name", list(CASES))
def test_the_large_file_route_reads_what_the_whole_file_reader_reads(
    write_file: Write, monkeypatch: pytest.MonkeyPatch, name: str
) -> None:
    content = CASES[name]
    path = write_file("table.csv", content.encode() if isinstance(content, str) else content)
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
