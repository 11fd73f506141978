"""Encoder-decoder weight files: the layout's names, other prefixes found or chosen, clear refusals, round trips."""

from __future__ import annotations

import json

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.io.errors import WeightsError
from lstmviz.io.seq2seq_weights import is_seq2seq_file, load_seq2seq, read_seq2seq, save_seq2seq
from lstmviz.io.weights import save_weights

H, V, E = 3, 5, 2


def _rnn_state(prefix: str, cell: str, width: int, layers: int = 1, rng=None) -> dict[str, np.ndarray]:
    rng = rng or np.random.default_rng(0)
    rows = {"lstm": 4, "gru": 3, "rnn": 1}[cell] * H
    out = {}
    for k in range(layers):
        fan_in = width if k == 0 else H
        out[f"{prefix}weight_ih_l{k}"] = rng.standard_normal((rows, fan_in))
        out[f"{prefix}weight_hh_l{k}"] = rng.standard_normal((rows, H))
        out[f"{prefix}bias_ih_l{k}"] = rng.standard_normal(rows)
        out[f"{prefix}bias_hh_l{k}"] = rng.standard_normal(rows)
    return out


def _token_state(
    enc: str = "encoder.", dec: str = "decoder.", fc: str = "fc.", embed: str = "embed.weight", cell: str = "lstm"
) -> dict[str, np.ndarray]:
    rng = np.random.default_rng(1)
    state = {**_rnn_state(enc, cell, E, 2, rng), **_rnn_state(dec, cell, E, 2, rng)}
    state[f"{fc}weight"] = rng.standard_normal((V, H))
    state[f"{fc}bias"] = rng.standard_normal(V)
    if embed:
        state[embed] = rng.standard_normal((V, E))
    return state


def _write(tmp_path, state: dict[str, np.ndarray], name: str = "model.npz"):
    path = tmp_path / name
    np.savez(path, **state)
    return path


def test_the_documented_layout_loads_every_part_under_its_name(tmp_path) -> None:
    state = _token_state()
    loaded = read_seq2seq(_write(tmp_path, state))
    model = loaded.model
    assert (model.encoder.cell, model.decoder.cell, model.inputs) == ("lstm", "lstm", "tokens")
    assert (model.hidden_size, model.num_layers, model.vocab_size, model.encoder.input_size) == (H, 2, V, E)
    assert loaded.prefixes == ("encoder.", "decoder.")
    assert loaded.ignored == ()
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(value, state[key])


@pytest.mark.parametrize(
    ("enc", "dec", "fc", "embed"),
    [
        ("model.encoder.rnn.", "model.decoder.rnn.", "model.decoder.fc_out.", "model.embedding.weight"),
        ("enc_lstm.", "dec_lstm.", "out.", "embedding.weight"),
        ("Encoder.", "Decoder.", "head.", "tok_embed.weight"),
    ],
)
def test_other_prefixes_are_found_by_their_names(tmp_path, enc, dec, fc, embed) -> None:
    state = _token_state(enc, dec, fc, embed)
    loaded = read_seq2seq(_write(tmp_path, state))
    assert loaded.prefixes == (enc, dec)
    assert loaded.names["fc.weight"] == f"{fc}weight"
    assert loaded.names["embed.weight"] == embed
    np.testing.assert_array_equal(loaded.model.decoder.params["weight_hh_l1"], state[f"{dec}weight_hh_l1"])
    np.testing.assert_array_equal(loaded.model.embedding, state[embed])


def test_unnamed_modules_need_chosen_prefixes_and_the_message_lists_the_keys(tmp_path) -> None:
    state = _token_state("first.", "second.")
    path = _write(tmp_path, state)
    with pytest.raises(WeightsError) as error:
        load_seq2seq(path)
    message = str(error.value)
    assert "cannot tell the encoder from the decoder" in message
    brace = "{weight_ih,weight_hh,bias_ih,bias_hh}_l{0,1}"  # every key, short enough for one line
    assert f"first.{brace}" in message and f"second.{brace}" in message
    assert "--encoder-prefix" in message and len(message) - len(str(path)) < 300
    model = load_seq2seq(path, encoder_prefix="second", decoder_prefix="first.")
    np.testing.assert_array_equal(model.encoder.params["weight_ih_l0"], state["second.weight_ih_l0"])
    np.testing.assert_array_equal(model.decoder.params["weight_ih_l0"], state["first.weight_ih_l0"])
    only_one = load_seq2seq(path, encoder_prefix="first.")  # the other module is the decoder
    np.testing.assert_array_equal(only_one.decoder.params["weight_ih_l0"], state["second.weight_ih_l0"])


def test_a_chosen_prefix_that_is_not_there_is_named(tmp_path) -> None:
    with pytest.raises(WeightsError, match=r"no recurrent parameters under 'enc\.'.*encoder\.\{weight_ih,"):
        load_seq2seq(_write(tmp_path, _token_state()), encoder_prefix="enc")


def test_a_single_network_is_not_an_encoder_decoder(tmp_path) -> None:
    path = tmp_path / "single.npz"
    save_weights(Network.random("gru", 2, 4, output_size=2), path)
    assert not is_seq2seq_file(path)
    with pytest.raises(WeightsError, match="needs two recurrent modules.*has 1"):
        load_seq2seq(path)


