"""Several files in any order, and what a weight file cannot tell (``--activation``, ``--output-activation``).

The relu RNN is a PyTorch model's state_dict: torch's own numbers come from ``tests/fixtures/relu_rnn_file.npz``
(written by ``scripts/make_relu_rnn_file.py``) when torch is absent, and from torch itself when it is installed.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstmviz.cli import commands
from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import save_sequence
from lstmviz.io.weights import save_weights
from lstmviz.io.workspace import Workspace, save_workspace

FIXTURE = Path(__file__).resolve().parents[1] / "fixtures" / "relu_rnn_file.npz"


@pytest.fixture()
def relu_rnn(tmp_path: Path) -> dict[str, object]:
    """The fixture's state_dict as a user writes it (np.savez, no lstmviz metadata), its input as a CSV, and
    torch's outputs."""
    with np.load(FIXTURE) as golden:
        arrays = {key: golden[key] for key in golden.files}
    weights = tmp_path / "relu_rnn.npz"
    np.savez(weights, **{k[len("state/") :]: v for k, v in arrays.items() if k.startswith("state/")})
    data = tmp_path / "seq.csv"
    save_sequence(SequenceData(arrays["x"], input_labels=("a", "b")), data)
    return {"weights": weights, "data": data, **arrays}


def _written(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as written:
        return {key: written[key] for key in written.files}


def test_relu_rnn_state_dict_traces_to_torchs_numbers_with_activation(cli, tmp_path: Path, relu_rnn) -> None:
    out = tmp_path / "trace.npz"
    result = cli("trace", relu_rnn["data"], "--weights", relu_rnn["weights"], "--activation", "relu", "--out", out)
    assert result.code == 0, result.err
    assert "relu_rnn.npz: activation not stored" not in result.err  # given, so not assumed
    written = _written(out)
    for key in ("h_l0", "h_l1", "y"):
        np.testing.assert_allclose(written[key], relu_rnn[key], rtol=0, atol=1e-12, err_msg=key)


def test_without_activation_tanh_is_assumed_and_said(cli, tmp_path: Path, relu_rnn) -> None:
    out = tmp_path / "trace.npz"
    result = cli("trace", relu_rnn["weights"], relu_rnn["data"], "--out", out)  # files in either order
    assert result.code == 0, result.err
    assert "relu_rnn.npz: activation not stored in the file, tanh assumed (set it with --activation)" in result.err
    assert np.abs(_written(out)["h_l1"] - relu_rnn["h_l1"]).max() > 1.0  # tanh numbers are not torch's


def test_torch_pt_file_traces_to_torchs_numbers(cli, tmp_path: Path) -> None:
    torch = pytest.importorskip("torch")
    torch.manual_seed(2)
    rnn = torch.nn.RNN(3, 6, 2, nonlinearity="relu").double()
    head = torch.nn.Linear(6, 2).double()
    path = tmp_path / "relu_rnn.pt"
    state = {
        **{f"rnn.{k}": v for k, v in rnn.state_dict().items()},
        **{f"head.{k}": v for k, v in head.state_dict().items()},
    }
    torch.save(state, path)
    x = np.random.default_rng(2).standard_normal((30, 3))
    np.save(tmp_path / "x.npy", x)
    with torch.no_grad():
        h, _ = rnn(torch.from_numpy(x)[:, None, :])
        y = head(h)
    out = tmp_path / "trace.npz"
    result = cli("trace", tmp_path / "x.npy", "--weights", path, "--activation", "relu", "--out", out)
    assert result.code == 0, result.err
    written = _written(out)
    np.testing.assert_allclose(written["h_l1"], h[:, 0].numpy(), rtol=0, atol=1e-12)
    np.testing.assert_allclose(written["y"], y[:, 0].numpy(), rtol=0, atol=1e-12)
    assert "output activation not stored in the file, identity assumed" in result.err


def test_activation_that_contradicts_the_file_is_one_line(cli, tmp_path: Path, one_line_error) -> None:
    stored = tmp_path / "tanh_rnn.npz"
    save_weights(
        Network.random("rnn", 1, 4, seed=1, nonlinearity="tanh", output_size=1, output_activation="sigmoid"), stored
    )
    np.save(tmp_path / "x.npy", np.linspace(-1, 1, 10))
    for command in (
        ["trace", "--out", tmp_path / "t.npz"],
        ["grad", "--out", tmp_path / "g.npz"],
        ["plot", "--out", tmp_path / "p.png"],
        ["info"],
    ):
        result = cli(*command, tmp_path / "x.npy", stored, "--activation", "relu")
        one_line_error(result, "--activation relu contradicts", "tanh_rnn.npz", "stores the RNN activation tanh")
    one_line_error(
        cli("trace", tmp_path / "x.npy", stored, "--output-activation", "identity", "--out", tmp_path / "t.npz"),
        "--output-activation identity contradicts",
        "output activation sigmoid",
    )
    agreeing = cli("trace", tmp_path / "x.npy", stored, "--activation", "tanh", "--out", tmp_path / "t.npz")
    assert agreeing.code == 0 and agreeing.err == ""
    assert not (tmp_path / "p.png").exists()


def test_workspace_activations_are_stored_too(cli, tmp_path: Path, one_line_error) -> None:
    network = Network.random("rnn", 1, 3, seed=2, nonlinearity="sigmoid")
    sequence = SequenceData(np.linspace(0, 1, 12))
    save_workspace(Workspace(network, sequence), tmp_path / "s.lstmviz")
    one_line_error(
        cli("trace", tmp_path / "s.lstmviz", "--activation", "relu", "--out", tmp_path / "t.npz"),
        "contradicts",
        "s.lstmviz",
        "sigmoid",
    )


def test_activation_options_that_do_not_apply_are_warned_about(cli, tmp_path: Path) -> None:
    save_weights(Network.random("lstm", 1, 4, seed=1), tmp_path / "lstm.npz")
    np.save(tmp_path / "x.npy", np.zeros(6))
    result = cli(
        "trace",
        tmp_path / "x.npy",
        tmp_path / "lstm.npz",
        "--activation",
        "relu",
        "--output-activation",
        "tanh",
        "--out",
        tmp_path / "t.npz",
    )
    assert result.code == 0
    assert "--activation ignored" in result.err and "LSTM" in result.err
    assert "--output-activation ignored" in result.err and "no output layer" in result.err


def test_info_says_when_the_activation_was_assumed(cli, relu_rnn) -> None:
    human = cli("info", relu_rnn["weights"])
    assert human.code == 0, human.err
    assert "activation   not stored in the file, tanh assumed" in human.out
    assert "output act.  not stored in the file, identity assumed" in human.out
    given = cli("info", relu_rnn["weights"], "--activation", "relu")
    assert "activation   relu (given on the command line)" in given.out
    described = json.loads(cli("info", relu_rnn["weights"], "--json").out)["network"]
    assert (described["nonlinearity"], described["nonlinearity_source"]) == ("tanh", "assumed")
    assert described["output_activation_source"] == "assumed"


def test_info_says_when_the_activation_was_read(cli, tmp_path: Path) -> None:
    save_weights(Network.random("rnn", 1, 4, seed=1, nonlinearity="relu"), tmp_path / "stored.npz")
    human = cli("info", tmp_path / "stored.npz")
    assert "activation   relu (stored in the file)" in human.out


def test_info_describes_several_files(cli, relu_rnn) -> None:
    result = cli("info", relu_rnn["data"], relu_rnn["weights"], "--json")
    assert result.code == 0, result.err
    described = json.loads(result.out)
    assert [item["kind"] for item in described] == ["sequence", "weights"]


@pytest.fixture()
def model_and_data(tmp_path: Path) -> tuple[Path, Path, Network, np.ndarray]:
    network = Network.random("gru", 2, 5, seed=3, output_size=1)
    save_weights(network, tmp_path / "model.npz")
    x = np.random.default_rng(3).normal(size=(25, 2))
    save_sequence(SequenceData(x, input_labels=("u", "v")), tmp_path / "data.csv")
    return tmp_path / "data.csv", tmp_path / "model.npz", network, x


@pytest.mark.parametrize("order", ["data first", "model first", "option between"])
def test_trace_takes_data_and_model_in_any_order(cli, tmp_path: Path, model_and_data, order: str) -> None:
    data, model, network, x = model_and_data
    out = tmp_path / "t.npz"
    argv = {
        "data first": ["trace", data, model, "--out", out],
        "model first": ["trace", model, data, "--out", out],
        "option between": ["trace", model, "--out", out, data],
    }[order]
    result = cli(*argv)
    assert result.code == 0, result.err
    reference = network.run(x)
    np.testing.assert_allclose(_written(out)["h_l0"], reference["h_l0"], rtol=0, atol=1e-12)


def test_plot_takes_data_and_model_together(cli, tmp_path: Path, model_and_data) -> None:
    data, model, _, _ = model_and_data
    result = cli("plot", model, data, "--show", "output", "--out", tmp_path / "y.png")
    assert result.code == 0, result.err
    assert (tmp_path / "y.png").stat().st_size > 1000


def test_weights_then_workspace_then_data(cli, tmp_path: Path, model_and_data) -> None:
    """The workspace opens first, the weights replace its network, the sequence replaces its sequence."""
    data, model, network, x = model_and_data
    other = Network.random("lstm", 2, 3, seed=9)
    save_workspace(
        Workspace(other, SequenceData(np.zeros((7, 2))), layer=0, selected_units=(1,)), tmp_path / "s.lstmviz"
    )
    out = tmp_path / "t.npz"
    assert cli("trace", data, tmp_path / "s.lstmviz", model, "--out", out).code == 0
    written = _written(out)
    np.testing.assert_allclose(written["h_l0"], network.run(x)["h_l0"], rtol=0, atol=1e-12)
    assert "r_l0" in written  # the GRU of model.npz, not the workspace's LSTM


def test_files_that_cannot_go_together_are_one_line(cli, tmp_path: Path, model_and_data, one_line_error) -> None:
    data, model, _, _ = model_and_data
    out = tmp_path / "t.npz"
    one_line_error(cli("trace", data, data, "--out", out), "data.csv and data.csv are both sequences")
    one_line_error(cli("trace", data, model, "--weights", model, "--out", out), "both weight files")
    one_line_error(cli("trace", model, "--out", out), "model.npz", "no sequence")
    usage = cli("trace", data, "--bogus", "--out", out)
    assert usage.code == 2 and usage.err.startswith("usage: lstmviz trace")
    assert "unrecognized arguments: --bogus" in usage.err
    assert not out.exists()


def test_the_app_opens_every_file_given(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    opened: list[list[str]] = []
    monkeypatch.setattr(commands, "run_app", lambda files: opened.append(files) or 0)
    assert cli("data.csv", "model.pt").code == 0
    assert cli("--debug", "model.pt", "data.csv", "s.lstmviz").code == 0
    assert opened == [["data.csv", "model.pt"], ["model.pt", "data.csv", "s.lstmviz"]]


def test_a_new_subcommand_is_one_registrar(cli, monkeypatch: pytest.MonkeyPatch) -> None:
    """The parser is built from a list of registrars, and the app entry reads the command names from it."""
    from lstmviz.cli import main as cli_main

    ran: list[str] = []

    def register(sub) -> None:
        parser = cli_main.add_command(sub, "hello", lambda args, warn: ran.append(args.name) or 0, "say hello", "")
        parser.add_argument("name")

    monkeypatch.setattr(cli_main, "REGISTRARS", [*cli_main.REGISTRARS, register])
    monkeypatch.setattr(commands, "run_app", lambda files: pytest.fail("hello is a command, not a file"))
    assert cli("hello", "world").code == 0
    assert ran == ["world"]


def test_a_weight_npz_is_never_read_as_a_sequence(cli, tmp_path: Path, one_line_error) -> None:
    from lstmviz.io.errors import SequenceError
    from lstmviz.io.open_any import file_kind
    from lstmviz.io.sequences import load_sequence

    save_weights(Network.random("lstm", 1, 3, seed=0), tmp_path / "w.npz")
    np.savez(
        tmp_path / "prefixed.npz",
        **{f"model.lstm.{k}": v for k, v in Network.random("gru", 1, 2, seed=0).params.items()},
    )
    np.savez(tmp_path / "seq.npz", values=np.zeros(4))
    assert [file_kind(tmp_path / n) for n in ("w.npz", "prefixed.npz", "seq.npz")] == ["weights", "weights", "sequence"]
    with pytest.raises(SequenceError, match="holds network weights"):
        load_sequence(tmp_path / "w.npz")
    one_line_error(
        cli("trace", tmp_path / "w.npz", tmp_path / "prefixed.npz", "--out", tmp_path / "t.npz"), "both weight files"
    )


def test_a_converted_parameter_is_said_by_info_and_by_every_command(cli, tmp_path: Path, float8_lstm: Path) -> None:
    weights = float8_lstm
    info = cli("info", weights, "--json")
    assert info.code == 0, info.err
    described = json.loads(info.out)
    assert described["notices"] == ["weight_hh_l0 was F8_E4M3, widened to float32"]
    assert described["network"]["parameters"]["weight_hh_l0"]["min"] == -1.0
    assert described["network"]["parameters"]["weight_hh_l0"]["max"] == 2.0
    assert "  note         weight_hh_l0 was F8_E4M3, widened to float32" in cli("info", weights).out
    data = tmp_path / "x.csv"
    save_sequence(SequenceData(np.array([[0.5], [1.0]])), data)
    traced = cli("trace", data, weights, "--out", tmp_path / "t.npz")
    assert traced.code == 0, traced.err
    assert f"lstmviz: {weights}: weight_hh_l0 was F8_E4M3, widened to float32" in traced.err.splitlines()
