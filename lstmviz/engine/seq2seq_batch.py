"""The encoder-decoder on batches: teacher-forced forward, BPTT through both sides, free-running decoding.

Built on the batched engine (:mod:`lstmviz.engine.batched`), chained the way its docstring describes: the encoder's
final states ``h_T``/``c_T`` are the decoder's ``h0``/``c0``; backward runs the decoder first, and its ``dh0``/``dc0``
(dL/d context) enter the encoder as ``dh_T``/``dc_T``. The encoder therefore receives gradient only through the
context vector. The embedding's gradient is the scatter-add of dL/dx over the token ids each side read:

    dL/dE[v] = sum over (b, t) with enc_ids[b, t] = v of dL/dx^enc[b, t] + the same over the decoder's inputs.

Losses, per example b and target step t with mask m[b, t] (N = sum of the mask):

- tokens: L = -(1/N) sum m[b, t] log softmax(z[b, t])[target[b, t]], z the output layer's pre-activation
  (``torch.nn.CrossEntropyLoss`` on logits, whatever the output activation shows);
- numbers: L = (1/(N D)) sum m[b, t] ||y[b, t] - target[b, t]||^2 (``torch.nn.MSELoss`` when the mask is all ones).

Teacher forcing is what training uses; free-running decoding (:func:`decode_free`) is for evaluation, where each
step's argmax token (or value) is fed back and nothing is differentiated through that choice.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np

from . import batched
from .errors import EngineError
from .seq2seq import DECODER, EMBED_WEIGHT, ENCODER, OUTPUT_NAMES, START_TOKEN, Seq2Seq


@dataclass(frozen=True)
class TeacherForward:
    """One teacher-forced forward pass over a batch: both sides' batched caches and what each side read."""

    encoder: batched.BatchCache
    decoder: batched.BatchCache
    enc_ids: np.ndarray | None
    """(B, T_enc) source token ids (None for numbers)."""
    dec_ids: np.ndarray | None
    """(B, T_dec) decoder input ids: the start token, then target[:, :-1] (None for numbers)."""
    logits: np.ndarray
    """(B, T_dec, O): the output layer's pre-activation W_fc h_t + b_fc."""


@dataclass(frozen=True)
class Seq2SeqGradients:
    """A loss, its gradient for every parameter (named as :meth:`Seq2Seq.state_dict`), and dL/d(context)."""

    loss: float
    params: dict[str, np.ndarray]
    context_h: np.ndarray
    """dL/dh_T^enc, (L, B, H): what reaches the encoder through the context vector."""
    context_c: np.ndarray | None
    """dL/dC_T^enc (L, B, H) for an LSTM encoder whose C is handed to an LSTM decoder, else None."""


def _sources(model: Seq2Seq, source: Any) -> tuple[np.ndarray, np.ndarray | None]:
    """(encoder inputs (B, T, E), ids (B, T) or None)."""
    if model.tokens:
        ids = model.check_tokens(source, column=False)
        if ids.ndim != 2:
            raise EngineError(f"a batch of token sources must be (batch, steps), not {ids.shape}")
        return model.embed(ids), ids
    values = np.asarray(source, dtype=model.dtype)
    width = model.encoder.input_size
    if values.ndim == 2 and width == 1:
        values = values[:, :, None]
    if values.ndim != 3 or values.shape[2] != width:
        raise EngineError(f"a batch of numeric sources must be (batch, steps, {width}), not {values.shape}")
    return values, None


def _targets(model: Seq2Seq, target: Any, batch: int) -> np.ndarray:
    if model.tokens:
        ids = model.check_tokens(target, "the target", column=False)
        if ids.ndim != 2 or ids.shape[0] != batch:
            raise EngineError(f"the targets must be (batch={batch}, steps) token ids, not {ids.shape}")
        return ids
    values = np.asarray(target, dtype=model.dtype)
    if values.ndim == 2 and model.output_size == 1:
        values = values[:, :, None]
    if values.ndim != 3 or values.shape[0] != batch or values.shape[2] != model.output_size:
        raise EngineError(f"the targets must be (batch={batch}, steps, {model.output_size}), not {values.shape}")
    if not np.all(np.isfinite(values)):
        raise EngineError("the targets contain NaN or infinite values")
    return values


def decoder_initial(model: Seq2Seq, h_T: np.ndarray, c_T: np.ndarray | None) -> tuple[np.ndarray, np.ndarray | None]:
    """The decoder's (h0, c0) from the encoder's final states (C_0 = 0 for an LSTM decoder after a GRU/RNN)."""
    if not model.decoder.spec.has_cell_state:
        return h_T, None
    return h_T, (np.zeros_like(h_T) if c_T is None else c_T)


def teacher_forward(model: Seq2Seq, source: Any, target: Any) -> TeacherForward:
    """Encode ``source`` (B, T_enc[, D]) and decode with the true previous outputs of ``target`` as inputs."""
    enc_x, enc_ids = _sources(model, source)
    goal = _targets(model, target, enc_x.shape[0])
    encoder = batched.forward(model.encoder, enc_x)
    h0, c0 = decoder_initial(model, encoder.h_T, encoder.c_T)
    if model.tokens:
        dec_ids = np.concatenate([np.full((goal.shape[0], 1), START_TOKEN, np.int64), goal[:, :-1]], axis=1)
        dec_x = model.embed(dec_ids)
    else:
        dec_ids = None
        dec_x = np.concatenate([enc_x[:, -1:], goal[:, :-1]], axis=1)
    decoder = batched.forward(model.decoder, dec_x, h0, c0)
    weight, bias = model.decoder.output_parameters()
    assert weight is not None
    logits = decoder.h @ weight.T + (0.0 if bias is None else bias)
    return TeacherForward(encoder, decoder, enc_ids, dec_ids, logits)


