"""Getting a sequence file's bytes and text safely: size checked before reading, encodings and binary detected.

Every sequence loader starts here, so the size limit, the "is this even text?" question and the encodings people's
files really come in (UTF-8 with or without BOM, UTF-16 with BOM from some spreadsheet exports, Windows-1252 from
older ones) are answered once.
"""

from __future__ import annotations

import codecs
import os
from dataclasses import dataclass
from pathlib import Path
from typing import BinaryIO

from .errors import SequenceError
from .limits import describe_bytes, max_file_bytes
from .mapped import Data, release
from .special_files import open_regular

STDIN_NAME = "<stdin>"
MAX_LINE_BYTES = 1 << 20
"""Longest line of a table: 10,000 columns of numbers fit with room to spare; a multi-MB field or a file with no
line breaks is refused before any splitting or parsing (which would cost several times the line)."""

_UTF16_BOMS = (codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)
_UTF32_BOMS = (codecs.BOM_UTF32_LE, codecs.BOM_UTF32_BE)
# Bytes that never occur in a text file (C0 controls other than tab, newline, form feed, carriage return; DEL).
_BINARY_BYTES = bytes([*range(0, 9), 11, *range(14, 32), 127])


@dataclass(frozen=True)
class Source:
    """Raw bytes of one sequence input plus the name messages use and its lower-case suffix."""

    data: bytes
    name: str
    suffix: str


def fail(name: str, problem: str) -> SequenceError:
    """The one error shape of this module family: ``name: problem``."""
    return SequenceError(f"{name}: {problem}")


def read_source(path_or_dash: str | os.PathLike[str], stdin_bytes: bytes | None = None) -> Source:
    """Read the file (or stdin bytes for ``-``), refusing anything over the size limit before reading it."""
    limit = max_file_bytes()
    if os.fspath(path_or_dash) == "-":
        if stdin_bytes is None:
            raise fail(STDIN_NAME, "no data was given on standard input")
        if len(stdin_bytes) > limit:
            raise fail(
                STDIN_NAME,
                f"the input is {describe_bytes(len(stdin_bytes))}, over the "
                f"{describe_bytes(limit)} limit (LSTMVIZ_MAX_FILE_MB)",
            )
        return Source(bytes(stdin_bytes), STDIN_NAME, "")
    path = Path(path_or_dash)
    name = os.fspath(path)
    try:
        stream, size = open_regular(path, lambda problem: fail(name, problem))
        with stream:
            if size > limit:
                raise fail(
                    name,
                    f"the file is {describe_bytes(size)}, over the {describe_bytes(limit)} limit (LSTMVIZ_MAX_FILE_MB)",
                )
            data = _read_bounded(stream, size, limit, name)
    except FileNotFoundError:
        raise fail(name, "no such file") from None
    except PermissionError:
        raise fail(name, "permission denied") from None
    except OSError as exc:
        raise fail(name, f"cannot be read ({exc.strerror or exc})") from None
    return Source(data, name, path.suffix.lower())


def _read_bounded(stream: BinaryIO, size: int, limit: int, name: str) -> bytes:
    """The whole stream, refusing it once it passes ``limit`` (a file that grows after stat(), a pipe).

    Not ``stream.read(limit + 1)``: that allocates the whole limit (1 GiB) up front, whatever the file's size.
    """
    parts = [stream.read(size)]
    total = len(parts[0])
    while chunk := stream.read(1 << 20):
        total += len(chunk)
        if total > limit:
            raise fail(name, f"the file is over the {describe_bytes(limit)} limit (LSTMVIZ_MAX_FILE_MB)")
        parts.append(chunk)
    return parts[0] if len(parts) == 1 else b"".join(parts)


def check_line_length(data: bytes, name: str, limit: int = MAX_LINE_BYTES) -> None:
    """Refuse a table whose longest line (``\\n`` or ``\\r`` ends a line) is over ``limit`` bytes.

    Jumps to the last line break within ``limit`` bytes of the current line's start, so it costs one ``rfind``
    per ``limit`` bytes of file, not one step per line, and allocates nothing.
    """
    start = 0
    while len(data) - start > limit:
        end = start + limit + 1
        last = max(data.rfind(b"\n", start, end), data.rfind(b"\r", start, end))
        if last < 0:
            breaks = data.count(b"\n", 0, start) or data.count(b"\r", 0, start)
            raise fail(
                name,
                f"line {breaks + 1:,} is over {describe_bytes(limit)} long; a table row is far shorter "
                "(10,000 columns of numbers fit), so this is not a table lstmviz can read",
            )
        start = last + 1


def _binary_offset(data: Data) -> int:
    """Offset of the first byte no text file contains, or -1 (checked 4 MB at a time: no copy of the file)."""
    chunk = 4 << 20
    for begin in range(0, len(data), chunk):
        part = data[begin : begin + chunk]
        if len(part.translate(None, _BINARY_BYTES)) != len(part):
            return begin + min(pos for pos in (part.find(bytes([b])) for b in _BINARY_BYTES) if pos >= 0)
        release(data, begin, begin + chunk)
    return -1


def check_not_binary(data: Data, name: str) -> None:
    """Refuse bytes no text file holds (NUL, other control bytes), naming the first one and where it is."""
    offset = _binary_offset(data)
    if offset >= 0:
        raise fail(name, f"is a binary file, not text (byte 0x{data[offset]:02x} at offset {offset:,})")


def decode_text(data: bytes, name: str) -> tuple[str, tuple[str, ...]]:
    """Decode to ``str`` with newlines normalised to ``\\n``; returns (text, notices).

    UTF-8 (BOM optional) and UTF-16/32 with a BOM are read as such; other bytes that are not binary are read as
    Windows-1252 with a notice. Control bytes (NUL and friends) mean a binary file and are refused.
    """
    notices: tuple[str, ...] = ()
    if data.startswith(_UTF32_BOMS):  # before UTF-16: the UTF-32-LE BOM starts with the UTF-16-LE one
        text = _decode(data, "utf-32", name)
    elif data.startswith(_UTF16_BOMS):
        text = _decode(data, "utf-16", name)
    else:
        check_not_binary(data, name)
        try:
            text = data.decode("utf-8-sig")
        except UnicodeDecodeError:
            text = data.decode("cp1252", errors="replace")
            notices = ("the file is not UTF-8; it was read as Windows-1252 (save it as UTF-8 to be sure)",)
    if "\r" in text:
        text = text.replace("\r\n", "\n").replace("\r", "\n")
    return text, notices


def _decode(data: bytes, encoding: str, name: str) -> str:
    try:
        text = data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise fail(name, f"is not valid {encoding.upper()} text (bad bytes at offset {exc.start:,})") from None
    if "\x00" in text:
        raise fail(name, "is a binary file, not text (it contains NUL characters)")
    return text.removeprefix("\ufeff")
