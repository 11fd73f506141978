"""The graphics items of the gate diagram: value strips, gate blocks, operation circles, labelled arrows.

Everything is a vector item (paths, rects, text), so the scene stays crisp at any zoom and exports to real SVG.
Tooltips are computed when the pointer arrives (``hoverEnterEvent``), not on every step, so playback only recolours.
"""

from __future__ import annotations

import math
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QFont, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import (
    QGraphicsItem,
    QGraphicsPathItem,
    QGraphicsRectItem,
    QGraphicsSceneHoverEvent,
    QGraphicsSceneMouseEvent,
    QGraphicsTextItem,
    QStyleOptionGraphicsItem,
    QWidget,
)

from ..colors import text_color_on

Tooltip = Callable[[], str]

BLOCK_FILL = QColor("#f7c948")
"""Gate blocks: Olah's yellow neural-network layers."""
OP_FILL = QColor("#f4a7b9")
"""Pointwise operations: Olah's pink circles."""
OUTPUT_FILL = QColor("#9fd3c7")
INK_ON_FILL = QColor("#1d1d1f")
PENDING = QColor(128, 128, 128, 90)


@dataclass(frozen=True)
class StripShape:
    """How a strip of n cells is laid out: columns, rows, cell size, and whether numbers fit in the cells."""

    cols: int
    rows: int
    cell_w: float
    cell_h: float
    numbers: bool

    @property
    def width(self) -> float:
        return self.cols * self.cell_w

    @property
    def height(self) -> float:
        return self.rows * self.cell_h


def strip_shape(n: int) -> StripShape:
    """Up to 16 units: one row with the value written in each cell; more: wrap into rows of at most 32 small cells."""
    if n <= 16:
        return StripShape(n, 1, 40.0 if n <= 10 else 34.0, 30.0, True)
    cols = min(n, 32)
    rows = math.ceil(n / cols)
    cell_w = max(256.0 / cols, 8.0)
    return StripShape(cols, rows, cell_w, 20.0 if rows == 1 else 14.0, False)


def format_cell_value(value: float) -> str:
    """Short enough for a 32-pixel cell: two decimals below 10, fewer above."""
    if not math.isfinite(value):
        return "nan"
    magnitude = abs(value)
    text = f"{value:.2f}" if magnitude < 9.995 else f"{value:.1f}" if magnitude < 99.95 else f"{value:.0f}"
    return text.replace("-", "−")


class HoverTip:
    """Mixin: set the item's tooltip from a callback when the pointer enters it."""

    tooltip_source: Tooltip | None = None

    def tooltip_text(self) -> str:
        return self.tooltip_source() if self.tooltip_source is not None else ""

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:  # noqa: N802 - Qt override
        self.setToolTip(self.tooltip_text())  # type: ignore[attr-defined]
        super().hoverEnterEvent(event)  # type: ignore[misc]


class UnitCellItem(HoverTip, QGraphicsRectItem):
    """One unit of a strip: its colour, its number when there is room, an outline when selected."""

    def __init__(self, strip: StripItem, unit: int, rect: QRectF, numbers: bool) -> None:
        super().__init__(rect, strip)
        self.strip = strip
        self.unit = unit
        self.value = float("nan")
        self.color = PENDING
        self.selected = False
        self.numbers = numbers
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.tooltip_source = lambda: strip.cell_tooltip(unit)
        self.setPen(Qt.PenStyle.NoPen)
        self.setZValue(1)

    def set_state(self, value: float, color: QColor, selected: bool) -> None:
        if value == self.value and selected == self.selected and color == self.color:
            return
        self.value, self.color, self.selected = value, color, selected
        self.setZValue(2 if selected else 1)
        self.update()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        rect = self.rect()
        painter.setPen(QPen(self.strip.grid_color, 0.6))
        painter.setBrush(QBrush(self.color))
        painter.drawRect(rect)
        if self.numbers and math.isfinite(self.value):
            painter.setPen(text_color_on(self.color))
            painter.setFont(self.strip.number_font)
            painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, format_cell_value(self.value))
        if self.selected:
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("black"), 2.6))
            painter.drawRect(rect.adjusted(0.4, 0.4, -0.4, -0.4))
            painter.setPen(QPen(QColor("white"), 1.0))
            painter.drawRect(rect.adjusted(2.2, 2.2, -2.2, -2.2))

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:  # noqa: N802 - Qt override
        if event.button() == Qt.MouseButton.LeftButton:
            self.strip.on_click(self.unit, event.modifiers())
            event.accept()
            return
        super().mousePressEvent(event)