def _mask(mask: Any | None, shape: tuple[int, int], dtype: np.dtype) -> np.ndarray:
    if mask is None:
        return np.ones(shape, dtype=dtype)
    array = np.asarray(mask, dtype=dtype)
    if array.shape != shape:
        raise EngineError(f"the mask must be {shape} (batch, target steps), not {array.shape}")
    if array.sum() <= 0:
        raise EngineError("the mask leaves no target step to learn from")
    return array


def _loss_gradient(
    model: Seq2Seq, run: TeacherForward, goal: np.ndarray, mask: np.ndarray
) -> tuple[float, dict[str, Any]]:
    """The loss value, and where its gradient enters the decoder (``dh`` with the fc gradients, or ``dy``)."""
    count = float(mask.sum())
    if model.tokens:
        logits = run.logits
        shifted = logits - logits.max(axis=-1, keepdims=True)
        log_z = np.log(np.exp(shifted).sum(axis=-1))
        picked = np.take_along_axis(shifted, goal[..., None], axis=-1)[..., 0]
        value = float(np.sum((log_z - picked) * mask) / count)
        d_pre = np.exp(shifted - log_z[..., None])
        np.put_along_axis(d_pre, goal[..., None], np.take_along_axis(d_pre, goal[..., None], axis=-1) - 1.0, axis=-1)
        d_pre *= (mask / count)[..., None]
        weight, _ = model.decoder.output_parameters()
        assert weight is not None
        h_top = run.decoder.h
        fc = {"fc.weight": np.einsum("bto,bth->oh", d_pre, h_top), "fc.bias": d_pre.sum(axis=(0, 1))}
        return value, {"dh": d_pre @ weight, "fc": fc}
    y = run.decoder.y
    assert y is not None
    diff = (y - goal) * mask[..., None]
    elements = count * y.shape[-1]
    return float(np.sum(diff * diff) / elements), {"dy": diff * (2.0 / elements)}


def loss_and_gradients(model: Seq2Seq, source: Any, target: Any, mask: Any | None = None) -> Seq2SeqGradients:
    """BPTT through the decoder, then through the encoder from dL/d(context): the teacher-forced loss's gradient
    for every parameter, named as in :meth:`Seq2Seq.state_dict`."""
    run = teacher_forward(model, source, target)
    goal = _targets(model, target, run.encoder.batch)
    weights = _mask(mask, goal.shape[:2], model.dtype)
    value, seed = _loss_gradient(model, run, goal, weights)
    dec = batched.backward(run.decoder, dy=seed.get("dy"), dh=seed.get("dh"))
    dec_params = dict(dec.params)
    dec_params.update(seed.get("fc", {}))
    passes_c = model.encoder.spec.has_cell_state and model.decoder.spec.has_cell_state
    d_context_c = dec.dc0 if passes_c else None
    enc = batched.backward(run.encoder, dh_T=dec.dh0, dc_T=d_context_c)
    params = {ENCODER + k: v for k, v in enc.params.items()}
    params.update({(k if k in OUTPUT_NAMES else DECODER + k): v for k, v in dec_params.items()})
    if model.embedding is not None:
        grad = np.zeros_like(model.embedding)
        assert run.enc_ids is not None and run.dec_ids is not None
        np.add.at(grad, run.enc_ids.reshape(-1), enc.dx.reshape(-1, grad.shape[1]))
        np.add.at(grad, run.dec_ids.reshape(-1), dec.dx.reshape(-1, grad.shape[1]))
        params[EMBED_WEIGHT] = grad
    ordered = {name: params[name] for name in model.state_dict()}
    return Seq2SeqGradients(value, ordered, dec.dh0, d_context_c)


def decode_free(model: Seq2Seq, source: Any, steps: int) -> np.ndarray:
    """Free-running decoding of a batch: token ids (B, steps), or values (B, steps, D), each output fed back."""
    if steps < 1:
        raise EngineError(f"the decoder must run at least 1 step, not {steps}")
    enc_x, _ = _sources(model, source)
    encoder = batched.forward(model.encoder, enc_x)
    h, c = decoder_initial(model, encoder.h_T, encoder.c_T)
    batch = enc_x.shape[0]
    if model.tokens:
        x_t = model.embed(np.full((batch, 1), START_TOKEN, np.int64))
        out = np.empty((batch, steps), dtype=np.int64)
    else:
        x_t = enc_x[:, -1:]
        out = np.empty((batch, steps, model.output_size), dtype=model.dtype)
    for t in range(steps):
        step = batched.forward(model.decoder, x_t, h, c)
        y = step.y
        assert y is not None
        h, c = step.h_T, step.c_T
        if model.tokens:
            ids = np.argmax(y[:, 0], axis=-1)
            out[:, t] = ids
            x_t = model.embed(ids[:, None])
        else:
            out[:, t] = y[:, 0]
            x_t = y
    return out
