"""Background jobs of the main window (file loads, exports).

Garbage collection stays off while the worker runs: ``run_in_background`` pauses it (see
:class:`lstmviz.gui.workers.GcPause`; a collection in a worker froze exports by finalising Qt wrappers off the GUI
thread).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from PySide6.QtCore import QObject


def start_job(
    work: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None],
    parent: QObject | None = None,
) -> Any:
    """B's ``run_in_background`` (collector paused while ``work`` runs, pending garbage freed on the GUI thread
    first: loads and exports are rare, so their collection costs nothing noticeable); returns the cancellable job."""
    from .workers import run_in_background  # noqa: PLC0415

    return run_in_background(work, on_done, on_error, parent=parent, collect_first=True)
