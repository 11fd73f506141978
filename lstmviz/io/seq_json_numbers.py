"""Large JSON sequences without a Python object per number: arrays of numbers go to NumPy a block at a time.

``json.loads`` makes a Python float (24 bytes plus an 8-byte list slot) for every number, so 100 MB of numbers
cost 0.7 GB as a list and 1.45 GB as rows. Above :data:`SMALL_JSON_BYTES`, the long runs of number characters
(digits, signs, ``.eE``, commas, brackets, whitespace, ``null``, ``NaN``) that form a list of numbers or a list of
equal-length rows are cut out of the file and parsed by NumPy in blocks of about a megabyte; what is left (keys,
labels, small lists) is at most :data:`MAX_REST_BYTES` and goes through ``json`` as usual. Memory is then the
file's bytes, the float64 result twice (its blocks, then their concatenation) and one block of text.

What ``json`` refuses is refused here too: a missing value between commas, two numbers without a comma, ragged
rows, words, and numbers NumPy would read but JSON does not write (``+1``, ``.5``, ``1.``, ``01``).
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import numpy as np

from .errors import SequenceError
from .limits import describe_bytes
from .mapped import Data, count_in, release

SMALL_JSON_BYTES = 1 << 20
"""Smaller files go through ``json`` whole: their messages name every position, their memory is negligible."""
MAX_REST_BYTES = 16 << 20
"""A large file's JSON other than plain arrays of numbers: refused beyond this (a Python object per value)."""
MIN_RUN = 4096
"""Shorter arrays are left to ``json``."""
BLOCK = 1 << 20
SCAN_CHUNK = 1 << 20

_NUMBER_BYTES = b"0123456789+-.eE,[] \t\r\n"
_WORD_BYTES = b"nulNa"  # of null and NaN (both mean a missing value)
_CLASS = bytes(0 if b in _NUMBER_BYTES + _WORD_BYTES else 1 for b in range(256))
"""0 for the bytes an array of numbers is made of, 1 for the rest (``bytes.translate`` maps a chunk at C speed)."""
_TO_SPACES = bytes.maketrans(b"[],", b"   ")
_ROWS_END = re.compile(rb"\]\s*\]")
_KEY_BEFORE = re.compile(rb'"([^"\\]{1,40})"\s*:\s*$')
_SPACE = b" \t\r\n"
_TOO_MUCH_ELSE = (
    "is over {small} and holds more than {rest} of JSON other than lists of numbers; lstmviz reads a "
    "large JSON file only as lists of numbers or of rows (save it as .npy or CSV)"
)

Fail = Callable[[str], SequenceError]


class _NotPlain(Exception):
    """This run is not a flat list or a list of rows: leave it to ``json``."""


def _number_runs(data: Data, start: int, fail: Fail) -> list[tuple[int, int]]:
    """(begin, end) of the stretches of more than MIN_RUN number characters, found a chunk at a time.

    Only the stretches are kept, not the position of every other byte, so memory stays one chunk's worth.
    """
    runs: list[tuple[int, int]] = []
    last, other = start - 1, 0  # the last byte seen that is not a number character
    for begin in range(start, len(data), SCAN_CHUNK):
        flags = np.frombuffer(data[begin : begin + SCAN_CHUNK].translate(_CLASS), dtype=np.uint8)
        found = np.flatnonzero(flags) + begin
        other += len(found)
        if other > MAX_REST_BYTES:
            raise fail(
                _TOO_MUCH_ELSE.format(small=describe_bytes(SMALL_JSON_BYTES), rest=describe_bytes(MAX_REST_BYTES))
            )
        edges = np.concatenate([[last], found])
        runs += [(int(edges[k]) + 1, int(edges[k + 1])) for k in np.flatnonzero(np.diff(edges) > MIN_RUN)]
        last = int(edges[-1])
        del flags, found, edges
        release(data, begin, begin + SCAN_CHUNK)
    if len(data) - last > MIN_RUN:
        runs.append((last + 1, len(data)))
    return runs


_DIGIT = np.zeros(256, dtype=bool)
_DIGIT[48:58] = True
_SEPARATOR = np.zeros(256, dtype=bool)
_SEPARATOR[list(b" \t\r\n,[")] = True


def _json_numbers(block: bytes) -> bool:
    """Are the numbers written as JSON writes them? NumPy would also read ``+1``, ``.5``, ``1.`` and ``01``.

    A ``.`` needs a digit on each side, a ``+`` an ``e`` before it, and a ``0`` that starts a number (after a
    separator, or after a ``-`` that follows one) may not be followed by a digit. Exponents may have leading zeros.
    """
    codes = np.frombuffer(block, dtype=np.uint8)
    padded = np.concatenate([[32, 32], codes, [32]]).astype(np.uint8)
    prev, after = padded[1:-2], padded[3:]  # the bytes before and after each of ``codes``
    digit_prev, digit_after = _DIGIT[prev], _DIGIT[after]
    if ((codes == 46) & ~(digit_prev & digit_after)).any():
        return False
    if ((codes == 43) & (prev != 101) & (prev != 69)).any():
        return False
    starts = _SEPARATOR[prev] | ((prev == 45) & _SEPARATOR[padded[:-3]])
    return not ((codes == 48) & starts & digit_after).any()


