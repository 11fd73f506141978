"""BPTT through decoder and encoder: against torch autograd (float64, 1e-10) and against finite differences."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.engine.seq2seq_batch import decode_free, loss_and_gradients, teacher_forward

CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]
INPUTS = ["embedded", "one-hot", "numbers"]
H, LAYERS, VOCAB, EMBED, WIDTH, B = 4, 2, 6, 3, 2, 3


def _model(cell: str, activation: str, inputs: str, seed: int = 0) -> Seq2Seq:
    if inputs == "numbers":
        return Seq2Seq.random(cell, H, LAYERS, input_size=WIDTH, nonlinearity=activation, seed=seed)
    return Seq2Seq.random(
        cell,
        H,
        LAYERS,
        vocab_size=VOCAB,
        embed_size=EMBED if inputs == "embedded" else None,
        nonlinearity=activation,
        seed=seed,
        output_activation="identity",
    )


def _batch(model: Seq2Seq, rng: np.random.Generator, t_enc: int = 5, t_dec: int = 4):
    if model.tokens:
        return rng.integers(1, model.vocab_size, (B, t_enc)), rng.integers(1, model.vocab_size, (B, t_dec))
    return rng.standard_normal((B, t_enc, WIDTH)), rng.standard_normal((B, t_dec, WIDTH))


@pytest.mark.torch
@pytest.mark.parametrize("masked", [False, True])
@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize(("cell", "activation"), CELLS)
def test_gradients_match_torch_autograd(cell: str, activation: str, inputs: str, masked: bool) -> None:
    torch = pytest.importorskip("torch")
    from seq2seq_reference import make_module

    model = _model(cell, activation, inputs, seed=4)
    rng = np.random.default_rng(11)
    source, target = _batch(model, rng)
    mask = (rng.random(target.shape[:2]) < 0.7).astype(np.float64) if masked else None
    if mask is not None:
        mask[0, 0] = 1.0
    module = make_module(
        torch,
        cell,
        H,
        LAYERS,
        vocab=None if inputs == "numbers" else VOCAB,
        embed=EMBED if inputs == "embedded" else None,
        width=WIDTH,
        nonlinearity=activation,
    )
    module.load_state_dict({k: torch.tensor(v) for k, v in model.state_dict().items()})
    if model.tokens:
        src, goal = torch.tensor(source), torch.tensor(target)
        dec_in = torch.cat([torch.zeros((B, 1), dtype=torch.int64), goal[:, :-1]], 1)
    else:
        src, goal = torch.tensor(source), torch.tensor(target)
        dec_in = torch.cat([src[:, -1:], goal[:, :-1]], 1)
    enc_out, state = module.encoder(module.inputs(src))
    states = state if isinstance(state, tuple) else (state,)
    for tensor in states:
        tensor.retain_grad()
    dec_out, _ = module.decoder(module.inputs(dec_in), state)
    logits = module.fc(dec_out)
    weights = torch.ones(goal.shape[:2], dtype=torch.float64) if mask is None else torch.tensor(mask)
    if model.tokens:
        per_step = torch.nn.functional.cross_entropy(logits.reshape(-1, VOCAB), goal.reshape(-1), reduction="none")
        loss = (per_step * weights.reshape(-1)).sum() / weights.sum()
    else:
        per_value = (logits - goal) ** 2
        loss = (per_value * weights[..., None]).sum() / (weights.sum() * WIDTH)
        if mask is None:
            assert abs(float(loss.detach()) - float(torch.nn.functional.mse_loss(logits, goal).detach())) < 1e-14
    loss.backward()
    ours = loss_and_gradients(model, source, target, mask)
    assert abs(ours.loss - float(loss.detach())) < 1e-12
    named = dict(module.named_parameters())
    assert set(ours.params) == set(named)
    for name, tensor in named.items():
        np.testing.assert_allclose(ours.params[name], tensor.grad.numpy(), rtol=0, atol=1e-10, err_msg=name)
    np.testing.assert_allclose(ours.context_h, states[0].grad.numpy(), rtol=0, atol=1e-10)
    if cell == "lstm":
        np.testing.assert_allclose(ours.context_c, states[1].grad.numpy(), rtol=0, atol=1e-10)


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_gradients_match_finite_differences(cell: str, inputs: str) -> None:
    model = _model(cell, "tanh", inputs, seed=2)
    rng = np.random.default_rng(5)
    source, target = _batch(model, rng, 4, 3)
    grads = loss_and_gradients(model, source, target).params
    state = model.state_dict()
    eps = 1e-6
    for name in state:
        flat = np.array(state[name]).reshape(-1)
        for index in rng.choice(flat.size, size=min(3, flat.size), replace=False):
            values = []
            for sign in (1, -1):
                bumped = flat.copy()
                bumped[index] += sign * eps
                changed = model.with_state({name: bumped.reshape(state[name].shape)})
                values.append(loss_and_gradients(changed, source, target).loss)
            numeric = (values[0] - values[1]) / (2 * eps)
            assert abs(grads[name].reshape(-1)[index] - numeric) < 1e-7, (name, index)


def test_the_encoder_learns_only_through_the_context() -> None:
    """A one-layer RNN decoder with W_hh = 0 never reads its initial state: then dL/d(context) is zero, and so is
    every encoder gradient, while the decoder's own parameters still learn."""
    model = Seq2Seq.random("rnn", 3, 1, vocab_size=5, seed=1)
    zero = np.zeros_like(model.decoder.params["weight_hh_l0"])
    model = model.with_state({"decoder.weight_hh_l0": zero})
    source, target = np.array([[1, 2, 3]]), np.array([[3, 2, 1]])
    grads = loss_and_gradients(model, source, target)
    np.testing.assert_array_equal(grads.context_h, 0.0)
    for name, value in grads.params.items():
        if name.startswith("encoder."):
            np.testing.assert_array_equal(value, 0.0)
        elif name == "fc.weight":
            assert np.abs(value).max() > 0


@pytest.mark.parametrize("inputs", INPUTS)
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_batched_runs_agree_with_the_batch_1_trace(cell: str, inputs: str) -> None:
    model = _model(cell, "tanh", inputs, seed=8)
    rng = np.random.default_rng(2)
    source, target = _batch(model, rng)
    run = teacher_forward(model, source, target)
    free = decode_free(model, source, 6)
    for b in range(B):
        teacher = model.run(source[b], target[b])
        np.testing.assert_allclose(run.decoder.y[b], teacher["dec_y"], rtol=0, atol=1e-13)
        np.testing.assert_allclose(run.encoder.h[b], teacher[f"enc_h_l{LAYERS - 1}"], rtol=0, atol=1e-13)
        alone = model.run(source[b], steps=6)
        if model.tokens:
            np.testing.assert_array_equal(free[b], alone["dec_pred"])
        else:
            np.testing.assert_allclose(free[b], alone["dec_y"], rtol=0, atol=1e-12)


def test_a_batch_of_one_step_sources_stays_a_batch() -> None:
    model = _model("gru", "tanh", "embedded")
    source, target = np.array([[1], [2], [3]]), np.array([[3], [2], [1]])
    grads = loss_and_gradients(model, source, target)
    assert grads.context_h.shape == (LAYERS, 3, H)
    assert decode_free(model, source, 2).shape == (3, 2)
