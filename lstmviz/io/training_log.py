"""A run's loss curve as a file: CSV rows (``lstmviz train --log`` and the app's Train panel) and a figure.

The CSV has one row per update; the validation columns are filled on the updates where validation ran and empty
elsewhere, so a spreadsheet or ``pandas.read_csv`` gives NaN there. The figure is drawn by the same machinery as
every other exported figure (:mod:`.figures`: the same formats, vector text, atomic writes): the loss on a log
scale above the task's accuracy.
"""

from __future__ import annotations

import csv
import os
import textwrap
from collections.abc import Iterable, Sequence
from typing import Any

import numpy as np

from .atomic import atomic_open
from .errors import ExportError
from .figures import VECTOR_TEXT_RC, Destination, _save, figure_format

APP_COLUMNS: tuple[str, ...] = ("update", "loss", "val_loss", "val_accuracy")
"""What the app records of a run (the command line adds the gradient norm and the training accuracy)."""
ACCURACY_LOWEST = -100.0
"""Lowest accuracy in view: a forecast's skill can start far below 0% (worse than repeating the last value) and
would squash the part where it learns."""


def accuracy_range(percent: np.ndarray) -> tuple[float, float]:
    """The y range of an accuracy plot in percent: 0..100 always, widened by the values, never below -100."""
    finite = np.asarray(percent, dtype=float)
    finite = finite[np.isfinite(finite)]
    if not finite.size:
        return 0.0, 100.0
    return max(ACCURACY_LOWEST, min(0.0, float(finite.min()))), max(100.0, float(finite.max()))


def write_loss_csv(
    path: str | os.PathLike[str], rows: Iterable[Sequence[Any]], columns: Sequence[str] = APP_COLUMNS
) -> None:
    """Write ``columns`` then ``rows`` (``""`` for a missing value) to ``path``, atomically."""
    try:
        with atomic_open(path, "w", newline="", encoding="utf-8") as stream:
            writer = csv.writer(stream)
            writer.writerow(columns)
            writer.writerows(rows)
    except OSError as error:
        raise ExportError(f"{os.fspath(path)}: cannot be written ({error.strerror or error})") from None


def app_rows(
    train: Sequence[tuple[int, float]], validation: Sequence[tuple[int, float, float]]
) -> list[tuple[Any, ...]]:
    """Rows of :data:`APP_COLUMNS` from the panel's curves: (update, loss) and (update, val_loss, val_accuracy)."""
    scored = {int(update): (loss, accuracy) for update, loss, accuracy in validation}
    rows: list[tuple[Any, ...]] = []
    for update, loss in train:
        val_loss, val_accuracy = scored.get(int(update), ("", ""))
        rows.append((int(update), loss, val_loss, val_accuracy))
    return rows


def render_loss_figure(
    train: Sequence[tuple[int, float]],
    validation: Sequence[tuple[int, float, float]],
    destination: Destination,
    *,
    accuracy_name: str = "accuracy",
    title: str = "",
    format: str | None = None,
    dpi: float = 150.0,
) -> Any:
    """Training and validation loss (log scale) over the validation accuracy, as PNG, SVG or PDF.

    Returns the matplotlib ``Figure``; a file is written atomically.
    """
    fmt = figure_format(destination, format)
    if not train:
        raise ExportError("there is no loss curve to export yet; train first")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    steps, losses = np.array(train, dtype=float).T
    with rc_context(VECTOR_TEXT_RC):
        figure = Figure(figsize=(8.0, 5.0), dpi=dpi, layout="constrained")
        loss_ax, accuracy_ax = figure.subplots(2, 1, sharex=True, height_ratios=[3, 1])
        loss_ax.plot(steps, np.maximum(losses, 1e-12), color="#1f77b4", linewidth=0.8, label="training")
        if validation:
            data = np.array(validation, dtype=float)
            loss_ax.plot(
                data[:, 0], np.maximum(data[:, 1], 1e-12), color="#d62728", marker="o", markersize=3, label="validation"
            )
            accuracy_ax.plot(data[:, 0], 100 * data[:, 2], color="#2ca02c", marker="o", markersize=3)
            low, high = accuracy_range(100 * data[:, 2])
            accuracy_ax.set_ylim(low - 0.05 * (high - low), high + 0.05 * (high - low))
        loss_ax.set_yscale("log")
        loss_ax.set_ylabel("loss")
        loss_ax.legend(loc="upper right")
        loss_ax.grid(True, which="major", alpha=0.3)
        # the accuracy panel is short: a long name (the seq2seq tasks') wraps instead of running off the figure
        accuracy_ax.set_ylabel("\n".join(textwrap.wrap(f"{accuracy_name} %", 16)))
        accuracy_ax.set_xlabel("update")
        accuracy_ax.grid(True, alpha=0.3)
        if title:
            figure.suptitle(title, fontsize=11)
        _save(figure, destination, fmt)
    return figure
