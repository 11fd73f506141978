"""Background jobs of the main window (file loads, exports) with Python's garbage collector kept off the worker.

A cyclic-garbage collection can start in whichever thread happens to allocate. If it starts in a worker and the
garbage holds Qt wrappers (widgets of a closed dialog, lambdas connected to signals), their C++ objects are
destroyed off the GUI thread while the GUI thread is inside Qt: PySide then deadlocks (seen as a frozen export).
So, before a job starts, the GUI thread collects what is pending, and automatic collection stays paused until the
worker has finished (resumed on the GUI thread through a queued signal, even when the job was cancelled).
"""

from __future__ import annotations

import gc
from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal


class _GcPause(QObject):
    """Counts running jobs; automatic collection is off while any runs."""

    resume = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.was_enabled = True
        self.resume.connect(self._on_resume, Qt.ConnectionType.QueuedConnection)

    def pause(self) -> None:
        if self.running == 0:
            self.was_enabled = gc.isenabled()
            gc.collect()
            gc.disable()
        self.running += 1

    def _on_resume(self) -> None:
        self.running = max(0, self.running - 1)
        if self.running == 0 and self.was_enabled:
            gc.enable()


_pause: _GcPause | None = None


def _gc_pause() -> _GcPause:
    global _pause
    if _pause is None:
        _pause = _GcPause()  # created on the GUI thread (first job), so its slot runs there
    return _pause


def start_job(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    parent: QObject | None = None,
) -> Any:
    """B's ``run_in_background`` with the collector paused while ``work`` runs; returns the cancellable job."""
    from .workers import run_in_background  # noqa: PLC0415

    pause = _gc_pause()
    pause.pause()

    def guarded() -> Any:
        try:
            return work()
        finally:
            pause.resume.emit()  # queued to the GUI thread, also when the job was cancelled

    return run_in_background(guarded, on_done, on_error, parent=parent)
