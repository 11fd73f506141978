"""A large file mapped instead of read, its pages given back once a pass has gone by them.

Reading a file into ``bytes`` holds all of it while its numbers are parsed, so 100 MB of JSON numbers peaked at
more than three times the float64 they became. A read-only map of the file costs only the pages in use: each pass
over it (the binary check, the depth scan, cutting out the lists of numbers) calls :func:`release` on what it has
passed, and the kernel drops those pages from the process (touching them again reads them back from the page
cache). Where ``madvise`` is missing, release does nothing and the map costs what the bytes would.
"""

from __future__ import annotations

import contextlib
import mmap
from collections.abc import Iterator

from .limits import max_file_bytes
from .special_files import open_regular

Data = bytes | mmap.mmap
"""What the large-file readers take: the file's bytes, or its map."""

_COUNT_CHUNK = 1 << 20


@contextlib.contextmanager
def mapped_file(path: str, min_size: int) -> Iterator[mmap.mmap | None]:
    """The regular file at ``path`` mapped read-only when it holds ``min_size`` bytes or more, within the size
    limit; None otherwise (the caller reads it as usual, which words any problem)."""
    try:
        stream, size = open_regular(path, OSError)
        with stream:
            if size < max(min_size, 1) or size > max_file_bytes():
                mapped = None
            else:
                mapped = mmap.mmap(stream.fileno(), 0, access=mmap.ACCESS_READ)
    except (OSError, ValueError):
        mapped = None
    if mapped is not None and len(mapped) != size:
        mapped.close()
        mapped = None
    try:
        yield mapped
    finally:
        if mapped is not None:
            with contextlib.suppress(BufferError):  # a NumPy view still alive (in a traceback): GC closes it
                mapped.close()


def release(data: Data, begin: int, end: int) -> None:
    """Give back the whole pages of ``data[begin:end]`` if ``data`` is a map (a no-op for bytes)."""
    if not isinstance(data, mmap.mmap) or not hasattr(mmap, "MADV_DONTNEED") or data.closed:
        return
    first = -(-begin // mmap.PAGESIZE) * mmap.PAGESIZE
    last = min(end, len(data)) // mmap.PAGESIZE * mmap.PAGESIZE
    if last > first:
        data.madvise(mmap.MADV_DONTNEED, first, last - first)


def count_in(data: Data, sub: bytes, begin: int, end: int) -> int:
    """``data.count(sub, begin, end)`` for bytes and maps alike (a map has no ``count``), a megabyte at a time."""
    if isinstance(data, bytes):
        return data.count(sub, begin, end)
    found = 0
    for start in range(begin, end, _COUNT_CHUNK):
        stop = min(start + _COUNT_CHUNK, end)
        found += data[start : min(stop + len(sub) - 1, end)].count(sub)  # occurrences that start before ``stop``
        release(data, start, stop)
    return found
