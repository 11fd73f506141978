"""Workspaces: exact round trips, atomic saves, and refusal of every kind of broken or hostile file."""

from __future__ import annotations

import io
import json
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.errors import WorkspaceError
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.workspace import Workspace, inspect_workspace, load_workspace, save_workspace


def _workspace(cell: str = "lstm", dtype=np.float64, **changes) -> Workspace:
    rng = np.random.default_rng(5)
    text = 'héllo, wörld 🙂\n"quoted"\ttab'
    vocabulary = tuple(dict.fromkeys(text))
    values = np.eye(len(vocabulary))[[vocabulary.index(c) for c in text]]
    sequence = SequenceData(
        values=values + rng.standard_normal(values.shape) * 1e-17,
        time=np.linspace(1990.0, 1990.0 + 0.1 * (len(text) - 1), len(text)) + np.pi * 1e-9,
        time_label="year",
        input_labels=vocabulary,
        source="/data/my text.txt",
        vocabulary=vocabulary,
        text=text,
        notices=("skipped column 'note'", "interpolated 2 values"),
    )
    network = Network.random(
        cell,
        len(vocabulary),
        6,
        2,
        seed=3,
        output_size=3,
        output_activation="softmax",
        nonlinearity="relu" if cell == "rnn" else "tanh",
        dtype=dtype,
    )
    fields = dict(
        network=network,
        sequence=sequence,
        step=7,
        layer=1,
        selected_units=(0, 4, 5),
        view_settings={"colormap": "viridis", "zoom": [0.5, 2.25], "panels": {"heatmap": True, "n": None}},
    )
    fields.update(changes)
    return Workspace(**fields)


def _assert_equal(a: Workspace, b: Workspace) -> None:
    na, nb = a.network, b.network
    for attr in ("cell", "input_size", "hidden_size", "num_layers", "nonlinearity", "bias", "output_activation"):
        assert getattr(na, attr) == getattr(nb, attr), attr
    assert list(na.params) == list(nb.params) or set(na.params) == set(nb.params)
    for key in na.params:
        assert na.params[key].dtype == nb.params[key].dtype
        assert na.params[key].tobytes() == nb.params[key].tobytes(), key
    sa, sb = a.sequence, b.sequence
    assert sa.values.tobytes() == sb.values.tobytes() and sa.values.shape == sb.values.shape
    assert (sa.time is None) == (sb.time is None)
    if sa.time is not None:
        assert sa.time.tobytes() == sb.time.tobytes()
    for attr in ("time_label", "input_labels", "source", "vocabulary", "text", "notices"):
        assert getattr(sa, attr) == getattr(sb, attr), attr
    assert (a.step, a.layer, a.selected_units, a.view_settings) == (b.step, b.layer, b.selected_units, b.view_settings)


@pytest.mark.parametrize("cell, dtype", [("lstm", np.float64), ("gru", np.float32), ("rnn", np.float64)])
def test_round_trip_is_exact(tmp_path: Path, cell: str, dtype) -> None:
    original = _workspace(cell, dtype)
    path = tmp_path / "session.lstmviz"
    save_workspace(original, path)
    _assert_equal(load_workspace(path), original)
    assert [p.name for p in tmp_path.iterdir()] == ["session.lstmviz"]


def test_round_trip_without_time_or_vocabulary(tmp_path: Path) -> None:
    network = Network.random("gru", 2, 3, bias=False)
    original = Workspace(network, SequenceData(np.arange(10.0).reshape(5, 2)))
    save_workspace(original, tmp_path / "w.lstmviz")
    loaded = load_workspace(tmp_path / "w.lstmviz")
    _assert_equal(loaded, original)
    assert loaded.sequence.time is None and loaded.sequence.vocabulary is None


