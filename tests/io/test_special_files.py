"""FIFOs, devices and folders: every loader refuses them at once (never blocks), every save refuses to replace them,
and a replaced file keeps its permission bits."""

from __future__ import annotations

import os
import stat
import threading
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.atomic import atomic_write_bytes
from lstmviz.io.errors import FileFormatError
from lstmviz.io.open_any import open_any
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import load_sequence, save_sequence
from lstmviz.io.special_files import SpecialFileError, check_save_target
from lstmviz.io.weights import load_weights, save_weights
from lstmviz.io.workspace import Workspace, load_workspace, save_workspace

pytestmark = pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="needs POSIX FIFOs")

LOADERS: dict[str, Callable[[Path], object]] = {
    **{suffix: load_sequence for suffix in (".csv", ".tsv", ".txt", ".json", ".npy", ".npz", ".dat", "")},
    ".safetensors": load_weights,
    ".pt": load_weights,
    ".weights.npz": load_weights,
    ".lstmviz": load_workspace,
    **{f"-open-any{suffix}": open_any for suffix in (".csv", ".npz", ".safetensors", ".pt", ".lstmviz", ".json")},
}


def _run_with_timeout(fifo: Path | None, action: Callable[[], object], seconds: float = 5.0) -> BaseException | None:
    """Run ``action`` in a thread; a hang fails the test (and the FIFO is opened for writing to release it)."""
    outcome: list[BaseException | None] = []

    def target() -> None:
        try:
            action()
            outcome.append(None)
        except BaseException as exc:  # handed back to the test
            outcome.append(exc)

    thread = threading.Thread(target=target, daemon=True)
    thread.start()
    thread.join(seconds)
    if thread.is_alive():
        if fifo is not None:
            os.close(os.open(fifo, os.O_WRONLY | os.O_NONBLOCK))
        thread.join(5)
        pytest.fail(f"the call blocked for more than {seconds} s")
    return outcome[0]


def _fifo(tmp_path: Path, name: str) -> Path:
    path = tmp_path / name
    os.mkfifo(path)
    return path


@pytest.mark.parametrize("suffix", list(LOADERS))
def test_fifo_is_refused_without_blocking(tmp_path: Path, suffix: str) -> None:
    fifo = _fifo(tmp_path, f"pipe{suffix}")
    error = _run_with_timeout(fifo, lambda: LOADERS[suffix](fifo))
    assert isinstance(error, FileFormatError)
    message = str(error)
    assert message.startswith(str(fifo)) and "is a FIFO (named pipe), not a regular file" in message
    assert "\n" not in message


@pytest.mark.parametrize("suffix", [".csv", ".json", ".npy", ".safetensors", ".lstmviz"])
def test_symlink_to_a_character_device_is_refused(tmp_path: Path, suffix: str) -> None:
    link = tmp_path / f"zero{suffix}"
    link.symlink_to("/dev/zero")
    error = _run_with_timeout(None, lambda: LOADERS[suffix](link))
    assert isinstance(error, FileFormatError)
    assert "is a character device, not a regular file" in str(error)


def test_dev_null_and_a_folder_are_refused(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="is a character device, not a regular file"):
        load_sequence("/dev/null")
    folder = tmp_path / "data.csv"
    folder.mkdir()
    with pytest.raises(FileFormatError, match="is a folder, not a regular file"):
        load_sequence(folder)
    with pytest.raises(FileFormatError, match="is a folder, not a regular file"):
        load_weights((tmp_path / "w.safetensors").mkdir() or tmp_path / "w.safetensors")


def _sequence() -> SequenceData:
    return SequenceData(
        values=np.arange(6.0).reshape(3, 2), time=None, time_label="step", input_labels=("a", "b"), source="test"
    )


def _network() -> Network:
    return Network.random("lstm", 2, 3, 1, seed=0)


SAVES: dict[str, Callable[[Path], object]] = {
    ".csv": lambda path: save_sequence(_sequence(), path),
    ".json": lambda path: save_sequence(_sequence(), path),
    ".npy": lambda path: save_sequence(_sequence(), path),
    ".safetensors": lambda path: save_weights(_network(), path),
    ".npz": lambda path: save_weights(_network(), path),
    ".lstmviz": lambda path: save_workspace(Workspace(network=_network(), sequence=_sequence()), path),
}


@pytest.mark.parametrize("via_link", [False, True], ids=["fifo", "symlink-to-fifo"])
@pytest.mark.parametrize("suffix", list(SAVES))
def test_save_never_replaces_a_fifo(tmp_path: Path, suffix: str, via_link: bool) -> None:
    fifo = _fifo(tmp_path, f"pipe{suffix}")
    target = fifo
    if via_link:
        target = tmp_path / f"link{suffix}"
        target.symlink_to(fifo)
    error = _run_with_timeout(fifo, lambda: SAVES[suffix](target))
    assert isinstance(error, FileFormatError), error
    assert str(error).startswith(str(target)) and "FIFO" in str(error) and "\n" not in str(error)
    assert stat.S_ISFIFO(os.stat(fifo).st_mode)
    assert sorted(p.name for p in tmp_path.iterdir()) == sorted({fifo.name, target.name})  # no temp file left


def test_save_target_check_refuses_devices_before_writing(tmp_path: Path) -> None:
    with pytest.raises(SpecialFileError, match="is a character device, not a regular file"):
        check_save_target("/dev/null")
    link = tmp_path / "out.csv"
    link.symlink_to("/dev/null")
    with pytest.raises(SpecialFileError, match="character device"):
        check_save_target(link)
    assert check_save_target(tmp_path / "new.csv") is None


@pytest.mark.parametrize("mode", [0o600, 0o640, 0o755])
def test_overwritten_file_keeps_its_mode(tmp_path: Path, mode: int) -> None:
    target = tmp_path / "private.csv"
    target.write_bytes(b"old")
    os.chmod(target, mode)
    atomic_write_bytes(target, b"new")
    assert target.read_bytes() == b"new"
    assert stat.S_IMODE(os.stat(target).st_mode) == mode


def test_overwritten_file_through_a_symlink_keeps_mode_and_link(tmp_path: Path) -> None:
    real = tmp_path / "real.csv"
    real.write_bytes(b"old")
    os.chmod(real, 0o600)
    link = tmp_path / "link.csv"
    link.symlink_to(real)
    save_sequence(_sequence(), link)
    assert link.is_symlink() and real.read_text().startswith("a,b")
    assert stat.S_IMODE(os.stat(real).st_mode) == 0o600


def test_new_file_gets_the_umask_default(tmp_path: Path) -> None:
    old = os.umask(0o022)
    try:
        atomic_write_bytes(tmp_path / "new.bin", b"x")
    finally:
        os.umask(old)
    assert stat.S_IMODE(os.stat(tmp_path / "new.bin").st_mode) == 0o644
