"""Encoder-decoder tasks as data: generators of (source, target, mask) batches, a loss name and an accuracy measure.

- ``reverse``: a random sequence of symbols, to be written back to front;
- ``sort``: random digits, to be written in ascending order;
- ``forecast``: windows of a numeric series: encode ``window`` steps, decode the next ``horizon`` values, with the
  validation windows taken after the training ones (a chronological split, so no future leaks into training).

Token ids: 0 is the decoder's start token and never appears in a source or target, so ``symbols`` symbols are ids
1..symbols and the vocabulary has symbols + 1 tokens (for ``sort``, digit d is id d + 1). The CLI, the app and the
tests share these generators; nothing here needs Qt.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..engine.errors import EngineError

__all__ = [
    "Seq2SeqBatch",
    "Seq2SeqTask",
    "TOKEN_TASKS",
    "ForecastData",
    "forecast_windows",
    "token_accuracy",
    "sequence_accuracy",
    "make_task",
]


@dataclass(frozen=True)
class Seq2SeqBatch:
    """B examples of one length: sources (B, T_enc) ids or (B, T_enc, D) values, targets likewise, and a (B, T_dec)
    mask of the target steps that count (all ones for the fixed-length tasks here)."""

    source: np.ndarray
    target: np.ndarray
    mask: np.ndarray

    @property
    def size(self) -> int:
        return int(self.source.shape[0])


def token_accuracy(predicted: np.ndarray, target: np.ndarray, mask: np.ndarray | None = None) -> float:
    """Per-token accuracy: the share of (counted) target steps whose predicted id is right."""
    hits = np.asarray(predicted) == np.asarray(target)
    if mask is None:
        return float(np.mean(hits))
    weight = np.asarray(mask, dtype=np.float64)
    return float(np.sum(hits * weight) / max(np.sum(weight), 1.0))


def sequence_accuracy(predicted: np.ndarray, target: np.ndarray) -> float:
    """The share of whole sequences decoded without a single wrong token."""
    return float(np.mean(np.all(np.asarray(predicted) == np.asarray(target), axis=-1)))


@dataclass(frozen=True)
class Seq2SeqTask:
    """A token task: its vocabulary, how to draw a batch, and how it is scored (cross-entropy, per-token accuracy)."""

    name: str
    title: str
    description: str
    vocab_size: int
    draw: Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]
    loss: str = "cross-entropy"
    inputs: str = "tokens"

    def batch(self, rng: np.random.Generator, batch: int, length: int) -> Seq2SeqBatch:
        """``batch`` examples of ``length`` steps (source and target the same length)."""
        if batch < 1 or length < 1:
            raise EngineError(f"a batch needs at least 1 example of at least 1 step, not {batch} x {length}")
        source, target = self.draw(rng, batch, length)
        return Seq2SeqBatch(source, target, np.ones(target.shape, dtype=np.float64))

    def accuracy(self, predicted: np.ndarray, target: np.ndarray, mask: np.ndarray | None = None) -> float:
        return token_accuracy(predicted, target, mask)

    def target_of(self, source: np.ndarray) -> np.ndarray:
        """The task's answer for one source (or a batch, the steps on the last axis): what a window shows as the
        teacher-forcing target of a source typed or drawn for this task."""
        return _RULES[self.name](np.asarray(source))


def _reversed(source: np.ndarray) -> np.ndarray:
    return source[..., ::-1].copy()


def _sorted(source: np.ndarray) -> np.ndarray:
    return np.sort(source, axis=-1)


_RULES: dict[str, Callable[[np.ndarray], np.ndarray]] = {"reverse": _reversed, "sort": _sorted}
"""Each token task's target of a source, shared by the batches and :meth:`Seq2SeqTask.target_of`."""


def _drawing(symbols: int, rule: Callable[[np.ndarray], np.ndarray]) -> Callable[..., tuple[np.ndarray, np.ndarray]]:
    def draw(rng: np.random.Generator, batch: int, length: int) -> tuple[np.ndarray, np.ndarray]:
        source = rng.integers(1, symbols + 1, size=(batch, length))
        return source, rule(source)

    return draw


