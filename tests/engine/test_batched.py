"""The batched engine without torch: finite differences, step-by-step chaining, and agreement with the batch-1 trace."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import EngineError, Network
from lstmviz.engine.batched import add_gradients, backward, forward

CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid")]
B, T, I, H, O = 3, 6, 2, 4, 3  # noqa: E741 - the usual letters of the input and output sizes


def _loss(net: Network, x: np.ndarray, h0: np.ndarray, c0: np.ndarray | None, w: dict[str, np.ndarray]) -> float:
    cache = forward(net, x, h0, c0)
    value = float(np.sum(cache.h * w["dh"]) + np.sum(cache.h_T * w["dh_T"]))
    if cache.y is not None:
        value += float(np.sum(cache.y * w["dy"]))
    if cache.c_T is not None:
        value += float(np.sum(cache.c_T * w["dc_T"]))
    return value


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("layers", [1, 2])
@pytest.mark.parametrize("output_activation", ["identity", "tanh"])
def test_gradients_match_finite_differences(cell: str, activation: str, layers: int, output_activation: str) -> None:
    rng = np.random.default_rng(layers)
    net = Network.random(
        cell, I, H, layers, seed=7, nonlinearity=activation, output_size=O, output_activation=output_activation
    )
    x = rng.standard_normal((B, T, I))
    h0 = rng.uniform(-0.5, 0.5, (layers, B, H))
    c0 = rng.uniform(-1, 1, (layers, B, H)) if cell == "lstm" else None
    w = {
        "dy": rng.standard_normal((B, T, O)),
        "dh": rng.standard_normal((B, T, H)),
        "dh_T": rng.standard_normal((layers, B, H)),
        "dc_T": rng.standard_normal((layers, B, H)),
    }
    grads = backward(
        forward(net, x, h0, c0), dy=w["dy"], dh=w["dh"], dh_T=w["dh_T"], dc_T=w["dc_T"] if cell == "lstm" else None
    )
    eps = 1e-6

    def central(perturb: object) -> float:
        plus, minus = perturb(eps), perturb(-eps)  # type: ignore[operator]
        return (plus - minus) / (2 * eps)

    for name, value in net.params.items():
        for index in [tuple(rng.integers(0, n) for n in value.shape) for _ in range(4)]:

            def shifted(delta: float, name: str = name, index: tuple = index, value: np.ndarray = value) -> float:
                changed = value.copy()
                changed[index] += delta
                return _loss(net.with_parameter(name, changed), x, h0, c0, w)

            assert grads.params[name][index] == pytest.approx(central(shifted), abs=1e-7), (name, index)
    for array, grad, label in ((x, grads.dx, "x"), (h0, grads.dh0, "h0")) + (
        ((c0, grads.dc0, "c0"),) if c0 is not None else ()
    ):
        for index in [tuple(rng.integers(0, n) for n in array.shape) for _ in range(5)]:

            def moved(delta: float, array: np.ndarray = array, index: tuple = index, label: str = label) -> float:
                changed = array.copy()
                changed[index] += delta
                args = {"x": x, "h0": h0, "c0": c0}
                args[label] = changed
                return _loss(net, args["x"], args["h0"], args["c0"], w)

            assert grad is not None
            assert grad[index] == pytest.approx(central(moved), abs=1e-7), (label, index)


@pytest.mark.parametrize("cell,activation", CELLS)
def test_batch_rows_agree_with_the_batch1_trace(cell: str, activation: str) -> None:
    rng = np.random.default_rng(1)
    net = Network.random(cell, I, H, 2, seed=4, nonlinearity=activation, output_size=O)
    x = rng.standard_normal((B, T, I))
    cache = forward(net, x)
    for b in range(B):
        trace = net.run(x[b])
        for k in range(2):
            for key in net.spec.trace_keys():
                assert np.abs(cache.gate(key, k)[b] - trace[f"{key}_l{k}"]).max() <= 1e-14, key
        assert np.abs(cache.y[b] - trace["y"]).max() <= 1e-14


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_step_by_step_calls_chain_to_the_full_sequence(cell: str) -> None:
    rng = np.random.default_rng(2)
    net = Network.random(cell, I, H, 2, seed=5, output_size=O)
    x = rng.standard_normal((B, T, I))
    dy = rng.standard_normal((B, T, O))
    full = backward(forward(net, x), dy=dy)
    caches = []
    h, c = None, None
    for t in range(T):
        cache = forward(net, x[:, t : t + 1], h, c)
        caches.append(cache)
        h, c = cache.h_T, cache.c_T
    dh_next, dc_next = None, None
    parts, dx = [], np.empty_like(x)
    for t in reversed(range(T)):
        step = backward(caches[t], dy=dy[:, t : t + 1], dh_T=dh_next, dc_T=dc_next)
        parts.append(step.params)
        dx[:, t] = step.dx[:, 0]
        dh_next, dc_next = step.dh0, step.dc0
    total = add_gradients(parts)
    for name in net.params:
        assert np.abs(total[name] - full.params[name]).max() <= 1e-12, name
    assert np.abs(dx - full.dx).max() <= 1e-12
    assert np.abs(dh_next - full.dh0).max() <= 1e-12


def test_encoder_state_feeds_decoder_and_gradients_flow_back() -> None:
    """Encoder-decoder: dL/d(encoder parameters) through the decoder's dh0/dc0, checked by finite differences."""
    rng = np.random.default_rng(3)
    enc = Network.random("lstm", I, H, 2, seed=1)
    dec = Network.random("lstm", I, H, 2, seed=2, output_size=O)
    xe, xd = rng.standard_normal((B, T, I)), rng.standard_normal((B, 4, I))
    w = rng.standard_normal((B, 4, O))

    def loss(encoder: Network) -> float:
        e = forward(encoder, xe)
        return float(np.sum(forward(dec, xd, e.h_T, e.c_T).y * w))

    e = forward(enc, xe)
    d = backward(forward(dec, xd, e.h_T, e.c_T), dy=w)
    g = backward(e, dh_T=d.dh0, dc_T=d.dc0)
    value = enc.params["weight_hh_l0"]
    for index in [(0, 1), (5, 3), (12, 0)]:
        changed_plus, changed_minus = value.copy(), value.copy()
        changed_plus[index] += 1e-6
        changed_minus[index] -= 1e-6
        numeric = (
            loss(enc.with_parameter("weight_hh_l0", changed_plus))
            - loss(enc.with_parameter("weight_hh_l0", changed_minus))
        ) / 2e-6
        assert g.params["weight_hh_l0"][index] == pytest.approx(numeric, abs=1e-8)


