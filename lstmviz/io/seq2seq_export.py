"""An encoder-decoder trace to ``.npz``: every key of the record, plus each side's time axis.

Keys (``np.load(path)["enc_f_l0"]`` is ``trace["enc_f_l0"]``): ``enc_x``, ``enc_t`` (T_enc,), ``enc_h_l{k}``,
``enc_c_l{k}``, ``enc_f_l{k}``, ...; ``dec_x``, ``dec_t`` (T_dec,), ``dec_h_l{k}``, ..., ``dec_y``; ``context_h``
(L, H), ``context_c`` (L, H, LSTM encoders); token models add ``enc_tokens``, ``dec_tokens``, ``dec_pred`` and, under
teacher forcing, ``dec_target``; ``decode_mode`` is ``teacher`` or ``free`` (a 0-d string, not an object).

CSV is refused: the two sides have different lengths and different quantities, which one table cannot hold
without inventing empty cells.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any, cast

import numpy as np

from ..engine.seq2seq_trace import Seq2SeqTrace
from .atomic import atomic_open
from .errors import ExportError

__all__ = ["check_seq2seq_trace_path", "export_seq2seq_trace", "seq2seq_trace_arrays"]


def seq2seq_trace_arrays(trace: Seq2SeqTrace) -> dict[str, np.ndarray]:
    """What :func:`export_seq2seq_trace` writes, as a dict (time axes are step numbers)."""
    arrays: dict[str, np.ndarray] = {}
    for prefix, steps in (("enc_", trace.encoder_steps), ("dec_", trace.decoder_steps)):
        arrays[prefix + "x"] = np.asarray(trace[prefix + "x"])
        arrays[prefix + "t"] = np.arange(steps, dtype=np.float64)
        arrays.update({key: np.asarray(value) for key, value in trace.items() if key.startswith(prefix)})
    arrays.update({key: np.asarray(value) for key, value in trace.items() if key not in arrays})
    arrays["decode_mode"] = np.array(trace.mode)
    return arrays


def check_seq2seq_trace_path(path: str | os.PathLike[str]) -> str:
    """The name to report for ``path``; an :class:`ExportError` unless it is a ``.npz`` file."""
    name = "standard output" if os.fspath(path) == "-" else os.fspath(path)
    suffix = Path(path).suffix.lower() if name != "standard output" else ""
    if suffix != ".npz":
        raise ExportError(
            f"{name}: an encoder-decoder trace has two time axes (encoder and decoder steps), which one CSV table "
            "cannot hold; write it to a .npz file"
        )
    return name


def export_seq2seq_trace(trace: Seq2SeqTrace, path: str | os.PathLike[str]) -> None:
    """Write an encoder-decoder trace to ``.npz``, atomically; anything else is an :class:`ExportError`."""
    name = check_seq2seq_trace_path(path)
    arrays = seq2seq_trace_arrays(trace)
    try:
        with atomic_open(path, "wb") as out:
            np.savez(out, **cast("dict[str, Any]", arrays))
    except OSError as exc:
        raise ExportError(f"{name}: cannot be written ({exc.strerror or exc})") from None
