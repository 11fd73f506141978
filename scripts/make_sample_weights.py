"""Train the small sample models shipped in ``resources/weights/`` (needs torch; a few seconds each on one CPU core).

    python scripts/make_sample_weights.py [--out resources/weights]

Each model is a recurrent module plus a Linear head, trained with a fixed seed and a fixed number of steps, then
written through lstmviz's own ``save_weights`` (so the files carry the metadata a vanilla RNN needs) and checked:
the reloaded network must reproduce torch's outputs. The table printed at the end goes into the README.
"""

from __future__ import annotations

import argparse
import time
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import torch

from lstmviz.io.weights import load_weights, save_weights

ROOT = Path(__file__).resolve().parents[1]


class Model(torch.nn.Module):
    """A recurrent module and a Linear read-out, the layout lstmviz maps to ``weight_*_l0`` and ``fc.*``."""

    def __init__(self, cell: str, inputs: int, hidden: int, outputs: int) -> None:
        super().__init__()
        kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
        self.rnn = kind(inputs, hidden, batch_first=True)
        self.fc = torch.nn.Linear(hidden, outputs)

    def forward(self, x: torch.Tensor) -> torch.Tensor:
        return self.fc(self.rnn(x)[0])


Batch = tuple[torch.Tensor, torch.Tensor, torch.Tensor]  # inputs (B, T, D), targets (B, T, O), loss mask (B, T, 1)


def sine_batch(rng: np.random.Generator, batch: int = 32, steps: int = 60) -> Batch:
    """Predict the next value of a sine of random frequency and phase."""
    freq = rng.uniform(0.1, 0.5, (batch, 1))
    phase = rng.uniform(0, 2 * np.pi, (batch, 1))
    wave = np.sin(freq * np.arange(steps + 1) + phase)
    x, y = wave[:, :-1, None], wave[:, 1:, None]
    mask = np.ones_like(y)
    mask[:, :5] = 0  # the first steps cannot know the frequency yet
    return _tensors(x, y, mask)


def adding_batch(rng: np.random.Generator, batch: int = 64, steps: int = 30) -> Batch:
    """The adding problem: output, at the last step, the sum of the two values whose marker is 1."""
    values = rng.uniform(0, 1, (batch, steps))
    markers = np.zeros((batch, steps))
    for row in markers:
        row[rng.choice(steps // 2, 1)] = 1
        row[steps // 2 + rng.choice(steps // 2, 1)] = 1
    x = np.stack([values, markers], axis=-1)
    y = np.zeros((batch, steps, 1))
    y[:, -1, 0] = (values * markers).sum(axis=1)
    mask = np.zeros_like(y)
    mask[:, -1] = 1
    return _tensors(x, y, mask)


def echo_batch(rng: np.random.Generator, batch: int = 32, steps: int = 40, delay: int = 3) -> Batch:
    """A memory task: output the +-1 input seen ``delay`` steps earlier."""
    x = rng.choice([-1.0, 1.0], (batch, steps, 1))
    y = np.zeros_like(x)
    y[:, delay:] = x[:, :-delay]
    mask = np.ones_like(y)
    mask[:, :delay] = 0
    return _tensors(x, y, mask)


def _tensors(*arrays: np.ndarray) -> Batch:
    return tuple(torch.from_numpy(a.astype(np.float32)) for a in arrays)  # type: ignore[return-value]


@dataclass(frozen=True)
class Sample:
    stem: str
    cell: str
    hidden: int
    task: Callable[[np.random.Generator], Batch]
    steps: int
    description: str
    formats: tuple[str, ...] = (".npz",)
    lr: float = 0.01


SAMPLES = (
    Sample(
        "sine_lstm_h8",
        "lstm",
        8,
        sine_batch,
        400,
        "LSTM, H=8: predicts the next value of a sine",
        (".npz", ".safetensors", ".pt"),
    ),
    Sample("adding_lstm_h16", "lstm", 16, adding_batch, 900, "LSTM, H=16: the adding problem (T=30)"),
    Sample("echo_gru_h8", "gru", 8, echo_batch, 500, "GRU, H=8: echoes the +-1 input from 3 steps earlier"),
    Sample("sine_rnn_h8", "rnn", 8, sine_batch, 400, "RNN (tanh), H=8: predicts the next value of a sine"),
)


def masked_mse(pred: torch.Tensor, target: torch.Tensor, mask: torch.Tensor) -> torch.Tensor:
    return ((pred - target) ** 2 * mask).sum() / mask.sum()


def train(sample: Sample, out: Path) -> dict[str, object]:
    torch.manual_seed(0)
    rng = np.random.default_rng(0)
    x0, y0, _ = sample.task(rng)
    model = Model(sample.cell, x0.shape[-1], sample.hidden, y0.shape[-1])
    optimiser = torch.optim.Adam(model.parameters(), lr=sample.lr)
    start = time.perf_counter()
    for _ in range(sample.steps):
        x, y, mask = sample.task(rng)
        optimiser.zero_grad()
        loss = masked_mse(model(x), y, mask)
        loss.backward()
        optimiser.step()
    seconds = time.perf_counter() - start
    with torch.no_grad():
        x, y, mask = sample.task(np.random.default_rng(1))
        test_loss = float(masked_mse(model(x), y, mask))
        baseline = float(masked_mse(torch.zeros_like(y) + (y * mask).sum() / mask.sum(), y, mask))
    pt_path = out / f"{sample.stem}.pt"
    torch.save(model.state_dict(), pt_path)
    network = load_weights(pt_path)
    for suffix in sample.formats:
        if suffix != ".pt":
            save_weights(network, out / f"{sample.stem}{suffix}")
    if ".pt" not in sample.formats:
        pt_path.unlink()
    # The shipped files must reproduce torch: run one test sequence through both.
    with torch.no_grad():
        expected = model(x[:1]).numpy()[0]
    for suffix in sample.formats:
        got = load_weights(out / f"{sample.stem}{suffix}").run(x[0].numpy())["y"]
        assert np.allclose(got, expected, atol=1e-5), (sample.stem, suffix, np.abs(got - expected).max())
    sizes = {suffix: (out / f"{sample.stem}{suffix}").stat().st_size for suffix in sample.formats}
    return {"sample": sample, "seconds": seconds, "loss": test_loss, "baseline": baseline, "sizes": sizes}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=ROOT / "resources" / "weights")
    args = parser.parse_args()
    args.out.mkdir(parents=True, exist_ok=True)
    torch.set_num_threads(1)
    print("| file | model | test MSE | MSE of predicting the mean | training |")
    print("|---|---|---|---|---|")
    for sample in SAMPLES:
        result = train(sample, args.out)
        files = ", ".join(f"`{sample.stem}{s}` ({n / 1024:.1f} KB)" for s, n in result["sizes"].items())
        print(
            f"| {files} | {sample.description} | {result['loss']:.4f} | {result['baseline']:.4f} | "
            f"{sample.steps} Adam steps, {result['seconds']:.1f} s |"
        )


if __name__ == "__main__":
    main()
