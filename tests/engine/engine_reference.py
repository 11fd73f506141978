"""Independent references for the engine tests, written with torch ops (torch is imported by the caller).

``torch_modules_forward`` runs torch's own nn.LSTM/GRU/RNN (fused, what a PyTorch user gets); ``torch_cell_forward``
runs the textbook cell equations step by step with torch ops, recording every gate (nn modules do not expose them),
and covers the sigmoid RNN that torch does not have; ``torch_bptt`` differentiates the latter with autograd.
``scripts/make_golden.py`` writes the golden fixtures from these same functions.
"""

from __future__ import annotations

from typing import Any

import numpy as np


def _act(torch: Any, name: str) -> Any:
    return {"tanh": torch.tanh, "relu": torch.relu, "sigmoid": torch.sigmoid}[name]


def torch_cell_forward(
    torch: Any, net: Any, x: np.ndarray, params: dict[str, Any] | None = None, h0: Any = None, c0: Any = None
) -> tuple[dict[str, Any], Any]:
    """Every gate and state as torch tensors (keys as in a Trace), and the top-layer output (T, H or O) before loss.

    ``params`` (torch tensors, maybe requiring grad) default to the network's own parameters.
    """
    if params is None:
        params = {k: torch.tensor(v) for k, v in net.params.items()}
    dtype = params["weight_hh_l0"].dtype
    hidden = net.hidden_size
    layer_input = torch.tensor(x, dtype=dtype)
    out: dict[str, Any] = {}
    for k in range(net.num_layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        b_ih = params.get(f"bias_ih_l{k}", torch.zeros(w_ih.shape[0], dtype=dtype))
        b_hh = params.get(f"bias_hh_l{k}", torch.zeros(w_ih.shape[0], dtype=dtype))
        h = torch.zeros(hidden, dtype=dtype) if h0 is None else torch.tensor(np.asarray(h0)[k], dtype=dtype)
        c = torch.zeros(hidden, dtype=dtype) if c0 is None else torch.tensor(np.asarray(c0)[k], dtype=dtype)
        record: dict[str, list[Any]] = {}
        for t in range(layer_input.shape[0]):
            gi = layer_input[t] @ w_ih.T + b_ih
            gh = h @ w_hh.T + b_hh
            if net.cell == "lstm":
                i, f, g, o = (gi + gh).chunk(4)
                i, f, g, o = torch.sigmoid(i), torch.sigmoid(f), torch.tanh(g), torch.sigmoid(o)
                c = f * c + i * g
                h = o * torch.tanh(c)
                values = {"i": i, "f": f, "g": g, "o": o, "c": c, "h": h}
            elif net.cell == "gru":
                ir, iz, i_n = gi.chunk(3)
                hr, hz, h_n = gh.chunk(3)
                r, z = torch.sigmoid(ir + hr), torch.sigmoid(iz + hz)
                n = torch.tanh(i_n + r * h_n)
                h = (1 - z) * n + z * h
                values = {"r": r, "z": z, "n": n, "h": h}
            else:
                h = _act(torch, net.nonlinearity)(gi + gh)
                values = {"h": h}
            for key, value in values.items():
                record.setdefault(key, []).append(value)
        for key, value in record.items():
            out[f"{key}_l{k}"] = torch.stack(value)
        out[f"_steps_h_l{k}"] = record["h"]
        layer_input = out[f"h_l{k}"]
    top = layer_input
    if "fc.weight" in params:
        pre = top @ params["fc.weight"].T + params["fc.bias"]
        activation = net.output_activation
        out["y"] = {
            "identity": lambda a: a,
            "sigmoid": torch.sigmoid,
            "tanh": torch.tanh,
            "softmax": lambda a: torch.softmax(a, dim=1),
        }[activation](pre)
        out["_pre"] = pre
    return out, top


def torch_modules_forward(torch: Any, net: Any, x: np.ndarray, h0: Any = None, c0: Any = None) -> dict[str, np.ndarray]:
    """torch.nn.LSTM/GRU/RNN itself (batch 1): the top layer's h over time and the last h (and c) of every layer."""
    dtype = torch.float64 if net.dtype == np.float64 else torch.float32
    kwargs = {"num_layers": net.num_layers, "bias": net.bias}
    if net.cell == "lstm":
        module = torch.nn.LSTM(net.input_size, net.hidden_size, **kwargs)
    elif net.cell == "gru":
        module = torch.nn.GRU(net.input_size, net.hidden_size, **kwargs)
    else:
        module = torch.nn.RNN(net.input_size, net.hidden_size, nonlinearity=net.nonlinearity, **kwargs)
    module = module.to(dtype)
    state = {k: torch.tensor(v) for k, v in net.params.items() if not k.startswith("fc.")}
    module.load_state_dict(state)
    shape = (net.num_layers, 1, net.hidden_size)
    h = torch.zeros(shape, dtype=dtype) if h0 is None else torch.tensor(np.asarray(h0), dtype=dtype).reshape(shape)
    c = torch.zeros(shape, dtype=dtype) if c0 is None else torch.tensor(np.asarray(c0), dtype=dtype).reshape(shape)
    with torch.no_grad():
        inp = torch.tensor(x, dtype=dtype)[:, None, :]
        output, last = module(inp, (h, c) if net.cell == "lstm" else h)
    result = {"h_top": output[:, 0].numpy()}
    if net.cell == "lstm":
        result["h_n"], result["c_n"] = last[0][:, 0].numpy(), last[1][:, 0].numpy()
    else:
        result["h_n"] = last[:, 0].numpy()
    return result


def torch_bptt(
    torch: Any,
    net: Any,
    x: np.ndarray,
    loss: str,
    target: Any = None,
    unit: int = 0,
    step: int = -1,
    layer: int | None = None,
    h0: Any = None,
    c0: Any = None,
) -> tuple[float, dict[str, np.ndarray], dict[str, np.ndarray]]:
    """(loss, {parameter: gradient}, {"h_l{k}": dL/dh_t (T, H)}) by torch autograd on :func:`torch_cell_forward`."""
    params = {k: torch.tensor(v, requires_grad=True) for k, v in net.params.items()}
    out, top = torch_cell_forward(torch, net, x, params, h0, c0)
    steps = {k[7:]: v for k, v in out.items() if k.startswith("_steps_h_l")}
    for tensors in steps.values():
        for tensor in tensors:
            tensor.retain_grad()
    states = {k: v for k, v in out.items() if k.startswith("h_l")}
    if loss == "h-last-sum":
        value = top[-1].sum()
    elif loss == "unit":
        value = states[f"h_l{net.num_layers - 1 if layer is None else layer}"][step, unit]
    else:
        prediction = out.get("y", top)
        if loss == "mse":
            value = torch.nn.functional.mse_loss(prediction, torch.tensor(np.asarray(target), dtype=prediction.dtype))
        else:
            logits = out["_pre"] if net.has_output and net.output_activation == "softmax" else prediction
            value = torch.nn.functional.cross_entropy(logits, torch.tensor(np.asarray(target), dtype=torch.int64))
    value.backward()
    grads = {k: (torch.zeros_like(v) if v.grad is None else v.grad).numpy() for k, v in params.items()}
    grad_h = {
        k: torch.stack([torch.zeros_like(v) if v.grad is None else v.grad for v in tensors]).numpy()
        for k, tensors in steps.items()
    }
    return float(value.detach()), grads, grad_h
