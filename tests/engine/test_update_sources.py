"""The share of the update from each step, against finite differences of weights used at one step only."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.batched import forward
from lstmviz.engine.errors import EngineError
from lstmviz.engine.network import Network, parameter_name
from lstmviz.engine.objectives import objective
from lstmviz.engine.training import Batch
from lstmviz.engine.update_sources import step_terms, update_shares


def _loss_with_step_weights(network: Network, perturbed: Network, t: int, batch: Batch, loss: str) -> float:
    """L when the weights at step t alone are ``perturbed``'s (the others ``network``'s): run in three pieces."""
    x = batch.x
    pieces = [(network, x[:, :t]), (perturbed, x[:, t : t + 1]), (network, x[:, t + 1 :])]
    h = c = None
    outputs = []
    for net, part in pieces:
        if part.shape[1] == 0:
            continue
        cache = forward(net, part, h, c)
        outputs.append(cache.y)
        h, c = cache.h_T, cache.c_T
    y = np.concatenate(outputs, axis=1)
    value, _ = objective(loss, y, batch.target, batch.mask)
    return value


def _finite_difference_terms(network: Network, batch: Batch, loss: str, eps: float = 1e-6) -> np.ndarray:
    """sum |dL/dtheta^(t)| over the recurrent parameters, theta^(t) a copy of theta used at step t only."""
    steps = batch.x.shape[1]
    names = [
        parameter_name(kind, k)
        for k in range(network.num_layers)
        for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")
    ]
    out = np.zeros(steps)
    for t in range(steps):
        for name in names:
            base = network.params[name]
            for index in np.ndindex(base.shape):
                moved = []
                for sign in (1.0, -1.0):
                    value = base.copy()
                    value[index] += sign * eps
                    moved.append(
                        _loss_with_step_weights(network, network.with_parameters({name: value}), t, batch, loss)
                    )
                out[t] += abs((moved[0] - moved[1]) / (2 * eps))
    return out


def _batch(rng: np.random.Generator, loss: str, batch: int, steps: int, inputs: int, outputs: int) -> Batch:
    x = rng.normal(size=(batch, steps, inputs))
    mask = (rng.uniform(size=(batch, steps)) < 0.6).astype(float)
    mask[:, -1] = 1.0
    if loss == "mse":
        return Batch(x, rng.normal(size=(batch, steps, outputs)), mask)
    return Batch(x, rng.integers(0, outputs, size=(batch, steps)), mask)


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
@pytest.mark.parametrize(("layers", "loss"), [(1, "cross-entropy"), (2, "mse")])
def test_step_terms_match_finite_differences(cell: str, layers: int, loss: str) -> None:
    rng = np.random.default_rng(7)
    network = Network.random(cell, 2, 3, layers, seed=4, output_size=3)
    batch = _batch(rng, loss, batch=2, steps=4, inputs=2, outputs=3)
    expected = _finite_difference_terms(network, batch, loss)
    np.testing.assert_allclose(step_terms(network, batch, loss), expected, rtol=1e-6, atol=1e-9)


def test_shares_add_up_to_one_and_follow_the_loss() -> None:
    """A loss on the last step only: a step after which nothing changes the loss gets no share; a short memory
    (a contracting RNN) puts almost all of it at the end."""
    network = Network.random("rnn", 2, 4, seed=1, output_size=2)
    scaled = network.with_parameters(
        {"weight_hh_l0": 0.05 * network.params["weight_hh_l0"], "weight_ih_l0": network.params["weight_ih_l0"]}
    )
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 12, 2))
    mask = np.zeros((3, 12))
    mask[:, -1] = 1.0
    batch = Batch(x, rng.normal(size=(3, 12, 2)), mask)
    shares = update_shares(scaled, batch, "mse")
    assert shares.shape == (12,) and np.all(shares >= 0)
    assert shares.sum() == pytest.approx(1.0)
    assert shares[-1] > 0.9 and shares[:6].sum() < 1e-5
    assert np.all(np.diff(shares) > 0)  # each step further back carries less


def test_a_zero_gradient_gives_zero_shares_and_no_output_layer_is_refused() -> None:
    network = Network.random("lstm", 1, 2, seed=0, output_size=1)
    x = np.ones((1, 3, 1))
    batch = Batch(x, forward(network, x).y)  # a perfect prediction: dL/dy = 0
    assert not update_shares(network, batch, "mse").any()
    with pytest.raises(EngineError, match="output layer"):
        update_shares(Network.random("lstm", 1, 2, seed=0), batch, "mse")


@pytest.mark.torch
@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_step_terms_match_torch_autograd_on_per_step_weight_copies(cell: str) -> None:
    """torch's own cell ops, with a separate leaf copy of every weight at every step: the gradient of each copy
    is term_t exactly, so sum |grad| per step is the reference."""
    torch = pytest.importorskip("torch")
    ops = {"rnn": torch.rnn_tanh_cell, "gru": torch.gru_cell, "lstm": torch.lstm_cell}
    rng = np.random.default_rng(3)
    network = Network.random(cell, 3, 4, seed=2, output_size=2)
    batch = _batch(rng, "cross-entropy", batch=3, steps=6, inputs=3, outputs=2)
    names = ["weight_ih_l0", "weight_hh_l0", "bias_ih_l0", "bias_hh_l0"]
    copies = [
        [torch.tensor(network.params[n], dtype=torch.float64, requires_grad=True) for n in names] for _ in range(6)
    ]
    x = torch.tensor(batch.x, dtype=torch.float64)
    h = torch.zeros(3, 4, dtype=torch.float64)
    c = torch.zeros(3, 4, dtype=torch.float64)
    outputs = []
    for t in range(6):
        if cell == "lstm":
            h, c = ops[cell](x[:, t], (h, c), *copies[t])
        else:
            h = ops[cell](x[:, t], h, *copies[t])
        outputs.append(h)
    fc_w = torch.tensor(network.params["fc.weight"], dtype=torch.float64)
    fc_b = torch.tensor(network.params["fc.bias"], dtype=torch.float64)
    y = torch.stack(outputs, dim=1) @ fc_w.T + fc_b
    _, dy = objective("cross-entropy", y.detach().numpy(), batch.target, batch.mask)
    y.backward(torch.tensor(dy))
    expected = np.array([sum(float(p.grad.abs().sum()) for p in copies[t]) for t in range(6)])
    np.testing.assert_allclose(step_terms(network, batch, "cross-entropy"), expected, rtol=1e-10)
