"""Model > Compare RNN, GRU, LSTM: the compare view in a window of its own, beside the main window.

The window's models join the main window's session (``compare-rnn``, ...) and share its background runner; one
window per main window, raised again when asked for a second time.
"""

from __future__ import annotations

from PySide6.QtWidgets import QMainWindow, QWidget

from ..model.session import Session
from .views.compare_view import CompareView


def compare_window(session: Session, parent: QWidget | None = None) -> QMainWindow:
    """A window holding a :class:`CompareView` on ``session``."""
    window = QMainWindow(parent)
    window.setObjectName("compareWindow")
    window.setWindowTitle("Compare RNN, GRU, LSTM - lstmviz")
    window.setCentralWidget(CompareView(session, window))
    window.resize(1400, 900)
    return window


def open_compare_window(parent: QWidget, session: Session) -> QMainWindow:
    """Show the compare window of ``parent`` (made on first use, kept alive with it)."""
    window = getattr(parent, "_compare_window", None)
    if not isinstance(window, QMainWindow):
        window = compare_window(session, parent)
        parent._compare_window = window  # type: ignore[attr-defined]
    window.show()
    window.raise_()
    return window
