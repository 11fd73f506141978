"""Menus a new user reads: Generate beside Open, Quit on Ctrl+Q, and the diagram's zoom in the View menu."""

from __future__ import annotations

from typing import Any

from PySide6.QtGui import QKeySequence


def test_generate_sits_with_open_and_quit_has_a_key(main_window: Any) -> None:
    file_menu = main_window.menuBar().actions()[0].menu()
    names = [a.objectName() for a in file_menu.actions() if not a.isSeparator()]
    assert names.index("action_generate") < names.index("action_save")
    assert QKeySequence("Ctrl+Q") in main_window.actions["quit"].shortcuts()


def test_view_menu_zooms_and_fits_the_diagram(qtbot: Any, main_window: Any) -> None:
    diagram = main_window.diagram
    fitted = diagram.transform().m11()
    main_window.actions["zoom_in"].trigger()
    assert diagram.transform().m11() > fitted * 1.1
    main_window.actions["zoom_out"].trigger()
    main_window.actions["zoom_out"].trigger()
    assert diagram.transform().m11() < fitted
    main_window.actions["zoom_fit"].trigger()
    assert abs(diagram.transform().m11() - fitted) < 1e-6 * fitted
    view_menu = main_window.findChild(type(main_window.menuBar().actions()[0].menu()), "menu_view")
    assert main_window.actions["zoom_fit"] in view_menu.actions()
    assert QKeySequence("Ctrl+0") in main_window.actions["zoom_fit"].shortcuts()


def test_guide_writes_equations_as_in_a_textbook(main_window: Any) -> None:
    from lstmviz.gui.dialogs.about import guide_html

    text = guide_html(main_window.document.network.spec)
    assert "sigma(" not in text and "_{" not in text and "C~" not in text
    assert "σ(W<sub>if</sub> x<sub>t</sub>" in text and "h<sub>t−1</sub>" in text
