"""Encoder-decoder figures: both sides' heatmaps with the context strip between them, and the bottleneck curve.

The panels (which quantities, their names, equations and colour ranges) come from the single-network planner
(:func:`lstmviz.io.fig_data.plan_panels`), run on each side's trace; a quantity's colour range covers both sides,
so the same colour means the same value left and right of the context. Like :mod:`lstmviz.io.figures`, matplotlib
is imported lazily and only its object API is used; saving goes through the same atomic writer.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

import numpy as np

from ..engine.seq2seq import Seq2Seq
from ..engine.seq2seq_trace import Seq2SeqTrace
from .errors import ExportError
from .fig_data import QuantityPanel, check_units, plan_panels
from .figures import DIVERGING_CMAP, SEQUENTIAL_CMAP, VECTOR_TEXT_RC, Destination, _save, figure_format
from .seq2seq_bottleneck import BottleneckCurve

__all__ = ["render_seq2seq_figure", "render_bottleneck_figure"]

_ROW_IN = {"io": 1.1, "heatmap": 1.5}
_MAX_TOKEN_LABELS = 40


def _merged_panels(
    trace: Seq2SeqTrace, model: Seq2Seq, show: str | Sequence[str], layer: int
) -> list[tuple[QuantityPanel | None, QuantityPanel | None]]:
    """(encoder panel, decoder panel) per quantity; one side is None where it lacks the quantity (``y``, or ``c``
    when only one side is an LSTM). Colour levels span both sides."""
    sides = []
    for network, side in ((model.encoder, trace.encoder), (model.decoder, trace.decoder)):
        try:
            sides.append(
                {p.key: p for p in plan_panels(side, network, show, layer, None) if isinstance(p, QuantityPanel)}
            )
        except ExportError:
            sides.append({})
    keys = list(dict.fromkeys([*sides[0], *sides[1]]))
    if not keys:
        raise ExportError(f"--show {show!r} selects nothing either side of this encoder-decoder can show")
    out = []
    for key in keys:
        enc, dec = sides[0].get(key), sides[1].get(key)
        if enc is not None and dec is not None and enc.signed and dec.signed:
            high = max(abs(enc.levels[0]), enc.levels[1], abs(dec.levels[0]), dec.levels[1])
            enc = QuantityPanel(enc.key, enc.name, enc.equation, True, (-high, high), symbol=enc.symbol)
            dec = QuantityPanel(dec.key, dec.name, dec.equation, True, (-high, high), symbol=dec.symbol)
        out.append((enc, dec))
    return out


def _token_axis(ax: Any, ids: np.ndarray | None, label: str) -> None:
    ax.set_xlabel(label, fontsize=8)
    if ids is None or ids.size > _MAX_TOKEN_LABELS:
        return
    ax.set_xticks(range(ids.size), [str(int(v)) for v in ids], fontsize=7)


def _heat(ax: Any, values: np.ndarray, panel: QuantityPanel) -> Any:
    from matplotlib.colors import Normalize

    return ax.imshow(
        np.asarray(values).T,
        aspect="auto",
        origin="upper",
        interpolation="nearest",
        cmap=DIVERGING_CMAP if panel.signed else SEQUENTIAL_CMAP,
        norm=Normalize(*panel.levels),
    )


def _io_row(ax: Any, trace: Seq2SeqTrace, side: str, model: Seq2Seq) -> None:
    """The inputs each side read: token ids as text, or the values as lines."""
    if model.tokens:
        ids = trace[f"{side}_tokens"]
        for t, v in enumerate(ids):
            ax.text(t, 0.5, str(int(v)), ha="center", va="center", fontsize=8)
        ax.set_xlim(-0.5, ids.size - 0.5)
        ax.set_yticks([])
    else:
        values = np.asarray(trace[f"{side}_x"])
        for column in range(values.shape[1]):
            ax.plot(np.arange(values.shape[0]), values[:, column], lw=1.0, marker=".")
        ax.grid(True, lw=0.3, alpha=0.5)
    title = (
        "source x_t (encoder input)"
        if side == "enc"
        else (
            "decoder input: "
            + (
                "true previous output (teacher forcing)"
                if trace.mode == "teacher"
                else "its own previous output (free-running)"
            )
        )
    )
    ax.set_title(title, loc="left", fontsize=8)


def render_seq2seq_figure(
    trace: Seq2SeqTrace,
    model: Seq2Seq,
    path_or_buffer: Destination,
    *,
    show: str | Sequence[str] = "gates",
    layer: int = 0,
    units: Sequence[int] | None = None,
    dpi: float = 150,
    size: tuple[int, int] | None = None,
    format: str | None = None,
    title: str | None = None,
) -> Any:
    """Encoder heatmaps over the source steps, the context vector as a strip, decoder heatmaps over the output steps,
    and the decoder's outputs (with the predicted tokens and, under teacher forcing, the target)."""
    fmt = figure_format(path_or_buffer, format)
    check_units(units, model.hidden_size)
    if not 0 <= layer < model.num_layers:
        raise ExportError(f"--layer {layer}: the model has {model.num_layers} layer(s), numbered from 0")
    rows = _merged_panels(trace, model, show, layer)
    rows = [row for row in rows if not (row[0] is None and row[1] is not None and row[1].key == "y")]
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    t_enc, t_dec = trace.encoder_steps, trace.decoder_steps
    heights = [_ROW_IN["io"]] + [_ROW_IN["heatmap"]] * (len(rows) + 1)
    figsize = (size[0] / dpi, size[1] / dpi) if size else (max(8.0, 0.45 * (t_enc + t_dec) + 3.5), sum(heights) + 0.8)
    with rc_context(VECTOR_TEXT_RC):
        figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
        grid = figure.add_gridspec(
            len(heights),
            4,
            width_ratios=[t_enc, max(1.5, 0.12 * (t_enc + t_dec)), t_dec, 0.03 * (t_enc + t_dec) + 0.3],
            height_ratios=heights,
        )
        _io_row(figure.add_subplot(grid[0, 0]), trace, "enc", model)
        _io_row(figure.add_subplot(grid[0, 2]), trace, "dec", model)
        note = figure.add_subplot(grid[0, 1])
        note.axis("off")
        note.text(0.5, 0.5, f"context\n{model.context_size} numbers", ha="center", va="center", fontsize=8)
        for row, (enc, dec) in enumerate(rows, start=1):
            panel = enc or dec
            assert panel is not None
            image = None
            for column, side, part in ((0, "enc", enc), (2, "dec", dec)):
                ax = figure.add_subplot(grid[row, column])
                if part is None:
                    ax.axis("off")
                    continue
                image = _heat(ax, trace[f"{side}_{part.key}"], part)
                ax.set_ylabel("unit", fontsize=8)
                ax.set_title(
                    part.name if side == "enc" else part.equation,
                    loc="left",
                    fontsize=8,
                    family=None if side == "enc" else "monospace",
                )
                for unit in units or ():
                    ax.axhline(unit, lw=0.6, color="k", alpha=0.4)
                _token_axis(ax, trace.get(f"{side}_tokens"), "source step" if side == "enc" else "output step")
            quantity = panel.key.rsplit("_l", 1)[0]
            context_key = {"h": "context_h", "c": "context_c"}.get(quantity)
            if context_key is not None and context_key in trace and enc is not None:
                ax = figure.add_subplot(grid[row, 1])
                image = _heat(ax, trace[context_key][layer][None, :], enc)
                ax.set_xticks([])
                ax.set_yticks([])
                edited = " (edited)" if trace.edited_context else ""
                ax.set_title(f"{'h' if quantity == 'h' else 'C'}_T{edited}", fontsize=8)
            if image is not None:
                figure.colorbar(image, cax=figure.add_subplot(grid[row, 3]))
        _output_row(figure, grid, len(heights) - 1, trace, model)
        figure.suptitle(
            title
            or f"{model.describe()}  -  "
            f"{'teacher forcing' if trace.mode == 'teacher' else 'free-running'}, layer {layer}",
            fontsize=10,
        )
        _save(figure, path_or_buffer, fmt)
    return figure


