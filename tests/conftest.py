"""Test-wide setup: headless Qt, and no test writes to the user's real settings."""

from __future__ import annotations

import os

# Must be set before any Qt module creates the QApplication; CI has no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
# Batch-1 recurrences multiply small matrices: threaded BLAS only adds contention on a shared 2-core machine.
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def pytest_sessionfinish(session: object, exitstatus: int) -> None:
    """Shut down in order before the interpreter finalises: worker threads joined, then Qt's deferred deletes.

    Left to finalisation, live worker threads and Qt wrappers meet PySide's own clean-up in an undefined order.
    """
    import gc
    import sys

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
