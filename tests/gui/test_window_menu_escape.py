"""One Escape after Alt+F closes the menu and gives the keys back to the panel that had them."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication, QMenu


def _open_file_menu(qtbot: Any, window: Any) -> QMenu:
    window.activateWindow()
    window.diagram.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.diagram)
    qtbot.keyClick(window.diagram, Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)
    qtbot.waitUntil(lambda: isinstance(QApplication.activePopupWidget(), QMenu))
    menu = QApplication.activePopupWidget()
    assert isinstance(menu, QMenu) and menu.title() == "&File"
    return menu


def test_one_escape_closes_the_menu_and_returns_the_focus(qtbot: Any, main_window: Any) -> None:
    window = main_window
    menu = _open_file_menu(qtbot, window)
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    # The window's focus (the application's follows once the window is active again; the offscreen platform
    # leaves the closed menu "active" for a while).
    qtbot.waitUntil(lambda: window.focusWidget() is window.diagram)
    assert QApplication.activePopupWidget() is None
    assert window.menuBar().activeAction() is None
    # The keys are the panel's again: Down in the bar would reopen the File menu.
    window.activateWindow()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.diagram)
    qtbot.keyClick(window.diagram, Qt.Key.Key_Down)
    qtbot.wait(50)
    assert QApplication.activePopupWidget() is None


def test_escape_in_a_submenu_goes_back_one_level(qtbot: Any, main_window: Any) -> None:
    """Only a top-level menu's Escape leaves the bar: in Open Recent it returns to the File menu."""
    window = main_window
    menu = _open_file_menu(qtbot, window)
    sub = window.recent_menu
    menu.setActiveAction(sub.menuAction())
    qtbot.keyClick(menu, Qt.Key.Key_Right)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is sub)
    qtbot.keyClick(sub, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: QApplication.activePopupWidget() is menu)
    qtbot.keyClick(menu, Qt.Key.Key_Escape)
    qtbot.waitUntil(lambda: window.focusWidget() is window.diagram)
    assert QApplication.activePopupWidget() is None
