"""A dock the user floats (double-click on its title, or its float button) covers no other panel.

Qt left it where it was docked, on top of the panel beside it. It goes beside the main window when the screen has
room, else over the centre (the diagram), past the docks floated before it.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QAbstractButton, QDockWidget

from lstmviz.gui.dock_fit import floating_spot, global_rect

SCREEN = QRect(0, 0, 1920, 1080)
CENTRE = QRect(300, 100, 500, 400)


def test_beside_the_window_when_the_screen_has_room() -> None:
    window = QRect(0, 0, 1100, 700)
    spot = floating_spot(QSize(300, 400), window, SCREEN, CENTRE, [])
    assert spot == QRect(1100, 0, 300, 400)
    below = floating_spot(QSize(300, 400), window, SCREEN, CENTRE, [spot])
    assert below == QRect(1100, 400, 300, 400)  # under the first, not on it


def test_left_of_the_window_when_the_right_is_full() -> None:
    window = QRect(600, 50, 1300, 700)
    assert floating_spot(QSize(300, 400), window, SCREEN, CENTRE, []) == QRect(300, 50, 300, 400)


def test_over_the_centre_when_the_window_fills_the_screen() -> None:
    first = floating_spot(QSize(300, 600), SCREEN, SCREEN, CENTRE, [])
    assert CENTRE.contains(first) and first.width() == 300
    assert first.height() < 600  # no taller than the centre: it must not hang over the panels below
    second = floating_spot(QSize(150, 150), SCREEN, SCREEN, CENTRE, [first])
    assert CENTRE.contains(second) and not second.intersects(first)
    crowded = [first, second, QRect(CENTRE.topLeft(), CENTRE.size())]
    third = floating_spot(QSize(200, 200), SCREEN, SCREEN, CENTRE, crowded)
    assert all((third.topLeft() - t.topLeft()).manhattanLength() >= 32 for t in crowded)  # its title in sight
    assert CENTRE.contains(third)


def test_the_spot_stays_on_a_small_screen() -> None:
    small = QRect(0, 0, 1024, 700)
    spot = floating_spot(QSize(1500, 900), small, small, QRect(250, 90, 450, 250), [])
    assert small.contains(spot)


def _docked_rects(window: Any, floated: QDockWidget) -> list[QRect]:
    return [global_rect(d) for d in window.docks.values() if d is not floated and d.isVisible() and not d.isFloating()]


def test_the_float_button_floats_the_dock_over_the_diagram(qtbot: Any, main_window: Any) -> None:
    window = main_window
    numbers = window.docks["numbers"]
    qtbot.waitUntil(lambda: numbers.isVisible() and not numbers.isFloating())
    where_docked = global_rect(numbers)
    button = numbers.findChild(QAbstractButton, "qt_dockwidget_floatbutton")
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    diagram = global_rect(window.diagram)
    # The offscreen screen has no room beside the window: the dock goes over the diagram.
    qtbot.waitUntil(lambda: numbers.isFloating() and diagram.contains(numbers.frameGeometry()))
    frame = numbers.frameGeometry()
    assert not frame.intersects(where_docked)
    assert not any(frame.intersects(rect) for rect in _docked_rects(window, numbers))


def test_a_double_click_on_the_title_floats_the_dock_clear_of_the_one_floated_before(
    qtbot: Any, main_window: Any
) -> None:
    window = main_window
    numbers, weights = window.docks["numbers"], window.docks["weights"]
    qtbot.mouseClick(numbers.findChild(QAbstractButton, "qt_dockwidget_floatbutton"), Qt.MouseButton.LeftButton)
    qtbot.waitUntil(lambda: numbers.isFloating() and global_rect(window.diagram).contains(numbers.frameGeometry()))
    qtbot.mouseDClick(weights, Qt.MouseButton.LeftButton, pos=QPoint(20, 8))  # on its title strip
    qtbot.waitUntil(lambda: weights.isFloating() and global_rect(window.diagram).contains(weights.frameGeometry()))
    assert (weights.pos() - numbers.pos()).manhattanLength() >= 32  # its own title stays in sight
    assert not any(weights.frameGeometry().intersects(rect) for rect in _docked_rects(window, weights))


def test_a_double_click_inside_a_panel_floats_nothing(qtbot: Any, main_window: Any) -> None:
    numbers = main_window.docks["numbers"]
    qtbot.mouseDClick(numbers, Qt.MouseButton.LeftButton, pos=QPoint(20, numbers.height() - 10))
    qtbot.wait(50)
    assert not numbers.isFloating()


def test_maximising_the_window_raises_its_floating_docks_again(qtbot: Any, main_window: Any, monkeypatch: Any) -> None:
    """Openbox put floating docks under the window when it was maximised; the window raises them after."""
    window = main_window
    numbers, weights = window.docks["numbers"], window.docks["weights"]
    numbers.setFloating(True)
    qtbot.waitUntil(numbers.isFloating)
    raised: list[QDockWidget] = []
    for dock in (numbers, weights):
        monkeypatch.setattr(dock, "raise_", lambda d=dock: raised.append(d))
    window.showMaximized()
    qtbot.waitUntil(lambda: numbers in raised)
    assert weights not in raised  # docked: nothing to raise
