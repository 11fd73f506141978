"""The comparison of RNN, GRU and LSTM as one figure (PNG, SVG or PDF), for the app's export and ``plot --compare``.

Left, one heatmap row per quantity: each cell's h_t and the LSTM's C_t on the same example, drawn by the trace
figure's own heatmap code (colour maps, levels, names and equations). Right, on shared axes: the gradient decay
||dh_T/dh_t|| of the three cells on a log scale, and their training loss curves. The figure states the
measurements it shows and nothing more (accuracy at the last validation, ||dh_T/dh_0|| per cell).
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, Protocol

import numpy as np

from ..engine.network import Network
from .fig_data import DEFAULT_MAX_COLUMNS, QuantityPanel, display_time, log_floor, plan_panels
from .figures import VECTOR_TEXT_RC, Destination, _draw_heatmap, _save, figure_format
from .sequence_data import SequenceData


class CellResult(Protocol):
    """What the figure reads of one compared cell (the model's ``CellResult``; io does not import the model)."""

    cell: str
    network: Network
    losses: list[tuple[int, float]]
    decay: np.ndarray | None
    shares: np.ndarray | None

    @property
    def accuracy(self) -> float | None: ...


CELL_COLORS = {"rnn": "#d62728", "gru": "#2ca02c", "lstm": "#1f77b4"}
"""The app's compare-view colours."""


def _rows(results: Sequence[CellResult]) -> list[tuple[CellResult, str]]:
    """(result, quantity) per heatmap row: h for every cell, C also for the LSTM."""
    rows: list[tuple[CellResult, str]] = []
    for result in results:
        if result.network.spec.has_cell_state:
            rows.append((result, "c"))
        rows.append((result, "h"))
    return rows


def render_compare_figure(
    results: Sequence[CellResult],
    sequence: SequenceData,
    path_or_buffer: Destination,
    *,
    dpi: float = 150,
    format: str | None = None,
    title: str | None = None,
) -> Any:
    """Draw the comparison and write it atomically; returns the matplotlib ``Figure``."""
    fmt = figure_format(path_or_buffer, format)
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    rows = _rows(results)
    time = np.asarray(sequence.time_axis, dtype=np.float64)
    axis = display_time(time, DEFAULT_MAX_COLUMNS)
    with rc_context(VECTOR_TEXT_RC):
        figure = Figure(figsize=(13.0, 1.5 * len(rows) + 1.0), dpi=dpi, layout="constrained")
        grid = figure.add_gridspec(len(rows), 3, width_ratios=(6.0, 0.5, 5.0))
        for index, (result, quantity) in enumerate(rows):
            trace = result.network.run(sequence.values)
            panel = plan_panels(trace, result.network, [quantity], 0, None)[0]
            assert isinstance(panel, QuantityPanel)
            title_text = f"{result.network.spec.title}: {panel.name}"
            ax = figure.add_subplot(grid[index, 0])
            beside = figure.add_subplot(grid[index, 1])
            beside.axis("off")
            _draw_heatmap(
                figure,
                ax,
                beside,
                _named(panel, title_text),
                np.asarray(trace[panel.key]),
                DEFAULT_MAX_COLUMNS,
                axis,
                fmt,
                (),
            )
            if index == len(rows) - 1:
                ax.set_xlabel(sequence.time_label)
        curves = grid[:, 2].subgridspec(3, 1)
        _draw_decay(figure.add_subplot(curves[0]), results, time)
        _draw_shares(figure.add_subplot(curves[1]), results, time)
        _draw_losses(figure.add_subplot(curves[2]), results)
        figure.suptitle(title or _default_title(results, sequence), fontsize=10)
        _save(figure, path_or_buffer, fmt)
    return figure


def _named(panel: QuantityPanel, name: str) -> QuantityPanel:
    from dataclasses import replace

    return replace(panel, name=name)


def _draw_decay(ax: Any, results: Sequence[CellResult], time: np.ndarray) -> None:
    for result in results:
        if result.decay is None:
            continue
        first = float(result.decay[0]) if result.decay.size else float("nan")
        ax.plot(
            time[: result.decay.size],
            log_floor(result.decay),
            color=CELL_COLORS.get(result.cell),
            label=f"{result.cell.upper()} (t = 0: {first:.1e})",
        )
    ax.set_yscale("log")
    ax.set_title(r"gradient decay $\|\partial h_T/\partial h_t\|$", loc="left", fontsize=9, fontweight="bold")
    ax.set_xlabel("step t")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=7, frameon=False)


def _draw_shares(ax: Any, results: Sequence[CellResult], time: np.ndarray) -> None:
    drawn = False
    for result in results:
        shares = result.shares
        if shares is None:
            continue
        late = float(shares[-max(1, shares.size // 5) :].sum())
        ax.plot(
            time[: shares.size],
            log_floor(shares),
            color=CELL_COLORS.get(result.cell),
            label=f"{result.cell.upper()} (last fifth of the steps: {100 * late:.0f}%)",
        )
        drawn = True
    ax.set_title("what an update learns from: share per step", loc="left", fontsize=9, fontweight="bold")
    ax.set_xlabel("step t")
    if drawn:
        ax.set_yscale("log")
        ax.legend(fontsize=7, frameon=False)
    else:
        ax.text(
            0.5, 0.5, "needs a task (a training batch)", ha="center", va="center", transform=ax.transAxes, fontsize=8
        )
        ax.set_xticks([])
        ax.set_yticks([])
    ax.grid(alpha=0.3)


def _draw_losses(ax: Any, results: Sequence[CellResult]) -> None:
    drawn = False
    for result in results:
        if not result.losses:
            continue
        updates, losses = np.array(result.losses, dtype=np.float64).T
        accuracy = "" if result.accuracy is None else f", accuracy {100 * result.accuracy:.0f}%"
        ax.plot(
            updates,
            np.maximum(losses, 1e-12),
            color=CELL_COLORS.get(result.cell),
            linewidth=0.8,
            label=f"{result.cell.upper()}{accuracy}",
        )
        drawn = True
    ax.set_title("training loss", loc="left", fontsize=9, fontweight="bold")
    ax.set_xlabel("update")
    if drawn:
        ax.set_yscale("log")
        ax.legend(fontsize=7, frameon=False)
    else:
        ax.text(0.5, 0.5, "untrained (0 updates)", ha="center", va="center", transform=ax.transAxes, fontsize=8)
        ax.set_xticks([])
        ax.set_yticks([])
    ax.grid(alpha=0.3)


def _default_title(results: Sequence[CellResult], sequence: SequenceData) -> str:
    hidden = results[0].network.hidden_size if results else 0
    updates = max((r.losses[-1][0] for r in results if r.losses), default=0)
    what = f"after {updates:,} updates" if updates else "untrained"
    return f"RNN vs GRU vs LSTM, H = {hidden}, {what}, on {sequence.source or 'the sequence'}"