def test_hand_worked_one_unit_rnn() -> None:
    """h1 = tanh(w x1), h2 = tanh(w x2 + u h1); dh2/du = (1 - h2^2) h1, by hand."""
    net = Network(
        "rnn",
        1,
        1,
        params={
            "weight_ih_l0": np.array([[0.5]]),
            "weight_hh_l0": np.array([[-0.8]]),
            "bias_ih_l0": np.zeros(1),
            "bias_hh_l0": np.zeros(1),
        },
    )
    x = np.array([[[1.0], [2.0]]])
    cache = forward(net, x)
    h1 = np.tanh(0.5)
    h2 = np.tanh(1.0 - 0.8 * h1)
    assert cache.h[0, :, 0] == pytest.approx([h1, h2], abs=1e-15)
    dh = np.array([[[0.0], [1.0]]])
    grads = backward(cache, dh=dh)
    assert grads.params["weight_hh_l0"][0, 0] == pytest.approx((1 - h2 * h2) * h1, abs=1e-15)
    assert grads.dx[0, 0, 0] == pytest.approx((1 - h2 * h2) * -0.8 * (1 - h1 * h1) * 0.5, abs=1e-15)


def test_nothing_is_cached_between_calls() -> None:
    net = Network.random("gru", I, H, 1, seed=0, output_size=O)
    x = np.random.default_rng(0).standard_normal((B, T, I))
    first = backward(forward(net, x), dy=np.ones((B, T, O)))
    forward(net, -x)
    second = backward(forward(net, x), dy=np.ones((B, T, O)))
    for name in net.params:
        assert np.array_equal(first.params[name], second.params[name])


def test_bad_shapes_are_sentences() -> None:
    net = Network.random("lstm", I, H, 1, seed=0)
    with pytest.raises(EngineError, match="batch must have shape"):
        forward(net, np.zeros((T, I)))
    with pytest.raises(EngineError, match="h0 has shape"):
        forward(net, np.zeros((B, T, I)), h0=np.zeros((1, H)))
    with pytest.raises(EngineError, match="no output layer"):
        backward(forward(net, np.zeros((B, T, I))), dy=np.zeros((B, T, 1)))
    with pytest.raises(EngineError, match="no cell state"):
        forward(Network.random("gru", I, H, 1), np.zeros((B, T, I)), c0=np.zeros((1, B, H)))
