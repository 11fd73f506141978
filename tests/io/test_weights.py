"""Weight files without torch: .npz and .safetensors round trips, shape inference, and every kind of bad file."""

from __future__ import annotations

import json
import struct
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz.engine.network import Network
from lstmviz.io.errors import WeightsError
from lstmviz.io.weights import WEIGHT_SUFFIXES, inspect_weights, load_weights, read_weights, save_weights

GATES = {"lstm": 4, "gru": 3, "rnn": 1}


def _state_dict(cell: str, d: int, h: int, layers: int, prefix: str = "", bias: bool = True, seed: int = 0):
    """A hand-made state_dict with PyTorch's names and shapes (independent of the engine's own shape table)."""
    rng = np.random.default_rng(seed)
    g = GATES[cell]
    out: dict[str, np.ndarray] = {}
    for k in range(layers):
        out[f"{prefix}weight_ih_l{k}"] = rng.standard_normal((g * h, d if k == 0 else h))
        out[f"{prefix}weight_hh_l{k}"] = rng.standard_normal((g * h, h))
        if bias:
            out[f"{prefix}bias_ih_l{k}"] = rng.standard_normal(g * h)
            out[f"{prefix}bias_hh_l{k}"] = rng.standard_normal(g * h)
    return out


def _assert_same_network(a: Network, b: Network) -> None:
    assert (a.cell, a.input_size, a.hidden_size, a.num_layers, a.bias) == (
        b.cell,
        b.input_size,
        b.hidden_size,
        b.num_layers,
        b.bias,
    )
    assert (a.nonlinearity, a.output_activation) == (b.nonlinearity, b.output_activation)
    assert set(a.params) == set(b.params)
    for key in a.params:
        assert a.params[key].dtype == b.params[key].dtype, key
        np.testing.assert_array_equal(a.params[key], b.params[key], err_msg=key)


# --- round trips ------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
@pytest.mark.parametrize(
    "cell, layers, bias, output, nonlinearity, dtype",
    [
        ("lstm", 1, True, None, "tanh", np.float64),
        ("lstm", 2, True, 3, "tanh", np.float32),
        ("gru", 3, False, 2, "tanh", np.float64),
        ("rnn", 2, True, 1, "relu", np.float64),
        ("rnn", 1, True, None, "sigmoid", np.float32),
    ],
)
def test_round_trip_is_exact(tmp_path: Path, suffix, cell, layers, bias, output, nonlinearity, dtype) -> None:
    network = Network.random(
        cell,
        3,
        5,
        layers,
        seed=1,
        bias=bias,
        output_size=output,
        nonlinearity=nonlinearity,
        output_activation="softmax" if output else "identity",
        dtype=dtype,
    )
    path = tmp_path / f"net{suffix}"
    save_weights(network, path)
    _assert_same_network(load_weights(path), network)
    assert [p.name for p in tmp_path.iterdir()] == [path.name]


def test_saved_npz_is_plain_numbers_and_json(tmp_path: Path) -> None:
    network = Network.random("rnn", 2, 4, seed=0, nonlinearity="relu")
    save_weights(network, tmp_path / "n.npz")
    with np.load(tmp_path / "n.npz", allow_pickle=False) as data:
        meta = json.loads(str(data["__lstmviz__"][()]))
        np.testing.assert_array_equal(data["weight_hh_l0"], network.params["weight_hh_l0"])
    assert meta["cell"] == "rnn" and meta["nonlinearity"] == "relu"


def test_safetensors_package_reads_our_files(tmp_path: Path) -> None:
    st = pytest.importorskip("safetensors.numpy")
    from safetensors import safe_open

    network = Network.random("lstm", 2, 6, 2, seed=3, output_size=1)
    save_weights(network, tmp_path / "n.safetensors")
    loaded = st.load_file(str(tmp_path / "n.safetensors"))
    assert set(loaded) == set(network.params)
    for key, value in network.params.items():
        np.testing.assert_array_equal(loaded[key], value)
    with safe_open(str(tmp_path / "n.safetensors"), framework="numpy") as handle:
        assert handle.metadata()["cell"] == "lstm"


