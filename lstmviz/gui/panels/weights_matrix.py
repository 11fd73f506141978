"""The heatmaps of one parameter, one per gate block, that you can click and drag.

A left click on a cell selects it; a vertical left drag that starts on a cell edits it (up = larger). The view only
reports cells and pixel distances; the panel turns them into Document edits, so this widget never knows a network.
Dragging on the empty margin pans, the wheel zooms (useful at H = 256, where a cell is smaller than a pixel).
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QPointF, QRectF, Qt, Signal
from PySide6.QtGui import QColor, QPalette, QPen
from PySide6.QtWidgets import QGraphicsRectItem, QVBoxLayout, QWidget

from ..colors import colormap_for, lookup_table
from ..palette_follow import PaletteFollower
from ..views.heatmap_colorbar import ColorScaleBar
from ..views.heatmap_common import plot_item


def centred_ticks(count: int, target: int = 8) -> list[list[tuple[float, str]]]:
    """Index labels at cell centres (k + 0.5), at a round step giving at most about ``target`` labels."""
    step = 1
    for candidate in (1, 2, 5, 10, 20, 25, 50, 100, 200, 250, 500, 1000):
        step = candidate
        if count / candidate <= target:
            break
    return [[(k + 0.5, str(k)) for k in range(0, count, step)]]


class WeightImage(pg.ImageItem):
    """One gate block's image; forwards clicks, drags and hovers to its :class:`WeightMatrixView`."""

    def __init__(self, owner: WeightMatrixView, block: int) -> None:
        super().__init__(axisOrder="row-major")
        self.owner = owner
        self.block = block
        self.setAcceptHoverEvents(True)

    def _cell(self, pos: QPointF) -> tuple[int, int] | None:
        image = self.image
        if image is None:
            return None
        row, col = int(np.floor(pos.y())), int(np.floor(pos.x()))
        if 0 <= row < image.shape[0] and 0 <= col < image.shape[1]:
            return row, col
        return None

    def mouseClickEvent(self, ev) -> None:
        cell = self._cell(ev.pos())
        if ev.button() == Qt.MouseButton.LeftButton and cell is not None:
            ev.accept()
            self.owner.cell_clicked.emit(self.block, *cell)
        else:
            ev.ignore()

    def mouseDragEvent(self, ev) -> None:
        if ev.button() != Qt.MouseButton.LeftButton:
            ev.ignore()
            return
        if ev.isStart():
            cell = self._cell(ev.buttonDownPos())
            if cell is None:
                ev.ignore()
                return
            self.owner.drag_started.emit(self.block, *cell)
        ev.accept()
        pixels_up = float(ev.buttonDownScenePos().y() - ev.scenePos().y())
        if ev.modifiers() & Qt.KeyboardModifier.ShiftModifier:
            pixels_up *= 0.1  # Shift: fine control
        if ev.isFinish():
            self.owner.drag_finished.emit(pixels_up)
        else:
            self.owner.drag_moved.emit(pixels_up)

    def hoverEvent(self, ev) -> None:
        if ev.isExit():
            self.owner.cell_hovered.emit(-1, -1, -1)
            return
        cell = self._cell(ev.pos())
        if cell is not None:
            self.owner.cell_hovered.emit(self.block, *cell)


