"""A light colour bar for the heatmap rows: the colour map as a gradient and its range as three labels.

pyqtgraph's ColorBarItem is a whole PlotItem (view box, four axes, context menus): about 8 ms to build, six of them
per cell, and its end labels spill into the neighbouring rows. This one paints a gradient and the low, middle and
high values inside its own bounds, and costs nothing to build.
"""

from __future__ import annotations

import pyqtgraph as pg
from PySide6.QtCore import QPointF, QRectF, QSizeF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QFontMetricsF, QPainter, QPen
from PySide6.QtWidgets import QGraphicsItem

BAR_WIDTH = 10.0
MARGIN = 3.0


def format_level(value: float) -> str:
    """Short tick text: 1, 0.5, -1.25, 2.5e+03."""
    text = f"{value:.3g}"
    return "0" if text in ("-0", "0.0") else text


class ColorScaleBar(pg.GraphicsWidget):
    """Vertical gradient of ``colormap`` from ``levels[0]`` (bottom) to ``levels[1]`` (top), labelled."""

    def __init__(self, colormap: pg.ColorMap, levels: tuple[float, float], foreground: QColor) -> None:
        super().__init__()
        self.colormap = colormap
        self.levels = levels
        self.foreground = QColor(foreground)
        self.font = QFont()
        self.font.setPointSizeF(max(6.0, self.font.pointSizeF() * 0.8))
        metrics = QFontMetricsF(self.font)
        self.text_height = metrics.height()
        width = BAR_WIDTH + 2 * MARGIN + metrics.horizontalAdvance("-0.000")
        self.setMinimumWidth(width)
        self.setMaximumWidth(width)
        self.setPreferredSize(QSizeF(width, 40))
        self.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)

    def setLevels(self, levels: tuple[float, float]) -> None:
        if tuple(levels) != tuple(self.levels):
            self.levels = (float(levels[0]), float(levels[1]))
            self.update()

    def bar_rect(self) -> QRectF:
        rect = self.boundingRect()
        return QRectF(rect.left() + MARGIN, rect.top() + MARGIN, BAR_WIDTH, max(rect.height() - 2 * MARGIN, 1.0))

    def label_boxes(self) -> list[tuple[QRectF, str]]:
        """Where each value label goes: high at the top, low at the bottom, the middle when there is room; a bar
        shorter than two lines keeps the high label only, one shorter than a line none (they ran together:
        "2.5" over "-2.5")."""
        rect, bar = self.boundingRect(), self.bar_rect()
        left, width, line = bar.right() + MARGIN, rect.right() - bar.right() - MARGIN, self.text_height
        low, high = self.levels
        wanted = [(high, bar.top())]
        if bar.height() >= 2 * line:
            wanted.append((low, bar.bottom() - line))
        if bar.height() >= 3.5 * line:
            wanted.append(((low + high) / 2, bar.center().y() - line / 2))
        if bar.height() < line:
            wanted = []
        return [(QRectF(left, top, width, line), format_level(value)) for value, top in wanted]

    def paint(self, painter: QPainter, *args: object) -> None:
        bar = self.bar_rect()
        gradient = self.colormap.getGradient(QPointF(0.0, bar.bottom()), QPointF(0.0, bar.top()))
        painter.fillRect(bar, QBrush(gradient))
        painter.setPen(QPen(self.foreground, 0))
        painter.drawRect(bar)
        painter.setFont(self.font)
        for box, text in self.label_boxes():
            painter.drawText(box, int(Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignLeft), text)
