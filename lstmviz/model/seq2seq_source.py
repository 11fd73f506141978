"""A source or target typed in the seq2seq window, read into what the model takes: token ids or values per step.

Tokens are whole numbers separated by spaces or commas (``3 1 4 1 5``). Numbers for a one-value model are separated
the same way (``0.1, 0.5, 0.9``); a model reading D values per step takes steps separated by ``;`` with D values each
(``0.1 2; 0.5 3``). Anything else is an :class:`~lstmviz.engine.errors.EngineError` in one line that says what to
type, so the window can show it and keep the session as it was.
"""

from __future__ import annotations

import re
from typing import Any

import numpy as np

from ..engine.errors import EngineError
from ..engine.seq2seq import Seq2Seq

_SEPARATORS = re.compile(r"[\s,]+")


def _numbers(text: str, what: str, kind: type) -> list[Any]:
    out: list[Any] = []
    for part in _SEPARATORS.split(text.strip()):
        try:
            out.append(kind(part))
        except ValueError:
            need = "a whole-number token id" if kind is int else "a number"
            raise EngineError(f"{what}: {part!r} is not {need}") from None
    return out


def parse_steps(text: str, model: Seq2Seq, what: str = "the source") -> np.ndarray | None:
    """The typed steps as ids (T,) or values (T, D), checked against ``model``; None when ``text`` is blank."""
    if not text.strip():
        return None
    if model.tokens:
        return model.check_tokens(np.array(_numbers(text, what, int), dtype=np.int64), what)
    width = model.encoder.input_size
    if width == 1 and ";" not in text:
        rows = [[value] for value in _numbers(text, what, float)]
    else:
        rows = [_numbers(step, what, float) for step in text.split(";") if step.strip()]
        for index, row in enumerate(rows):
            if len(row) != width:
                raise EngineError(
                    f"{what}: step {index} has {len(row)} value(s) but the model reads {width}; separate steps with ';'"
                )
    return model.check_values(np.array(rows, dtype=np.float64), what)


def steps_text(values: np.ndarray | None) -> str:
    """The inverse of :func:`parse_steps`, to show the current source and target in their fields."""
    if values is None:
        return ""
    array = np.asarray(values)
    if array.dtype.kind in "iu":
        return " ".join(str(int(v)) for v in array)
    if array.ndim == 1 or array.shape[1] == 1:
        return " ".join(f"{float(v):.4g}" for v in array.reshape(-1))
    return "; ".join(" ".join(f"{float(v):.4g}" for v in row) for row in array)
