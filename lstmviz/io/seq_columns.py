"""Table columns built chunk by chunk, so the careful table path needs memory for the numbers, not for every cell.

Splitting a million-line file into Python strings all at once costs ~15x the file's size; the table reader
splits and parses a block of lines at a time, and only floats, the positions of problem cells and one example of
each problem are kept here.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from .seq_cells import parse_dates, parse_numbers_column
from .seq_thousands import detect_thousands, fits, strip_thousands

_NONE = np.zeros(0, dtype=np.int64)


@dataclass(frozen=True)
class Column:
    """One parsed column: ``kind`` is "number", "date" (values are fractional years), "text" or "empty".

    ``words`` and ``overflows`` are the row indices of cells that are not numbers or too large for a float;
    ``examples`` holds the text of the first of each, for messages.
    """

    name: str
    kind: str
    values: np.ndarray
    words: np.ndarray = field(default_factory=lambda: _NONE)
    overflows: np.ndarray = field(default_factory=lambda: _NONE)
    examples: dict[int, str] = field(default_factory=dict)
    thousands: str = ""
    """The thousands separator the column was read with ("" for none)."""


def _maybe_dates(cells: list[str]) -> bool:
    """Cheap pre-check before trying dates: a dash after the first character in one of the first cells."""
    return any("-" in c[1:] for c in cells[:30])


class ColumnBuilder:
    """Accumulates one column over chunks of rows; :meth:`build` decides its kind from all of them."""

    def __init__(
        self, name: str, decimal_comma: bool, thousands: str | None = None, decimal: str | None = None
    ) -> None:
        self.name = name
        self.decimal = decimal  # forced decimal mark, or None for the style's own
        self.decimal_comma = decimal_comma
        self.thousands_choice = thousands  # None: detect; "": never; a character: always
        self.thousands = ""
        self.numbers: list[np.ndarray] = []
        self.dates: list[np.ndarray] = []
        self.words: list[np.ndarray] = []
        self.overflows: list[np.ndarray] = []
        self.examples: dict[int, str] = {}
        self.all_dates: bool | None = None  # None: only missing cells so far

    def _example(self, indices: np.ndarray, cells: list[str], offset: int) -> None:
        if len(indices):
            self.examples.setdefault(int(indices[0]) + offset, cells[int(indices[0])])

    def add(self, cells: list[str], offset: int) -> None:
        """Parse the cells of rows ``offset .. offset + len(cells) - 1``."""
        stamps = parse_dates(cells) if self.all_dates is not False and _maybe_dates(cells) else None
        if stamps is not None:
            self.all_dates = True
            self.dates.append(stamps)
            present = np.flatnonzero(~np.isnan(stamps))  # read as numbers, every date would be a word
            self.numbers.append(np.full(len(cells), np.nan))
            self.words.append(present + offset)
            self._example(present, cells, offset)
            return
        parsed = parse_numbers_column(cells, self.decimal_comma)
        style = self._thousands_style(cells, len(parsed.words) > 0)
        if style:
            self.thousands = style
            parsed = parse_numbers_column(strip_thousands(cells, style, self.decimal), False)
        if len(parsed.words) or not np.isnan(parsed.values).all():
            self.all_dates = False
            self.dates.clear()
        else:  # a chunk of only missing cells says nothing about the column's kind
            self.dates.append(np.full(len(cells), np.nan))
        self.numbers.append(parsed.values)
        self.words.append(parsed.words + offset)
        self.overflows.append(parsed.overflows + offset)
        self._example(parsed.words, cells, offset)
        self._example(parsed.overflows, cells, offset)

    def _thousands_style(self, cells: list[str], has_words: bool) -> str | None:
        """Forced, kept from an earlier chunk when these cells fit it too, or detected when plain parsing failed."""
        if self.thousands_choice is not None:
            return self.thousands_choice or None
        if self.thousands:
            return self.thousands if fits(cells, self.thousands) else None
        return detect_thousands(cells) if has_words else None

    def build(self) -> Column:
        if self.all_dates:
            return Column(self.name, "date", np.concatenate(self.dates))
        values = np.concatenate(self.numbers)
        words = np.concatenate(self.words) if self.words else _NONE
        overflows = np.concatenate(self.overflows) if self.overflows else _NONE
        present = int((~np.isnan(values)).sum()) + len(words)
        kind = "empty" if present == 0 else "text" if len(words) * 2 > present else "number"
        return Column(self.name, kind, values, words, overflows, self.examples, self.thousands)
