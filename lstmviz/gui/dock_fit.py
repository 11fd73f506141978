"""Docks that fit the screen: panels scroll inside their dock instead of pushing the window wider or taller, and
floating docks come back on a screen that exists, above the window.

A dock's minimum size is its content's: the Model and Sequence forms (about 650 px tall together), the Weights
panel's blocks (wider with every unit) and the Train form added up to a main window of at least 1049 x 745, off
a 1024 x 700 screen. Wrapped in a scroll area, a panel keeps its own size and the dock can be smaller; a scroll
bar appears where the dock cuts it.
"""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QDockWidget, QFrame, QMainWindow, QScrollArea, QStyle, QWidget

SCROLLED_DOCKS: frozenset[str] = frozenset({"model", "sequence", "numbers", "weights", "train"})
"""The form-like panels: their content has a natural size and scrolls. Plots and heatmaps shrink instead."""
SMALLEST_DOCK = (160, 90)
"""The least a scrolled dock keeps (width, height): a strip one can still read and scroll."""


def dock_content(key: str, view: QWidget) -> QWidget:
    """What the dock for ``key`` holds: the view itself, or a scroll area around it for the form-like panels."""
    return scrolled(view, f"scroll_{key}") if key in SCROLLED_DOCKS else view


def scrolled(view: QWidget, name: str) -> QScrollArea:
    """``view`` in a scroll area that can be as small as :data:`SMALLEST_DOCK`: the form keeps its own size and
    the dock around it can be narrower than the form."""
    area = QScrollArea()
    area.setObjectName(name)
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)  # the panel fills the dock when there is room, and scrolls when there is not
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setMinimumSize(*SMALLEST_DOCK)
    area.setWidget(view)
    area.setFocusProxy(view)
    return area


def column_width(views: list[QWidget], share: int, most: int) -> int:
    """A side column's width: its ``share`` of the window, widened (up to ``most``) so that its panels need no
    sideways scrolling, with room for their vertical scroll bar."""
    scrollbar = views[0].style().pixelMetric(QStyle.PixelMetric.PM_ScrollBarExtent) if views else 0
    natural = max((view.minimumSizeHint().width() for view in views), default=0) + scrollbar + 4
    return max(share, min(natural, most))


def on_some_screen(rect: QRect) -> bool:
    """True when at least a grip of ``rect`` (its title strip) lies on a screen that exists now."""
    grip = QRect(rect.left(), rect.top(), max(rect.width(), 1), min(max(rect.height(), 1), 30))
    for screen in QGuiApplication.screens():
        shared = screen.availableGeometry().intersected(grip)
        if shared.width() >= min(grip.width(), 80) and shared.height() >= grip.height() // 2:
            return True
    return False


def bring_floating_docks_back(window: QMainWindow) -> list[QDockWidget]:
    """Floating docks restored off every screen come back over the window, and every floating dock is raised.

    A saved layout remembers where a floating dock was, on a screen that may be gone (a laptop off its monitor),
    and a dock restored before its main window is mapped ended up *under* it. Returns the docks it moved.
    """
    moved: list[QDockWidget] = []
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)
    for dock in window.findChildren(QDockWidget):
        if not dock.isFloating() or dock.isHidden():
            continue
        frame = dock.frameGeometry()
        if not on_some_screen(frame):
            size = frame.size().boundedTo(room.size())
            target = QRect(QPoint(0, 0), size)
            target.moveCenter(window.frameGeometry().center())
            target.moveTopLeft(
                QPoint(
                    min(max(target.left(), room.left()), room.right() - size.width() + 1),
                    min(max(target.top(), room.top()), room.bottom() - size.height() + 1),
                )
            )
            dock.move(target.topLeft())
            if size != frame.size():
                dock.resize(dock.size().boundedTo(size))
            moved.append(dock)
        dock.raise_()
    return moved