def test_file_is_a_zip_of_json_and_plain_npz(tmp_path: Path) -> None:
    """Readable without lstmviz: the standard zip, json and numpy modules (no pickle anywhere)."""
    original = _workspace()
    save_workspace(original, tmp_path / "w.lstmviz")
    with zipfile.ZipFile(tmp_path / "w.lstmviz") as archive:
        assert sorted(archive.namelist()) == ["arrays.npz", "manifest.json"]
        manifest = json.loads(archive.read("manifest.json"))
        arrays = np.load(io.BytesIO(archive.read("arrays.npz")), allow_pickle=False)
        np.testing.assert_array_equal(arrays["param/weight_hh_l1"], original.network.params["weight_hh_l1"])
        np.testing.assert_array_equal(arrays["sequence/time"], original.sequence.time)
    assert manifest["network"]["cell"] == "lstm"
    assert manifest["sequence"]["text"] == original.sequence.text
    assert manifest["selection"] == {"step": 7, "layer": 1, "units": [0, 4, 5]}


def test_failed_save_keeps_previous_file(tmp_path: Path) -> None:
    path = tmp_path / "w.lstmviz"
    save_workspace(_workspace(), path)
    before = path.read_bytes()
    with pytest.raises(WorkspaceError, match="view settings"):
        save_workspace(_workspace(view_settings={"f": object()}), path)
    with pytest.raises(WorkspaceError, match="view settings"):
        save_workspace(_workspace(view_settings={"x": float("nan")}), path)
    assert path.read_bytes() == before
    assert [p.name for p in tmp_path.iterdir()] == ["w.lstmviz"]


def test_inspect(tmp_path: Path) -> None:
    save_workspace(_workspace(), tmp_path / "w.lstmviz")
    info = inspect_workspace(tmp_path / "w.lstmviz")
    assert info["cell"] == "lstm" and info["steps"] == len(_workspace().sequence.text)
    assert info["time_label"] == "year"


# --- hostile and broken files -----------------------------------------------------------------------------------------
def _rewrite(path: Path, *, manifest=None, arrays: dict | None = None, extra: dict | None = None) -> None:
    """Rebuild a saved workspace with a changed manifest or arrays (as a hand-edited or hostile file would be)."""
    with zipfile.ZipFile(path) as archive:
        members = {n: archive.read(n) for n in archive.namelist()}
    if manifest is not None:
        old = json.loads(members["manifest.json"])
        members["manifest.json"] = manifest(old) if callable(manifest) else manifest
        if isinstance(members["manifest.json"], dict):
            members["manifest.json"] = json.dumps(members["manifest.json"]).encode()
    if arrays is not None:
        packed = io.BytesIO()
        np.savez(packed, **arrays)
        members["arrays.npz"] = packed.getvalue()
    members.update(extra or {})
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)


def _arrays_of(path: Path) -> dict:
    with zipfile.ZipFile(path) as archive, np.load(io.BytesIO(archive.read("arrays.npz"))) as data:
        return {k: data[k] for k in data.files}


def _set(section: str, key: str, value):
    def change(manifest: dict) -> dict:
        manifest[section][key] = value
        return manifest

    return change


def _nan_weight(arrays: dict) -> dict:
    arrays["param/weight_hh_l0"] = arrays["param/weight_hh_l0"].copy()
    arrays["param/weight_hh_l0"][0, 0] = np.nan
    return arrays


def _object_array(arrays: dict) -> dict:
    arrays["sequence/values"] = np.array([None], dtype=object)
    return arrays


CASES = {
    "not json": (dict(manifest=b"{not json"), "not valid JSON"),
    "deep json": (dict(manifest=b"[" * 100_000 + b"]" * 100_000), "not valid JSON|nested"),
    "nan constant": (dict(manifest=lambda m: json.dumps(m).replace('"zoom": [0.5', '"zoom": [NaN').encode()), "JSON"),
    "other format": (dict(manifest=lambda m: {**m, "format": "something-else"}), "not an lstmviz workspace"),
    "newer version": (dict(manifest=lambda m: {**m, "format_version": 99}), "newer lstmviz"),
    "key twice": (
        dict(manifest=lambda m: json.dumps(m).replace('"selection": {', '"selection": {"step": 0, ', 1).encode()),
        "manifest.json names 'step' twice",
    ),
    "step as text": (dict(manifest=_set("selection", "step", "7")), "selection.step must be a whole number"),
    "step as bool": (dict(manifest=_set("selection", "layer", True)), "selection.layer must be a whole number"),
    "step too far": (dict(manifest=_set("selection", "step", 10**6)), "selected step 1000000 is outside"),
    "bad unit": (dict(manifest=_set("selection", "units", [0, 99])), "selected unit 99"),
    "labels wrong": (dict(manifest=_set("sequence", "input_labels", ["a"])), "names 1 input"),
    "label types": (dict(manifest=_set("sequence", "notices", [1, 2])), "list of text"),
    "wrong size": (dict(manifest=_set("network", "hidden_size", 7)), "do not match the manifest"),
    "wrong cell": (dict(manifest=_set("network", "cell", "gru")), "metadata says GRU"),
    "nan weight": (dict(arrays=_nan_weight), "weight_hh_l0 contains NaN"),
    "object array": (dict(arrays=_object_array), "objects"),
    "no values": (dict(arrays=lambda a: {k: v for k, v in a.items() if k != "sequence/values"}), "sequence values"),
}