@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.float16])
def test_we_read_safetensors_package_files(tmp_path: Path, dtype) -> None:
    st = pytest.importorskip("safetensors.numpy")
    tensors = {k: v.astype(dtype) for k, v in _state_dict("gru", 2, 3, 2, prefix="model.rnn.").items()}
    tensors["model.head.weight"] = np.ones((4, 3), dtype)
    tensors["model.head.bias"] = np.arange(4, dtype=dtype)
    st.save_file(tensors, str(tmp_path / "pkg.safetensors"), metadata={"format": "pt"})
    network = load_weights(tmp_path / "pkg.safetensors")
    assert (network.cell, network.input_size, network.hidden_size, network.num_layers) == ("gru", 2, 3, 2)
    expected = tensors["model.rnn.weight_hh_l1"].astype(network.dtype)
    np.testing.assert_array_equal(network.params["weight_hh_l1"], expected)
    np.testing.assert_array_equal(network.params["fc.bias"], np.arange(4))


# --- inference from names and shapes ----------------------------------------------------------------------------------
@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
@pytest.mark.parametrize("prefix", ["", "lstm.", "rnn.", "model.encoder.lstm.", "module.rnn."])
def test_cell_sizes_layers_from_shapes(tmp_path: Path, cell: str, prefix: str) -> None:
    tensors = _state_dict(cell, 5, 7, 2, prefix=prefix)
    np.savez(tmp_path / "w.npz", **tensors)
    network = load_weights(tmp_path / "w.npz")
    assert (network.cell, network.input_size, network.hidden_size, network.num_layers) == (cell, 5, 7, 2)
    assert network.nonlinearity == "tanh" and not network.has_output
    for key, value in tensors.items():
        np.testing.assert_array_equal(network.params[key[len(prefix) :]], value)


def test_lstmcell_names_without_layer_suffix(tmp_path: Path) -> None:
    tensors = {k.replace("_l0", ""): v for k, v in _state_dict("lstm", 2, 3, 1, prefix="cell.").items()}
    np.savez(tmp_path / "cell.npz", **tensors)
    assert load_weights(tmp_path / "cell.npz").hidden_size == 3


def test_any_linear_with_h_columns_becomes_output(tmp_path: Path) -> None:
    tensors = _state_dict("lstm", 1, 4, 1, prefix="lstm.")
    tensors["decoder.weight"] = np.full((2, 4), 0.5)
    tensors["decoder.bias"] = np.array([1.0, -1.0])
    tensors["embedding.weight"] = np.zeros((10, 1))  # not H columns: ignored
    np.savez(tmp_path / "w.npz", **tensors)
    loaded = read_weights(tmp_path / "w.npz")
    np.testing.assert_array_equal(loaded.network.params["fc.weight"], tensors["decoder.weight"])
    np.testing.assert_array_equal(loaded.network.params["fc.bias"], [1.0, -1.0])
    assert loaded.ignored == ("embedding.weight",)


def test_linear_without_bias_gets_zero_bias(tmp_path: Path) -> None:
    tensors = _state_dict("gru", 1, 4, 1)
    tensors["fc.weight"] = np.ones((3, 4))
    np.savez(tmp_path / "w.npz", **tensors)
    np.testing.assert_array_equal(load_weights(tmp_path / "w.npz").params["fc.bias"], np.zeros(3))


def test_fc_wins_over_other_candidates(tmp_path: Path) -> None:
    tensors = _state_dict("rnn", 1, 4, 1)
    tensors["proj.weight"] = np.ones((4, 4))
    tensors["fc.weight"], tensors["fc.bias"] = np.ones((2, 4)), np.zeros(2)
    np.savez(tmp_path / "w.npz", **tensors)
    assert load_weights(tmp_path / "w.npz").output_size == 2


