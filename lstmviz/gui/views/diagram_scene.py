"""One builder that turns any :class:`~.diagram_layout.CellLayout` into a live QGraphicsScene.

The builder places nodes (grid units to pixels from the strip size), routes edges between node outlines, labels
everything from the engine's spec, and keeps the strips by key so a step change only recolours them.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QObject, QPointF, QRectF, Qt
from PySide6.QtGui import QBrush, QColor, QLinearGradient, QPainterPath, QPalette, QPen
from PySide6.QtWidgets import QGraphicsItem, QGraphicsPathItem, QGraphicsRectItem, QGraphicsScene, QGraphicsTextItem

from ...engine.network import Network
from ..colors import lookup_table
from .diagram_items import (
    BLOCK_FILL,
    OUTPUT_FILL,
    ArrowItem,
    BlockItem,
    OpItem,
    StripItem,
    clip_to_item,
    rich_text,
    strip_shape,
)
from .diagram_layout import CellLayout, Edge, Node, layout_for
from .diagram_values import shows_output

NONLINEARITY_SYMBOL = {"sigmoid": "σ", "tanh": "tanh", "relu": "ReLU", "identity": "id", "softmax": "softmax"}
LEGEND_NOTE_WIDTH = 640.0
"""About how wide the legend's two-line note is (scene px), to decide whether it fits beside the colour bars."""


def symbol_html(symbol: str) -> str:
    """Plain spec symbols to HTML: ``C~_t`` -> C&#771;<sub>t</sub>, ``h_{t-1}`` -> h<sub>t−1</sub>."""
    text = symbol.replace("~", "\u0303")
    text = re.sub(r"_\{([^}]*)\}", lambda m: f"<sub>{m.group(1)}</sub>", text)
    text = re.sub(r"_(\w+)", lambda m: f"<sub>{m.group(1)}</sub>", text)
    return text.replace("-", "−")


@dataclass(frozen=True)
class StripLabel:
    """Name of a strip: symbol (HTML), title and equation for tooltips."""

    symbol: str
    title: str
    equation: str


def strip_label(network: Network, key: str, layer: int) -> StripLabel:
    """Labels from the spec for gates and states; the few extra vectors (inputs, output) named here."""
    if key == "x":
        if layer == 0:
            return StripLabel("x<sub>t</sub>", "input", "x_t: the sequence at step t")
        return StripLabel(
            f"x<sub>t</sub> = h<sub>t</sub><sup>(l{layer - 1})</sup>",
            "input from the layer below",
            f"x_t of layer {layer} is h_t of layer {layer - 1}",
        )
    if key == "h_prev":
        return StripLabel("h<sub>t−1</sub>", "previous hidden state", "h_{t-1}: h of the previous step (h_0 at t=0)")
    if key == "c_prev":
        return StripLabel("C<sub>t−1</sub>", "previous cell state", "C_{t-1}: C of the previous step (C_0 at t=0)")
    if key == "y":
        act = network.output_activation
        return StripLabel("O<sub>t</sub>", "output", f"O_t = {act}(W_o h_t + b_o)")
    title, symbol, equation = network.spec.describe(key)
    if network.spec.activation_choice and key == "h":
        equation = equation.replace("act(", f"{network.nonlinearity}(")
    return StripLabel(symbol_html(symbol), title, equation)


def nonlinearity_of(network: Network, key: str) -> str:
    if not network.spec.gates:  # a gateless cell's one block is h, under the network's own activation
        return network.nonlinearity
    return network.spec.gate(key).nonlinearity


class ColorTable:
    """The shared colour maps as lookup tables: strips are recoloured per step, vectorised."""

    def __init__(self) -> None:
        self._luts = {signed: np.ascontiguousarray(lookup_table(signed), dtype=np.uint8) for signed in (False, True)}

    def rgba(self, values: np.ndarray, levels: tuple[float, float], signed: bool) -> np.ndarray:
        """(n, 4) uint8 colours of ``values`` on the shared colour scale."""
        low, high = levels
        span = (high - low) or 1.0
        frac = np.clip((np.nan_to_num(values, nan=0.5 * (low + high)) - low) / span, 0.0, 1.0)
        return self._luts[signed][np.rint(frac * 255).astype(np.intp)]


