"""Tasks on the user's own sequence: forecast the next value of a numeric series, or the next character of a text.

Both cut the sequence into windows and split it chronologically: windows from the first 80% of the steps train,
windows from the last 20% validate (no window crosses the split, so validation never sees training targets).
Training windows come in a seeded random order, reshuffled every epoch.

Next-value normalises each column with the mean and standard deviation of the training part only, trains in
those units, and :meth:`NextValueTask.export` folds the scaling into the first layer's input weights and the
output layer (W' = W / s, b' = b - W m / s; fc' = s fc, b_fc' = s b_fc + m): the exported network reads and
writes the user's units, exactly, so traces, the app and PyTorch all see the real numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field

import numpy as np

from ..engine.batched import forward
from ..engine.network import Network
from ..engine.training import Batch
from .sequence_data import SequenceData
from .task_base import Task, TaskError, class_accuracy, stream

VALIDATION_SHARE = 0.2
MAX_VALIDATION_WINDOWS = 512


def split_point(steps: int) -> int:
    """Steps [0, split) train, [split, steps) validate: the last 20%."""
    return steps - int(round(VALIDATION_SHARE * steps))


DEFAULT_WINDOW = 50
"""Steps per training window of next-value and next-char unless told otherwise."""


def longest_window(steps: int, ahead: int) -> int:
    """The longest window whose targets ``ahead`` steps on fit both the training and the validation part of a
    sequence of ``steps`` (0: none does)."""
    split = split_point(steps)
    return max(0, min(split, steps - split) - ahead)


def _starts(first: int, last: int, limit: int | None = None) -> np.ndarray:
    """Window starts first..last inclusive, thinned evenly to at most ``limit``."""
    starts = np.arange(first, last + 1)
    if limit is not None and len(starts) > limit:
        starts = starts[np.linspace(0, len(starts) - 1, limit).round().astype(int)]
    return starts


def _shuffled_batches(starts: np.ndarray, batch_size: int, rng: np.random.Generator) -> Iterator[np.ndarray]:
    """Endless batches of window starts: a fresh seeded permutation per epoch, batches never mixing epochs
    unless an epoch is shorter than one batch."""
    if batch_size < 1:
        raise TaskError(f"the batch size must be at least 1, not {batch_size}")
    pending = np.empty(0, dtype=np.int64)
    while True:
        while len(pending) < batch_size:
            pending = np.concatenate([pending, rng.permutation(starts)])
        yield pending[:batch_size]
        pending = pending[batch_size:]


class _SeriesWindows:
    """What the tasks over one long series share: training windows start in the first 80% (shuffled, seeded),
    validation windows in the last 20% (in order). A subclass sets ``window``, ``seed``, ``split`` and
    ``windows(starts)``."""

    window: int
    seed: int
    split: int

    def _place_windows(self, steps: int, need: int) -> None:
        self.train_starts = _starts(0, self.split - need)
        self.validation_starts = _starts(self.split, steps - need, MAX_VALIDATION_WINDOWS)

    @property
    def steps(self) -> int:
        return self.window

    def windows(self, starts: np.ndarray) -> Batch:
        raise NotImplementedError

    def batches(self, batch_size: int, seed: int | None = None) -> Iterator[Batch]:
        rng = stream(self.seed if seed is None else seed, 2)
        for starts in _shuffled_batches(self.train_starts, batch_size, rng):
            yield self.windows(starts)

    def validation(self) -> Batch:
        return self.windows(self.validation_starts)


@dataclass
class NextValueTask(_SeriesWindows, Task):
    """Predict every step of a window ``horizon`` steps ahead (MSE on all steps, normalised units).

    Accuracy: the skill over the persistence forecast (x_{t+h} = x_t), 1 - MSE / MSE_persistence: 1 is perfect,
    0 no better than repeating the last value, negative worse.
    """

    values: np.ndarray = field(default_factory=lambda: np.zeros((0, 1)))
    window: int = DEFAULT_WINDOW
    horizon: int = 1
    seed: int = 0
    labels: tuple[str, ...] = ()
    name = "next-value"
    loss = "mse"
    accuracy_name = "skill vs persistence"

    @classmethod
    def from_sequence(
        cls, sequence: SequenceData, window: int = DEFAULT_WINDOW, horizon: int = 1, seed: int = 0
    ) -> NextValueTask:
        if sequence.vocabulary is not None:
            raise TaskError(f"{sequence.source or 'the sequence'} is text; use the next-char task for text")
        return cls(np.asarray(sequence.values, dtype=np.float64), window, horizon, seed, sequence.input_labels)

    def __post_init__(self) -> None:
        steps = self.values.shape[0]
        if self.window < 1 or self.horizon < 1:
            raise TaskError(f"the window and horizon must be at least 1 step, not {self.window} and {self.horizon}")
        self.split = split_point(steps)
        need = self.window + self.horizon
        if self.window > longest_window(steps, self.horizon):
            raise TaskError(
                f"a sequence of {steps:,} steps is too short for windows of {self.window} steps {self.horizon} "
                f"ahead: its training part ({self.split}) and validation part (the last 20%, {steps - self.split}) "
                f"each need at least {need} steps; use a shorter --window or --horizon"
            )
        train = self.values[: self.split]
        self.mean = train.mean(axis=0)
        std = train.std(axis=0)
        self.std = np.where(std > 0, std, 1.0)
        self.scaled = (self.values - self.mean) / self.std
        self.input_size = self.output_size = self.values.shape[1]
        self._place_windows(steps, need)

    def windows(self, starts: np.ndarray) -> Batch:
        offsets = starts[:, None] + np.arange(self.window)[None, :]
        return Batch(self.scaled[offsets], self.scaled[offsets + self.horizon], np.ones(offsets.shape))

    @staticmethod
    def persistence_mse(batch: Batch) -> float:
        """MSE of predicting x_{t+h} = x_t on ``batch`` (normalised units, as the training loss)."""
        return float(np.mean((batch.x - batch.target) ** 2))

    def accuracy(self, y: np.ndarray, batch: Batch) -> float:
        baseline = self.persistence_mse(batch)
        model = float(np.mean((y - batch.target) ** 2))
        return 1.0 - model / baseline if baseline > 0 else float(model == 0)

    def export(self, network: Network) -> Network:
        """Fold the normalisation into the weights: the result reads and writes the user's units."""
        params = dict(network.params)
        w_ih = params["weight_ih_l0"]
        shift = self.mean / self.std
        params["weight_ih_l0"] = w_ih / self.std[None, :]
        if "bias_ih_l0" in params:
            params["bias_ih_l0"] = params["bias_ih_l0"] - w_ih @ shift
        elif np.any(shift != 0):
            raise TaskError("a network without biases cannot hold the input normalisation; train with biases")
        params["fc.weight"] = params["fc.weight"] * self.std[:, None]
        params["fc.bias"] = params["fc.bias"] * self.std + self.mean
        return network.replace(params=params)

    def describe(self) -> str:
        return f"next-value (window {self.window}, horizon {self.horizon})"


