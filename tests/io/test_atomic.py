"""Atomic saves: the new content appears whole or not at all, and no temp file is left behind."""

from __future__ import annotations

import os
import stat
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io.atomic import atomic_open, atomic_path, atomic_write_bytes, atomic_write_text


def _leftovers(folder: Path, keep: set[str]) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name not in keep)


def test_write_bytes_creates_and_replaces(tmp_path: Path) -> None:
    target = tmp_path / "out.bin"
    atomic_write_bytes(target, b"first")
    assert target.read_bytes() == b"first"
    atomic_write_bytes(target, b"second, longer")
    assert target.read_bytes() == b"second, longer"
    assert _leftovers(tmp_path, {"out.bin"}) == []


def test_failure_keeps_old_file_and_removes_temp(tmp_path: Path) -> None:
    target = tmp_path / "keep.txt"
    target.write_text("old")
    with pytest.raises(RuntimeError, match="boom"), atomic_open(target, "w", encoding="utf-8") as stream:
        stream.write("half of the new content")
        raise RuntimeError("boom")
    assert target.read_text() == "old"
    assert _leftovers(tmp_path, {"keep.txt"}) == []


def test_temp_is_beside_target_and_keeps_suffix(tmp_path: Path) -> None:
    """np.savez appends .npz to a name without it, and matplotlib picks the format from the suffix."""
    target = tmp_path / "arrays.npz"
    with atomic_path(target) as temp:
        assert temp.parent == tmp_path
        assert temp.suffix == ".npz"
        assert temp != target
        np.savez(temp, a=np.arange(3))
    assert _leftovers(tmp_path, {"arrays.npz"}) == []
    with np.load(target) as data:
        np.testing.assert_array_equal(data["a"], np.arange(3))


@pytest.mark.skipif(os.name != "posix", reason="POSIX permission bits")
def test_permissions_follow_umask_not_mkstemp(tmp_path: Path) -> None:
    reference = tmp_path / "plain.txt"
    reference.write_text("x")
    target = tmp_path / "atomic.txt"
    atomic_write_text(target, "x")
    assert stat.S_IMODE(target.stat().st_mode) == stat.S_IMODE(reference.stat().st_mode)


@pytest.mark.skipif(os.name != "posix", reason="symlinks")
def test_symlink_target_is_updated(tmp_path: Path) -> None:
    real = tmp_path / "real.txt"
    real.write_text("old")
    link = tmp_path / "link.txt"
    link.symlink_to(real)
    atomic_write_text(link, "new")
    assert link.is_symlink()
    assert real.read_text() == "new"


def test_text_newline_is_honoured(tmp_path: Path) -> None:
    target = tmp_path / "rows.csv"
    atomic_write_text(target, "a\nb\n", newline="\r\n")
    assert target.read_bytes() == b"a\r\nb\r\n"


def test_read_modes_are_refused(tmp_path: Path) -> None:
    with pytest.raises(ValueError), atomic_open(tmp_path / "x", "r"):
        pass
