"""Every control a person can touch in the main window says what it does when hovered."""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QAbstractButton, QAbstractSpinBox, QComboBox, QLineEdit, QPlainTextEdit, QSlider

CONTROLS = (QAbstractButton, QAbstractSpinBox, QComboBox, QSlider, QLineEdit, QPlainTextEdit)


def tooltip_of(widget: Any) -> str:
    """The widget's tooltip, or its action's for a tool button that shows a QAction."""
    text = widget.toolTip()
    action = getattr(widget, "defaultAction", lambda: None)()
    if not text and action is not None:
        text = action.toolTip()
    return text.strip()


def test_every_visible_control_has_a_tooltip(main_window: Any, qtbot: Any) -> None:
    main_window.show()
    qtbot.waitExposed(main_window)
    missing = []
    for kind in CONTROLS:
        for widget in main_window.findChildren(kind):
            inner_part = isinstance(widget.parent(), (QAbstractSpinBox, QComboBox))  # e.g. a spin box's line edit
            qt_internal = widget.objectName().startswith("qt_")  # dock title-bar buttons drawn by Qt itself
            if widget.isVisibleTo(main_window) and not inner_part and not qt_internal and not tooltip_of(widget):
                missing.append(f"{type(widget).__name__} {widget.objectName()!r} {getattr(widget, 'text', str)()!r}")
    assert not missing, missing
    assert len(main_window.findChildren(QAbstractButton)) > 20  # the check saw the real window
