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
from PySide6.QtGui import QBrush, QColor, QFont, QImage, QPainter, QPainterPath, QPen, QPolygonF
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
NUMBER_CELL = (56.0, 32.0)
"""Width and height of a strip cell that has its value written in it (scene px)."""
NUMBER_PIXELS = 16
"""Size of those values: "−0.34" is 49 px wide at 16 px, so it fits a 56 px cell with room either side."""
MIN_NUMBER_PIXELS = 7.0
"""Level of detail: a cell's number is written only when it comes out at least this many pixels high on screen
(the diagram fitted into a 1366 x 768 window draws its 16 px numbers at about 5 px); smaller, the cells keep their
colours and the value is in the cell's tooltip."""
WRAP_COLUMNS = 16
"""Cells per row of a colour-only strip (more than 16 units) up to WIDE_WRAP_FROM units; twice that beyond."""
WIDE_WRAP_FROM = 128


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
    """Up to 16 units: the value written in each cell (one row up to 4, then two or three rows of at most six, so the
    textbook layout stays compact); more: rows of small cells, colour only: 16 to a row up to 128 units (near-square
    cells that stay visible when the whole cell is fitted in the view), 32 to a row beyond (a strip no taller than
    a gate block's column allows)."""
    if n <= 4:
        return StripShape(n, 1, NUMBER_CELL[0], NUMBER_CELL[1] + 2, True)
    if n <= 16:
        rows = 2 if n <= 12 else 3
        return StripShape(math.ceil(n / rows), rows, NUMBER_CELL[0], NUMBER_CELL[1], True)
    rows = math.ceil(n / (WRAP_COLUMNS if n <= WIDE_WRAP_FROM else 2 * WRAP_COLUMNS))
    cols = math.ceil(n / rows)  # rows as even as they can be (20 units: 2 x 10, not 16 + 4)
    cell_w = max(256.0 / cols, 8.0)
    return StripShape(cols, rows, cell_w, 20.0 if rows == 1 else 14.0, False)


def format_cell_value(value: float, compact: bool = False) -> str:
    """Short enough for a cell: two decimals below 10, fewer above; ``compact`` drops the leading zero (-.43)."""
    if not math.isfinite(value):
        return "nan"
    magnitude = abs(value)
    text = f"{value:.2f}" if magnitude < 9.995 else f"{value:.1f}" if magnitude < 99.95 else f"{value:.0f}"
    if compact and magnitude < 0.995:
        text = text.replace("0.", ".", 1)
    return text.replace("-", "−")


class HoverTip:
    """Mixin: set the item's tooltip from a callback when the pointer enters it."""

    tooltip_source: Tooltip | None = None

    def tooltip_text(self) -> str:
        return self.tooltip_source() if self.tooltip_source is not None else ""

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        self.setToolTip(self.tooltip_text())  # type: ignore[attr-defined]
        super().hoverEnterEvent(event)  # type: ignore[misc]


