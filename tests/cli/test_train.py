"""``lstmviz train``: the saved file reopens in lstmviz and in PyTorch with the same outputs; logs, help, Ctrl+C."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmviz.cli import train as train_cli
from lstmviz.cli.main import main
from lstmviz.engine.batched import forward
from lstmviz.io.weights import load_weights, read_state_dict


def test_help_lists_the_tasks(capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "--help"]) == 0
    out = capsys.readouterr().out
    for task in ("copy", "adding", "next-value", "next-char"):
        assert task in out


def test_copy_trains_saves_and_logs(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out, log = tmp_path / "copy.safetensors", tmp_path / "loss.csv"
    assert (
        main(
            [
                "train",
                "copy",
                "--delay",
                "3",
                "--steps",
                "150",
                "--hidden",
                "12",
                "--out",
                str(out),
                "--log",
                str(log),
                "--validate-every",
                "50",
                "--lr",
                "0.01",
            ]
        )
        == 0
    )
    last = capsys.readouterr().out.strip().splitlines()[-1]
    assert last.startswith("final: train loss") and "validation" in last and "recall" in last
    lines = log.read_text().splitlines()
    assert lines[0].startswith("update,loss") and len(lines) == 151
    losses = np.array([float(line.split(",")[1]) for line in lines[1:]])
    assert losses[-20:].mean() < losses[:20].mean() / 2  # it learned
    tensors, _ = read_state_dict(out)
    assert "rnn.weight_ih_l0" in tensors and "fc.weight" in tensors
    net = load_weights(out)
    assert (net.cell, net.hidden_size, net.input_size, net.output_size) == ("lstm", 12, 10, 8)


def test_same_seed_same_weights(tmp_path: Path) -> None:
    for name in ("a.npz", "b.npz"):
        assert (
            main(
                [
                    "train",
                    "adding",
                    "--length",
                    "8",
                    "--steps",
                    "20",
                    "--hidden",
                    "4",
                    "--cell",
                    "gru",
                    "--out",
                    str(tmp_path / name),
                ]
            )
            == 0
        )
    a, b = load_weights(tmp_path / "a.npz"), load_weights(tmp_path / "b.npz")
    for key in a.params:
        assert np.array_equal(a.params[key], b.params[key])


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_saved_file_reproduces_in_torch(tmp_path: Path, cell: str) -> None:
    torch = pytest.importorskip("torch")
    from safetensors.torch import load_file

    out = tmp_path / "m.safetensors"
    assert (
        main(
            [
                "train",
                "copy",
                "--delay",
                "4",
                "--steps",
                "5",
                "--hidden",
                "6",
                "--layers",
                "2",
                "--cell",
                cell,
                "--out",
                str(out),
            ]
        )
        == 0
    )
    net = load_weights(out)

    class Model(torch.nn.Module):
        def __init__(self) -> None:
            super().__init__()
            self.rnn = getattr(torch.nn, {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[cell])(
                10, 6, 2, batch_first=True, dtype=torch.float64
            )
            self.fc = torch.nn.Linear(6, 8, dtype=torch.float64)

        def forward(self, x: object) -> object:
            return self.fc(self.rnn(x)[0])

    model = Model()
    model.load_state_dict(load_file(str(out)))
    x = np.random.default_rng(0).standard_normal((3, 7, 10))
    with torch.no_grad():
        theirs = model(torch.tensor(x)).numpy()
    assert np.abs(forward(net, x).y - theirs).max() <= 1e-12


def test_next_value_on_a_csv_saves_user_units(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    t = np.arange(400)
    series = 100 + 20 * np.sin(2 * np.pi * t / 25)
    csv = tmp_path / "s.csv"
    csv.write_text("value\n" + "\n".join(f"{v:.6f}" for v in series) + "\n")
    out = tmp_path / "f.npz"
    assert main(["train", str(csv), "--window", "20", "--steps", "150", "--hidden", "8", "--out", str(out)]) == 0
    assert "skill vs persistence" in capsys.readouterr().out
    net = load_weights(out)
    y = forward(net, series[None, 300:340, None]).y[0, 10:, 0]
    # in the user's units: the forecast of a series around 100 is around 100 (not around 0)
    assert abs(float(np.mean(y)) - 100) < 10


def test_ctrl_c_saves_the_last_weights(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from lstmviz.model import training

    real = training.run_training

    def interrupted(*args: object, **kwargs: object) -> object:
        for k, progress in enumerate(real(*args, **kwargs)):  # type: ignore[arg-type]
            yield progress
            if k == 4:
                raise KeyboardInterrupt

    monkeypatch.setattr(training, "run_training", interrupted)
    out = tmp_path / "m.npz"
    assert main(["train", "copy", "--delay", "2", "--steps", "100", "--hidden", "4", "--out", str(out)]) == 130
    assert out.exists()
    assert "interrupted after 5 of 100 updates" in capsys.readouterr().out
    assert train_cli.run_train is not None


def test_bad_requests_are_one_line(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["train", "next-value", "--out", str(tmp_path / "x.npz")]) == 2
    assert "sequence file" in capsys.readouterr().err
    assert main(["train", "copy", "--symbols", "40", "--out", str(tmp_path / "x.npz")]) == 2
    assert "26 symbols" in capsys.readouterr().err


def test_float32_training_saves_float32(tmp_path: Path) -> None:
    out = tmp_path / "m.npz"
    assert (
        main(
            ["train", "copy", "--delay", "2", "--steps", "10", "--hidden", "4", "--dtype", "float32", "--out", str(out)]
        )
        == 0
    )
    assert load_weights(out).dtype == np.float32


def test_without_window_a_short_sequence_gets_the_longest_window_its_validation_part_allows(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """60 steps: the last 20% (12 steps) validate, so a window plus its one step ahead fits 11 steps, not the
    default 50 (which used to be refused on every bundled sample)."""
    series = tmp_path / "short.csv"
    series.write_text("value\n" + "\n".join(f"{np.sin(t / 3):.6f}" for t in range(60)) + "\n")
    out = tmp_path / "short.npz"
    assert main(["train", str(series), "--steps", "3", "--out", str(out)]) == 0
    captured = capsys.readouterr()
    assert "windows of 11 steps" in captured.err and "--window sets it" in captured.err
    assert "window 11, horizon 1" in captured.out
    assert main(["train", str(series), "--steps", "3", "--horizon", "5", "--out", str(out)]) == 0
    assert "windows of 7 steps" in capsys.readouterr().err
    assert main(["train", str(series), "--steps", "3", "--window", "30", "--out", str(out)]) == 2  # said: refused
    assert "too short for windows of 30" in capsys.readouterr().err
