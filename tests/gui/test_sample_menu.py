"""File > Open Sample lists every bundled sequence and model, and opens one in a click."""

from __future__ import annotations

import importlib.util
from typing import Any

from PySide6.QtWidgets import QMenu

from lstmviz.io.bundled import sample_sequences, sample_weights


def _sample_menu(window: Any) -> QMenu:
    menu = window.findChild(QMenu, "menu_samples")
    assert menu is not None
    return menu


def test_the_menu_lists_every_bundled_sample_under_file(main_window: Any) -> None:
    file_menu = main_window.menuBar().actions()[0].menu()
    menu = _sample_menu(main_window)
    assert menu.menuAction() in file_menu.actions()
    names = {a.objectName().removeprefix("action_sample_") for a in menu.actions() if a.objectName()}
    has_torch = importlib.util.find_spec("torch") is not None
    expected = {p.name for p in sample_sequences()} | {
        p.name for p in sample_weights() if has_torch or p.suffix != ".pt"
    }
    assert names == expected
    sections = [a.text() for a in menu.actions() if a.isSeparator() and a.text()]
    assert sections == ["Sequences", "Models"]


def test_a_sample_sequence_opens_in_one_click(main_window: Any) -> None:
    action = _sample_menu(main_window).findChild(type(main_window.actions["open"]), "action_sample_lorenz.npy")
    if action is None:  # findChild on a QMenu does not search its actions' owners: look through them
        action = next(a for a in _sample_menu(main_window).actions() if a.objectName() == "action_sample_lorenz.npy")
    asked: list[str] = []

    def adapt() -> None:  # the 3-input sample does not fit the 1-input model: the window asks first
        from PySide6.QtWidgets import QApplication

        box = QApplication.activeModalWidget()
        asked.append(box.text())
        box.findChild(type(box.defaultButton()), "mismatch_adapt").click()

    from PySide6.QtCore import QTimer

    QTimer.singleShot(0, adapt)
    action.trigger()
    assert asked and "3 inputs" in asked[0]
    sequence = main_window.document.sequence
    assert sequence.values.shape == (1000, 3)
    assert "lorenz" in sequence.source


def test_a_sample_model_opens_as_weights(main_window: Any, message_boxes: Any) -> None:
    action = next(a for a in _sample_menu(main_window).actions() if a.objectName() == "action_sample_echo_gru_h8.npz")
    action.trigger()
    network = main_window.document.network
    assert network.cell == "gru" and network.hidden_size == 8
    assert message_boxes.kinds() == []