class StripItem(QGraphicsRectItem):
    """A vector shown as a strip of coloured cells (one per unit), centred on its position."""

    def __init__(
        self,
        key: str,
        n: int,
        cell_tooltip: Callable[[int], str],
        on_click: Callable[[int, Qt.KeyboardModifier], None],
        grid_color: QColor,
    ) -> None:
        super().__init__()
        self.key = key
        self.shape_info = strip_shape(n)
        shape = self.shape_info
        self.setRect(QRectF(-shape.width / 2, -shape.height / 2, shape.width, shape.height))
        self.setPen(Qt.PenStyle.NoPen)
        self.cell_tooltip = cell_tooltip
        self.on_click = on_click
        self.grid_color = grid_color
        self.number_font = QFont()
        self.number_font.setPixelSize(12 if shape.cell_w >= 40 else 11)
        self.cells: list[UnitCellItem] = []
        left, top = -shape.width / 2, -shape.height / 2
        for unit in range(n):
            row, col = divmod(unit, shape.cols)
            rect = QRectF(left + col * shape.cell_w, top + row * shape.cell_h, shape.cell_w, shape.cell_h)
            self.cells.append(UnitCellItem(self, unit, rect, shape.numbers))

    def set_values(
        self, values: np.ndarray | None, colors: list[QColor] | None, selected: set[int]
    ) -> None:
        """Recolour (values None: not computed yet, drawn grey)."""
        for cell in self.cells:
            if values is None or colors is None:
                cell.set_state(float("nan"), PENDING, cell.unit in selected)
            else:
                cell.set_state(float(values[cell.unit]), colors[cell.unit], cell.unit in selected)

    def values(self) -> np.ndarray:
        """What the strip shows now, one value per unit (for tests and tooltips)."""
        return np.array([cell.value for cell in self.cells])


class BlockItem(HoverTip, QGraphicsPathItem):
    """A gate's nonlinearity (sigma, tanh) or the output layer, as a rounded box with its symbol."""

    def __init__(self, html: str, fill: QColor, tooltip: Tooltip, size: tuple[float, float] = (76.0, 40.0)) -> None:
        super().__init__()
        w, h = size
        path = QPainterPath()
        path.addRoundedRect(QRectF(-w / 2, -h / 2, w, h), 8, 8)
        self.setPath(path)
        self.setBrush(QBrush(fill))
        self.setPen(QPen(fill.darker(160), 1.4))
        self.tooltip_source = tooltip
        self.setAcceptHoverEvents(True)
        self.text = centered_text(html, self, INK_ON_FILL, pixel_size=17, bold=True)


class OpItem(HoverTip, QGraphicsPathItem):
    """A pointwise operation (x, +, tanh, 1-) as a circle with its symbol."""

    def __init__(self, html: str, tooltip: Tooltip) -> None:
        super().__init__()
        radius = 17.0 if len(html) <= 2 else 22.0
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), radius, radius if len(html) <= 2 else 17.0)
        self.setPath(path)
        self.setBrush(QBrush(OP_FILL))
        self.setPen(QPen(OP_FILL.darker(170), 1.4))
        self.tooltip_source = tooltip
        self.setAcceptHoverEvents(True)
        self.text = centered_text(html, self, INK_ON_FILL, pixel_size=18 if len(html) <= 2 else 13, bold=True)


