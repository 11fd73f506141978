"""First contact with the window: short titles, dialogs that start in the samples, Return that exports, menus
with keys, and View actions that bring a panel to the front."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtGui import QKeySequence
from PySide6.QtWidgets import QApplication, QDialog, QFileDialog, QPushButton

from lstmviz.gui.dialogs.export_figure import ExportFigureDialog
from lstmviz.gui.settings import AppSettings
from lstmviz.io.bundled import sample_sequences
from lstmviz.io.generators import generate
from lstmviz.io.sequence_data import SequenceData


def test_a_generated_sequence_keeps_its_description_in_the_title(main_window: Any) -> None:
    """ "frequency 0.05/step" holds a slash: the title showed "step, amplitude 1, ..." from it."""
    document = main_window.document
    sequence = generate("sine", frequency=0.05)
    assert "0.05/step" in sequence.source
    document.set_sequence(sequence)
    assert main_window.display_name() == sequence.source
    assert main_window.windowTitle().startswith("sine: frequency 0.05/step")


def test_a_file_path_shows_as_its_name(main_window: Any, tmp_path: Path) -> None:
    path = tmp_path / "deep" / "waves.csv"
    path.parent.mkdir()
    path.write_text("x\n1\n2\n")
    main_window.document.set_sequence(SequenceData(np.zeros(3), source=str(path)))
    assert main_window.display_name() == "waves.csv"
    assert str(tmp_path) not in main_window.windowTitle()


def test_file_dialogs_start_in_the_bundled_samples_then_the_last_folder(tmp_path: Path) -> None:
    settings = AppSettings()
    first = Path(settings.last_folder())
    assert first.is_dir() and first != Path.home()
    assert sample_sequences() and all(path.parent == first for path in sample_sequences())
    settings.set_last_folder_from(str(tmp_path / "file.csv"))
    assert Path(settings.last_folder()) == tmp_path.resolve()


def test_saves_and_exports_never_start_in_the_bundled_samples(tmp_path: Path) -> None:
    """Export Figure offered resources/sequences/demo-….pdf: inside an installed app, a folder of the package."""
    settings = AppSettings()
    assert Path(settings.save_folder()) == Path.home()  # the first time: Open starts in the samples, saves do not
    settings.set_last_folder_from(str(sample_sequences()[0]))  # a sample opened: still not there
    assert Path(settings.save_folder()) == Path.home()
    settings.set_last_folder_from(str(tmp_path / "file.csv"))
    assert Path(settings.save_folder()) == tmp_path.resolve()


def test_the_export_dialog_starts_outside_the_bundled_samples(
    qtbot: Any, main_window: Any, message_boxes: Any, monkeypatch: Any
) -> None:
    shown: list[ExportFigureDialog] = []
    monkeypatch.setattr(ExportFigureDialog, "exec", lambda dialog: (shown.append(dialog), 0)[1])
    main_window.export_actions.export_figure()
    assert shown, message_boxes.calls
    chosen = Path(shown[0].path_edit.text())
    assert chosen.parent == Path.home()


def test_browse_preselects_the_chosen_format_and_return_exports(
    qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    asked: list[tuple[Any, ...]] = []
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *args: (asked.append(args), ("", ""))[1]))
    dialog = ExportFigureDialog(main_window.document, str(tmp_path), main_window)
    qtbot.addWidget(dialog)
    dialog.show()
    qtbot.waitExposed(dialog)
    dialog.format_combo.setCurrentText("SVG")
    browse = dialog.findChild(QPushButton, "export_browse")
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert len(asked) == 1
    assert asked[0][4] == "SVG (*.svg)", "the filter of the name's own suffix, not always PNG"
    assert not browse.autoDefault()
    dialog.path_edit.setText(str(tmp_path / "picture.pdf"))
    qtbot.mouseClick(browse, Qt.MouseButton.LeftButton)
    assert asked[1][4] == "PDF (*.pdf)"
    browse.setFocus()  # Return after Browse... exports rather than browsing again
    qtbot.keyClick(dialog, Qt.Key.Key_Return)
    assert len(asked) == 2
    assert dialog.result() == QDialog.DialogCode.Accepted
    assert dialog.options().path.endswith("picture.pdf")


def test_file_and_playback_menus_have_their_keys(main_window: Any) -> None:
    actions = main_window.actions
    keys = {name: actions[name].shortcut().toString() for name in ("open_weights", "export_diagram", "export_trace")}
    assert keys == {"open_weights": "Ctrl+Shift+O", "export_diagram": "Ctrl+Shift+D", "export_trace": "Ctrl+Shift+T"}
    every = [s.toString() for a in main_window.findChildren(type(actions["open"])) for s in a.shortcuts()]
    clashes = {key for key in every if key and every.count(key) > 1}
    assert not clashes, f"one key, two actions: {clashes}"
    playback_menu = next(a.menu() for a in main_window.menuBar().actions() if a.text() == "&Playback")
    assert main_window.playback.loop_action in playback_menu.actions()


def test_each_view_action_shows_and_raises_its_dock(qtbot: Any, main_window: Any) -> None:
    window = main_window
    window.activateWindow()
    plots, gradients = window.docks["unit_plots"], window.docks["gradients"]
    qtbot.waitUntil(lambda: not plots.visibleRegion().isEmpty() and gradients.visibleRegion().isEmpty())
    assert window.actions["dock_gradients"].isChecked(), "a tab behind another is shown, only covered"
    window.actions["dock_gradients"].trigger()  # it used to hide the covered tab
    qtbot.waitUntil(lambda: not gradients.visibleRegion().isEmpty())
    assert not gradients.isHidden() and plots.visibleRegion().isEmpty()
    qtbot.keyClick(window, Qt.Key.Key_6, Qt.KeyboardModifier.ControlModifier)  # Unit plots is the sixth panel
    qtbot.waitUntil(lambda: not plots.visibleRegion().isEmpty())
    for number, key in enumerate(window.docks, start=1):
        action = window.actions[f"dock_{key}"]
        assert action.shortcut() == QKeySequence(f"Ctrl+{number}")
        dock = window.docks[key]
        dock.close()
        assert not action.isChecked(), "the tick follows the dock's own close button"
        action.trigger()
        qtbot.waitUntil(lambda d=dock: not d.visibleRegion().isEmpty())
        assert action.isChecked()
    weights = window.docks["weights"]
    window.actions["dock_weights"].trigger()  # in front already, the focus elsewhere: it takes the focus
    qtbot.waitUntil(lambda: weights.isAncestorOf(QApplication.focusWidget()))
    assert not weights.isHidden()
    window.actions["dock_weights"].trigger()  # again, from inside it: put away
    assert weights.isHidden() and not window.actions["dock_weights"].isChecked()
