"""The one figure renderer behind ``lstmviz plot`` and the app's export, so a figure looks the same from either.

matplotlib is imported lazily, inside the functions, and only its object API is used (``Figure`` + ``savefig``,
never pyplot, which would pick and start a GUI backend). PNG is drawn by Agg; SVG and PDF keep axes, lines and
text as vector shapes and real text (``svg.fonttype = 'none'``, ``pdf.fonttype = 42``); heatmaps are images by
nature and are embedded as such. Colours match the app: viridis on [0, 1] for sigmoid gates, a diverging map
centred on 0 (``RdBu_r``, the app's own stops: :mod:`lstmviz.io.colormaps`) for signed quantities.

Long traces are block-averaged along time for display (:func:`lstmviz.io.fig_data.block_reduce`): to at most 4,000
columns in SVG/PDF, and to at most the figure's width in pixels in PNG, where more columns could not be seen.
"""

from __future__ import annotations

import os
import warnings
from collections.abc import Mapping, Sequence
from dataclasses import replace
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

import numpy as np

from ..engine.network import Network
from ..engine.trace import Trace
from .atomic import atomic_path
from .colormaps import DIVERGING_NAME, SEQUENTIAL_NAME
from .errors import ExportError
from .fig_data import (
    DEFAULT_MAX_COLUMNS,
    CurvePanel,
    DisplayTime,
    Panel,
    QuantityPanel,
    block_reduce,
    check_units,
    crisp_blocks,
    default_title,
    display_time,
    input_row_labels,
    key_layer,
    log_floor,
    plain_text,
    plan_panels,
    predicts_next_input,
    select_steps,
)
from .sequence_data import SequenceData

if TYPE_CHECKING:
    from matplotlib.typing import RcKeyType

FIGURE_FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
SEQUENTIAL_CMAP = SEQUENTIAL_NAME
DIVERGING_CMAP = DIVERGING_NAME
VECTOR_TEXT_RC: dict[RcKeyType, Any] = {"svg.fonttype": "none", "pdf.fonttype": 42, "ps.fonttype": 42}
"""Keep text as text in SVG (``<text>`` elements) and embed TrueType fonts in PDF, so figures stay searchable."""

MAX_PIXELS = 150_000_000
"""Largest figure drawn (width x height in pixels at the dpi): about 600 MB of RGBA while rendering."""
ASPECT_INCHES: dict[str, tuple[float, float]] = {"16:9": (13.333, 7.5), "4:3": (10.0, 7.5)}
"""Slide shapes (PowerPoint's and Beamer's widescreen and standard slides)."""
_WIDTH_IN = 10.0
_HEIGHTS_IN = {"input": 1.3, "heatmap": 1.9, "lines": 1.2, "curve": 1.4, "output": 1.5, "title": 0.7}
_SIDE_IN = 1.25
"""Width of the column beside the panels that holds colour bars and legends."""
_ROW_LABEL_POINTS = 6
_INPUT_LINES_MAX = 10
"""Inputs with more columns than this, and one-hot text always, are drawn as a heatmap (a row per character)."""

Destination = str | os.PathLike[str] | IO[bytes]


def figure_format(destination: Destination, format: str | None = None) -> str:
    """``png``, ``svg`` or ``pdf``, from ``format`` or the file's suffix; anything else is an ExportError."""
    name = getattr(destination, "name", destination) if not isinstance(destination, (str, os.PathLike)) else destination
    fmt = format or (Path(os.fspath(name)).suffix.lstrip(".") if isinstance(name, (str, os.PathLike)) else "png")
    fmt = fmt.lower()
    if fmt not in FIGURE_FORMATS:
        shown = destination if isinstance(destination, (str, os.PathLike)) else "the figure"
        raise ExportError(f"{os.fspath(shown)}: cannot write a .{fmt or '?'} figure; use .png, .svg or .pdf")
    return fmt


