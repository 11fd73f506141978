"""``trace``, ``plot`` and ``info`` with an encoder-decoder weight file, end to end."""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.io.seq2seq_weights import save_seq2seq


@pytest.fixture()
def token_files(tmp_path: Path) -> tuple[Path, Path, Path, Seq2Seq]:
    model = Seq2Seq.random("lstm", 6, 2, vocab_size=7, embed_size=3, seed=4)
    weights = tmp_path / "reverse.safetensors"
    save_seq2seq(model, weights)
    source, target = tmp_path / "source.csv", tmp_path / "target.csv"
    source.write_text("token\n3\n1\n4\n1\n5\n", encoding="utf-8")
    target.write_text("token\n5\n1\n4\n1\n3\n", encoding="utf-8")
    return weights, source, target, model


def test_trace_free_running_writes_both_sides_and_the_context(cli, tmp_path: Path, token_files) -> None:
    weights, source, _, model = token_files
    out = tmp_path / "t.npz"
    result = cli("trace", source, "--weights", weights, "--decode-steps", 7, "--out", out)
    assert result.code == 0, result.err
    reference = model.run([3, 1, 4, 1, 5], steps=7)
    with np.load(out, allow_pickle=False) as written:
        for key in reference:
            np.testing.assert_array_equal(written[key], reference[key], err_msg=key)
        assert written["dec_y"].shape == (7, 7) and written["enc_f_l1"].shape == (5, 6)
        assert written["context_h"].shape == (2, 6) and "context_c" in written.files
        np.testing.assert_array_equal(written["enc_t"], np.arange(5))
        assert str(written["decode_mode"]) == "free"


def test_trace_with_a_target_is_teacher_forced(cli, tmp_path: Path, token_files) -> None:
    weights, source, target, model = token_files
    out = tmp_path / "t.npz"
    assert cli("trace", source, "--weights", weights, "--target", target, "--out", out).code == 0
    with np.load(out, allow_pickle=False) as written:
        np.testing.assert_array_equal(written["dec_tokens"], [0, 5, 1, 4, 1])
        np.testing.assert_array_equal(written["dec_target"], [5, 1, 4, 1, 3])
        np.testing.assert_array_equal(written["dec_y"], model.run([3, 1, 4, 1, 5], [5, 1, 4, 1, 3])["dec_y"])
        assert str(written["decode_mode"]) == "teacher"


def test_numeric_model_trace(cli, tmp_path: Path) -> None:
    model = Seq2Seq.random("gru", 5, 1, input_size=2, seed=2)
    weights = tmp_path / "forecast.npz"
    save_seq2seq(model, weights)
    values = np.random.default_rng(0).normal(size=(9, 2))
    np.save(tmp_path / "window.npy", values)
    out = tmp_path / "t.npz"
    assert cli("trace", tmp_path / "window.npy", "--weights", weights, "--decode-steps", 3, "--out", out).code == 0
    with np.load(out, allow_pickle=False) as written:
        np.testing.assert_array_equal(written["dec_x"][0], values[-1])
        np.testing.assert_array_equal(written["dec_y"], model.run(values, steps=3)["dec_y"])
        assert "context_c" not in written.files


def test_refusals_are_one_line(cli, one_line_error, tmp_path: Path, token_files) -> None:
    weights, source, target, _ = token_files
    one_line_error(cli("trace", source, "--weights", weights, "--out", tmp_path / "t.csv"), "two time axes", ".npz")
    one_line_error(
        cli(
            "trace", source, "--weights", weights, "--target", target, "--decode-steps", 2, "--out", tmp_path / "t.npz"
        ),
        "not both",
    )
    bad = tmp_path / "bad.csv"
    bad.write_text("token\n3\n9\n", encoding="utf-8")
    one_line_error(cli("trace", bad, "--weights", weights, "--out", tmp_path / "t.npz"), "bad.csv", "outside 0 to 6")
    one_line_error(
        cli("plot", source, "--weights", weights, "--show", "grad", "--out", tmp_path / "p.png"), "single networks"
    )
    wrong = cli("trace", source, "--weights", weights, "--encoder-prefix", "enc", "--out", tmp_path / "t.npz")
    one_line_error(wrong, "no recurrent parameters under 'enc.'", "encoder.{weight_ih,")


