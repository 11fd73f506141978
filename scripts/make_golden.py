"""Write the golden fixtures tests/fixtures/golden_*.npz from PyTorch (run by hand: needs torch).

Each file holds one small case (a few KB, packed by :func:`pack`): the input ``x``, the initial states ``h0``/``c0``,
the parameters under their PyTorch state_dict names (prefixed ``param/``; from torch's own initialisation), torch's
forward results under trace keys (every gate, computed with torch ops following LSTMCell/GRUCell/RNNCell's equations
and checked against torch's fused nn module here), and torch autograd's gradients of the case's loss (prefixed
``grad/``, plus ``grad/h_l{k}`` = dL/dh_t), with ``meta`` (a JSON string: cell, activation, loss, unit, step).
The engine's tests compare against these without torch. The output is byte-for-byte reproducible.

    .venv/bin/python scripts/make_golden.py
"""

from __future__ import annotations

import json
import sys
from pathlib import Path

import numpy as np
import torch

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "tests" / "engine"))

from engine_reference import torch_bptt, torch_cell_forward, torch_modules_forward  # noqa: E402

from lstmviz.engine import Network  # noqa: E402

CASES = [
    # name, cell, activation, layers, output (size, activation) or None, loss
    ("lstm", "lstm", "tanh", 2, None, "h-last-sum"),
    ("lstm_out", "lstm", "tanh", 1, (3, "softmax"), "cross-entropy"),
    ("gru", "gru", "tanh", 2, (2, "identity"), "mse"),
    ("rnn_tanh", "rnn", "tanh", 2, None, "h-last-sum"),
    ("rnn_relu", "rnn", "relu", 1, (2, "sigmoid"), "mse"),
    ("rnn_sigmoid", "rnn", "sigmoid", 1, None, "unit"),
]
D, H, T = 3, 4, 8


def make_case(name: str, cell: str, activation: str, layers: int, output: tuple[int, str] | None, loss: str) -> None:
    torch.manual_seed(0)
    rng = np.random.default_rng(sum(name.encode()))
    # Parameters from torch's own initialisation, so the fixture does not depend on our initialisers.
    if cell == "rnn":
        module = torch.nn.RNN(D, H, layers, nonlinearity="tanh" if activation == "sigmoid" else activation)
    else:
        module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU}[cell](D, H, layers)
    params = {k: v.detach().double().numpy() for k, v in module.state_dict().items()}
    if output is not None:
        linear = torch.nn.Linear(H, output[0])
        params["fc.weight"] = linear.weight.detach().double().numpy()
        params["fc.bias"] = linear.bias.detach().double().numpy()
    net = Network(
        cell,
        D,
        H,
        layers,
        nonlinearity=activation,
        params=params,
        output_activation=output[1] if output else "identity",
    )
    x = rng.standard_normal((T, D))
    h0 = rng.uniform(-0.5, 0.5, (layers, H))
    c0 = rng.uniform(-1, 1, (layers, H))
    width = output[0] if output else H
    target = rng.standard_normal((T, width)) if loss == "mse" else rng.integers(0, width, T)
    forward, _ = torch_cell_forward(torch, net, x, h0=h0, c0=c0)
    arrays = {k: v.detach().numpy() for k, v in forward.items() if not k.startswith("_")}
    if activation != "sigmoid":
        fused = torch_modules_forward(torch, net, x, h0, c0)
        assert np.abs(fused["h_top"] - arrays[f"h_l{layers - 1}"]).max() < 1e-13, name
    value, grads, grad_h = torch_bptt(torch, net, x, loss, target, unit=2, step=5, h0=h0, c0=c0)
    out: dict[str, np.ndarray] = {"x": x, "h0": h0, "c0": c0, "target": np.asarray(target), "loss": np.array(value)}
    out.update({f"param/{k}": v for k, v in params.items()})
    out.update(arrays)
    out.update({f"grad/{k}": v for k, v in grads.items()})
    out.update({f"grad/{k}": v for k, v in grad_h.items()})
    meta = {
        "cell": cell,
        "activation": activation,
        "layers": layers,
        "loss": loss,
        "unit": 2,
        "step": 5,
        "output_activation": output[1] if output else "identity",
        "torch": torch.__version__,
    }
    path = ROOT / "tests" / "fixtures" / f"golden_{name}.npz"
    np.savez_compressed(path, **pack(out), meta=np.array(json.dumps(meta)))
    print(f"{path.relative_to(ROOT)}: {path.stat().st_size:,} bytes")


def pack(arrays: dict[str, np.ndarray]) -> dict[str, np.ndarray]:
    """All arrays as one float64 vector plus a JSON index (name, shape, offset): one zip entry instead of ~40 keeps
    each fixture a few KB (the per-entry headers would otherwise outweigh the numbers)."""
    index, chunks, offset = [], [], 0
    for key, value in arrays.items():
        flat = np.asarray(value, dtype=np.float64).ravel()
        index.append([key, list(np.shape(value)), offset])
        chunks.append(flat)
        offset += flat.size
    return {"values": np.concatenate(chunks), "index": np.array(json.dumps(index))}


def main() -> None:
    torch.set_default_dtype(torch.float64)
    for case in CASES:
        make_case(*case)


if __name__ == "__main__":
    main()
