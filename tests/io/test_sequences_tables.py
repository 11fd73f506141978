"""Real-world tables load as a person expects: spreadsheet exports, European files, years and dates as time."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io.errors import SequenceError
from lstmviz.io.sequences import load_sequence

Write = Callable[[str, bytes | str], Path]


def test_spreadsheet_export_with_bom_and_crlf(write_file: Write) -> None:
    path = write_file("export.csv", b"\xef\xbb\xbfYear,Sales,Cost\r\n2019,10.5,3\r\n2020,11.25,4\r\n2021,9,5\r\n\r\n")
    seq = load_sequence(path)
    np.testing.assert_array_equal(seq.values, [[10.5, 3], [11.25, 4], [9, 5]])
    np.testing.assert_array_equal(seq.time, [2019, 2020, 2021])
    assert seq.time_label == "Year"
    assert seq.input_labels == ("Sales", "Cost")
    assert seq.source == "export.csv"
    assert seq.notices == ()


def test_european_semicolon_file_with_decimal_commas(write_file: Write) -> None:
    path = write_file("messwerte.csv", "Jahr;Temperatur;Niederschlag\n2001;8,5;700,25\n2002;9,25;-1,5\n")
    seq = load_sequence(path)
    np.testing.assert_array_equal(seq.values, [[8.5, 700.25], [9.25, -1.5]])
    np.testing.assert_array_equal(seq.time, [2001, 2002])  # "Jahr" is German for year
    assert seq.input_labels == ("Temperatur", "Niederschlag")
    assert seq.time_label == "Jahr"


def test_semicolon_file_whose_first_column_is_not_time(write_file: Write) -> None:
    seq = load_sequence(write_file("m.csv", "Druck;Temperatur\n1013,25;8,5\n1009;9\n"))
    np.testing.assert_array_equal(seq.values, [[1013.25, 8.5], [1009, 9]])
    assert seq.time is None


def test_column_of_years_is_the_time_axis(write_file: Write) -> None:
    path = write_file("anomaly.csv", "year,anomaly\n1880,-0.16\n1881,-0.08\n1882,-0.11\n1883,-0.17\n")
    seq = load_sequence(path)
    np.testing.assert_array_equal(seq.time, [1880, 1881, 1882, 1883])
    np.testing.assert_array_equal(seq.values[:, 0], [-0.16, -0.08, -0.11, -0.17])
    assert seq.input_labels == ("anomaly",)
    assert seq.time_label == "year"


@pytest.mark.parametrize("name", ["t", "time (s)", "Step", "index", "date", "TIME"])
def test_time_names(write_file: Write, name: str) -> None:
    seq = load_sequence(write_file("t.csv", f"{name},x\n0,5\n0.5,6\n1,7\n"))
    np.testing.assert_array_equal(seq.time, [0, 0.5, 1])
    assert seq.time_label == name


def test_iso_dates_become_fractional_years(write_file: Write) -> None:
    path = write_file("daily.csv", "date,value\n2020-01-01,1\n2020-01-31,2\n2021-07-02,3\n")
    seq = load_sequence(path)
    # 2020 is a leap year (366 days); 2021-07-02 is day 182 (0-based) of a 365-day year.
    np.testing.assert_allclose(seq.time, [2020.0, 2020 + 30 / 366, 2021 + 182 / 365])
    assert seq.time_label == "date (year)"


def test_monthly_dates_in_any_column_name(write_file: Write) -> None:
    path = write_file("airline.csv", '"Month","Passengers"\n"1949-01",112\n"1949-02",118\n"1949-03",132\n')
    seq = load_sequence(path)
    np.testing.assert_allclose(seq.time, [1949.0, 1949 + 31 / 365, 1949 + 59 / 365])
    np.testing.assert_array_equal(seq.values[:, 0], [112, 118, 132])
    assert seq.input_labels == ("Passengers",)


def test_time_axis_may_run_backwards(write_file: Write) -> None:
    seq = load_sequence(write_file("core.csv", "years,d18O\n3000,1.5\n2000,1.25\n1000,1.0\n"))
    np.testing.assert_array_equal(seq.time, [3000, 2000, 1000])


def test_unsteady_time_column_stays_an_input_with_a_notice(write_file: Write) -> None:
    seq = load_sequence(write_file("t.csv", "t,x\n0,1\n2,2\n1,3\n"))
    assert seq.time is None
    np.testing.assert_array_equal(seq.values, [[0, 1], [2, 2], [1, 3]])
    assert any('"t"' in n and "time axis" in n for n in seq.notices)


def test_tab_separated_and_whitespace_tables(write_file: Write) -> None:
    tsv = load_sequence(write_file("a.tsv", "a\tb\n1\t2\n3\t4\n"))
    txt = load_sequence(write_file("a.txt", "  1.5   2\n 3 4e-1\n"))
    np.testing.assert_array_equal(tsv.values, [[1, 2], [3, 4]])
    np.testing.assert_array_equal(txt.values, [[1.5, 2], [3, 0.4]])
    assert txt.input_labels == ("x0", "x1")


def test_utf16_with_bom(write_file: Write) -> None:
    path = write_file("u16.csv", "step,wert\r\n1,2.5\r\n".encode("utf-16"))
    seq = load_sequence(path)
    np.testing.assert_array_equal(seq.values, [[2.5]])
    np.testing.assert_array_equal(seq.time, [1])


def test_single_column_with_decimal_commas_and_header(write_file: Write) -> None:
    seq = load_sequence(write_file("wert.txt", "Wert\n1,5\n-2,25\n"))
    np.testing.assert_array_equal(seq.values[:, 0], [1.5, -2.25])


def test_headerless_file_and_comments(write_file: Write) -> None:
    seq = load_sequence(write_file("h.csv", "# exported by a logger\n1,2\n\n3,4\n"))
    np.testing.assert_array_equal(seq.values, [[1, 2], [3, 4]])
    assert seq.input_labels == ("x0", "x1")


def test_text_column_is_skipped_with_a_notice(write_file: Write) -> None:
    seq = load_sequence(write_file("cities.csv", "city,temp\nParis,12.5\nRome,16\n"))
    np.testing.assert_array_equal(seq.values[:, 0], [12.5, 16])
    assert len(seq.notices) == 1 and '"city"' in seq.notices[0] and "skipped" in seq.notices[0]


def test_text_column_named_in_columns_is_an_error(write_file: Write) -> None:
    path = write_file("cities.csv", "city,temp\nParis,12.5\nRome,16\n")
    with pytest.raises(SequenceError, match='cities.csv: column "city" is not numeric'):
        load_sequence(path, columns=["city", "temp"])


def test_columns_pick_by_name_case_and_number(write_file: Write) -> None:
    path = write_file("abc.csv", "a,b,c\n1,2,3\n4,5,6\n")
    np.testing.assert_array_equal(load_sequence(path, columns=["c", "A"]).values, [[3, 1], [6, 4]])
    np.testing.assert_array_equal(load_sequence(path, columns=["1"]).values, [[2], [5]])
    with pytest.raises(SequenceError, match='no column "d"; the columns are "a", "b", "c"'):
        load_sequence(path, columns=["d"])


MISSING = "t,x,y\n0,1,10\n1,,20\n2,3,NA\n4,5,40\n"


def test_missing_values_default_error_names_rows_and_option(write_file: Write) -> None:
    with pytest.raises(SequenceError) as info:
        load_sequence(write_file("gaps.csv", MISSING))
    message = str(info.value)
    assert "gaps.csv" in message and "rows 3 and 4" in message and "--missing" in message
    assert '"x"' in message and '"y"' in message and "\n" not in message


def test_missing_interpolate_uses_the_time_axis(write_file: Write) -> None:
    seq = load_sequence(write_file("gaps.csv", MISSING), missing="interpolate")
    # x at t=1 lies between (0, 1) and (2, 3) -> 2; y at t=2 between (1, 20) and (4, 40) -> 20 + 20 / 3.
    np.testing.assert_allclose(seq.values, [[1, 10], [2, 20], [3, 20 + 20 / 3], [5, 40]])
    assert seq.notices and "interpolation" in seq.notices[0]


def test_missing_ffill_and_drop(write_file: Write) -> None:
    path = write_file("gaps.csv", MISSING)
    np.testing.assert_array_equal(load_sequence(path, missing="ffill").values, [[1, 10], [1, 20], [3, 20], [5, 40]])
    dropped = load_sequence(path, missing="drop")
    np.testing.assert_array_equal(dropped.values, [[1, 10], [5, 40]])
    np.testing.assert_array_equal(dropped.time, [0, 4])


def test_leading_gap_takes_first_value(write_file: Write) -> None:
    path = write_file("lead.csv", "x\nnan\n7\n9\n")
    np.testing.assert_array_equal(load_sequence(path, missing="ffill").values[:, 0], [7, 7, 9])
    np.testing.assert_array_equal(load_sequence(path, missing="interpolate").values[:, 0], [7, 7, 9])


def test_unknown_missing_policy(write_file: Write) -> None:
    with pytest.raises(SequenceError, match="unknown --missing policy 'mean'"):
        load_sequence(write_file("a.csv", "1\n2\n"), missing="mean")


def test_quoted_cells_and_trailing_blank_lines(write_file: Write) -> None:
    seq = load_sequence(write_file("q.csv", '"a","b"\n"1","2"\n"3","4"\n\n\n\n'))
    np.testing.assert_array_equal(seq.values, [[1, 2], [3, 4]])
    assert seq.input_labels == ("a", "b")


def test_windows_1252_file_is_read_with_a_notice(write_file: Write) -> None:
    seq = load_sequence(write_file("w.csv", "température,x\n1,2\n".encode("cp1252")))
    assert seq.input_labels == ("température", "x")
    assert any("Windows-1252" in n for n in seq.notices)


def test_european_export_with_bom_crlf_and_comment(write_file: Write) -> None:
    content = "\ufeff# Messung\r\nZeit;Wert\r\n0,5;1,25\r\n1,0;-3,5\r\n".encode("utf-8")
    seq = load_sequence(write_file("eu.csv", content))
    np.testing.assert_array_equal(seq.time, [0.5, 1.0])
    np.testing.assert_array_equal(seq.values[:, 0], [1.25, -3.5])
    assert seq.time_label == "Zeit" and seq.input_labels == ("Wert",)


def test_same_table_from_stdin_and_from_a_file(write_file: Write) -> None:
    content = b"# note\r\n\r\nt,x\r\n1,2\r\n2,4\r\n"
    from_file = load_sequence(write_file("a.csv", content))
    from_stdin = load_sequence("-", stdin_bytes=content)
    np.testing.assert_array_equal(from_file.values, from_stdin.values)
    np.testing.assert_array_equal(from_file.time, [1, 2])
    np.testing.assert_array_equal(from_stdin.time, [1, 2])


def test_trailing_delimiter_makes_an_empty_column_that_is_skipped(write_file: Write) -> None:
    seq = load_sequence(write_file("trail.csv", "a;b;\n1;2;\n3;4;\n"))
    np.testing.assert_array_equal(seq.values, [[1, 2], [3, 4]])
    assert seq.notices == ('skipped column "column 3": it is empty',)


def test_utf16_numeric_txt_is_a_table_not_text(write_file: Write) -> None:
    seq = load_sequence(write_file("u16.txt", "1 2\r\n3 4\r\n".encode("utf-16")))
    assert seq.vocabulary is None
    np.testing.assert_array_equal(seq.values, [[1, 2], [3, 4]])


def test_timestamps_with_times_zulu_and_a_gap(write_file: Write) -> None:
    path = write_file("log.csv", "timestamp,v\n2021-01-01T00:00:00Z,1\n2021-01-01 12:00,2\n,3\n2021-01-03T00:00Z,4\n")
    seq = load_sequence(path, missing="interpolate")
    # Half a day is 0.5/365 of 2021; the missing stamp lies halfway between its neighbours.
    np.testing.assert_allclose(seq.time, [2021.0, 2021 + 0.5 / 365, 2021 + 1.25 / 365, 2021 + 2 / 365])


def test_invalid_dates_are_text(write_file: Write) -> None:
    seq = load_sequence(write_file("bad_dates.csv", "when,v\n2021-13-45,1\n2021-14-01,2\n"))
    assert seq.time is None and seq.input_labels == ("v",)
    assert any('"when"' in n for n in seq.notices)


def test_time_zone_offsets_are_not_parsed_as_dates(write_file: Write) -> None:
    seq = load_sequence(write_file("tz.csv", "when,v\n2021-01-01T00:00-05:00,1\n2021-01-01T01:00-05:00,2\n"))
    assert seq.time is None and seq.input_labels == ("v",)


def test_txt_table_with_dates_and_gaps_is_a_table(write_file: Write) -> None:
    seq = load_sequence(
        write_file("log.txt", "date level\n2021-01-01 1.5\n2021-01-02 NA\n2021-01-03 2.5\n"), missing="interpolate"
    )
    assert seq.vocabulary is None
    np.testing.assert_allclose(seq.values[:, 0], [1.5, 2.0, 2.5])
    np.testing.assert_allclose(seq.time, 2021 + np.arange(3) / 365)


def test_a_mostly_numeric_txt_with_a_word_is_a_table_whose_word_is_named(write_file: Write) -> None:
    with pytest.raises(SequenceError, match="row 3, column \"b\": 'x' is not a number"):
        load_sequence(write_file("w.txt", "a,b\n1,2\n3,x\n4,5\n"))
    with pytest.raises(SequenceError, match="row 3, column \"b\": 'x' is not a number"):
        load_sequence("-", stdin_bytes=b"a,b\n1,2\n3,x\n4,5\n")


def test_prose_with_commas_and_numbers_is_text(write_file: Write) -> None:
    seq = load_sequence(write_file("p.txt", "In 1984, there were 3 cats.\nThen, 2 dogs came, and 1 bird.\n"))
    assert seq.vocabulary is not None


def test_extra_cell_in_a_dated_table_is_caught(write_file: Write) -> None:
    with pytest.raises(SequenceError, match="row 3 has 3 values, but the header has 2"):
        load_sequence(write_file("d.csv", "date,v\n2020-01-01,1\n2020-01-02,2,3\n2020-01-03,4\n"))


def test_dated_table_fast_and_careful_paths_agree(write_file: Write) -> None:
    from lstmviz.io.seq_table import _careful_table

    content = "v,date,w\n1.5,2020-01-01,7\n2.5,2020-03-01T06:00,8\n3.5,2020-12-31,9\n"
    fast = load_sequence(write_file("d.csv", content))
    careful = _careful_table(content.encode(), "d.csv", None, "error")
    np.testing.assert_array_equal(fast.values, [[1.5, 7], [2.5, 8], [3.5, 9]])
    np.testing.assert_allclose(fast.time, [2020.0, 2020 + (60 + 0.25) / 366, 2020 + 365 / 366])
    np.testing.assert_array_equal(fast.time, careful.time)
    np.testing.assert_array_equal(fast.values, careful.values)
    assert fast.input_labels == careful.input_labels == ("v", "w")
