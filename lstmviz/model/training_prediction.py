"""What the network answers on held-out data, against what it should answer: the Train panel's prediction view.

Plain data, no Qt, computed from a task and a network in the task's own units (the network the training loop
holds). Each task says it its own way:

- ``copy``: for the first validation sequences, the symbol recalled at the cue against the symbol shown;
- ``adding``: the sum output at the last step against the true sum;
- ``next-value``: the forecast ``horizon`` steps ahead at the end of every validation window, in the user's units
  (the task's normalisation undone), against the real series (first column);
- ``next-char``: the character predicted at every step of the first validation window against the next one.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..engine.batched import forward
from ..engine.network import Network
from ..io.task_series import NextCharTask, NextValueTask
from ..io.tasks import AddingTask, CopyTask, Task

SHOWN_EXAMPLES = 40
"""Validation sequences shown for copy and adding (enough to judge, few enough to read)."""
CELL_BUDGET = 50_000
"""At most this many (sequence, step) cells are run for one prediction: it is redrawn on the GUI thread up to 10
times a second, so long sequences show fewer examples (at least one) and a series fewer forecast windows."""
LIVE_STEPS = 2_000
"""Sequences longer than this are predicted only when the run pauses or ends, not live (one sequence of them is
already a noticeable wait on the GUI thread)."""


def rows_within_budget(steps: int, wanted: int, budget: int = CELL_BUDGET) -> int:
    return max(1, min(wanted, budget // max(steps, 1)))


@dataclass(frozen=True)
class Prediction:
    """Two series to draw over one x axis: what the network should output, and what it does."""

    x_label: str
    y_label: str
    target_x: np.ndarray
    target: np.ndarray
    output_x: np.ndarray
    output: np.ndarray
    target_name: str = "target"
    output_name: str = "network"
    classes: tuple[str, ...] | None = None
    """Names of the y values when they are class indices (symbols, characters), else None."""
    split: float | None = None
    """Where the validation part of a series begins (next-value), else None."""
    score: str = ""
    """One line saying how well the output matches (e.g. ``"37 of 40 recalled"``)."""


def _outputs(network: Network, x: np.ndarray) -> np.ndarray:
    y = forward(network, x).y
    assert y is not None
    return np.asarray(y, dtype=np.float64)


def predict(task: Task, network: Network, examples: int = SHOWN_EXAMPLES) -> Prediction:
    """The network's answers on ``task``'s validation data next to the true ones (see the module docstring)."""
    batch = task.validation()
    shown = rows_within_budget(batch.x.shape[1], min(examples, batch.x.shape[0]))
    if isinstance(task, CopyTask):
        rows = np.arange(shown)
        recalled = np.argmax(_outputs(network, batch.x[rows])[:, -1], axis=1)
        truth = batch.target[rows, -1]
        hits = int(np.sum(recalled == truth))
        return Prediction(
            "validation sequence",
            "symbol",
            rows,
            truth,
            rows,
            recalled,
            "shown at step 0",
            "recalled at the cue",
            classes=task.labels[: task.symbols],
            score=f"{hits} of {len(rows)} recalled",
        )
    if isinstance(task, AddingTask):
        rows = np.arange(shown)
        answer = _outputs(network, batch.x[rows])[:, -1, 0]
        truth = batch.target[rows, -1, 0]
        close = int(np.sum(np.abs(answer - truth) < task.tolerance))
        return Prediction(
            "validation sequence",
            "sum",
            rows,
            truth,
            rows,
            answer,
            "true sum",
            "network's sum",
            score=f"{close} of {len(rows)} within {task.tolerance}",
        )
    if isinstance(task, NextValueTask):
        return _forecast(task, network)
    if isinstance(task, NextCharTask):
        steps = np.arange(batch.x.shape[1])
        guessed = np.argmax(_outputs(network, batch.x[:1])[0], axis=1)
        truth = batch.target[0]
        hits = int(np.sum(guessed == truth))
        return Prediction(
            "step of the first validation window",
            "character",
            steps,
            truth,
            steps,
            guessed,
            "next character",
            "predicted",
            classes=task.vocabulary,
            score=f"{hits} of {len(steps)} right",
        )
    raise ValueError(f"no prediction view for the {task.name} task")


def _forecast(task: NextValueTask, network: Network) -> Prediction:
    values, horizon = task.values, task.horizon
    starts = task.validation_starts
    keep = rows_within_budget(task.window, len(starts))
    if keep < len(starts):  # thinned evenly, as the task thins its own validation windows
        starts = starts[np.linspace(0, len(starts) - 1, keep).round().astype(int)]
    windows = task.windows(starts).x
    forecast = _outputs(network, windows)[:, -1, 0] * task.std[0] + task.mean[0]  # back in the user's units
    at = starts + task.window - 1 + horizon
    truth = values[at, 0]
    persistence = values[at - horizon, 0]
    model_error = float(np.sqrt(np.mean((forecast - truth) ** 2)))
    naive_error = float(np.sqrt(np.mean((persistence - truth) ** 2)))
    column = task.labels[0] if task.labels else "value"
    return Prediction(
        "step",
        column,
        np.arange(values.shape[0]),
        values[:, 0],
        at,
        forecast,
        "real series",
        f"forecast {horizon} ahead",
        split=float(task.split),
        score=f"RMS error {model_error:.4g} (repeating the last value: {naive_error:.4g})",
    )
