"""The main window: docks, menus bound to the Document, title, settings that persist, closing with changes."""

from __future__ import annotations

import numpy as np
import pytest
from app_checks import assert_same_network, assert_trace_matches_engine
from PySide6.QtCore import QSettings, Qt
from PySide6.QtGui import QCloseEvent
from PySide6.QtWidgets import QApplication, QMessageBox

from lstmviz.gui.main_views import DOCKS
from lstmviz.gui.main_window import MainWindow
from lstmviz.gui.settings import AppSettings


def test_window_has_every_dock_and_menu(main_window) -> None:
    assert set(main_window.docks) == {spec.key for spec in DOCKS}
    for dock in main_window.docks.values():
        assert dock.isVisible()
        assert dock.widget() is not None
    titles = [a.text().replace("&", "") for a in main_window.menuBar().actions()]
    for menu in ("File", "Edit", "View", "Model", "Help"):
        assert menu in titles
    assert main_window.centralWidget() is main_window.diagram
    assert "LSTM" in main_window.status.model_label.text()
    assert main_window.status.step_label.text().startswith("t = 0 / 119")
    assert main_window.windowTitle() == "test sine — lstmviz"


def test_undo_redo_through_edit_menu(main_window, document) -> None:
    original = document.network
    undo, redo = main_window.actions["undo"], main_window.actions["redo"]
    assert not undo.isEnabled()
    document.set_weight("bias_hh_l0", 8, 2.5)  # forget-gate bias of unit 0 (rows i, f, g, o)
    assert undo.isEnabled()
    assert "bias_hh_l0[f: 0]" in undo.text()  # named as the weights panel names it
    assert main_window.windowTitle().startswith("test sine*")
    edited = document.network
    undo.trigger()
    assert_same_network(document.network, original)
    assert_trace_matches_engine(document)
    assert redo.isEnabled() and "bias_hh_l0[f: 0]" in redo.text()
    assert main_window.windowTitle() == "test sine — lstmviz"
    redo.trigger()
    assert float(document.network.params["bias_hh_l0"][8]) == 2.5
    np.testing.assert_array_equal(document.network.params["weight_hh_l0"], edited.params["weight_hh_l0"])
    assert_trace_matches_engine(document)


@pytest.mark.parametrize("cell", ["gru", "rnn"])
def test_model_menu_switches_cell_and_views_follow(main_window, document, cell: str) -> None:
    main_window.actions[f"cell_{cell}"].trigger()
    assert document.network.cell == cell
    assert document.network.hidden_size == 8
    assert main_window.actions[f"cell_{cell}"].isChecked()
    assert_trace_matches_engine(document)
    assert cell.upper() in main_window.status.model_label.text()
    heatmaps = main_window.views["heatmaps"]
    assert set(heatmaps.rows) == set(document.network.spec.trace_keys())  # one row per quantity of the cell
    from PySide6.QtWidgets import QMenu

    from lstmviz.gui.main_menus import ACTIVATION_MENU

    assert main_window.findChild(QMenu, ACTIVATION_MENU).isEnabled() == (cell == "rnn")
    main_window.actions["undo"].trigger()
    assert document.network.cell == "lstm"


def test_model_menu_sizes_and_randomise(main_window, document, monkeypatch: pytest.MonkeyPatch) -> None:
    from PySide6.QtWidgets import QInputDialog

    monkeypatch.setattr(QInputDialog, "getInt", staticmethod(lambda *a, **k: (5, True)))
    main_window.actions["hidden_size"].trigger()
    assert document.network.hidden_size == 5
    main_window.actions["num_layers"].trigger()
    assert document.network.num_layers == 5
    assert_trace_matches_engine(document)
    main_window.actions["cell_rnn"].trigger()
    tanh_rnn = document.network
    main_window.actions["activation_relu"].trigger()
    assert (document.network.cell, document.network.nonlinearity) == ("rnn", "relu")
    for name, value in tanh_rnn.params.items():  # the menu keeps the weights, as the Model panel does
        np.testing.assert_array_equal(document.network.params[name], value)
    before = document.network
    document.set_weight("weight_hh_l0", (0, 0), 0.5)
    main_window.actions["reset_weights"].trigger()
    assert_same_network(document.network, before)


def test_dock_closed_and_restored_from_view_menu(main_window) -> None:
    dock = main_window.docks["weights"]
    toggle = main_window.actions["dock_weights"]
    main_window.activateWindow()
    main_window.views["weights"].setFocus()  # a dock in front closes from its View action when in use
    toggle.trigger()
    assert not dock.isVisible()
    toggle.trigger()
    assert dock.isVisible()
    dock.close()
    main_window.actions["reset_layout"].trigger()
    assert dock.isVisible()