def _floats(block: bytes, fail: Fail, where: str) -> np.ndarray:
    """The numbers of a block whose brackets and commas were already checked (``null`` and ``NaN``: NaN)."""
    nulls = nans = 0
    if block.translate(None, _NUMBER_BYTES):  # letters: each must belong to a null or a NaN
        nulls, nans = block.count(b"null"), block.count(b"NaN")
        letters = [block.count(c) for c in (b"n", b"u", b"l", b"N", b"a")]
        if letters != [nulls, nulls, 2 * nulls, 2 * nans, nans]:
            raise fail(f"{where} holds a word that is not a number, null or NaN")
    if not _json_numbers(block):
        raise fail(f"{where} holds something that is not a JSON number")
    text = block.translate(_TO_SPACES)
    if nulls or nans:
        text = text.replace(b"null", b"nan ").replace(b"NaN", b"nan")
    try:  # split() makes one small bytes object per number, but only for one block at a time
        return np.array(text.split(), dtype=np.float64)
    except ValueError:
        raise fail(f"{where} holds something that is not a JSON number") from None


def _most_values(data: Data, begin: int, end: int) -> int:
    """How many numbers ``data[begin:end]`` can hold, so they are written into one array, not blocks then a copy.

    One more than its commas, and no more than its digits, ``u`` and ``a`` (each number has a digit; ``null`` a
    ``u``, ``NaN`` an ``a``): so ``[,,,,]`` reserves nothing, and a list that is not plain fails in its first block.
    """
    commas = marks = 0
    for start in range(begin, end, SCAN_CHUNK):
        piece = data[start : min(start + SCAN_CHUNK, end)]
        commas += piece.count(b",")
        marks += len(piece) - len(piece.translate(None, b"0123456789ua"))
        release(data, start, start + SCAN_CHUNK)
    return min(commas + 1, marks)


def _flat(data: Data, begin: int, end: int, key: str, fail: Fail) -> np.ndarray:
    """``[n, n, ...]`` from ``begin`` (the ``[``) to ``end`` (the ``]``): a (T,) array, a block at a time."""
    out = np.empty(_most_values(data, begin, end))
    pos, done = begin + 1, 0
    while pos < end:
        stop = end
        if pos + BLOCK < end:
            cut = data.rfind(b",", pos, pos + BLOCK)
            if cut < 0:
                raise fail(f"{key}[{done}]: a number is over {describe_bytes(BLOCK)} long")
            stop = cut + 1
        block = data[pos:stop]
        values = _floats(block, fail, f"{key}[{done}...]")
        if len(values) != block.count(b",") + (stop == end) or done + len(values) > len(out):
            raise fail(f"{key}[{done}...]: a value is missing between commas, or two values have no comma between them")
        out[done : done + len(values)] = values
        done += len(values)
        release(data, pos, stop)
        pos = stop
    return out[:done]


def _rows_block(block: bytes, first: bool) -> tuple[np.ndarray, np.ndarray]:
    """(where each row starts, values in each row) of a block of whole rows ``[..], [..]``; _NotPlain if it is not
    one."""
    codes = np.frombuffer(block, dtype=np.uint8)
    opens, closes = np.flatnonzero(codes == 91), np.flatnonzero(codes == 93)
    if not len(opens) or len(opens) != len(closes) or (opens > closes).any() or (closes[:-1] > opens[1:]).any():
        raise _NotPlain
    marks = np.zeros(len(codes), dtype=np.int8)
    marks[opens], marks[closes] = 1, -1
    inside = np.cumsum(marks, dtype=np.int8).astype(bool)  # 1 from a row's "[" up to (not with) its "]"
    between = codes[~inside]
    allowed = (between == 44) | (between == 93) | np.isin(between, np.frombuffer(_SPACE, dtype=np.uint8))
    if not allowed.all() or np.count_nonzero(between == 44) != len(opens) - int(first):
        raise _NotPlain
    commas = np.flatnonzero(codes == 44)
    inner = commas[inside[commas]]
    counts = np.bincount(np.searchsorted(opens, inner) - 1, minlength=len(opens)) + 1
    counts[closes - opens == 1] = 0  # "[]"; "[ ]" is caught when the numbers are counted
    return opens, counts


def _rows(data: Data, begin: int, end: int, key: str, fail: Fail) -> np.ndarray:
    """``[[..], [..], ...]`` from ``begin`` (the outer ``[``) to ``end`` (the outer ``]``): a (T, D) array."""
    out = np.empty(_most_values(data, begin, end))  # T x D: T x (D - 1) commas within rows, T - 1 between them
    pos, done, width = begin + 1, 0, -1
    while pos < end:
        stop = end
        if pos + BLOCK < end:
            close = data.find(b"]", pos + BLOCK, end)  # none: every row left closes within this block
            if close - pos > 2 * BLOCK:
                raise fail(f"{key}[{done}...]: a row is over {describe_bytes(BLOCK)} long")
            stop = end if close < 0 else close + 1
        block = data[pos:stop]
        starts, counts = _rows_block(block, first=done == 0)
        count = len(starts)
        width = int(counts[0]) if width < 0 else width
        if width == 0:
            raise fail(f"{key}[0] is an empty row")
        if (counts != width).any():
            k = int(np.flatnonzero(counts != width)[0])
            raise fail(f"{key}[{done + k}] has {counts[k]} values, but {key}[0] has {width}")
        values = _floats(block, fail, f"{key}[{done}...]")
        if len(values) != width * count or (done + count) * width > len(out):
            raise fail(
                f"{key}[{done}...]: a value is missing between commas, a row is empty, or two values have "
                "no comma between them"
            )
        out[done * width : (done + count) * width] = values
        done += count
        release(data, pos, stop)
        pos = stop
    return out[: done * width].reshape(done, width)


