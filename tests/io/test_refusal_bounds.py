"""Refusals are decided before allocating, and only what is kept is read: measured in a fresh process.

Each case runs in a child that opens one hostile file and reports its own peak memory (``VmHWM``) and the bytes its
``read`` calls returned (``rchar`` in ``/proc/self/io``): work, not wall-clock time, so the bounds hold on a busy
machine. The files claim or inflate to gigabytes; the bounds are a small fraction of that.
"""

from __future__ import annotations

import json
import os
import struct
import subprocess
import sys
import zipfile
import zlib
from pathlib import Path

import pytest

PEAK_LIMIT_MB = 600
TORCH_BASELINE_MB = 300
"""What importing torch alone costs a process (about 220 MB), with room to spare."""
BOMB_PEAK_LIMIT_MB = 300
"""An archive bomb claiming or inflating to about 4 GB: only what really arrives (at most 100 MiB here) is held."""
READ_LIMIT_MB = 32
"""Bytes a refusal may read, the interpreter's own modules included (about 2 MB without torch, 24 MB with it)."""

_RUN = """
import sys
from lstmviz.io import safe_arrays
if len(sys.argv) > 2 and sys.argv[2] == "no-ratio-check":  # a bomb whose ratio passes the directory check
    safe_arrays.MAX_COMPRESSION_RATIO = float("inf")
from lstmviz.io.errors import FileFormatError
from lstmviz.io.open_any import open_any
code = 0
try:
    open_any(sys.argv[1])
except FileFormatError as error:
    print(str(error))
    code = 2
# VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it would count the forking test process
with open("/proc/self/status") as status:
    peak = next(line.split()[1] for line in status if line.startswith("VmHWM:"))
with open("/proc/self/io") as counters:
    read = next(line.split()[1] for line in counters if line.startswith("rchar:"))
print(peak, read, file=sys.stderr)
sys.exit(code)
"""


def _measure(
    path: Path, extra: tuple[str, ...] = (), env: dict[str, str] | None = None, prelude: str = ""
) -> tuple[int, str, float, float]:
    """(exit code, stdout, peak MB, MB read) of a fresh process that opens ``path`` with :func:`open_any`."""
    result = subprocess.run(
        [sys.executable, "-c", prelude + _RUN, str(path), *extra],
        capture_output=True,
        text=True,
        timeout=300,
        check=False,
        env={**os.environ, **(env or {})},
    )
    peak_kb, read_bytes = result.stderr.strip().splitlines()[-1].split()
    return result.returncode, result.stdout, int(peak_kb) / 1024, int(read_bytes) / (1 << 20)


def _huge_shape_safetensors(path: Path) -> Path:
    header = json.dumps({"weight_ih_l0": {"dtype": "F32", "shape": [0, 2**31, 2**31], "data_offsets": [0, 0]}})
    path.write_bytes(struct.pack("<Q", len(header)) + header.encode())
    return path


