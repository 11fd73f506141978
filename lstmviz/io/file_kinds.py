"""Which kind a file is (workspace, weights or sequence), from its name and, for ``.npz``, its zip index.

The classification :mod:`.open_any` dispatches on, kept below both it and the readers: the sequence loader asks it
too (an ``.npz`` of weights is not a sequence), so the loader and the dispatcher need not import each other.
"""

from __future__ import annotations

import os
import re
import zipfile
from pathlib import Path
from typing import Literal, Protocol

from .special_files import open_regular


class NpzReading(Protocol):
    """What :func:`file_kind` needs of the read options (:class:`lstmviz.io.open_any.ReadOptions`)."""

    @property
    def reads_npz_as_sequence(self) -> bool: ...


FileKind = Literal["workspace", "weights", "sequence"]
FILE_KINDS: tuple[FileKind, ...] = ("workspace", "weights", "sequence")
"""Also the order in which files opened together are applied."""
WORKSPACE_SUFFIXES: tuple[str, ...] = (".lstmviz",)
WEIGHT_ONLY_SUFFIXES: tuple[str, ...] = (".safetensors", ".pt", ".pth")
_PARAMETER_MEMBER = re.compile(r"^(?:.*\.)?(?:weight|bias)_(?:ih|hh)(?:_l\d+)?(?:_reverse)?(?:\.npy)?$")
_METADATA_MEMBER = "__lstmviz__.npy"


def npz_holds_weights(path: str | os.PathLike[str]) -> bool:
    """True when an ``.npz``'s members are named like recurrent parameters, read from the zip index only.

    A file that is not a readable zip is not judged here: the sequence loader reports what is wrong with it.
    """
    try:
        stream, _ = open_regular(path, OSError)  # a FIFO named x.npz must not block here; the loader refuses it
        with stream, zipfile.ZipFile(stream) as archive:
            names = archive.namelist()
    except (OSError, zipfile.BadZipFile, ValueError, NotImplementedError, EOFError, OverflowError):
        return False
    return any(name == _METADATA_MEMBER or _PARAMETER_MEMBER.match(name) for name in names)


def file_kind(path: str | os.PathLike[str], options: NpzReading | None = None) -> FileKind:
    """``workspace``, ``weights`` or ``sequence``, from the suffix (and, for ``.npz``, the member names)."""
    name = os.fspath(path)
    if name == "-":
        return "sequence"
    suffix = Path(name).suffix.lower()
    if suffix in WORKSPACE_SUFFIXES:
        return "workspace"
    if suffix in WEIGHT_ONLY_SUFFIXES:
        return "weights"
    if suffix == ".npz" and not (options and options.reads_npz_as_sequence) and npz_holds_weights(name):
        return "weights"
    return "sequence"
