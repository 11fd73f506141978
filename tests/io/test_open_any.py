"""The one file dispatcher and the weight reader's activation overrides, without the command line or the app."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.errors import FileFormatError
from lstmviz.io.open_any import ReadOptions, file_kind, open_any, open_order
from lstmviz.io.weights import ActivationConflict, read_weights, save_weights


@pytest.fixture()
def files(tmp_path: Path) -> dict[str, Path]:
    rnn = Network.random("rnn", 1, 3, seed=0, output_size=2)
    np.savez(
        tmp_path / "plain.npz",
        **{f"rnn.{k}" if k.startswith(("weight", "bias")) else k: v for k, v in rnn.params.items()},
    )
    save_weights(rnn.replace(nonlinearity="sigmoid"), tmp_path / "stored.npz")
    np.savez(tmp_path / "arrays.npz", a=np.zeros(3), b=np.ones(3))
    (tmp_path / "data.csv").write_text("x\n1\n2\n", encoding="utf-8")
    (tmp_path / "s.lstmviz").write_bytes(b"")
    return {p.name: p for p in tmp_path.iterdir()}


def test_kinds_by_suffix_and_member_names(files) -> None:
    assert file_kind(files["plain.npz"]) == "weights"
    assert file_kind(files["stored.npz"]) == "weights"
    assert file_kind(files["arrays.npz"]) == "sequence"
    assert file_kind(files["plain.npz"], ReadOptions(key="rnn.weight_ih_l0")) == "sequence"
    assert [file_kind(n) for n in ("m.pt", "m.pth", "m.safetensors", "s.lstmviz", "d.csv", "-")] == [
        "weights",
        "weights",
        "weights",
        "workspace",
        "sequence",
        "sequence",
    ]


def test_open_order_is_workspace_weights_sequence(files) -> None:
    order = open_order([files["data.csv"], files["plain.npz"], files["s.lstmviz"]])
    assert [kind for _, kind in order] == ["workspace", "weights", "sequence"]
    with pytest.raises(FileFormatError, match="are both weight files"):
        open_order([files["plain.npz"], files["stored.npz"]])
    with pytest.raises(FileFormatError, match="are both weight files"):
        open_order([files["data.csv"], (str(files["arrays.npz"]), "weights"), files["plain.npz"]])


def test_overrides_fill_in_what_the_file_does_not_store(files) -> None:
    assumed = read_weights(files["plain.npz"])
    assert assumed.network.nonlinearity == "tanh"
    assert dict(assumed.sources) == {"nonlinearity": "assumed", "output_activation": "assumed"}
    assert assumed.assumed == {"nonlinearity": "tanh", "output_activation": "identity"}
    given = open_any(
        files["plain.npz"], ReadOptions(activations={"nonlinearity": "relu", "output_activation": "softmax"})
    )
    assert given.weights is not None
    assert (given.weights.network.nonlinearity, given.weights.network.output_activation) == ("relu", "softmax")
    assert given.weights.assumed == {}


def test_an_override_against_the_files_metadata_is_a_conflict(files) -> None:
    with pytest.raises(ActivationConflict, match="stores the RNN activation 'sigmoid'") as raised:
        read_weights(files["stored.npz"], {"nonlinearity": "relu"})
    assert (raised.value.setting, raised.value.stored, raised.value.requested) == ("nonlinearity", "sigmoid", "relu")
    same = read_weights(files["stored.npz"], {"nonlinearity": "sigmoid"})
    assert same.sources["nonlinearity"] == "file"


def test_an_override_that_does_not_apply_changes_nothing(tmp_path: Path) -> None:
    save_weights(Network.random("lstm", 1, 3, seed=0), tmp_path / "lstm.npz")
    loaded = read_weights(tmp_path / "lstm.npz", {"nonlinearity": "relu", "output_activation": "tanh"})
    assert loaded.network.nonlinearity == "tanh" and not loaded.network.has_output
    assert dict(loaded.sources) == {}
