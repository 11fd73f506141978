"""JSON sequences: a list of numbers, a list of rows, or ``{"x": ..., "t": ...}``; nesting checked before parsing.

Python's ``json`` module recurses once per nesting level, so ``[[[[...]]]]`` a hundred thousand deep would raise
RecursionError inside the parser. The depth is therefore measured first, on the bytes, with NumPy.
"""

from __future__ import annotations

import codecs
import json
import math
from typing import Any

import numpy as np

from .json_keys import DuplicateKey, unique_keys
from .mapped import Data, release
from .quoting import CONTROL_NOTICE, escape_controls, quote, replace_surrogates, shorten, surrogate_notice
from .seq_decode import check_not_binary, decode_text, fail
from .seq_json_numbers import SMALL_JSON_BYTES, put_back, split_numbers
from .seq_values import finish, index_rows
from .sequence_data import SequenceData

MAX_DEPTH = 16
"""``{"x": [[...]]}`` needs 3; a little room for tools that wrap their output, nothing more."""
TOO_LARGE = "the number is too large for a 64-bit float (beyond 1.8e308)"


class _Infinite(Exception):
    """Raised from the constant hook: ``Infinity`` / ``-Infinity``."""


def nesting_depth(data: Data, limit: int | None = None, chunk: int = 1 << 20) -> int:
    """Deepest bracket nesting outside strings, vectorised, in chunks (no recursion, memory ~20x ``chunk``).

    A quote opens or closes a string unless an odd number of backslashes precedes it; brackets inside strings do
    not count. With ``limit``, scanning stops as soon as the depth exceeds it.
    """
    deepest = depth = 0
    inside = False  # within a string at the start of the chunk
    backslashes = 0  # length of the run of backslashes that ended the previous chunk
    for begin in range(0, len(data), chunk):
        codes = np.frombuffer(data, dtype=np.uint8, count=min(chunk, len(data) - begin), offset=begin)
        positions = np.arange(len(codes), dtype=np.int32)
        last_plain = np.maximum.accumulate(np.where(codes == 92, -1, positions))  # last non-backslash so far
        quotes = np.flatnonzero(codes == 34)
        if len(quotes):
            before = np.maximum(quotes - 1, 0)
            run = np.where(quotes > 0, before - last_plain[before], 0)
            run += np.where((quotes == 0) | (last_plain[before] < 0), backslashes, 0)  # runs across the boundary
            quotes = quotes[run % 2 == 0]
        opening = (codes == 91) | (codes == 123)
        brackets = np.flatnonzero(opening | (codes == 93) | (codes == 125))
        outside = (np.searchsorted(quotes, brackets) + inside) % 2 == 0
        steps = np.where(opening[brackets[outside]], 1, -1)
        if len(steps):
            curve = depth + np.cumsum(steps)
            deepest, depth = max(deepest, int(curve.max())), int(curve[-1])
        inside = bool((inside + len(quotes)) % 2)
        tail = len(codes) - 1 - int(last_plain[-1])
        backslashes = backslashes + tail if tail == len(codes) else tail
        del codes, positions, last_plain
        release(data, begin, begin + chunk)
        if limit is not None and deepest > limit:
            break
    return deepest


def _constant(text: str) -> float:
    if text == "NaN":
        return math.nan  # a missing value, like null
    raise _Infinite(text)


def _plain(cell: Any) -> bool:
    return cell is None or type(cell) is float or type(cell) is int


def _row(name: str, item: Any, where: str) -> list[float]:
    """Numbers of one row: a number, or a list of numbers; null is missing; anything else is refused."""
    nested = isinstance(item, list)
    out: list[float] = []
    for j, cell in enumerate(item if nested else [item]):
        at = f"{where}[{j}]" if nested else where
        if cell is None:
            out.append(math.nan)
        elif isinstance(cell, bool) or not isinstance(cell, (int, float)):
            raise fail(name, f"{at}: {shorten(json.dumps(cell))} is not a number")
        else:
            try:
                out.append(float(cell))
            except OverflowError:
                raise fail(name, f"{at}: {TOO_LARGE}") from None
    return out


