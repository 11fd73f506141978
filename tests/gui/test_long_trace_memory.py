"""Opening a long sequence in the window holds the trace once, compact: a memory bound, measured in a fresh process.

The child is the memory benchmark's own app case (``benchmarks/memory.py``): the real MainWindow opens 20,000 steps
for an LSTM with 256 units, waits for the whole trace and its paint, and plays 20 steps.
"""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def benchmark():
    spec = importlib.util.spec_from_file_location("memory_benchmark", ROOT / "benchmarks" / "memory.py")
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


@pytest.mark.skipif(sys.platform != "linux", reason="peak memory is read from /proc/self/status")
def test_opening_20k_steps_of_256_units_holds_the_trace_once_in_float32() -> None:
    memory = benchmark()
    peak, before, code = memory.run_case("app:20000x256", cwd=ROOT)
    assert code == 0
    float64_trace = memory.trace_mb(20_000, 256)  # 234 MB; float32 for drawing is half of it
    # what opening added: the float32 trace (117 MB) and at most 64 MB of images, replays and Qt; a float64 trace
    # plus a drawing copy, as before, added 366 MB
    assert peak - before <= 0.5 * float64_trace + 64, (peak, before)
