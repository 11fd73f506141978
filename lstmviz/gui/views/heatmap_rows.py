"""The rows of the heatmaps view: one units x time heatmap per quantity, and the input sequence above them.

Each row owns a PlotItem in the view's shared GraphicsLayout, its image (or lines), a colour bar and a cursor line.
Rows only hold items and know how to fill them from arrays; the view decides when (so a step change moves only
the cursors, and a partial trace redraws only what is filled).
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np
import pyqtgraph as pg
import shiboken6
from PySide6.QtCore import QRectF, QTimer
from PySide6.QtGui import QColor

from ...io.sequence_data import SequenceData
from .. import colors
from .heatmap_colorbar import ColorScaleBar
from .heatmap_common import (
    INPUT_SYMBOL,
    TimeMap,
    aligned_image,
    block_mean,
    cache_curve,
    display_char,
    make_cursor,
    plot_item,
    style_plot,
    visible_window,
)

ROW_LABEL_PIXELS = 14
"""Vertical pixels per row label on the unit axis."""
MAX_OUTLINED_UNITS = 256
LUT_SIZE = 512
"""More than 256 entries: pyqtgraph applies the colour map itself and hands Qt a 32-bit image, which Qt blits
as it is; an 8-bit indexed image is converted on every paint."""


def opaque_lut(signed: bool) -> np.ndarray:
    """colors.py's map without its alpha channel: an opaque image draws several times faster than one with alpha."""
    return np.ascontiguousarray(colors.lookup_table(signed, LUT_SIZE)[:, :3])


SELECTION_COLOR = QColor(255, 255, 255, 200)


