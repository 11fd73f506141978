"""The output row of the heatmaps: what the network predicts, y_t over time, on the same time axis.

A few outputs (up to :data:`MAX_CURVES`) are curves, one per output, so a forecast reads as a line; when the
network predicts its next input (as many outputs as inputs) the target x_{t+1} is drawn dashed in the same colour
beside each, so a person sees at once whether the trained model forecasts their series. More outputs (logits over
a vocabulary, say) are a heatmap of outputs x time.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QRectF
from PySide6.QtGui import QColor

from ...io.sequence_data import SequenceData
from ..colors import symmetric_levels
from .heatmap_common import (
    TimeMap,
    aligned_image,
    block_mean,
    cache_curve,
    display_symbol,
    make_cursor,
    plot_item,
    style_plot,
)
from .heatmap_rows import InputRow, RowAxis, opaque_lut

MAX_CURVES = 8
"""Up to this many outputs are drawn as curves; more as a heatmap."""
MAX_COLUMNS = 2000
"""Image columns of the heatmap form (block means beyond), like the other rows' screen-sized images."""
OUTPUT_SYMBOL = display_symbol("y_t")


def predicts_next_input(output_size: int, sequence: SequenceData) -> bool:
    """True when the output can be read as a forecast of the next input: one output per input column (a
    next-value or next-character model)."""
    return output_size == sequence.input_size and sequence.steps > 1


class OutputRow:
    """y_t of the network's output layer, with the next input as target when the model forecasts it."""

    def __init__(self, output_size: int, sequence: SequenceData, time_map: TimeMap, foreground: QColor) -> None:
        self.output_size = output_size
        self.time_map = time_map
        self.as_curves = output_size <= MAX_CURVES
        self.plot = plot_item(axisItems=None if self.as_curves else {"left": RowAxis()})
        self.plot.hideButtons()
        self.plot.setMenuEnabled(False)
        style_plot(self.plot, foreground)
        self.plot.setLabel("left", OUTPUT_SYMBOL)
        self.forecast = predicts_next_input(output_size, sequence)
        what = "the network's output y_t = W_fc h_t + b_fc (after its activation)"
        if self.forecast:
            what += "; dashed: the target x_{t+1}, the next input the model forecasts"
        self.plot.getAxis("left").setToolTip(what)
        self.curves: list[pg.PlotDataItem] = []
        self.targets: list[pg.PlotDataItem] = []
        self.image: pg.ImageItem | None = None
        if self.as_curves:
            self.plot.setDefaultPadding(0.02)
            if output_size > 1 or self.forecast:
                legend = self.plot.addLegend(offset=(4, 2), labelTextColor=foreground, colCount=4)
                legend.setBrush(pg.mkBrush(0, 0, 0, 0))
            for k in range(output_size):
                color = InputRow.PENS[k % len(InputRow.PENS)]
                name = f"y{k}" if output_size > 1 else "y"
                curve = pg.PlotDataItem(pen=pg.mkPen(color, width=1), name=name, connect="finite")
                self.plot.addItem(cache_curve(curve))
                self.curves.append(curve)
                if self.forecast:
                    label = sequence.input_labels[k] if k < len(sequence.input_labels) else f"x{k}"
                    target = pg.PlotDataItem(
                        time_map.time[:-1],
                        sequence.values[1:, k],
                        name=f"target: next {label}",
                        pen=pg.mkPen(color, width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
                    )
                    target.setOpacity(0.6)
                    self.plot.addItem(cache_curve(target))
                    self.targets.append(target)
        else:
            self.plot.getViewBox().invertY(True)
            self.plot.setDefaultPadding(0.0)
            self.image = pg.ImageItem(autoDownsample=True, axisOrder="row-major")
            self.image.setLookupTable(opaque_lut(True))
            self.plot.addItem(self.image)
            self.plot.setYRange(0, output_size, padding=0)
        self.cursor = make_cursor()
        self.plot.addItem(self.cursor, ignoreBounds=True)
        self.levels: tuple[float, float] = (-1.0, 1.0)

    def show(self, y: np.ndarray, ready: int) -> None:
        """Draw steps [0, ready) of ``y`` (T, O)."""
        if ready <= 0:
            return
        part = np.asarray(y[:ready], dtype=np.float64)
        if self.as_curves:
            time = self.time_map.time[:ready]
            for k, curve in enumerate(self.curves):
                curve.setData(time, part[:, k])
            return
        assert self.image is not None
        block = max(1, -(-ready // MAX_COLUMNS))
        columns = block_mean(part.astype(np.float32), 0, ready, block)
        finite = np.abs(part[np.isfinite(part)])
        self.levels = symmetric_levels(float(finite.max()) if finite.size else 1.0)
        image = aligned_image(columns)
        left, _ = self.time_map.image_x_range(0)
        self.image.setImage(
            image,
            autoLevels=False,
            levels=self.levels,
            rect=QRectF(left, 0.0, image.shape[1] * block * self.time_map.dt, self.output_size),
        )

    def drawn(self) -> np.ndarray | None:
        """What the curves hold, (T_drawn, O) (tests and export)."""
        if not self.as_curves or not self.curves:
            return None
        columns = [np.asarray(c.getOriginalDataset()[1]) for c in self.curves]
        return np.stack(columns, axis=1) if all(c is not None and c.size for c in columns) else None

    def set_cursor(self, x: float) -> None:
        self.cursor.setValue(x)