def test_inspect_weights_reports_shapes_and_ranges(tmp_path: Path) -> None:
    tensors = _state_dict("lstm", 2, 3, 1)
    tensors["fc.weight"], tensors["fc.bias"] = np.ones((1, 3)), np.zeros(1)
    np.savez(tmp_path / "w.npz", **tensors)
    info = inspect_weights(tmp_path / "w.npz")
    assert (info["cell"], info["input_size"], info["hidden_size"], info["num_layers"], info["output_size"]) == (
        "lstm",
        2,
        3,
        1,
        1,
    )
    assert info["parameters"]["weight_ih_l0"] == (12, 2)
    w = tensors["weight_hh_l0"]
    assert info["ranges"]["weight_hh_l0"] == (w.min(), w.max())


# --- bad files --------------------------------------------------------------------------------------------------------
def _npz(tmp_path: Path, tensors: dict, name: str = "bad.npz") -> Path:
    np.savez(tmp_path / name, **tensors)
    return tmp_path / name


def _without(tensors: dict, key: str) -> dict:
    return {k: v for k, v in tensors.items() if k != key}


def _with(tensors: dict, **changes) -> dict:
    out = dict(tensors)
    out.update({k.replace("__", "."): v for k, v in changes.items()})
    return out


BASE = _state_dict("lstm", 2, 3, 2, prefix="lstm.")
NAN = BASE["lstm.weight_hh_l1"].copy()
NAN[1, 2] = np.nan


@pytest.mark.parametrize(
    "tensors, message",
    [
        (_without(BASE, "lstm.weight_hh_l1"), "missing key lstm.weight_hh_l1"),
        (_without(BASE, "lstm.bias_ih_l0"), "missing key lstm.bias_ih_l0"),
        (_without(_without(BASE, "lstm.weight_ih_l0"), "lstm.weight_hh_l0"), "missing key lstm.weight_ih_l0"),
        (
            _with(BASE, lstm__weight_ih_l1=np.zeros((12, 4))),
            r"lstm.weight_ih_l1 has shape \(12, 4\), expected \(12, 3\)",
        ),
        (_with(BASE, lstm__weight_hh_l0=np.zeros((10, 3))), r"lstm.weight_hh_l0 has shape \(10, 3\)"),
        (_with(BASE, lstm__bias_hh_l0=np.zeros(11)), "lstm.bias_hh_l0 has shape"),
        (_with(BASE, lstm__weight_hh_l1=NAN), "lstm.weight_hh_l1 contains NaN"),
        (_with(BASE, lstm__bias_ih_l0=np.full(12, np.inf)), "lstm.bias_ih_l0 contains NaN or infinite"),
        ({"weight": np.ones((2, 2)), "bias": np.ones(2)}, "not a recurrent-network weight file"),
        (
            {**BASE, **_state_dict("gru", 2, 3, 1, prefix="decoder.gru.")},
            "more than one recurrent module.*'decoder.gru'.*'lstm'.*Open Encoder-Decoder",
        ),
        ({**BASE, "lstm.weight_ih_l0_reverse": np.zeros((12, 2))}, "bidirectional"),
        ({**BASE, "lstm.weight_hr_l0": np.zeros((2, 3))}, "projection"),
        (_with(BASE, lstm__weight_hh_l0=np.array(["a", "b"])), "lstm.weight_hh_l0"),
        ({**BASE, "a.weight": np.ones((2, 3)), "b.weight": np.ones((2, 3))}, "several layers"),
        ({**BASE, "__lstmviz__": np.array('{"cell": "gru"}')}, "metadata says GRU"),
        ({**BASE, "__lstmviz__": np.array('{"nonlinearity": "swish"}')}, "nonlinearity 'swish'"),
        ({**BASE, "__lstmviz__": np.array("not json")}, "not valid JSON"),
    ],
    ids=lambda v: v if isinstance(v, str) else None,
)
def test_bad_npz_is_refused_with_one_sentence(tmp_path: Path, tensors: dict, message: str) -> None:
    path = _npz(tmp_path, tensors)
    with pytest.raises(WeightsError, match=message) as info:
        load_weights(path)
    assert str(info.value).startswith(str(path) + ":")
    assert "\n" not in str(info.value)