def render_trace_figure(
    trace: Trace,
    sequence: SequenceData | None,
    network: Network,
    path_or_buffer: Destination,
    *,
    show: str | Sequence[str] = "gates",
    units: Sequence[int] | None = None,
    layer: int = 0,
    steps: slice | None = None,
    grads: Mapping[str, Any] | None = None,
    dpi: float = 150,
    size: tuple[int, int] | None = None,
    format: str | None = None,
    title: str | None = None,
    include_input: bool = True,
    aspect: str | None = None,
    edited: bool = False,
) -> Any:
    """Render one panel per quantity (units x time heatmap, colour bar, name and equation) and write the figure.

    Parameters
    ----------
    show
        ``gates``, ``cell``, ``hidden``, ``output``, ``grad``, ``all`` or a list of quantity keys (``f``, ``c_l1``).
        ``grad`` needs ``grads`` (``Network.bptt``'s record); ``all`` includes it only when ``grads`` is given.
    units
        Units drawn as lines under each heatmap.
    steps
        A step range (``slice(100, 200)``) in step indices; the axis itself shows the file's own time.
    size
        Figure size in pixels (width, height) at ``dpi``; by default 10 inches wide and as tall as the panels need.
    aspect
        ``16:9`` or ``4:3``: a slide-shaped figure (see ``ASPECT_INCHES``) instead of ``size``.
    edited
        The network differs from the one loaded or initialised: the default title says so.

    Returns the matplotlib ``Figure`` (tests read its axes' positions); the file is written atomically.
    """
    fmt = figure_format(path_or_buffer, format)
    if aspect is not None:
        if aspect not in ASPECT_INCHES:
            raise ExportError(f"unknown aspect {aspect!r}; choose one of {', '.join(ASPECT_INCHES)}")
        if size is not None:
            raise ExportError("give a size or an aspect, not both")
        width, height = ASPECT_INCHES[aspect]
        size = (round(width * dpi), round(height * dpi))
    window = select_steps(steps, trace.steps)
    chosen_units = check_units(units, network.hidden_size)
    panels = _available(plan_panels(trace, network, show, layer, grads), grads)
    if any(_needs_grads(p) for p in panels) and grads is None:
        raise ExportError("the gradient panels need a BPTT record; pass grads= (the plot command computes it)")
    from matplotlib import rc_context  # matplotlib only when exporting

    with rc_context(VECTOR_TEXT_RC):
        figure = _build_figure(
            trace,
            sequence,
            network,
            panels,
            grads or {},
            window,
            chosen_units,
            dpi,
            size,
            fmt,
            title if title is not None else default_title(network, sequence, layer, edited),
            include_input,
        )
        _save(figure, path_or_buffer, fmt)
    return figure


def render_heatmap_figure(
    trace: Trace,
    sequence: SequenceData | None,
    network: Network,
    key: str,
    path_or_buffer: Destination,
    *,
    units: Sequence[int] | None = None,
    steps: slice | None = None,
    grads: Mapping[str, Any] | None = None,
    dpi: float = 150,
    size: tuple[int, int] | None = None,
    format: str | None = None,
    title: str | None = None,
) -> Any:
    """Export one heatmap (``key`` such as ``f_l0``, ``c_l1``, ``y``) as the app shows it: same renderer, one panel."""
    return render_trace_figure(
        trace,
        sequence,
        network,
        path_or_buffer,
        show=[key],
        units=units,
        layer=key_layer(key) or 0,
        steps=steps,
        grads=grads,
        dpi=dpi,
        size=size,
        format=format,
        title=title,
        include_input=False,
    )


def _available(panels: list[Panel], grads: Mapping[str, Any] | None) -> list[Panel]:
    """Drop gradient curves the BPTT record does not hold (``jacobian="none"``); label estimated Jacobian norms."""
    if grads is None:
        return panels
    kept: list[Panel] = []
    for panel in panels:
        if isinstance(panel, CurvePanel):
            if not all(key in grads for key in panel.keys):
                continue
            if panel.keys[0].startswith("jacobian") and getattr(grads, "jacobian_method", "exact") == "estimate":
                panel = replace(panel, name=panel.name + " (estimate, a lower bound)")
        kept.append(panel)
    return kept


def _needs_grads(panel: Panel) -> bool:
    return isinstance(panel, CurvePanel) or panel.key.startswith("cec_")


def _save(figure: Any, destination: Destination, fmt: str) -> None:
    """savefig to a buffer, or to a temp file beside the target that then replaces it (atomic)."""
    name = os.fspath(destination) if isinstance(destination, (str, os.PathLike)) else "the figure"
    if not isinstance(destination, (str, os.PathLike)):
        _savefig_checked(figure, destination, fmt, name)
        return
    try:
        with atomic_path(destination) as temp:
            _savefig_checked(figure, temp, fmt, name)
    except OSError as error:
        reason = error.strerror or str(error)
        raise ExportError(f"{name}: cannot write the figure: {reason}") from None


def _savefig_checked(figure: Any, target: Any, fmt: str, name: str) -> None:
    """savefig, refusing a figure too small for its panels (matplotlib only warns and draws overlapping axes)."""
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        figure.savefig(target, format=fmt)
    for warning in caught:
        if "constrained_layout not applied" in str(warning.message):
            width, height = (int(round(v * figure.dpi)) for v in figure.get_size_inches())
            panels = sum(1 for ax in figure.axes if ax.get_label() != "<colorbar>" and ax.get_ylabel())
            raise ExportError(
                f"{name}: {width}x{height} pixels is too small for {panels} panels; give a larger --size, "
                "or fewer panels with --show"
            )
        warnings.warn_explicit(warning.message, warning.category, warning.filename, warning.lineno)