class WeightMatrixView(QWidget):
    """Side-by-side heatmaps of a parameter's gate blocks with one shared, zero-centred colour bar."""

    cell_clicked = Signal(int, int, int)
    """(block, row, col) of a left click."""
    cell_hovered = Signal(int, int, int)
    """(block, row, col) under the mouse; (-1, -1, -1) when it leaves."""
    drag_started = Signal(int, int, int)
    drag_moved = Signal(float)
    """Pixels moved up since the press (negative = down)."""
    drag_finished = Signal(float)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._palette_follower = PaletteFollower(self, self._restyle)
        self.graphics = pg.GraphicsLayoutWidget()
        self.graphics.setObjectName("weightsGraphics")
        self.graphics.setBackground(self.palette().color(QPalette.ColorRole.Base))
        self.graphics.ci.setContentsMargins(2, 2, 2, 2)
        self.graphics.ci.setSpacing(4)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.graphics)
        self.plots: list[pg.PlotItem] = []
        self.images: list[WeightImage] = []
        self.colorbar: ColorScaleBar | None = None
        self._signature: tuple = ()
        self._level = 1.0
        self._marker = QGraphicsRectItem(QRectF(0, 0, 1, 1))
        # A black frame with a white core reads on both ends of the diverging map and on either palette.
        self._marker_core = QGraphicsRectItem(self._marker)
        frames = ((self._marker, Qt.GlobalColor.black, 4), (self._marker_core, Qt.GlobalColor.white, 2))
        for item, color, width in frames:
            pen = QPen(color)
            pen.setCosmetic(True)
            pen.setWidth(width)
            item.setPen(pen)
        self._marker.setZValue(10)
        self._marker_plot: pg.PlotItem | None = None
        self._titles: list[tuple[str, str]] = []
        self._rows: list[tuple[pg.PlotItem, QGraphicsRectItem]] = []

    # Building ------------------------------------------------------------------------------------------------
    def set_blocks(self, titles: Sequence[tuple[str, str]], images: Sequence[np.ndarray], level: float) -> None:
        """Show ``images`` (one per block, titled (symbol, title)); rebuilds items only when the layout changed."""
        signature = (tuple(titles), tuple(image.shape for image in images))
        if signature != self._signature:
            self._rebuild(titles, images)
            self._signature = signature
        self._level = level
        for item, image in zip(self.images, images, strict=True):
            item.setImage(image, autoLevels=False, levels=(-level, level))
        if self.colorbar is not None:
            self.colorbar.setLevels((-level, level))

    def _rebuild(self, titles: Sequence[tuple[str, str]], images: Sequence[np.ndarray]) -> None:
        self.set_selection(None)
        self._rows = []
        self.graphics.clear()
        self.plots, self.images = [], []
        lut = lookup_table(True)
        for k, ((_symbol, _title), image) in enumerate(zip(titles, images, strict=True)):
            plot = plot_item(menu=False)  # no context menu: none is built (~4 ms a block at start-up)
            plot.hideButtons()
            plot.setMenuEnabled(False)
            plot.invertY(True)
            plot.getViewBox().setDefaultPadding(0.0)
            plot.showAxis("left", k == 0)
            plot.getAxis("left").setLabel("unit" if k == 0 else "")
            plot.getAxis("bottom").setStyle(tickLength=-4, hideOverlappingLabels=False)
            plot.getAxis("left").setStyle(tickLength=-4)
            item = WeightImage(self, k)
            item.setLookupTable(lut)
            plot.addItem(item)
            rows, cols = image.shape
            plot.getAxis("left").setTicks(centred_ticks(rows))
            plot.getAxis("bottom").setTicks(centred_ticks(cols, 3))
            plot.setLimits(xMin=-0.5 * cols, xMax=1.5 * cols, yMin=-0.5 * rows, yMax=1.5 * rows)
            plot.setRange(xRange=(0, cols), yRange=(0, rows), padding=0)
            if k:
                plot.setYLink(self.plots[0])
            self.graphics.addItem(plot, row=0, col=k)
            self.plots.append(plot)
            self.images.append(item)
        self._titles = list(titles)
        self._show_titles()
        # The heatmaps' light bar: pyqtgraph's ColorBarItem is a whole PlotItem (~8 ms to build).
        self.colorbar = ColorScaleBar(
            colormap_for(True), (-self._level, self._level), self.palette().color(QPalette.ColorRole.WindowText)
        )
        self.colorbar.setToolTip("Colour scale of the weights, centred on 0 (blue negative, red positive).")
        self.graphics.addItem(self.colorbar, row=0, col=len(self.plots))
        self._apply_palette()

    def _show_titles(self) -> None:
        """Gate symbol and name above each block; just the symbol when the blocks are narrow (a thin dock)."""
        if not self.plots:
            return
        per_block = (self.width() - 90) / len(self.plots)
        compact = per_block < 110
        color = self.palette().color(QPalette.ColorRole.WindowText)
        for plot, (symbol, title) in zip(self.plots, self._titles, strict=True):
            text = f"<b>{symbol}</b>" if compact and symbol else f"<b>{symbol}</b>&nbsp; {title}" if symbol else title
            plot.setTitle(text, size="9pt", color=color)
            plot.titleLabel.setToolTip(title)
            # The label's minimum width would otherwise force the row wider than the dock and clip the colour bar.
            plot.titleLabel.setMinimumWidth(0)
            hints = plot.titleLabel._sizeHint
            hints[Qt.SizeHint.MinimumSize] = (0, hints[Qt.SizeHint.MinimumSize][1])
            plot.titleLabel.updateGeometry()
            plot.layout.invalidate()
            plot.updateGeometry()
        self.graphics.ci.layout.invalidate()
        self.graphics.ci.updateGeometry()
        # The view fitted its layout before the titles shrank (and a layout never gets narrower than its minimum):
        # fit it again now that the minimum is small.
        self.graphics.ci.setGeometry(self.graphics.range)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        follower = getattr(self, "_palette_follower", None)
        if follower is not None:  # restyled on the next turn
            follower.change_event(event)

    def _restyle(self) -> None:
        if hasattr(self, "_titles"):
            self._apply_palette()
            self._show_titles()

    def _apply_palette(self) -> None:
        """Background and text in the palette's colours, so light and dark themes both read."""
        self.graphics.setBackground(self.palette().color(QPalette.ColorRole.Base))
        text = self.palette().color(QPalette.ColorRole.WindowText)
        for plot in self.plots:
            for side in ("left", "bottom"):
                plot.getAxis(side).setTextPen(text)
        if self.colorbar is not None:
            self.colorbar.foreground = QColor(text)
            self.colorbar.update()

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self._show_titles()

    def update_block(self, block: int, image: np.ndarray) -> None:
        """Redraw one block (a drag edits one cell: only its block's image is touched)."""
        self.images[block].setImage(image, autoLevels=False, levels=(-self._level, self._level))

    # Selection marker ----------------------------------------------------------------------------------------
    def set_unit_rows(self, rows: Sequence[int]) -> None:
        """Frame the rows of the units selected in the document (dashed), in every gate block."""
        for plot, item in self._rows:
            plot.removeItem(item)
        self._rows = []
        pen = QPen(self.palette().color(QPalette.ColorRole.WindowText))
        pen.setCosmetic(True)
        pen.setStyle(Qt.PenStyle.DashLine)
        for plot, image in zip(self.plots, self.images, strict=True):
            height, width = image.image.shape
            for row in rows:
                if 0 <= row < height:
                    item = QGraphicsRectItem(QRectF(0, row, width, 1))
                    item.setPen(pen)
                    item.setZValue(5)
                    plot.addItem(item, ignoreBounds=True)
                    self._rows.append((plot, item))

    def set_selection(self, cell: tuple[int, int, int] | None) -> None:
        """Outline cell (block, row, col), or hide the outline."""
        if self._marker_plot is not None:
            self._marker_plot.removeItem(self._marker)
            self._marker_plot = None
        if cell is None or not self.plots:
            return
        block, row, col = cell
        if block >= len(self.plots):
            return
        self._marker.setRect(QRectF(col, row, 1, 1))
        self._marker_core.setRect(QRectF(col, row, 1, 1))
        self._marker_plot = self.plots[block]
        self._marker_plot.addItem(self._marker, ignoreBounds=True)

    # Geometry for tests and tools ----------------------------------------------------------------------------
    def cell_center(self, block: int, row: int, col: int) -> QPointF:
        """Viewport coordinates of the centre of a cell (what a mouse press there would use)."""
        item = self.images[block]
        view_box = self.plots[block].getViewBox()
        view_box.updateViewRange()
        view_box.updateMatrix()
        scene_point = item.mapToScene(QPointF(col + 0.5, row + 0.5))
        return self.graphics.mapFromScene(scene_point).toPointF()
