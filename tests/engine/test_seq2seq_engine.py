"""The encoder-decoder's rules, without torch: the handover, the fed-back inputs, edited contexts, refusals."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.errors import EngineError
from lstmviz.engine.network import Network
from lstmviz.engine.seq2seq import Seq2Seq, first_difference

CELLS = ["lstm", "gru", "rnn"]


@pytest.mark.parametrize("cell", CELLS)
def test_the_decoder_starts_from_the_encoders_final_state(cell: str) -> None:
    model = Seq2Seq.random(cell, 6, 2, vocab_size=5, embed_size=3, seed=1)
    trace = model.run([1, 2, 3, 4, 2], [3, 1, 2])
    for k in range(2):
        np.testing.assert_array_equal(trace["context_h"][k], trace[f"enc_h_l{k}"][-1])
        np.testing.assert_array_equal(trace.decoder.h0[k], trace[f"enc_h_l{k}"][-1])
        if cell == "lstm":
            np.testing.assert_array_equal(trace["context_c"][k], trace[f"enc_c_l{k}"][-1])
            np.testing.assert_array_equal(trace.decoder.c0[k], trace[f"enc_c_l{k}"][-1])
    # the decoder alone, run from that state on the teacher-forced inputs, gives the same numbers
    alone = model.decoder.run(model.embed(np.array([0, 3, 1])), trace["context_h"], trace.get("context_c"))
    for key, value in alone.items():
        np.testing.assert_array_equal(trace[f"dec_{key}"], value)
    assert trace.context_h.shape == (2, 6)
    assert model.context_size == (24 if cell == "lstm" else 12)


def test_trace_keys_are_the_single_network_keys_with_side_prefixes() -> None:
    model = Seq2Seq.random("gru", 4, 2, vocab_size=5)
    trace = model.run([1, 2, 3], steps=4)
    single = set(model.encoder.run(np.eye(5)[[1, 2, 3]]).keys())
    assert {k[4:] for k in trace if k.startswith("enc_") and k != "enc_tokens"} == single
    assert {k[4:] for k in trace if k.startswith("dec_") and k not in ("dec_tokens", "dec_pred")} == single | {"y"}
    assert trace["enc_x"].shape == (3, 5) and trace["dec_y"].shape == (4, 5)
    np.testing.assert_array_equal(trace["enc_tokens"], [1, 2, 3])
    with pytest.raises(ValueError):
        trace["dec_y"][0, 0] = 1.0  # read-only


@pytest.mark.parametrize("cell", CELLS)
def test_free_running_feeds_back_the_argmax_token(cell: str) -> None:
    model = Seq2Seq.random(cell, 5, 1, vocab_size=6, seed=7)
    trace = model.run([3, 4, 5, 1], steps=7)
    np.testing.assert_array_equal(trace["dec_pred"], np.argmax(trace["dec_y"], axis=1))
    assert trace["dec_tokens"][0] == 0
    np.testing.assert_array_equal(trace["dec_tokens"][1:], trace["dec_pred"][:-1])
    np.testing.assert_array_equal(trace["dec_x"], np.eye(6)[trace["dec_tokens"]])  # one-hot inputs


@pytest.mark.parametrize("cell", CELLS)
def test_free_running_numbers_feed_back_the_values_themselves(cell: str) -> None:
    model = Seq2Seq.random(cell, 5, 2, input_size=2, seed=3)
    source = np.linspace(-1, 1, 12).reshape(6, 2)
    trace = model.run(source, steps=5)
    np.testing.assert_array_equal(trace["dec_x"][0], source[-1])  # the last encoder input starts the decoder
    np.testing.assert_array_equal(trace["dec_x"][1:], trace["dec_y"][:-1])
    assert "dec_tokens" not in trace and trace.predictions().shape == (5, 2)


def test_teacher_forcing_on_the_free_running_output_reproduces_it() -> None:
    model = Seq2Seq.random("lstm", 6, 2, vocab_size=7, embed_size=4, seed=5)
    free = model.run([1, 5, 2, 6], steps=6)
    teacher = model.run([1, 5, 2, 6], free["dec_pred"])
    assert first_difference(free, teacher) is None
    for key in free.decoder:
        np.testing.assert_allclose(teacher[f"dec_{key}"], free[f"dec_{key}"], rtol=0, atol=1e-15)
    np.testing.assert_array_equal(teacher["dec_target"], free["dec_pred"])


def test_first_difference_marks_where_teacher_forcing_and_free_running_part() -> None:
    model = Seq2Seq.random("gru", 6, 1, vocab_size=7, seed=5)
    free = model.run([1, 5, 2, 6], steps=6)
    target = free["dec_pred"].copy()
    target[2] = (target[2] + 1) % 7  # the true output differs at step 2; the outputs can part at step 3 at the earliest
    teacher = model.run([1, 5, 2, 6], target)
    np.testing.assert_array_equal(teacher["dec_pred"][:3], free["dec_pred"][:3])
    part = first_difference(free, teacher)
    expected = next((t for t in range(6) if teacher["dec_pred"][t] != free["dec_pred"][t]), None)
    assert part == expected and (part is None or part >= 3)
    numbers = Seq2Seq.random("rnn", 4, 1, input_size=1, seed=2)
    a = numbers.run([0.1, 0.5, -0.2], steps=4)
    b = numbers.run([0.1, 0.5, -0.2], np.array([a["dec_y"][0, 0], 9.0, 0.0, 0.0]))
    assert first_difference(a, b) == 2  # the input differs at step 2 (9.0 vs y_1)


def test_an_edited_context_reruns_only_the_decoder() -> None:
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=5, seed=9)
    base = model.run([1, 2, 3, 4], steps=5)
    h, c = np.array(base.context_h), np.array(base.context_c)
    h[0, 2] += 0.8
    edited = model.run([1, 2, 3, 4], steps=5, context=(h, c))
    assert edited.edited_context and not base.edited_context
    for key in base.encoder:
        np.testing.assert_array_equal(edited[f"enc_{key}"], base[f"enc_{key}"])
    np.testing.assert_array_equal(edited.context_h, h)
    np.testing.assert_array_equal(edited.decoder.h0[0], h[0])
    assert not np.allclose(edited["dec_h_l0"][0], base["dec_h_l0"][0])
    with pytest.raises(EngineError, match=r"give \(h, C\)"):
        model.run([1, 2], context=h)
    with pytest.raises(EngineError, match=r"shape \(1, 4\)"):
        model.run([1, 2], context=(h[:, :3], c))


def test_mixed_cells_lstm_decoder_after_gru_starts_with_zero_cell_state() -> None:
    model = Seq2Seq.random("gru", 4, 2, input_size=1, decoder_cell="lstm", seed=1)
    trace = model.run([0.3, -0.1, 0.2], steps=3)
    assert "context_c" not in trace
    np.testing.assert_array_equal(np.stack(trace.decoder.c0), np.zeros((2, 4)))
    np.testing.assert_array_equal(np.stack(trace.decoder.h0), trace.context_h)
    assert model.context_size == 8


def test_state_dict_and_with_state_use_the_file_names() -> None:
    model = Seq2Seq.random("rnn", 3, 2, vocab_size=4, embed_size=2)
    names = set(model.state_dict())
    assert {"encoder.weight_ih_l1", "decoder.bias_hh_l0", "fc.weight", "fc.bias", "embed.weight"} <= names
    changed = model.with_state({"fc.bias": np.ones(4), "embed.weight": np.zeros((4, 2))})
    np.testing.assert_array_equal(changed.decoder.params["fc.bias"], np.ones(4))
    np.testing.assert_array_equal(changed.embedding, np.zeros((4, 2)))
    with pytest.raises(EngineError, match="no parameter encoder.fc.weight"):
        model.with_state({"encoder.fc.weight": np.ones((4, 3))})


def test_refusals_say_what_is_wrong() -> None:
    enc = Network.random("lstm", 2, 4)
    dec = Network.random("lstm", 2, 4, output_size=2)
    with pytest.raises(EngineError, match="share hidden size and layer count"):
        Seq2Seq(enc, Network.random("lstm", 2, 5, output_size=2))
    with pytest.raises(EngineError, match="needs an output layer"):
        Seq2Seq(enc, Network.random("lstm", 2, 4))
    with pytest.raises(EngineError, match="must not have an output layer"):
        Seq2Seq(dec, dec)
    with pytest.raises(EngineError, match="3 values per step but reads 2"):
        Seq2Seq(enc, Network.random("lstm", 2, 4, output_size=3))
    with pytest.raises(EngineError, match="2 classes but the vocabulary has 5"):
        Seq2Seq(enc, dec, "tokens", np.zeros((5, 2)))
    tokens = Seq2Seq.random("gru", 3, vocab_size=4)
    with pytest.raises(EngineError, match="outside 0 to 3"):
        tokens.run([1, 4])
    with pytest.raises(EngineError, match="whole-number token ids"):
        tokens.run([1.5, 2])
    with pytest.raises(EngineError, match="not both"):
        tokens.run([1, 2], [1, 2], steps=2)
    with pytest.raises(EngineError, match="at least 1 step"):
        tokens.run([1, 2], steps=0)