@pytest.mark.parametrize("case", list(CASES))
def test_broken_workspace_is_refused(tmp_path: Path, case: str) -> None:
    path = tmp_path / "w.lstmviz"
    save_workspace(_workspace(), path)
    change, message = CASES[case]
    if "arrays" in change:
        change = {"arrays": change["arrays"](_arrays_of(path))}
    _rewrite(path, **change)
    with pytest.raises(WorkspaceError, match=message) as info:
        load_workspace(path)
    assert str(info.value).startswith(str(path) + ":")
    assert "\n" not in str(info.value)


def test_object_array_is_never_unpickled(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "w.lstmviz"
    save_workspace(_workspace(), path)
    arrays = _arrays_of(path)
    arrays["sequence/values"] = np.array([Payload()], dtype=object)
    _rewrite(path, arrays=arrays)
    with pytest.raises(WorkspaceError):
        load_workspace(path)
    assert not marker.exists()


def test_zip_bomb_member_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "bomb.lstmviz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("manifest.json", b"{}")
        with archive.open("arrays.npz", "w") as member:
            chunk = bytes(1 << 20)
            for _ in range(64):
                member.write(chunk)
    with pytest.raises(WorkspaceError, match="arrays.npz claims to unpack .* zip bomb"):
        load_workspace(path)


@pytest.mark.parametrize(
    "content, message",
    [
        (b"", "not an lstmviz workspace"),
        (b"PK\x03\x04garbage", "not an lstmviz workspace"),
        (b"hello world", "not an lstmviz workspace"),
    ],
)
def test_not_a_workspace(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "x.lstmviz"
    path.write_bytes(content)
    with pytest.raises(WorkspaceError, match=message):
        load_workspace(path)


def test_missing_member_and_size_limit(tmp_path: Path, small_file_limit: int) -> None:
    path = tmp_path / "half.lstmviz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("manifest.json", b"{}")
    with pytest.raises(WorkspaceError, match="no arrays.npz"):
        load_workspace(path)
    big = tmp_path / "big.lstmviz"
    big.write_bytes(bytes(4096))
    with pytest.raises(WorkspaceError, match="over the 1.0 KB limit"):
        load_workspace(big)


def test_lone_surrogates_in_the_manifest_are_replaced_and_said(tmp_path: Path) -> None:
    """``"\\ud800"`` is legal JSON but not text: a label holding one could not be printed (info failed with an
    internal error); it is read as U+FFFD, and the sequence's notices say so."""
    path = tmp_path / "w.lstmviz"
    sequence = SequenceData(values=np.arange(4.0).reshape(2, 2), input_labels=("a", "b"), source="s.csv")
    save_workspace(Workspace(network=Network.random("gru", 2, 3, seed=0), sequence=sequence), path)
    _rewrite(
        path, manifest=lambda m: json.dumps(m).replace('"input_labels": ["a"', '"input_labels": ["a\\ud800"').encode()
    )
    loaded = load_workspace(path)
    assert loaded.sequence.input_labels == ("a\ufffd", "b")
    assert loaded.sequence.notices[-1].startswith("the workspace's text held lone surrogates")
    "".join(loaded.sequence.input_labels).encode("utf-8")  # printable now
