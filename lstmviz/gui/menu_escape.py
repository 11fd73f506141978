"""One Escape closes a menu and gives the keys back to the widget that had them.

Qt's menu bar, after Alt+F then Escape, closes the menu but stays in its keyboard mode: the menu bar keeps the
focus with no visible sign (the highlight of "File" is subtle or absent, depending on the style), arrows reopen the
menu and the panel's keys do nothing until a second Escape. Here Escape in a menu opened from the bar is followed
by the bar's own Escape, which hands the focus back to the widget that had it before Alt was pressed.
"""

from __future__ import annotations

from PySide6.QtCore import QEvent, QObject, Qt, QTimer
from PySide6.QtGui import QKeyEvent
from PySide6.QtWidgets import QApplication, QMenu, QMenuBar


class MenuEscape(QObject):
    """Watches the bar's top-level menus for Escape (submenus keep Qt's behaviour: Escape goes back one level)."""

    def __init__(self, bar: QMenuBar) -> None:
        super().__init__(bar)
        self._bar = bar
        for action in bar.actions():
            menu = action.menu()
            if isinstance(menu, QMenu):
                menu.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        """Let the menu close itself as usual, then leave the bar's keyboard mode (once the menu is gone)."""
        if (
            event.type() == QEvent.Type.KeyPress
            and isinstance(event, QKeyEvent)
            and event.key() == Qt.Key.Key_Escape
            and isinstance(watched, QMenu)
        ):
            QTimer.singleShot(0, self._leave_bar)
        return False

    def _leave_bar(self) -> None:
        """The bar's own Escape: it restores the focus it took (nothing to do when another menu opened since)."""
        bar = self._bar
        if QApplication.activePopupWidget() is not None or bar.window().focusWidget() is not bar:
            return
        for kind in (QEvent.Type.KeyPress, QEvent.Type.KeyRelease):
            QApplication.sendEvent(bar, QKeyEvent(kind, Qt.Key.Key_Escape, Qt.KeyboardModifier.NoModifier))


def escape_leaves_menus(bar: QMenuBar) -> MenuEscape:
    """Make one Escape in any of ``bar``'s menus return the focus to where it was (call after the menus exist)."""
    return MenuEscape(bar)
