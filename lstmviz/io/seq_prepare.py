"""Turn a table read with its gaps kept into the sequence a person chose: inputs, time axis, gaps, scale.

The app reads a file once with ``missing="keep"`` (NaN where a cell is empty), then lets the user pick which
columns are inputs, which one is the time axis, what to do with the gaps and how to scale the inputs;
:func:`prepare` applies those choices without reading the file again. Dates written as YYYYMMDD integers become
fractional years (so interpolation is linear in time, not in the digits), and a ``year`` column with a ``quarter``
or ``month`` column combine into one fractional-year axis.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field

import numpy as np

from .errors import SequenceError
from .quoting import quote
from .seq_values import MISSING_POLICIES, Rows, handle_missing, is_monotonic
from .sequence_data import SequenceData

NORMALISATIONS: tuple[str, ...] = ("none", "z-score", "min-max")
"""none: the file's values; z-score: (x - mean) / std per column; min-max: (x - min) / (max - min), in [0, 1]."""
STEP_AXIS = ""
"""The time axis choice meaning "the step index 0..T-1"."""
DATE_SUFFIX = " (year)"
"""How the loaders label an axis of fractional years read from dates; the app writes such times as dates."""
_PERIODS = {"quarter": 4, "qtr": 4, "q": 4, "month": 12, "mon": 12, "m": 12}
_YEAR = re.compile(r"^(year|yr|yyyy|jahr|année|annee|año|anno)$")


@dataclass(frozen=True)
class Column:
    """One column of the table as read: its name, its values (NaN where missing) and whether it is the loader's
    time column (a date column arrives as fractional years)."""

    name: str
    values: np.ndarray
    is_time: bool = False

    @property
    def gaps(self) -> int:
        return int(np.isnan(self.values).sum())


@dataclass(frozen=True)
class Choice:
    """What the user chose: input columns by name, the time axis (a column name, a ``year+quarter`` pair as
    ``"year + quarter"``, or :data:`STEP_AXIS`), the missing-value policy and the normalisation."""

    inputs: tuple[str, ...]
    time: str = STEP_AXIS
    missing: str = "interpolate"
    normalise: str = "none"


@dataclass(frozen=True)
class Scaling:
    """How the inputs were scaled: ``x_file = x_shown * scale + offset`` per column (kept with the session)."""

    method: str
    offset: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()


@dataclass(frozen=True)
class Table:
    """Every column a table offered, as read with its gaps kept, plus what the loader said about it."""

    name: str
    columns: tuple[Column, ...]
    time_label: str = "step"
    source: str = ""
    notices: tuple[str, ...] = field(default=())

    @classmethod
    def from_sequence(cls, raw: SequenceData, name: str) -> Table:
        """The columns of a sequence loaded with ``missing="keep"``: its time column first, then its inputs."""
        columns = []
        if raw.time is not None:
            columns.append(Column(raw.time_label, np.asarray(raw.time, dtype=np.float64), is_time=True))
        for k, label in enumerate(raw.input_labels):
            columns.append(Column(label, np.asarray(raw.values[:, k], dtype=np.float64)))
        return cls(name, tuple(columns), raw.time_label, raw.source, raw.notices)

    @property
    def names(self) -> tuple[str, ...]:
        return tuple(c.name for c in self.columns)

    @property
    def gaps(self) -> int:
        return sum(c.gaps for c in self.columns)

    def column(self, name: str) -> Column:
        for column in self.columns:
            if column.name == name:
                return column
        raise SequenceError(
            f'{self.name}: there is no column "{name}"; the columns are ' + ", ".join(f'"{n}"' for n in self.names)
        )

    def year_period_pairs(self) -> list[tuple[str, str, int]]:
        """(year column, quarter/month column, periods per year) pairs found by name."""
        years = [c.name for c in self.columns if _YEAR.match(c.name.strip().lower())]
        periods = [
            (c.name, _PERIODS[c.name.strip().lower()]) for c in self.columns if c.name.strip().lower() in _PERIODS
        ]
        return [(y, p, n) for y in years for p, n in periods]

    def time_choices(self) -> list[tuple[str, str]]:
        """(key, description) of each possible time axis, the best first (what :func:`suggest` picks)."""
        choices: list[tuple[str, str]] = []
        for year, period, per_year in self.year_period_pairs():
            key = f"{year} + {period}"
            choices.append((key, f"{year} + {period} as fractional years ({per_year} per year)"))
        for column in self.columns:
            present = column.values[~np.isnan(column.values)]
            if len(present) < 2 or not is_monotonic(present):
                continue
            if yyyymmdd_years(column.values) is not None:
                choices.append((column.name, f"{column.name} (dates written as YYYYMMDD)"))
            elif column.name.endswith(DATE_SUFFIX):
                choices.append((column.name, f"{column.name[: -len(DATE_SUFFIX)]} (dates)"))
            else:
                choices.append((column.name, column.name))
        # the loader's own choice (a date column, or one named like a time) before other rising columns
        choices.sort(key=lambda kc: 0 if "+" in kc[0] else 1 if self._looks_like_time(kc[0]) else 2)
        choices.append((STEP_AXIS, "step number (0, 1, 2, …)"))
        return choices

    def _looks_like_time(self, name: str) -> bool:
        column = next((c for c in self.columns if c.name == name), None)
        return column is not None and (column.is_time or yyyymmdd_years(column.values) is not None)


