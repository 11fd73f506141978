"""io.seq_prepare: the choices of the app's open dialog applied to a table read with its gaps kept; expected values
worked out here with datetime and plain arithmetic."""

from __future__ import annotations

import datetime as dt

import numpy as np
import pytest

from lstmviz.io.errors import SequenceError
from lstmviz.io.seq_prepare import STEP_AXIS, Choice, Table, needs_decision, prepare, suggest, yyyymmdd_years
from lstmviz.io.sequences import load_sequence


def fractional_year(day: dt.date) -> float:
    start = dt.date(day.year, 1, 1)
    return day.year + (day - start).days / (dt.date(day.year + 1, 1, 1) - start).days


def table_of(tmp_path, text: str, name: str = "t.csv") -> Table:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return Table.from_sequence(load_sequence(path, missing="keep"), name)


@pytest.mark.parametrize(
    "digits, day",
    [(19940312, dt.date(1994, 3, 12)), (20000229, dt.date(2000, 2, 29)), (19991231, dt.date(1999, 12, 31))],
)
def test_yyyymmdd_integers_are_fractional_years(digits, day) -> None:
    assert yyyymmdd_years(np.array([float(digits)]))[0] == pytest.approx(fractional_year(day), abs=1e-12)


@pytest.mark.parametrize("values", [[19940230.0], [19941301.0], [1994031.2], [12.0, 13.0], [19940312.5]])
def test_numbers_that_are_not_such_dates_are_left_alone(values) -> None:
    assert yyyymmdd_years(np.array(values)) is None


def test_drop_keeps_time_and_values_together(tmp_path) -> None:
    table = table_of(tmp_path, "date,v\n20200101,1\n20200102,\n20200103,3\n20200104,4\n")
    sequence, _ = prepare(table, Choice(inputs=("v",), time="date", missing="drop"))
    np.testing.assert_array_equal(sequence.values[:, 0], [1, 3, 4])
    expected = [fractional_year(dt.date(2020, 1, d)) for d in (1, 3, 4)]
    np.testing.assert_allclose(sequence.time, expected, atol=1e-12)


def test_year_and_month_combine_and_min_max_scales_to_the_unit_interval(tmp_path) -> None:
    rows = "".join(f"{2000 + k // 12},{k % 12 + 1},{100 + 5 * k}\n" for k in range(30))
    table = table_of(tmp_path, "Year,Month,sales\n" + rows)
    choice = suggest(table)
    assert choice.time == "Year + Month" and choice.inputs == ("sales",) and needs_decision(table)
    sequence, scaling = prepare(table, Choice(inputs=("sales",), time="Year + Month", normalise="min-max"))
    np.testing.assert_allclose(sequence.time, [2000 + k / 12 for k in range(30)])
    np.testing.assert_allclose(sequence.values[:, 0], [k / 29 for k in range(30)])
    assert sequence.input_labels == ("sales (min-max)",) and scaling.offset == (100.0,) and scaling.scale == (145.0,)


def test_a_plain_file_needs_no_decision_and_a_rising_input_is_not_taken_for_time(tmp_path) -> None:
    table = table_of(tmp_path, "a,b\n" + "".join(f"{k},{-k}\n" for k in range(10)))
    assert not needs_decision(table)
    assert suggest(table) == Choice(inputs=("a", "b"), time=STEP_AXIS)


def test_impossible_choices_say_why(tmp_path) -> None:
    table = table_of(tmp_path, "t,v\n0,1\n1,\n2,3\n")
    with pytest.raises(SequenceError, match="at least one column"):
        prepare(table, Choice(inputs=()))
    with pytest.raises(SequenceError, match='no column "w"'):
        prepare(table, Choice(inputs=("w",)))
    with pytest.raises(SequenceError, match="neither rises nor falls"):
        prepare(table, Choice(inputs=("t",), time="v", missing="ffill"))
