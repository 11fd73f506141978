"""The batched forward and backward against PyTorch's autograd, live: every parameter, dL/dx, dL/dh0, dL/dc0."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import Network
from lstmviz.engine.batched import backward, forward

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch

B, T, I, H, O = 4, 9, 3, 6, 2  # noqa: E741 - the usual letters of the input and output sizes
CELLS = [("lstm", "tanh"), ("gru", "tanh"), ("rnn", "tanh"), ("rnn", "relu")]
MODULES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}


def _torch_pair(net: Network) -> tuple[object, object | None]:
    kw = {"nonlinearity": net.nonlinearity} if net.cell == "rnn" else {}
    rnn = getattr(torch.nn, MODULES[net.cell])(
        net.input_size, net.hidden_size, net.num_layers, bias=net.bias, batch_first=True, dtype=torch.float64, **kw
    )
    fc = torch.nn.Linear(net.hidden_size, net.output_size, dtype=torch.float64) if net.has_output else None
    with torch.no_grad():
        for name, value in net.params.items():
            module, attr = (fc, name[3:]) if name.startswith("fc.") else (rnn, name)
            getattr(module, attr).copy_(torch.tensor(value))
    return rnn, fc


@pytest.mark.parametrize("cell,activation", CELLS)
@pytest.mark.parametrize("layers", [1, 2, 3])
@pytest.mark.parametrize("with_output", [True, False])
def test_forward_and_backward_match_autograd(cell: str, activation: str, layers: int, with_output: bool) -> None:
    rng = np.random.default_rng(layers * 10 + with_output)
    net = Network.random(
        cell,
        I,
        H,
        layers,
        seed=layers,
        nonlinearity=activation,
        bias=with_output,
        output_size=O if with_output else None,
    )
    rnn, fc = _torch_pair(net)
    x = rng.standard_normal((B, T, I))
    h0 = rng.uniform(-0.9, 0.9, (layers, B, H))
    c0 = rng.uniform(-2, 2, (layers, B, H))
    weights = {
        k: rng.standard_normal(s)
        for k, s in {"dy": (B, T, O), "dh": (B, T, H), "dh_T": (layers, B, H), "dc_T": (layers, B, H)}.items()
    }
    xt, h0t, c0t = (torch.tensor(a, requires_grad=True) for a in (x, h0, c0))
    if cell == "lstm":
        out, (h_n, c_n) = rnn(xt, (h0t, c0t))
    else:
        out, h_n = rnn(xt, h0t)
    loss = (out * torch.from_numpy(weights["dh"])).sum() + (h_n * torch.from_numpy(weights["dh_T"])).sum()
    if cell == "lstm":
        loss = loss + (c_n * torch.from_numpy(weights["dc_T"])).sum()
    if fc is not None:
        y = fc(out)
        loss = loss + (y * torch.from_numpy(weights["dy"])).sum()
    loss.backward()

    cache = forward(net, x, h0, c0 if cell == "lstm" else None)
    assert np.abs(cache.h - out.detach().numpy()).max() <= 1e-12
    assert np.abs(cache.h_T - h_n.detach().numpy()).max() <= 1e-12
    if cell == "lstm":
        assert cache.c_T is not None
        assert np.abs(cache.c_T - c_n.detach().numpy()).max() <= 1e-12
    else:
        assert cache.c_T is None
    if fc is not None:
        assert cache.y is not None
        assert np.abs(cache.y - y.detach().numpy()).max() <= 1e-12
    grads = backward(
        cache,
        dy=weights["dy"] if fc is not None else None,
        dh=weights["dh"],
        dh_T=weights["dh_T"],
        dc_T=weights["dc_T"] if cell == "lstm" else None,
    )
    assert list(grads.params) == list(net.params)
    reference = {name: p.grad.numpy() for name, p in rnn.named_parameters()}
    if fc is not None:
        reference.update({f"fc.{name}": p.grad.numpy() for name, p in fc.named_parameters()})
    for name, value in reference.items():
        assert np.abs(grads.params[name] - value).max() <= 1e-10, name
    assert np.abs(grads.dx - xt.grad.numpy()).max() <= 1e-10
    assert np.abs(grads.dh0 - h0t.grad.numpy()).max() <= 1e-10
    if cell == "lstm":
        assert grads.dc0 is not None
        assert np.abs(grads.dc0 - c0t.grad.numpy()).max() <= 1e-10


def test_gru_gates_match_torch_cell() -> None:
    """r, z, n as torch's GRUCell computes them (b_hn inside the reset product)."""
    rng = np.random.default_rng(5)
    net = Network.random("gru", I, H, 1, seed=2)
    x = rng.standard_normal((B, T, I))
    cache = forward(net, x)
    w_ih, w_hh, b_ih, b_hh = (torch.tensor(v) for v in net.layer_parameters(0))
    h = torch.zeros(B, H, dtype=torch.float64)
    for t in range(T):
        gi = torch.from_numpy(x[:, t]) @ w_ih.T + b_ih
        gh = h @ w_hh.T + b_hh
        r = torch.sigmoid(gi[:, :H] + gh[:, :H])
        z = torch.sigmoid(gi[:, H : 2 * H] + gh[:, H : 2 * H])
        n = torch.tanh(gi[:, 2 * H :] + r * gh[:, 2 * H :])
        h = (1 - z) * n + z * h
        for key, value in (("r", r), ("z", z), ("n", n), ("h", h)):
            assert np.abs(cache.gate(key, 0)[:, t] - value.numpy()).max() <= 1e-13, key
