"""What every sequence format shares once its numbers are parsed: infinite values, missing values, the time axis.

Tables, JSON and NumPy arrays all end here as a float matrix with NaN where a value is missing, so the
``--missing error|interpolate|ffill|drop`` policy, the row numbers in messages and the time-axis checks behave the
same whatever the file was.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from .seq_decode import fail
from .sequence_data import SequenceData

MISSING_POLICIES: tuple[str, ...] = ("error", "interpolate", "ffill", "drop")
MISSING_MARKERS = frozenset({"", "na", "n/a", "nan", "-nan", "null", "none", "-", "?", "#n/a", "missing"})
"""Cell texts (lower-cased) that mean "no value here"; NaN counts as missing too, in every format."""
MAX_LISTED = 8


@dataclass(frozen=True)
class Rows:
    """How messages name a row: table rows by their line in the file (a spreadsheet's row), arrays by index."""

    numbers: np.ndarray | range
    """A ``range`` when the rows follow one another: 8 bytes per row saved, as much as a column of the numbers."""
    word: str = "row"

    def one(self, k: int) -> str:
        return f"{self.word} {int(self.numbers[k])}"

    def many(self, ks: np.ndarray) -> str:
        listed = [str(int(self.numbers[k])) for k in ks[:MAX_LISTED]]
        if len(ks) == 1:
            return f"{self.word} {listed[0]}"
        if len(ks) > MAX_LISTED:
            return f"{self.word}s {', '.join(listed)}, ... ({len(ks):,} in all)"
        return f"{self.word}s {', '.join(listed[:-1])} and {listed[-1]}"

    def take(self, keep: np.ndarray) -> Rows:
        return Rows(np.asarray(self.numbers)[keep], self.word)


def index_rows(count: int) -> Rows:
    """Rows of an array, named by their 0-based index as NumPy users know them."""
    return Rows(range(count), "index")


KEEP_MISSING = "keep"
"""A policy for callers that decide later (the app asks the user): values come back with NaN where missing.
Not offered on the command line, whose sequences go straight to a network."""


def check_policy(name: str, missing: str) -> None:
    if missing not in MISSING_POLICIES and missing != KEEP_MISSING:
        raise fail(name, f"unknown --missing policy {missing!r}; choose one of {', '.join(MISSING_POLICIES)}")


def check_infinite(name: str, values: np.ndarray, labels: Sequence[str], rows: Rows) -> None:
    """Refuse +-inf: a network cannot take it, and it is never a stand-in for a missing value."""
    bad = np.isinf(values)
    if bad.any():
        r, c = np.argwhere(bad)[0]
        raise fail(
            name, f'{rows.one(r)}, column "{labels[c]}": the value is {values[r, c]}; lstmviz needs finite numbers'
        )


def _fill_interpolate(column: np.ndarray, gaps: np.ndarray, x: np.ndarray) -> None:
    """Linear in ``x``; gaps before the first or after the last value take that value (np.interp clamps)."""
    column[gaps] = np.interp(x[gaps], x[~gaps], column[~gaps])


def _fill_forward(column: np.ndarray, gaps: np.ndarray, x: np.ndarray) -> None:
    """Carry the last value forward; gaps before the first value take the first value."""
    last = np.where(gaps, 0, np.arange(len(column)))
    np.maximum.accumulate(last, out=last)
    first = int(np.argmin(gaps))
    last[:first] = first
    column[:] = column[last]


def handle_missing(
    name: str, columns: np.ndarray, labels: Sequence[str], rows: Rows, missing: str, x: np.ndarray | None = None
) -> tuple[np.ndarray, np.ndarray, tuple[str, ...]]:
    """Apply the policy to a (T, C) matrix whose NaN are missing; returns (matrix, kept row mask, notices).

    ``x`` is the abscissa for interpolation (a complete, increasing time axis), else the step index is used.
    """
    check_policy(name, missing)
    gaps = np.isnan(columns)
    keep = np.ones(len(columns), dtype=bool)
    if not gaps.any():
        return columns, keep, ()
    gap_rows = np.flatnonzero(gaps.any(axis=1))
    gap_cols = [labels[int(c)] for c in np.flatnonzero(gaps.any(axis=0))]
    where = (
        f"{rows.many(gap_rows)} (column{'s' if len(gap_cols) > 1 else ''} "
        + ", ".join(f'"{c}"' for c in gap_cols[:MAX_LISTED])
        + (", ..." if len(gap_cols) > MAX_LISTED else "")
        + ")"
    )
    count = int(gaps.sum())
    if missing == KEEP_MISSING:
        return columns, keep, ()
    if missing == "error":
        raise fail(
            name,
            f"{count:,} missing value{'s' if count > 1 else ''} in {where}; choose --missing "
            "interpolate, ffill or drop to fill or skip them",
        )
    if missing == "drop":
        keep = ~gaps.any(axis=1)
        if not keep.any():
            raise fail(name, "every row has a missing value, so --missing drop leaves nothing")
        return (
            columns[keep],
            keep,
            (f"dropped {len(gap_rows):,} row{'s' if len(gap_rows) > 1 else ''} with missing values: {where}",),
        )
    empty = np.flatnonzero(gaps.all(axis=0))
    if len(empty):
        raise fail(name, f'column "{labels[empty[0]]}" has no values at all')
    filled = columns.copy()
    x_axis = np.arange(len(columns), dtype=np.float64) if x is None else x
    fill = _fill_interpolate if missing == "interpolate" else _fill_forward
    for c in np.flatnonzero(gaps.any(axis=0)):
        fill(filled[:, c], gaps[:, c], x_axis)
    how = "by linear interpolation" if missing == "interpolate" else "with the previous value"
    return filled, keep, (f"filled {count:,} missing value{'s' if count > 1 else ''} {how}: {where}",)


def is_monotonic(time: np.ndarray) -> bool:
    """Strictly increasing or strictly decreasing (years before present run backwards), with no NaN."""
    if len(time) < 2:
        return bool(np.isfinite(time).all())
    return bool(_rising(time) or _rising(time[::-1]))


def _rising(time: np.ndarray) -> bool:
    """Compared pairwise, not through np.diff, which overflows (and warns) for values near the float range."""
    return bool((time[1:] > time[:-1]).all())


def finish(
    name: str,
    values: np.ndarray,
    labels: Sequence[str],
    rows: Rows,
    missing: str,
    *,
    time: np.ndarray | None = None,
    time_label: str = "step",
    notices: Sequence[str] = (),
    source: str | None = None,
) -> SequenceData:
    """Check and assemble the final SequenceData from a (T, D) float matrix (NaN = missing) and an optional time."""
    if values.shape[0] == 0:
        raise fail(name, "there are no data rows")
    if values.shape[1] == 0:
        raise fail(name, "there are no input columns")
    check_policy(name, missing)
    labels = tuple(labels)
    check_infinite(name, values, labels, rows)
    if time is not None:
        check_infinite(name, time[:, None], (time_label,), rows)
    more: tuple[str, ...] = ()
    if np.isnan(values).any() or (time is not None and np.isnan(time).any()):
        # Only a table with gaps pays for stacking time and values into one matrix.
        all_labels = (time_label, *labels) if time is not None else labels
        matrix = values if time is None else np.column_stack([time, values])
        x = time if time is not None and not np.isnan(time).any() and _rising(time) else None
        matrix, _keep, more = handle_missing(name, matrix, all_labels, rows, missing, x)
        if (
            missing != KEEP_MISSING and not np.isfinite(matrix).all()
        ):  # interpolating between values near the float limit can overflow
            raise fail(name, "filling the missing values overflowed; the values are too close to the float limit")
        time, values = (None, matrix) if time is None else (matrix[:, 0], matrix[:, 1:])
    if time is not None and not is_monotonic(time):
        raise fail(name, f'the time column "{time_label}" neither rises nor falls steadily')
    return SequenceData(
        values=values,
        time=time,
        time_label=time_label,
        input_labels=labels,
        source=source if source is not None else name,
        notices=(*notices, *more),
    )
