"""The cell level of text tables: which delimiter, is the first line a header, and what each cell's text means.

Kept apart from the table assembly in :mod:`lstmviz.io.seq_table` so the rules a user may want to look up (which
delimiters are sniffed, what counts as missing, which dates parse) sit in one short module.
"""

from __future__ import annotations

import csv
import re
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .seq_values import MISSING_MARKERS

DELIMITERS = ("\t", ";", ",")
"""Tried in this order by :func:`sniff_delimiter`."""
MAX_COLUMNS = 10_000
"""More columns than this is not a sequence a person can look at; refused before splitting the line."""

_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?")
"""A plain number. Each digit can belong to one place only: ``\\d+\\.?\\d*`` let a run of digits split anywhere
between its two halves, so a 20,000-digit cell that is not a number took 10 s to refuse, and a 1 MB one hours."""
_DECIMAL_COMMA = re.compile(r"[+-]?\d*,\d+(?:[eE][+-]?\d+)?")
_INFINITY = frozenset({"inf", "+inf", "-inf", "infinity", "+infinity", "-infinity"})
_DATE = re.compile(r"\d{4}-\d{2}(?:-\d{2}(?:[T ]\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?)?)?Z?")
_DATE_BYTES = b"0123456789-:.T \x00"
"""Deleting these from a column of plain ISO dates (NUL: NumPy's padding) leaves nothing."""
_TIME_NAME = re.compile(
    r"(?:year|yr|date|datetime|time|timestamp|t|step|index|idx|month|day|epoch|period"
    r"|jahr|zeit|datum|monat|ann[ée]e|temps|mois|jour|fecha|a[ñn]o|tiempo|anno|tempo)s?(?:$|[\s_(\[\-/])"
)


@dataclass(frozen=True)
class Dialect:
    """How the cells of one table are separated: ``delimiter`` None means runs of whitespace."""

    delimiter: str | None
    decimal_comma: bool

    def describe(self) -> str:
        names = {"\t": "tabs", ";": "semicolons", ",": "commas", None: "spaces"}
        return names[self.delimiter] + (" with decimal commas" if self.decimal_comma else "")


def sniff_delimiter(lines: Sequence[str]) -> str | None:
    """The first of tab, semicolon, comma found on the first line and on at least half of the sampled lines.

    "At least half", not "all", so that a ragged row among the first lines is reported as ragged instead of
    changing the delimiter. No such delimiter: cells are separated by runs of whitespace.
    """
    for d in DELIMITERS:
        if lines and d in lines[0] and 2 * sum(d in line for line in lines) >= len(lines):
            return d
    return None


def sniff(lines: Sequence[str], delimiter: str | None) -> Dialect:
    """Decide decimal commas: always with semicolons, and with whitespace when every comma sits inside a number."""
    cells = [cell for line in lines[1:] for cell in split_cells(line, delimiter)]
    if delimiter == ";":
        decimal_comma = True
    elif delimiter is None:
        with_comma = [cell for cell in cells if "," in cell]
        decimal_comma = bool(with_comma) and all(_DECIMAL_COMMA.fullmatch(cell) for cell in with_comma)
    else:
        decimal_comma = False
    return Dialect(delimiter, decimal_comma)


def count_cells(line: str, delimiter: str | None) -> int:
    """A cheap upper bound on the number of cells, so a 200,000-column line is refused before it is split."""
    return line.count(delimiter) + 1 if delimiter else line.count(" ") + line.count("\t") + 1


class UnclosedQuote(ValueError):
    """A line ends inside a quoted cell: lstmviz's tables hold one row per line, so the file says something else."""


def split_cells(line: str, delimiter: str | None, *, strict: bool = False) -> list[str]:
    """Cells of one line, stripped of spaces; quoted cells (spreadsheets quote text) are unquoted the CSV way.

    ``strict`` raises :class:`UnclosedQuote` for a line that ends inside a quoted cell (``1,"2``), which would
    otherwise be read as if the quote closed there; sniffing stays lenient and lets the reader name the line.
    """
    if '"' in line:
        spaced = line.replace("\t", " ").strip() if delimiter is None else line
        try:
            # The newline is a sentinel: a line never holds one, so a cell that ends in it was still quoted.
            cells = next(csv.reader([spaced + "\n"], delimiter=delimiter or " ", skipinitialspace=True), [])
        except csv.Error:  # a quoted cell over csv's field size limit (131,072 characters): split it plainly
            cells = [
                cell.strip().strip('"') for cell in (spaced.split() if delimiter is None else spaced.split(delimiter))
            ]
        if cells and cells[-1].endswith("\n"):
            if strict:
                raise UnclosedQuote(line)
            cells[-1] = cells[-1][:-1]
    else:
        cells = line.split() if delimiter is None else line.split(delimiter)
    return [cell.strip() for cell in cells]


def is_missing(cell: str) -> bool:
    return cell.lower() in MISSING_MARKERS