def _output_row(figure: Any, grid: Any, row: int, trace: Seq2SeqTrace, model: Seq2Seq) -> None:
    """The decoder's outputs: class scores as a heatmap with the predicted (and target) tokens, or value lines."""
    ax = figure.add_subplot(grid[row, 2])
    y = np.asarray(trace["dec_y"])
    if model.tokens:
        probabilities = model.decoder.output_activation == "softmax"
        levels = (0.0, 1.0) if probabilities else (-float(np.abs(y).max() or 1), float(np.abs(y).max() or 1))
        panel = QuantityPanel("y", "output y_t", "", not probabilities, levels)
        image = _heat(ax, y, panel)
        pred = trace["dec_pred"]
        ax.plot(np.arange(pred.size), pred, "k.", ms=4, label="predicted (argmax)")
        if "dec_target" in trace:
            ax.plot(np.arange(pred.size), trace["dec_target"], "wx", ms=4, label="target")
        ax.set_ylabel("token", fontsize=8)
        _token_axis(ax, pred, "output step (predicted tokens)")
        figure.colorbar(image, cax=figure.add_subplot(grid[row, 3]))
    else:
        for column in range(y.shape[1]):
            ax.plot(np.arange(y.shape[0]), y[:, column], lw=1.2, marker=".", label=f"y_{column}")
        if trace.mode == "teacher":
            fed = np.asarray(trace["dec_x"])
            ax.plot(np.arange(y.shape[0] - 1), fed[1:], "k--", lw=0.8, label="target")
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.set_xlabel("output step", fontsize=8)
    # above the panel, not on it (it hid the scores under it); grey, so the target's white marks show
    legend = ax.legend(
        loc="lower right", bbox_to_anchor=(1.0, 1.0), ncol=3, fontsize=6, borderaxespad=0.2, facecolor="#c8c8c8"
    )
    legend.get_frame().set_linewidth(0)
    ax.set_title("decoder output y_t", loc="left", fontsize=8)