def test_info_describes_the_encoder_decoder(cli, token_files) -> None:
    weights, *_ = token_files
    text = cli("info", weights)
    assert text.code == 0, text.err
    assert "encoder-decoder (seq2seq)" in text.out
    assert "7 tokens, embedding 7 x 3" in text.out
    assert "context      24 numbers" in text.out
    as_json = json.loads(cli("info", weights, "--json").out)
    assert (as_json["kind"], as_json["context_size"], as_json["vocab_size"]) == ("seq2seq", 24, 7)
    assert as_json["encoder"]["cell"] == "lstm" and as_json["decoder"]["output_size"] == 7


def test_plot_draws_both_sides_and_the_context(cli, tmp_path: Path, token_files) -> None:
    weights, source, target, _ = token_files
    out = tmp_path / "p.png"
    result = cli(
        "plot", source, "--weights", weights, "--target", target, "--show", "hidden,c", "--layer", 1, "--out", out
    )
    assert result.code == 0, result.err
    assert out.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"


@pytest.fixture()
def unnamed_files(tmp_path: Path, token_files) -> tuple[Path, Path, Seq2Seq]:
    """The token model saved as a plain state_dict whose module names say nothing: ``first.*``, ``second.*``,
    ``out.*`` and ``emb.embed.weight``, no metadata (so its output is read as logits)."""
    _, source, _, _ = token_files
    model = Seq2Seq.random("lstm", 6, 2, vocab_size=7, embed_size=3, seed=4, output_activation="identity")
    renamed = {"encoder.": "first.", "decoder.": "second.", "fc.": "out.", "embed.": "emb.embed."}
    state = {}
    for key, value in model.state_dict().items():
        prefix = next(p for p in renamed if key.startswith(p))
        state[renamed[prefix] + key[len(prefix) :]] = value
    weights = tmp_path / "unnamed.npz"
    np.savez(weights, **state)
    return weights, source, model


def test_unnamed_modules_are_refused_with_their_keys_then_chosen(cli, one_line_error, tmp_path: Path, unnamed_files):
    weights, source, model = unnamed_files
    out = tmp_path / "t.npz"
    for command in (
        ("trace", source, "--weights", weights, "--out", out),
        ("plot", source, "--weights", weights, "--out", tmp_path / "p.png"),
        ("info", weights),
    ):
        result = cli(*command)
        one_line_error(result, "cannot tell the encoder from the decoder", "--encoder-prefix")
        assert "first.{weight_ih,weight_hh,bias_ih,bias_hh}_l{0,1}" in result.err  # every recurrent key, listed
        assert "second.{weight_ih,weight_hh,bias_ih,bias_hh}_l{0,1})" in result.err  # not cut off
    chosen = ("--encoder-prefix", "first", "--decoder-prefix", "second")
    result = cli("trace", source, "--weights", weights, *chosen, "--decode-steps", 6, "--out", out)
    assert result.code == 0, result.err
    with np.load(out, allow_pickle=False) as written:
        np.testing.assert_array_equal(written["dec_y"], model.run([3, 1, 4, 1, 5], steps=6)["dec_y"])
    swapped = cli("trace", source, "--weights", weights, "--encoder-prefix", "second", "--out", out)
    assert swapped.code == 0, swapped.err  # the other module is the decoder
    with np.load(out, allow_pickle=False) as written:
        assert not np.array_equal(written["dec_y"], model.run([3, 1, 4, 1, 5])["dec_y"])
    assert cli("plot", source, "--weights", weights, *chosen, "--out", tmp_path / "p.png").code == 0
    described = cli("info", weights, *chosen)
    assert described.code == 0, described.err
    assert "file names   encoder 'first.', decoder 'second.'" in described.out
    one_line_error(cli("info", weights, "--encoder-prefix", "nope"), "no recurrent parameters under 'nope.'")


