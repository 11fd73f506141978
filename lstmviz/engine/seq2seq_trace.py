"""The record of one encoder-decoder run: both sides' traces and the context vector handed between them.

A :class:`Seq2SeqTrace` is a read-only mapping whose keys are the single-network trace keys with a side prefix, so
a notebook, the ``trace`` command and the views read the same names:

- ``enc_x`` (T_enc, D), ``enc_h_l{k}``, ``enc_c_l{k}``, ``enc_f_l{k}``, ... (T_enc, H): the encoder's trace;
- ``dec_x`` (T_dec, D), ``dec_h_l{k}``, ..., ``dec_y`` (T_dec, O): the decoder's trace, its output layer included;
- ``context_h`` (L, H) and, when the encoder is an LSTM, ``context_c`` (L, H): the state the decoder started from
  (the encoder's final state, or an edited one);
- token models also hold ``enc_tokens`` (T_enc,), ``dec_tokens`` (T_dec,: the decoder's input tokens, the start
  token first) and ``dec_pred`` (T_dec,: argmax of ``dec_y``); ``dec_target`` when decoded with teacher forcing.

The two :class:`~lstmviz.engine.trace.Trace` objects stay available (``encoder``, ``decoder``) for everything that
already draws a single network's trace.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from .trace import ArrayRecord, Trace

ENCODER_PREFIX = "enc_"
DECODER_PREFIX = "dec_"
TEACHER_FORCING = "teacher"
FREE_RUNNING = "free"
DECODE_MODES: tuple[str, ...] = (TEACHER_FORCING, FREE_RUNNING)


def _frozen(array: np.ndarray) -> np.ndarray:
    view = np.asarray(array).view()
    view.setflags(write=False)
    return view


@dataclass(frozen=True)
class Seq2SeqTrace(ArrayRecord):
    """Every gate and state of both sides, the context vector, and (for tokens) the token ids, read-only."""

    encoder: Trace
    decoder: Trace
    inputs: str
    """``tokens`` or ``numbers``."""
    mode: str
    """``teacher`` (teacher forcing) or ``free`` (free-running)."""
    edited_context: bool
    """True when the decoder started from a context given by hand rather than the encoder's final state."""
    arrays: Mapping[str, np.ndarray]

    @classmethod
    def build(
        cls,
        encoder: Trace,
        decoder: Trace,
        context_h: np.ndarray,
        context_c: np.ndarray | None,
        *,
        inputs: str,
        mode: str,
        edited_context: bool = False,
        tokens: Mapping[str, np.ndarray] | None = None,
    ) -> Seq2SeqTrace:
        """Assemble the record; ``tokens`` holds ``enc_tokens``/``dec_tokens``/``dec_pred``/``dec_target``."""
        arrays: dict[str, np.ndarray] = {}
        for prefix, trace in ((ENCODER_PREFIX, encoder), (DECODER_PREFIX, decoder)):
            arrays.update({prefix + key: _frozen(value) for key, value in trace.items()})
        arrays["context_h"] = _frozen(np.array(context_h))
        if context_c is not None:
            arrays["context_c"] = _frozen(np.array(context_c))
        for key, value in (tokens or {}).items():
            arrays[key] = _frozen(np.asarray(value, dtype=np.int64))
        return cls(encoder, decoder, inputs, mode, edited_context, arrays)

    @property
    def encoder_steps(self) -> int:
        return self.encoder.steps

    @property
    def decoder_steps(self) -> int:
        return self.decoder.steps

    @property
    def context_h(self) -> np.ndarray:
        """(L, H): the hidden state per layer the decoder started from."""
        return self.arrays["context_h"]

    @property
    def context_c(self) -> np.ndarray | None:
        """(L, H): the LSTM encoder's cell state per layer, or None for GRU and RNN encoders."""
        return self.arrays.get("context_c")

    @property
    def outputs(self) -> np.ndarray:
        """(T_dec, O): the decoder's output layer at every step."""
        return self.arrays[DECODER_PREFIX + "y"]

    def predictions(self) -> np.ndarray:
        """The decoded sequence: token ids (T_dec,) for a token model, values (T_dec, O) for a numeric one."""
        return self.arrays["dec_pred"] if "dec_pred" in self.arrays else self.outputs
