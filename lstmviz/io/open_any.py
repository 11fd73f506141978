"""The one place that tells file kinds apart: any path to a sequence, a weight file or a workspace.

The app's File > Open, a drop on its window, ``lstmviz FILE ...``, ``lstmviz info`` and the ``--weights`` of every
command all ask :func:`file_kind` (from :mod:`.file_kinds`, which the sequence loader asks too) and read through
:func:`open_any`, so a file is the same kind everywhere:

- ``.lstmviz`` is a workspace;
- ``.safetensors``, ``.pt`` and ``.pth`` are weights;
- a ``.npz`` is weights when its members are named like a recurrent module's parameters (``weight_ih_l0``,
  ``lstm.weight_hh_l0``, ...) or carry lstmviz's weight metadata, judged from the zip's index alone (nothing is
  decompressed); otherwise, and always when a ``key`` or ``text`` reading is asked for, it is a sequence;
- everything else (and ``-``, standard input) is a sequence, whose reader :mod:`lstmviz.io.sequences` picks.

Several files opened together (``lstmviz data.csv model.pt``, a drop of two files) are put in the one order that
makes sense by :func:`open_order`: the workspace first (it replaces the session), then the weights (they replace
its network), then the sequence (fed to that network). Two files of one kind are refused.
"""

from __future__ import annotations

import os
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import FileFormatError
from .file_kinds import FILE_KINDS, WORKSPACE_SUFFIXES, FileKind, file_kind, npz_holds_weights

if TYPE_CHECKING:
    from .sequence_data import SequenceData
    from .weights import WeightsFile
    from .workspace import Workspace

__all__ = [
    "FILE_KINDS",
    "FileKind",
    "Opened",
    "ReadOptions",
    "file_kind",
    "npz_holds_weights",
    "open_any",
    "open_order",
    "suffixes_of",
]

_KIND_NAMES = {"workspace": "workspaces", "weights": "weight files", "sequence": "sequences"}


@dataclass(frozen=True)
class ReadOptions:
    """How to read what is opened: the sequence loader's options and what a weight file may not state."""

    columns: list[str] | None = None
    missing: str = "error"
    key: str | None = None
    text: bool = False
    vocab: str | None = None
    stdin_bytes: bytes | None = None
    """The bytes of standard input, for the path ``-``."""
    decimal: str | None = None
    """Tables: force the decimal mark ("." or ","); None finds it per file."""
    thousands: str | None = None
    """Tables: force the thousands separator ("" for none, ".", ",", " ", "'"); None finds it per column."""
    activations: Mapping[str, str | None] = field(default_factory=dict)
    """``nonlinearity`` / ``output_activation`` for a weight file that does not store them (see io.weights)."""

    @property
    def reads_npz_as_sequence(self) -> bool:
        """A ``--key`` or a text reading only makes sense for a sequence."""
        return self.key is not None or self.text or self.vocab is not None


@dataclass(frozen=True, eq=False)
class Opened:
    """One file, read: exactly one of ``sequence``, ``weights`` and ``workspace`` is set, as ``kind`` says."""

    path: str
    kind: FileKind
    sequence: SequenceData | None = None
    weights: WeightsFile | None = None
    workspace: Workspace | None = None

    @property
    def name(self) -> str:
        """The file's own name (``standard input`` for ``-``), for messages and titles."""
        return "standard input" if self.path == "-" else os.path.basename(self.path)


def suffixes_of(kind: FileKind) -> tuple[str, ...]:
    """The suffixes a file dialog offers for ``kind`` (``.npz`` is both a sequence and a weight suffix)."""
    if kind == "workspace":
        return WORKSPACE_SUFFIXES
    if kind == "weights":
        from .weights import WEIGHT_SUFFIXES

        return tuple(WEIGHT_SUFFIXES)
    from .sequences import SEQUENCE_SUFFIXES

    return tuple(SEQUENCE_SUFFIXES)


def open_any(path: str | os.PathLike[str], options: ReadOptions | None = None, kind: FileKind | None = None) -> Opened:
    """Read ``path`` as what :func:`file_kind` says it is (or as ``kind``, when the caller knows better).

    Raises the reader's :class:`~lstmviz.io.errors.FileFormatError` (SequenceError, WeightsError, WorkspaceError),
    one sentence naming the file. Nothing is shared between calls: a failed read changes nothing.
    """
    options = options or ReadOptions()
    name = os.fspath(path)
    kind = kind or file_kind(name, options)
    if kind == "workspace":
        from .workspace import load_workspace  # each reader only when its kind is opened

        return Opened(name, kind, workspace=load_workspace(name))
    if kind == "weights":
        from .weights import read_weights

        return Opened(name, kind, weights=read_weights(name, options.activations))
    from .sequences import load_sequence

    sequence = load_sequence(
        name,
        columns=options.columns,
        missing=options.missing,
        key=options.key,
        text=options.text,
        vocab=options.vocab,
        stdin_bytes=options.stdin_bytes,
        decimal=options.decimal,
        thousands=options.thousands,
    )
    return Opened(name, "sequence", sequence=sequence)


def open_order(
    paths: Iterable[str | os.PathLike[str] | tuple[str, FileKind]], options: ReadOptions | None = None
) -> list[tuple[str, FileKind]]:
    """Files opened together, as (path, kind) in the order they apply: workspace, weights, sequence.

    An item may be a ``(path, kind)`` pair when the caller knows the kind (``--weights FILE``). Raises
    :class:`~lstmviz.io.errors.FileFormatError` when two files are of one kind (which one to use would be a guess).
    """
    by_kind: dict[str, list[str]] = {}
    for item in paths:
        name, kind = (item[0], item[1]) if isinstance(item, tuple) else (os.fspath(item), None)
        by_kind.setdefault(kind or file_kind(name, options), []).append(name)
    for found, names in by_kind.items():
        if len(names) > 1:
            shown = [os.path.basename(n) if n != "-" else "standard input" for n in names]
            listed = ", ".join(shown[:-1]) + " and " + shown[-1]
            raise FileFormatError(
                f"{listed} are {'both' if len(names) == 2 else 'all'} {_KIND_NAMES[found]}; open at most one "
                "sequence, one weight file and one workspace together"
            )
    return [(by_kind[kind][0], kind) for kind in FILE_KINDS if kind in by_kind]
