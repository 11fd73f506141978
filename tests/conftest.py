"""Test-wide setup: headless Qt, and no test writes to the user's real settings."""

from __future__ import annotations

import os

# Must be set before any Qt module creates the QApplication; CI has no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# Batch-1 recurrences multiply small matrices: threaded BLAS only adds contention on a shared 2-core machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
