"""The View menu's dock actions: each shows its panel *and brings it to the front*, with a shortcut.

Qt's own ``toggleViewAction`` only toggles visibility: a dock tabbed behind another (Gradients behind Unit plots)
counts as shown, so choosing it hid it instead of raising it, and nothing reached it by keyboard.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtGui import QAction, QKeySequence
from PySide6.QtWidgets import QApplication, QDockWidget, QMainWindow, QWidget


def is_in_front(window: QMainWindow, dock: QDockWidget) -> bool:
    """Shown and not hidden behind another dock of its tab group (a floating dock is always in front)."""
    if dock.isHidden():
        return False
    if dock.isFloating() or not window.tabifiedDockWidgets(dock):
        return True
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def show_and_raise(dock: QDockWidget) -> None:
    """Show ``dock``, bring its tab (or its floating window) to the front and give it the keyboard focus."""
    dock.show()
    dock.raise_()
    if dock.isFloating():
        dock.activateWindow()
    first = first_focusable(dock)
    if first is not None:
        first.setFocus(Qt.FocusReason.ShortcutFocusReason)  # its focus frame shows where the keys now go


def first_focusable(dock: QDockWidget) -> QWidget | None:
    """The first widget inside ``dock`` that Tab would stop at, else its content."""
    content: QWidget | None = dock.widget()
    if content is None:
        return None
    widget: QWidget | None = content
    for _ in range(2000):
        if widget is None:
            break
        if (
            widget.focusPolicy() & Qt.FocusPolicy.TabFocus
            and widget.isEnabled()
            and content.isAncestorOf(widget)
            and widget.isVisibleTo(content)
        ):
            return widget
        widget = widget.nextInFocusChain()
        if widget is content:
            break
    return content


def dock_action(window: QMainWindow, key: str, dock: QDockWidget, shortcut: str | None) -> QAction:
    """A checked-while-shown action: the dock comes to the front with the keyboard focus; chosen again while the
    focus is in it, it closes."""
    action = QAction(dock.windowTitle(), window)
    action.setObjectName(f"action_dock_{key}")
    action.setCheckable(True)
    action.setChecked(not dock.isHidden())
    action.setStatusTip(f"Bring the {dock.windowTitle()} panel to the front (again, from inside it, to close it)")
    if shortcut:
        action.setShortcut(QKeySequence(shortcut))

    def chosen(_checked: bool) -> None:
        focus = QApplication.focusWidget()
        if is_in_front(window, dock) and focus is not None and dock.isAncestorOf(focus):
            dock.close()  # in front and being used: the same key puts it away (as IDEs' tool windows do)
        else:
            show_and_raise(dock)
        action.setChecked(not dock.isHidden())

    action.triggered.connect(chosen)
    toggle = dock.toggleViewAction()  # follows the dock's own close button and Reset Layout
    toggle.toggled.connect(action.setChecked)
    dock.visibilityChanged.connect(lambda _visible: action.setChecked(not dock.isHidden()))
    return action


def sync_dock_actions(window: QMainWindow, actions: dict[str, QAction]) -> None:
    """Tick each dock's action as the dock is (a restored layout hides docks before the window is shown, and no
    signal says so)."""
    for dock in window.findChildren(QDockWidget):
        action = actions.get(dock.objectName())  # dock_model -> the action named "dock_model"
        if action is not None:
            action.setChecked(not dock.isHidden())
