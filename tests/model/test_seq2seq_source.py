"""Typed seq2seq sources and targets, and the session's set_source / set_model / undo (no Qt)."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.errors import EngineError
from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.model.seq2seq_session import Seq2SeqSession
from lstmviz.model.seq2seq_source import parse_steps, steps_text

TOKENS = Seq2Seq.random("gru", 3, 1, vocab_size=6, seed=0)
PAIRS = Seq2Seq.random("lstm", 3, 1, input_size=2, seed=0)


def test_tokens_and_values_are_read_and_written_back() -> None:
    np.testing.assert_array_equal(parse_steps(" 3, 1  4,1 5 ", TOKENS), [3, 1, 4, 1, 5])
    values = parse_steps("0.5 1; -1 2e-1;", PAIRS)
    np.testing.assert_array_equal(values, [[0.5, 1.0], [-1.0, 0.2]])
    assert steps_text(values) == "0.5 1; -1 0.2" and steps_text(np.array([3, 1])) == "3 1"
    one = Seq2Seq.random("rnn", 2, 1, input_size=1, seed=0)
    np.testing.assert_array_equal(parse_steps("1 2,3", one), [[1.0], [2.0], [3.0]])
    assert parse_steps("   ", TOKENS) is None


@pytest.mark.parametrize(
    "text, model, message",
    [
        ("3 1.5", TOKENS, "'1.5' is not a whole-number token id"),
        ("3 6", TOKENS, "token ids outside 0 to 5"),
        ("1 2; 3", PAIRS, "step 1 has 1 value(s) but the model reads 2"),
        ("1 nan", PAIRS, "NaN or infinite"),
        ("1 a", PAIRS, "'a' is not a number"),
    ],
)
def test_what_a_model_cannot_read_is_one_line_saying_why(text: str, model: Seq2Seq, message: str) -> None:
    with pytest.raises(EngineError, match=message.replace("(", r"\(").replace(")", r"\)")):
        parse_steps(text, model)


def test_a_bad_source_leaves_the_session_as_it_was_and_undo_restores_a_model() -> None:
    session = Seq2SeqSession(TOKENS, [1, 2, 3], [3, 2, 1])
    trace = session.trace
    with pytest.raises(EngineError):
        session.set_source([1, 9], [9, 1])
    assert session.trace is trace and session.source == [1, 2, 3] and session.mode == "teacher"
    session.set_source([4, 5], None, steps=4)
    assert session.mode == "free" and session.trace.decoder_steps == 4 and session.other is None
    session.remember("Train reverse")
    other = Seq2Seq.random("gru", 3, 1, vocab_size=6, seed=5)
    session.set_model(other, [1, 1], [2, 2])
    assert session.model is other and session.mode == "teacher" and session.trace.decoder_steps == 2
    assert session.undo_text == "Train reverse"
    session.undo()
    assert session.model is TOKENS and session.source == [4, 5] and session.trace.decoder_steps == 4
    assert session.undo_text is None
    np.testing.assert_array_equal(session.decoder_doc.trace["h_l0"], session.trace["dec_h_l0"])
