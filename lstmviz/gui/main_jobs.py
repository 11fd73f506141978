"""Background jobs of the main window (file loads, exports).

They run through :func:`lstmviz.gui.workers.run_in_background`, like every other background job.
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
    """Run ``work`` off the GUI thread; returns the cancellable job."""
    from .workers import run_in_background

    return run_in_background(work, on_done, on_error, parent=parent)
