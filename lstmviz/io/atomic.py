"""Atomic saves: write a temp file beside the target, then ``os.replace`` it into place.

A save that fails half way (disk full, an exception in the writer, the app killed) leaves the old file untouched
and no temp file behind, because the new content only becomes visible through one atomic rename. The temp file
lives in the target's own folder (a rename across file systems is not atomic) and keeps the target's suffix, so
writers that pick the format from the extension (``np.savez``, matplotlib's ``savefig``) still work.

The target must be a regular file or not exist yet: a FIFO, a device or a socket (or a symlink to one) is
refused with :class:`~lstmviz.io.special_files.SpecialFileError` (an ``OSError``), so ``--out /dev/null`` never
replaces ``/dev/null``. A file that is replaced keeps its permission bits (and its owner and group, where the
user may set them), so saving over a private 0600 file does not make it readable by everyone.

These helpers raise plain ``OSError``; each caller turns it into its own layer's error (``ExportError``,
``WorkspaceError``, ``WeightsError``) with the file named.
"""

from __future__ import annotations

import contextlib
import os
import secrets
import stat
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

from .special_files import check_save_target

__all__ = ["atomic_path", "atomic_open", "atomic_write_bytes", "atomic_write_text"]


def _target(path: str | os.PathLike[str]) -> Path:
    """The real file to replace: a symlink's target is updated, not the link itself."""
    return Path(os.path.realpath(os.fspath(path)))


def _create_temp(target: Path) -> Path:
    """Create an empty, new temp file beside ``target`` with the umask's usual permissions (not mkstemp's 0600)."""
    for _ in range(100):
        candidate = target.with_name(f".{target.stem}.{secrets.token_hex(4)}.tmp{target.suffix}")
        try:
            fd = os.open(candidate, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o666)
        except FileExistsError:
            continue
        os.close(fd)
        return candidate
    raise FileExistsError(f"could not create a temporary file next to {target}")  # pragma: no cover


def _fsync_file(path: Path) -> None:
    """Flush the temp file's data to disk before the rename, so a crash cannot leave an empty 'saved' file."""
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_dir(folder: Path) -> None:
    """Persist the rename itself (POSIX only; Windows cannot open folders)."""
    if os.name != "posix":
        return
    with contextlib.suppress(OSError):
        fd = os.open(folder, os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


def _keep_mode(temp: Path, existing: os.stat_result) -> None:
    """Give the new file the old one's permission bits and, where allowed, its owner and group."""
    os.chmod(temp, stat.S_IMODE(existing.st_mode))
    if hasattr(os, "chown"):
        with contextlib.suppress(OSError):  # only root may give a file away; a plain user keeps their own
            os.chown(temp, existing.st_uid, existing.st_gid)


@contextlib.contextmanager
def atomic_path(path: str | os.PathLike[str]) -> Iterator[Path]:
    """Yield a temp path in the target's folder; on success it replaces ``path``, on failure it is removed.

    Examples
    --------
    >>> with atomic_path("figure.png") as tmp:        # doctest: +SKIP
    ...     fig.savefig(tmp)
    """
    target = _target(path)
    existing = check_save_target(target)
    temp = _create_temp(target)
    try:
        yield temp
        if existing is not None:
            _keep_mode(temp, existing)
        _fsync_file(temp)
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            os.unlink(temp)
        raise
    _fsync_dir(target.parent)


@contextlib.contextmanager
def atomic_open(path: str | os.PathLike[str], mode: str = "wb", **kwargs: Any) -> Iterator[IO[Any]]:
    """Like ``open(path, mode)`` for writing, but the file appears only when the block ends without an error.

    ``kwargs`` go to :func:`open` (``encoding``, ``newline``, ...).
    """
    if not any(flag in mode for flag in "wx") or "+" in mode:
        raise ValueError(f"atomic_open writes a new file; mode {mode!r} is not a plain write mode")
    with atomic_path(path) as temp, open(temp, mode.replace("x", "w"), **kwargs) as stream:
        yield stream


def atomic_write_bytes(path: str | os.PathLike[str], data: bytes | bytearray | memoryview) -> None:
    """Write ``data`` to ``path`` atomically."""
    with atomic_open(path, "wb") as stream:
        stream.write(data)


def atomic_write_text(
    path: str | os.PathLike[str], text: str, encoding: str = "utf-8", newline: str | None = None
) -> None:
    """Write ``text`` to ``path`` atomically (UTF-8 by default)."""
    with atomic_open(path, "w", encoding=encoding, newline=newline) as stream:
        stream.write(text)
