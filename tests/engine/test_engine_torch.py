"""The engine against PyTorch, live: forward (every gate, every step) and BPTT (every parameter, every dL/dh_t)."""

from __future__ import annotations

import numpy as np
import pytest
from engine_reference import torch_bptt, torch_cell_forward, torch_modules_forward

from lstmviz.engine import Network

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

D, H, T = 5, 33, 40
CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu"), ("rnn", "sigmoid")]
TOLERANCE = {np.float64: 1e-12, np.float32: 1e-5}


def _network(cell: str, activation: str, layers: int, dtype: type, bias: bool = True, **kw: object) -> Network:
    return Network.random(cell, D, H, layers, seed=3, nonlinearity=activation, bias=bias, dtype=dtype, **kw)


def _states(rng: np.random.Generator, layers: int) -> tuple[np.ndarray, np.ndarray]:
    return rng.uniform(-0.9, 0.9, (layers, H)), rng.uniform(-2, 2, (layers, H))


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("layers", [1, 3])
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
@pytest.mark.parametrize("bias", [True, False])
def test_every_gate_matches_torch(cell: str, activation: str, layers: int, dtype: type, bias: bool) -> None:
    rng = np.random.default_rng(layers)
    net = _network(cell, activation, layers, dtype, bias)
    x = rng.standard_normal((T, D)).astype(dtype)
    h0, c0 = _states(rng, layers)
    trace = net.run(x, h0, c0)
    reference, _ = torch_cell_forward(torch, net, x, h0=h0, c0=c0)
    tol = TOLERANCE[dtype]
    for key, value in reference.items():
        if not key.startswith("_"):
            assert np.abs(trace[key] - value.numpy()).max() <= tol, key
    if activation != "sigmoid":  # torch's own fused module: its hidden (and cell) states
        module = torch_modules_forward(torch, net, x, h0, c0)
        top = f"h_l{layers - 1}"
        assert np.abs(trace[top] - module["h_top"]).max() <= tol
        for k in range(layers):
            assert np.abs(trace[f"h_l{k}"][-1] - module["h_n"][k]).max() <= tol
            if cell == "lstm":
                assert np.abs(trace[f"c_l{k}"][-1] - module["c_n"][k]).max() <= tol


def test_long_sequence_stays_exact() -> None:
    net = Network.random("lstm", 3, 16, 1, seed=0)
    x = np.random.default_rng(0).standard_normal((1000, 3))
    trace = net.run(x)
    module = torch_modules_forward(torch, net, x)
    assert np.abs(trace["h_l0"] - module["h_top"]).max() <= 1e-12


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "tanh", "softmax"])
def test_output_layer_matches_torch(activation: str) -> None:
    net = _network("gru", "tanh", 2, np.float64, output_size=4, output_activation=activation)
    x = np.random.default_rng(5).standard_normal((T, D))
    reference, _ = torch_cell_forward(torch, net, x)
    assert np.abs(net.run(x)["y"] - reference["y"].detach().numpy()).max() <= 1e-12


LOSS_CASES = [
    ("h-last-sum", None),
    ("unit", None),
    ("mse", None),
    ("mse", "sigmoid"),
    ("cross-entropy", "softmax"),
    ("cross-entropy", "identity"),
    ("cross-entropy", None),
]


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("loss,output", LOSS_CASES)
def test_bptt_matches_autograd(cell: str, activation: str, loss: str, output: str | None) -> None:
    rng = np.random.default_rng(11)
    layers = 2
    outputs = 4 if output else None
    net = _network(cell, activation, layers, np.float64, output_size=outputs, output_activation=output or "identity")
    x = rng.standard_normal((25, D))
    h0, c0 = _states(rng, layers)
    width = outputs or H
    target = rng.standard_normal((25, width)) if loss == "mse" else rng.integers(0, width, 25)
    kwargs = {"unit": 7, "step": 12, "layer": 0} if loss == "unit" else {}
    grads = net.bptt(x, loss, target=target, h0=h0, c0=c0, **kwargs)
    value, expected, grad_h = torch_bptt(torch, net, x, loss, target, h0=h0, c0=c0, **kwargs)
    assert grads.loss == pytest.approx(value, rel=1e-12, abs=1e-14)
    for name, reference in expected.items():
        scale = max(np.abs(reference).max(), 1e-300)
        assert np.abs(grads[f"grad_{name}"] - reference).max() <= 1e-9 * scale, name
    for key, reference in grad_h.items():
        scale = max(np.abs(reference).max(), 1e-300)
        assert np.abs(grads[f"grad_{key}"] - reference).max() <= 1e-9 * scale, key


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_jacobian_norm_is_the_spectral_norm_of_dhT_dht(cell: str) -> None:
    net = Network.random(cell, 2, 6, 1, seed=4, init="orthogonal")
    x = np.random.default_rng(2).standard_normal((9, 2))
    trace = net.run(x)
    grads = net.bptt(x, jacobian="exact")
    params = {k: torch.tensor(v) for k, v in net.params.items()}
    xt = torch.tensor(x)
    w_ih, w_hh = params["weight_ih_l0"], params["weight_hh_l0"]
    b = params["bias_ih_l0"] + params["bias_hh_l0"]

    def last_h(h: object, t: int) -> object:
        """h_T as a function of h_t, with C_t (LSTM) held at its traced value."""
        c = torch.tensor(trace["c_l0"][t]) if cell == "lstm" else None
        for s in range(t + 1, 9):
            gi = xt[s] @ w_ih.T + params["bias_ih_l0"]
            gh = h @ w_hh.T + params["bias_hh_l0"]
            if cell == "lstm":
                i, f, g, o = (gi + gh).chunk(4)
                c = torch.sigmoid(f) * c + torch.sigmoid(i) * torch.tanh(g)
                h = torch.sigmoid(o) * torch.tanh(c)
            elif cell == "gru":
                ir, iz, i_n = gi.chunk(3)
                hr, hz, h_n = gh.chunk(3)
                r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                n = torch.tanh(i_n + r * h_n)
                h = (1 - z) * n + z * h
            else:
                h = torch.tanh(xt[s] @ w_ih.T + h @ w_hh.T + b)
        return h

    for t in range(9):
        jac = torch.autograd.functional.jacobian(lambda h, t=t: last_h(h, t), torch.tensor(trace["h_l0"][t]))
        assert grads["jacobian_norm_l0"][t] == pytest.approx(float(torch.linalg.matrix_norm(jac, 2)), rel=1e-10)
