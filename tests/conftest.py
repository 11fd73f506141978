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