def yyyymmdd_years(values: np.ndarray) -> np.ndarray | None:
    """Fractional years of dates written as integers like 19940312, or None when ``values`` are not such dates.

    Every present value must be a whole number from 1000-01-01 to 2999-12-31 whose month and day exist.
    """
    present = ~np.isnan(values)
    found = values[present]
    if found.size == 0 or not np.all(found == np.floor(found)) or found.min() < 10000101 or found.max() > 29991231:
        return None
    digits = found.astype(np.int64)
    year, month, day = digits // 10000, digits // 100 % 100, digits % 100
    if month.min() < 1 or month.max() > 12 or day.min() < 1 or day.max() > 31:
        return None
    months = ((year - 1970) * 12 + month - 1).astype("datetime64[M]")
    stamps = months.astype("datetime64[D]") + (day - 1).astype("timedelta64[D]")
    if np.any(stamps.astype("datetime64[M]") != months):  # 19940230 is not a day
        return None
    out = np.full(values.shape, np.nan)
    out[present] = _fractional_years(stamps.astype("datetime64[s]"))
    return out


def _fractional_years(stamps: np.ndarray) -> np.ndarray:
    """2020-01-31 -> 2020 + 30/366 (the loaders' own rule for ISO dates: each year divided by its length)."""
    year = stamps.astype("datetime64[Y]")
    start = year.astype("datetime64[s]")
    length = ((year + 1).astype("datetime64[s]") - start).astype(np.float64)
    years: np.ndarray = year.astype(np.int64) + 1970 + (stamps - start).astype(np.float64) / length
    return years


def needs_decision(table: Table) -> bool:
    """Whether opening ``table`` as the command line would (every numeric column an input) is not enough: it has
    gaps, dates written as YYYYMMDD, year + quarter/month columns, or columns the loader skipped."""
    best = suggest(table)
    converted = " + " in best.time or (
        best.time != STEP_AXIS and yyyymmdd_years(table.column(best.time).values) is not None
    )
    return table.gaps > 0 or converted or any(n.startswith("skipped column") for n in table.notices)


def suggest(table: Table) -> Choice:
    """The choice the dialog starts from: the best time axis, every other column an input, gaps interpolated."""
    best = table.time_choices()[0][0]
    time = best if " + " in best or table._looks_like_time(best) else STEP_AXIS
    used = set(time.split(" + ")) if time else set()
    inputs = tuple(n for n in table.names if n not in used)
    if not inputs:  # a single rising column is data, not a time axis
        time, inputs = STEP_AXIS, table.names
    return Choice(inputs=inputs, time=time, missing="interpolate", normalise="none")


