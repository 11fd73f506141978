"""BPTT's gradients with respect to the initial states h_0 and C_0, against central finite differences.

These chain a decoder's loss into the encoder whose final state the decoder starts from.
"""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.network import Network


def loss_of(net: Network, x: np.ndarray, target: np.ndarray, h0: np.ndarray, c0: np.ndarray | None) -> float:
    """torch.nn.MSELoss(): the mean of the squared errors over every step and output."""
    y = net.run(x, h0=h0, c0=c0)["y"]
    return float(np.mean((y - target) ** 2))


@pytest.mark.parametrize("cell", ["rnn", "gru", "lstm"])
def test_initial_state_gradients_match_finite_differences(cell: str) -> None:
    rng = np.random.default_rng(7)
    layers, hidden, steps = 2, 4, 9
    net = Network.random(cell, 3, hidden, layers, seed=11, output_size=2)
    x = rng.normal(size=(steps, 3))
    h0 = rng.normal(scale=0.5, size=(layers, hidden))
    c0 = rng.normal(scale=0.5, size=(layers, hidden)) if cell == "lstm" else None
    trace = net.run(x, h0=h0, c0=c0)
    target = rng.normal(size=trace["y"].shape)
    grads = net.bptt(x, loss="mse", target=target, trace=trace)
    assert float(grads.loss) == pytest.approx(loss_of(net, x, target, h0, c0), rel=1e-12)

    eps = 1e-6
    for name, state in (("grad_h0", h0), ("grad_c0", c0)):
        if state is None:
            assert name not in grads
            continue
        numeric = np.zeros_like(state)
        for index in np.ndindex(state.shape):
            plus, minus = state.copy(), state.copy()
            plus[index] += eps
            minus[index] -= eps
            args_plus = (plus, c0) if name == "grad_h0" else (h0, plus)
            args_minus = (minus, c0) if name == "grad_h0" else (h0, minus)
            numeric[index] = (loss_of(net, x, target, *args_plus) - loss_of(net, x, target, *args_minus)) / (2 * eps)
        np.testing.assert_allclose(grads[name], numeric, rtol=1e-6, atol=1e-9)
        assert np.abs(grads[name]).max() > 1e-3, "the initial state matters to this loss"


def test_initial_state_gradients_are_not_parameters() -> None:
    net = Network.random("lstm", 1, 3, seed=0)
    grads = net.bptt(np.ones((5, 1)))
    assert set(grads.parameter_gradients()) == set(net.params)