class DiagramScene(QGraphicsScene):
    """The scene of one cell kind for one layer; built once per structure, recoloured per step."""

    def __init__(
        self,
        network: Network,
        layer: int,
        layer_input_size: int,
        tooltips: Callable[[str, str, int], str],
        on_click: Callable[[str, int, Qt.KeyboardModifier], None],
        palette: QPalette,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)  # owned by the view: freed with it, not whenever Python's GC gets to it
        self.network = network
        self.layer = layer
        self.layout: CellLayout = layout_for(network.cell)
        self._tooltips = tooltips
        self._on_click = on_click
        self.ink = palette.color(QPalette.ColorRole.WindowText)
        self.background = palette.color(QPalette.ColorRole.Base)
        self.setBackgroundBrush(QBrush(self.background))
        self.vector_output = False
        """Set while exporting SVG: strips then draw every cell as a vector rectangle instead of one image."""
        self.strips: dict[str, StripItem] = {}
        self.blocks: dict[str, BlockItem] = {}
        self.ops: dict[str, OpItem] = {}
        self.arrows: list[ArrowItem] = []
        self._items_by_id: dict[str, QGraphicsItem | None] = {}
        self._junctions: set[str] = set()
        hidden = network.hidden_size
        shape = strip_shape(hidden)
        self.slot = max(shape.width, 190.0) + 76.0
        self.row = max(shape.height, 30.0) + 72.0
        self._sizes = {"x": layer_input_size, "y": network.output_size or 0}
        nodes = list(self.layout.nodes)
        edges = list(self.layout.edges)
        if shows_output(network, layer):
            nodes += self.layout.output
            edges += self.layout.output_edges
        self._draw_frame()
        for node in nodes:
            self._add_node(node)
        for edge in edges:
            self._add_edge(edge)
        self.title = rich_text("", self.ink, 28)
        self.legend_note = rich_text("", self.ink, 15)
        self._draw_legend()
        bounds = self.itemsBoundingRect()  # the drawing without the title (which would pull the top up to y = 0)
        self.title.setPos(bounds.left(), bounds.top() - 52)
        self.addItem(self.title)
        self.setSceneRect(self.itemsBoundingRect().adjusted(-24, -24, 24, 24))

    # Geometry ------------------------------------------------------------------------------------------------
    def to_scene(self, x: float, y: float) -> QPointF:
        return QPointF(x * self.slot, y * self.row)

    def _draw_frame(self) -> None:
        x0, y0, x1, y1 = self.layout.frame
        top_left, bottom_right = self.to_scene(x0, y0), self.to_scene(x1, y1)
        path = QPainterPath()
        path.addRoundedRect(QRectF(top_left, bottom_right), 22, 22)
        fill = QColor(self.ink)
        fill.setAlpha(14)
        edge = QColor(self.ink)
        edge.setAlpha(90)
        self.frame_item = QGraphicsPathItem(path)
        self.frame_item.setBrush(QBrush(fill))
        self.frame_item.setPen(QPen(edge, 1.6))
        self.frame_item.setZValue(-10)
        self.addItem(self.frame_item)
        caption = rich_text(
            f"<b>{self.network.spec.title} cell</b>", edge.darker(100) if self.ink.lightness() < 128 else self.ink, 18
        )
        caption.setPos(top_left + QPointF(14, 6))
        self.addItem(caption)

    def _add_node(self, node: Node) -> None:
        pos = self.to_scene(node.x, node.y)
        item: QGraphicsItem | None
        if node.kind == "strip":
            item = self._add_strip(node)
        elif node.kind == "block":
            symbol = NONLINEARITY_SYMBOL[nonlinearity_of(self.network, node.key)]
            item = BlockItem(symbol, BLOCK_FILL, lambda key=node.key: self._tooltips("block", key, -1))
            self.blocks[node.key] = item
        elif node.kind == "output":
            affine = "W<sub>o</sub>h<sub>t</sub> + b<sub>o</sub>"
            act = self.network.output_activation
            item = BlockItem(
                affine if act == "identity" else f"{NONLINEARITY_SYMBOL[act]}({affine})",
                OUTPUT_FILL,
                lambda: self._tooltips("block", "y", -1),
                size=(200.0, 48.0),
            )
            self.blocks["y"] = item
        elif node.kind == "op":
            item = OpItem(node.text, lambda node_id=node.id: self._tooltips("op", node_id, -1))
            self.ops[node.id] = item
        else:  # junction: a dot where a line splits
            dot = QGraphicsPathItem()
            path = QPainterPath()
            path.addEllipse(QPointF(0, 0), 3.2, 3.2)
            dot.setPath(path)
            dot.setBrush(QBrush(self.ink))
            dot.setPen(Qt.PenStyle.NoPen)
            item = dot
            self._junctions.add(node.id)
        item.setPos(pos)
        item.setZValue(2)
        self.addItem(item)
        self._items_by_id[node.id] = item

    def _add_strip(self, node: Node) -> StripItem:
        n = self._sizes.get(node.key, self.network.hidden_size)
        grid = QColor(self.ink)
        grid.setAlpha(70)
        strip = StripItem(
            node.key,
            n,
            lambda unit, key=node.key: self._tooltips("cell", key, unit),
            lambda unit, modifiers, key=node.key: self._on_click(key, unit, modifiers),
            grid,
        )
        strip.setPos(self.to_scene(node.x, node.y))
        strip.on_hover = self._hover_unit
        self.strips[node.id] = strip
        label = strip_label(self.network, node.key, self.layer)
        html = f"<b>{label.symbol}</b>&nbsp; <span style='font-size:17px'>{label.title}</span>"
        text = rich_text(html, self.ink, 24)
        room = self.slot / 2 - 24 if node.label.startswith("above-") else max(strip.rect().width(), 150)
        if text.boundingRect().width() > room:  # no room beside the arrow: title under the symbol
            text.setHtml(f"<b>{label.symbol}</b><br><span style='font-size:17px'>{label.title}</span>")
        text.setParentItem(strip)
        box = text.boundingRect()
        half_h = strip.rect().height() / 2
        if node.label == "above-left":
            text.setPos(-box.width() - 10, -half_h - box.height() - 2)
        elif node.label == "above-right":
            text.setPos(10, -half_h - box.height() - 2)
        elif node.label == "below":
            text.setPos(-box.width() / 2, half_h + 2)
        else:
            text.setPos(-box.width() / 2, -half_h - box.height() - 1)
        strip.label_item = text  # type: ignore[attr-defined]
        return strip

    def _anchor(self, point: str | tuple[float, float]) -> tuple[QPointF, QGraphicsItem | None]:
        if isinstance(point, str):
            item = self._items_by_id[point]
            assert item is not None
            return item.scenePos(), None if point in self._junctions else item
        return self.to_scene(*point), None

    def _add_edge(self, edge: Edge) -> None:
        anchors = [self._anchor(p) for p in edge.points]
        points = [a[0] for a in anchors]
        points[0] = clip_to_item(points[0], points[1], anchors[0][1])
        points[-1] = clip_to_item(points[-1], points[-2], anchors[-1][1], gap=2.0 if edge.arrow else 0.0)
        width = 4.4 if edge.main else 2.2
        color = QColor(self.ink)
        if not edge.main:
            color.setAlpha(200)
        arrow = ArrowItem(points, color, width, edge.arrow, lambda role=edge.role: self._tooltips("arrow", role, -1))
        arrow.setZValue(1)
        self.addItem(arrow)
        self.arrows.append(arrow)
        if edge.label:
            self._label_edge(edge.label, edge.side, points)

    def _label_edge(self, html: str, side: str, points: list[QPointF]) -> None:
        segments = list(zip(points[:-1], points[1:], strict=False))
        a, b = max(segments, key=lambda s: (s[1] - s[0]).manhattanLength())
        mid = (a + b) / 2
        text = rich_text(html, self.ink, 20)
        text.setZValue(3)
        box = text.boundingRect()
        vertical = abs(b.x() - a.x()) < abs(b.y() - a.y())
        if vertical:
            x = mid.x() + 7 if side != "left" else mid.x() - box.width() - 7
            text.setPos(x, mid.y() - box.height() / 2)
        else:
            y = mid.y() - box.height() - 2 if side == "above" else mid.y() + 2
            text.setPos(mid.x() - box.width() / 2, y)
        self.addItem(text)

    def _draw_legend(self) -> None:
        """Two colour bars (gates in [0, 1]; signed values) under the cell, as vector gradients."""
        frame = self.frame_item.sceneBoundingRect()
        drawing_right = self.itemsBoundingRect().right()
        x_strip = self.strips.get("x")
        if x_strip is not None:  # beside the input strip, below the cell: the space there is free in every layout
            anchor = x_strip.sceneBoundingRect()
            bottom = max(anchor.top() - 6, frame.bottom() + 24)
            x = max(anchor.right() + 90, frame.left() + self.slot * 0.9)
        else:
            bottom = self.itemsBoundingRect().bottom() + 34
            x = frame.left()
        left = x
        self.legend_items: list[QGraphicsItem] = []
        for signed, caption, ticks in (
            (False, "gates (σ): 0 … 1", ("0", "0.5", "1")),
            (True, "signed values: − … 0 … +", ("−", "0", "+")),
        ):
            bar = QGraphicsRectItem(QRectF(0, 0, 260, 16))
            gradient = QLinearGradient(0, 0, 260, 0)
            table = lookup_table(signed)
            for k in range(0, 256, 15):
                gradient.setColorAt(k / 255, QColor(*map(int, table[k])))
            gradient.setColorAt(1.0, QColor(*map(int, table[255])))
            bar.setBrush(QBrush(gradient))
            bar.setPen(QPen(QColor(self.ink), 0.6))
            bar.setPos(x, bottom + 24)
            self.addItem(bar)
            head = rich_text(caption, self.ink, 15)
            head.setPos(x - 2, bottom)
            self.addItem(head)
            for k, tick in enumerate(ticks):
                t = rich_text(tick, self.ink, 14)
                t.setPos(x + 130 * k - t.boundingRect().width() / 2, bottom + 41)
                self.addItem(t)
            x += 340
        # The note (scales, how to click) beside the bars when the drawing is that wide anyway (the legend then adds
        # no height to the scene), else under them (a narrow cell such as the RNN's is not widened by its legend).
        if x - 50 + LEGEND_NOTE_WIDTH <= drawing_right + 40:
            self.legend_note.setPos(x - 50, bottom + 4)
        else:
            self.legend_note.setPos(left - 2, bottom + 68)
        self.addItem(self.legend_note)

    def _hover_unit(self, key: str, unit: int | None) -> None:
        """Outline the hovered hidden unit in every strip of hidden units (not for inputs or outputs)."""
        shown = None if key in ("x", "y") else unit
        for strip in self.strips.values():
            strip.set_hovered(shown if strip.key not in ("x", "y") else (unit if strip.key == key else None))

    # Updates ---------------------------------------------------------------------------------------------------
    def item_for_id(self, node_id: str) -> QGraphicsItem | None:
        return self._items_by_id.get(node_id)

    def set_title(self, html: str) -> None:
        if html != getattr(self, "_title_html", None):  # re-laying out rich text costs more than the strips
            self._title_html = html
            self.title.setHtml(html)

    def set_legend_note(self, html: str) -> None:
        if html != getattr(self, "_note_html", None):
            self._note_html = html
            self.legend_note.setHtml(html)

    def fit_scene_rect(self) -> None:
        """Scene rect = everything drawn plus a margin (after the first texts are set)."""
        self.setSceneRect(self.itemsBoundingRect().adjusted(-24, -24, 24, 24))


def text_items(scene: QGraphicsScene) -> list[QGraphicsTextItem]:
    """Every text item of a scene (for tests and export checks)."""
    return [item for item in scene.items() if isinstance(item, QGraphicsTextItem)]
