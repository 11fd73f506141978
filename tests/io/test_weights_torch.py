"""Weight files made by PyTorch: loaded networks reproduce torch's own outputs; code-carrying files never run."""

from __future__ import annotations

import re
import sys
import warnings
import zipfile
from pathlib import Path

import numpy as np
import pytest

from lstmviz.io.errors import WeightsError
from lstmviz.io.weights import load_weights, read_weights

torch = pytest.importorskip("torch")
pytestmark = pytest.mark.torch


class Model(torch.nn.Module):
    """The usual shape of a user's model: a recurrent module and a Linear head under their own names."""

    def __init__(self, cell: str, d: int, h: int, layers: int, out: int, **kwargs) -> None:
        super().__init__()
        kind = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell]
        self.rnn = kind(d, h, layers, **kwargs)
        self.head = torch.nn.Linear(h, out)

    def forward(self, x):
        seq, _ = self.rnn(x)
        return seq, self.head(seq)


def _torch_outputs(model: Model, x: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    with torch.no_grad():
        seq, y = model(torch.from_numpy(x)[:, None, :])
    return seq[:, 0].numpy(), y[:, 0].numpy()


@pytest.mark.parametrize("fmt", ["pt", "safetensors", "checkpoint"])
@pytest.mark.parametrize("cell, kwargs", [("lstm", {}), ("gru", {}), ("rnn", {"nonlinearity": "relu"}), ("rnn", {})])
def test_loaded_torch_model_reproduces_torch(tmp_path: Path, fmt: str, cell: str, kwargs: dict) -> None:
    torch.manual_seed(0)
    model = Model(cell, 3, 5, 2, 2, **kwargs).double()
    state = model.state_dict()
    path = tmp_path / f"model.{'safetensors' if fmt == 'safetensors' else 'pt'}"
    if fmt == "safetensors":
        from safetensors.torch import save_file

        save_file(state, str(path), metadata={"nonlinearity": kwargs.get("nonlinearity", "tanh")})
    elif fmt == "checkpoint":
        torch.save({"epoch": 7, "model_state_dict": state, "note": "trained"}, path)
    else:
        torch.save(state, path)
    network = load_weights(path)
    if fmt != "safetensors" and kwargs:
        assert network.nonlinearity == "tanh"  # shapes cannot tell; the documented default
        network = network.replace(nonlinearity="relu")
    assert (network.cell, network.input_size, network.hidden_size, network.num_layers) == (cell, 3, 5, 2)
    x = np.random.default_rng(1).standard_normal((40, 3))
    h_torch, y_torch = _torch_outputs(model, x)
    trace = network.run(x)
    np.testing.assert_allclose(trace["h_l1"], h_torch, rtol=0, atol=1e-12)
    np.testing.assert_allclose(trace["y"], y_torch, rtol=0, atol=1e-12)
    with torch.no_grad():  # every layer's final state, and the LSTM's cell state, from torch's (h_n, c_n)
        _, state = model.rnn(torch.from_numpy(x)[:, None, :])
    h_n, c_n = state if cell == "lstm" else (state, None)
    for layer in range(2):
        np.testing.assert_allclose(trace[f"h_l{layer}"][-1], h_n[layer, 0].numpy(), rtol=0, atol=1e-12)
        if c_n is not None:
            np.testing.assert_allclose(trace[f"c_l{layer}"][-1], c_n[layer, 0].numpy(), rtol=0, atol=1e-12)


def test_float32_and_bfloat16_files(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    torch.manual_seed(2)
    model = Model("lstm", 2, 4, 1, 1)
    save_file(model.state_dict(), str(tmp_path / "f32.safetensors"))
    save_file({k: v.bfloat16() for k, v in model.state_dict().items()}, str(tmp_path / "bf16.safetensors"))
    x = np.random.default_rng(0).standard_normal((20, 2)).astype(np.float32)
    h_torch, _ = _torch_outputs(model, x)
    network = load_weights(tmp_path / "f32.safetensors")
    assert network.dtype == np.float32
    np.testing.assert_allclose(network.run(x)["h_l0"], h_torch, atol=1e-5)
    bf16 = load_weights(tmp_path / "bf16.safetensors")
    expected = model.rnn.weight_hh_l0.detach().bfloat16().float().numpy()
    np.testing.assert_array_equal(bf16.params["weight_hh_l0"], expected)


def test_torch_file_carrying_code_is_refused_and_never_runs(tmp_path: Path) -> None:
    marker = tmp_path / "payload_ran"

    class Payload:
        def __reduce__(self):
            return (Path.touch, (marker,))

    path = tmp_path / "evil.pt"
    torch.save({"weight_ih_l0": torch.zeros(4, 1), "weight_hh_l0": torch.zeros(4, 1), "x": Payload()}, path)
    assert not marker.exists()
    with pytest.raises(WeightsError, match=r"evil\.pt: the file holds Python objects or code"):
        load_weights(path)
    assert not marker.exists()


def test_whole_module_pickle_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "module.pth"
    torch.save(Model("gru", 1, 2, 1, 1), path)
    with pytest.raises(WeightsError, match="Python objects or code"):
        load_weights(path)


def test_a_pickled_torch_layer_is_named_as_a_whole_model(tmp_path: Path) -> None:
    """torch.save(nn.LSTM(...)) refers to torch's own classes (and, at protocol 2, to __builtin__.set): the
    sentence names the layer, not the set, and says what to save instead."""
    path = tmp_path / "lstm.pt"
    torch.save(torch.nn.LSTM(2, 3), path)
    with pytest.raises(WeightsError, match=r"lstm\.pt: holds a whole pickled model \(torch\.nn\.modules\.rnn\.LSTM\)"):
        load_weights(path)


def test_a_torchscript_archive_is_refused_as_a_program(tmp_path: Path) -> None:
    path = tmp_path / "scripted.pt"
    with warnings.catch_warnings():  # torch.jit.script is deprecated, when made
        warnings.simplefilter("ignore")
        torch.jit.save(torch.jit.script(torch.nn.Linear(2, 2)), str(path))
    with pytest.raises(WeightsError, match=r"scripted\.pt: is a TorchScript archive \(torch\.jit\.save\)"):
        load_weights(path)


def test_torch_file_without_tensors(tmp_path: Path) -> None:
    path = tmp_path / "config.pt"
    torch.save({"lr": 0.1, "epochs": 3}, path)
    with pytest.raises(WeightsError, match="no state_dict"):
        load_weights(path)


def test_without_torch_the_message_says_what_to_do(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.pt"
    torch.save(Model("rnn", 1, 2, 1, 1).state_dict(), path)
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` now raises ImportError
    with pytest.raises(WeightsError, match=r"model\.pt: reading \.pt/\.pth files needs PyTorch.*\.safetensors"):
        load_weights(path)


def test_sample_pt_matches_its_npz() -> None:
    samples = Path(__file__).resolve().parents[2] / "resources" / "weights"
    from_pt = load_weights(samples / "sine_lstm_h8.pt")
    from_npz = load_weights(samples / "sine_lstm_h8.npz")
    assert set(from_pt.params) == set(from_npz.params)
    for key in from_pt.params:
        np.testing.assert_array_equal(from_pt.params[key], from_npz.params[key])


def test_code_is_refused_by_the_scan_even_without_torch(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The opcode scan names the culprit and needs no torch; protocol 4's STACK_GLOBAL is read too."""
    import os
    import pickle

    marker = tmp_path / "payload_ran"

    class Payload:
        def __reduce__(self):
            return (os.system, (f"touch {marker}",))

    torch.save({"w": torch.zeros(1), "x": Payload()}, tmp_path / "evil.pt")
    with zipfile.ZipFile(tmp_path / "evil4.pt", "w") as archive:
        archive.writestr("archive/data.pkl", pickle.dumps({"x": Payload()}, protocol=4))
    monkeypatch.setitem(sys.modules, "torch", None)  # `import torch` fails: only the scan can refuse
    for path in (tmp_path / "evil.pt", tmp_path / "evil4.pt"):
        expected = rf"{path.name}: the file holds Python objects or code.*would run (posix|os|nt)\.system"
        with pytest.raises(WeightsError, match=expected):
            load_weights(path)
    assert not marker.exists()


# --- what torch.load is asked, and the tensors lstmviz cannot draw ----------------------------------------------------
def test_torch_load_is_always_restricted_and_mapped(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "model.pt"
    torch.save(Model("gru", 2, 3, 1, 1).state_dict(), path)
    calls: list[dict] = []
    real_load = torch.load

    def spy(*args, **kwargs):
        calls.append(kwargs)
        return real_load(*args, **kwargs)

    monkeypatch.setattr(torch, "load", spy)
    assert load_weights(path).cell == "gru"
    assert [(c["weights_only"], c["mmap"], c["map_location"]) for c in calls] == [(True, True, "cpu")]


def _save(path: Path, value) -> Path:
    state = {"weight_ih_l0": torch.zeros(4, 2), "weight_hh_l0": torch.zeros(4, 1), "fc.weight": value}
    torch.save(state, path)
    return path


UNDRAWABLE = {
    "float4": (
        lambda: torch.zeros(1, 1, dtype=torch.uint8).view(torch.float4_e2m1fn_x2),
        r"fc\.weight holds float4_e2m1fn_x2 values, which lstmviz does not read; save it as float32",
    ),
    "complex": (lambda: torch.zeros(1, 1, dtype=torch.complex64), r"fc\.weight holds complex numbers \(complex64\)"),
    "meta": (lambda: torch.zeros(1, 1, device="meta"), r"fc\.weight is a meta tensor: it holds no values"),
    "not a tensor": (lambda: [1.0, 2.0], r"the state_dict entry fc\.weight is a list, not a tensor"),
}


@pytest.mark.parametrize("kind", list(UNDRAWABLE))
def test_tensors_lstmviz_cannot_draw_are_refused_by_name(tmp_path: Path, kind: str) -> None:
    make, message = UNDRAWABLE[kind]
    with warnings.catch_warnings():  # torch warns that sparse CSR and quantized tensors are beta, when made
        warnings.simplefilter("ignore")
        path = _save(tmp_path / "odd.pt", make())
    with pytest.raises(WeightsError, match=rf"^{re.escape(str(path))}: {message}") as info:
        load_weights(path)  # filterwarnings=error: any warning torch lets out while loading fails the test
    assert "\n" not in str(info.value) and len(str(info.value)) - len(str(path)) <= 300


def test_half_precision_tensors_are_widened_to_float32(tmp_path: Path) -> None:
    torch.manual_seed(3)
    model = Model("lstm", 2, 3, 1, 1)
    for dtype in (torch.float16, torch.bfloat16):
        path = tmp_path / f"{dtype}.pt"
        torch.save({k: v.to(dtype) for k, v in model.state_dict().items()}, path)
        network = load_weights(path)
        assert network.dtype == np.float32
        expected = model.rnn.weight_hh_l0.detach().to(dtype).float().numpy()
        np.testing.assert_array_equal(network.params["weight_hh_l0"], expected)


def _quantized(tensor):
    return torch.quantize_per_tensor(tensor, 0.05, 3, torch.qint8)


def _per_channel(tensor):
    rows = tensor.shape[0]
    return torch.quantize_per_channel(tensor, torch.linspace(0.01, 0.1, rows), torch.arange(rows) % 5, 0, torch.quint8)


CONVERTED = {
    "float8_e4m3fn": (lambda t: t.to(torch.float8_e4m3fn), lambda t: t.float(), "float8_e4m3fn, widened to float32"),
    "float8_e5m2": (lambda t: t.to(torch.float8_e5m2), lambda t: t.float(), "float8_e5m2, widened to float32"),
    "float8_e4m3fnuz": (lambda t: t.to(torch.float8_e4m3fnuz), lambda t: t.float(), "float8_e4m3fnuz, widened"),
    "bfloat16": (lambda t: t.to(torch.bfloat16), lambda t: t.float(), "bfloat16, widened to float32"),
    "qint8": (_quantized, lambda t: t.dequantize(), "quantized qint8, dequantized to float32"),
    "per-channel quint8": (_per_channel, lambda t: t.dequantize(), "quantized quint8, dequantized to float32"),
    "coo": (lambda t: t.to_sparse(), lambda t: t.to_dense(), "sparse (COO) float32, made dense"),
    "csr": (lambda t: t.to_sparse_csr(), lambda t: t.to_dense(), "sparse (CSR) float32, made dense"),
    "csc": (lambda t: t.to_sparse_csc(), lambda t: t.to_dense(), "sparse (CSC) float32, made dense"),
    "sparse float16": (lambda t: t.half().to_sparse(), lambda t: t.to_dense().float(), "sparse (COO) float16, widened"),
}


@pytest.mark.parametrize("kind", list(CONVERTED))
def test_real_numbers_in_another_form_are_converted_with_a_notice(tmp_path: Path, kind: str) -> None:
    """float8, quantized and sparse weights hold real numbers: they load as torch itself converts them, and the
    loader says which parameter it converted from what (the recurrent weight and the output layer alike)."""
    make, convert, notice = CONVERTED[kind]
    torch.manual_seed(5)
    model = Model("lstm", 2, 3, 1, 1)
    state = {"rnn." + k: v for k, v in model.rnn.state_dict().items()} | {
        "head." + k: v for k, v in model.head.state_dict().items()
    }
    with warnings.catch_warnings():  # torch warns that quantized and sparse CSR tensors are beta, when made
        warnings.simplefilter("ignore")
        stored = {k: make(v) if k in ("rnn.weight_ih_l0", "head.weight") else v for k, v in state.items()}
        expected = {k: convert(stored[k]).numpy() for k in ("rnn.weight_ih_l0", "head.weight")}
    path = tmp_path / f"{kind}.pt"
    torch.save(stored, path)
    loaded = read_weights(path)  # filterwarnings=error: a warning torch lets out while converting fails the test
    np.testing.assert_array_equal(loaded.network.params["weight_ih_l0"], expected["rnn.weight_ih_l0"])
    np.testing.assert_array_equal(loaded.network.params["fc.weight"], expected["head.weight"])
    np.testing.assert_array_equal(loaded.network.params["weight_hh_l0"], state["rnn.weight_hh_l0"].numpy())
    assert set(loaded.converted) == {"rnn.weight_ih_l0", "head.weight"}
    assert all(n.startswith(("rnn.weight_ih_l0 was ", "head.weight was ")) and notice in n for n in loaded.notices)
    assert not np.array_equal(expected["rnn.weight_ih_l0"], state["rnn.weight_ih_l0"].numpy()) or "sparse" in notice


def test_a_sparse_tensor_too_big_when_dense_is_refused_naming_its_size_only_if_used(tmp_path: Path) -> None:
    """A few stored values can stand for a huge dense matrix: its dense size is checked before it is made."""
    big = torch.sparse_coo_tensor(  # 4.5 GiB dense: a GRU's input weight (3H x D) with H = 3, D = 2**27
        torch.tensor([[0], [0]]), torch.ones(1), (9, 1 << 27), check_invariants=True
    )
    state = Model("gru", 2, 3, 1, 1).rnn.state_dict()
    path = tmp_path / "unused.pt"
    torch.save({**state, "embedding.weight": big}, path)
    assert read_weights(path).ignored == ("embedding.weight",)  # unused: never made dense
    torch.save({**state, "weight_ih_l0": big}, path)
    with pytest.raises(WeightsError, match=r"parameter weight_ih_l0 of shape \(9, 134217728\) would take 4\.5 GB"):
        read_weights(path)


@pytest.mark.parametrize("layout", ["coo", "csr"])
def test_sparse_indices_outside_the_shape_are_refused_before_anything_is_written(tmp_path: Path, layout: str) -> None:
    """torch checks a loaded sparse tensor's indices only when asked: unchecked, making it dense writes wherever
    the file's indices point (outside the array)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if layout == "coo":
            bad = torch.sparse_coo_tensor(
                torch.tensor([[0, 10**9], [0, 1]]), torch.ones(2), (12, 2), check_invariants=False
            )
        else:
            crow = torch.tensor([0, 1, 2] + [2] * 10)
            bad = torch.sparse_csr_tensor(
                crow, torch.tensor([0, 5_000_000]), torch.ones(2), (12, 2), check_invariants=False
            )
    state = {k: v for k, v in Model("lstm", 2, 3, 1, 1).rnn.state_dict().items()}
    path = tmp_path / f"{layout}.pt"
    torch.save({**state, "weight_ih_l0": bad}, path)
    with pytest.raises(
        WeightsError, match=rf"^{re.escape(str(path))}: is not a readable PyTorch file \(.*(index|indices)"
    ):
        read_weights(path)


def test_a_compressed_record_is_refused_not_mapped_as_garbage(tmp_path: Path) -> None:
    """torch.load(mmap=True) maps a deflated record's compressed bytes as if they were the numbers: refuse it."""
    plain = tmp_path / "plain.pt"
    torch.save(Model("rnn", 1, 2, 1, 1).state_dict(), plain)
    packed = tmp_path / "packed.pt"
    with zipfile.ZipFile(plain) as source, zipfile.ZipFile(packed, "w", zipfile.ZIP_DEFLATED) as target:
        for info in source.infolist():
            target.writestr(info.filename, source.read(info))
    with pytest.raises(
        WeightsError,
        match=r"packed\.pt: record '.*' is compressed, but torch\.save stores every "
        r"record as it is",
    ):
        load_weights(packed)


def test_the_legacy_format_is_refused_with_what_to_do(tmp_path: Path) -> None:
    path = tmp_path / "old.pt"
    torch.save(Model("rnn", 1, 2, 1, 1).state_dict(), path, _use_new_zipfile_serialization=False)
    with pytest.raises(
        WeightsError,
        match=r"old\.pt: is not a PyTorch zip archive \(torch's legacy format.*re-save "
        r"it with torch\.save in PyTorch 1\.6 or later, or convert it to \.safetensors",
    ):
        load_weights(path)


def test_only_the_tensors_the_network_keeps_are_converted(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "checkpoint.pt"
    state = Model("gru", 2, 3, 1, 1).state_dict()
    torch.save({**state, "optimizer.exp_avg": torch.ones(1000)}, path)
    converted: list[tuple[int, ...]] = []
    real_numpy = torch.Tensor.numpy

    def spy(self, *args, **kwargs):
        converted.append(tuple(self.shape))
        return real_numpy(self, *args, **kwargs)

    monkeypatch.setattr(torch.Tensor, "numpy", spy)
    loaded = read_weights(path)
    assert loaded.ignored == ("optimizer.exp_avg",)
    assert sorted(converted) == sorted(tuple(v.shape) for v in state.values())  # the (1000,) tensor never was


@pytest.mark.parametrize("dtype", ["float8_e4m3fn", "float8_e5m2"])
def test_safetensors_float8_is_decoded_as_torch_decodes_every_code(tmp_path: Path, dtype: str) -> None:
    """All 256 codes (NaN, infinities, subnormals, both zeros), decoded without torch, equal torch's .float()."""
    from safetensors.torch import save_file

    codes = torch.arange(256, dtype=torch.uint8).view(getattr(torch, dtype)).reshape(16, 16)
    state = {"weight_ih_l0": torch.zeros(4, 1), "weight_hh_l0": torch.zeros(4, 1), "probe": codes}
    path = tmp_path / "f8.safetensors"
    save_file(state, str(path))
    from lstmviz.io.safetensors_format import stored_safetensors

    stored, _ = stored_safetensors(path)
    np.testing.assert_array_equal(stored["probe"].read(), codes.float().numpy())  # NaN equal NaN here
    assert stored["probe"].read().dtype == np.float32 and stored["probe"].converted_from.startswith("F8_E")


def test_safetensors_float8_weights_load_with_a_notice(tmp_path: Path) -> None:
    from safetensors.torch import save_file

    torch.manual_seed(2)
    model = Model("gru", 2, 3, 1, 1)
    state = {"rnn." + k: v for k, v in model.rnn.state_dict().items()}
    state["rnn.weight_hh_l0"] = state["rnn.weight_hh_l0"].to(torch.float8_e5m2)
    path = tmp_path / "gru.safetensors"
    save_file(state, str(path))
    loaded = read_weights(path)
    np.testing.assert_array_equal(loaded.network.params["weight_hh_l0"], state["rnn.weight_hh_l0"].float().numpy())
    assert loaded.notices == ("rnn.weight_hh_l0 was F8_E5M2, widened to float32",)
