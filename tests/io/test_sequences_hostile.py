"""Hostile sequence files: each is refused with one sentence naming the file and the problem, in bounded work.

No wall-clock limits: the bounds are on what is read (the size check comes before any byte) and on memory (a
child process's peak, or tracemalloc's).
"""

from __future__ import annotations

import codecs
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from io_peak import baseline_mb, linux_only, load_in_child

from lstmviz.io import seq_decode
from lstmviz.io.errors import SequenceError
from lstmviz.io.sequences import load_sequence

Write = Callable[[str, bytes | str], Path]


def refuse(path: Path | str, match: str, **kwargs: object) -> str:
    """Load, expect a SequenceError matching ``match`` on one line naming the file."""
    with pytest.raises(SequenceError, match=match) as info:
        load_sequence(path, **kwargs)  # type: ignore[arg-type]
    message = str(info.value)
    assert "\n" not in message
    assert Path(path).name in message or str(path) == "-"
    return message


def test_empty_file(empty_file: Path) -> None:
    refuse(empty_file, "the file is empty")


@pytest.mark.parametrize("content", ["\n\n  \n", "# only a comment\n"])
def test_blank_or_comment_only(write_file: Write, content: str) -> None:
    refuse(write_file("blank.csv", content), "empty|no data")


def test_header_without_rows(write_file: Write) -> None:
    refuse(write_file("header.csv", "year,value\r\n"), "header row but no data rows")


def test_ragged_row_is_named(write_file: Write) -> None:
    refuse(write_file("ragged.csv", "a,b,c\n1,2,3\n4,5\n6,7,8\n"), "row 3 has 2 values, but the header has 3")


@pytest.mark.parametrize(
    ("content", "line"),
    [
        ('1,"2\n3,4', 1),  # not two rows: the quote never closes
        ('a,"b\n1,2\n3,4\n', 1),  # in the header, which the fast path would skip
        ('1,2\n3,"4\n5,6\n', 2),
        ('# note\n\n1;"2,5\n', 3),  # line numbers count comments and blank lines, as an editor does
    ],
)
def test_a_quote_never_closed_is_refused_by_its_line(write_file: Write, content: str, line: int) -> None:
    message = refuse(write_file("quote.csv", content), f"line {line}: a quoted field is never closed$")
    assert message.endswith(f"quote.csv: line {line}: a quoted field is never closed")


def test_a_quote_never_closed_fails_the_command_line_in_one_line(
    write_file: Write, capsys: pytest.CaptureFixture[str]
) -> None:
    from lstmviz.cli.main import main

    path = write_file("quote.csv", '1,"2\n3,4')
    assert main(["info", str(path)]) == 2
    err = capsys.readouterr().err
    assert err.splitlines() == [f"lstmviz: {path}: line 1: a quoted field is never closed"]


@pytest.mark.parametrize(
    ("content", "cells"),
    [('x,"y"" z"\n1,2\n', ("x", 'y" z')), ('5",3\n1,2\n', ('5"', "3")), ('"a" b,1\n2,3\n', ("a b", "1"))],
)
def test_closed_and_unopened_quotes_still_read(write_file: Write, content: str, cells: tuple[str, ...]) -> None:
    seq = load_sequence(write_file("quote.csv", content))
    assert seq.input_labels == cells
    assert seq.values.tolist() == [[float(v) for v in content.splitlines()[1].split(",")]]


def test_word_in_a_numeric_column(write_file: Write) -> None:
    msg = refuse(write_file("words.csv", "a,price\n1,2\n2,3\n3,abc\n4,5\n"), 'row 4, column "price"')
    assert "'abc' is not a number" in msg


def test_binary_garbage(binary_garbage: Path) -> None:
    refuse(binary_garbage, "binary file")


def test_nul_bytes_in_a_text_looking_file(write_file: Write) -> None:
    refuse(write_file("nul.txt", b"hello\x00world\n"), "binary file")


