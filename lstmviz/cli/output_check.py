"""Refuse an ``--out`` name before any work is done, the same way in every subcommand.

A long trace or training run that fails only when it writes is time lost; the suffix and the folder can be checked
at once. (What the target is, a FIFO or a device, is the writer's check: :mod:`lstmviz.io.atomic`.)
"""

from __future__ import annotations

from pathlib import Path

from ..io.errors import ExportError


def check_output(path: str, suffixes: tuple[str, ...], what: str, stdout_ok: bool = True) -> None:
    """Refuse an output name before any work is done: wrong suffix or a folder that does not exist."""
    if path == "-":
        if stdout_ok:
            return
        raise ExportError(f"{what} cannot be written to standard output; give a file name")
    suffix = Path(path).suffix.lower()
    if suffix not in suffixes:
        listed = " or ".join(suffixes)
        raise ExportError(f"{path}: cannot write {what} as '{suffix or 'no suffix'}'; use {listed}")
    folder = Path(path).resolve().parent
    if not folder.is_dir():
        raise ExportError(f"{path}: the folder {folder} does not exist")