def _lying_npz(path: Path) -> Path:
    """A zip whose directory says one member inflates to 4 GiB (the bytes are tiny)."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", b"\x93NUMPY" + b"\0" * 100)
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 24, 0xFFFFFFF0)  # uncompressed size in the central directory
    path.write_bytes(bytes(data))
    return path


def _deflated_zeros(mib: int) -> bytes:
    """A raw deflate stream of ``mib`` MiB of zeros built in a blink: fully flushed 1 MiB blocks are identical."""
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = packer.compress(bytes(1 << 20)) + packer.flush(zlib.Z_FULL_FLUSH)
    return block * mib + packer.flush()


def _raw_zip(path: Path, member: str, packed: bytes, size: int, crc: int = 0) -> Path:
    """A one-member deflate zip whose local and central headers claim ``size`` inflated bytes (true or not)."""
    name = member.encode()
    fields = struct.pack("<HHHHHIII", 20, 0, zlib.DEFLATED, 0, 0x21, crc, len(packed), size)
    local = b"PK\x03\x04" + fields + struct.pack("<HH", len(name), 0) + name
    central = (
        b"PK\x01\x02" + struct.pack("<H", 20) + fields + struct.pack("<HHHHHII", len(name), 0, 0, 0, 0, 0, 0) + name
    )
    end = b"PK\x05\x06" + struct.pack("<HHHHIIH", 0, 0, 1, 1, len(central), len(local) + len(packed), 0)
    path.write_bytes(local + packed + central + end)
    return path


def _npy_header(shape: tuple[int, ...]) -> bytes:
    text = repr({"descr": "<f8", "fortran_order": False, "shape": shape}).encode()
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(text)) + text


def _bomb_under_claim(path: Path) -> Path:
    """4 MiB on disk inflating to 4 GiB, while directory and .npy header claim 1 MiB: only the claim is read."""
    header = _npy_header((1 << 17,))
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(header) + packer.flush(zlib.Z_FULL_FLUSH) + _deflated_zeros(4096)
    return _raw_zip(path, "x.npy", packed, len(header) + (1 << 20))


def _bomb_over_stream(path: Path) -> Path:
    """Directory and header honestly claim 3.9 GB (the limit raised to 8 GB), but the stream ends after 100 MiB."""
    shape = (480 << 20,)  # 480 Mi float64 = 3.75 GiB
    header = _npy_header(shape)
    packer = zlib.compressobj(9, zlib.DEFLATED, -15)
    packed = packer.compress(header) + packer.flush(zlib.Z_FULL_FLUSH) + _deflated_zeros(100)
    return _raw_zip(path, "x.npy", packed, len(header) + 8 * shape[0])


def _bomb_storage_pt(path: Path) -> Path:
    """A 1 MB torch-like zip whose storage record is deflated zeros inflating to 900 MiB (torch.save never deflates)."""
    return _raw_zip(path, "archive/data/0", _deflated_zeros(900), 900 << 20)


def _zero_link(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


CASES = {
    "huge-shape.safetensors": _huge_shape_safetensors,
    "lying.npz": _lying_npz,
    "zero.csv": _zero_link,
    "bomb-under-claim.npz": _bomb_under_claim,
    "bomb-over-stream.npz": _bomb_over_stream,
    "bomb-storage.pt": _bomb_storage_pt,
}
SETTINGS: dict[str, tuple[dict[str, str], list[str]]] = {
    "bomb-over-stream.npz": ({"LSTMVIZ_MAX_FILE_MB": "8192"}, ["no-ratio-check"]),
}


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status and /dev/zero: Linux")
@pytest.mark.parametrize("name", list(CASES))
def test_refusal_peak_memory_and_bytes_read(tmp_path: Path, name: str) -> None:
    path = CASES[name](tmp_path / name)
    env, extra = SETTINGS.get(name, ({}, []))
    code, out, peak_mb, read_mb = _measure(path, tuple(extra), env)
    assert code == 2, out
    assert out.startswith(str(path)) and out.count("\n") == 1
    assert peak_mb < (BOMB_PEAK_LIMIT_MB if name.startswith("bomb") else PEAK_LIMIT_MB), peak_mb
    assert read_mb < READ_LIMIT_MB, read_mb


def _sparse_safetensors(
    path: Path, small: dict[str, tuple[str, list[int], bytes]], big: tuple[str, str, list[int]], itemsize: int
) -> Path:
    """A safetensors file whose last tensor is a hole (a sparse file): gigabytes claimed, nothing written to disk."""
    header, blobs, offset = {}, [], 0
    for key, (code, shape, blob) in small.items():
        header[key] = {"dtype": code, "shape": shape, "data_offsets": [offset, offset + len(blob)]}
        blobs.append(blob)
        offset += len(blob)
    key, code, shape = big
    span = itemsize
    for n in shape:
        span *= n
    header[key] = {"dtype": code, "shape": shape, "data_offsets": [offset, offset + span]}
    text = json.dumps(header).encode()
    with open(path, "wb") as stream:
        stream.write(struct.pack("<Q", len(text)) + text + b"".join(blobs))
        stream.truncate(8 + len(text) + offset + span)
    return path


def _f64(shape: list[int]) -> tuple[str, list[int], bytes]:
    count = 1
    for n in shape:
        count *= n
    return "F64", shape, struct.pack(f"<{count}d", *(0.01 * k for k in range(count)))


_RNN = {"weight_ih_l0": _f64([2, 3]), "weight_hh_l0": _f64([2, 2]), "fc.weight": _f64([1, 2]), "fc.bias": _f64([1])}


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status and sparse files: Linux")
def test_an_unused_800_mb_tensor_is_never_read(tmp_path: Path) -> None:
    """The network keeps a few numbers; the optimizer state beside them is never read, so never held."""
    path = _sparse_safetensors(
        tmp_path / "with-optimizer.safetensors", _RNN, ("optimizer.state", "F32", [200 << 20]), 4
    )
    assert path.stat().st_size > 800 << 20
    code, out, peak_mb, read_mb = _measure(path)
    assert code == 0, out
    assert peak_mb < 300 and read_mb < READ_LIMIT_MB, (peak_mb, read_mb)  # reading it would be 800 MB of both


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status and sparse files: Linux")
def test_a_512_mb_int8_weight_is_refused_before_it_is_read(tmp_path: Path) -> None:
    """As float64 it would be 4 GB, over the 1 GiB limit: the header says so, so no byte of it is read."""
    path = _sparse_safetensors(
        tmp_path / "int8.safetensors",
        {"weight_hh_l0": ("I8", [4, 1], bytes(4))},
        ("weight_ih_l0", "I8", [4, 128 << 20]),
        1,
    )
    code, out, peak_mb, read_mb = _measure(path)
    assert code == 2, out
    assert "weight_ih_l0 of shape (4, 134217728) would take 4.0 GB as float64" in out
    assert peak_mb < 300 and read_mb < READ_LIMIT_MB, (peak_mb, read_mb)


@pytest.mark.torch
@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status: Linux")
def test_an_unused_256_mb_torch_tensor_is_mapped_not_read(tmp_path: Path) -> None:
    """torch.load(mmap=True) maps the storages: the optimizer state beside the network is never paged in."""
    torch = pytest.importorskip("torch")
    path = tmp_path / "checkpoint.pt"
    rnn = torch.nn.RNN(3, 2)
    torch.save({**rnn.state_dict(), "optimizer.exp_avg": torch.ones(64 << 20)}, path)
    assert path.stat().st_size > 256 << 20
    code, out, peak_mb, read_mb = _measure(path, prelude="import torch\n")
    assert code == 0, out
    assert peak_mb < TORCH_BASELINE_MB + 100, peak_mb  # reading the tensor would add 256 MB, converting it 256 more
    assert read_mb < READ_LIMIT_MB + 32, read_mb  # torch's modules, the pickle and the network's tensors


def _workspace_with_bomb(path: Path) -> Path:
    """A real workspace whose arrays.npz (stored, as lstmviz saves it) is the over-stream bomb above."""
    import numpy as np

    from lstmviz.engine.network import Network
    from lstmviz.io.sequence_data import SequenceData
    from lstmviz.io.workspace import Workspace, save_workspace

    good = path.with_name("good.lstmviz")
    save_workspace(Workspace(Network.random("gru", 1, 2, seed=0), SequenceData(values=np.zeros((3, 1)))), good)
    bomb = _bomb_over_stream(path.with_name("bomb.npz")).read_bytes()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(path, "w") as target:
        for info in source.infolist():
            target.writestr(info, bomb if info.filename == "arrays.npz" else source.read(info))
    return path


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status: Linux")
def test_the_same_bomb_inside_a_workspace_is_refused_as_it_arrives(tmp_path: Path) -> None:
    path = _workspace_with_bomb(tmp_path / "bomb.lstmviz")
    code, out, peak_mb, read_mb = _measure(path, ("no-ratio-check",), {"LSTMVIZ_MAX_FILE_MB": "8192"})
    assert code == 2 and out.startswith(f"{path}: arrays.npz: member 'x'"), out
    assert peak_mb < BOMB_PEAK_LIMIT_MB and read_mb < READ_LIMIT_MB, (peak_mb, read_mb)
