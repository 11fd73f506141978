"""Test-wide setup: headless Qt, and no test writes to the user's real settings."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

# Must be set before any Qt module creates the QApplication; CI has no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# Batch-1 recurrences multiply small matrices: threaded BLAS only adds contention on a shared 2-core machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


@pytest.fixture
def float8_lstm(tmp_path: Path) -> Path:
    """f8.safetensors: an LSTM (D = H = 1) whose weight_hh_l0 is stored as F8_E4M3, written by hand: codes 0x38,
    0x40, 0xB8, 0x30 are 1.0, 2.0, -1.0 and 0.5 (sign, four exponent bits with bias 7, three mantissa bits)."""
    import json
    import struct

    import numpy as np

    ih = np.array([0.5, -0.25, 1.0, 0.75], dtype="<f4").tobytes()
    hh = bytes([0x38, 0x40, 0xB8, 0x30])
    header = {
        "weight_ih_l0": {"dtype": "F32", "shape": [4, 1], "data_offsets": [0, 16]},
        "weight_hh_l0": {"dtype": "F8_E4M3", "shape": [4, 1], "data_offsets": [16, 20]},
    }
    text = json.dumps(header).encode()
    path = tmp_path / "f8.safetensors"
    path.write_bytes(struct.pack("<Q", len(text)) + text + ih + hh)
    return path


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Shut down in order before the interpreter finalises: training children ended, worker threads joined,
    then Qt's deferred deletes.

    Left to finalisation, live worker threads and Qt wrappers meet PySide's own clean-up in an undefined order.
    (Deleting the windows still open here as well crashed the collection below: PySide owns their wrappers.)
    """
    import gc
    import multiprocessing
    import sys

    for child in multiprocessing.active_children():  # a training run a failed test did not stop
        child.terminate()
        child.join(timeout=5)
    workers = sys.modules.get("lstmviz.gui.workers")
    if workers is not None:
        workers.shutdown_workers()
    qtwidgets = sys.modules.get("PySide6.QtWidgets")
    if qtwidgets is not None:
        from PySide6.QtCore import QEvent

        app = qtwidgets.QApplication.instance()
        if app is not None:
            app.sendPostedEvents(None, int(QEvent.Type.DeferredDelete.value))
            app.processEvents()
    gc.collect()


def pytest_unconfigure(config: object) -> None:
    """Keep the fault handler on through the interpreter's exit (pytest switches its own off here), so a crash
    in the final clean-up prints where it happened instead of only "Segmentation fault"."""
    import faulthandler
    import sys

    faulthandler.enable(file=sys.__stderr__ or sys.stderr, all_threads=True)
