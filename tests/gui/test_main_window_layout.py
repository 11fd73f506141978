"""The default layout gives the centre's views their room: no tab bar under the heatmaps, docks inside the window."""

from __future__ import annotations

from typing import Any


def test_heatmaps_are_not_tabbed_and_gradients_wait_behind_the_unit_plots(qtbot: Any, main_window: Any) -> None:
    window = main_window
    window.reset_layout()
    heatmaps, plots, gradients = (window.docks[k] for k in ("heatmaps", "unit_plots", "gradients"))
    assert window.tabifiedDockWidgets(heatmaps) == []
    assert gradients in window.tabifiedDockWidgets(plots)
    qtbot.waitUntil(lambda: not plots.visibleRegion().isEmpty() and gradients.visibleRegion().isEmpty())
    # The heatmaps' view takes the dock's whole height but its title (a tab bar took about 25 px of seven rows).
    qtbot.waitUntil(lambda: heatmaps.widget().height() >= heatmaps.height() - 30)


def test_the_centre_is_wider_than_either_side_column(qtbot: Any, main_window: Any) -> None:
    window = main_window
    window.resize(1600, 1000)
    window.reset_layout()
    qtbot.waitUntil(lambda: window.diagram.width() > window.docks["model"].width())
    assert window.diagram.width() > window.docks["weights"].width()
    assert window.diagram.height() >= 0.4 * window.height()


def test_numbers_panel_is_tall_enough_to_follow_a_gate(qtbot: Any, main_window: Any) -> None:
    """At 1600 x 1000 the Numbers dock was 280 px: the forget gate's working was cut off under the input gate's."""
    window = main_window
    window.resize(1600, 1000)
    window.reset_layout()
    numbers, weights = window.docks["numbers"], window.docks["weights"]
    qtbot.waitUntil(lambda: numbers.height() >= 340)
    assert weights.height() >= weights.minimumSizeHint().height()


def test_first_start_fits_a_small_screen(qtbot: Any) -> None:
    """The window opened at 1500 x 950 whatever the screen: on a 1366 x 768 laptop the status bar was off screen."""
    from PySide6.QtGui import QGuiApplication
    from PySide6.QtWidgets import QWidget

    from lstmviz.gui.window_size import DEFAULT_SIZE, initial_size

    room = QGuiApplication.primaryScreen().availableGeometry().size()  # 800 x 800 on the offscreen platform
    probe = QWidget()
    qtbot.addWidget(probe)
    size = initial_size(probe)
    assert size.width() <= room.width() and size.height() <= room.height()
    assert size == DEFAULT_SIZE.boundedTo(room * 0.92)
