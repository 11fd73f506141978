"""An encoder-decoder session for the app: the model, a source and target, the decoding mode, an edited context.

The app's gate diagram and heatmaps observe a :class:`~lstmviz.model.document.Document`. Each side of the
encoder-decoder gets its own :class:`SideDocument`, whose trace is handed to it by the session instead of being
computed from its sequence, so the same views draw the encoder and the decoder unchanged. Playback runs one global
step through the encoder's steps and then the decoder's. No Qt here: events are psygnal signals.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from psygnal import Signal, SignalGroup

from ..engine.errors import EngineError
from ..engine.network import Network
from ..engine.seq2seq import Seq2Seq, first_difference
from ..engine.seq2seq_trace import FREE_RUNNING, TEACHER_FORCING, Seq2SeqTrace
from ..engine.trace import Trace
from ..io.sequence_data import SequenceData
from .document import Document


class SideDocument(Document):
    """A Document showing a trace it is given (one side of an encoder-decoder run)."""

    def __init__(self, network: Network, sequence: SequenceData, trace: Trace) -> None:
        self._given = trace
        super().__init__(network, sequence)

    def _begin_recompute(self) -> bool:
        self.generation += 1
        self.compute.invalidate()
        self.compute.provide("trace", self._given, self._given.steps)
        return True

    def show(self, network: Network, sequence: SequenceData, trace: Trace) -> None:
        """Replace what this side shows (a new run, mode or context) and tell the views."""
        self._given = trace
        self.apply_state(network=network, sequence=sequence)


class SessionEvents(SignalGroup):
    run_changed = Signal()
    """A new run: mode, context or source changed (both traces and the first difference may differ)."""
    step_changed = Signal(int)
    """The global playback step, 0 .. encoder steps + decoder steps - 1."""
    model_changed = Signal()
    """Another model is shown (training, or undoing it)."""
    history_changed = Signal()
    """An undo step was recorded or undone."""


def _side_sequence(trace: Trace, side: str, tokens: np.ndarray | None) -> SequenceData:
    x = np.asarray(trace["x"])
    labels = tuple(f"e{k}" for k in range(x.shape[1])) if x.shape[1] > 1 else ("x",)
    source = f"{side}" + (f" tokens {' '.join(str(int(t)) for t in tokens)}" if tokens is not None else "")
    below = {"encoder": "source token", "decoder": "output token"}[side]
    label = f"{side} step" + (f" ({below} below)" if tokens is not None else "")
    return SequenceData(values=x, input_labels=labels, source=source, time_label=label)


class Seq2SeqSession:
    """What the seq2seq view shows, and the only way it changes: mode, context edits, playback step."""

    def __init__(self, model: Seq2Seq, source: Any, target: Any | None = None, steps: int | None = None) -> None:
        self.events = SessionEvents()
        self.model = model
        self.source = source
        self.target = target
        self.steps = steps
        self.mode = TEACHER_FORCING if target is not None else FREE_RUNNING
        self.context: tuple[np.ndarray, np.ndarray | None] | None = None
        self.global_step = 0
        self.task_name = "reverse"
        """The token task a random source is drawn for (its target: reversed, or sorted)."""
        self._undo: list[tuple[str, Seq2Seq, Any, Any, int | None, str]] = []
        self._run()
        enc, dec = self.trace.encoder, self.trace.decoder
        self.encoder_doc = SideDocument(
            model.encoder, _side_sequence(enc, "encoder", self.trace.get("enc_tokens")), enc
        )
        self.decoder_doc = SideDocument(
            model.decoder, _side_sequence(dec, "decoder", self.trace.get("dec_tokens")), dec
        )

    # Runs ------------------------------------------------------------------------------------------------
    def _decode(self, mode: str) -> Seq2SeqTrace:
        context = self.context
        if mode == TEACHER_FORCING:
            return self.model.run(self.source, self.target, context=context)
        count = self.steps if self.steps is not None else (len(self.target) if self.target is not None else None)
        return self.model.run(self.source, steps=count, context=context)

    def _run(self) -> None:
        self.trace = self._decode(self.mode)
        other = FREE_RUNNING if self.mode == TEACHER_FORCING else TEACHER_FORCING
        self.other = self._decode(other) if (other == FREE_RUNNING or self.target is not None) else None

    def _publish(self) -> None:
        self._run()
        dec = self.trace.decoder
        self.decoder_doc.show(self.model.decoder, _side_sequence(dec, "decoder", self.trace.get("dec_tokens")), dec)
        self.events.run_changed.emit()

    def set_source(self, source: Any, target: Any | None = None, steps: int | None = None) -> None:
        """A new source (and target, or a free-running length): both sides re-run, an edited context is dropped.

        A source or target the model cannot read raises :class:`EngineError` and leaves the session as it was.
        """
        before = (self.source, self.target, self.steps, self.mode, self.context)
        self.source, self.target, self.steps, self.context = source, target, steps, None
        if target is None:
            self.mode = FREE_RUNNING
        elif before[1] is None:  # a target given for the first time: show what it is for
            self.mode = TEACHER_FORCING
        try:
            self._run()
        except EngineError:
            self.source, self.target, self.steps, self.mode, self.context = before
            raise
        self._show_both()

    def _show_both(self) -> None:
        enc, dec = self.trace.encoder, self.trace.decoder
        self.encoder_doc.show(self.model.encoder, _side_sequence(enc, "encoder", self.trace.get("enc_tokens")), enc)
        self.decoder_doc.show(self.model.decoder, _side_sequence(dec, "decoder", self.trace.get("dec_tokens")), dec)
        self.events.run_changed.emit()
        self.set_global_step(min(self.global_step, self.total_steps - 1))

    # Models and undo ---------------------------------------------------------------------------------------
    def set_model(self, model: Seq2Seq, source: Any | None = None, target: Any | None = None) -> None:
        """Show another model of the same shape (a training run's latest) on the same source, or on ``source`` and
        ``target`` when given; an edited context is kept only while the shape allows it."""
        before = (self.model, self.source, self.target, self.steps, self.mode, self.context)
        self.model = model
        if source is not None:
            self.source, self.target, self.steps = source, target, None
            self.mode = TEACHER_FORCING if target is not None else FREE_RUNNING
        try:
            self._run()
        except EngineError:
            self.model, self.source, self.target, self.steps, self.mode, self.context = before
            raise
        self._show_both()
        self.events.model_changed.emit()

    def remember(self, text: str) -> None:
        """Record the current model and source as one undo step (a whole training run is one step)."""
        self._undo.append((text, self.model, self.source, self.target, self.steps, self.mode))
        self.events.history_changed.emit()

    @property
    def undo_text(self) -> str | None:
        """What :meth:`undo` would undo (``Train reverse``), None when there is nothing."""
        return self._undo[-1][0] if self._undo else None

    def undo(self) -> None:
        """Go back to the model and source of the last remembered step."""
        if not self._undo:
            return
        _, model, source, target, steps, mode = self._undo.pop()
        self.model, self.source, self.target, self.steps, self.mode, self.context = (
            model,
            source,
            target,
            steps,
            mode,
            None,
        )
        self._run()
        self._show_both()
        self.events.model_changed.emit()
        self.events.history_changed.emit()

    @property
    def has_target(self) -> bool:
        return self.target is not None

    @property
    def total_steps(self) -> int:
        return self.trace.encoder_steps + self.trace.decoder_steps

    def first_difference(self) -> int | None:
        """The first decoder step where teacher forcing and free-running outputs part (None: they agree)."""
        return None if self.other is None else first_difference(self.trace, self.other)

    def set_mode(self, mode: str) -> None:
        if mode not in (TEACHER_FORCING, FREE_RUNNING):
            raise ValueError(f"unknown decoding mode {mode!r}")
        if mode == TEACHER_FORCING and self.target is None:
            raise ValueError("teacher forcing needs a target sequence")
        if mode != self.mode:
            self.mode = mode
            self._publish()

    def set_context_value(self, part: str, layer: int, unit: int, value: float) -> None:
        """Edit one unit of the context (``h`` or ``c``) and re-run the decoder from it."""
        h = np.array(self.trace.context_h if self.context is None else self.context[0])
        c_now = self.trace.context_c if self.context is None else self.context[1]
        c = None if c_now is None else np.array(c_now)
        target = h if part == "h" else c
        if target is None:
            raise ValueError("this encoder's context has no cell state")
        target[layer, unit] = float(value)
        self.context = (h, c)
        self._publish()

    def encoder_context(self) -> dict[str, np.ndarray | None]:
        """The encoder's own final state (``h``, ``c``), whatever the decoder was started from."""
        h, c = self.model.context_of(self.trace.encoder)
        return {"h": h, "c": c}

    def reset_context(self) -> None:
        if self.context is not None:
            self.context = None
            self._publish()

    def set_global_step(self, step: int) -> None:
        """Playback: steps [0, T_enc) are the encoder's, then the decoder's."""
        step = int(np.clip(step, 0, self.total_steps - 1))
        self.global_step = step
        t_enc = self.trace.encoder_steps
        if step < t_enc:
            self.encoder_doc.set_step(step)
            self.decoder_doc.set_step(0)
        else:
            self.encoder_doc.set_step(t_enc - 1)
            self.decoder_doc.set_step(step - t_enc)
        self.events.step_changed.emit(step)

    @property
    def active_side(self) -> str:
        return "encoder" if self.global_step < self.trace.encoder_steps else "decoder"