def test_palette_switch_persists(main_window, qtbot) -> None:
    main_window.actions["palette_dark"].trigger()
    assert QApplication.instance().palette().window().color().lightness() < 100
    assert AppSettings().palette() == "dark"
    main_window.actions["palette_light"].trigger()
    assert QApplication.instance().palette().window().color().lightness() > 200
    assert AppSettings().palette() == "light"


def test_geometry_state_and_recent_files_persist(qtbot, document, tmp_path) -> None:
    first = MainWindow(document)
    qtbot.addWidget(first)
    first.resize(1400, 860)
    first.show()
    qtbot.waitExposed(first)
    first.docks["gradients"].close()
    first.settings.add_recent_file(str(tmp_path / "a.csv"))
    geometry = first.saveGeometry()
    first.close()
    assert QSettings().value("window/geometry") == geometry

    second = MainWindow(document)
    qtbot.addWidget(second)
    second.show()
    qtbot.waitExposed(second)
    # The offscreen screen is small, so Qt fits the restored geometry to it; the saved bytes are what matter.
    assert second.settings.window_geometry() == geometry
    assert not second.docks["gradients"].isVisible()
    assert second.docks["weights"].isVisible()
    second.rebuild_recent_menu()
    texts = [a.text() for a in second.recent_menu.actions()]
    assert any("a.csv" in t for t in texts)


@pytest.mark.parametrize(
    "answer, closes",
    [(QMessageBox.StandardButton.Cancel, False), (QMessageBox.StandardButton.Discard, True)],
)
def test_close_with_unsaved_changes_asks(main_window, document, message_boxes, answer, closes: bool) -> None:
    document.set_weight("weight_hh_l0", (1, 2), 0.3)
    message_boxes.answer = answer
    event = QCloseEvent()
    main_window.closeEvent(event)
    assert message_boxes.kinds() == ["question"]
    assert "unsaved" in message_boxes.calls[0][2]
    assert event.isAccepted() == closes