def test_info_says_what_a_plain_state_dict_does_not_store(cli, tmp_path: Path, unnamed_files) -> None:
    weights, *_ = unnamed_files
    text = cli("info", weights, "--encoder-prefix", "first").out
    assert "output act.  not stored in the file, identity assumed" in text


def test_single_networks_still_go_the_single_network_way(cli, tmp_path: Path) -> None:
    from lstmviz.engine.network import Network
    from lstmviz.io.weights import save_weights

    weights = tmp_path / "single.npz"
    save_weights(Network.random("gru", 1, 3), weights)
    np.save(tmp_path / "x.npy", np.arange(4.0))
    out = tmp_path / "t.npz"
    assert cli("trace", tmp_path / "x.npy", "--weights", weights, "--out", out).code == 0
    with np.load(out) as written:
        assert "h_l0" in written.files and "enc_h_l0" not in written.files


def test_train_reverse_saves_an_encoder_decoder_and_the_bottleneck_figure(cli, tmp_path: Path) -> None:
    from lstmviz.io.seq2seq_weights import load_seq2seq

    out, figure = tmp_path / "r.safetensors", tmp_path / "b.png"
    result = cli(
        "train",
        "reverse",
        "--length",
        4,
        "--symbols",
        5,
        "--hidden",
        8,
        "--embed",
        4,
        "--steps",
        30,
        "--out",
        out,
        "--bottleneck",
        figure,
    )
    assert result.code == 0, result.err
    model = load_seq2seq(out)
    assert (model.inputs, model.vocab_size, model.hidden_size, model.encoder.input_size) == ("tokens", 6, 8, 4)
    assert "held-out per-token accuracy" in result.out and "context 16 numbers" in result.out
    assert figure.read_bytes()[:4] == b"\x89PNG"


def test_train_forecast_on_a_series(cli, tmp_path: Path) -> None:
    from lstmviz.io.seq2seq_weights import load_seq2seq

    np.save(tmp_path / "s.npy", np.sin(np.arange(200) / 5.0))
    out = tmp_path / "f.npz"
    result = cli(
        "train",
        tmp_path / "s.npy",
        "--forecast",
        "--window",
        10,
        "--horizon",
        3,
        "--hidden",
        6,
        "--cell",
        "gru",
        "--steps",
        20,
        "--out",
        out,
    )
    assert result.code == 0, result.err
    model = load_seq2seq(out)
    assert (model.inputs, model.encoder.cell, model.output_size) == ("numbers", "gru", 1)
    assert "validation" in result.out


def test_a_plain_state_dicts_rnn_activation_is_given_on_the_command_line(cli, one_line_error, tmp_path: Path) -> None:
    relu = Seq2Seq.random("rnn", 4, 2, input_size=1, seed=3, nonlinearity="relu")
    weights = tmp_path / "relu.npz"
    np.savez(weights, **relu.state_dict())  # no metadata, as torch.save writes it: nothing says relu
    values = np.sin(np.arange(7) / 2.0)
    np.save(tmp_path / "x.npy", values)
    assumed = cli("info", weights).out
    assert assumed.count("activation   not stored in the file, tanh assumed") == 2  # both sides
    out = tmp_path / "t.npz"
    result = cli("trace", tmp_path / "x.npy", "--weights", weights, "--activation", "relu", "--out", out)
    assert result.code == 0 and "ignored" not in result.err, result.err
    with np.load(out, allow_pickle=False) as written:
        np.testing.assert_allclose(written["dec_y"], relu.run(values[:, None])["dec_y"], rtol=0, atol=1e-12)
    given = cli("info", weights, "--activation", "relu").out
    assert given.count("activation   relu (given on the command line)") == 2
    stored = tmp_path / "stored.npz"
    save_seq2seq(relu, stored)  # lstmviz's own file says relu: a contradiction is refused
    one_line_error(cli("trace", tmp_path / "x.npy", "--weights", stored, "--activation", "tanh", "--out", out), "relu")
