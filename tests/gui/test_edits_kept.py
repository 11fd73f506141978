"""Edits that are kept or asked about, through the real window: the width question both ways, a file opened and
left alone is not an unsaved change, a drag is named by where it ended, Enter gives the keys back to playback,
and the undo history names a weight as the weights panel does."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import QApplication, QMessageBox

from lstmviz.engine.network import Network
from lstmviz.io.weights import save_weights


def two_column_csv(path: Path) -> Path:
    path.write_text(
        "a,b\n" + "".join(f"{np.sin(k / 5):.6f},{np.cos(k / 7):.6f}\n" for k in range(50)), encoding="utf-8"
    )
    return path


def click_in_question(button_name: str, seen: list[tuple[str, str, str]]) -> None:
    """Answer the next modal question box by clicking its button ``button_name``; record its title and texts."""

    def act() -> None:
        box = QApplication.activeModalWidget()
        if not isinstance(box, QMessageBox):
            QTimer.singleShot(10, act)
            return
        seen.append((box.objectName(), box.windowTitle(), box.text()))
        box.findChild(type(box.defaultButton()), button_name).click()

    QTimer.singleShot(0, act)


@pytest.mark.parametrize("answer", ["mismatch_cancel", "mismatch_adapt"])
def test_a_sequence_of_another_width_asks_with_the_same_dialog_as_weights(
    main_window, document, tmp_path, answer
) -> None:
    trained = document.network
    path = two_column_csv(tmp_path / "two.csv")
    seen: list[tuple[str, str, str]] = []
    click_in_question(answer, seen)
    opened = main_window.file_actions.open_path(str(path))
    assert len(seen) == 1 and "two.csv has 2 inputs" in seen[0][2] and "expects 1 input" in seen[0][2]
    if answer == "mismatch_cancel":
        assert not opened and document.network is trained and document.sequence.input_size == 1
    else:
        assert opened and document.network.input_size == 2 and document.sequence.input_size == 2
        np.testing.assert_array_equal(document.network.params["weight_hh_l0"], trained.params["weight_hh_l0"])
    # The other direction: weights of another width, the same dialog (name and title).
    wide = Network.random("lstm", 3, 8, seed=3)
    save_weights(wide, tmp_path / "wide.safetensors")
    click_in_question("mismatch_cancel", seen)
    assert not main_window.file_actions.open_path(str(tmp_path / "wide.safetensors"))
    assert seen[1][:2] == seen[0][:2] == ("dialog_input_mismatch", "The weights do not fit the sequence")


def test_opening_a_file_and_touching_nothing_is_not_an_unsaved_change(
    main_window, document, message_boxes, tmp_path
) -> None:
    path = tmp_path / "one.csv"
    path.write_text("value\n" + "".join(f"{np.sin(k / 4):.5f}\n" for k in range(60)), encoding="utf-8")
    assert not document.dirty
    assert main_window.file_actions.open_path(str(path))
    assert document.steps == 60 and not document.dirty
    assert main_window.windowTitle() == "one.csv — lstmviz"
    assert main_window.file_actions.confirm_discard("quitting")
    assert message_boxes.calls == [], "quitting asks nothing"
    main_window.actions["undo"].trigger()  # the open stays undoable, and undoing it is a change
    assert document.steps == 120 and document.dirty


def test_an_edited_session_stays_changed_after_opening_a_file(main_window, document, tmp_path) -> None:
    document.set_weight("weight_hh_l0", (0, 0), 0.5)
    path = tmp_path / "one.csv"
    path.write_text("value\n1\n2\n3\n", encoding="utf-8")
    assert main_window.file_actions.open_path(str(path))
    assert document.dirty


def test_a_slider_drag_is_named_by_its_final_value(qtbot, main_window, document) -> None:
    weights = main_window.views["weights"]
    slider = weights.biases.sliders["f"]
    slider.slider.setSliderDown(True)
    for target in (0.5, 1.5, 2.75):
        slider.slider.setValue(slider.to_position(target))
    slider.slider.setSliderDown(False)
    slider.released.emit()
    qtbot.waitUntil(lambda: "2.75" in main_window.actions["undo"].text())
    assert "0.50" not in main_window.actions["undo"].text()
    assert document.undo_text.endswith("to +2.75")


def test_enter_in_a_toolbar_box_gives_space_and_home_back_to_playback(qtbot, main_window, document) -> None:
    playback = main_window.playback
    box = playback.step_spin
    box.setFocus()
    qtbot.waitUntil(box.hasFocus)
    box.lineEdit().selectAll()
    qtbot.keyClicks(box.lineEdit(), "40")
    qtbot.keyClick(box.lineEdit(), Qt.Key.Key_Return)
    assert document.step == 40
    assert not box.hasFocus() and not box.lineEdit().hasFocus()
    focus = QApplication.focusWidget()
    qtbot.keyClick(focus, Qt.Key.Key_Home)
    assert document.step == 0
    qtbot.keyClick(QApplication.focusWidget(), Qt.Key.Key_Space)
    assert playback.playing
    playback.pause()


def test_the_undo_history_names_a_weight_as_the_weights_panel_does(qtbot, main_window, document) -> None:
    weights = main_window.views["weights"]
    viewport = weights.matrix.graphics.viewport()
    qtbot.mouseClick(viewport, Qt.MouseButton.LeftButton, pos=weights.matrix.cell_center(1, 3, 2).toPoint())
    label = weights.selection_label.text().split("</b>")[0].removeprefix("<b>")
    assert label == "weight_hh_l0[f: 3, 2]"
    weights.value_spin.setValue(0.625)
    assert document.undo_text == f"Set {label} to 0.625"
    assert main_window.actions["undo"].text() == f"&Undo Set {label} to 0.625"
