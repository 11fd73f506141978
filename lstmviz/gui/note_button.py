"""The small "?" button of a view's header row that shows the view's "what to try" note.

One mechanism for every view: the button takes no room beyond a character, its tooltip names it, and a click
opens the note (:data:`lstmviz.model.view_notes.VIEW_NOTES`) in a popup under the button that any click elsewhere
closes. A view with no header row of its own (the gate diagram) pins the button to its top-right corner
(:func:`pin_top_right`).
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, QPoint, Qt
from PySide6.QtWidgets import QFrame, QLabel, QToolButton, QVBoxLayout, QWidget

from ..model.view_notes import VIEW_NOTES

POPUP_WIDTH = 360
"""Pixels: the note wraps to this width (two or three lines)."""


class NotePopup(QFrame):
    """The note, in a frame that closes on the next click outside it."""

    def __init__(self, html: str, parent: QWidget) -> None:
        super().__init__(parent, Qt.WindowType.Popup)
        self.setObjectName("viewNotePopup")
        self.setFrameShape(QFrame.Shape.StyledPanel)
        self.label = QLabel(html, self)
        self.label.setObjectName("viewNoteText")
        self.label.setWordWrap(True)
        self.label.setTextFormat(Qt.TextFormat.RichText)
        self.label.setFixedWidth(POPUP_WIDTH)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(8, 6, 8, 6)
        layout.addWidget(self.label)


class NoteButton(QToolButton):
    """ "?": shows the note of view ``key``."""

    def __init__(self, key: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.key = key
        self.note = VIEW_NOTES[key]
        self.setObjectName(f"viewNote_{key}")
        self.setText("?")
        self.setAutoRaise(True)
        self.setToolTip(f"What to try in {self.note.title}")
        self.setAccessibleName(f"What to try: {self.note.title}")
        self.setWhatsThis(self.note.html())
        self.popup: NotePopup | None = None
        self.clicked.connect(self.show_note)

    def show_note(self) -> NotePopup:
        """Open the note under the button (kept inside the screen)."""
        if self.popup is None:
            self.popup = NotePopup(self.note.html(), self)
        popup = self.popup
        popup.adjustSize()
        where = self.mapToGlobal(QPoint(self.width() - popup.width(), self.height()))
        screen = self.screen().availableGeometry() if self.screen() is not None else None
        if screen is not None:
            where.setX(max(screen.left(), min(where.x(), screen.right() - popup.width())))
            if where.y() + popup.height() > screen.bottom():
                where.setY(self.mapToGlobal(QPoint(0, 0)).y() - popup.height())
        popup.move(where)
        popup.show()
        return popup


def note_button(key: str, parent: QWidget | None = None) -> NoteButton:
    """The "what to try" button of view ``key`` (a key of :data:`~lstmviz.model.view_notes.VIEW_NOTES`)."""
    return NoteButton(key, parent)


class _Pin(QObject):
    """Keeps a child button in its host's top-right corner as the host resizes."""

    def __init__(self, button: QWidget, host: QWidget, margin: int) -> None:
        super().__init__(host)
        self.button, self.margin = button, margin
        host.installEventFilter(self)
        self.place(host)

    def place(self, host: QWidget) -> None:
        self.button.adjustSize()
        self.button.move(host.width() - self.button.width() - self.margin, self.margin)
        self.button.raise_()

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() in (QEvent.Type.Resize, QEvent.Type.Show) and isinstance(watched, QWidget):
            self.place(watched)
        return False


def pin_top_right(button: QWidget, host: QWidget, margin: int = 4) -> None:
    """Float ``button`` (a child of ``host``) over ``host``'s top-right corner (a view with no header row)."""
    _Pin(button, host, margin)
