"""Pieces shared by the heatmaps and the unit line plots: the time axis mapping, palette-aware plot styling, labels.

Both views plot against the sequence's own time axis (years, seconds, step numbers), put a cursor line at the
current step and map a mouse position back to a step, so that arithmetic lives here once.
"""

from __future__ import annotations

import math
import re
from collections.abc import Callable
from typing import Any

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QEvent
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QGraphicsItem, QLayout, QMenu, QWidget

from ...engine.spec import CellSpec
from ...io.sequence_data import SequenceData
from ...model.changes import NetworkChange
from ..document_binding import DocumentBinding
from ..palette_follow import PaletteFollower
from ..step_time import format_time
from .plot_detail import readable_axes, thin_plot

CURSOR_COLOR = QColor(255, 120, 0)
"""Orange reads on both the viridis and the diverging maps, and on light and dark backgrounds."""


class TimeMap:
    """Step index <-> x coordinate on the sequence's own time axis.

    Images assume evenly spaced steps (``dt`` from the first and last time); clicks use the real axis, so an
    uneven axis still maps a click to the nearest recorded step.
    """

    def __init__(self, sequence: SequenceData) -> None:
        self.time = sequence.time_axis
        self.label = sequence.time_label or "step"
        self.steps = int(self.time.shape[0])
        span = float(self.time[-1] - self.time[0]) if self.steps > 1 else 0.0
        self.dt = span / (self.steps - 1) if self.steps > 1 and span > 0 else 1.0
        self.monotonic = bool(self.steps < 2 or np.all(np.diff(self.time) > 0))

    def x_of(self, step: int) -> float:
        return float(self.time[min(max(int(step), 0), self.steps - 1)])

    def step_at(self, x: float) -> int:
        """The step whose time is nearest to ``x``, clamped to [0, T-1]."""
        if not self.monotonic:
            return int(min(max(round((x - float(self.time[0])) / self.dt), 0), self.steps - 1))
        right = int(np.searchsorted(self.time, x))
        if right <= 0:
            return 0
        if right >= self.steps:
            return self.steps - 1
        return right if (self.time[right] - x) < (x - self.time[right - 1]) else right - 1

    def image_x_range(self, filled: int) -> tuple[float, float]:
        """(left, width) of an image whose ``filled`` columns are centred on their steps' times."""
        left = float(self.time[0]) - self.dt / 2
        return left, max(int(filled), 0) * self.dt

    def full_range(self) -> tuple[float, float]:
        left, width = self.image_x_range(self.steps)
        return left, left + width

    def format_time(self, step: int) -> str:
        """The step's time as the status bar and toolbar write it (see step_time.format_time)."""
        return format_time(self.x_of(step), self.label)


MEAN_SAMPLES = 4
"""Samples averaged per image column when many steps share a pixel (a cheap mean: cost follows the screen)."""


def visible_window(
    time_map: TimeMap, x_range: tuple[float, float] | list[float], valid: int, pixels: int
) -> tuple[int, int, int]:
    """(first, end, block): the steps [first, end) in ``x_range`` (one step of margin), within [0, valid), and how
    many steps share one image column so there are about ``pixels`` columns. ``first`` is aligned to ``block`` so
    panning does not make the columns shimmer."""
    left = float(time_map.time[0]) - time_map.dt / 2
    x0, x1 = float(min(x_range)), float(max(x_range))
    first = max(int(math.floor((x0 - left) / time_map.dt)) - 1, 0)
    end = min(int(math.ceil((x1 - left) / time_map.dt)) + 1, valid)
    if end <= first:
        first, end = 0, valid
    block = max(1, math.ceil((end - first) / max(pixels, 1)))
    first -= first % block
    columns = math.ceil((end - first) / block)
    end = min(valid, first + (columns + (-columns) % 4) * block)  # whole 32-bit scanlines where data allows
    return first, end, block


