"""Opening files together (a drop of two files, ``lstmviz data.csv model.pt``), the activation a weight file does
not store (the choice dialog), and the Model panel naming where the network came from."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest
from app_checks import assert_same_network, assert_trace_matches_engine
from PySide6.QtCore import QMimeData, QPointF, Qt, QTimer, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QApplication, QComboBox, QDialogButtonBox

from lstmviz.engine.network import Network
from lstmviz.gui import file_actions as file_actions_module
from lstmviz.gui.dialogs.activation_choice import ask_activations
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import save_sequence
from lstmviz.io.weights import read_weights, save_weights

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "relu_rnn_file.npz"


def drop(window, *paths: Path) -> QDropEvent:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(p)) for p in paths])
    event = QDropEvent(
        QPointF(200, 200), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
    )
    window.dropEvent(event)  # Qt delivers a real drop only inside a drag; the handler is what it calls
    return event


@pytest.fixture()
def wide_pair(tmp_path: Path) -> tuple[Path, Path, Network, np.ndarray]:
    """Weights for 2 inputs and a 2-column sequence: neither fits the 1-input session alone."""
    network = Network.random("gru", 2, 5, seed=4, output_size=1)
    save_weights(network, tmp_path / "model.npz")
    x = np.random.default_rng(4).normal(size=(33, 2))
    save_sequence(SequenceData(x, input_labels=("u", "v")), tmp_path / "data.csv")
    return tmp_path / "data.csv", tmp_path / "model.npz", network, x


@pytest.mark.parametrize("order", ["data first", "model first"])
def test_drop_of_data_and_model_opens_both_as_one_step(
    main_window, document, message_boxes, wide_pair, monkeypatch, order
) -> None:
    data, model, network, x = wide_pair
    monkeypatch.setattr(
        file_actions_module,
        "ask_input_mismatch",
        lambda *a: pytest.fail("weights and data that fit each other need no question"),
    )
    before = document.network
    event = drop(main_window, *((data, model) if order == "data first" else (model, data)))
    assert event.isAccepted()
    assert message_boxes.calls == []
    assert_same_network(document.network, network)
    np.testing.assert_allclose(document.sequence.values, x)
    assert_trace_matches_engine(document)
    assert main_window.actions["undo"].text() == "&Undo Open model.npz with data.csv"
    assert "model.npz" in main_window.statusBar().currentMessage()
    assert "data.csv" in main_window.statusBar().currentMessage()
    document.undo()  # one step back to where the session was
    assert document.network is before and document.sequence.input_size == 1


def test_two_sequences_dropped_are_refused(main_window, document, message_boxes, tmp_path) -> None:
    for name in ("a.csv", "b.csv"):
        save_sequence(SequenceData(np.zeros(5)), tmp_path / name)
    before = document.sequence
    drop(main_window, tmp_path / "a.csv", tmp_path / "b.csv")
    assert "a.csv and b.csv are both sequences" in message_boxes.texts("critical")[0]
    assert document.sequence is before


def test_a_pair_that_does_not_fit_changes_nothing(main_window, document, message_boxes, wide_pair, tmp_path) -> None:
    _, model, _, _ = wide_pair
    save_sequence(SequenceData(np.zeros((9, 3))), tmp_path / "three.csv")
    before = (document.network, document.sequence)
    assert not main_window.file_actions.open_paths([str(model), str(tmp_path / "three.csv")])
    assert "three.csv has 3 input columns but model.npz expects 2 inputs" in message_boxes.texts("critical")[0]
    assert (document.network, document.sequence) == before


def test_run_app_opens_data_and_model_in_either_order(qtbot, wide_pair, monkeypatch) -> None:
    from lstmviz.gui import app as app_module
    from lstmviz.gui.main_window import MainWindow

    data, model, network, x = wide_pair
    seen = {}

    def fake_exec(self) -> int:
        window = next(w for w in QApplication.topLevelWidgets() if isinstance(w, MainWindow) and w.isVisible())
        seen["network"], seen["values"] = window.document.network, window.document.sequence.values.copy()
        window.document.mark_clean()
        window.close()
        window.deleteLater()
        return 0

    monkeypatch.setattr(QApplication, "exec", fake_exec)
    assert app_module.run_app([str(data), str(model)]) == 0
    assert_same_network(seen["network"], network)
    np.testing.assert_allclose(seen["values"], x)


@pytest.fixture()
def relu_state_dict(tmp_path: Path) -> tuple[Path, np.ndarray, np.ndarray]:
    """A torch relu RNN's state_dict without lstmviz metadata, its input, and torch's top-layer h_t."""
    with np.load(FIXTURE) as golden:
        arrays = {key: golden[key] for key in golden.files}
    path = tmp_path / "relu_rnn.npz"
    np.savez(path, **{k[len("state/") :]: v for k, v in arrays.items() if k.startswith("state/")})
    return path, arrays["x"], arrays["h_l1"]


def _answer_dialog(choices: dict[str, str], seen: list[str], accept: bool = True) -> None:
    """Set the real dialog's combo boxes and press OK (or Cancel) once it is up."""

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if dialog is None:
            QTimer.singleShot(20, act)
            return
        seen.append(dialog.objectName())
        for key, value in choices.items():
            dialog.findChild(QComboBox, f"activation_choice_{key}").setCurrentText(value)
        buttons = dialog.findChild(QDialogButtonBox)
        role = QDialogButtonBox.StandardButton.Ok if accept else QDialogButtonBox.StandardButton.Cancel
        buttons.button(role).click()

    QTimer.singleShot(0, act)