def _source(key: str, trace: Trace, grads: Mapping[str, Any]) -> np.ndarray:
    return np.asarray(grads[key] if key in grads else trace[key])


def _build_figure(
    trace: Trace,
    sequence: SequenceData | None,
    network: Network,
    panels: list[Panel],
    grads: Mapping[str, Any],
    window: slice,
    units: tuple[int, ...],
    dpi: float,
    size: tuple[int, int] | None,
    fmt: str,
    title: str,
    include_input: bool,
) -> Any:
    from matplotlib.figure import Figure

    rows: list[tuple[str, Any]] = [("input", None)] if include_input else []
    for panel in panels:
        if isinstance(panel, CurvePanel):
            rows.append(("curve", panel))
        elif panel.curves:
            rows.append(("output", panel))
        else:
            rows.append(("heatmap", panel))
            if units and panel.hidden:  # selected units are hidden units; the output panels show their own
                rows.append(("lines", panel))
    heights = [_HEIGHTS_IN[kind] for kind, _ in rows]
    if size is not None:
        figsize = (size[0] / dpi, size[1] / dpi)
    else:
        figsize = (_WIDTH_IN, sum(heights) + _HEIGHTS_IN["title"])
    if figsize[0] * figsize[1] * dpi * dpi > MAX_PIXELS:
        raise ExportError(
            f"a figure of {figsize[0] * dpi:.0f}x{figsize[1] * dpi:.0f} pixels is larger than the "
            f"{MAX_PIXELS / 1e6:.0f} megapixels lstmviz draws; lower the dpi or the size"
        )
    figure = Figure(figsize=figsize, dpi=dpi, layout="constrained")
    side = min(0.25, _SIDE_IN / max(figsize[0] - _SIDE_IN, 1.0))
    grid = figure.add_gridspec(len(rows), 2, width_ratios=[1.0, side], height_ratios=heights)

    max_columns = DEFAULT_MAX_COLUMNS if fmt != "png" else min(DEFAULT_MAX_COLUMNS, int(figsize[0] * dpi))
    time_all = sequence.time_axis if sequence is not None and sequence.steps == trace.steps else None
    time = (time_all if time_all is not None else np.arange(trace.steps, dtype=np.float64))[window]
    time_label = plain_text(sequence.time_label) if time_all is not None and sequence is not None else "step"
    if time_label == "step":
        time_label = "step $t$"
    axis = display_time(time, max_columns)

    axes: list[Any] = []
    for row in range(len(rows)):
        axes.append(figure.add_subplot(grid[row, 0], sharex=axes[0] if axes else None))
    for row, (kind, panel) in enumerate(rows):
        ax, beside = axes[row], figure.add_subplot(grid[row, 1])
        beside.set_axis_off()
        beside.set_label("<side>")
        if kind == "input":
            _draw_input(figure, ax, beside, trace, sequence, window, max_columns, axis, fmt)
        elif kind == "heatmap":
            _draw_heatmap(
                figure,
                ax,
                beside,
                panel,
                _source(panel.key, trace, grads)[window],
                max_columns,
                axis,
                fmt,
                units if panel.hidden else (),
            )
        elif kind == "lines":
            _draw_unit_lines(
                ax, beside, panel, _source(panel.key, trace, grads)[window], max_columns, axis.centers, units
            )
        elif kind == "output":
            _draw_output_curves(ax, beside, panel, trace, window, max_columns, axis.centers)
        else:
            _draw_curves(ax, beside, panel, grads, window, max_columns, axis.centers)
    for ax in axes[:-1]:
        ax.tick_params(labelbottom=False)
    axes[-1].set_xlabel(time_label)
    axes[-1].set_xlim(*axis.extent)
    subtitle = f"time axis shown as block means of {axis.block} steps" if axis.block > 1 else ""
    figure.suptitle(title + (f"\n{subtitle}" if subtitle else ""), fontsize=11)
    return figure


def _legend_beside(beside: Any, ax: Any, title: str | None = None) -> None:
    """The axes' legend in the column to its right, so it never covers a curve."""
    handles, labels = ax.get_legend_handles_labels()
    if not handles:
        return
    columns = 1 if len(handles) <= 8 else 2
    beside.legend(
        handles,
        labels,
        loc="center left",
        fontsize=7,
        frameon=False,
        ncols=columns,
        title=title,
        title_fontsize=7,
        borderaxespad=0.0,
        handlelength=1.5,
    )