def test_missing_output_layer_and_two_different_embeddings_are_refused(tmp_path) -> None:
    state = _token_state()
    del state["fc.weight"], state["fc.bias"]
    with pytest.raises(WeightsError, match=r"no output layer.*fc\.weight \(O x 3\).*embed\.weight"):
        load_seq2seq(_write(tmp_path, state))
    state = _token_state(embed="encoder.embedding.weight")
    state["decoder.embedding.weight"] = state["encoder.embedding.weight"] + 1.0
    with pytest.raises(WeightsError, match="2 different embeddings.*shares one embedding"):
        load_seq2seq(_write(tmp_path, state, "two.npz"))
    state["decoder.embedding.weight"] = state["encoder.embedding.weight"].copy()  # the same one saved twice: fine
    loaded = read_seq2seq(_write(tmp_path, state, "same.npz"))
    assert loaded.ignored == ()
    np.testing.assert_array_equal(loaded.model.embedding, state["encoder.embedding.weight"])


def test_mismatched_sides_are_refused_with_the_reason(tmp_path) -> None:
    state = _token_state()
    state.update(_rnn_state("decoder.", "gru", E, 2))  # a GRU decoder (9 rows) replaces the LSTM one
    model = load_seq2seq(_write(tmp_path, state))  # a GRU decoder after an LSTM encoder is allowed
    assert (model.encoder.cell, model.decoder.cell) == ("lstm", "gru")
    wide = _token_state()
    wide["decoder.weight_ih_l0"] = np.zeros((4 * H, E + 1))
    with pytest.raises(WeightsError, match="encoder reads 2 inputs per step but the decoder 3"):
        load_seq2seq(_write(tmp_path, wide, "wide.npz"))


def test_one_hot_and_numbers_without_metadata(tmp_path) -> None:
    one_hot = {
        **_rnn_state("encoder.", "gru", V),
        **_rnn_state("decoder.", "gru", V),
        "fc.weight": np.ones((V, H)),
        "fc.bias": np.zeros(V),
    }
    path = _write(tmp_path, one_hot)
    assert load_seq2seq(path).inputs == "numbers"  # shapes cannot tell: numbers unless chosen
    tokens = load_seq2seq(path, inputs="tokens")
    assert (tokens.inputs, tokens.vocab_size, tokens.embedding) == ("tokens", V, None)
    with pytest.raises(WeightsError, match="holds an embedding"):
        load_seq2seq(_write(tmp_path, _token_state(), "t.npz"), inputs="numbers")


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
@pytest.mark.parametrize(
    "make",
    [
        lambda: Seq2Seq.random("lstm", 4, 2, vocab_size=6, embed_size=3, seed=2),
        lambda: Seq2Seq.random("rnn", 4, 1, vocab_size=6, nonlinearity="relu", seed=3),
        lambda: Seq2Seq.random("gru", 4, 2, input_size=2, decoder_cell="lstm", seed=4, dtype=np.float32),
    ],
)
def test_save_and_load_round_trip_keeps_everything(tmp_path, suffix, make) -> None:
    model = make()
    path = tmp_path / f"m{suffix}"
    save_seq2seq(model, path)
    again = load_seq2seq(path)
    assert again.describe() == model.describe()
    assert (again.inputs, again.encoder.nonlinearity, again.decoder.output_activation, again.dtype) == (
        model.inputs,
        model.encoder.nonlinearity,
        model.decoder.output_activation,
        model.dtype,
    )
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[key], value)
    assert set(again.state_dict()) == set(model.state_dict())


def test_npz_holds_the_documented_names_and_json_metadata(tmp_path) -> None:
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=6, embed_size=3)
    path = tmp_path / "m.npz"
    save_seq2seq(model, path)
    with np.load(path, allow_pickle=False) as archive:
        names = set(archive.files)
        meta = json.loads(str(archive["__lstmviz__"][()]))
    assert names == {
        "encoder.weight_ih_l0",
        "encoder.weight_hh_l0",
        "encoder.bias_ih_l0",
        "encoder.bias_hh_l0",
        "decoder.weight_ih_l0",
        "decoder.weight_hh_l0",
        "decoder.bias_ih_l0",
        "decoder.bias_hh_l0",
        "fc.weight",
        "fc.bias",
        "embed.weight",
        "__lstmviz__",
    }
    assert (meta["format"], meta["inputs"], meta["encoder_cell"]) == ("lstmviz-seq2seq", "tokens", "lstm")


def test_safetensors_file_reads_with_the_safetensors_package(tmp_path) -> None:
    safetensors_numpy = pytest.importorskip("safetensors.numpy")
    model = Seq2Seq.random("gru", 4, 2, vocab_size=6, embed_size=3)
    path = tmp_path / "m.safetensors"
    save_seq2seq(model, path)
    tensors = safetensors_numpy.load_file(str(path))
    assert set(tensors) == set(model.state_dict())
    np.testing.assert_array_equal(tensors["decoder.weight_hh_l1"], model.decoder.params["weight_hh_l1"])


def test_unknown_save_suffix_is_refused(tmp_path) -> None:
    with pytest.raises(WeightsError, match=r"cannot save an encoder-decoder as '\.h5'"):
        save_seq2seq(Seq2Seq.random(input_size=1), tmp_path / "m.h5")


@pytest.mark.torch
def test_pt_round_trip_loads_into_the_torch_module(tmp_path) -> None:
    torch = pytest.importorskip("torch")
    import sys
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "engine"))
    from seq2seq_reference import make_module

    model = Seq2Seq.random("gru", 4, 2, vocab_size=6, embed_size=3, output_activation="identity")
    path = tmp_path / "m.pt"
    save_seq2seq(model, path)
    module = make_module(torch, "gru", 4, 2, vocab=6, embed=3)
    module.load_state_dict(torch.load(path, weights_only=True))  # strict: every name matches
    assert is_seq2seq_file(path)
    again = load_seq2seq(path)
    for key, value in model.state_dict().items():
        np.testing.assert_array_equal(again.state_dict()[key], value)
