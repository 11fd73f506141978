"""Base of the main window's command groups (file actions, export actions): one window, one background job."""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject

if TYPE_CHECKING:
    from .main_window import MainWindow


class WindowActions(QObject):
    """Commands that act on one main window's document; at most one background job of theirs runs at a time."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window
        self._job: Any = None

    @property
    def document(self) -> Any:
        return self.window.document