def block_mean(data: np.ndarray, first: int, end: int, block: int) -> np.ndarray:
    """Rows [first, end) of ``data`` (T, H) averaged in blocks of ``block`` rows (the last block may be shorter).

    Large blocks average ``MEAN_SAMPLES`` evenly spaced rows instead of all of them, so the cost is bounded by the
    number of columns drawn, whatever the zoom.
    """
    if block == 1:
        return data[first:end]
    full = (end - first) // block
    stride = max(1, math.ceil(block / MEAN_SAMPLES))
    parts = []
    if full:
        blocks = data[first : first + full * block].reshape(full, block, data.shape[1])
        offsets = range(0, block, stride)
        total = blocks[:, 0].astype(np.float32)  # a sum of a few (columns, H) slices beats mean() on a view
        for offset in offsets[1:]:
            total += blocks[:, offset]
        total *= np.float32(1.0 / len(offsets))
        parts.append(total)
    if first + full * block < end:
        parts.append(data[first + full * block : end : stride].mean(axis=0, keepdims=True, dtype=np.float32))
    return np.concatenate(parts, axis=0) if len(parts) > 1 else parts[0]


def aligned_image(columns: np.ndarray) -> np.ndarray:
    """(H, n) image data from (n, H) columns, n padded to a multiple of 4 by repeating the last column.

    Qt reads image scanlines in 32-bit words; widths that are not a multiple of 4 bytes have crashed 8-bit images
    drawn scaled. Padding by repetition (not NaN) keeps the image opaque, which Qt draws several times faster.
    Callers widen their window first so the padding only ever happens at the end of the data.
    """
    count, height = columns.shape
    pad = (-count) % 4
    image = np.empty((height, count + pad), dtype=np.float32)
    image[:, :count] = columns.T
    if pad:
        image[:, count:] = columns[-1][:, None]
    return image


def quantity_order(spec: CellSpec) -> tuple[str, ...]:
    """States first (C_t, h_t: what a person watches), then the gates in the spec's order."""
    states = tuple(reversed(spec.state_keys))  # c before h for the LSTM
    ordered = tuple(k for k in ("c", "h") if k in states)
    return ordered + tuple(k for k in spec.trace_keys() if k not in ordered)


def quantity_signed(spec: CellSpec, key: str, rnn_nonlinearity: str) -> bool:
    """Whether ``key`` gets a scale from its data (diverging map, symmetric levels) rather than the gates' [0, 1].

    Only sigmoid gates are bounded to [0, 1]. Every state gets the data's scale, including a ReLU RNN's h: it is
    never negative but unbounded, and drawn on [0, 1] it clipped half of its values (the gate diagram already
    draws it on the signed scale, so all views agree). ``rnn_nonlinearity`` is kept for callers.
    """
    del rnn_nonlinearity
    if key in spec.gate_keys:
        return spec.gate(key).nonlinearity != "sigmoid"
    return True


_SUBSCRIPTS = str.maketrans("0123456789-+t", "₀₁₂₃₄₅₆₇₈₉₋₊ₜ")


def display_symbol(symbol: str) -> str:
    """A spec's plain symbol as the diagram shows it, in plain text for buttons and axis labels:
    ``C~_t`` -> C̃ₜ (combining tilde, subscript t), ``h_{t-1}`` -> hₜ₋₁."""

    def subscript(text: str) -> str:
        lowered = text.translate(_SUBSCRIPTS)
        return lowered if all(c not in lowered for c in text if c.isalpha() and c != "t") else "_" + text

    text = symbol.replace("~", "\u0303")
    text = re.sub(r"_\{([^}]*)\}", lambda m: subscript(m.group(1)), text)
    return re.sub(r"_(\w+)", lambda m: subscript(m.group(1)), text)


INPUT_SYMBOL = display_symbol("x_t")


def quantity_label(spec: CellSpec, key: str) -> tuple[str, str]:
    """(symbol, tooltip) of a trace quantity, from the spec; the symbol as the gate diagram writes it."""
    title, symbol, equation = spec.describe(key)
    return display_symbol(symbol), f"{display_symbol(symbol)}: {title}\n{equation}"