def _reverse(symbols: int) -> Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]:
    return _drawing(symbols, _reversed)


def _sort(digits: int) -> Callable[[np.random.Generator, int, int], tuple[np.ndarray, np.ndarray]]:
    return _drawing(digits, _sorted)


def make_task(name: str, symbols: int = 10) -> Seq2SeqTask:
    """``reverse`` (``symbols`` symbols) or ``sort`` (``symbols`` digits, 10 by default: 0-9)."""
    if symbols < 1:
        raise EngineError(f"a task needs at least 1 symbol, not {symbols}")
    if name == "reverse":
        return Seq2SeqTask(
            "reverse",
            "Reverse a sequence",
            f"{symbols} symbols (ids 1-{symbols}); the target is the source back to front",
            symbols + 1,
            _reverse(symbols),
        )
    if name == "sort":
        return Seq2SeqTask(
            "sort",
            "Sort digits",
            f"digits 0-{symbols - 1} as ids 1-{symbols}; the target is the source in ascending order",
            symbols + 1,
            _sort(symbols),
        )
    raise EngineError(f"unknown encoder-decoder task {name!r}; choose one of {', '.join(TOKEN_TASKS)} or forecast")


TOKEN_TASKS: tuple[str, ...] = ("reverse", "sort")


@dataclass(frozen=True)
class ForecastData:
    """Training and validation windows of a series, normalised by the training part's mean and spread."""

    train: Seq2SeqBatch
    validation: Seq2SeqBatch
    mean: np.ndarray
    scale: np.ndarray
    split: int
    """The first step of the validation part: every validation target lies at or after it."""
    loss: str = "mse"
    inputs: str = "numbers"

    def denormalise(self, values: np.ndarray) -> np.ndarray:
        """Model outputs back in the series' own units."""
        restored: np.ndarray = values * self.scale + self.mean
        return restored


def forecast_windows(
    series: np.ndarray, window: int, horizon: int, validation: float = 0.2, normalise: bool = True
) -> ForecastData:
    """Every (window, next ``horizon``) pair of a (T,) or (T, D) series, split in time: training pairs lie wholly
    before step ``split = round(T * (1 - validation))``, validation targets at or after it (their encoder windows
    may reach back before it: the past is known when forecasting)."""
    values = np.asarray(series, dtype=np.float64)
    if values.ndim == 1:
        values = values[:, None]
    steps = values.shape[0]
    if window < 1 or horizon < 1:
        raise EngineError(f"the window and the horizon must be at least 1 step, not {window} and {horizon}")
    if not 0.0 < validation < 1.0:
        raise EngineError(f"the validation share must lie between 0 and 1, not {validation}")
    if not np.all(np.isfinite(values)):
        raise EngineError("the series contains NaN or infinite values; fill or drop them first")
    split = int(round(steps * (1.0 - validation)))
    train_starts = np.arange(0, split - window - horizon + 1)
    valid_starts = np.arange(max(split - window, 0), steps - window - horizon + 1)
    if train_starts.size == 0 or valid_starts.size == 0:
        raise EngineError(
            f"a series of {steps} steps is too short for windows of {window} + {horizon} steps with "
            f"{validation:.0%} kept for validation"
        )
    mean = values[:split].mean(axis=0) if normalise else np.zeros(values.shape[1])
    scale = values[:split].std(axis=0) if normalise else np.ones(values.shape[1])
    scale = np.where(scale > 0, scale, 1.0)
    scaled = (values - mean) / scale

    def windows(starts: np.ndarray) -> Seq2SeqBatch:
        source = np.stack([scaled[s : s + window] for s in starts])
        target = np.stack([scaled[s + window : s + window + horizon] for s in starts])
        return Seq2SeqBatch(source, target, np.ones(target.shape[:2], dtype=np.float64))

    return ForecastData(windows(train_starts), windows(valid_starts), mean, scale, split)
