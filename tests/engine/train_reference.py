"""PyTorch's own training step (nn.LSTM/GRU/RNN + nn.Linear, its loss, clip_grad_norm_, torch.optim), the reference
for the engine's optimiser parity tests and for scripts/make_train_golden.py."""

from __future__ import annotations

from typing import Any

import numpy as np

MODULES = {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}

# name -> (optimiser, keyword arguments); shared by the live tests and the golden fixtures
OPTIMISER_CASES: dict[str, tuple[str, dict[str, Any]]] = {
    "sgd_momentum": ("sgd", {"lr": 0.1, "momentum": 0.9}),
    "sgd_dampening_decay": ("sgd", {"lr": 0.05, "momentum": 0.8, "dampening": 0.3, "weight_decay": 0.01}),
    "sgd_nesterov": ("sgd", {"lr": 0.05, "momentum": 0.9, "nesterov": True, "weight_decay": 0.02}),
    "sgd_plain": ("sgd", {"lr": 0.2}),
    "adam": ("adam", {"lr": 0.01}),
    "adam_amsgrad_decay": (
        "adam",
        {"lr": 0.02, "betas": (0.8, 0.99), "eps": 1e-6, "weight_decay": 0.01, "amsgrad": True},
    ),
}


def make_case(
    seed: int,
    cell: str,
    loss: str,
    batch: int = 4,
    steps: int = 6,
    inputs: int = 2,
    hidden: int = 4,
    outputs: int = 3,
    layers: int = 2,
    updates: int = 3,
) -> dict[str, Any]:
    """Parameters and batches drawn from NumPy with a seed: the same numbers for torch and the engine."""
    rng = np.random.default_rng(seed)
    rows = {"lstm": 4, "gru": 3, "rnn": 1}[cell] * hidden
    params: dict[str, np.ndarray] = {}
    for k in range(layers):
        fan_in = inputs if k == 0 else hidden
        params[f"weight_ih_l{k}"] = rng.uniform(-0.5, 0.5, (rows, fan_in))
        params[f"weight_hh_l{k}"] = rng.uniform(-0.5, 0.5, (rows, hidden))
        params[f"bias_ih_l{k}"] = rng.uniform(-0.5, 0.5, rows)
        params[f"bias_hh_l{k}"] = rng.uniform(-0.5, 0.5, rows)
    params["fc.weight"] = rng.uniform(-0.5, 0.5, (outputs, hidden))
    params["fc.bias"] = rng.uniform(-0.5, 0.5, outputs)
    batches = []
    for _ in range(updates):
        x = rng.standard_normal((batch, steps, inputs))
        if loss == "mse":
            target = rng.standard_normal((batch, steps, outputs))
            mask = np.ones((batch, steps))
        else:
            target = rng.integers(0, outputs, (batch, steps)).astype(np.float64)
            mask = (rng.uniform(size=(batch, steps)) < 0.5).astype(np.float64)
            mask[:, -1] = 1.0
        batches.append((x, target, mask))
    return {"cell": cell, "loss": loss, "params": params, "batches": batches, "hidden": hidden, "layers": layers}


def torch_train(
    torch: Any, case: dict[str, Any], optimiser: str, options: dict[str, Any], clip: float | None
) -> list[tuple[float, dict[str, np.ndarray]]]:
    """(loss, parameters after the update) for each batch of ``case``, trained by torch in float64."""
    params = case["params"]
    inputs = params["weight_ih_l0"].shape[1]
    outputs = params["fc.weight"].shape[0]
    rnn = getattr(torch.nn, MODULES[case["cell"]])(
        inputs, case["hidden"], case["layers"], batch_first=True, dtype=torch.float64
    )
    fc = torch.nn.Linear(case["hidden"], outputs, dtype=torch.float64)
    with torch.no_grad():
        for name, value in params.items():
            module, attr = (fc, name[3:]) if name.startswith("fc.") else (rnn, name)
            getattr(module, attr).copy_(torch.tensor(value))
    named = [(n, p) for n, p in rnn.named_parameters()] + [(f"fc.{n}", p) for n, p in fc.named_parameters()]
    every = [p for _, p in named]
    optim_class = torch.optim.SGD if optimiser == "sgd" else torch.optim.Adam
    opt = optim_class(every, **options)
    results = []
    for x, target, mask in case["batches"]:
        opt.zero_grad()
        out, _ = rnn(torch.tensor(x))
        y = fc(out)
        keep = torch.tensor(mask) > 0
        if case["loss"] == "mse":
            loss = torch.nn.functional.mse_loss(y[keep], torch.tensor(target)[keep])
        else:
            loss = torch.nn.functional.cross_entropy(y[keep], torch.tensor(target).long()[keep])
        loss.backward()
        if clip is not None:
            torch.nn.utils.clip_grad_norm_(every, clip)
        opt.step()
        results.append((float(loss.detach()), {n: p.detach().numpy().copy() for n, p in named}))
    return results
