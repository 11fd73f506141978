"""File > Open Encoder-Decoder on a file whose names or shapes cannot say which module is which side, or what the
model reads: the app asks (the modules found, the input kind) instead of refusing or guessing."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtWidgets import QLabel

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.seq2seq_open import Seq2SeqChoiceDialog
from lstmviz.gui.views.seq2seq_view import Seq2SeqView


def _plain_state(model: Seq2Seq, renamed: dict[str, str]) -> dict[str, np.ndarray]:
    """``model.state_dict()`` under other module names and without lstmviz's metadata, as torch.save writes it."""
    state = {}
    for key, value in model.state_dict().items():
        prefix = next((p for p in renamed if key.startswith(p)), "")
        state[renamed.get(prefix, prefix) + key[len(prefix) :]] = value
    return state


@pytest.fixture()
def dialogs(monkeypatch):
    """Every choice dialog shown, answered by ``answer`` (None cancels; a dict picks the combo boxes' data)."""
    shown: list[Seq2SeqChoiceDialog] = []
    answers: list[dict[str, str] | None] = []

    def fake_exec(dialog: Seq2SeqChoiceDialog) -> int:
        shown.append(dialog)
        answer = answers.pop(0)
        if answer is None:
            return 0
        for key, data in answer.items():
            box = {
                "encoder": dialog.encoder_box,
                "decoder": dialog.decoder_box,
                "inputs": dialog.inputs_box,
                "activation": dialog.activation_box,
            }[key]
            assert box is not None, key
            if key == "activation":
                box.setCurrentText(data)
            else:
                box.setCurrentIndex(box.findData(data))
        return 1

    monkeypatch.setattr(Seq2SeqChoiceDialog, "exec", fake_exec)
    return shown, answers


def _open(main_window, path, monkeypatch):
    from PySide6.QtWidgets import QFileDialog, QMessageBox

    warnings: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: warnings.append(text))
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    before = len(getattr(main_window, "_seq2seq_windows", []))
    main_window.actions["open_seq2seq"].trigger()
    opened = getattr(main_window, "_seq2seq_windows", [])[before:]
    return (opened[0] if opened else None), warnings


def test_unnamed_modules_are_chosen_in_a_dialog_listing_them(main_window, tmp_path, monkeypatch, dialogs) -> None:
    shown, answers = dialogs
    model = Seq2Seq.random("gru", 4, 2, vocab_size=6, embed_size=3, seed=3, output_activation="identity")
    state = _plain_state(model, {"encoder.": "first.", "decoder.": "second.", "fc.": "out."})
    path = tmp_path / "unnamed.npz"
    np.savez(path, **state)
    answers.append({"encoder": "second.", "decoder": "first."})  # the wrong way round first: it still loads
    window, warnings = _open(main_window, path, monkeypatch)
    assert warnings == [] and window is not None
    dialog = shown[0]
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "cannot tell the encoder from the decoder" in text and "first.{weight_ih,weight_hh,bias_ih,bias_hh}" in text
    assert "choose them below" in text and "--encoder-prefix" not in text  # the app asks; no command-line advice
    assert [dialog.encoder_box.itemText(i) for i in range(dialog.encoder_box.count())] == ["first.*", "second.*"]
    np.testing.assert_array_equal(window.session.model.encoder.params["weight_hh_l1"], state["second.weight_hh_l1"])
    window.close()

    answers.append({"encoder": "first.", "decoder": "second."})
    window, _ = _open(main_window, path, monkeypatch)
    view = window.centralWidget()
    assert isinstance(view, Seq2SeqView) and view.session.model.tokens  # the embedding says tokens: not asked
    assert len(shown) == 2 and shown[1].inputs_box is None
    np.testing.assert_array_equal(view.session.model.encoder.params["weight_hh_l1"], state["first.weight_hh_l1"])
    np.testing.assert_array_equal(
        view.session.trace["dec_y"], model.run(view.session.source, view.session.target)["dec_y"]
    )
    window.close()


def test_cancelling_the_choice_opens_nothing_and_says_nothing(main_window, tmp_path, monkeypatch, dialogs) -> None:
    shown, answers = dialogs
    model = Seq2Seq.random("lstm", 3, 1, vocab_size=5, embed_size=2, seed=1)
    path = tmp_path / "unnamed.npz"
    np.savez(path, **_plain_state(model, {"encoder.": "a.", "decoder.": "b."}))
    answers.append(None)
    window, warnings = _open(main_window, path, monkeypatch)
    assert window is None and warnings == [] and len(shown) == 1


def test_one_hot_or_numbers_is_asked_when_the_file_cannot_tell(main_window, tmp_path, monkeypatch, dialogs) -> None:
    shown, answers = dialogs
    model = Seq2Seq.random("lstm", 3, 1, vocab_size=5, seed=1, output_activation="identity")  # one-hot tokens
    path = tmp_path / "one_hot.npz"
    np.savez(path, **_plain_state(model, {}))
    answers.append({"inputs": "tokens"})
    window, warnings = _open(main_window, path, monkeypatch)
    assert warnings == [] and shown[0].encoder_box is None and shown[0].inputs_box.currentData() == "tokens"
    assert window.session.model.tokens and window.session.model.vocab_size == 5
    window.close()
    answers.append({"inputs": "numbers"})
    window, _ = _open(main_window, path, monkeypatch)
    assert not window.session.model.tokens
    window.close()


def test_a_single_network_is_explained_not_asked_about(main_window, tmp_path, monkeypatch, dialogs) -> None:
    from lstmviz.engine.network import Network
    from lstmviz.io.weights import save_weights

    shown, _ = dialogs
    path = tmp_path / "single.npz"
    save_weights(Network.random("gru", 1, 3), path)
    window, warnings = _open(main_window, path, monkeypatch)
    assert window is None and shown == [] and len(warnings) == 1
    assert "two recurrent modules" in warnings[0]


def test_an_rnns_activation_is_asked_when_the_file_does_not_store_it(main_window, tmp_path, monkeypatch, dialogs):
    shown, answers = dialogs
    relu = Seq2Seq.random(
        "rnn", 3, 2, vocab_size=6, embed_size=2, seed=5, nonlinearity="relu", output_activation="identity"
    )
    path = tmp_path / "relu.npz"
    np.savez(path, **_plain_state(relu, {}))  # the embedding says tokens; nothing says relu
    answers.append({"activation": "relu"})
    window, warnings = _open(main_window, path, monkeypatch)
    dialog = shown[0]
    assert warnings == [] and dialog.inputs_box is None and dialog.encoder_box is None
    assert [dialog.activation_box.itemText(i) for i in range(3)] == ["tanh", "relu", "sigmoid"]
    text = " ".join(label.text() for label in dialog.findChildren(QLabel))
    assert "activation" in text
    model = window.session.model
    assert model.encoder.nonlinearity == model.decoder.nonlinearity == "relu"
    source = window.session.source
    np.testing.assert_allclose(
        window.session.trace["dec_y"], relu.run(source, window.session.target)["dec_y"], rtol=0, atol=1e-12
    )
    window.close()
    from lstmviz.io.seq2seq_weights import save_seq2seq

    stored = tmp_path / "stored.safetensors"
    save_seq2seq(relu, stored)  # lstmviz's own file stores it: nothing to ask
    window, _ = _open(main_window, stored, monkeypatch)
    assert len(shown) == 1 and window.session.model.encoder.nonlinearity == "relu"
    window.close()
