"""Level of detail for the plots: tick labels spaced from the font, curves thinned to the pixels they cover.

pyqtgraph picks the number of major ticks from the axis length alone (about log(size) of them) and always draws
that level, so a short heatmap row read "1/0/-1" on top of each other and a 100k-step axis "2000040000...". Here
the spacing is the roundest step whose labels, measured with the axis font, fit with a gap between them. Curves
of a long trace draw one peak pair per pixel column, and only the part in view.
"""

from __future__ import annotations

import math
from typing import Any

import pyqtgraph as pg
from PySide6.QtGui import QFont, QFontMetricsF

LABEL_GAP_EM = 1.0
"""Space between two labels on a horizontal axis, in widths of "M"."""
LINE_SPACING = 1.2
"""Space a label takes on a vertical axis, in text heights."""


def nice_spacing(span: float, room: int) -> float:
    """The smallest 1, 2 or 5 x 10^k step that cuts ``span`` into at most ``room`` intervals."""
    if span <= 0 or not math.isfinite(span):
        return 1.0
    room = max(int(room), 1)
    exponent = math.floor(math.log10(span / room))
    for power in (exponent, exponent + 1):
        for mantissa in (1.0, 2.0, 5.0):
            step = mantissa * 10.0**power
            if span / step <= room * (1 + 1e-9):
                return step
    return 10.0 ** (exponent + 2)


def _label(value: float, spacing: float) -> str:
    """What pyqtgraph's axis writes for ``value`` at ``spacing`` (its own rule, short form)."""
    places = max(0, math.ceil(-math.log10(spacing))) if spacing < 1 else 0
    return f"{value:.{places}f}"


class ReadableAxis(pg.AxisItem):
    """An axis whose labels never overlap: major spacing from the font metrics; minor ticks unlabelled."""

    def __init__(self, orientation: str, **kwargs: object) -> None:
        super().__init__(orientation, **kwargs)
        self._major = 0.0
        self._pixels_per_unit = 0.0
        """Pixels per unit of the axis (per decade on a log axis), from the last ``tickValues``."""

    def tickValues(self, minVal: float, maxVal: float, size: float) -> list[Any]:
        span = abs(float(maxVal) - float(minVal))
        self._pixels_per_unit = size / span if span > 0 and math.isfinite(span) else 0.0
        values: list[Any] = super().tickValues(minVal, maxVal, size)
        return values

    def logTickStrings(self, values: list[float], scale: float, spacing: float | None) -> list[str]:
        """pyqtgraph labels a log axis's minor ticks (2..9 x 10^k) all or none, and a decade's 0.9, 0.8, 0.7 crowd
        against its 1: a minor label is kept only where it clears the decades and the last one kept."""
        strings: list[str] = super().logTickStrings(values, scale, spacing)
        if spacing is not None or self._pixels_per_unit <= 0:  # the decades themselves: pyqtgraph's
            return strings
        room = self.label_extent(0.0, 1.0, 1.0) / self._pixels_per_unit  # in decades
        decades = [v for v in values if abs(v - round(v)) < 1e-9]
        shown: dict[float, str] = {}
        last = -math.inf
        for value, text in sorted(zip(values, strings, strict=True)):
            decade = abs(value - round(value)) < 1e-9
            clear = all(abs(value - d) >= room for d in decades) and value - last >= room
            shown[value] = text if decade or clear else ""
            if shown[value]:
                last = value
        return [shown[v] for v in values]

    def _metrics(self) -> QFontMetricsF:
        font = self.style.get("tickFont") or QFont()
        return QFontMetricsF(font)

    def label_extent(self, low: float, high: float, spacing: float) -> float:
        """Pixels one label needs along the axis, gap included."""
        metrics = self._metrics()
        if self.orientation in ("left", "right"):
            return metrics.height() * LINE_SPACING
        widest = max(metrics.horizontalAdvance(_label(v, spacing)) for v in (low, high, -abs(high) - spacing))
        return widest + LABEL_GAP_EM * metrics.horizontalAdvance("M")

    def tickSpacing(self, minVal: float, maxVal: float, size: float) -> list[tuple[float, float]]:
        if self._tickSpacing is not None or self.logMode:
            self._major = 0.0
            levels: list[tuple[float, float]] = super().tickSpacing(minVal, maxVal, size)
            return levels
        low, high = sorted((float(minVal), float(maxVal)))
        span = high - low
        if span <= 0 or size <= 0:
            return []
        guess = nice_spacing(span, max(int(size // 30), 1))
        extent = self.label_extent(low, high, guess)
        major = nice_spacing(span, max(int(size // extent), 1))
        extent = self.label_extent(low, high, major)  # labels of the final step (fewer decimals, maybe)
        major = nice_spacing(span, max(int(size // extent), 1))
        self._major = major
        digit = round(major / 10.0 ** math.floor(math.log10(major)))
        minor = major / (2 if digit == 5 else 5 if digit == 1 else 2)
        return [(major, 0.0), (minor, 0.0)]

    def tickStrings(self, values: list[float], scale: float, spacing: float) -> list[str]:
        if self._major and spacing < self._major * (1 - 1e-9):
            return ["" for _ in values]  # minor ticks: marks without labels
        strings: list[str] = super().tickStrings(values, scale, spacing)
        return strings


def readable_axes(given: dict[str, pg.AxisItem] | None = None) -> dict[str, pg.AxisItem]:
    """Left and bottom :class:`ReadableAxis` items, unless ``given`` brings its own."""
    axes: dict[str, pg.AxisItem] = {"left": ReadableAxis("left"), "bottom": ReadableAxis("bottom")}
    axes.update(given or {})
    return axes


def thin_plot(plot: pg.PlotItem) -> pg.PlotItem:
    """Draw every curve of ``plot`` at the detail the screen shows: peak-preserving downsampling to the pixel
    width, and only the steps in view (a 100k-step trace pans as quickly as a 100-step one).

    Set on the plot, not on each curve: ``PlotItem.addItem`` gives every curve the plot's own modes, so a curve's
    ``setDownsampling`` made before it was added is undone.
    """
    plot.setDownsampling(auto=True, mode="peak")
    plot.setClipToView(True)
    return plot