def clear_layout(layout: QLayout, keep: tuple[QWidget, ...] = ()) -> None:
    """Empty a button row. A deleteLater()'d widget stays painted until the event loop deletes it (stale
    LSTM buttons over the new GRU ones), so each is hidden at once and then deleted."""
    while layout.count():
        widget = layout.takeAt(0).widget()
        if widget is not None and widget not in keep:
            widget.hide()
            widget.deleteLater()


def theme_colors(widget: QWidget) -> tuple[QColor, QColor]:
    """(background, foreground) from the widget's palette, so light and dark palettes both read well."""
    palette = widget.palette()
    return palette.color(QPalette.ColorRole.Base), palette.color(QPalette.ColorRole.Text)


def style_plot(plot: pg.PlotItem, foreground: QColor) -> None:
    """Axis lines and tick labels in the palette's text colour."""
    for name in ("left", "bottom", "right", "top"):
        axis = plot.getAxis(name)
        axis.setPen(pg.mkPen(foreground))
        axis.setTextPen(pg.mkPen(foreground))
        axis.enableAutoSIPrefix(False)  # "C_t (x0.001)" reads as a different quantity
        axis.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)  # the cursor brushes it on every step


class LazyMenuViewBox(pg.ViewBox):
    """A ViewBox whose context menu is built on the first right-click.

    pyqtgraph builds a ViewBoxMenu (a dozen widgets, ~4 ms) for every view box up front; a window holds a dozen
    plots whose menus are rarely opened, so that was ~50 ms of start-up. ``menu_hooks`` add items to the menu when
    it is built (e.g. "Export heatmap…").
    """

    def __init__(self, **kwargs: Any) -> None:
        super().__init__(enableMenu=False, **kwargs)
        self.menu_hooks: list[Callable[[QMenu], None]] = []
        self.state["enableMenu"] = True

    def _applyMenuEnabled(self) -> None:  # never builds the menu eagerly
        if not self.menuEnabled() and self.menu is not None:
            self.menu.setParent(None)
            self.menu = None

    def getMenu(self, ev: object = None) -> QMenu | None:
        if self.menu is None and self.menuEnabled():
            from pyqtgraph.graphicsItems.ViewBox.ViewBoxMenu import ViewBoxMenu

            self.menu = ViewBoxMenu(self)
            self.updateViewLists()
            # Only "View All" is useful here: the X/Y axis submenus link to other views by name and switch ranges
            # to manual, and "Mouse Mode" turns drag-to-pan into rectangle zoom; none of it fits these plots.
            for action in list(self.menu.actions()):
                if action is not self.menu.viewAll:
                    self.menu.removeAction(action)
            for hook in getattr(self, "menu_hooks", ()):
                hook(self.menu)
        return self.menu

    def raiseContextMenu(self, ev: Any) -> None:
        """Our menu alone: pyqtgraph would add its "Plot Options" (log axes, FFT, averaging, alpha) and its own
        "Export..." dialog, which bypass the app's figure export and change what the plot means."""
        menu = self.getMenu(ev)
        if menu is not None:
            menu.popup(ev.screenPos().toPoint())

    def getContextMenus(self, event: object) -> list[Any]:
        menu = self.getMenu(event) if self.menuEnabled() else None
        return menu.actions() if menu is not None else []


def plot_item(menu: bool = True, **kwargs: Any) -> pg.PlotItem:
    """A PlotItem that is cheap to build and to lay out.

    Its view box builds the context menu only when first opened (see LazyMenuViewBox), or never with
    ``menu=False``. Its axes have no automatic SI prefix: with one, every range change while the window is laid
    out rewrites each axis label's HTML (~30 ms of start-up over a window's plots), and units, steps and gate values
    never want "(x0.001)" anyway.
    """
    box = LazyMenuViewBox() if menu else pg.ViewBox(enableMenu=False)
    kwargs["axisItems"] = readable_axes(kwargs.get("axisItems"))  # labels spaced by the font: they never overlap
    plot = thin_plot(pg.PlotItem(viewBox=box, **kwargs))  # a long trace draws at the pixels it covers
    for name in ("left", "bottom", "right", "top"):
        plot.getAxis(name).autoSIPrefix = False
    return plot


