"""The size a top-level window opens at, shared by the main window and the seq2seq window.

Its own module so a second window can open at the main window's size without importing the main window (which
imports the menus that open the second window: an import circle).
"""

from __future__ import annotations

from PySide6.QtCore import QSize
from PySide6.QtGui import QGuiApplication, QScreen
from PySide6.QtWidgets import QWidget

DEFAULT_SIZE = QSize(1500, 950)


def initial_size(window: QWidget, preferred: QSize = DEFAULT_SIZE) -> QSize:
    """``preferred`` (1500 x 950), or 92 % of a smaller screen (a 1366 x 768 laptop must see the title bar and the
    status bar)."""
    screen = _screen_of(window)
    if screen is None:
        return preferred
    room = screen.availableGeometry().size() * 0.92
    return preferred.boundedTo(room)


def _screen_of(window: QWidget) -> QScreen | None:
    """The window's screen, else the primary one; None when the platform has no screen at all (the stubs say
    neither can be None, Qt says both can)."""
    return window.screen() or QGuiApplication.primaryScreen()