def _time_axis(table: Table, key: str) -> tuple[np.ndarray | None, str]:
    """The time values and label of a time choice (fractional years for dates and year + period pairs)."""
    if key == STEP_AXIS:
        return None, "step"
    if " + " in key:
        year_name, period_name = key.split(" + ", 1)
        per_year = _PERIODS[period_name.strip().lower()]
        year, period = table.column(year_name).values, table.column(period_name).values
        return year + (period - 1.0) / per_year, year_name
    column = table.column(key)
    years = yyyymmdd_years(column.values)
    if years is not None:
        return years, key + DATE_SUFFIX
    return column.values, key


def normalise(values: np.ndarray, method: str) -> tuple[np.ndarray, Scaling]:
    """Scale each column by ``method`` (see :data:`NORMALISATIONS`); constant columns are only shifted."""
    if method == "none":
        return values, Scaling("none")
    if method == "z-score":
        offset = values.mean(axis=0)
        scale = values.std(axis=0)
    elif method == "min-max":
        offset = values.min(axis=0)
        scale = values.max(axis=0) - offset
    else:
        raise SequenceError(f"unknown normalisation {quote(method)}; choose one of {', '.join(NORMALISATIONS)}")
    scale = np.where(scale > 0, scale, 1.0)
    return (values - offset) / scale, Scaling(method, tuple(map(float, offset)), tuple(map(float, scale)))


def prepare(table: Table, choice: Choice) -> tuple[SequenceData, Scaling]:
    """The sequence ``choice`` describes, and how its inputs were scaled.

    Raises
    ------
    SequenceError
        No inputs, an unknown column or policy, a time axis that does not rise or fall steadily, or gaps that the
        policy cannot fill (the sentence says which).
    """
    name = table.name
    if not choice.inputs:
        raise SequenceError(f"{name}: choose at least one column as input")
    if choice.missing not in MISSING_POLICIES:
        raise SequenceError(f"{name}: unknown missing-value choice {quote(choice.missing)}")
    time, time_label = _time_axis(table, choice.time)
    labels = tuple(choice.inputs)
    values = np.column_stack([table.column(n).values for n in labels])
    rows = Rows(np.arange(len(values)), "step")
    notices: list[str] = list(table.notices)
    if np.isnan(values).any() or (time is not None and np.isnan(time).any()):
        complete_time = time is not None and not np.isnan(time).any() and is_monotonic(time)
        if time is not None and complete_time:
            x = time if time[-1] > time[0] else -time
            values, keep, more = handle_missing(name, values, labels, rows, choice.missing, x)
            time = time[keep]
        else:
            matrix = values if time is None else np.column_stack([time, values])
            all_labels = labels if time is None else (time_label, *labels)
            matrix, _keep, more = handle_missing(name, matrix, all_labels, rows, choice.missing, None)
            time, values = (None, matrix) if time is None else (matrix[:, 0], matrix[:, 1:])
        notices += more
    if not np.isfinite(values).all():
        raise SequenceError(
            f"{name}: filling the missing values overflowed; the values are too close to the float limit"
        )
    if time is not None and not is_monotonic(time):
        raise SequenceError(
            f'{name}: the time axis "{time_label}" neither rises nor falls steadily; choose '
            "another column or the step number"
        )
    values, scaling = normalise(values, choice.normalise)
    if scaling.method != "none":
        labels = tuple(f"{label} ({scaling.method})" for label in labels)
        notices.append(f"inputs scaled by {scaling.method}")
    sequence = SequenceData(
        values=values,
        time=time,
        time_label=time_label,
        input_labels=labels,
        source=table.source or name,
        notices=tuple(notices),
    )
    return sequence, scaling
