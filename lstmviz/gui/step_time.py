"""The time of a step as the app writes it everywhere: status bar, playback toolbar, diagram title and hovers.

One formatter, so the four places agree: a short unit follows the number ("12.5 s"), a column name comes first
("year 1940", "date 1994-03-12"), integers have no decimals, and a date axis (fractional years read from dates)
is written as a calendar date.
"""

from __future__ import annotations

import datetime as _dt
import math

from ..io.sequence_data import SequenceData

TIME_UNITS = frozenset({"s", "ms", "us", "µs", "ns", "sec", "min", "h", "hr", "d", "days", "wk", "mo", "yr", "Hz"})
"""Labels that are units, written after the number ("12.5 s"); any other label is a name, written first."""
DATE_SUFFIX = " (year)"
"""The loaders label a time axis read from dates "<column> (year)": its values are fractional years."""


def is_date_axis(label: str) -> bool:
    return label.endswith(DATE_SUFFIX)


def date_from_year(value: float) -> _dt.date | None:
    """The calendar day of a fractional year (1994.196 -> 1994-03-13), None outside what datetime can hold."""
    if not math.isfinite(value):
        return None
    year = math.floor(value)
    if not 1 <= year <= 9998:
        return None
    start = _dt.date(year, 1, 1)
    days = (_dt.date(year + 1, 1, 1) - start).days
    return start + _dt.timedelta(days=int(round((value - year) * days)))


def format_number(value: float) -> str:
    """Integers without decimals, others with up to 6 significant digits."""
    value = float(value)
    if value.is_integer() and abs(value) < 1e15:
        return f"{value:.0f}"
    return f"{value:.6g}"


def format_time(value: float, label: str) -> str:
    """``value`` on an axis named ``label``: "12.5 s", "year 1940", "date 1994-03-13", or the bare number."""
    label = (label or "").strip()
    if is_date_axis(label):
        day = date_from_year(value)
        name = label[: -len(DATE_SUFFIX)].strip()
        if day is not None:
            return f"{name} {day.isoformat()}" if name else day.isoformat()
    number = format_number(value)
    if not label or label == "step":
        return number
    if label in TIME_UNITS:
        return f"{number} {label}"
    return f"{label} {number}"


def step_time(sequence: SequenceData, step: int) -> str:
    """The time of ``step`` on the sequence's own axis, or "" when the sequence has none (steps are the axis)."""
    if sequence.time is None or not 0 <= step < sequence.steps:
        return ""
    return format_time(float(sequence.time[step]), sequence.time_label)


def step_and_time(sequence: SequenceData, step: int) -> str:
    """ "t = 60", or "t = 60 (year 1940)" when the sequence has its own time axis (hovers and titles)."""
    when = step_time(sequence, step)
    return f"t = {step} ({when})" if when else f"t = {step}"