def test_pickled_npz_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    np.savez(tmp_path / "evil.npz", **BASE, extra=np.array([Payload()], dtype=object))
    with pytest.raises(WeightsError, match="objects"):
        load_weights(tmp_path / "evil.npz")
    assert not marker.exists()


@pytest.mark.parametrize("suffix", [".npz", ".safetensors", ".pt"])
def test_not_a_weight_file_at_all(tmp_path: Path, suffix: str) -> None:
    path = tmp_path / f"notes{suffix}"
    path.write_text("these are my lecture notes, not weights\n" * 3)
    with pytest.raises(WeightsError, match=r"notes"):
        load_weights(path)


def test_unknown_suffix_and_missing_file(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match="unknown weight file type '.h5'"):
        load_weights(tmp_path / "model.h5")
    with pytest.raises(WeightsError, match="no such file"):
        load_weights(tmp_path / "absent.npz")
    with pytest.raises(WeightsError, match="empty"):
        (tmp_path / "empty.safetensors").write_bytes(b"")
        load_weights(tmp_path / "empty.safetensors")
    assert set(WEIGHT_SUFFIXES) >= {".npz", ".safetensors", ".pt", ".pth"}


def test_over_size_limit(tmp_path: Path, small_file_limit: int) -> None:
    path = _npz(tmp_path, _state_dict("lstm", 2, 8, 1))
    with pytest.raises(WeightsError, match="over the 1.0 KB limit"):
        load_weights(path)


def test_cannot_save_other_formats(tmp_path: Path) -> None:
    with pytest.raises(WeightsError, match=".pt"):
        save_weights(Network.random("rnn", 1, 2), tmp_path / "w.pt")


# --- corrupt safetensors ----------------------------------------------------------------------------------------------
def _safetensors_bytes(header: dict, data: bytes, length: int | None = None) -> bytes:
    text = json.dumps(header).encode()
    return struct.pack("<Q", len(text) if length is None else length) + text + data


GOOD_ENTRY = {"dtype": "F64", "shape": [3, 1], "data_offsets": [0, 24]}


def _one(dtype: str, shape: list, offsets: list) -> bytes:
    return _safetensors_bytes({"w": {"dtype": dtype, "shape": shape, "data_offsets": offsets}}, bytes(24))


@pytest.mark.parametrize(
    "content, message",
    [
        (b"\x01\x02", "too short"),
        (_safetensors_bytes({"weight_hh_l0": GOOD_ENTRY}, bytes(24), length=10**12), "claims 1,000,000,000,000 bytes"),
        (struct.pack("<Q", 5) + b"{nope" + bytes(8), "not valid JSON"),
        (struct.pack("<Q", 2) + b"[]", "not a JSON object"),
        (_one("F64", [3, 1], [0, 240]), "holds only 24"),
        (_one("F64", [4, 1], [0, 24]), "needs 32 bytes"),
        (_one("C64", [3], [0, 24]), "'C64'"),
        (_one("F64", [-3], [0, 24]), "invalid shape"),
        (_safetensors_bytes({"w": {"dtype": "F64", "shape": [3]}}, bytes(24)), "not a tensor description"),
        (
            _safetensors_bytes(
                {
                    "a": {"dtype": "F64", "shape": [3], "data_offsets": [0, 24]},
                    "b": {"dtype": "F64", "shape": [2], "data_offsets": [8, 24]},
                },
                bytes(24),
            ),
            "overlap",
        ),
        (_safetensors_bytes({"__metadata__": {"cell": 4}, "w": GOOD_ENTRY}, bytes(24)), "__metadata__"),
    ],
)
def test_corrupt_safetensors_is_refused(tmp_path: Path, content: bytes, message: str) -> None:
    path = tmp_path / "bad.safetensors"
    path.write_bytes(content)
    with pytest.raises(WeightsError, match=message) as info:
        load_weights(path)
    assert str(info.value).startswith(str(path) + ":")