def test_the_choice_dialog_sets_the_relu_that_the_file_does_not_store(
    qtbot, main_window, document, relu_state_dict
) -> None:
    path, x, h_torch = relu_state_dict
    save_sequence(SequenceData(x, input_labels=("a", "b")), path.with_name("x.csv"))
    seen: list[str] = []
    _answer_dialog({"nonlinearity": "relu"}, seen)
    assert main_window.file_actions.open_paths([str(path), str(path.with_name("x.csv"))])
    assert seen == ["dialog_activation_choice"]
    assert document.network.nonlinearity == "relu"
    np.testing.assert_allclose(document.trace["h_l1"], h_torch, rtol=0, atol=1e-12)  # torch's numbers
    assert "activation relu chosen on opening" in main_window.statusBar().currentMessage()
    panel = main_window.views["model"]
    assert panel.origin_label.text() == (
        "from relu_rnn.npz (activation relu chosen on opening; output activation identity chosen on opening)"
    )


def test_the_choice_dialog_preselects_the_assumed_value_and_can_cancel(
    qtbot, main_window, document, relu_state_dict
) -> None:
    path, _, _ = relu_state_dict
    loaded = read_weights(path)
    seen: list[str] = []
    _answer_dialog({}, seen)
    assert ask_activations(main_window, "relu_rnn.npz", loaded) == {
        "nonlinearity": "tanh",
        "output_activation": "identity",
    }
    before = document.network
    _answer_dialog({"nonlinearity": "relu"}, seen, accept=False)
    save_sequence(SequenceData(np.zeros((4, 2))), path.with_name("x.csv"))
    assert not main_window.file_actions.open_paths([str(path), str(path.with_name("x.csv"))])
    assert document.network is before
    assert seen == ["dialog_activation_choice"] * 2


def test_a_file_that_stores_its_activation_is_not_asked_about(main_window, document, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(file_actions_module, "ask_activations", lambda *a: pytest.fail("the file says it"))
    save_weights(Network.random("rnn", 1, 4, seed=2, nonlinearity="sigmoid"), tmp_path / "stored.npz")
    assert main_window.file_actions.open_path(str(tmp_path / "stored.npz"))
    assert document.network.nonlinearity == "sigmoid"
    assert main_window.views["model"].origin_label.text() == "from stored.npz"


def test_an_output_activation_left_open_is_said_not_asked(main_window, document, monkeypatch, tmp_path) -> None:
    monkeypatch.setattr(file_actions_module, "ask_activations", lambda *a: pytest.fail("only an RNN is asked"))
    lstm = Network.random("lstm", 1, 4, seed=2, output_size=1)
    np.savez(tmp_path / "plain.npz", **lstm.params)  # as a user writes a state_dict: no metadata
    assert main_window.file_actions.open_path(str(tmp_path / "plain.npz"))
    note = "output activation not stored in the file, identity assumed"
    assert note in main_window.statusBar().currentMessage()
    assert main_window.views["model"].origin_label.text() == f"from plain.npz ({note})"


def test_model_panel_shows_the_file_until_the_user_reinitialises(qtbot, main_window, document, tmp_path) -> None:
    panel = main_window.views["model"]
    save_weights(Network.random("lstm", 1, 6, seed=5), tmp_path / "trained.npz")
    assert main_window.file_actions.open_path(str(tmp_path / "trained.npz"))
    assert panel.origin_label.text() == "from trained.npz"
    document.set_weight("weight_hh_l0", (0, 0), 2.5)
    assert panel.origin_label.text() == "from trained.npz, edited"
    document.undo()
    assert panel.origin_label.text() == "from trained.npz"
    panel.init_combo.setCurrentText("xavier")
    panel.seed_spin.setValue(3)
    panel.hidden_spin.setValue(4)
    qtbot.mouseClick(panel.apply_button, Qt.MouseButton.LeftButton)
    assert panel.origin_label.text() == "random: xavier initialiser, seed 3"
    document.undo()  # back to the file's network, and to its name
    assert panel.origin_label.text() == "from trained.npz"


def test_output_activation_change_keeps_the_weights(qtbot, main_window, document, tmp_path) -> None:
    lstm = Network.random("lstm", 1, 4, seed=2, output_size=1)
    save_weights(lstm, tmp_path / "m.npz")
    assert main_window.file_actions.open_path(str(tmp_path / "m.npz"))
    panel = main_window.views["model"]
    panel.output_activation.setCurrentText("tanh")
    panel.output_activation.activated.emit(panel.output_activation.currentIndex())
    assert document.network.output_activation == "tanh"
    for name, value in lstm.params.items():
        np.testing.assert_array_equal(document.network.params[name], value)
    np.testing.assert_allclose(document.trace["y"], np.tanh(lstm.run(document.sequence.values)["y"]), atol=1e-12)