class UnitCellItem(HoverTip, QGraphicsRectItem):
    """One unit of a strip as a hit target: hover shows its tooltip, a click selects the unit.

    It paints nothing (``ItemHasNoContents``): the strip draws all its cells in one pass, which keeps playback fast
    at H = 256 (thousands of Python ``paint`` calls per frame otherwise).
    """

    def __init__(self, strip: StripItem, unit: int, rect: QRectF) -> None:
        super().__init__(rect, strip)
        self.strip = strip
        self.unit = unit
        self.setFlag(QGraphicsItem.GraphicsItemFlag.ItemHasNoContents, True)
        self.setAcceptHoverEvents(True)
        self.setCursor(Qt.CursorShape.PointingHandCursor)
        self.tooltip_source = lambda: strip.cell_tooltip(unit)

    @property
    def value(self) -> float:
        return float(self.strip.shown[self.unit])

    @property
    def selected(self) -> bool:
        return self.unit in self.strip.selected

    def hoverEnterEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        super().hoverEnterEvent(event)
        if self.strip.on_hover is not None:
            self.strip.on_hover(self.strip.key, self.unit)

    def hoverLeaveEvent(self, event: QGraphicsSceneHoverEvent) -> None:
        super().hoverLeaveEvent(event)
        if self.strip.on_hover is not None:
            self.strip.on_hover(self.strip.key, None)

    def mousePressEvent(self, event: QGraphicsSceneMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self.strip.on_click(self.unit, event.modifiers())
            event.accept()
            return
        super().mousePressEvent(event)


class StripItem(QGraphicsRectItem):
    """A vector shown as a strip of coloured cells (one per unit), centred on its position.

    Small strips draw each cell as a rectangle with its value written in it; large ones draw one pixel per unit
    scaled up without smoothing (crisp at any zoom), and real rectangles when painting into SVG.
    """

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
        self.n = n
        self.shape_info = strip_shape(n)
        shape = self.shape_info
        self.setRect(QRectF(-shape.width / 2, -shape.height / 2, shape.width, shape.height))
        self.setPen(Qt.PenStyle.NoPen)
        self.cell_tooltip = cell_tooltip
        self.on_click = on_click
        self.grid_color = grid_color
        self.number_font = QFont()
        self.number_font.setPixelSize(NUMBER_PIXELS if shape.numbers else 11)
        self.shown = np.full(n, np.nan)
        self.rgba = np.zeros((shape.rows * shape.cols, 4), dtype=np.uint8)
        self.rgba[:n] = PENDING.getRgb()
        self.selected: set[int] = set()
        self.hovered: int | None = None
        """The unit under the pointer in any strip: drawn with a dashed outline, to follow it through the cell."""
        self.numbers_drawn = False
        self.on_hover: Callable[[str, int | None], None] | None = None
        self._image: QImage | None = None
        self._rects = [self._make_rect(unit) for unit in range(n)]
        self.cells = [UnitCellItem(self, unit, self._rects[unit]) for unit in range(n)]

    def _make_rect(self, unit: int) -> QRectF:
        shape = self.shape_info
        row, col = divmod(unit, shape.cols)
        return QRectF(
            -shape.width / 2 + col * shape.cell_w, -shape.height / 2 + row * shape.cell_h, shape.cell_w, shape.cell_h
        )

    def cell_rect(self, unit: int) -> QRectF:
        """Where unit ``unit`` sits, in the strip's coordinates."""
        return self._rects[unit]

    def set_values(self, values: np.ndarray | None, rgba: np.ndarray | None, selected: set[int]) -> None:
        """New values and their (n, 4) RGBA colours (None: not computed yet, drawn grey); repaint only on change."""
        if values is None or rgba is None:
            values = np.full(self.n, np.nan)
            rgba = np.tile(np.array(PENDING.getRgb(), dtype=np.uint8), (self.n, 1))
        values = np.asarray(values, dtype=np.float64)
        same = (
            np.array_equal(values, self.shown, equal_nan=True)
            and selected == self.selected
            and np.array_equal(rgba, self.rgba[: self.n])
        )
        if same:
            return
        self.shown = values.copy()
        self.rgba[: self.n] = rgba
        self.selected = set(selected)
        self._image = None
        self.update()

    def set_hovered(self, unit: int | None) -> None:
        if unit != self.hovered:
            self.hovered = unit
            self.update()

    def values(self) -> np.ndarray:
        """What the strip shows now, one value per unit (for tests and tooltips)."""
        return self.shown.copy()

    def paint(self, painter: QPainter, option: QStyleOptionGraphicsItem, widget: QWidget | None = None) -> None:
        shape = self.shape_info
        # The exporter flags SVG output on the scene. (Asking the painter for its paintEngine() would wrap the
        # engine in a Python object that PySide may delete with the wrapper: a crash in a later paint.)
        vector = bool(getattr(self.scene(), "vector_output", False))
        scale = QStyleOptionGraphicsItem.levelOfDetailFromTransform(painter.worldTransform())
        self.numbers_drawn = shape.numbers and (vector or NUMBER_PIXELS * scale >= MIN_NUMBER_PIXELS)
        """Whether the last paint wrote the values (False: too small to read at this zoom; the tooltip has them)."""
        if shape.numbers or vector:
            self._paint_cells(painter, self.numbers_drawn)
        else:
            if self._image is None:
                pixels = np.ascontiguousarray(self.rgba.reshape(shape.rows, shape.cols, 4))
                image = QImage(pixels.data, shape.cols, shape.rows, shape.cols * 4, QImage.Format.Format_RGBA8888)
                self._image = image.copy()  # own the pixels
            painter.setRenderHint(QPainter.RenderHint.SmoothPixmapTransform, False)
            painter.drawImage(self.rect(), self._image)
            painter.setPen(QPen(self.grid_color, 0.8))
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.drawRect(self.rect())
        if self.hovered is not None and self.hovered < self.n:
            around = self.cell_rect(self.hovered).adjusted(-1.5, -1.5, 1.5, 1.5)
            painter.setBrush(Qt.BrushStyle.NoBrush)
            painter.setPen(QPen(QColor("white"), 3.2))  # readable on any cell colour and either palette
            painter.drawRect(around)
            painter.setPen(QPen(QColor("black"), 1.6, Qt.PenStyle.DashLine))
            painter.drawRect(around)
        for unit in sorted(self.selected):
            if unit < self.n:
                rect = self.cell_rect(unit)
                painter.setBrush(Qt.BrushStyle.NoBrush)
                painter.setPen(QPen(QColor("black"), 2.6 if shape.numbers else 1.8))
                painter.drawRect(rect.adjusted(0.4, 0.4, -0.4, -0.4))
                if shape.numbers:
                    painter.setPen(QPen(QColor("white"), 1.0))
                    painter.drawRect(rect.adjusted(2.2, 2.2, -2.2, -2.2))

    def _paint_cells(self, painter: QPainter, numbers: bool) -> None:
        painter.setPen(QPen(self.grid_color, 0.6))
        painter.setFont(self.number_font)
        for unit in range(self.n):
            rect = self.cell_rect(unit)
            color = QColor(*map(int, self.rgba[unit]))
            painter.setPen(QPen(self.grid_color, 0.6))
            painter.setBrush(QBrush(color))
            painter.drawRect(rect)
            value = float(self.shown[unit])
            if numbers and math.isfinite(value):
                painter.setPen(text_color_on(color))
                painter.drawText(rect, Qt.AlignmentFlag.AlignCenter, format_cell_value(value, abs(value) >= 9.995))


class BlockItem(HoverTip, QGraphicsPathItem):
    """A gate's nonlinearity (sigma, tanh) or the output layer, as a rounded box with its symbol."""

    def __init__(self, html: str, fill: QColor, tooltip: Tooltip, size: tuple[float, float] = (92.0, 48.0)) -> None:
        super().__init__()
        w, h = size
        path = QPainterPath()
        path.addRoundedRect(QRectF(-w / 2, -h / 2, w, h), 8, 8)
        self.setPath(path)
        self.setBrush(QBrush(fill))
        self.setPen(QPen(fill.darker(160), 1.4))
        self.tooltip_source = tooltip
        self.setAcceptHoverEvents(True)
        self.text = centered_text(html, self, INK_ON_FILL, pixel_size=24 if len(html) <= 4 else 17, bold=True)


class OpItem(HoverTip, QGraphicsPathItem):
    """A pointwise operation (x, +, tanh, 1-) as a circle with its symbol."""

    def __init__(self, html: str, tooltip: Tooltip) -> None:
        super().__init__()
        radius = 21.0 if len(html) <= 2 else 27.0
        path = QPainterPath()
        path.addEllipse(QPointF(0, 0), radius, radius if len(html) <= 2 else 21.0)
        self.setPath(path)
        self.setBrush(QBrush(OP_FILL))
        self.setPen(QPen(OP_FILL.darker(170), 1.4))
        self.tooltip_source = tooltip
        self.setAcceptHoverEvents(True)
        self.text = centered_text(html, self, INK_ON_FILL, pixel_size=24 if len(html) <= 2 else 17, bold=True)


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
        from PySide6.QtGui import QPainterPathStroker  # only needed here

        stroker = QPainterPathStroker(stroker_pen)
        return stroker.createStroke(self.path())


def arrow_head(start: QPointF, tip: QPointF, size: float) -> QPainterPath:
    """A filled triangle at ``tip`` pointing away from ``start``."""
    dx, dy = tip.x() - start.x(), tip.y() - start.y()
    length = math.hypot(dx, dy) or 1.0
    ux, uy = dx / length, dy / length
    base = QPointF(tip.x() - ux * size, tip.y() - uy * size)
    half = size * 0.45
    polygon = QPolygonF(
        [tip, QPointF(base.x() - uy * half, base.y() + ux * half), QPointF(base.x() + uy * half, base.y() - ux * half)]
    )
    path = QPainterPath()
    path.addPolygon(polygon)
    path.closeSubpath()
    return path


def rich_text(
    html: str, color: QColor, pixel_size: float = 13, bold: bool = False, parent: QGraphicsItem | None = None
) -> QGraphicsTextItem:
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