def _packed(tensors: dict[str, np.ndarray]) -> bytes:
    """A safetensors file by hand (little-endian, spans in order), independent of the writer under test."""
    codes = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("i1"): "I8", np.dtype("<u2"): "BF16"}
    header, blobs, offset = {}, [], 0
    for key, array in tensors.items():
        blob = array.tobytes()
        header[key] = {
            "dtype": codes[array.dtype],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    return _safetensors_bytes(header, b"".join(blobs))


def test_tensors_are_read_from_their_own_offsets_only_when_used(tmp_path: Path) -> None:
    from lstmviz.io.safetensors_format import stored_safetensors
    from lstmviz.io.stored_tensor import StoredTensor

    state = _state_dict("gru", 2, 3, 1)
    path = tmp_path / "w.safetensors"
    path.write_bytes(_packed({**state, "optimizer.momentum": np.arange(10.0)}))
    stored, metadata = stored_safetensors(path)
    assert metadata == {} and all(isinstance(t, StoredTensor) for t in stored.values())
    assert stored["weight_ih_l0"].shape == (9, 2) and stored["optimizer.momentum"].dtype == np.float64
    np.testing.assert_array_equal(stored["optimizer.momentum"].read(), np.arange(10.0))
    for key in state:
        np.testing.assert_array_equal(stored[key].read(), state[key])
    # the unused tensor is never read: its bytes may be anything, even missing from a file that changed later
    loaded = read_weights(path)
    assert loaded.ignored == ("optimizer.momentum",)
    np.testing.assert_array_equal(loaded.network.params["weight_hh_l0"], state["weight_hh_l0"])


def test_an_npz_member_the_network_does_not_keep_is_never_inflated(tmp_path: Path) -> None:
    """Its deflate stream is broken in the middle: reading it would be refused, so it loads only if left unread."""
    import zipfile

    state = _state_dict("lstm", 2, 3, 1)
    path = tmp_path / "w.npz"
    np.savez_compressed(path, **state, **{"optimizer.state": np.random.default_rng(0).standard_normal(5000)})
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo("optimizer.state.npy")
    start = info.header_offset + 30 + len(info.filename) + len(info.extra)
    data[start + info.compress_size // 2 : start + info.compress_size // 2 + 64] = bytes(64)
    path.write_bytes(bytes(data))
    with pytest.raises(WeightsError, match=r"w\.npz: member 'optimizer\.state' is corrupt"):
        from lstmviz.io.weights import read_state_dict

        read_state_dict(path)  # the whole state_dict, as seq2seq reads it: every member inflated
    loaded = read_weights(path)
    assert loaded.ignored == ("optimizer.state",)
    np.testing.assert_array_equal(loaded.network.params["weight_ih_l0"], state["weight_ih_l0"])


def test_a_file_that_changes_between_header_and_values_is_refused(tmp_path: Path) -> None:
    from lstmviz.io.safetensors_format import stored_safetensors

    path = tmp_path / "w.safetensors"
    path.write_bytes(_packed({"w": np.arange(4.0)}))
    stored, _ = stored_safetensors(path)
    path.write_bytes(path.read_bytes()[:-8])
    with pytest.raises(WeightsError, match=r"w\.safetensors: the file changed while it was read"):
        stored["w"].read()


def test_integer_parameter_too_big_as_float64_is_refused_before_reading(tmp_path: Path, small_file_limit) -> None:
    """800 int8 values fit a 1 KiB file, but the network would keep them as 6.2 KB of float64."""
    path = tmp_path / "int8.safetensors"
    path.write_bytes(_packed({"weight_ih_l0": np.ones((4, 200), np.int8), "weight_hh_l0": np.ones((4, 1), np.int8)}))
    assert path.stat().st_size <= small_file_limit
    with pytest.raises(
        WeightsError,
        match=r"int8\.safetensors: parameter weight_ih_l0 of shape \(4, 200\) would take "
        r"6\.2 KB as float64, over the 1\.0 KB limit",
    ):
        read_weights(path)


# --- the shipped sample files -----------------------------------------------------------------------------------------
SAMPLES = Path(__file__).resolve().parents[2] / "resources" / "weights"


@pytest.mark.parametrize(
    "stem, cell, inputs, hidden",
    [
        ("sine_lstm_h8", "lstm", 1, 8),
        ("adding_lstm_h16", "lstm", 2, 16),
        ("echo_gru_h8", "gru", 1, 8),
        ("sine_rnn_h8", "rnn", 1, 8),
    ],
)
def test_sample_files_load_as_documented(stem: str, cell: str, inputs: int, hidden: int) -> None:
    path = SAMPLES / f"{stem}.npz"
    assert path.stat().st_size < 100_000
    network = load_weights(path)
    assert (network.cell, network.input_size, network.hidden_size, network.output_size) == (cell, inputs, hidden, 1)


def test_sample_sine_lstm_predicts_the_next_value_in_every_format() -> None:
    t = np.arange(80.0)
    wave = np.sin(0.3 * t + 1.0)
    networks = [load_weights(SAMPLES / "sine_lstm_h8.npz"), load_weights(SAMPLES / "sine_lstm_h8.safetensors")]
    for network in networks[1:]:
        _assert_same_network(network, networks[0])
    prediction = networks[0].run(wave[:-1])["y"][:, 0]
    assert np.sqrt(np.mean((prediction[10:] - wave[11:]) ** 2)) < 0.1


def test_sample_echo_gru_remembers_three_steps() -> None:
    x = np.random.default_rng(7).choice([-1.0, 1.0], 40)
    y = load_weights(SAMPLES / "echo_gru_h8.npz").run(x)["y"][:, 0]
    np.testing.assert_array_equal(np.sign(y[3:]), x[:-3])


def test_embedding_with_h_columns_is_not_taken_for_the_output(tmp_path: Path) -> None:
    """PyTorch's word_language_model: encoder = Embedding(V, H), decoder = Linear(H, V)."""
    tensors = _state_dict("lstm", 4, 4, 1, prefix="rnn.")
    tensors["encoder.weight"] = np.ones((10, 4))
    tensors["decoder.weight"], tensors["decoder.bias"] = np.full((10, 4), 2.0), np.zeros(10)
    loaded = read_weights(_npz(tmp_path, tensors, "lm.npz"))
    np.testing.assert_array_equal(loaded.network.params["fc.weight"], tensors["decoder.weight"])
    assert loaded.ignored == ("encoder.weight",)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.dictionaries(
        st.text(max_size=8),
        st.one_of(
            st.none(),
            st.integers(),
            st.text(max_size=5),
            st.fixed_dictionaries(
                {
                    "dtype": st.sampled_from(["F64", "F32", "BF16", "X"]),
                    "shape": st.lists(st.integers(-2, 4), max_size=3),
                    "data_offsets": st.lists(st.integers(-8, 64), min_size=0, max_size=3),
                }
            ),
        ),
        max_size=4,
    ),
    st.binary(max_size=64),
)
def test_fuzzed_safetensors_headers_only_raise_weights_error(tmp_path: Path, header: dict, data: bytes) -> None:
    path = tmp_path / "fuzz.safetensors"
    path.write_bytes(_safetensors_bytes(header, data))
    try:
        load_weights(path)
    except WeightsError as exc:
        assert str(exc).startswith(str(path))
