"""The encoder-decoder against the equivalent PyTorch module loaded from the same .pt file, in float64.

Every cell kind (the vanilla RNN with tanh and relu), two layers, tokens (embedded and one-hot) and numbers,
teacher forcing and free-running: the decoder's outputs, both sides' top hidden states and the context vector
agree with torch within 1e-10.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.io.seq2seq_weights import load_seq2seq

torch = pytest.importorskip("torch")
from seq2seq_reference import make_module, torch_free, torch_teacher  # noqa: E402

pytestmark = pytest.mark.torch
TOL = 1e-10
CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]
INPUTS = ["embedded", "one-hot", "numbers"]
H, LAYERS, VOCAB, EMBED, WIDTH = 5, 2, 7, 4, 2


def _case(tmp_path, cell: str, activation: str, inputs: str, seed: int = 0):
    torch.manual_seed(seed)
    if inputs == "numbers":
        module = make_module(torch, cell, H, LAYERS, width=WIDTH, nonlinearity=activation)
    else:
        module = make_module(
            torch, cell, H, LAYERS, vocab=VOCAB, embed=EMBED if inputs == "embedded" else None, nonlinearity=activation
        )
    path = tmp_path / "model.pt"
    torch.save(module.state_dict(), path)
    model = load_seq2seq(path, inputs="tokens" if inputs == "one-hot" else None)
    if activation != "tanh":  # a .pt file carries no metadata: the RNN's activation is chosen, as in the app
        model = type(model)(
            model.encoder.replace(nonlinearity=activation),
            model.decoder.replace(nonlinearity=activation),
            model.inputs,
            model.embedding,
        )
    rng = np.random.default_rng(seed + 1)
    if inputs == "numbers":
        source, target = rng.standard_normal((7, WIDTH)), rng.standard_normal((6, WIDTH))
    else:
        source, target = rng.integers(1, VOCAB, 7), rng.integers(1, VOCAB, 6)
    return module, model, source, target


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_teacher_forcing_matches_torch(tmp_path, cell: str, activation: str, inputs: str) -> None:
    module, model, source, target = _case(tmp_path, cell, activation, inputs)
    trace = model.run(source, target)
    if inputs == "numbers":
        decoder_inputs = np.concatenate([source[-1:], target[:-1]])
    else:
        decoder_inputs = np.concatenate([[0], target[:-1]])
    ref = torch_teacher(torch, module, source, decoder_inputs)
    top = LAYERS - 1
    assert trace.mode == "teacher"
    assert np.abs(trace["dec_y"] - ref["logits"]).max() < TOL
    assert np.abs(trace[f"enc_h_l{top}"] - ref["enc_h_top"]).max() < TOL
    assert np.abs(trace[f"dec_h_l{top}"] - ref["dec_h_top"]).max() < TOL
    assert np.abs(trace["context_h"] - ref["context_h"]).max() < TOL
    if cell == "lstm":
        assert np.abs(trace["context_c"] - ref["context_c"]).max() < TOL
    else:
        assert "context_c" not in trace
    if inputs != "numbers":
        np.testing.assert_array_equal(trace["dec_tokens"], decoder_inputs)


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_free_running_matches_torch(tmp_path, cell: str, activation: str, inputs: str) -> None:
    module, model, source, _ = _case(tmp_path, cell, activation, inputs, seed=3)
    steps = 9
    trace = model.run(source, steps=steps)
    ref = torch_free(torch, module, source, steps)
    assert trace.mode == "free"
    assert trace["dec_y"].shape[0] == steps
    assert np.abs(trace["dec_y"] - ref["logits"]).max() < TOL
    assert np.abs(trace[f"dec_h_l{LAYERS - 1}"] - ref["dec_h_top"]).max() < TOL
    if inputs != "numbers":  # each fed-back token is the previous step's argmax
        np.testing.assert_array_equal(trace["dec_tokens"][1:], np.argmax(ref["logits"], axis=1)[:-1])
        assert trace["dec_tokens"][0] == 0


def test_softmax_output_is_torch_softmax_of_the_logits(tmp_path) -> None:
    module, model, source, target = _case(tmp_path, "lstm", "tanh", "embedded")
    model = type(model)(
        model.encoder, model.decoder.replace(output_activation="softmax"), model.inputs, model.embedding
    )
    trace = model.run(source, target)
    ref = torch_teacher(torch, module, source, np.concatenate([[0], target[:-1]]))
    probabilities = torch.softmax(torch.tensor(ref["logits"]), dim=-1).numpy()
    assert np.abs(trace["dec_y"] - probabilities).max() < TOL