def _mixed(name: str, key: str, k: int) -> list[float]:
    raise fail(name, f"{key}[{k}] mixes rows and single numbers")


def _careful_matrix(name: str, items: list[Any], key: str, nested: bool) -> np.ndarray:
    """Row by row, to name the first row that is wrong."""
    rows = [
        _row(name, item, f"{key}[{k}]") if isinstance(item, list) == nested else _mixed(name, key, k)
        for k, item in enumerate(items)
    ]
    width = len(rows[0])
    if width == 0:
        raise fail(name, f"{key}[0] is an empty row")
    for k, row in enumerate(rows):
        if len(row) != width:
            raise fail(name, f"{key}[{k}] has {len(row)} values, but {key}[0] has {width}")
    return np.array(rows, dtype=np.float64).reshape(len(rows), width)


def _matrix(name: str, items: Any, key: str) -> np.ndarray:
    """A (T, D) float array from a list of numbers or a list of equal-length rows (null = missing)."""
    if isinstance(items, np.ndarray):  # read by seq_json_numbers
        values = items if items.ndim == 2 else items[:, None]
        if not len(values):
            raise fail(name, f"{key} is an empty list")
        return _finite(name, values, key, items.ndim == 2)
    if not isinstance(items, list):
        raise fail(name, f"{key} must be a list of numbers or a list of rows")
    if not items:
        raise fail(name, f"{key} is an empty list")
    nested = isinstance(items[0], list)
    try:
        if (
            nested
            and all(type(r) is list for r in items)
            and len(set(map(len, items))) == 1
            and items[0]
            and all(_plain(c) for r in items for c in r)
        ):
            values = np.array(items, dtype=np.float64)  # the common case, checked in one pass above
        elif not nested and all(_plain(c) for c in items):
            values = np.array(items, dtype=np.float64)[:, None]
        else:
            values = _careful_matrix(name, items, key, nested)
    except OverflowError:  # an integer literal beyond float range
        values = _careful_matrix(name, items, key, nested)
    return _finite(name, values, key, nested)


def _finite(name: str, values: np.ndarray, key: str, nested: bool) -> np.ndarray:
    overflow = np.argwhere(np.isinf(values))  # JSON has no infinity literal here, so inf is an overflow
    if len(overflow):
        r, c = overflow[0]
        raise fail(name, f"{key}[{r}][{c}]: {TOO_LARGE}" if nested else f"{key}[{r}]: {TOO_LARGE}")
    return values


def _labels(name: str, document: dict[str, Any], width: int) -> tuple[str, ...]:
    labels = document.get("labels")
    if labels is None:
        return ()
    if not isinstance(labels, list) or len(labels) != width or not all(isinstance(s, str) for s in labels):
        raise fail(name, f'"labels" must be a list of {width} strings, one per input column')
    return tuple(labels)


SURROGATE_NOTICE = surrogate_notice("the labels")


def _clean_labels(labels: tuple[str, ...], time_label: str) -> tuple[tuple[str, ...], str, tuple[str, ...]]:
    """Labels that can be printed: lone surrogates replaced by U+FFFD and control characters escaped, with a notice
    for each that says so."""
    replaced = [replace_surrogates(label) for label in (*labels, time_label)]
    escaped = [escape_controls(text) for text, _ in replaced]
    notices: tuple[str, ...] = (SURROGATE_NOTICE,) if any(changed for _, changed in replaced) else ()
    notices += (CONTROL_NOTICE,) if any(changed for _, changed in escaped) else ()
    return tuple(text for text, _ in escaped[:-1]), escaped[-1][0], notices