def release_graphics(view: QWidget) -> None:
    """Delete every item of ``view.graphics``'s scene in an orderly way (see HeatmapsView.__del__)."""
    graphics = getattr(view, "graphics", None)
    try:
        if graphics is not None and shiboken6.isValid(graphics):
            graphics.close()  # pyqtgraph's own teardown: clears the scene, drops the central item
    except RuntimeError:
        pass


def cache_curve(item: pg.PlotDataItem) -> pg.PlotDataItem:
    """Cache the curve's pixels: moving the cursor across it then costs a blit, not a re-stroke of 10,000 points
    (42 -> 7 ms a frame while playing at H=256)."""
    item.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    return item


def make_cursor() -> pg.InfiniteLine:
    """The vertical line at the current step (not draggable: clicks and the scrubber move it)."""
    line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen(CURSOR_COLOR, width=2))
    line.setZValue(20)
    return line


def display_char(char: str) -> str:
    """A vocabulary character as a readable row label (the figures' own rule, so app and figures agree)."""
    from ...io.fig_data import character_name

    return character_name(char)


class TimePlotsWidget(QWidget):
    """Base of the pyqtgraph views over time (heatmaps, unit plots): what every such view must do the same way.

    Subclasses implement ``_structure_key`` (what their plots' layout depends on) and ``rebuild``; the plots are
    rebuilt only when that key changes, so an edit that keeps the structure only refills them.
    """

    _structure: Any = None

    def _structure_key(self) -> Any:
        raise NotImplementedError

    def _document_structure(self) -> tuple[Any, ...]:
        """The part of every time plot's structure key that comes from the document and the palette."""
        doc = self.document  # type: ignore[attr-defined]
        net = doc.network
        return (
            net.cell,
            net.hidden_size,
            net.nonlinearity,
            doc.layer,
            id(doc.sequence),
            doc.steps,
            self.palette().color(self.backgroundRole()).name(),
        )

    def rebuild(self) -> None:
        raise NotImplementedError

    def _on_structure_maybe_changed(self, change: object = None, *_: object) -> None:
        if isinstance(change, NetworkChange) and not change.structural:
            return  # only numbers moved: the trace events refill the plots
        if self._structure_key() != self._structure:
            self.rebuild()

    def _bind_document(self, document: Any, on_release: Any = None) -> DocumentBinding:
        """Subscribe to the events every time plot follows, with the same slot names in every subclass."""
        self._palette_follower = PaletteFollower(self, self._on_structure_maybe_changed)
        events = document.events
        return DocumentBinding(
            self,
            [
                (events.network_changed, self._on_structure_maybe_changed),
                (events.sequence_changed, self._on_structure_maybe_changed),
                (events.view_settings_changed, self._on_structure_maybe_changed),
                (events.selection_changed, self._on_selection_changed),  # type: ignore[attr-defined]
                (events.trace_changed, self._on_trace_changed),  # type: ignore[attr-defined]
                (events.trace_progress, self._on_trace_progress),  # type: ignore[attr-defined]
                (events.step_changed, self._on_step_changed),  # type: ignore[attr-defined]
            ],
            on_release=on_release,
        )

    def changeEvent(self, event: QEvent) -> None:
        """Light/dark palette switched: the plots take their background and text colours from the palette (rebuilt
        on the next turn, see :mod:`~lstmviz.gui.palette_follow`)."""
        super().changeEvent(event)
        follower = getattr(self, "_palette_follower", None)
        if follower is not None:
            follower.change_event(event)

    def __del__(self) -> None:
        # Dropped by Python while its C++ widget lives (no parent): tear the scene down now, while every item's
        # Python half is intact. Otherwise Qt destroys the items afterwards and calls their Python overrides on
        # half-freed objects, which corrupts memory (a crash in some later, unrelated paint).
        release_graphics(self)
