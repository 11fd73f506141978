"""Opening and saving files from the app: sequences (menu and drop), weights (incl. the mismatch dialog), bad files,
workspaces that reopen exactly, recent files."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from app_checks import assert_same_network, assert_trace_matches_engine
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox

from lstmviz.engine.network import Network
from lstmviz.gui import file_actions as file_actions_module
from lstmviz.gui import sequence_import
from lstmviz.gui.dialogs.input_mismatch import MismatchChoice, ask_input_mismatch
from lstmviz.gui.main_window import MainWindow
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.weights import save_weights
from lstmviz.model.document import Document


def write_csv(path: Path, values: np.ndarray, time: np.ndarray | None = None) -> Path:
    """A CSV written by hand (not by lstmviz), with a time column when given."""
    lines = ["t,value" if time is not None else "value"]
    for k, v in enumerate(values):
        lines.append(f"{float(time[k])!r},{float(v)!r}" if time is not None else repr(float(v)))
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def snapshot(document) -> tuple:
    return (document.network, document.sequence, document.trace, document.step, document.generation)


def test_open_sequence_file(main_window, document, message_boxes, tmp_path) -> None:
    values = np.cos(np.linspace(0, 7, 64))
    time = np.arange(64) * 0.25
    path = write_csv(tmp_path / "waves.csv", values, time)
    assert main_window.file_actions.open_path(str(path)), message_boxes.calls
    np.testing.assert_array_equal(document.sequence.values[:, 0], values)
    np.testing.assert_array_equal(document.sequence.time, time)
    assert_trace_matches_engine(document)
    assert main_window.windowTitle() == "waves.csv — lstmviz", "opened and untouched: nothing unsaved"
    assert "waves.csv" in main_window.status.file_label.text()
    document.set_step(10)
    assert main_window.status.step_label.text() == "t = 10 / 63   t 2.5"
    assert main_window.settings.recent_files()[0] == str(path)
    main_window.actions["undo"].trigger()
    assert document.steps == 120


def test_open_sequence_by_drop(main_window, document, tmp_path) -> None:
    values = np.linspace(-1, 1, 40) ** 3
    path = write_csv(tmp_path / "dropped.csv", values)
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    assert main_window.acceptDrops()
    assert main_window.file_actions.paths_from_mime(mime) == [str(path)]  # what dragEnterEvent accepts
    # Qt delivers a drop only inside a real drag, so the synthetic event goes to the window's handler directly.
    drop = QDropEvent(
        QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    main_window.dropEvent(drop)
    assert drop.isAccepted()
    np.testing.assert_array_equal(document.sequence.values[:, 0], values)
    assert_trace_matches_engine(document)


def test_open_dialog_and_recent_menu(main_window, document, tmp_path, monkeypatch) -> None:
    path = write_csv(tmp_path / "chosen.csv", np.arange(30, dtype=float) / 30)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
    main_window.actions["open"].trigger()
    assert document.steps == 30
    main_window.actions["undo"].trigger()
    assert document.steps == 120
    main_window.rebuild_recent_menu()
    entry = next(a for a in main_window.recent_menu.actions() if "chosen.csv" in a.text())
    entry.trigger()
    assert document.steps == 30


def test_open_weights_that_fit(main_window, document, tmp_path) -> None:
    trained = Network.random("gru", 1, 6, 2, seed=7)
    path = tmp_path / "model.npz"
    save_weights(trained, path)
    assert file_actions_module.file_kind(str(path)) == "weights"
    assert main_window.file_actions.open_path(str(path))
    assert_same_network(document.network, trained)
    assert_trace_matches_engine(document)
    assert "weights model.npz" in main_window.actions["undo"].text()
    document.set_weight("weight_hh_l1", (0, 0), 1.5)
    document.reset_network()
    assert_same_network(document.network, trained)


@pytest.mark.parametrize("choice", list(MismatchChoice))
def test_open_weights_that_do_not_fit(main_window, document, tmp_path, monkeypatch, choice) -> None:
    wide = Network.random("lstm", 3, 8, seed=3)
    path = tmp_path / "wide.safetensors"
    save_weights(wide, path)
    asked = []

    def answer(parent, name, network, sequence):
        asked.append((name, network.input_size, sequence.input_size))
        return choice

    monkeypatch.setattr(file_actions_module, "ask_input_mismatch", answer)
    before = snapshot(document)
    opened = main_window.file_actions.open_path(str(path))
    assert asked == [("wide.safetensors", 3, 1)]
    if choice is MismatchChoice.CANCEL:
        assert not opened
        assert snapshot(document) == before
        return
    assert opened
    if choice is MismatchChoice.ADAPT_WEIGHTS:
        assert document.network.input_size == 1
        assert document.sequence is before[1]
        for name in ("weight_hh_l0", "bias_ih_l0", "bias_hh_l0"):  # the recurrent part is kept exactly
            np.testing.assert_array_equal(document.network.params[name], wide.params[name])
    else:
        assert_same_network(document.network, wide)
        assert document.sequence.input_size == 3
        assert document.steps == before[1].steps
    assert_trace_matches_engine(document)
    main_window.actions["undo"].trigger()  # one undo step restores both network and sequence
    assert document.sequence is before[1]
    assert_same_network(document.network, before[0])


def test_mismatch_dialog_buttons(qtbot, main_window, document) -> None:
    """The real dialog: it names both sizes and its Adapt button answers ADAPT_WEIGHTS."""
    wide = Network.random("lstm", 3, 8, seed=3)
    seen = []

    def click() -> None:
        box = QApplication.activeModalWidget()
        seen.append(box.text())
        box.findChild(type(box.defaultButton()), "mismatch_adapt").click()

    QTimer.singleShot(0, click)
    assert ask_input_mismatch(main_window, "wide.npz", wide, document.sequence) is MismatchChoice.ADAPT_WEIGHTS
    assert "3 inputs" in seen[0] and "1 input" in seen[0]


@pytest.mark.parametrize(
    "name, content, fragment",
    [
        ("bad.csv", "value\n1\nabc\n3\n", "'abc' is not a number"),
        ("broken.npz", "not a zip archive", "broken.npz"),
        ("broken.lstmviz", "not a workspace", "broken.lstmviz"),
        ("missing.csv", None, "missing.csv"),
    ],
)
def test_bad_file_shows_error_and_changes_nothing(
    main_window, document, message_boxes, tmp_path, name, content, fragment
) -> None:
    path = tmp_path / name
    if content is not None:
        path.write_text(content, encoding="utf-8")
    document.set_step(5)
    before = snapshot(document)
    arrays = {k: v.copy() for k, v in document.trace.items()}
    assert not main_window.file_actions.open_path(str(path))
    assert message_boxes.kinds() == ["critical"]
    assert fragment in message_boxes.texts()[0]
    assert snapshot(document) == before
    for key, value in arrays.items():
        np.testing.assert_array_equal(document.trace[key], value)
    assert not document.can_undo
    assert main_window.settings.recent_files() == []


def test_workspace_save_and_reopen_restores_exactly(qtbot, main_window, document, tmp_path) -> None:
    document.reconfigure(cell="gru", hidden_size=6, num_layers=2, seed=4)
    document.set_weight("weight_hh_l1", (2, 3), 0.75)
    document.set_step(42)
    document.set_layer(1)
    document.select_units([1, 4])
    document.set_view_settings(hidden_heatmaps=("r",))
    path = tmp_path / "session.lstmviz"
    assert main_window.file_actions.save_workspace_to(str(path))
    assert not document.dirty
    assert main_window.windowTitle() == "session.lstmviz — lstmviz"

    other = Document(Network.random("rnn", 1, 3, seed=1), SequenceData(np.zeros(50)))
    second = MainWindow(other)
    qtbot.addWidget(second)
    assert second.file_actions.open_path(str(path))
    assert_same_network(other.network, document.network)
    np.testing.assert_array_equal(other.sequence.values, document.sequence.values)
    assert (other.step, other.layer, other.selected_units) == (42, 1, (1, 4))
    assert other.view_settings.hidden_heatmaps == ("r",)
    assert other.path == str(path)
    assert not other.dirty and not other.can_undo
    assert_trace_matches_engine(other)
    assert second.windowTitle() == "session.lstmviz — lstmviz"


def test_save_workspace_uses_path_and_asks_only_once(main_window, document, tmp_path, monkeypatch) -> None:
    target = tmp_path / "first.lstmviz"
    asked = []

    def ask(*args, **kwargs):
        asked.append(args)
        return str(target), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(ask))
    document.set_weight("weight_hh_l0", (0, 1), 0.1)
    main_window.actions["save"].trigger()
    document.set_weight("weight_hh_l0", (0, 1), 0.2)
    assert main_window.windowTitle().startswith("first.lstmviz*")
    main_window.actions["save"].trigger()
    assert len(asked) == 1
    assert not document.dirty
    from lstmviz.io.workspace import load_workspace

    assert float(load_workspace(target).network.params["weight_hh_l0"][0, 1]) == 0.2


def test_save_weights_as(main_window, document, tmp_path, monkeypatch) -> None:
    from lstmviz.io.weights import load_weights

    target = tmp_path / "out.npz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    main_window.actions["save_weights"].trigger()
    assert_same_network(load_weights(target), document.network)


def test_open_workspace_with_unsaved_changes_can_be_cancelled(main_window, document, message_boxes, tmp_path) -> None:
    path = tmp_path / "saved.lstmviz"
    main_window.file_actions.save_workspace_to(str(path))
    document.set_weight("weight_hh_l0", (0, 0), 0.9)
    edited = document.network
    message_boxes.answer = QMessageBox.StandardButton.Cancel
    assert not main_window.file_actions.open_path(str(path))
    assert document.network is edited and document.dirty


def test_big_file_loads_in_background(qtbot, main_window, document, tmp_path, monkeypatch) -> None:
    values = np.sin(np.linspace(0, 30, 500))
    path = write_csv(tmp_path / "big.csv", values)
    monkeypatch.setattr(file_actions_module, "BACKGROUND_BYTES", 0)
    assert main_window.file_actions.open_path(str(path))
    qtbot.waitUntil(lambda: document.steps == 500, timeout=20_000)
    np.testing.assert_array_equal(document.sequence.values[:, 0], values)
    assert_trace_matches_engine(document)


def test_big_bad_file_in_background_shows_error(
    qtbot, main_window, document, message_boxes, tmp_path, monkeypatch
) -> None:
    path = tmp_path / "big-bad.csv"
    path.write_text("value\n1\nnope\n")
    monkeypatch.setattr(file_actions_module, "BACKGROUND_BYTES", 0)
    before = snapshot(document)
    main_window.file_actions.open_path(str(path))
    qtbot.waitUntil(lambda: message_boxes.calls != [], timeout=20_000)
    assert "'nope' is not a number" in message_boxes.texts("critical")[0]
    assert snapshot(document) == before


def test_run_app_opens_the_file_given(qtbot, tmp_path, monkeypatch) -> None:
    """``lstmviz FILE``: run_app builds the window on the demo session and opens FILE before the event loop."""
    from lstmviz.gui import app as app_module

    values = np.linspace(0, 1, 33)
    path = write_csv(tmp_path / "given.csv", values)
    seen = {}

    def fake_exec(self) -> int:
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        seen["values"] = window.document.sequence.values[:, 0].copy()
        seen["icon"] = not window.windowIcon().isNull()
        window.document.mark_clean()
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_module.run_app([str(path)]) == 0
    np.testing.assert_array_equal(seen["values"], values)
    assert seen["icon"]


def test_recent_file_that_vanished_is_dropped(main_window, message_boxes, tmp_path) -> None:
    path = write_csv(tmp_path / "gone.csv", np.zeros(10))
    assert main_window.file_actions.open_path(str(path))
    path.unlink()
    assert not main_window.file_actions.open_path(str(path))
    assert "gone.csv" in message_boxes.texts("critical")[0]
    assert main_window.settings.recent_files() == []


def test_open_sequence_status_message_reads_as_a_sentence(main_window, message_boxes, tmp_path, monkeypatch) -> None:
    path = write_csv(tmp_path / "one.csv", np.sin(np.arange(144) / 7))
    assert main_window.file_actions.open_path(str(path)), message_boxes.calls
    assert "Opened one.csv: 144 steps \u00d7 1 input" in main_window.statusBar().currentMessage()
    assert "input(s)" not in main_window.statusBar().currentMessage()
    two = tmp_path / "two.csv"
    two.write_text("a,b\n" + "".join(f"{k},{-k}\n" for k in range(12)), encoding="utf-8")
    monkeypatch.setattr(sequence_import, "ask_width", lambda *args, **kwargs: True)  # "Adapt the Input Layer"
    assert main_window.file_actions.open_path(str(two)), message_boxes.calls
    message = main_window.statusBar().currentMessage()
    assert message.startswith("Opened two.csv: 12 steps \u00d7 2 inputs")
    assert "re-initialised for 2 inputs" in message


def test_load_error_headline_names_the_file_and_reason_goes_underneath(main_window, message_boxes, tmp_path) -> None:
    path = tmp_path / "broken.csv"
    path.write_text("value\n1\nabc\n3\n", encoding="utf-8")
    assert not main_window.file_actions.open_path(str(path))
    (box,) = message_boxes.boxes
    assert box.icon() == QMessageBox.Icon.Critical
    assert box.text() == "Cannot open broken.csv"
    assert "'abc' is not a number" in box.informativeText()
    assert str(tmp_path) not in box.text() + box.informativeText()


def test_weights_converted_on_opening_are_said_in_the_status_bar(main_window, document, float8_lstm) -> None:
    """A parameter stored as float8 is widened, and the window says so, as ``lstmviz info`` does."""
    assert main_window.file_actions.open_path(str(float8_lstm))
    assert "weight_hh_l0 was F8_E4M3, widened to float32" in main_window.statusBar().currentMessage()
    np.testing.assert_array_equal(document.network.params["weight_hh_l0"].ravel(), [1.0, 2.0, -1.0, 0.5])
