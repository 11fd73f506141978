"""Refusals are decided before allocating: peak memory and time of a refusal measured in a fresh process."""

from __future__ import annotations

import json
import struct
import subprocess
import sys
import time
import zipfile
from pathlib import Path

import pytest

PEAK_LIMIT_MB = 600
TIME_LIMIT_S = 5.0

_RUN = """
import sys
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
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")), file=sys.stderr)
sys.exit(code)
"""


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


def _zero_link(path: Path) -> Path:
    path.symlink_to("/dev/zero")
    return path


CASES = {"huge-shape.safetensors": _huge_shape_safetensors, "lying.npz": _lying_npz, "zero.csv": _zero_link}


@pytest.mark.skipif(sys.platform != "linux", reason="/proc/self/status and /dev/zero: Linux")
@pytest.mark.parametrize("name", list(CASES))
def test_refusal_peak_memory_and_time(tmp_path: Path, name: str) -> None:
    path = CASES[name](tmp_path / name)
    began = time.perf_counter()
    result = subprocess.run([sys.executable, "-c", _RUN, str(path)], capture_output=True, text=True, timeout=60)
    elapsed = time.perf_counter() - began
    peak_mb = int(result.stderr.strip().splitlines()[-1]) / 1024  # the child's own peak, in MB
    assert result.returncode == 2, result.stderr[-500:]
    assert result.stdout.startswith(str(path)) and result.stdout.count("\n") == 1
    assert peak_mb < PEAK_LIMIT_MB and elapsed < TIME_LIMIT_S, (peak_mb, elapsed)
