"""Docks come back where they were and on a screen; Tab walks the panels in screen order and never gets stuck."""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, Qt
from PySide6.QtGui import QGuiApplication
from PySide6.QtWidgets import QApplication

from lstmviz.gui.focus_chain import PANEL_ORDER, panel_of
from lstmviz.gui.main_window import MainWindow
from lstmviz.model.document import Document


def _on_a_screen(rect: QRect) -> bool:
    return any(screen.availableGeometry().contains(rect.topLeft()) for screen in QGuiApplication.screens())


def _restart(qtbot: Any, first: MainWindow, document: Document) -> MainWindow:
    first.save_settings()
    first.release_document()
    first.hide()
    second = MainWindow(document)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    return second


def test_a_dock_floated_off_screen_comes_back_on_screen_and_visible(qtbot: Any, document: Document) -> None:
    first = MainWindow(document)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    numbers = first.docks["numbers"]
    numbers.setFloating(True)
    numbers.move(QPoint(6000, 4000))  # the monitor it sat on is gone
    qtbot.waitUntil(lambda: numbers.isFloating() and numbers.x() > 3000)
    weights = first.docks["weights"]
    weights.setFloating(True)
    weights.move(QPoint(40, 60))  # on screen: stays where it was
    qtbot.waitUntil(lambda: weights.pos() == QPoint(40, 60))
    second = _restart(qtbot, first, document)
    numbers, weights = second.docks["numbers"], second.docks["weights"]
    assert numbers.isFloating() and weights.isFloating()
    qtbot.waitUntil(lambda: numbers.isVisible() and _on_a_screen(numbers.frameGeometry()))  # shown after the window
    assert numbers.isVisible() and second.actions["dock_numbers"].isChecked()
    assert weights.pos() == QPoint(40, 60)


def test_every_dock_state_round_trips(qtbot: Any, document: Document) -> None:
    """Closed, floating, and docked elsewhere: each comes back as it was left."""
    first = MainWindow(document)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.docks["model"].close()
    first.docks["train"].setFloating(True)
    first.addDockWidget(Qt.DockWidgetArea.TopDockWidgetArea, first.docks["heatmaps"])
    qtbot.waitUntil(lambda: first.dockWidgetArea(first.docks["heatmaps"]) == Qt.DockWidgetArea.TopDockWidgetArea)
    second = _restart(qtbot, first, document)
    qtbot.waitUntil(lambda: not second.actions["dock_model"].isChecked())
    assert second.docks["model"].isHidden()
    assert second.docks["train"].isFloating()
    qtbot.waitUntil(second.docks["train"].isVisible)  # a floating dock is shown just after its window
    assert second.dockWidgetArea(second.docks["heatmaps"]) == Qt.DockWidgetArea.TopDockWidgetArea
    assert second.dockWidgetArea(second.docks["numbers"]) == Qt.DockWidgetArea.RightDockWidgetArea
    document.mark_clean()


def _walk(qtbot: Any, window: MainWindow, presses: int) -> list[Any]:
    focused = []
    for _ in range(presses):
        widget = QApplication.focusWidget()
        focused.append(widget)
        qtbot.keyClick(widget, Qt.Key.Key_Tab)
    return focused


def test_tab_walks_the_panels_in_screen_order_without_a_trap(qtbot: Any, main_window: Any) -> None:
    window = main_window
    window.activateWindow()
    window.diagram.setFocus()
    qtbot.waitUntil(lambda: QApplication.focusWidget() is window.diagram)
    walked = _walk(qtbot, window, 150)
    loop = walked.index(window.diagram, 1)  # back at the start: the walk is a loop, not a trap
    assert 20 < loop < 150
    panels = [panel_of(window, w) for w in walked[:loop]]
    visited = [p for i, p in enumerate(panels) if i == 0 or p != panels[i - 1]]
    assert len(visited) == len(set(visited)), f"a panel was entered twice: {visited}"
    start = PANEL_ORDER.index("diagram")
    expected = [p for p in PANEL_ORDER[start:] + PANEL_ORDER[:start] if p in visited]
    assert visited == expected
    assert {"toolbar", "model", "sequence", "diagram", "heatmaps", "unit_plots", "numbers", "weights"} <= set(visited)


def test_tab_leaves_the_type_numbers_box(qtbot: Any, main_window: Any) -> None:
    """Tab in "Type numbers" typed a tab character (26 in one try) instead of moving on."""
    box = main_window.views["sequence"].numbers_edit
    main_window.activateWindow()
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    qtbot.keyClicks(box, "1, 2")
    qtbot.keyClick(box, Qt.Key.Key_Tab)
    assert box.toPlainText() == "1, 2"
    assert not box.hasFocus()
    assert panel_of(main_window, QApplication.focusWidget()) == "sequence"  # its Apply button, next


def test_a_floating_dock_left_off_screen_is_moved_over_the_window(qtbot: Any, main_window: Any) -> None:
    """What the window does once shown with a restored layout (Qt may keep a geometry on a screen now gone)."""
    from lstmviz.gui.dock_fit import bring_floating_docks_back

    numbers, weights = main_window.docks["numbers"], main_window.docks["weights"]
    numbers.setFloating(True)
    weights.setFloating(True)
    numbers.move(QPoint(-5000, 3000))
    weights.move(QPoint(30, 50))
    qtbot.waitUntil(lambda: numbers.x() < -1000 and weights.pos() == QPoint(30, 50))
    assert bring_floating_docks_back(main_window) == [numbers]
    qtbot.waitUntil(lambda: _on_a_screen(numbers.frameGeometry()))
    assert weights.pos() == QPoint(30, 50)


def test_a_focused_plot_shows_a_focus_frame(qtbot: Any, main_window: Any) -> None:
    """Plots and the diagram drew no focus marker: Tab into them left no trace on the screen."""
    from PySide6.QtGui import QPalette
    from PySide6.QtWidgets import QGraphicsView

    window = main_window
    window.activateWindow()
    graphics = window.views["heatmaps"].findChild(QGraphicsView, "heatmapsGraphics")
    highlight = graphics.palette().color(QPalette.ColorRole.Highlight)

    def edge() -> Any:
        image = graphics.grab().toImage()
        return image.pixelColor(0, image.height() // 2)

    window.views["model"].setFocus()
    qtbot.waitUntil(lambda: not graphics.hasFocus())
    assert edge() != highlight
    graphics.setFocus()
    qtbot.waitUntil(graphics.hasFocus)
    assert edge() == highlight


def test_a_restored_floating_dock_is_mapped_after_its_window(qtbot: Any, document: Document) -> None:
    """Mapped before its main window, a floating dock was kept under the window by the window manager for good
    (openbox: every click on the window buried it again); it now waits for the window to be shown."""
    first = MainWindow(document)
    qtbot.addWidget(first)
    first.show()
    qtbot.waitExposed(first)
    first.docks["numbers"].setFloating(True)
    qtbot.waitUntil(first.docks["numbers"].isFloating)
    first.save_settings()
    first.release_document()
    first.hide()
    second = MainWindow(document)
    qtbot.addWidget(second)
    numbers = second.docks["numbers"]
    assert numbers.isFloating() and not numbers.isVisible()  # restored, not yet shown
    second.show()
    qtbot.waitUntil(numbers.isVisible)
    assert second.actions["dock_numbers"].isChecked()
    document.mark_clean()
