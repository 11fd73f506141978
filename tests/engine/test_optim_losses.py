"""Optimisers, clipping, training losses and truncated BPTT by hand-worked cases and invariants."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import EngineError, Network
from lstmviz.engine.batched import backward, forward
from lstmviz.engine.objectives import cross_entropy, mse
from lstmviz.engine.optim import SGD, Adam, clip_grad_norm
from lstmviz.engine.training import Batch, tbptt_steps, train_step


def test_sgd_momentum_by_hand() -> None:
    opt = SGD(lr=0.1, momentum=0.5)
    p = {"w": np.array([1.0])}
    state = opt.init(p)
    p1, state = opt.update(p, {"w": np.array([2.0])}, state)  # b = 2, p = 1 - 0.2
    assert p1["w"][0] == pytest.approx(0.8, abs=1e-15)
    p2, state = opt.update(p1, {"w": np.array([1.0])}, state)  # b = 0.5 * 2 + 1 = 2, p = 0.8 - 0.2
    assert p2["w"][0] == pytest.approx(0.6, abs=1e-15)
    assert p["w"][0] == 1.0 and p1["w"][0] == pytest.approx(0.8)  # pure: inputs untouched


def test_adam_first_step_moves_by_lr_times_sign() -> None:
    opt = Adam(lr=0.01)
    p = {"w": np.array([1.0, -2.0, 3.0])}
    g = {"w": np.array([0.5, -3.0, 1e-3])}
    p1, state = opt.update(p, g, opt.init(p))
    # m^ = g, v^ = g^2, so the step is lr * g / (|g| + eps)
    assert p1["w"] == pytest.approx(p["w"] - 0.01 * g["w"] / (np.abs(g["w"]) + 1e-8), abs=1e-15)
    assert state.step == 1


def test_adam_amsgrad_keeps_the_largest_second_moment() -> None:
    opt = Adam(lr=0.1, amsgrad=True)
    p = {"w": np.array([0.0])}
    state = opt.init(p)
    _, state = opt.update(p, {"w": np.array([10.0])}, state)
    _, state = opt.update(p, {"w": np.array([0.0])}, state)
    assert state.buffers["max_exp_avg_sq"]["w"][0] == pytest.approx(0.001 * 100.0)


def test_clip_uses_torch_formula() -> None:
    grads = {"a": np.array([3.0]), "b": np.array([4.0])}
    clipped, norm, factor = clip_grad_norm(grads, 1.0)
    assert norm == 5.0
    assert factor == pytest.approx(1.0 / (5.0 + 1e-6), abs=1e-18)
    assert clipped["a"][0] == pytest.approx(3.0 / (5.0 + 1e-6), abs=1e-15)
    unclipped, _, factor = clip_grad_norm(grads, 10.0)
    assert factor == 1.0 and unclipped["b"][0] == 4.0
    with pytest.raises(EngineError):
        clip_grad_norm(grads, 0.0)


def test_mse_and_cross_entropy_by_hand() -> None:
    y = np.array([[[1.0], [3.0]]])
    value, grad = mse(y, np.array([[[0.0], [0.0]]]), mask=np.array([[0.0, 1.0]]))
    assert value == 9.0 and grad[0, :, 0] == pytest.approx([0.0, 6.0])
    value, _ = mse(y, np.zeros_like(y), steps="last")
    assert value == 9.0
    logits = np.array([[[0.0, np.log(3.0)], [5.0, 5.0]]])
    value, grad = cross_entropy(logits, np.array([[1, 0]]), mask=np.array([[1.0, 0.0]]))
    assert value == pytest.approx(-np.log(0.75), abs=1e-15)
    assert grad[0, 0] == pytest.approx([0.25, -0.25], abs=1e-15) and not grad[0, 1].any()
    with pytest.raises(EngineError, match="no step"):
        cross_entropy(logits, np.array([[1, 0]]), mask=np.zeros((1, 2)))


def test_tbptt_is_one_update_per_chunk_from_carried_states() -> None:
    rng = np.random.default_rng(0)
    net = Network.random("lstm", 2, 4, 1, seed=0, output_size=2)
    batch = Batch(rng.standard_normal((3, 10, 2)), rng.standard_normal((3, 10, 2)))
    opt = SGD(lr=0.1)
    results = list(tbptt_steps(net, opt, opt.init(net.params), batch, "mse", 4))
    assert len(results) == 3  # chunks 0-3, 4-7, 8-9
    # by hand: the second chunk starts from the first chunk's final states under the first update's input network
    first, _, _, (h, c) = train_step(net, opt, opt.init(net.params), Batch(batch.x[:, :4], batch.target[:, :4]), "mse")
    second, _, m2, _ = train_step(
        first, opt, opt.init(net.params), Batch(batch.x[:, 4:8], batch.target[:, 4:8]), "mse", h0=h, c0=c
    )
    assert np.array_equal(results[1][0].params["weight_hh_l0"], second.params["weight_hh_l0"])
    assert results[1][2].loss == m2.loss


def test_training_step_lowers_the_loss_on_its_batch() -> None:
    rng = np.random.default_rng(1)
    net = Network.random("gru", 2, 6, 1, seed=1, output_size=1)
    batch = Batch(rng.standard_normal((8, 5, 2)), rng.standard_normal((8, 5, 1)))
    opt = SGD(lr=0.05)
    new, _, before, _ = train_step(net, opt, opt.init(net.params), batch, "mse")
    y = forward(new, batch.x).y
    after, _ = mse(y, batch.target)
    assert after < before.loss
    assert backward(forward(net, batch.x), dy=np.zeros((8, 5, 1))).params["fc.weight"].shape == (1, 6)
