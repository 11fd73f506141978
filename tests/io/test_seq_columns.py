"""The careful table path splits and parses in chunks; results must not depend on where the chunks fall."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io import seq_table
from lstmviz.io.errors import SequenceError
from lstmviz.io.sequences import load_sequence

Write = Callable[[str, bytes | str], Path]


@pytest.fixture(params=[1, 5, 17, 1 << 18])
def chunk_rows(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> int:
    """Characters per block of split text, from one line per block to the real size."""
    monkeypatch.setattr(seq_table, "BLOCK_CHARS", request.param)
    return int(request.param)


def test_dates_with_gaps_across_chunks(write_file: Write, chunk_rows: int) -> None:
    content = "day,v,note\n2021-01-01,1,a\n,2,b\n,,c\n2021-01-04,4,d\n2021-01-05,5,e\n"
    seq = load_sequence(write_file("d.csv", content), missing="interpolate")
    np.testing.assert_allclose(seq.time, 2021 + np.arange(5) / 365)
    np.testing.assert_allclose(seq.values[:, 0], [1, 2, 3, 4, 5])
    assert any('"note"' in n and "row 2: 'a'" in n for n in seq.notices)


def test_word_in_a_late_chunk_is_named_by_its_row(write_file: Write, chunk_rows: int) -> None:
    content = "a;b\n1;2\n3;4\n5;6\n7;oops\n9;10\n"
    with pytest.raises(SequenceError, match="row 5, column \"b\": 'oops' is not a number"):
        load_sequence(write_file("w.csv", content), missing="drop")


def test_dates_then_words_make_a_text_column(write_file: Write, chunk_rows: int) -> None:
    content = "when,v\n2021-01-01,1\n2021-01-02,2\nlater,3\nmuch later,4\nnever,5\n"
    seq = load_sequence(write_file("m.csv", content))
    assert seq.time is None and seq.input_labels == ("v",)
    assert any('"when": it holds text' in n for n in seq.notices)


def test_line_numbers_survive_blocks_comments_and_blank_lines(write_file: Write, chunk_rows: int) -> None:
    content = "# logger v2\n\nx;y\n1;2\n\n# pause\n3;4\n5;\n"
    with pytest.raises(SequenceError, match='missing value in row 8 \\(column "y"\\)'):
        load_sequence(write_file("b.csv", content))
    seq = load_sequence(write_file("b.csv", content), missing="drop")
    np.testing.assert_array_equal(seq.values, [[1, 2], [3, 4]])
