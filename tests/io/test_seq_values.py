"""Missing-value policies and time checks on small matrices worked by hand."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_values import Rows, finish, handle_missing, index_rows, is_monotonic

NAN = np.nan


def test_rows_are_listed_readably() -> None:
    rows = Rows(np.arange(2, 40))
    assert rows.many(np.array([0])) == "row 2"
    assert rows.many(np.array([0, 1, 5])) == "rows 2, 3 and 7"
    assert rows.many(np.arange(10)) == "rows 2, 3, 4, 5, 6, 7, 8, 9, ... (10 in all)"


def test_interpolate_in_time_and_clamp_at_the_edges() -> None:
    columns = np.array([[NAN], [1.0], [NAN], [NAN], [4.0], [NAN]])
    x = np.array([0.0, 1.0, 2.0, 4.0, 5.0, 6.0])
    filled, keep, notes = handle_missing("f", columns, ("v",), index_rows(6), "interpolate", x)
    # Between (1, 1) and (5, 4): slope 3/4, so x=2 -> 1.75 and x=4 -> 3.25; the ends take the nearest value.
    np.testing.assert_allclose(filled[:, 0], [1.0, 1.0, 1.75, 3.25, 4.0, 4.0])
    assert keep.all() and "4 missing values" in notes[0]


def test_ffill_and_drop() -> None:
    columns = np.array([[NAN, 1.0], [2.0, NAN], [NAN, 3.0]])
    filled, _, _ = handle_missing("f", columns, ("a", "b"), index_rows(3), "ffill")
    np.testing.assert_array_equal(filled, [[2.0, 1.0], [2.0, 1.0], [2.0, 3.0]])
    with pytest.raises(SequenceError, match="every row has a missing value"):
        handle_missing("f", columns, ("a", "b"), index_rows(3), "drop")


def test_a_column_without_values_cannot_be_filled() -> None:
    with pytest.raises(SequenceError, match='column "b" has no values at all'):
        handle_missing("f", np.array([[1.0, NAN], [2.0, NAN]]), ("a", "b"), index_rows(2), "interpolate")


def test_filling_that_overflows_is_refused() -> None:
    values = np.array([[1.7e308], [NAN], [-1.7e308]])
    with pytest.raises(SequenceError, match="overflowed"):
        finish("f", values, ("x",), index_rows(3), "interpolate")


@pytest.mark.parametrize(
    "time, expected",
    [
        ([1, 2, 3], True),
        ([3, 2, 1], True),
        ([1, 1, 2], False),
        ([1, 3, 2], False),
        ([1.7e308, -1.7e308], True),
        ([5], True),
    ],
)
def test_monotonic(time: list[float], expected: bool) -> None:
    assert is_monotonic(np.array(time, dtype=float)) is expected
