"""JSON sequences: a list of numbers, a list of rows, or ``{"x": ..., "t": ...}``; nesting checked before parsing.

Python's ``json`` module recurses once per nesting level, so ``[[[[...]]]]`` a hundred thousand deep would raise
RecursionError (or worse) inside the parser. The depth is therefore measured first, on the bytes, with NumPy.
"""

from __future__ import annotations

import json
import math
import re
from typing import Any

import numpy as np

from .seq_decode import decode_text, fail
from .seq_values import Rows, finish, index_rows
from .sequence_data import SequenceData

MAX_DEPTH = 16
"""``{"x": [[...]]}`` needs 3; a little room for tools that wrap their output, nothing more."""
_STRINGS = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


class _Overflow(Exception):
    """Raised from the number hook: a literal too large for a float (``1e999``)."""


class _Infinite(Exception):
    """Raised from the constant hook: ``Infinity`` / ``-Infinity``."""


def nesting_depth(text: str) -> int:
    """Deepest bracket nesting outside strings, without recursion."""
    codes = np.frombuffer(_STRINGS.sub("", text).encode("utf-8"), dtype=np.uint8)
    brackets = codes[(codes == 91) | (codes == 123) | (codes == 93) | (codes == 125)]
    if not len(brackets):
        return 0
    steps = np.where((brackets == 91) | (brackets == 123), 1, -1).astype(np.int32)
    return int(np.cumsum(steps).max())


def _number(text: str) -> float:
    value = float(text)
    if math.isinf(value):
        raise _Overflow(text)
    return value


def _constant(text: str) -> float:
    if text == "NaN":
        return math.nan  # a missing value, like null
    raise _Infinite(text)


def _row(name: str, item: Any, where: str) -> list[float]:
    """Numbers of one row: a number, or a list of numbers; null is missing; anything else is refused."""
    cells = item if isinstance(item, list) else [item]
    out: list[float] = []
    for cell in cells:
        if cell is None:
            out.append(math.nan)
        elif isinstance(cell, bool) or not isinstance(cell, (int, float)):
            raise fail(name, f"{where}: {json.dumps(cell)[:40]} is not a number")
        else:
            out.append(float(cell))
    return out


def _matrix(name: str, items: Any, key: str) -> np.ndarray:
    """A (T, D) float array from a list of numbers or a list of equal-length rows."""
    if not isinstance(items, list):
        raise fail(name, f"{key} must be a list of numbers or a list of rows")
    if not items:
        raise fail(name, f"{key} is an empty list")
    nested = isinstance(items[0], list)
    rows = [_row(name, item, f"{key}[{k}]") if isinstance(item, list) == nested else
            _mixed(name, key, k) for k, item in enumerate(items)]
    width = len(rows[0])
    if width == 0:
        raise fail(name, f"{key}[0] is an empty row")
    for k, row in enumerate(rows):
        if len(row) != width:
            raise fail(name, f"{key}[{k}] has {len(row)} values, but {key}[0] has {width}")
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def _mixed(name: str, key: str, k: int) -> list[float]:
    raise fail(name, f"{key}[{k}] mixes rows and single numbers")


def load_json(data: bytes, name: str, *, missing: str = "error") -> SequenceData:
    """Read ``[1, 2]``, ``[[1, 2], [3, 4]]`` or ``{"x": ..., "t": [...], "labels": [...], "time_label": "..."}``."""
    text, notices = decode_text(data, name)
    if not text.strip():
        raise fail(name, "the file is empty")
    depth = nesting_depth(text)
    if depth > MAX_DEPTH:
        raise fail(name, f"the JSON is nested {depth:,} levels deep; a sequence needs at most 3 "
                   f"(lstmviz reads up to {MAX_DEPTH})")
    try:
        document = json.loads(text, parse_float=_number, parse_int=_number, parse_constant=_constant)
    except json.JSONDecodeError as exc:
        raise fail(name, f"is not valid JSON (line {exc.lineno}, column {exc.colno}: {exc.msg})") from None
    except _Overflow as exc:
        raise fail(name, f"the number {str(exc)[:40]} is too large for a 64-bit float (beyond 1.8e308)") from None
    except _Infinite as exc:
        raise fail(name, f"{exc} is not allowed; lstmviz needs finite numbers") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer literal with thousands of digits
        raise fail(name, f"is not valid JSON ({str(exc)[:80]})") from None
    time = None
    labels: tuple[str, ...] = ()
    time_label = "t"
    if isinstance(document, dict):
        if "x" not in document:
            raise fail(name, 'the JSON object has no "x" (the sequence values)')
        values = _matrix(name, document["x"], "x")
        if document.get("t") is not None:
            t = _matrix(name, document["t"], "t")
            if t.shape != (len(values), 1):
                raise fail(name, f'"t" must be one number per step: it has {t.shape[0]} rows for {len(values)} steps')
            time = t[:, 0]
        labels = _labels(name, document, values.shape[1])
        time_label = str(document.get("time_label", "t"))
    else:
        values = _matrix(name, document, "the list")
    rows: Rows = index_rows(len(values))
    if not labels:
        labels = ("x",) if values.shape[1] == 1 else tuple(f"x{k}" for k in range(values.shape[1]))
    return finish(name, values, labels, rows, missing, time=time, time_label=time_label if time is not None else
                  "step", notices=notices)


def _labels(name: str, document: dict[str, Any], width: int) -> tuple[str, ...]:
    labels = document.get("labels")
    if labels is None:
        return ()
    if not isinstance(labels, list) or len(labels) != width or not all(isinstance(s, str) for s in labels):
        raise fail(name, f'"labels" must be a list of {width} strings, one per input column')
    return tuple(labels)
