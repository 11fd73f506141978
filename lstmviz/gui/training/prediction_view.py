"""The prediction view: the network's answers on held-out data drawn over the true ones, refreshed while it learns.

It draws a :class:`~lstmviz.model.training_prediction.Prediction` (computed in the model layer); symbols and
characters get their names on the y axis, a series forecast gets a dashed line where validation begins.
"""

from __future__ import annotations

import html

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QHBoxLayout, QLabel, QVBoxLayout, QWidget

from ...io.seq_text import printable
from ...model.training_prediction import Prediction
from ..note_button import note_button

TARGET_COLOR, OUTPUT_COLOR = "#7f7f7f", "#ff7f0e"
MAX_CLASS_TICKS = 30
"""More class names than this on the y axis would overlap; the axis then shows numbers."""


class PredictionView(QWidget):
    """One plot (target and output) and a line saying how well they match."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.plot = pg.PlotWidget()
        self.plot.setObjectName("train_prediction_plot")
        self.plot.setToolTip("The network's output on held-out data against the target (refreshed during training)")
        self.target_item = self.plot.plot(name="target")
        self.output_item = self.plot.plot(name="network")
        self.split_line = pg.InfiniteLine(angle=90, pen=pg.mkPen("#999999", style=Qt.PenStyle.DashLine))
        self.split_line.setToolTip("Validation (the last 20% of the series) begins here")
        self.split_line.hide()
        self.plot.addItem(self.split_line)
        self.score = QLabel("The prediction appears once training starts")
        self.score.setTextFormat(Qt.TextFormat.RichText)
        self.score.setWordWrap(True)  # else its text sets the view's minimum width
        self.score.setToolTip("How many held-out answers are right, or how far the forecast is off")
        header = QHBoxLayout()
        header.addWidget(self.score, 1)
        header.addWidget(note_button("prediction", self), 0, Qt.AlignmentFlag.AlignTop)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addLayout(header)
        layout.addWidget(self.plot, 1)
        self.prediction: Prediction | None = None

    def show_prediction(self, prediction: Prediction) -> None:
        self.prediction = prediction
        points = prediction.classes is not None or prediction.split is None
        if points:  # one answer per sequence or step: markers, the truth as open circles under the answers
            self.target_item.setData(
                prediction.target_x,
                prediction.target,
                pen=None,
                symbol="o",
                symbolSize=10,
                symbolPen=pg.mkPen(TARGET_COLOR, width=2),
                symbolBrush=None,
            )
            self.output_item.setData(
                prediction.output_x,
                prediction.output,
                pen=None,
                symbol="x",
                symbolSize=8,
                symbolPen=pg.mkPen(OUTPUT_COLOR, width=2),
                symbolBrush=OUTPUT_COLOR,
            )
        else:
            self.target_item.setData(
                prediction.target_x, prediction.target, pen=pg.mkPen(TARGET_COLOR, width=1), symbol=None
            )
            self.output_item.setData(
                prediction.output_x, prediction.output, pen=pg.mkPen(OUTPUT_COLOR, width=2), symbol=None
            )
        if prediction.split is None:
            self.split_line.hide()
        else:
            self.split_line.setPos(prediction.split)
            self.split_line.show()
        self.plot.setLabel("bottom", prediction.x_label)
        self.plot.setLabel("left", prediction.y_label)
        axis = self.plot.getAxis("left")
        classes = prediction.classes
        if classes and len(classes) <= MAX_CLASS_TICKS:
            axis.setTicks([[(k, printable(name)) for k, name in enumerate(classes)]])
            self.plot.setYRange(-0.5, len(classes) - 0.5, padding=0.02)
        else:
            axis.setTicks(None)
            values = np.concatenate([np.ravel(prediction.target), np.ravel(prediction.output)])
            finite = values[np.isfinite(values)]
            if finite.size:
                self.plot.setYRange(float(finite.min()), float(finite.max()), padding=0.05)
        target_mark, output_mark = ("○", "×") if points else ("—", "—")
        self.score.setText(  # the key in the caption, so no legend covers the points
            f'<span style="color:{TARGET_COLOR}"><b>{target_mark}</b></span> {html.escape(prediction.target_name)}'
            f' &nbsp; <span style="color:{OUTPUT_COLOR}"><b>{output_mark}</b></span> '
            f"{html.escape(prediction.output_name)} &nbsp; · &nbsp; {html.escape(prediction.score)}"
        )
