"""Docks that fit the screen: panels scroll inside their dock instead of pushing the window wider or taller,
floating docks come back on a screen that exists, above the window, and a dock just floated covers no other.

A dock's minimum size is its content's: the Model and Sequence forms (about 650 px tall together), the Weights
panel's blocks (wider with every unit) and the Train form added up to a main window of at least 1049 x 745, off
a 1024 x 700 screen. Wrapped in a scroll area, a panel keeps its own size and the dock can be smaller; a scroll
bar appears where the dock cuts it.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, QRect, QSize, Qt, QTimer
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QAbstractButton, QDockWidget, QFrame, QMainWindow, QScrollArea, QStyle, QWidget

SCROLLED_DOCKS: frozenset[str] = frozenset({"model", "sequence", "numbers", "weights", "train"})
"""The form-like panels: their content has a natural size and scrolls. Plots and heatmaps shrink instead."""
SMALLEST_DOCK = (160, 90)
"""The least a scrolled dock keeps (width, height): a strip one can still read and scroll."""
CASCADE = 32
"""How far a dock floated over the centre cascades from the one floated before it (and twice its margin)."""


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


def global_rect(widget: QWidget) -> QRect:
    """``widget``'s rectangle in screen coordinates."""
    return QRect(widget.mapToGlobal(QPoint(0, 0)), widget.size())


def floating_spot(size: QSize, window: QRect, room: QRect, centre: QRect, taken: list[QRect]) -> QRect:
    """Where a dock of ``size`` (frame included) floats without covering another panel.

    Beside the main window (right, then left; below a dock floated there before) when the screen ``room`` has
    space for it, else in a corner of the window's ``centre`` (the diagram: no dock lies there) that the floating
    docks already ``taken`` leave free, no larger than that centre, or cascaded past them when every corner is
    taken. Qt left a floated dock where it was docked, on top of the panel beside it.
    """
    size = size.boundedTo(room.size())
    tops = [window.top()] + [rect.bottom() + 1 for rect in taken]
    for left in (window.right() + 1, window.left() - size.width()):
        for top in tops:
            top = min(max(top, room.top()), room.bottom() - size.height() + 1)
            spot = QRect(QPoint(left, top), size)
            if room.contains(spot) and not spot.intersects(window) and not any(spot.intersects(t) for t in taken):
                return spot
    margin = CASCADE // 2
    inner = centre.adjusted(margin, margin, -margin, -margin)
    over = size.boundedTo(inner.size()).expandedTo(QSize(1, 1))
    corners = [
        QPoint(x, y)
        for y in (inner.top(), inner.bottom() - over.height() + 1)
        for x in (inner.left(), inner.right() - over.width() + 1)
    ]
    for corner in corners:  # a corner of the centre that no floating dock covers yet
        spot = clamped(QRect(corner, over), room)
        if not any(spot.intersects(t) for t in taken):
            return spot
    for step in range(1, 9):  # else cascade, still within the centre: each one's title strip stays in sight
        shift = CASCADE * (step - 1)
        smaller = over.boundedTo(inner.size() - QSize(shift, shift)).expandedTo(QSize(1, 1))
        spot = clamped(QRect(inner.topLeft() + QPoint(shift, shift), smaller), room)
        if all((spot.topLeft() - t.topLeft()).manhattanLength() >= CASCADE for t in taken):
            return spot
    return clamped(QRect(inner.topLeft(), over), room)


def clamped(rect: QRect, room: QRect) -> QRect:
    """``rect`` moved (not resized) into ``room`` as far as it fits."""
    return QRect(
        QPoint(
            min(max(rect.left(), room.left()), room.right() - rect.width() + 1),
            min(max(rect.top(), room.top()), room.bottom() - rect.height() + 1),
        ),
        rect.size(),
    )


def place_floated(window: QMainWindow, dock: QDockWidget) -> QRect:
    """Move ``dock``, just floated, to :func:`floating_spot` on the window's screen; returns its new frame."""
    screen = window.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry() if screen is not None else QRect(0, 0, 1024, 700)
    frame = dock.frameGeometry()
    extra = frame.size() - dock.geometry().size()  # the window manager's frame around the dock
    others = [d for d in window.findChildren(QDockWidget) if d is not dock and d.isFloating() and d.isVisible()]
    centre = window.centralWidget()
    spot = floating_spot(
        frame.size(),
        window.frameGeometry(),
        room,
        global_rect(centre) if centre is not None else window.frameGeometry(),
        [other.frameGeometry() for other in others],
    )
    if spot.size() != frame.size():
        dock.resize(spot.size() - extra)
    dock.move(spot.topLeft())
    dock.raise_()
    return spot


class FloatPlacement(QObject):
    """Places a dock the user floats (a double-click on its title or its float button) with :func:`place_floated`.

    A dock dragged off by its title is left where it is dropped, and one floated by a restored layout where the
    layout says.
    """

    def __init__(self, window: QMainWindow) -> None:
        super().__init__(window)
        self._window = window
        for dock in window.findChildren(QDockWidget):
            dock.installEventFilter(self)
            button = dock.findChild(QAbstractButton, "qt_dockwidget_floatbutton")
            if button is not None:
                button.clicked.connect(lambda _checked=False, d=dock: self._placed_soon(d, False))

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.MouseButtonDblClick and isinstance(watched, QDockWidget):
            self._placed_soon(watched, watched.isFloating())
        return False

    def _placed_soon(self, dock: QDockWidget, was_floating: bool) -> None:
        """Once Qt has floated the dock (after the click), and only if the click did float it."""
        QTimer.singleShot(0, lambda: not was_floating and dock.isFloating() and place_floated(self._window, dock))


def place_docks_when_floated(window: QMainWindow) -> FloatPlacement:
    """Make every dock of ``window`` float to a free place when the user floats it (call once its docks exist)."""
    return FloatPlacement(window)
