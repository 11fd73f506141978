"""Write tests/fixtures/relu_rnn_file.npz from PyTorch (run by hand: needs torch).

A user's model as PyTorch saves it: ``nn.RNN(2, 5, num_layers=2, nonlinearity='relu')`` under the module name
``rnn`` with a ``Linear(5, 1)`` head named ``head``. A state_dict records no nonlinearity, which is why lstmviz
must be told ``--activation relu``. The fixture holds the state_dict under its own names (prefixed ``state/``),
an input ``x`` (T, 2), and torch's outputs: ``h_l0``, ``h_l1`` (T, 5) and ``y`` (T, 1), computed by the fused
``nn.RNN`` and ``nn.Linear`` in float64. Tests rebuild the weight file from ``state/*`` (``np.savez``, no lstmviz
metadata, as a user would write it) and check ``lstmviz trace`` against these numbers without torch.

    .venv/bin/python scripts/make_relu_rnn_file.py
"""

from __future__ import annotations

import io
from pathlib import Path

import numpy as np
import torch

OUT = Path(__file__).resolve().parents[1] / "tests" / "fixtures" / "relu_rnn_file.npz"
D, H, LAYERS, T = 2, 5, 2, 12


class Model(torch.nn.Module):
    def __init__(self) -> None:
        super().__init__()
        self.rnn = torch.nn.RNN(D, H, LAYERS, nonlinearity="relu")
        self.head = torch.nn.Linear(H, 1)

    def forward(self, x: torch.Tensor) -> tuple[list[torch.Tensor], torch.Tensor]:
        states = []
        inputs = x
        for layer in range(LAYERS):  # one layer at a time, so every layer's h_t is recorded
            single = torch.nn.RNN(D if layer == 0 else H, H, 1, nonlinearity="relu").double()
            for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"):
                getattr(single, f"{kind}_l0").data.copy_(getattr(self.rnn, f"{kind}_l{layer}"))
            inputs, _ = single(inputs)
            states.append(inputs)
        full, _ = self.rnn(x)
        torch.testing.assert_close(full, states[-1])  # the fused module agrees with the layer-by-layer run
        return states, self.head(full)


def main() -> None:
    torch.manual_seed(4)
    model = Model().double()
    with torch.no_grad():
        for parameter in model.rnn.parameters():  # large enough that relu and tanh differ clearly
            parameter.mul_(2.0)
    rng = np.random.default_rng(4)
    x = rng.standard_normal((T, D))
    with torch.no_grad():
        states, y = model(torch.from_numpy(x)[:, None, :])
    arrays = {f"state/{k}": v.detach().numpy() for k, v in model.state_dict().items()}
    arrays["x"] = x
    for layer, h in enumerate(states):
        arrays[f"h_l{layer}"] = h[:, 0].numpy()
    arrays["y"] = y[:, 0].numpy()
    buffer = io.BytesIO()
    np.savez(buffer, **arrays)
    OUT.write_bytes(buffer.getvalue())
    print(f"wrote {OUT} ({OUT.stat().st_size:,} bytes)")


if __name__ == "__main__":
    main()
