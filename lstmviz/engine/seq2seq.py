"""An encoder-decoder: two stacked networks joined by a fixed-size context vector.

The encoder reads the source x_1..x_T; its final state per layer, h_T (and C_T for an LSTM), is the context
vector. The decoder starts from that state (h_0^dec = h_T^enc, C_0^dec = C_T^enc) and generates one output per
step through its output layer, y_t = g(W_fc h_t^dec + b_fc), feeding its inputs back in:

- teacher forcing: the decoder's input at step t is the true previous output (target_{t-1});
- free-running: its own previous output, argmax_j y_{t-1, j} for tokens, y_{t-1} itself for numbers;
- the first input is the start token (index 0) for tokens, the last encoder input x_T for numbers.

Token models read token ids through an embedding shared by both sides (``embed.weight``, V x E) or as one-hot
vectors (E = V); their output layer has V classes. Numeric models read and write D values per step (D in = D out,
so an output can be fed back). Mixed cell kinds are allowed: an LSTM decoder after a GRU/RNN encoder starts from
C_0 = 0, and an LSTM encoder's C_T is simply not used by a GRU/RNN decoder.

Like :class:`~lstmviz.engine.network.Network`, a :class:`Seq2Seq` is immutable data plus pure methods: ``run``
returns a :class:`~lstmviz.engine.seq2seq_trace.Seq2SeqTrace` and nothing is cached on the model.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import numpy as np

from .errors import EngineError
from .network import Network
from .seq2seq_trace import FREE_RUNNING, TEACHER_FORCING, Seq2SeqTrace
from .trace import Trace, trace_key

TOKENS, NUMBERS = "tokens", "numbers"
INPUT_KINDS: tuple[str, ...] = (TOKENS, NUMBERS)
START_TOKEN = 0
ENCODER, DECODER = "encoder.", "decoder."
EMBED_WEIGHT = "embed.weight"
OUTPUT_NAMES: tuple[str, ...] = ("fc.weight", "fc.bias")


@dataclass(frozen=True)
class Seq2Seq:
    """An encoder and a decoder sharing hidden size and layer count; the decoder carries the output layer."""

    encoder: Network
    decoder: Network
    inputs: str = NUMBERS
    """``tokens`` (integer ids, embedded or one-hot) or ``numbers`` (D values per step)."""
    embedding: np.ndarray | None = None
    """(V, E) token embedding shared by both sides; None for one-hot tokens and for numbers."""

    def __post_init__(self) -> None:
        enc, dec = self.encoder, self.decoder
        if self.inputs not in INPUT_KINDS:
            raise EngineError(f"unknown input kind {self.inputs!r}; choose tokens or numbers")
        if (enc.hidden_size, enc.num_layers) != (dec.hidden_size, dec.num_layers):
            raise EngineError(
                f"the encoder (H={enc.hidden_size}, {enc.num_layers} layers) and the decoder (H={dec.hidden_size}, "
                f"{dec.num_layers} layers) must share hidden size and layer count: the context vector is handed over"
            )
        if enc.has_output:
            raise EngineError("the encoder must not have an output layer: only the decoder's output is read")
        if not dec.has_output:
            raise EngineError("the decoder needs an output layer (fc.weight, fc.bias) to produce its outputs")
        if enc.dtype != dec.dtype:
            raise EngineError(f"the encoder is {enc.dtype} but the decoder is {dec.dtype}; use one precision")
        if enc.input_size != dec.input_size:
            raise EngineError(
                f"the encoder reads {enc.input_size} inputs per step but the decoder {dec.input_size}; both read "
                "the same kind of step (the same embedding, one-hot width or values)"
            )
        if self.inputs == NUMBERS:
            if self.embedding is not None:
                raise EngineError("a numeric model has no embedding; use inputs='tokens'")
            if dec.output_size != dec.input_size:
                raise EngineError(
                    f"the decoder writes {dec.output_size} values per step but reads {dec.input_size}: a numeric "
                    "decoder feeds its output back in, so both must match"
                )
            return
        width = enc.input_size
        if self.embedding is not None:
            embedding = np.ascontiguousarray(self.embedding, dtype=enc.dtype)
            if embedding.ndim != 2 or embedding.shape[1] != width:
                raise EngineError(f"the embedding has shape {embedding.shape}, expected (V, {width})")
            if not np.all(np.isfinite(embedding)):
                raise EngineError("the embedding contains NaN or infinite values")
            embedding.setflags(write=False)
            object.__setattr__(self, "embedding", embedding)
        vocab = self.vocab_size
        if vocab < 2:
            raise EngineError("a token model needs at least 2 tokens: the start token 0 and one symbol")
        if dec.output_size != vocab:
            raise EngineError(
                f"the decoder's output layer has {dec.output_size} classes but the vocabulary has {vocab} tokens"
            )

    # Construction ----------------------------------------------------------------------------------------
    @classmethod
    def random(
        cls,
        cell: str = "lstm",
        hidden_size: int = 16,
        num_layers: int = 1,
        *,
        vocab_size: int | None = None,
        embed_size: int | None = None,
        input_size: int = 1,
        decoder_cell: str | None = None,
        seed: int | None = 0,
        init: str = "pytorch",
        nonlinearity: str = "tanh",
        output_activation: str | None = None,
        dtype: Any = np.float64,
    ) -> Seq2Seq:
        """A fresh model: a token model when ``vocab_size`` is given (embedded if ``embed_size``, else one-hot),
        else a numeric one with ``input_size`` values per step. Token outputs default to softmax probabilities."""
        rng = np.random.default_rng(seed)
        seeds = rng.integers(0, 2**31, size=3)
        tokens = vocab_size is not None
        if vocab_size is not None:
            width = embed_size if embed_size is not None else int(vocab_size)
            out, activation = int(vocab_size), output_activation or "softmax"
        else:
            width, out, activation = input_size, input_size, output_activation or "identity"
        options: dict[str, Any] = {"init": init, "nonlinearity": nonlinearity, "dtype": dtype}
        encoder = Network.random(cell, width, hidden_size, num_layers, seed=int(seeds[0]), **options)
        decoder = Network.random(
            decoder_cell or cell,
            width,
            hidden_size,
            num_layers,
            seed=int(seeds[1]),
            output_size=out,
            output_activation=activation,
            **options,
        )
        embedding = None
        if vocab_size is not None and embed_size is not None:
            embedding = (
                np.random.default_rng(int(seeds[2])).standard_normal((int(vocab_size), embed_size)).astype(dtype)
            )
        return cls(encoder, decoder, TOKENS if tokens else NUMBERS, embedding)

    # Properties ------------------------------------------------------------------------------------------
    @property
    def hidden_size(self) -> int:
        return self.encoder.hidden_size

    @property
    def num_layers(self) -> int:
        return self.encoder.num_layers

    @property
    def dtype(self) -> np.dtype:
        return self.encoder.dtype

    @property
    def tokens(self) -> bool:
        return self.inputs == TOKENS

    @property
    def vocab_size(self) -> int:
        """V, the number of token ids (tokens only; the one-hot width when there is no embedding)."""
        if not self.tokens:
            raise EngineError("a numeric model has no vocabulary")
        return int(self.embedding.shape[0]) if self.embedding is not None else self.encoder.input_size

    @property
    def output_size(self) -> int:
        return int(self.decoder.output_size or 0)

    @property
    def context_size(self) -> int:
        """How many numbers the context vector holds: L * H, twice that when the encoder is an LSTM (h and C)."""
        per_layer = self.hidden_size * (2 if self.encoder.spec.has_cell_state else 1)
        return self.num_layers * per_layer

    def describe(self) -> str:
        """One line, e.g. ``seq2seq LSTM -> LSTM, H=16, 1 layer, 11 tokens (embedding 8), context 32``."""
        sides = f"{self.encoder.spec.title} -> {self.decoder.spec.title}"
        layers = f"{self.num_layers} layer" + ("s" if self.num_layers != 1 else "")
        if self.tokens:
            reads = f"{self.vocab_size} tokens (" + (
                f"embedding {self.encoder.input_size})" if self.embedding is not None else "one-hot)"
            )
        else:
            reads = f"{self.encoder.input_size} value" + ("s" if self.encoder.input_size != 1 else "") + " per step"
        return f"seq2seq {sides}, H={self.hidden_size}, {layers}, {reads}, context {self.context_size}"

    def state_dict(self) -> dict[str, np.ndarray]:
        """Every parameter under the file layout's names: ``encoder.*``, ``decoder.*``, ``fc.*``, ``embed.weight``."""
        out = {ENCODER + k: v for k, v in self.encoder.params.items()}
        out.update({(k if k in OUTPUT_NAMES else DECODER + k): v for k, v in self.decoder.params.items()})
        if self.embedding is not None:
            out[EMBED_WEIGHT] = self.embedding
        return out

    def with_state(self, updates: Mapping[str, np.ndarray]) -> Seq2Seq:
        """A copy with some parameters (named as in :meth:`state_dict`) replaced."""
        enc: dict[str, np.ndarray] = {}
        dec: dict[str, np.ndarray] = {}
        embedding = self.embedding
        known = self.state_dict()
        for name, value in updates.items():
            if name not in known:
                raise EngineError(f"this model has no parameter {name}")
            if name.startswith(ENCODER):
                enc[name[len(ENCODER) :]] = value
            elif name.startswith(DECODER):
                dec[name[len(DECODER) :]] = value
            elif name in OUTPUT_NAMES:
                dec[name] = value
            else:
                embedding = np.asarray(value, dtype=self.dtype)
        encoder = self.encoder.with_parameters(enc) if enc else self.encoder
        decoder = self.decoder.with_parameters(dec) if dec else self.decoder
        return Seq2Seq(encoder, decoder, self.inputs, embedding)

    # Inputs ----------------------------------------------------------------------------------------------
    def check_tokens(self, tokens: Any, what: str = "the source", column: bool = True) -> np.ndarray:
        """``tokens`` as an int64 array of ids in [0, V), any shape; ``column``: a (T, 1) column is read as (T,)."""
        array = np.asarray(tokens)
        if column and array.ndim == 2 and array.shape[1] == 1:
            array = array[:, 0]
        if array.size == 0 or array.ndim == 0:
            raise EngineError(f"{what} is empty; give at least one token")
        if array.dtype.kind not in "iub":
            if array.dtype.kind != "f" or not np.all(np.isfinite(array)) or np.any(array != np.round(array)):
                raise EngineError(f"{what} must be whole-number token ids")
        ids = array.astype(np.int64)
        if ids.min() < 0 or ids.max() >= self.vocab_size:
            raise EngineError(f"{what} holds token ids outside 0 to {self.vocab_size - 1}")
        return ids

    def embed(self, tokens: np.ndarray) -> np.ndarray:
        """Token ids (...,) to input vectors (..., E): rows of the embedding, or one-hot vectors."""
        table: np.ndarray = self.embedding if self.embedding is not None else np.eye(self.vocab_size, dtype=self.dtype)
        rows: np.ndarray = table[tokens]
        return rows

    def check_values(self, values: Any, what: str = "the source") -> np.ndarray:
        """A numeric sequence as a (T, D) array of the model's dtype ((T,) is read as D = 1)."""
        array = np.asarray(values, dtype=self.dtype)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2 or array.shape[0] < 1:
            raise EngineError(f"{what} must have shape (T,) or (T, D) with T >= 1, not {array.shape}")
        if array.shape[1] != self.encoder.input_size:
            raise EngineError(
                f"{what} has {array.shape[1]} value(s) per step but the model reads {self.encoder.input_size}"
            )
        if not np.all(np.isfinite(array)):
            raise EngineError(f"{what} contains NaN or infinite values")
        return array

    def source_inputs(self, source: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """(encoder input (T, E), token ids or None) for a source sequence."""
        if self.tokens:
            ids = self.check_tokens(source)
            if ids.ndim != 1:
                raise EngineError(f"the source must be one sequence of token ids, not shape {ids.shape}")
            return self.embed(ids), ids
        return self.check_values(source), None

    def start_input(self, encoder_input: np.ndarray) -> np.ndarray:
        """The decoder's first input: the start token's vector, or the last encoder input x_T (numbers)."""
        if self.tokens:
            return self.embed(np.array(START_TOKEN))
        return np.array(encoder_input[-1])

    def feedback(self, y: np.ndarray) -> tuple[np.ndarray, np.ndarray | None]:
        """The next decoder input from the current output (..., O), and the chosen token ids (None for numbers)."""
        if self.tokens:
            ids = np.argmax(y, axis=-1)
            return self.embed(ids), ids
        return np.array(y, dtype=self.dtype), None

    # Context ---------------------------------------------------------------------------------------------
    def context_of(self, encoder_trace: Trace) -> tuple[np.ndarray, np.ndarray | None]:
        """The encoder's final (h, C) per layer, (L, H) each; C is None unless the encoder is an LSTM."""
        layers = range(self.num_layers)
        h = np.stack([encoder_trace[trace_key("h", k)][-1] for k in layers])
        if not self.encoder.spec.has_cell_state:
            return h, None
        return h, np.stack([encoder_trace[trace_key("c", k)][-1] for k in layers])

    def check_context(self, context: Any) -> tuple[np.ndarray, np.ndarray | None]:
        """An edited context: ``h`` or ``(h, C)``, each (L, H)."""
        shape = (self.num_layers, self.hidden_size)
        if isinstance(context, tuple):
            h, c = context
        else:
            h, c = context, None
        try:
            h = np.asarray(h, dtype=self.dtype).reshape(shape)
            c = None if c is None else np.asarray(c, dtype=self.dtype).reshape(shape)
        except ValueError:
            raise EngineError(f"the context must be (h, C) with each of shape {shape} (layers, hidden units)") from None
        if not np.all(np.isfinite(h)) or (c is not None and not np.all(np.isfinite(c))):
            raise EngineError("the context contains NaN or infinite values")
        if c is None and self.encoder.spec.has_cell_state:
            raise EngineError("an LSTM encoder's context has two parts: give (h, C)")
        return h, c

    def decoder_state(self, h: np.ndarray, c: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
        """The decoder's initial (h_0, C_0): the context, with C_0 = 0 for an LSTM decoder after a GRU/RNN."""
        if not self.decoder.spec.has_cell_state:
            return h, None
        return h, (np.zeros_like(h) if c is None else c)

    # Running ---------------------------------------------------------------------------------------------
    def run(
        self, source: Any, target: Any | None = None, *, steps: int | None = None, context: Any | None = None
    ) -> Seq2SeqTrace:
        """Encode ``source``, then decode with teacher forcing (``target`` given: T_dec = len(target)) or
        free-running for ``steps`` steps (default: as many as the source has).

        ``context``: ``h`` or ``(h, C)`` per layer to start the decoder from instead of the encoder's final
        state (the encoder trace is still the real one). Tokens: ``source``/``target`` are integer ids.
        """
        enc_x, enc_tokens = self.source_inputs(source)
        encoder_trace = self.encoder.run(enc_x)
        if context is None:
            ctx_h, ctx_c = self.context_of(encoder_trace)
        else:
            ctx_h, ctx_c = self.check_context(context)
        token_arrays: dict[str, np.ndarray] = {}
        if enc_tokens is not None:
            token_arrays["enc_tokens"] = enc_tokens
        if target is not None:
            if steps is not None:
                raise EngineError("give a target (teacher forcing) or a number of steps (free-running), not both")
            decoder_trace, fed = self.decode_teacher(enc_x, target, ctx_h, ctx_c)
            mode = TEACHER_FORCING
        else:
            count = enc_x.shape[0] if steps is None else int(steps)
            if count < 1:
                raise EngineError(f"the decoder must run at least 1 step, not {count}")
            decoder_trace, fed = self.decode_free(enc_x, count, ctx_h, ctx_c)
            mode = FREE_RUNNING
        if self.tokens:
            token_arrays["dec_tokens"] = fed["tokens"]
            token_arrays["dec_pred"] = np.argmax(decoder_trace["y"], axis=1)
            if target is not None:
                token_arrays["dec_target"] = fed["target"]
        return Seq2SeqTrace.build(
            encoder_trace,
            decoder_trace,
            ctx_h,
            ctx_c,
            inputs=self.inputs,
            mode=mode,
            edited_context=context is not None,
            tokens=token_arrays,
        )

    def teacher_inputs(self, encoder_input: np.ndarray, target: Any) -> dict[str, np.ndarray]:
        """The teacher-forced decoder inputs (T_dec, E): the start input, then target_0 .. target_{T-2}."""
        start = self.start_input(encoder_input)[None]
        if self.tokens:
            goal = self.check_tokens(target, "the target")
            if goal.ndim != 1:
                raise EngineError(f"the target must be one sequence of token ids, not shape {goal.shape}")
            fed = np.concatenate([[START_TOKEN], goal[:-1]]).astype(np.int64)
            return {"x": self.embed(fed), "tokens": fed, "target": goal}
        goal_values = self.check_values(target, "the target")
        return {"x": np.concatenate([start, goal_values[:-1]]), "target": goal_values}

    def decode_teacher(
        self, encoder_input: np.ndarray, target: Any, h: np.ndarray, c: np.ndarray | None
    ) -> tuple[Trace, dict[str, np.ndarray]]:
        """The decoder's trace under teacher forcing (one run: every input is known up front)."""
        fed = self.teacher_inputs(encoder_input, target)
        h0, c0 = self.decoder_state(h, c)
        return self.decoder.run(fed["x"], h0, c0), fed

    def decode_free(
        self, encoder_input: np.ndarray, steps: int, h: np.ndarray, c: np.ndarray | None
    ) -> tuple[Trace, dict[str, np.ndarray]]:
        """The decoder's trace free-running: each step's output (argmax token, or the values) is the next input."""
        h0, c0 = self.decoder_state(h, c)
        x_t = self.start_input(encoder_input)
        fed_tokens = [START_TOKEN]
        parts: list[Trace] = []
        state_h, state_c = h0, c0
        has_c = self.decoder.spec.has_cell_state
        for t in range(steps):
            part = self.decoder.run(x_t[None], state_h, state_c)
            parts.append(part)
            state_h = np.stack([part[trace_key("h", k)][-1] for k in range(self.num_layers)])
            if has_c:
                state_c = np.stack([part[trace_key("c", k)][-1] for k in range(self.num_layers)])
            if t + 1 < steps:
                x_t, ids = self.feedback(part["y"][-1])
                if ids is not None:
                    fed_tokens.append(int(ids))
        arrays = {key: np.concatenate([part[key] for part in parts]) for key in parts[0]}
        trace = Trace(
            cell=self.decoder.cell,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            arrays=arrays,
            h0=tuple(np.array(row) for row in h0),
            c0=tuple(np.array(row) for row in c0) if c0 is not None else (),
        )
        fed: dict[str, np.ndarray] = {"x": arrays["x"]}
        if self.tokens:
            fed["tokens"] = np.array(fed_tokens, dtype=np.int64)
        return trace, fed


def first_difference(first: Seq2SeqTrace, second: Seq2SeqTrace, tolerance: float = 1e-9) -> int | None:
    """The first decoder step where two runs' outputs part (tokens: a different argmax; numbers: a value apart by
    more than ``tolerance``), or None when they agree over their common length."""
    steps = min(first.decoder_steps, second.decoder_steps)
    a, b = first.predictions()[:steps], second.predictions()[:steps]
    if a.ndim == 1:
        differ = a != b
    else:
        differ = np.any(np.abs(a - b) > tolerance, axis=1)
    hits = np.flatnonzero(differ)
    return int(hits[0]) if hits.size else None