class RowAxis(pg.AxisItem):
    """A left axis for rows of cells: ticks centred on rows, as many labels as the pixel height allows.

    Rows are units (labelled 0..H-1) or, for one-hot text, vocabulary characters. Recomputed on every zoom and
    resize, so 256 units in a short dock read "0, 50, 100, ..." instead of a smear of overlapping numbers.
    """

    def __init__(self, names: tuple[str, ...] | None = None) -> None:
        super().__init__("left")
        self.names = names
        self.setStyle(hideOverlappingLabels=True)

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list:
        low, high = max(math.floor(min(minVal, maxVal)), 0), math.ceil(max(minVal, maxVal))
        count = self.names and len(self.names)
        if count:
            high = min(high, count)
        visible = max(high - low, 1)
        room = max(int(size // ROW_LABEL_PIXELS), 1)
        stride = next(s for s in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000, 10**9) if visible / s <= room)
        major = [u + 0.5 for u in range(low - low % stride, high, stride) if u >= low]
        ticks = [(float(stride), major)]
        if stride > 1 and visible <= size / 3:
            ticks.append((1.0, [u + 0.5 for u in range(low, high) if u % stride]))
        return ticks

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if spacing < 1.0:  # minor ticks are unlabelled
            return ["" for _ in values]
        rows = [int(math.floor(v)) for v in values]
        if self.names:  # every row's character, or every k-th when they do not all fit (as the figures do)
            if spacing > 1.0 and len(rows) < 3:  # one or two characters alone would read as the axis's name
                return ["" for _ in values]
            return [self.names[r] if 0 <= r < len(self.names) else "" for r in rows]
        return [str(r) for r in rows]


class HeatmapRow:
    """A (units x time) heatmap of one trace quantity, e.g. f_t of layer 0."""

    def __init__(
        self,
        key: str,
        symbol: str,
        tooltip: str,
        signed: bool,
        foreground: QColor,
        levels_of: Callable[[], tuple[float, float]],
    ) -> None:
        self.key = key
        self.levels_of = levels_of
        """The colour levels of this quantity, from the compute service (one rule, every view)."""
        self.symbol = symbol
        self.signed = signed
        self.plot = plot_item(axisItems={"left": RowAxis()})
        self.plot.setMenuEnabled(True)
        self.plot.hideButtons()
        self.plot.setLabel("left", symbol)
        self.plot.getAxis("left").setToolTip(tooltip)
        self.plot.getViewBox().invertY(True)
        self.plot.setDefaultPadding(0.0)
        style_plot(self.plot, foreground)
        self.image = pg.ImageItem(autoDownsample=True, axisOrder="row-major")
        self.image.setLookupTable(opaque_lut(signed))
        self.plot.addItem(self.image)
        self.levels = colors.default_levels(key, signed=signed)
        self.colorbar = ColorScaleBar(colors.colormap_for(signed), self.levels, foreground)
        self.colorbar.setToolTip(f"Colour scale of {symbol}")
        self.cursor = make_cursor()
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.selection_items: list[pg.InfiniteLine] = []
        self.units = 0
        self.buffer = np.zeros((0, 0), dtype=np.float32)
        """Everything drawn, (T, H) like the trace: rows [0, valid) hold values, the newest generation first."""
        self.valid = 0
        self.time_map: TimeMap | None = None
        self.window: tuple[int, int, int] = (0, 0, 1)
        self.columns = 0
        """Image columns holding data (the rest is transparent padding)."""
        """(first step, end step, steps per image column) of what the image holds."""
        self._redraw_pending = False
        box = self.plot.getViewBox()
        box.sigXRangeChanged.connect(self._on_view_changed)
        box.sigResized.connect(self._on_view_changed)

    def reset(self, units: int, steps: int) -> None:
        """Fresh display buffer for a new shape, nothing valid yet."""
        self.units = units
        self.buffer = np.zeros((steps, units), dtype=np.float32)
        self.valid = 0
        self.window = (0, 0, 1)
        self.image.clear()

    def write(self, data: np.ndarray, start: int, stop: int) -> None:
        """Copy steps [start, stop) of ``data`` (T, H) into the display buffer (steps beyond stay as they were).

        Keeping the older steps means a progressive recompute sweeps the new values over the old ones instead of
        blanking the picture on every slider move. Row-contiguous copies: cheap even for 256 x 10,000.
        """
        if stop <= start:
            return
        if data.dtype == self.buffer.dtype and data.shape == self.buffer.shape:
            # a compact trace is already float32: draw from it, never hold a second full copy (its unfilled
            # steps read 0 rather than the older values)
            self.buffer = data
            self.valid = max(self.valid, stop)
            return
        if not self.buffer.flags.writeable:  # back from drawing a compact trace to a float64 one
            self.buffer = np.zeros(self.buffer.shape, dtype=self.buffer.dtype)
        part = self.buffer[start:stop]
        part[...] = data[start:stop]
        self.valid = max(self.valid, stop)

    def needs_redraw(self, start: int, stop: int, time_map: TimeMap | None = None) -> bool:
        """Whether steps [start, stop) just written change what is on screen (the window, or the levels).

        The drawn window ends at the valid part, so steps a progressive delivery appends after it are not inside
        it even when they are in view: the window the view would draw now is compared too (else every row stayed
        drawn up to an early delivery until the next zoom).
        """
        first, end, _ = self.window
        if end <= first or start < end and stop > first:
            return True
        if time_map is not None and self._wanted_window(time_map) != self.window:
            return True
        return self.signed and self.levels_of() != self.levels

    def _wanted_window(self, time_map: TimeMap) -> tuple[int, int, int]:
        """The (first, end, block) the view box's current range and width call for."""
        box = self.plot.getViewBox()
        pixels = int(box.width()) if box.width() >= 16 else 1000
        return visible_window(time_map, box.viewRange()[0], self.valid, pixels)

    def show(self, time_map: TimeMap) -> None:
        """Draw the visible steps of the buffer at screen resolution, with levels from colors.py.

        Only the steps in view are turned into an image, block-averaged down to about one column per pixel, so
        the cost follows the screen, not the sequence (100,000 steps pan and zoom smoothly).
        """
        self.time_map = time_map
        if self.valid == 0:
            self.image.clear()
            self.window = (0, 0, 1)
            return
        if self.signed:
            levels = self.levels_of()
        else:
            levels = colors.default_levels(self.key, signed=False)
        first, end, block = self._wanted_window(time_map)
        columns = block_mean(self.buffer, first, end, block)
        self.columns = columns.shape[0]
        image = aligned_image(columns)
        left, _ = time_map.image_x_range(0)
        rect = QRectF(left + first * time_map.dt, 0.0, image.shape[1] * block * time_map.dt, self.units)
        self.image.setImage(image, autoLevels=False, levels=levels, rect=rect)
        self.window = (first, end, block)
        if levels != self.levels:  # a colour bar update relayouts its axis: only when the range really moved
            self.levels = levels
            self.colorbar.setLevels(levels)

    def dispose(self) -> None:
        """Stop listening to the view box (the row is being replaced or its widget destroyed)."""
        box = self.plot.getViewBox()
        for signal in (box.sigXRangeChanged, box.sigResized):
            try:
                signal.disconnect(self._on_view_changed)
            except (TypeError, RuntimeError):
                pass
        self.time_map = None

    def _on_view_changed(self, *_: object) -> None:
        """Zoom, pan or resize: redraw the visible steps, deferred to the event loop.

        The view box reports range changes while the scene is being painted; changing an item's geometry then
        corrupts the scene's index (a crash in the next paint), so the redraw runs once the paint is over.
        """
        if not self._redraw_pending:
            self._redraw_pending = True
            QTimer.singleShot(0, self._redraw_visible)

    def _redraw_visible(self) -> None:
        self._redraw_pending = False
        if self.time_map is None or self.valid == 0 or not shiboken6.isValid(self.image) or self.image.scene() is None:
            return
        if self._wanted_window(self.time_map) != self.window:
            self.show(self.time_map)

    def value_at(self, step: int, unit: int) -> float | None:
        """The value at (step, unit) at full resolution, or None outside the drawn part."""
        if not (0 <= step < self.valid and 0 <= unit < self.units):
            return None
        return float(self.buffer[step, unit])

    def set_cursor(self, x: float) -> None:
        self.cursor.setValue(x)

    def set_selection(self, units: tuple[int, ...]) -> None:
        """Thin lines above and below each selected unit's row (at most a few dozen units get outlines)."""
        for item in self.selection_items:
            self.plot.removeItem(item)
        self.selection_items = []
        if self.units > MAX_OUTLINED_UNITS:
            return
        pen = pg.mkPen(SELECTION_COLOR, width=1)  # solid: dashed lines cost ten times as much to paint
        for edge in sorted({u for unit in units for u in (unit, unit + 1)}):
            line = pg.InfiniteLine(pos=edge, angle=0, movable=False, pen=pen)
            line.setZValue(10)
            self.plot.addItem(line, ignoreBounds=True)
            self.selection_items.append(line)


def scale_suffix(labels: tuple[str, ...]) -> str:
    """ " (z-score)" when every input label says its column was scaled the same way (see io.seq_prepare)."""
    for method in ("z-score", "min-max"):
        if labels and all(label.endswith(f" ({method})") for label in labels):
            return f" ({method})"
    return ""


class InputRow:
    """The input sequence above the heatmaps: one line per column, or a heatmap for one-hot text."""

    PENS = ("#1f77b4", "#ff7f0e", "#2ca02c", "#d62728", "#9467bd", "#8c564b", "#e377c2", "#17becf")

    def __init__(self, sequence: SequenceData, time_map: TimeMap, foreground: QColor) -> None:
        self.sequence = sequence
        self.one_hot = sequence.vocabulary is not None
        names = tuple(display_char(c) for c in (sequence.vocabulary or ())) if self.one_hot else None
        self.plot = plot_item(axisItems={"left": RowAxis(names)} if self.one_hot else None)
        self.plot.hideButtons()
        self.plot.setDefaultPadding(0.02)
        style_plot(self.plot, foreground)
        self.plot.setLabel("left", INPUT_SYMBOL + scale_suffix(sequence.input_labels))
        rows = f"; one row per character: {' '.join(names)}" if names else ""
        self.plot.getAxis("left").setToolTip(f"The input sequence: {sequence.source or 'x'}{rows}")
        self.image: pg.ImageItem | None = None
        self.curves: list[pg.PlotDataItem] = []
        values = sequence.values
        if self.one_hot:
            self.plot.getViewBox().invertY(True)
            self.plot.setDefaultPadding(0.0)
            self.image = pg.ImageItem(autoDownsample=True, axisOrder="row-major")
            self.image.setLookupTable(opaque_lut(False))
            image = aligned_image(values)
            left, width = time_map.image_x_range(image.shape[1])
            self.image.setImage(
                image, autoLevels=False, levels=(0.0, 1.0), rect=QRectF(left, 0.0, width, values.shape[1])
            )
            self.plot.addItem(self.image)
        else:
            if values.shape[1] > 1:
                legend = self.plot.addLegend(offset=(4, 2), labelTextColor=foreground, colCount=4)
                legend.setBrush(pg.mkBrush(0, 0, 0, 0))
            for column in range(values.shape[1]):
                pen = pg.mkPen(self.PENS[column % len(self.PENS)], width=1)  # width 1: Qt's fast stroking path
                label = sequence.input_labels[column] if column < len(sequence.input_labels) else f"x{column}"
                curve = pg.PlotDataItem(time_map.time, values[:, column], pen=pen, name=label, antialias=True)
                self.plot.addItem(cache_curve(curve))
                self.curves.append(curve)
        self.cursor = make_cursor()
        self.plot.addItem(self.cursor, ignoreBounds=True)

    def value_text(self, step: int, y: float) -> str:
        """What the input holds at ``step`` (the character for text, else each column's value)."""
        values = self.sequence.values
        if self.one_hot and self.sequence.vocabulary:
            char = self.sequence.vocabulary[int(np.argmax(values[step]))]
            return f"x_t = {display_char(char)!r}"
        labels = self.sequence.input_labels
        return ", ".join(f"{labels[k]} = {values[step, k]:.4g}" for k in range(min(values.shape[1], 6)))

    def set_cursor(self, x: float) -> None:
        self.cursor.setValue(x)