def _draw_heatmap(
    figure: Any,
    ax: Any,
    beside: Any,
    panel: QuantityPanel,
    values: np.ndarray,
    max_columns: int,
    axis: DisplayTime,
    fmt: str,
    units: tuple[int, ...],
) -> Any:
    """A units x time image with unit 0 on top, its labelled colour bar, and the quantity's name and equation."""
    from matplotlib.colors import LogNorm, Normalize
    from matplotlib.ticker import MaxNLocator

    shown, _ = block_reduce(values, max_columns)
    count = shown.shape[1]
    if panel.log:
        norm: Any = LogNorm(*panel.levels, clip=True)
        shown = np.clip(shown, panel.levels[0], panel.levels[1])
    else:
        norm = Normalize(*panel.levels)
    cmap = DIVERGING_CMAP if panel.signed else SEQUENTIAL_CMAP
    if axis.uniform:
        image = ax.imshow(
            (crisp_blocks(shown) if fmt != "png" else shown).T,
            aspect="auto",
            origin="upper",
            cmap=cmap,
            norm=norm,
            extent=(axis.extent[0], axis.extent[1], count - 0.5, -0.5),
            interpolation="nearest" if fmt == "png" else "none",
        )
    else:  # uneven steps (dates with gaps): each column at its own time, nearest-neighbour between them
        from matplotlib.image import NonUniformImage

        image = NonUniformImage(
            ax,
            interpolation="nearest",
            cmap=cmap,
            norm=norm,
            extent=(axis.extent[0], axis.extent[1], -0.5, count - 0.5),
        )
        image.set_data(axis.centers, np.arange(count, dtype=np.float64), shown.T)
        ax.add_image(image)
        ax.set_ylim(count - 0.5, -0.5)
    ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    ax.set_ylabel(panel.unit_label)
    for unit in units:
        ax.annotate(
            "",
            xy=(axis.extent[0], unit),
            xytext=(-8, 0),
            textcoords="offset points",
            arrowprops={"arrowstyle": "->", "lw": 0.8},
            annotation_clip=False,
        )
    _label(ax, panel.name, panel.equation)
    cax = beside.inset_axes((0.0, 0.0, 0.09, 1.0))
    bar = figure.colorbar(image, cax=cax)
    bar.set_label(_colorbar_label(panel), fontsize=8)
    bar.ax.tick_params(labelsize=7)
    return image


def _colorbar_label(panel: QuantityPanel) -> str:
    what = panel.symbol or panel.key
    if panel.log:
        return f"{what} (log scale)"
    return what if panel.signed else f"{what} in [0, 1]"


def _draw_unit_lines(
    ax: Any,
    beside: Any,
    panel: QuantityPanel,
    values: np.ndarray,
    max_columns: int,
    shown_time: np.ndarray,
    units: tuple[int, ...],
) -> None:
    """The chosen hidden units of one quantity as lines over time, the legend beside them."""
    shown, _ = block_reduce(values[:, list(units)], max_columns)
    if panel.log:
        shown = log_floor(shown)
    for column, unit in enumerate(units):
        ax.plot(shown_time, shown[:, column], lw=1.0, label=f"unit {unit}")
    if panel.log:
        _log_axis_if_positive(ax, shown)
    ax.set_ylabel(panel.symbol or panel.key)
    _legend_beside(beside, ax)
    ax.grid(True, lw=0.3, alpha=0.5)


def _draw_output_curves(
    ax: Any,
    beside: Any,
    panel: QuantityPanel,
    trace: Trace,
    window: slice,
    max_columns: int,
    shown_time: np.ndarray,
) -> None:
    """A small output layer as one curve per output unit; the next input x_{t+1} dashed beside it when the model
    predicts it (judged on the data by :func:`predicts_next_input`)."""
    y = np.asarray(trace["y"])[window]
    x = np.asarray(trace["x"])[window]
    shown, _ = block_reduce(y, max_columns)
    single = y.shape[1] == 1
    for unit in range(y.shape[1]):
        ax.plot(shown_time, shown[:, unit], lw=1.2, label=r"$y_t$" if single else rf"$y_t$ unit {unit}")
    equation = panel.equation
    if predicts_next_input(y, x):
        following = np.vstack([x[1:], np.full((1, x.shape[1]), np.nan)])
        target, _ = block_reduce(following, max_columns)
        for column in range(x.shape[1]):
            ax.plot(
                shown_time,
                target[:, column],
                lw=1.0,
                ls="--",
                color="0.35" if single else None,
                label=r"next input $x_{t+1}$" if single else rf"$x_{{t+1}}$ column {column}",
            )
        error = float(np.mean((y[:-1] - x[1:]) ** 2))
        equation += rf"   (MSE vs $x_{{t+1}}$ = {error:.3g})"
    if panel.levels == (0.0, 1.0):
        ax.set_ylim(-0.05, 1.05)
    ax.set_ylabel(panel.symbol)
    _label(ax, panel.name, equation)
    _legend_beside(beside, ax)
    ax.grid(True, lw=0.3, alpha=0.5)