@pytest.mark.parametrize(
    "cell, match",
    [
        ("nan", 'missing value in row 3 \\(column "b"\\)'),
        ("inf", 'row 3, column "b": the value is inf'),
        ("-Infinity", 'row 3, column "b": the value is -inf'),
    ],
)
def test_nan_and_inf_named_by_row_and_column(write_file: Write, cell: str, match: str) -> None:
    refuse(write_file("nonfinite.csv", f"a,b\n1,2\n3,{cell}\n"), match)


def test_overflow(write_file: Write) -> None:
    refuse(write_file("overflow.csv", "a,b\n1,2\n3,1e999\n"), 'row 3, column "b": 1e999 is too large')


def test_two_hundred_thousand_columns(wide_line: Path) -> None:
    refuse(wide_line, "200,000 columns; lstmviz reads at most 10,000")


def test_wide_line_after_normal_lines(write_file: Write) -> None:
    lines = ["1,2"] * 40 + [",".join(["1"] * 200_000)]
    refuse(write_file("late_wide.csv", "\n".join(lines) + "\n"), "more than 10,000 columns")


def test_deeply_nested_json(deep_json: Path) -> None:
    refuse(deep_json, "nested more than 16 levels deep")


def test_over_the_size_limit_is_refused_before_reading(
    write_file: Write, small_file_limit: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    def no_reading(*args: object) -> bytes:
        raise AssertionError("the file was read")

    monkeypatch.setattr(seq_decode, "_read_bounded", no_reading)  # the one place a file's bytes are read
    refuse(write_file("big.csv", "1\n" * 2000), "over the 1.0 KB limit")


def test_stdin_over_the_limit(small_file_limit: int) -> None:
    refuse("-", "<stdin>: the input is .* over the 1.0 KB limit", stdin_bytes=b"1\n" * 2000)


def test_missing_file_and_folder(tmp_path: Path) -> None:
    refuse(tmp_path / "nope.csv", "no such file")
    refuse(tmp_path, "is a folder")


def test_invalid_json(write_file: Write) -> None:
    refuse(write_file("bad.json", '{"x": [1, 2,'), "not valid JSON \\(line 1")


@pytest.mark.parametrize(
    "content, match",
    [
        ("[1, 1e999]", "the list\\[1\\]: the number is too large"),
        ("[[1, 2], [3, 1" + "0" * 400 + "]]", "the list\\[1\\]\\[1\\]: the number is too large"),
        ('["[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[[", 1]', 'the list\\[0\\]: "\\[\\[\\['),
        ('[1, "\\"[[[[[[[[[[[[[[[[[[[[[[[[[[[["]', "is not a number"),
        ("[1, Infinity]", "Infinity is not allowed"),
        ('[1, "2"]', 'the list\\[1\\]: "2" is not a number'),
        ("[[1, 2], [3]]", "has 1 values, but the list\\[0\\] has 2"),
        ('{"t": [1]}', 'no "x"'),
        ('{"x": [1, 2], "t": [1]}', '"t" must be one number per step'),
        ("[]", "empty list"),
        ("[1, true]", "true is not a number"),
        ("[" + "9" * 5000 + "]", "too large|not valid JSON"),
    ],
)
def test_bad_json_content(write_file: Write, content: str, match: str) -> None:
    refuse(write_file("bad.json", content), match)


def test_pickled_object_npy_is_refused_without_unpickling(tmp_path: Path) -> None:
    path = tmp_path / "objects.npy"
    np.save(path, np.array([{"a": 1}, None], dtype=object), allow_pickle=True)
    refuse(path, "objects.npy")


def test_npy_header_claiming_a_trillion_elements(tmp_path: Path) -> None:
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += " " * (118 - len(header)) + "\n"
    path = tmp_path / "liar.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64)
    refuse(path, "liar.npy")


def test_npz_that_is_not_a_zip(write_file: Write) -> None:
    refuse(write_file("fake.npz", b"PK\x03\x04 not really a zip"), "fake.npz")


def test_npz_with_a_non_array_member(tmp_path: Path) -> None:
    path = tmp_path / "odd.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("script.py", "print('hi')")
    refuse(path, "odd.npz")


@pytest.mark.parametrize(
    "array, match",
    [
        (np.zeros((2, 3, 4)), "shape \\(2, 3, 4\\)"),
        (np.array(["a", "b"]), "a sequence needs real numbers"),
        (np.array([1 + 2j]), "a sequence needs real numbers"),
        (np.zeros((0, 3)), "holds no values"),
        (np.array([[1.0, np.nan]]), 'missing value in index 0 \\(column "x1"\\)'),
        (np.array([1.0, np.inf]), 'index 1, column "x": the value is inf'),
    ],
)
def test_arrays_that_are_not_sequences(tmp_path: Path, array: np.ndarray, match: str) -> None:
    path = tmp_path / "arr.npy"
    np.save(path, array)
    refuse(path, match)


def test_text_outside_fixed_vocabulary(write_file: Write) -> None:
    refuse(write_file("t.txt", "abcx"), "character 'x' at position 3 is not in the vocabulary 'abc'", vocab="abc")


def test_a_failed_load_leaves_the_file_and_folder_alone(write_file: Write) -> None:
    path = write_file("ragged.csv", "a,b\n1\n")
    before = sorted(p.name for p in path.parent.iterdir()), path.read_bytes()
    refuse(path, "row 2")
    assert (sorted(p.name for p in path.parent.iterdir()), path.read_bytes()) == before


@pytest.mark.parametrize(
    "name, content",
    [
        ("wide.csv", b"1," * 1_000_000),
        ("deep.json", b"[" * 2_000_000),
        ("quotes.json", b'"' * 2_000_000),
        ("garbage.csv", bytes(range(256)) * 8_000),
        ("words.csv", b"a,b\n" + b"1,2\n" * 200_000 + b"3,x\n"),
        ("ragged.txt", b"1 2\n" * 200_000 + b"3\n"),
    ],
)
def test_hostile_files_use_memory_in_proportion_to_their_size(write_file: Write, name: str, content: bytes) -> None:
    import tracemalloc

    path = write_file(name, content)
    tracemalloc.start()
    try:
        with pytest.raises(SequenceError):
            load_sequence(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 40 * len(content) + (8 << 20)


LONG = 3 << 20  # a 3 MB line: over the 1 MB line limit, under the file limit


@pytest.mark.parametrize(
    "name, content, line",
    [
        ("field.csv", b"a,b\n1," + b"x" * LONG + b"\n2,3\n", 2),
        ("quoted.csv", b'a,b\n1,2\n3,"' + b"x" * LONG + b'"\n', 3),  # over csv's own 131,072-character field limit
        ("digits.csv", b"a,b\n1,2\n3," + b"7" * LONG + b"\n", 3),
        ("no_newline.csv", b"1," * (LONG // 2), 1),
        ("old_mac.csv", b"a\r1\r" + b"2" * LONG, 3),  # lines ended by \r alone
    ],
)
def test_a_line_over_the_line_limit_is_refused_by_its_number(
    write_file: Write, name: str, content: bytes, line: int
) -> None:
    message = refuse(write_file(name, content), f"line {line} is over 1.0 MB long")
    assert len(message) - len(str(Path(message.split(": ")[0]))) < 160
    assert "xxx" not in message and "777" not in message


def test_a_long_line_within_the_limit_still_reads(write_file: Write) -> None:
    row = ",".join(["0.123456789"] * 9_000)  # ~108 KB: wide but a real table
    seq = load_sequence(write_file("wide_ok.csv", f"{row}\n{row}\n"))
    assert seq.values.shape == (2, 9_000)


@linux_only
@pytest.mark.parametrize("content", [b"1," + b"x" * (40 << 20) + b"\n", b"7" * (40 << 20)])
def test_a_huge_field_is_refused_in_memory_of_one_copy_of_the_file(write_file: Write, content: bytes) -> None:
    """The refusal comes before splitting: beyond the imports, the peak is the file's bytes, not a multiple."""
    path = write_file("huge_field.csv", content)
    load = load_in_child(path)
    assert load.code == 2 and "line 1 is over 1.0 MB long" in load.message
    assert load.peak_mb - baseline_mb() < 1.5 * len(content) / 2**20 + 10


@pytest.mark.parametrize(
    "name, content, expected",
    [
        ("utf16le.csv", codecs.BOM_UTF16_LE + "a,b\n1,2\n3,4\n".encode("utf-16-le"), [[1, 2], [3, 4]]),
        ("utf16be.csv", codecs.BOM_UTF16_BE + "a;b\n1,5;2\n3;4\n".encode("utf-16-be"), [[1.5, 2], [3, 4]]),
        ("utf32.csv", codecs.BOM_UTF32_LE + "a,b\n1,2\n".encode("utf-32-le"), [[1, 2]]),
        ("bom.csv", codecs.BOM_UTF8 + b"a,b\n1,2\n", [[1, 2]]),
    ],
)
def test_unicode_encodings_with_a_bom_are_decoded(
    write_file: Write, name: str, content: bytes, expected: list[list[float]]
) -> None:
    seq = load_sequence(write_file(name, content))
    assert seq.values.tolist() == expected and seq.input_labels == ("a", "b")


@pytest.mark.parametrize(
    "name, content, match",
    [
        ("odd16.csv", codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"\x00", "not valid UTF-16 text"),
        ("lone16.csv", codecs.BOM_UTF16_LE + "a,b\n1,2\n".encode("utf-16-le") + b"\x00\xd8", "not valid UTF-16 text"),
        ("nul16.csv", codecs.BOM_UTF16_LE + "a,b\n1,\x002\n".encode("utf-16-le"), "contains NUL characters"),
        ("nul.csv", b"a,b\n1,2\x00\n", "binary file, not text \\(byte 0x00 at offset 7\\)"),
    ],
)
def test_broken_encodings_are_refused_in_one_line(write_file: Write, name: str, content: bytes, match: str) -> None:
    refuse(write_file(name, content), match)


@pytest.mark.parametrize("raw", [b"\xed\xa0\x80", b"\xff\xfe", b"\xc3"])  # a UTF-8-encoded lone surrogate, junk
def test_invalid_utf8_is_read_as_windows_1252_and_said(write_file: Write, raw: bytes) -> None:
    seq = load_sequence(write_file("latin.csv", b"a," + raw + b"\n1,2\n3,4\n"))
    assert seq.values.tolist() == [[1, 2], [3, 4]]
    assert any("not UTF-8; it was read as Windows-1252" in notice for notice in seq.notices)
    assert seq.input_labels[1] == raw.decode("cp1252", errors="replace")
    seq.input_labels[1].encode("utf-8")  # printable: no lone surrogate can come out of this path


def test_a_cell_of_a_million_digits_and_a_letter_is_refused_at_once(tmp_path: Path) -> None:
    """The number pattern let a run of digits split anywhere between two halves: refusing such a cell took time
    growing with the square of its length (10 s at 20,000 digits; a 1 MB cell would have taken hours)."""
    path = tmp_path / "digits.csv"
    path.write_text("a,b\n1,2\n3," + "9" * 1_000_000 + "x\n")
    with pytest.raises(SequenceError, match=r"row 3, column \"b\": '9{39}…' is not a number$"):
        load_sequence(path)


@settings(max_examples=300, deadline=None)
@given(st.text(alphabet="0123456789.eE+-x", max_size=12))
def test_the_number_pattern_reads_what_it_read_before(text: str) -> None:
    import re

    from lstmviz.io.seq_cells import _NUMBER

    before = re.compile(r"[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?")  # the same language, written ambiguously
    assert bool(_NUMBER.fullmatch(text)) == bool(before.fullmatch(text))