def test_close_with_save_writes_workspace(main_window, document, message_boxes, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    target = tmp_path / "session.lstmviz"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", staticmethod(lambda *a, **k: (str(target), "")))
    document.set_weight("weight_hh_l0", (1, 2), 0.3)
    message_boxes.answer = QMessageBox.StandardButton.Save
    event = QCloseEvent()
    main_window.closeEvent(event)
    assert event.isAccepted()
    assert target.is_file()
    assert not document.dirty


def test_close_clean_session_does_not_ask(main_window, message_boxes) -> None:
    event = QCloseEvent()
    main_window.closeEvent(event)
    assert event.isAccepted()
    assert message_boxes.calls == []


def test_help_guide_lists_the_cells_equations(main_window, document) -> None:
    from lstmviz.gui.dialogs.about import guide_html

    html = guide_html(document.network.spec)
    for key in document.network.spec.trace_keys():
        title, _symbol, _equation = document.network.spec.describe(key)
        assert title in html
    main_window.actions["guide"].trigger()
    main_window.actions["about"].trigger()


def test_default_document_is_alive() -> None:
    from lstmviz.gui.app import default_document

    doc = default_document()
    assert doc.network.cell == "lstm"
    assert doc.steps > 10
    assert_trace_matches_engine(doc)


def test_background_recompute_shows_progress_then_hides(qtbot, monkeypatch) -> None:
    """Large recomputes go through the background runner; the status bar shows progress and the result is the
    engine's."""
    from app_checks import sine_document

    from lstmviz.model import compute as compute_module

    doc = sine_document(hidden=16, steps=6000)
    window = MainWindow(doc)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    monkeypatch.setattr(compute_module, "INLINE_COST", 0)
    progress_seen = []
    doc.compute.events.started.connect(lambda kind: progress_seen.append(window.status.progress.isVisible()))
    doc.events.trace_progress.connect(lambda n: progress_seen.append(window.status.progress.isVisible()))
    doc.set_weight("weight_hh_l0", (0, 0), 1.25)
    qtbot.waitUntil(lambda: doc.trace_steps_ready == doc.steps, timeout=30_000)
    qtbot.waitUntil(lambda: not window.status.progress.isVisible(), timeout=5_000)
    assert progress_seen and all(progress_seen)
    assert_trace_matches_engine(doc)
    doc.mark_clean()


def test_cancel_button_stops_the_recompute_and_offers_the_rest(qtbot, main_window, document, monkeypatch) -> None:
    """Cancel keeps the steps computed so far, says where the trace stops, and Recompute fills in the rest."""
    from lstmviz.model import compute as compute_module

    jobs = []

    class Runner:
        def submit(self, job) -> None:
            if job.kind == "trace":
                jobs.append(job)

        def cancel(self, kind=None) -> None:
            pass

    document.set_runner(Runner())
    monkeypatch.setattr(compute_module, "INLINE_COST", 0)
    document.set_weight("weight_hh_l0", (0, 0), 0.5)
    job = jobs[-1]
    job.on_progress(job, 10, document.network.run(document.sequence.values))  # a worker's first delivery
    status = main_window.status
    assert status.progress.isVisible() and status.cancel_button.isVisible()
    qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    assert job.cancelled and not status.progress.isVisible()
    assert document.trace_steps_ready == 10 and document.trace_stopped
    assert status.stopped_label.isVisible() and "step 10 of" in status.stopped_label.text()
    assert status.recompute_button.isVisible()
    document.set_step(40)  # past the computed part: the views say why there is nothing, not "computing"
    numbers = main_window.views["numbers"]
    numbers.show()
    qtbot.waitUntil(lambda: "stops at step 10" in numbers.text.toPlainText(), timeout=3000)
    assert "stops at step 10" in main_window.diagram._title_html()
    qtbot.mouseClick(status.recompute_button, Qt.MouseButton.LeftButton)
    again = jobs[-1]
    assert again is not job and again.generation == job.generation
    again.on_done(again, document.network.run(document.sequence.values))
    assert document.trace_steps_ready == document.steps and not document.trace_stopped
    assert not status.recompute_button.isVisible()
    assert_trace_matches_engine(document)


def test_playback_shortcuts_reach_the_document(qtbot, main_window, document) -> None:
    main_window.activateWindow()
    main_window.diagram.setFocus()
    main_window.playback.forward_action.trigger()
    assert document.step == 1
    main_window.playback.end_action.trigger()
    assert document.step == document.steps - 1
    assert main_window.status.step_label.text().startswith(f"t = {document.steps - 1} / {document.steps - 1}")


def test_generate_sequence_from_file_menu(qtbot, main_window, document, monkeypatch) -> None:
    from lstmviz.gui.dialogs import generate
    from lstmviz.io.generators import generate as make

    monkeypatch.setattr(generate.GenerateDialog, "exec", lambda self: 1)
    main_window.actions["generate"].trigger()
    assert main_window.actions["undo"].isEnabled()
    dialog = generate.GenerateDialog(document)
    qtbot.addWidget(dialog)
    expected = make(dialog.kind())  # the dialog's first generator with its defaults, built independently
    np.testing.assert_array_equal(document.sequence.values, expected.values)
    assert_trace_matches_engine(document)


def test_undo_redo_keyboard_shortcuts(qtbot, main_window, document) -> None:
    main_window.activateWindow()
    main_window.diagram.setFocus()
    qtbot.waitUntil(lambda: main_window.diagram.hasFocus() or QApplication.focusWidget() is not None, timeout=2000)
    document.set_weight("weight_hh_l0", (3, 3), -0.8)
    target = QApplication.focusWidget() or main_window
    qtbot.keyClick(target, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier)
    assert not document.can_undo and document.can_redo
    qtbot.keyClick(target, Qt.Key.Key_Z, Qt.KeyboardModifier.ControlModifier | Qt.KeyboardModifier.ShiftModifier)
    assert float(document.network.params["weight_hh_l0"][3, 3]) == -0.8


def test_closed_window_lets_go_of_the_document(qtbot, main_window, document) -> None:
    assert document.compute.runner is not None
    main_window.close()
    assert document.compute.runner is None
    title = main_window.windowTitle()
    document.set_weight("weight_hh_l0", (0, 0), 0.2)  # no slot of the closed window runs
    assert main_window.windowTitle() == title


def test_gradients_tab_is_built_when_first_shown(qtbot, main_window) -> None:
    from lstmviz.gui.main_views import DOCKS, load_class

    spec = next(s for s in DOCKS if s.key == "gradients")
    cls = load_class(spec)
    dock = main_window.docks["gradients"]
    assert not isinstance(main_window.views["gradients"], cls)
    dock.raise_()
    qtbot.waitUntil(
        lambda: dock.widget() is main_window.views["gradients"] and isinstance(dock.widget(), cls), timeout=5000
    )
    assert dock.widget().objectName() == "view_gradients"