class ArrowItem(HoverTip, QGraphicsPathItem):
    """A polyline with an arrow head; a wide invisible shape makes it easy to hover."""

    def __init__(self, points: list[QPointF], color: QColor, width: float, arrow: bool, tooltip: Tooltip) -> None:
        super().__init__()
        path = QPainterPath(points[0])
        for p in points[1:]:
            path.lineTo(p)
        self.setPath(path)
        self.setPen(QPen(color, width, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap, Qt.PenJoinStyle.RoundJoin))
        self.tooltip_source = tooltip
        self.setAcceptHoverEvents(True)
        self.head: QGraphicsPathItem | None = None
        if arrow and len(points) >= 2:
            self.head = QGraphicsPathItem(arrow_head(points[-2], points[-1], 7.0 + width), self)
            self.head.setBrush(QBrush(color))
            self.head.setPen(QPen(color, 0.8))

    def shape(self) -> QPainterPath:
        stroker_pen = QPen(QColor(0, 0, 0), 10.0)
        from PySide6.QtGui import QPainterPathStroker  # noqa: PLC0415 - only needed here

        stroker = QPainterPathStroker(stroker_pen)
        return stroker.createStroke(self.path())


def arrow_head(start: QPointF, tip: QPointF, size: float) -> QPainterPath:
    """A filled triangle at ``tip`` pointing away from ``start``."""
    dx, dy = tip.x() - start.x(), tip.y() - start.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    base = QPointF(tip.x() - ux * size, tip.y() - uy * size)
    half = size * 0.45
    polygon = QPolygonF([tip, QPointF(base.x() - uy * half, base.y() + ux * half),
                         QPointF(base.x() + uy * half, base.y() - ux * half)])
    path = QPainterPath()
    path.addPolygon(polygon)
    path.closeSubpath()
    return path


def rich_text(html: str, color: QColor, pixel_size: float = 13, bold: bool = False,
              parent: QGraphicsItem | None = None) -> QGraphicsTextItem:
    """A rich-text label (subscripts, sigma, C-tilde) that stays text in SVG export."""
    item = QGraphicsTextItem(parent)
    font = QFont()
    font.setPixelSize(int(pixel_size))
    font.setBold(bold)
    item.setFont(font)
    item.setDefaultTextColor(color)
    item.document().setDocumentMargin(1)
    item.setHtml(html)
    item.setAcceptHoverEvents(False)
    return item


def centered_text(html: str, parent: QGraphicsItem, color: QColor, pixel_size: float, bold: bool) -> QGraphicsTextItem:
    item = rich_text(html, color, pixel_size, bold, parent)
    rect = item.boundingRect()
    item.setPos(-rect.width() / 2, -rect.height() / 2)
    return item


def clip_to_item(center: QPointF, toward: QPointF, item: QGraphicsItem | None, gap: float = 3.0) -> QPointF:
    """Where the line from ``center`` toward ``toward`` leaves ``item``'s outline (plus a small gap)."""
    if item is None:
        return center
    dx, dy = toward.x() - center.x(), toward.y() - center.y()
    length = math.hypot(dx, dy)
    if length == 0:
        return center
    rect = item.mapRectToScene(item.boundingRect()) if not isinstance(item, StripItem) else item.sceneBoundingRect()
    if isinstance(item, OpItem):
        distance = rect.width() / 2 * abs(dx / length) + rect.height() / 2 * abs(dy / length)
        distance = min(distance, max(rect.width(), rect.height()) / 2)
    else:
        tx = rect.width() / 2 / abs(dx) * length if dx else math.inf
        ty = rect.height() / 2 / abs(dy) * length if dy else math.inf
        distance = min(tx, ty)
    distance = min(distance + gap, length)
    return QPointF(center.x() + dx / length * distance, center.y() + dy / length * distance)