def _parse(text: str, name: str, positions: bool = True) -> Any:
    """``json.loads`` with every failure as one sentence; ``positions`` False when ``text`` is not the file's own
    (arrays were cut out of it), so a line and column would point to the wrong place."""
    depth = nesting_depth(text.encode("utf-8", errors="surrogatepass"), MAX_DEPTH)
    if depth > MAX_DEPTH:
        raise fail(name, f"the JSON is nested more than {MAX_DEPTH} levels deep; a sequence needs at most 3")
    try:
        return json.loads(text, parse_constant=_constant, object_pairs_hook=unique_keys)
    except DuplicateKey as exc:
        raise fail(name, f"the JSON object names {quote(exc.key)} twice, so it is unclear which to read") from None
    except json.JSONDecodeError as exc:
        where = f"line {exc.lineno}, column {exc.colno}: " if positions else ""
        raise fail(name, f"is not valid JSON ({where}{exc.msg})") from None
    except _Infinite as exc:
        raise fail(name, f"{exc} is not allowed; lstmviz needs finite numbers") from None
    except (ValueError, RecursionError) as exc:  # e.g. an integer literal with thousands of digits
        raise fail(name, f"is not valid JSON ({str(exc)[:80]})") from None


def _parse_large(data: Data, name: str) -> tuple[Any, tuple[str, ...]]:
    """Over SMALL_JSON_BYTES: arrays of numbers straight to NumPy (seq_json_numbers), the rest through ``json``.

    ``data`` may be the file's map (:mod:`.mapped`): each pass gives back the pages it has passed.
    """
    if data[:4].startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE, codecs.BOM_UTF32_BE)):  # UTF-16/32 to UTF-8
        text, _ = decode_text(bytes(data), name)
        data = text.encode("utf-8", errors="surrogatepass")
        del text
    check_not_binary(data, name)
    if nesting_depth(data, MAX_DEPTH) > MAX_DEPTH:
        raise fail(name, f"the JSON is nested more than {MAX_DEPTH} levels deep; a sequence needs at most 3")
    rest, arrays = split_numbers(data, 3 if data[:3] == codecs.BOM_UTF8 else 0, lambda p: fail(name, p))
    text, notices = decode_text(rest, name)
    if not arrays and not text.strip():
        raise fail(name, "the file is empty")
    return put_back(_parse(text, name, positions=not arrays), arrays), notices


def load_json(data: Data, name: str, *, missing: str = "error") -> SequenceData:
    """Read ``[1, 2]``, ``[[1, 2], [3, 4]]`` or ``{"x": ..., "t": [...], "labels": [...], "time_label": "..."}``.

    ``data`` is the file's bytes or, for a large file, its map (see :mod:`.mapped`).
    """
    if len(data) > SMALL_JSON_BYTES:
        document, notices = _parse_large(data, name)
    else:
        text, notices = decode_text(bytes(data), name)
        if not text.strip():
            raise fail(name, "the file is empty")
        document = _parse(text, name)
    time = None
    labels: tuple[str, ...] = ()
    time_label = "step"
    if isinstance(document, dict):
        if "x" not in document:
            raise fail(name, 'the JSON object has no "x" (the sequence values)')
        values = _matrix(name, document["x"], "x")
        if document.get("t") is not None:
            t = _matrix(name, document["t"], "t")
            if t.shape != (len(values), 1):
                raise fail(name, f'"t" must be one number per step: it has {t.shape[0]} rows for {len(values)} steps')
            time = t[:, 0]
            time_label = str(document.get("time_label", "t"))
        labels = _labels(name, document, values.shape[1])
    else:
        values = _matrix(name, document, "the list")
    if not labels:
        labels = ("x",) if values.shape[1] == 1 else tuple(f"x{k}" for k in range(values.shape[1]))
    labels, time_label, replaced = _clean_labels(labels, time_label)
    return finish(
        name,
        values,
        labels,
        index_rows(len(values)),
        missing,
        time=time,
        time_label=time_label,
        notices=(*notices, *replaced),
    )
