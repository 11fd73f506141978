"""Thousands separators found per column (as spreadsheet importers do), or forced; three-decimal data untouched."""

from __future__ import annotations

from pathlib import Path

import pytest

from lstmviz.io.errors import SequenceError
from lstmviz.io.sequences import load_sequence


def _load(tmp_path: Path, text: str, **options):
    path = tmp_path / "t.csv"
    path.write_text(text, encoding="utf-8")
    return load_sequence(path, **options)


@pytest.mark.parametrize(
    ("text", "expected", "said"),
    [
        ("a;b\n1.234,5;1\n12,25;2\n2.000.000,75;3\n", [1234.5, 12.25, 2000000.75], '"." for thousands'),
        ("a,b\n1.234.567,1\n12,2\n3.000,3\n", [1234567, 12, 3000], '"." for thousands'),
        ("a;b\n1 234,5;1\n7,5;2\n10 000;3\n", [1234.5, 7.5, 10000], "spaces for thousands"),
        ('a,b\n"1,234",1\n"12,000.5",2\n7,3\n', [1234, 12000.5, 7], '"," for thousands'),
        ("a,b\n1'234.5,1\n7,2\n", [1234.5, 7], '"\'" for thousands'),
    ],
)
def test_thousands_are_detected_per_column(tmp_path: Path, text: str, expected: list[float], said: str) -> None:
    seq = _load(tmp_path, text)
    assert seq.values[:, 0].tolist() == pytest.approx(expected)
    assert seq.values[:, 1].tolist() == list(range(1, len(expected) + 1))
    assert any('column "a"' in n and said in n for n in seq.notices), seq.notices


def test_three_decimal_numbers_are_not_thousands(tmp_path: Path) -> None:
    seq = _load(tmp_path, "a,b\n0.125,1\n1.500,2\n2.250,3\n")
    assert seq.values[:, 0].tolist() == [0.125, 1.5, 2.25]
    assert not any("thousands" in n for n in seq.notices)


def test_a_text_column_stays_text(tmp_path: Path) -> None:
    seq = _load(tmp_path, "a,b\n1.234.567,1\nhello,2\n3.000,3\n")
    assert seq.input_labels == ("b",)


def test_forced_choices(tmp_path: Path) -> None:
    text = "a;b\n1.234;1\n2.500;2\n"
    assert _load(tmp_path, text).values[:, 0].tolist() == [1.234, 2.5]  # ";" means decimal commas: 1.234 is plain
    assert _load(tmp_path, text, thousands=".").values[:, 0].tolist() == [1234, 2500]
    assert _load(tmp_path, "a,b\n1.5,1\n2.5,2\n", decimal=".", thousands="").values[:, 0].tolist() == [1.5, 2.5]
    assert _load(tmp_path, "a b\n1,5 1\n2,5 2\n", decimal=",").values[:, 0].tolist() == [1.5, 2.5]
    with pytest.raises(SequenceError, match="cannot be both"):
        _load(tmp_path, text, decimal=",", thousands=",")
    with pytest.raises(SequenceError, match="decimal mark must be"):
        _load(tmp_path, text, decimal="x")


def test_open_any_passes_the_choices_on(tmp_path: Path) -> None:
    from lstmviz.io.open_any import ReadOptions, open_any

    path = tmp_path / "t.csv"
    path.write_text("a;b\n1.234;1\n2.500;2\n", encoding="utf-8")
    opened = open_any(path, ReadOptions(thousands="."))
    assert opened.sequence is not None and opened.sequence.values[:, 0].tolist() == [1234, 2500]