def render_bottleneck_figure(
    curves: BottleneckCurve | Sequence[BottleneckCurve],
    path_or_buffer: Destination,
    *,
    dpi: float = 150,
    size: tuple[int, int] | None = None,
    format: str | None = None,
) -> Any:
    """Accuracy against source length for one or more models, each curve labelled with its context size, the
    trained length marked."""
    fmt = figure_format(path_or_buffer, format)
    shown = [curves] if isinstance(curves, BottleneckCurve) else list(curves)
    if not shown:
        raise ExportError("no bottleneck curve to draw")
    from matplotlib import rc_context
    from matplotlib.figure import Figure

    with rc_context(VECTOR_TEXT_RC):
        figure = Figure(figsize=(size[0] / dpi, size[1] / dpi) if size else (7.0, 4.4), dpi=dpi, layout="constrained")
        ax = figure.add_subplot()
        for index, curve in enumerate(shown):
            colour = f"C{index}"
            label = f"context {curve.context_size} ({curve.cell.upper()}, H={curve.hidden_size}"
            label += f", {curve.num_layers} layers)" if curve.num_layers != 1 else ")"
            ax.plot(curve.lengths, curve.token_accuracy, "o-", lw=1.5, color=colour, label=f"{label}: per token")
            ax.plot(
                curve.lengths,
                curve.sequence_accuracy,
                "s--",
                lw=1.0,
                ms=4,
                color=colour,
                label=f"{label}: whole sequence",
            )
        trained = sorted({c.trained_length for c in shown if c.trained_length is not None})
        for length in trained:
            ax.axvline(length, color="0.4", lw=1.0, ls=":")
            ax.annotate(
                f"longest trained source: {length}",
                (length, 1.0),
                xytext=(4, -10),
                textcoords="offset points",
                fontsize=8,
                color="0.3",
            )
        ax.set_ylim(-0.02, 1.05)
        ax.set_xlabel("source length (tokens)")
        ax.set_ylabel("accuracy, free-running")
        ax.grid(True, lw=0.3, alpha=0.5)
        from matplotlib.ticker import MaxNLocator

        ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # a source has a whole number of tokens
        ax.legend(loc="best", fontsize=7, frameon=False)  # where no curve runs (the sequence curve ends at 0)
        first = shown[0]
        sizes = ", ".join(str(c.context_size) for c in shown)
        ax.set_title(
            f"The bottleneck: {first.task} through a fixed context vector of {sizes} numbers\n"
            f"(the encoder's final h, and C for an LSTM; {first.samples} fresh sources per length)",
            fontsize=9,
        )
        _save(figure, path_or_buffer, fmt)
    return figure
