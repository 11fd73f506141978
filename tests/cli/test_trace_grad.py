"""``lstmviz trace`` and ``lstmviz grad`` end to end: files written, read back, compared with independent runs."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.limits import max_file_bytes


@pytest.fixture()
def npy_sequence(tmp_path: Path) -> tuple[Path, np.ndarray]:
    x = np.random.default_rng(5).normal(size=(40, 3))
    path = tmp_path / "seq.npy"
    np.save(path, x)
    return path, x


@pytest.mark.parametrize(("cell", "layers"), [("lstm", 2), ("gru", 1), ("rnn", 1)])
def test_trace_npz_matches_network_run(cli, tmp_path: Path, npy_sequence, cell: str, layers: int) -> None:
    path, x = npy_sequence
    out = tmp_path / "trace.npz"
    result = cli(
        "trace",
        path,
        "--cell",
        cell,
        "--hidden",
        5,
        "--layers",
        layers,
        "--seed",
        3,
        "--activation",
        "relu",
        "--out",
        out,
    )
    assert result.code == 0, result.err
    reference = Network.random(cell, 3, 5, layers, seed=3, nonlinearity="relu").run(x)
    with np.load(out) as written:
        assert set(reference) <= set(written.files)
        np.testing.assert_array_equal(written["x"], x)
        np.testing.assert_array_equal(written["t"], np.arange(40))
        for key in reference:
            np.testing.assert_allclose(written[key], reference[key], rtol=0, atol=1e-15, err_msg=key)


def test_defaults_are_an_lstm_of_eight_units_seed_zero(cli, tmp_path: Path, npy_sequence) -> None:
    path, x = npy_sequence
    out = tmp_path / "trace.npz"
    assert cli("trace", path, "--out", out).code == 0
    reference = Network.random("lstm", 3, 8, 1, seed=0).run(x)
    with np.load(out) as written:
        np.testing.assert_allclose(written["c_l0"], reference["c_l0"], atol=1e-15)


def test_csv_with_a_year_column_and_csv_output(cli, tmp_path: Path) -> None:
    years = np.arange(1990, 2010)
    values = np.cos(np.arange(20) / 3.0)
    source = tmp_path / "series.csv"
    rows = "".join(f"{y},{v!r}\n" for y, v in zip(years.tolist(), values.tolist(), strict=True))
    source.write_text("year,level\n" + rows, encoding="utf-8")
    out = tmp_path / "trace.npz"
    assert cli("trace", source, "--hidden", 4, "--out", out).code == 0
    reference = Network.random("lstm", 1, 4, seed=0).run(values[:, None])
    with np.load(out) as written:
        np.testing.assert_array_equal(written["t"], years)
        np.testing.assert_allclose(written["h_l0"], reference["h_l0"], atol=1e-15)

    table = tmp_path / "trace.csv"
    assert cli("trace", source, "--hidden", 4, "--out", table).code == 0
    rows = np.genfromtxt(table, delimiter=",", names=True)
    assert rows.shape == (20,)
    for unit in range(4):  # every unit of h appears as a column, to the printed precision
        assert any(np.allclose(rows[name], reference["h_l0"][:, unit], atol=1e-9) for name in rows.dtype.names)

    piped = cli("trace", source, "--hidden", 4, "--out", "-")
    assert piped.code == 0
    assert len(piped.out.strip().splitlines()) == 21  # header + one row per step


def test_standard_input(cli, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import io
    import sys

    text = "x\n" + "".join(f"{v}\n" for v in range(6))
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(text.encode())))
    out = tmp_path / "t.npz"
    result = cli("trace", "-", "--hidden", 2, "--out", out)
    assert result.code == 0, result.err
    with np.load(out) as written:
        np.testing.assert_array_equal(written["x"][:, 0], np.arange(6.0))
    endless = "x\n" + "1\n" * 600_000  # 1.2 MB against a 1 MB limit: refused after reading just past it
    monkeypatch.setattr(sys, "stdin", io.TextIOWrapper(io.BytesIO(endless.encode())))
    result = cli("--max-file-mb", 1, "trace", "-", "--out", out)
    assert result.code == 2 and "standard input" in result.err and "--max-file-mb" in result.err


def test_weights_that_do_not_fit_name_both_sizes(cli, tmp_path: Path, npy_sequence, one_line_error) -> None:
    path, _ = npy_sequence
    weights = tmp_path / "w.npz"
    net = Network.random("gru", 2, 4, seed=1)
    np.savez(weights, **{f"rnn.{k}": v for k, v in net.params.items()})
    result = cli("trace", path, "--weights", weights, "--out", tmp_path / "t.npz")
    one_line_error(result, "seq.npy", "3", "2", "w.npz")
    assert not (tmp_path / "t.npz").exists()


def test_weight_file_drives_the_trace(cli, tmp_path: Path, npy_sequence) -> None:
    path, x = npy_sequence
    net = Network.random("lstm", 3, 6, 2, seed=9, output_size=2)  # a bare npz carries no output activation
    weights = tmp_path / "model.npz"
    np.savez(weights, **{f"lstm.{k}" if not k.startswith("fc.") else k: v for k, v in net.params.items()})
    out = tmp_path / "t.npz"
    result = cli("trace", path, "--weights", weights, "--hidden", 3, "--out", out)
    assert result.code == 0
    assert "--hidden ignored" in result.err
    reference = net.run(x)
    with np.load(out) as written:
        np.testing.assert_allclose(written["y"], reference["y"], atol=1e-15)
        np.testing.assert_allclose(written["h_l1"], reference["h_l1"], atol=1e-15)


@pytest.mark.torch
def test_trace_of_a_torch_file_reproduces_torch(cli, tmp_path: Path, npy_sequence) -> None:
    torch = pytest.importorskip("torch")
    path, x = npy_sequence
    torch.manual_seed(0)
    module = torch.nn.LSTM(3, 7, num_layers=2).double()
    weights = tmp_path / "model.pt"
    torch.save(module.state_dict(), weights)
    out = tmp_path / "t.npz"
    assert cli("trace", path, "--weights", weights, "--out", out).code == 0
    with torch.no_grad():
        hidden, (h_n, c_n) = module(torch.from_numpy(x)[:, None, :])
    with np.load(out) as written:
        np.testing.assert_allclose(written["h_l1"], hidden[:, 0].numpy(), atol=1e-12)
        np.testing.assert_allclose(written["c_l1"][-1], c_n[1, 0].numpy(), atol=1e-12)
        np.testing.assert_allclose(written["c_l0"][-1], c_n[0, 0].numpy(), atol=1e-12)


@pytest.mark.torch
def test_grad_matches_torch_autograd(cli, tmp_path: Path, npy_sequence) -> None:
    torch = pytest.importorskip("torch")
    path, x = npy_sequence
    torch.manual_seed(1)
    module = torch.nn.GRU(3, 4).double()
    weights = tmp_path / "gru.pt"
    torch.save(module.state_dict(), weights)
    out = tmp_path / "g.npz"
    assert cli("grad", path, "--weights", weights, "--loss", "h-last-sum", "--out", out).code == 0
    hidden, _ = module(torch.from_numpy(x)[:, None, :])
    loss = hidden[-1].sum()
    loss.backward()
    with np.load(out) as written:
        assert float(written["loss"]) == pytest.approx(loss.item(), abs=1e-12)
        for name, parameter in module.named_parameters():
            np.testing.assert_allclose(written[f"grad_{name}"], parameter.grad.numpy(), rtol=1e-9, atol=1e-12)


def test_grad_writes_parameter_gradients_and_curves(cli, tmp_path: Path, npy_sequence) -> None:
    path, x = npy_sequence
    out = tmp_path / "g.npz"
    result = cli("grad", path, "--hidden", 4, "--loss", "unit", "--unit", 2, "--step", 10, "--out", out)
    assert result.code == 0, result.err
    net = Network.random("lstm", 3, 4, seed=0)
    # Independent check by central differences on one weight: L = h_10[2].
    eps, (row, col) = 1e-6, (5, 1)
    w = np.array(net.params["weight_hh_l0"])
    losses = []
    for sign in (1, -1):
        w_step = w.copy()
        w_step[row, col] += sign * eps
        losses.append(net.with_parameter("weight_hh_l0", w_step).run(x)["h_l0"][10, 2])
    with np.load(out) as written:
        assert written["grad_weight_hh_l0"][row, col] == pytest.approx((losses[0] - losses[1]) / (2 * eps), abs=1e-7)
        assert written["grad_norm_h_l0"].shape == (40,)
        assert np.all(written["grad_norm_h_l0"][11:] == 0)  # nothing after the chosen step reaches the loss


def test_grad_loss_needing_a_target_says_so(cli, tmp_path: Path, npy_sequence, one_line_error) -> None:
    path, _ = npy_sequence
    one_line_error(cli("grad", path, "--loss", "mse", "--out", tmp_path / "g.npz"), "--target")
    # Engine refusals name the files they concern too.
    one_line_error(cli("grad", path, "--loss", "unit", "--unit", 99, "--out", tmp_path / "g.npz"), "seq.npy", "99")
    target = tmp_path / "target.npy"
    np.save(target, np.zeros((40, 5)))
    one_line_error(
        cli("grad", path, "--loss", "mse", "--target", target, "--out", tmp_path / "g.npz"), "seq.npy", "target.npy"
    )


def test_bad_inputs_exit_2_with_one_line(cli, tmp_path: Path, npy_sequence, one_line_error) -> None:
    path, _ = npy_sequence
    one_line_error(cli("trace", tmp_path / "absent.csv", "--out", tmp_path / "t.npz"), "absent.csv")
    garbage = tmp_path / "garbage.npy"
    garbage.write_bytes(b"\x93NUMPY garbage \x00\xff" * 10)
    one_line_error(cli("trace", garbage, "--out", tmp_path / "t.npz"), "garbage.npy")
    one_line_error(cli("trace", path, "--out", tmp_path / "t.txt"), "t.txt", ".npz")
    one_line_error(cli("trace", path, "--out", tmp_path / "nowhere" / "t.npz"), "nowhere")
    big = tmp_path / "big.csv"
    big.write_text("x\n" + "1.0\n" * 2000, encoding="utf-8")
    one_line_error(cli("--max-file-mb", "0.001", "trace", big, "--out", tmp_path / "t.npz"), "big.csv")
    assert max_file_bytes() > 1 << 20  # the limit is the process default again afterwards
    one_line_error(cli("trace", path, "--hidden", 10**6, "--out", tmp_path / "t.npz"), "memory")


def test_usage_errors_exit_2_and_help_exits_0(cli, tmp_path: Path, npy_sequence) -> None:
    path, _ = npy_sequence
    assert cli("trace", path).code == 2  # --out missing
    assert cli("trace", path, "--hidden", "zero", "--out", tmp_path / "t.npz").code == 2
    assert cli("trace", path, "--cell", "transformer", "--out", tmp_path / "t.npz").code == 2
    for command in ("trace", "grad", "plot", "generate", "info", "screenshot"):
        result = cli(command, "--help")
        assert result.code == 0 and "usage: lstmviz " + command in result.out
    version = cli("--version")
    assert version.code == 0 and version.out.startswith("lstmviz ")


def test_internal_errors_exit_1_with_one_line_and_traceback_only_with_debug(
    cli, tmp_path: Path, npy_sequence, monkeypatch: pytest.MonkeyPatch
) -> None:
    path, _ = npy_sequence

    def broken(self: Network, *args: object, **kwargs: object) -> None:
        raise RuntimeError("kaboom")

    monkeypatch.setattr(Network, "run", broken)
    result = cli("trace", path, "--out", tmp_path / "t.npz")
    assert result.code == 1
    assert result.err.strip().splitlines() == [
        "lstmviz: internal error: RuntimeError: kaboom (run with --debug for the traceback)"
    ]
    debug = cli("--debug", "trace", path, "--out", tmp_path / "t.npz")
    assert debug.code == 1 and "Traceback" in debug.err and "kaboom" in debug.err


def test_reading_options_reach_the_loader(cli, tmp_path: Path, one_line_error) -> None:
    table = tmp_path / "gaps.csv"
    table.write_text("time,a,b\n0,1.0,10\n1,,20\n2,3.0,30\n", encoding="utf-8")
    one_line_error(cli("trace", table, "--out", tmp_path / "t.npz"), "gaps.csv", "--missing")

    def x_of(*options: object) -> np.ndarray:
        out = tmp_path / "t.npz"
        result = cli("trace", *options, "--out", out)
        assert result.code == 0, result.err
        with np.load(out) as written:
            return written["x"]

    np.testing.assert_array_equal(x_of(table, "--missing", "interpolate"), [[1, 10], [2, 20], [3, 30]])
    np.testing.assert_array_equal(x_of(table, "--missing", "drop"), [[1, 10], [3, 30]])
    np.testing.assert_array_equal(x_of(table, "--columns", "b"), [[10], [20], [30]])  # no gap in b

    text = tmp_path / "word.txt"
    text.write_text("abba", encoding="utf-8")
    np.testing.assert_array_equal(x_of(text, "--text", "--vocab", "ba"), [[0, 1], [1, 0], [1, 0], [0, 1]])

    arrays = tmp_path / "two.npz"
    np.savez(arrays, first=np.zeros(3), second=np.arange(4.0))
    np.testing.assert_array_equal(x_of(arrays, "--key", "second")[:, 0], np.arange(4.0))


def test_grad_of_a_network_with_an_output_layer(cli, tmp_path: Path, npy_sequence) -> None:
    path, _ = npy_sequence
    net = Network.random("lstm", 3, 4, seed=2, output_size=2)
    weights = tmp_path / "with_fc.npz"
    np.savez(weights, **net.params)
    out = tmp_path / "g.npz"
    result = cli("grad", path, "--weights", weights, "--out", out)
    assert result.code == 0, result.err
    with np.load(out) as written:
        np.testing.assert_array_equal(written["grad_fc.weight"], 0)  # the loss on h does not reach the output layer