def _array(data: Data, begin: int, stop: int, key: str, fail: Fail) -> tuple[np.ndarray, int] | None:
    """The array that starts at ``data[begin] == "["`` within a run ending at ``stop``, and the offset of its ``]``.

    None when it is not a flat list or a list of rows of numbers: ``json`` reads it (or it is too much to).
    """
    try:
        if data[begin + 1 : begin + 64].lstrip(_SPACE).startswith(b"["):
            match = _ROWS_END.search(data, begin, stop)
            if match is None:
                return None
            return _rows(data, begin, match.end() - 1, key, fail), match.end() - 1
        end = data.find(b"]", begin, stop)
        if end < 0 or data.find(b"[", begin + 1, end) >= 0:
            return None
        return _flat(data, begin, end, key, fail), end
    except _NotPlain:
        return None


def _key(piece: bytes, top: bool) -> str:
    """How messages name the array that follows ``piece``: its key, or "the list" for a bare top-level list."""
    if top and not piece.strip(_SPACE + b"\xef\xbb\xbf"):
        return "the list"
    match = _KEY_BEFORE.search(piece[-200:])
    return match.group(1).decode("utf-8", errors="replace") if match else "an array"


def _quotes(data: Data, begin: int, end: int) -> int:
    """Quotes in ``data[begin:end]`` that open or close a string (not ``\\"``; ``\\\\"`` does again): the parity
    tells "inside a string". Counted in place, without copying the range."""
    return count_in(data, b'"', begin, end) - count_in(data, b'\\"', begin, end) + count_in(data, b'\\\\"', begin, end)


def _can_start_value(data: Data, start: int, opening: int) -> bool:
    """Is ``data[opening]`` where a JSON value may start: after ``:``, ``,``, ``[`` or at the top?"""
    before = data[max(start, opening - 256) : opening].rstrip(_SPACE)
    return before[-1:] in (b":", b",", b"[") or (not before and opening - 256 <= start)


def split_numbers(data: Data, start: int, fail: Fail) -> tuple[bytes, dict[str, np.ndarray]]:
    """The file with each long array of numbers replaced by a unique string, and the arrays by those strings.

    ``start`` skips a byte-order mark. Arrays are only taken where a value can start, outside a string. The work
    is linear in the file: quotes are counted once, from one run to the next. The caller parses the rest with
    ``json`` and puts the arrays back with :func:`put_back`.
    """
    token = f"lstmviz-array-{uuid.uuid4().hex}-"
    spans: list[tuple[int, int]] = []  # (opening, end) of each array taken
    arrays: dict[str, np.ndarray] = {}
    pos = counted = start  # pos: after the last array taken; counted: quotes are counted up to here
    quotes = 0
    for begin, stop in _number_runs(data, start, fail):
        opening = data.find(b"[", begin, stop)
        if opening < 0:
            continue
        quotes, counted = quotes + _quotes(data, counted, opening), opening
        if quotes % 2 or not _can_start_value(data, start, opening):
            continue
        key = _key(data[max(pos, opening - 200) : opening], not arrays and pos == start)
        found = _array(data, opening, stop, key, fail)
        if found is None:
            continue
        values, end = found
        arrays[f"{token}{len(arrays)}"] = values
        spans.append((opening, end))
        pos = counted = end + 1  # an array of numbers holds no quotes
    kept = len(data) - start - sum(end + 1 - opening for opening, end in spans)
    if kept > MAX_REST_BYTES:
        raise fail(_TOO_MUCH_ELSE.format(small=describe_bytes(SMALL_JSON_BYTES), rest=describe_bytes(MAX_REST_BYTES)))
    pieces, pos = [], start
    for name, (opening, end) in zip(arrays, spans, strict=True):
        pieces += [data[pos:opening], f'"{name}"'.encode()]
        pos = end + 1
    pieces.append(data[pos:])
    return b"".join(pieces), arrays


def put_back(document: Any, arrays: dict[str, np.ndarray]) -> Any:
    """The parsed rest with every placeholder string replaced by its array."""
    if isinstance(document, str):
        return arrays.get(document, document)
    if isinstance(document, list):
        return (
            [put_back(item, arrays) for item in document]
            if any(isinstance(item, (str, list, dict)) for item in document)
            else document
        )
    if isinstance(document, dict):
        return {key: put_back(value, arrays) for key, value in document.items()}
    return document
