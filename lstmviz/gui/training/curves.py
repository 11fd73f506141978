"""The loss curves of a run: training and validation loss on a log scale, and the task's accuracy below.

The accuracy gets a small plot of its own (its x axis linked to the loss plot's) rather than a second y axis: the
loss is drawn on a log scale and the accuracy on a linear one, and two scales on one axis pair would make the
reader guess which line belongs to which.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QVBoxLayout, QWidget

from ...io.training_log import accuracy_range
from ..views.plot_detail import readable_axes

LOSS_FLOOR = 1e-12
"""Losses are drawn from this value up (a log axis cannot show 0)."""
ACCURACY_MIN_HEIGHT = 90
"""Pixels: below this the accuracy plot's axis labels overlap (a short bottom dock)."""
ACCURACY_LABEL_ROOM = 60
"""Pixels of the accuracy plot's side its label may take: the plot's height less its bottom axis."""
TRAIN_COLOR, VALIDATION_COLOR, ACCURACY_COLOR = "#1f77b4", "#d62728", "#2ca02c"


class LossCurves(QWidget):
    """Two stacked plots fed with the curves drawn so far."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.loss_plot = pg.PlotWidget(axisItems=readable_axes())  # a decade's minor labels thinned to fit
        self.loss_plot.setObjectName("train_loss_plot")
        self.loss_plot.setToolTip("Training loss (every update) and validation loss (every 50 updates), log scale")
        self.loss_plot.setLogMode(y=True)
        self.loss_plot.setLabel("left", "loss")
        self.loss_plot.addLegend(offset=(-10, 10))
        self.loss_plot.setDownsampling(auto=True, mode="peak")
        self.loss_plot.setClipToView(True)
        self.train_line = self.loss_plot.plot(pen=pg.mkPen(TRAIN_COLOR, width=1), name="training")
        self.val_line = self.loss_plot.plot(
            pen=pg.mkPen(VALIDATION_COLOR, width=2),
            symbol="o",
            symbolSize=4,
            symbolBrush=VALIDATION_COLOR,
            name="validation",
        )
        self.moment = pg.InfiniteLine(angle=90, pen=pg.mkPen("#bbbbbb", width=1))
        self.moment.setToolTip("The update the timeline shows")
        self.moment.hide()
        self.loss_plot.addItem(self.moment, ignoreBounds=True)
        self.accuracy_plot = pg.PlotWidget(axisItems=readable_axes())  # ticks spaced by the font: a short plot
        self.accuracy_plot.setObjectName("train_accuracy_plot")
        self.accuracy_plot.setToolTip("The task's accuracy on the validation batch, in percent")
        self.accuracy_plot.setLabel("bottom", "update")
        self.accuracy_plot.setLabel("left", "accuracy %")
        self.accuracy_plot.setXLink(self.loss_plot)
        self.accuracy_plot.setMinimumHeight(ACCURACY_MIN_HEIGHT)
        self.loss_plot.setMinimumHeight(2 * ACCURACY_MIN_HEIGHT)
        self.accuracy_line = self.accuracy_plot.plot(
            pen=pg.mkPen(ACCURACY_COLOR, width=2), symbol="o", symbolSize=4, symbolBrush=ACCURACY_COLOR
        )
        self._train = _Rows(2)
        self._validation = _Rows(3)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.loss_plot, 3)
        layout.addWidget(self.accuracy_plot, 1)

    def set_accuracy_name(self, name: str) -> None:
        """The accuracy axis is named after the task's measure ("recall %"); a name too long for the small plot's
        side ("free-running per-token accuracy") is elided there, and given whole in the tooltip."""
        metrics = self.accuracy_plot.fontMetrics()
        room = ACCURACY_LABEL_ROOM - metrics.horizontalAdvance(" %")
        shown = metrics.elidedText(name, Qt.TextElideMode.ElideRight, room)
        self.accuracy_plot.setLabel("left", f"{shown} %")
        self.accuracy_plot.setToolTip(f"The task's {name} on the validation batch, in percent")

    def mark_update(self, update: int | None) -> None:
        """Draw a line at the update the timeline shows (None hides it)."""
        if update is None:
            self.moment.hide()
        else:
            self.moment.setPos(update)
            self.moment.show()

    def show_curves(self, train: list[tuple[int, float]], validation: list[tuple[int, float, float]]) -> None:
        """Draw ``train`` (update, loss) and ``validation`` (update, loss, accuracy) from scratch; empty lists clear."""
        self._train = _Rows(2)
        self._validation = _Rows(3)
        self.extend(train, validation)

    def extend(self, train: list[tuple[int, float]], validation: list[tuple[int, float, float]]) -> None:
        """Add the rows that arrived since the last call and redraw (the arrays grow in place: a refresh costs the
        new rows, not the whole run, which matters at 100,000 updates and 10 refreshes a second)."""
        self._train.extend(train)
        self._validation.extend(validation)
        data = self._train.view()
        self.train_line.setData(data[:, 0], np.maximum(data[:, 1], LOSS_FLOOR))
        scored = self._validation.view()
        self.val_line.setData(scored[:, 0], np.maximum(scored[:, 1], LOSS_FLOOR))
        percent = 100 * scored[:, 2]
        self.accuracy_line.setData(scored[:, 0], percent)
        if len(scored):
            low, high = accuracy_range(percent)
            self.accuracy_plot.setYRange(low, high, padding=0.05)


class _Rows:
    """A float array of rows that grows by doubling."""

    def __init__(self, columns: int) -> None:
        self._data = np.empty((256, columns))
        self._count = 0

    def extend(self, rows: Sequence[Sequence[float]]) -> None:
        if not rows:
            return
        new = np.asarray(rows, dtype=float)
        need = self._count + len(new)
        if need > len(self._data):
            grown = np.empty((max(need, 2 * len(self._data)), self._data.shape[1]))
            grown[: self._count] = self._data[: self._count]
            self._data = grown
        self._data[self._count : need] = new
        self._count = need

    def view(self) -> np.ndarray:
        return self._data[: self._count]
