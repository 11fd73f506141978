"""A large table's checks in one pass over the file, a chunk at a time, so its bytes are never all held at once.

The fast table path needs only the first bytes (to sniff the dialect) and a few facts about the rest: that it is
text, that no line is too long, how many delimiters it holds. Reading the whole file first would hold its bytes
(as large as the numbers kept) while NumPy parses it, so a 100 MB CSV peaked at three times its numbers. Anything
unusual here (a binary byte, a long line, a file that grows) answers None, and the caller reads the file whole the
careful way, which words the refusal exactly as for a small file.
"""

from __future__ import annotations

import os
from dataclasses import dataclass

from .errors import SequenceError
from .limits import max_file_bytes
from .seq_decode import MAX_LINE_BYTES, check_line_length, check_not_binary, fail
from .special_files import open_regular

STREAM_BYTES = 8 << 20
"""Named tables larger than this are scanned, not held; smaller ones cost little either way."""
CHUNK = 4 << 20
_DELIMITERS = (b",", b";", b"\t")


@dataclass(frozen=True)
class Scan:
    """What one pass over a table file found: its first bytes, its size and how many of each delimiter it holds."""

    head: bytes
    size: int
    delimiters: dict[str, int]


def scan_table(path: str, name: str, head_bytes: int) -> Scan | None:
    """One pass over ``path``: None if it is small, not plain text, has a line over the limit or changes size."""
    try:
        stream, size = open_regular(path, lambda problem: fail(name, problem))
    except (OSError, SequenceError):
        return None  # the whole-file reader words it
    with stream:
        if size <= STREAM_BYTES or size > max_file_bytes():
            return None
        head = b""
        counts = dict.fromkeys(_DELIMITERS, 0)
        carry = b""  # the unfinished last line of the previous chunk (at most MAX_LINE_BYTES)
        total = 0
        try:
            while chunk := stream.read(CHUNK):
                total += len(chunk)
                if total > size:
                    return None  # grew since stat(): the whole-file reader applies the limit
                if len(head) < head_bytes:
                    head += chunk[: head_bytes - len(head)]
                check_not_binary(chunk, name)
                part = carry + chunk
                check_line_length(part, name)
                for delimiter in _DELIMITERS:
                    counts[delimiter] += chunk.count(delimiter)
                cut = max(part.rfind(b"\n"), part.rfind(b"\r"))
                carry = part[cut + 1 :] if len(part) - cut - 1 <= MAX_LINE_BYTES else b""
            if total != size or os.path.getsize(path) != size:
                return None
        except (OSError, SequenceError):
            return None
    return Scan(head, size, {d.decode(): n for d, n in counts.items()})
