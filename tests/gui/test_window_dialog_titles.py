"""Error and confirmation boxes are wide enough for their whole title ("Cannot open the file", not "Cannot ope…").

A message box took the width of its text: with a short reason the window manager had no room for the title beside
its icon and buttons. The title's width here is measured independently: the text as the title bar shows it
(with Qt's " — application name"), in a bold font, plus room for an icon and three buttons.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QMessageBox


def _title_needs(box: QMessageBox) -> int:
    font = QFont(box.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    shown = f"{box.windowTitle()} \N{EM DASH} {QGuiApplication.applicationDisplayName()}"
    return metrics.horizontalAdvance(shown) + 4 * metrics.height()  # the icon and three buttons, at least


def _shown(qtbot: Any, box: QMessageBox) -> QMessageBox:
    qtbot.addWidget(box)
    box.show()
    qtbot.waitExposed(box)
    return box


def test_the_open_error_is_as_wide_as_its_title(
    qtbot: Any, main_window: Any, message_boxes: Any, tmp_path: Path
) -> None:
    empty = tmp_path / "e.csv"
    empty.write_text("")
    assert not main_window.file_actions.open_path(str(empty))
    box = _shown(qtbot, message_boxes.boxes[-1])  # the box the app built (the test double did not show it)
    assert box.windowTitle() == "Cannot open the file"
    assert box.width() >= _title_needs(box)


def test_a_confirmation_built_by_hand_is_as_wide_as_its_title(qtbot: Any, main_window: Any) -> None:
    box = QMessageBox(
        QMessageBox.Icon.Question,
        "Discard the changes to the workspace?",
        "Sure?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        main_window,
    )
    box = _shown(qtbot, box)
    assert box.width() >= _title_needs(box)
    assert box.width() > QFontMetrics(box.font()).horizontalAdvance("Sure?") + 200  # the title set it, not the text


def test_a_title_longer_than_the_screen_keeps_the_box_on_the_screen(qtbot: Any, main_window: Any) -> None:
    title = "Cannot export " * 60
    box = QMessageBox(QMessageBox.Icon.Warning, title, "No.", QMessageBox.StandardButton.Ok, main_window)
    box = _shown(qtbot, box)
    screen = box.screen() or QGuiApplication.primaryScreen()
    assert box.width() <= screen.availableGeometry().width()
    assert box.width() >= min(_title_needs(box), screen.availableGeometry().width()) - 1