@dataclass
class NextCharTask(_SeriesWindows, Task):
    """Predict the next character at every step of a window (cross-entropy); accuracy: share predicted right."""

    classes: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))
    vocabulary: tuple[str, ...] = ()
    window: int = DEFAULT_WINDOW
    seed: int = 0
    name = "next-char"
    loss = "cross-entropy"
    accuracy_name = "next-char accuracy"

    @classmethod
    def from_sequence(cls, sequence: SequenceData, window: int = DEFAULT_WINDOW, seed: int = 0) -> NextCharTask:
        if sequence.vocabulary is None:
            raise TaskError(f"{sequence.source or 'the sequence'} is not text; read it with --text for next-char")
        classes = np.argmax(np.asarray(sequence.values), axis=1).astype(np.int64)
        return cls(classes, tuple(sequence.vocabulary), window, seed)

    def __post_init__(self) -> None:
        steps = len(self.classes)
        if self.window < 1:
            raise TaskError(f"the window must be at least 1 character, not {self.window}")
        self.split = split_point(steps)
        need = self.window + 1
        if self.window > longest_window(steps, 1):
            raise TaskError(
                f"a text of {steps:,} characters is too short for windows of {self.window}: its training part "
                f"and its validation part (the last 20%) each need at least {need} characters; use a shorter "
                "--window or a longer text"
            )
        self.input_size = self.output_size = len(self.vocabulary)
        self._place_windows(steps, need)

    def windows(self, starts: np.ndarray) -> Batch:
        offsets = starts[:, None] + np.arange(self.window)[None, :]
        x = np.zeros(offsets.shape + (len(self.vocabulary),))
        np.put_along_axis(x, self.classes[offsets][:, :, None], 1.0, axis=2)
        return Batch(x, self.classes[offsets + 1], np.ones(offsets.shape))

    def accuracy(self, y: np.ndarray, batch: Batch) -> float:
        return class_accuracy(y, batch)

    def describe(self) -> str:
        return f"next-char (window {self.window}, {len(self.vocabulary)} characters)"


def sample_text(
    network: Network, vocabulary: tuple[str, ...], prime: str, length: int, seed: int = 0, temperature: float = 1.0
) -> str:
    """Feed ``prime``, then draw ``length`` characters one at a time from softmax(y / temperature), each fed back.

    ``prime`` characters outside the vocabulary are skipped; an empty prime starts from the first character.
    """
    if temperature <= 0:
        raise TaskError(f"the sampling temperature must be positive, not {temperature}")
    index = {c: k for k, c in enumerate(vocabulary)}
    codes = [index[c] for c in prime if c in index] or [0]
    size = len(vocabulary)
    x = np.zeros((1, len(codes), size))
    x[0, np.arange(len(codes)), codes] = 1.0
    cache = forward(network, x)
    rng = stream(seed, 3)
    out: list[str] = []
    for _ in range(length):
        assert cache.y is not None
        logits = cache.y[0, -1] / temperature
        p = np.exp(logits - logits.max())
        p /= p.sum()
        code = int(rng.choice(size, p=p))
        out.append(vocabulary[code])
        step = np.zeros((1, 1, size))
        step[0, 0, code] = 1.0
        cache = forward(network, step, cache.h_T, cache.c_T)
    return "".join(out)
