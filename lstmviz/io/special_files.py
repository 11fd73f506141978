"""Regular files only: FIFOs, devices, sockets and folders are refused before a byte is read or written.

Opening a FIFO for reading blocks until someone writes to it (forever, for a stray pipe named ``data.csv``), and
``/dev/zero`` never ends; replacing a FIFO or ``/dev/null`` with a saved file breaks whoever uses it. So every
loader opens through :func:`open_regular` and every save checks its target with :func:`check_save_target`.

:func:`open_regular` opens with ``O_NONBLOCK`` (so opening a FIFO returns at once instead of waiting for a
writer), then asks ``fstat`` of the descriptor it got: a file swapped in between a ``stat`` and the ``open`` is
still caught.
"""

from __future__ import annotations

import os
import stat
from collections.abc import Callable
from typing import BinaryIO

__all__ = ["SpecialFileError", "special_kind", "open_regular", "check_regular", "check_save_target"]

_KINDS = (
    (stat.S_ISFIFO, "a FIFO (named pipe)"),
    (stat.S_ISCHR, "a character device"),
    (stat.S_ISBLK, "a block device"),
    (stat.S_ISSOCK, "a socket"),
    (stat.S_ISDIR, "a folder"),
)


class SpecialFileError(OSError):
    """A path that is not a regular file; ``strerror`` is the sentence, e.g. "is a FIFO, not a regular file"."""


def special_kind(mode: int) -> str | None:
    """What a non-regular ``st_mode`` is ("a FIFO (named pipe)", "a character device", ...); None for a file."""
    if stat.S_ISREG(mode):
        return None
    for test, kind in _KINDS:
        if test(mode):
            return kind
    return "not a regular file"


def _problem(mode: int) -> str | None:
    kind = special_kind(mode)
    return None if kind is None else f"is {kind}, not a regular file"


def check_regular(path: str | os.PathLike[str], fail: Callable[[str], Exception]) -> int:
    """``stat`` the path (following symlinks) and return its size; ``fail(problem)`` is raised for a special file.

    For readers that hand a path to a library (``zipfile``, ``torch.load``); the library then opens a regular file.
    ``OSError`` (no such file, permission) is left to the caller.
    """
    info = os.stat(path)
    problem = _problem(info.st_mode)
    if problem is not None:
        raise fail(problem)
    return info.st_size


def open_regular(path: str | os.PathLike[str], fail: Callable[[str], Exception]) -> tuple[BinaryIO, int]:
    """Open a regular file for binary reading without ever blocking; returns (stream, size).

    ``fail(problem)`` builds the caller's own error for a special file; ``OSError`` (no such file, permission)
    is left to the caller, which already words those.
    """
    flags = os.O_RDONLY | getattr(os, "O_NONBLOCK", 0) | getattr(os, "O_BINARY", 0) | getattr(os, "O_NOCTTY", 0)
    if os.name != "posix":  # no O_NONBLOCK: stat first, so at least a known special file is never opened
        check_regular(path, fail)
    fd = os.open(path, flags)
    try:
        info = os.fstat(fd)
        problem = _problem(info.st_mode)
        if problem is not None:
            raise fail(problem)
        if hasattr(os, "set_blocking"):
            os.set_blocking(fd, True)
        stream = os.fdopen(fd, "rb")
    except BaseException:
        os.close(fd)
        raise
    return stream, info.st_size


def check_save_target(path: str | os.PathLike[str]) -> os.stat_result | None:
    """Refuse to replace anything but a regular file; returns the existing file's stat (None when there is none).

    A symlink is followed: a link to ``/dev/null`` or to a FIFO is refused just like the thing itself.

    Raises
    ------
    SpecialFileError
        With ``strerror`` like "it is a FIFO (named pipe), not a regular file; lstmviz saves only to regular files".
    """
    try:
        info = os.stat(path)
    except FileNotFoundError:
        return None
    kind = special_kind(info.st_mode)
    if kind is not None:
        raise SpecialFileError(f"it is {kind}, not a regular file; lstmviz saves only to regular files")
    return info