def _draw_curves(
    ax: Any,
    beside: Any,
    panel: CurvePanel,
    grads: Mapping[str, Any],
    window: slice,
    max_columns: int,
    shown_time: np.ndarray,
) -> None:
    """BPTT curves on a log axis, one line per layer."""
    stacked = []
    for key, label in zip(panel.keys, panel.labels, strict=True):
        shown, _ = block_reduce(np.asarray(grads[key])[window], max_columns)
        shown = log_floor(shown)
        stacked.append(shown)
        ax.plot(shown_time, shown, lw=1.0, label=label)
    _log_axis_if_positive(ax, np.concatenate(stacked))
    if len(panel.keys) > 1:
        _legend_beside(beside, ax)
    loss = grads.get("loss") if panel.keys[0].startswith("grad_norm") else None
    ax.set_ylabel("norm (log)")
    _label(ax, panel.name, panel.equation + (f"   (loss = {float(loss):.4g})" if loss is not None else ""))
    ax.grid(True, which="both", lw=0.3, alpha=0.5)


def _log_axis_if_positive(ax: Any, values: np.ndarray) -> None:
    """A log y axis when there is something positive to show (an all-zero curve stays linear, without warnings)."""
    positive = values[values > 0]
    if positive.size:
        ax.set_yscale("log", nonpositive="mask")
        low, high = float(positive.min()), float(positive.max())
        ax.set_ylim(low / 2 if low < high else low / 10, high * 2)


def _draw_input(
    figure: Any,
    ax: Any,
    beside: Any,
    trace: Trace,
    sequence: SequenceData | None,
    window: slice,
    max_columns: int,
    axis: DisplayTime,
    fmt: str,
) -> None:
    """The input sequence on the same time axis: lines named by their columns, or, for one-hot text and wide
    inputs, a heatmap with a row per character (or column), labelled and thinned to what fits."""
    values = np.asarray(trace["x"])[window]
    labels = sequence.input_labels if sequence is not None else tuple(f"x{k}" for k in range(values.shape[1]))
    source = sequence.source if sequence is not None and sequence.source else ""
    heading = rf"input $x_t$ ({plain_text(source)})" if source else r"input $x_t$"
    one_hot_text = sequence is not None and sequence.vocabulary is not None
    if values.shape[1] <= _INPUT_LINES_MAX and not one_hot_text:
        shown, _ = block_reduce(values, max_columns)
        for column in range(values.shape[1]):
            name = plain_text(labels[column]) if column < len(labels) else f"x{column}"
            ax.plot(axis.centers, shown[:, column], lw=1.0, label=name)
        if values.shape[1] > 1:
            _legend_beside(beside, ax)
        ax.grid(True, lw=0.3, alpha=0.5)
        ax.set_ylabel(plain_text(labels[0]) if values.shape[1] == 1 and labels else "input")
        _label(ax, heading, "")
        return
    unit_interval = bool(values.min() >= 0 and values.max() <= 1)
    top = float(np.abs(values).max() or 1)
    panel = QuantityPanel(
        "x",
        heading,
        "one-hot: one row per character" if one_hot_text else "",
        signed=not unit_interval,
        levels=(0.0, 1.0) if unit_interval else (-top, top),
        symbol=r"$x_t$",
        unit_label="character" if one_hot_text else "input",
    )
    _draw_heatmap(figure, ax, beside, panel, values, max_columns, axis, fmt, ())
    if len(labels) == values.shape[1]:
        rows, names = input_row_labels(labels, _axes_height_points(figure, ax))
        ax.set_yticks(rows, names, fontsize=_ROW_LABEL_POINTS)


def _axes_height_points(figure: Any, ax: Any) -> float:
    """The axes' height in points, from its grid cell (the layout is not drawn yet)."""
    return float(ax.get_position().height * figure.get_size_inches()[1] * 72.0)


def _label(ax: Any, name: str, equation: str) -> None:
    ax.set_title(name, loc="left", fontsize=9, fontweight="bold")
    if equation:
        ax.set_title(equation, loc="right", fontsize=8)
