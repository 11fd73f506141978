"""One-unit cases worked by hand with math.exp/math.tanh, and BPTT against central finite differences."""

from __future__ import annotations

import math

import numpy as np
import pytest

from lstmviz.engine import Network


def sig(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def _one_unit(
    cell: str, rows: list[float], recurrent: list[float], b_ih: list[float], b_hh: list[float], **kw: object
) -> Network:
    params = {
        "weight_ih_l0": np.array(rows)[:, None],
        "weight_hh_l0": np.array(recurrent)[:, None],
        "bias_ih_l0": np.array(b_ih),
        "bias_hh_l0": np.array(b_hh),
    }
    return Network(cell, 1, 1, 1, params=params, **kw)  # type: ignore[arg-type]


def test_one_unit_lstm_two_steps_by_hand() -> None:
    w = [0.5, -0.3, 0.8, 1.1]  # W_ii, W_if, W_ig, W_io
    u = [0.2, 0.4, -0.6, 0.1]
    b1, b2 = [0.1, 1.0, 0.0, -0.2], [0.05, 0.0, 0.3, 0.0]
    net = _one_unit("lstm", w, u, b1, b2)
    xs, h, c = [0.7, -1.3], 0.25, -0.5
    trace = net.run(np.array(xs), h0=[[h]], c0=[[c]])
    for t, x in enumerate(xs):
        a = [w[k] * x + b1[k] + u[k] * h + b2[k] for k in range(4)]
        i, f, g, o = sig(a[0]), sig(a[1]), math.tanh(a[2]), sig(a[3])
        c = f * c + i * g
        h = o * math.tanh(c)
        for key, value in zip("ifgoch", (i, f, g, o, c, h), strict=True):
            assert trace[f"{key}_l0"][t, 0] == pytest.approx(value, abs=1e-15), (key, t)


def test_one_unit_gru_two_steps_by_hand() -> None:
    w, u = [0.9, -0.4, 0.6], [0.3, 0.7, -1.2]
    b1, b2 = [0.1, 0.2, -0.1], [0.0, -0.3, 0.5]
    net = _one_unit("gru", w, u, b1, b2)
    h = -0.4
    trace = net.run(np.array([1.5, 0.2]), h0=[[h]])
    for t, x in enumerate([1.5, 0.2]):
        r = sig(w[0] * x + b1[0] + u[0] * h + b2[0])
        z = sig(w[1] * x + b1[1] + u[1] * h + b2[1])
        n = math.tanh(w[2] * x + b1[2] + r * (u[2] * h + b2[2]))
        h = (1 - z) * n + z * h
        for key, value in zip("rznh", (r, z, n, h), strict=True):
            assert trace[f"{key}_l0"][t, 0] == pytest.approx(value, abs=1e-15), (key, t)


@pytest.mark.parametrize("activation,act", [("tanh", math.tanh), ("relu", lambda a: max(a, 0.0)), ("sigmoid", sig)])
def test_one_unit_rnn_by_hand(activation: str, act: object) -> None:
    net = _one_unit("rnn", [1.3], [-0.8], [0.2], [0.1], nonlinearity=activation)
    h, xs = 0.0, [0.5, -0.25, 2.0]
    trace = net.run(np.array(xs))
    for t, x in enumerate(xs):
        h = act(1.3 * x + 0.2 - 0.8 * h + 0.1)  # type: ignore[operator]
        assert trace["h_l0"][t, 0] == pytest.approx(h, abs=1e-15)


def test_one_unit_rnn_bptt_by_hand() -> None:
    """h1 = tanh(w x1 + u h0 + b), h2 = tanh(w x2 + u h1 + b), L = h2: the chain rule written out."""
    w, u, b = 0.7, -1.1, 0.3
    net = _one_unit("rnn", [w], [u], [b], [0.0])
    x1, x2, h0 = 0.4, -0.9, 0.2
    grads = net.bptt(np.array([x1, x2]), h0=[[h0]])
    h1 = math.tanh(w * x1 + u * h0 + b)
    h2 = math.tanh(w * x2 + u * h1 + b)
    d2 = 1 - h2 * h2
    d1 = d2 * u * (1 - h1 * h1)
    assert grads.loss == pytest.approx(h2, abs=1e-15)
    assert grads["grad_weight_ih_l0"][0, 0] == pytest.approx(d2 * x2 + d1 * x1, abs=1e-15)
    assert grads["grad_weight_hh_l0"][0, 0] == pytest.approx(d2 * h1 + d1 * h0, abs=1e-15)
    assert grads["grad_bias_hh_l0"][0] == pytest.approx(d2 + d1, abs=1e-15)
    assert grads["grad_h_l0"][:, 0] == pytest.approx([d2 * u, 1.0], abs=1e-15)
    assert grads["jacobian_norm_l0"] == pytest.approx([abs(d2 * u), 1.0], abs=1e-15)


def test_lstm_cec_is_the_product_of_later_forget_gates() -> None:
    net = Network.random("lstm", 2, 3, 1, seed=1)
    x = np.random.default_rng(0).standard_normal((5, 2))
    trace, grads = net.run(x), net.bptt(x)
    f = trace["f_l0"]
    expected = np.array([f[1] * f[2] * f[3] * f[4], f[2] * f[3] * f[4], f[3] * f[4], f[4], np.ones(3)])
    assert np.abs(grads["cec_l0"] - expected).max() <= 1e-15


CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid")]


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("loss,output", [("h-last-sum", None), ("mse", "tanh"), ("cross-entropy", "softmax")])
def test_bptt_matches_central_finite_differences(cell: str, activation: str, loss: str, output: str | None) -> None:
    rng = np.random.default_rng(7)
    net = Network.random(
        cell,
        3,
        5,
        2,
        seed=2,
        nonlinearity=activation,
        output_size=3 if output else None,
        output_activation=output or "identity",
    )
    x = rng.standard_normal((12, 3))
    h0, c0 = rng.uniform(-0.5, 0.5, (2, 5)), rng.uniform(-1, 1, (2, 5))
    target = rng.standard_normal((12, 3)) if loss == "mse" else rng.integers(0, 3, 12)
    grads = net.bptt(x, loss, target=target, h0=h0, c0=c0)
    eps = 1e-6
    for name, value in net.params.items():
        numeric = np.empty(value.shape)
        for index in np.ndindex(value.shape):
            plus, minus = value.copy(), value.copy()
            plus[index] += eps
            minus[index] -= eps
            up = net.with_parameter(name, plus).bptt(x, loss, target=target, h0=h0, c0=c0, jacobian="none").loss
            down = net.with_parameter(name, minus).bptt(x, loss, target=target, h0=h0, c0=c0, jacobian="none").loss
            numeric[index] = (up - down) / (2 * eps)
        assert np.abs(grads[f"grad_{name}"] - numeric).max() <= 1e-6, name