def is_number(cell: str, decimal_comma: bool = False) -> bool:
    text = cell.replace(",", ".") if decimal_comma else cell
    return bool(_NUMBER.fullmatch(text)) or text.lower() in _INFINITY


def is_date(cell: str) -> bool:
    return bool(_DATE.fullmatch(cell))


def is_header(cells: Sequence[str], decimal_comma: bool) -> bool:
    """A first line with any cell that is not a number, a date or a missing marker names the columns."""
    return any(not (is_number(c, decimal_comma) or is_date(c) or is_missing(c)) for c in cells)


def is_time_name(name: str) -> bool:
    """Column names that announce a time axis: year, date, time, t, step, index, month, day (also "time (s)",
    "Year", and the German, French, Spanish and Italian words for year, time and date)."""
    return bool(_TIME_NAME.match(name.strip().lower()))


@dataclass(frozen=True)
class ParsedColumn:
    """One column's cells as floats: NaN where missing; indices of cells that are words or that overflow."""

    values: np.ndarray
    words: np.ndarray
    overflows: np.ndarray


def parse_numbers_column(cells: list[str], decimal_comma: bool) -> ParsedColumn:
    """Floats for a column of cell texts; the bulk conversion runs in C, the per-cell loop only on trouble."""
    texts = [c.replace(",", ".") for c in cells] if decimal_comma else cells
    empty = np.zeros(0, dtype=np.int64)
    try:
        values = np.array(texts, dtype=np.float64)
        words = empty
        # Python's float() is more lenient than a table cell should be ("1_000", "0x1p3" is refused anyway).
        if "_" in "".join(texts):
            raise ValueError
    except ValueError:
        values = np.empty(len(texts), dtype=np.float64)
        bad: list[int] = []
        for k, text in enumerate(texts):
            if _NUMBER.fullmatch(text) or text.lower() in _INFINITY:
                values[k] = float(text)
            elif text.lower() in MISSING_MARKERS:
                values[k] = np.nan
            else:
                values[k] = np.nan
                bad.append(k)
        words = np.asarray(bad, dtype=np.int64)
    infinite = np.flatnonzero(np.isinf(values))
    overflows = np.asarray([k for k in infinite if texts[k].lower() not in _INFINITY], dtype=np.int64)
    return ParsedColumn(values, words, overflows)


def dates_from_bytes(raw: np.ndarray) -> np.ndarray | None:
    """Fractional years from a NumPy bytes array (``S`` dtype) of plain ISO dates, checked in bulk; else None.

    None when any cell is not a plain ``YYYY-MM[-DD[Thh:mm[:ss]]]`` (a missing cell, a word, a time zone), so the
    caller can fall back to reading cell by cell.
    """
    if raw.dtype.kind != "S" or raw.dtype.itemsize < 7 or raw.tobytes().translate(None, _DATE_BYTES):
        return None
    grid = raw.view(np.uint8).reshape(len(raw), -1)
    year_digits = ((grid[:, :4] >= 48) & (grid[:, :4] <= 57)).all()
    if not (year_digits and (grid[:, 4] == 45).all()) or (grid[:, 8:] == 45).any():
        return None  # a dash after the day would be a time-zone offset, which NumPy warns about
    try:
        return fractional_years(raw.astype("datetime64[s]"))
    except (ValueError, Warning):  # Warning: when a caller turned warnings into errors
        return None


def fractional_years(stamps: np.ndarray) -> np.ndarray:
    """2020-01-31 -> 2020 + 30/366: each year divided by its own length."""
    year = stamps.astype("datetime64[Y]")
    start = year.astype("datetime64[s]")
    length = ((year + 1).astype("datetime64[s]") - start).astype(np.float64)
    years: np.ndarray = year.astype(np.int64) + 1970 + (stamps - start).astype(np.float64) / length
    return years


def parse_dates(cells: list[str]) -> np.ndarray | None:
    """ISO dates/times (``2020-01-31``, ``1949-01``, ``2020-01-31T12:00``) as fractional years; None if not dates.

    Fractional years keep the numbers readable on a plot axis (2020.08 is late January 2020) and work for
    monthly or yearly data alike; each year is divided by its own length (365 or 366 days).
    """
    first = next((c for c in cells if not is_missing(c)), None)
    if first is None or not _DATE.fullmatch(first):
        return None
    if "Z" not in first and "".join(cells).isascii():  # bytes arrays take ASCII only
        years = dates_from_bytes(np.array(cells, dtype="S"))
        if years is not None:
            return years
    present = [k for k, c in enumerate(cells) if not is_missing(c)]
    if not all(_DATE.fullmatch(cells[k]) for k in present):
        return None
    try:
        stamps = np.array([cells[k].removesuffix("Z").replace(" ", "T") for k in present], dtype="datetime64[s]")
    except ValueError:  # shaped like a date but not one, e.g. 2020-13-45
        return None
    out = np.full(len(cells), np.nan)
    out[present] = fractional_years(stamps)
    return out
