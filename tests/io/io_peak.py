"""Peak memory of one load in a fresh process: how the io tests bound memory without timing anything.

The child reads its own high-water mark (``VmHWM`` in ``/proc/self/status``; not ``ru_maxrss``, which Linux keeps
across exec and so would count the forking test process) after loading the file with :func:`load_sequence`.
"""

from __future__ import annotations

import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

linux_only = pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from /proc/self/status")

_CHILD = """
import sys
from lstmviz.io.errors import FileFormatError
from lstmviz.io.sequences import load_sequence
code = 0
try:
    seq = load_sequence(sys.argv[1]) if sys.argv[1] != "none" else None
    print("accepted", "" if seq is None else seq.values.shape)
except FileFormatError as error:
    print(str(error))
    code = 2
with open("/proc/self/status") as status:
    print(next(line.split()[1] for line in status if line.startswith("VmHWM:")), file=sys.stderr)
sys.exit(code)
"""


@dataclass(frozen=True)
class Load:
    """What a child process said and how much memory it held at most (MB)."""

    code: int
    message: str
    peak_mb: float


def load_in_child(path: Path | str) -> Load:
    """Load ``path`` (``"none"``: only import the loaders, the baseline) in a fresh interpreter."""
    result = subprocess.run(
        [sys.executable, "-c", _CHILD, str(path)], capture_output=True, text=True, check=False, cwd=ROOT, timeout=300
    )
    assert result.returncode in (0, 2), result.stderr[-2000:]
    return Load(result.returncode, result.stdout.strip(), int(result.stderr.strip().splitlines()[-1]) / 1024)


def baseline_mb() -> float:
    """The child's peak when it loads nothing: what imports cost."""
    return load_in_child("none").peak_mb
