"""Restyle a view after its palette changed, on the next event-loop turn, once however many changes came.

Why not at once, in ``changeEvent``: Qt sends PaletteChange while it walks the widget tree (and the graphics
scene's items) handing the new palette down, and a view that rebuilds its scene there deletes items that walk is
about to visit. The test run crashed at random (in pyqtgraph item constructors, in garbage collection) after a
screenshot switched palettes under the heatmaps.
"""

from __future__ import annotations

from collections.abc import Callable

from PySide6.QtCore import QEvent, QTimer
from PySide6.QtWidgets import QWidget


class PaletteFollower:
    """Call ``restyle`` one event-loop turn after ``owner``'s palette changes (never after ``owner`` is gone)."""

    def __init__(self, owner: QWidget, restyle: Callable[[], None]) -> None:
        self._timer = QTimer(owner)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(restyle)

    def change_event(self, event: QEvent) -> None:
        """Give it every ``changeEvent``; palette changes start (or restart) the one pending restyle."""
        if event.type() == QEvent.Type.PaletteChange:
            self._timer.start()
