"""The bottleneck in the seq2seq window: free-running accuracy of the shown model against the source length.

Everything the decoder knows passes through the context vector, a fixed number of values; sources longer than the
ones trained on have to fit in the same numbers, and accuracy falls. The numbers are
:func:`~lstmviz.io.seq2seq_bottleneck.measure_bottleneck` (what ``lstmviz train --bottleneck`` draws), measured off
the GUI thread on fresh sources of the window's task; the plot states the context size and marks the trained length.
"""

from __future__ import annotations

from typing import Any

import pyqtgraph as pg
from PySide6.QtCore import Signal
from PySide6.QtWidgets import QFormLayout, QLabel, QPushButton, QSpinBox, QVBoxLayout, QWidget

from ..io.seq2seq_bottleneck import BottleneckCurve, default_lengths
from ..model.seq2seq_session import Seq2SeqSession

TOKEN_PEN = "#1f77b4"
SEQUENCE_PEN = "#ff7f0e"


class BottleneckPanel(QWidget):
    """Trained length and sample count, Measure, and accuracy (per token, whole sequence) against source length."""

    measured = Signal()
    """A curve was measured and drawn (``curve`` holds it)."""

    def __init__(self, session: Seq2SeqSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.session = session
        self.curve: BottleneckCurve | None = None
        self._job: Any = None
        self.length_box = QSpinBox(self)
        self.length_box.setRange(1, 200)
        self.length_box.setValue(session.trace.encoder_steps)
        self.length_box.setToolTip(
            "The source length the model was trained on: lengths from half of it to three times it are measured"
        )
        self.samples_box = QSpinBox(self)
        self.samples_box.setRange(10, 10_000)
        self.samples_box.setValue(200)
        self.samples_box.setToolTip("Fresh random sources decoded at each length")
        self.measure_button = QPushButton("Measure", self)
        self.measure_button.setToolTip("Decode fresh sources of each length free-running and score them")
        self.measure_button.clicked.connect(self.measure)
        self.status = QLabel("Train a token model, then measure how far its context vector carries it", self)
        self.status.setWordWrap(True)
        self.plot = pg.PlotWidget(self)
        self.plot.setLabel("bottom", "source length (tokens)")
        self.plot.setLabel("left", "accuracy, free-running")
        self.plot.setYRange(0, 1.05, padding=0)
        self.plot.showGrid(x=True, y=True, alpha=0.3)
        self.plot.addLegend(offset=(10, -10))
        self.token_line = self.plot.plot(
            pen=pg.mkPen(TOKEN_PEN, width=2), symbol="o", symbolSize=6, symbolBrush=TOKEN_PEN, name="per token"
        )
        self.sequence_line = self.plot.plot(
            pen=pg.mkPen(SEQUENCE_PEN, width=1.5, style=pg.QtCore.Qt.PenStyle.DashLine),
            symbol="s",
            symbolSize=5,
            symbolBrush=SEQUENCE_PEN,
            name="whole sequence",
        )
        self.trained_line = pg.InfiniteLine(
            angle=90, pen=pg.mkPen("#888888", width=1, style=pg.QtCore.Qt.PenStyle.DotLine)
        )
        self.trained_line.setVisible(False)
        self.plot.addItem(self.trained_line)
        form = QFormLayout()
        form.addRow("Trained length", self.length_box)
        form.addRow("Sources per length", self.samples_box)
        layout = QVBoxLayout(self)
        layout.addLayout(form)
        layout.addWidget(self.measure_button)
        layout.addWidget(self.status)
        layout.addWidget(self.plot, 1)

    def measure(self) -> bool:
        """Start measuring off the GUI thread; False (with the reason shown) when this model cannot be measured."""
        from ..io.seq2seq_bottleneck import measure_bottleneck
        from ..io.seq2seq_tasks import make_task
        from .main_jobs import start_job

        model = self.session.model
        if not model.tokens:
            self.status.setText("The bottleneck is measured on token tasks (reverse, sort); this model reads numbers")
            return False
        if self._job is not None:
            return False
        task = make_task(self.session.task_name, model.vocab_size - 1)
        trained = self.length_box.value()
        lengths, samples = default_lengths(trained), self.samples_box.value()
        self.status.setText(f"Measuring {task.name} at lengths {lengths[0]} to {lengths[-1]}...")
        self.measure_button.setEnabled(False)

        def work() -> BottleneckCurve:
            return measure_bottleneck(model, task, lengths, samples=samples, trained_length=trained)

        self._job = start_job(work, self._show, self._failed, parent=self)
        return True

    def _show(self, curve: BottleneckCurve) -> None:
        self._job = None
        self.measure_button.setEnabled(True)
        self.curve = curve
        self.token_line.setData(list(curve.lengths), list(curve.token_accuracy))
        self.sequence_line.setData(list(curve.lengths), list(curve.sequence_accuracy))
        self.trained_line.setPos(curve.trained_length or 0)
        self.trained_line.setVisible(curve.trained_length is not None)
        self.plot.setTitle(f"context: {curve.context_size} numbers", size="9pt")
        self.plot.setXRange(0, max(curve.lengths) + 1, padding=0.02)
        at = dict(zip(curve.lengths, curve.token_accuracy, strict=True))
        trained = curve.trained_length
        at_trained = at.get(trained, float("nan")) if trained is not None else float("nan")
        self.status.setText(
            f"Context {curve.context_size} numbers: per-token accuracy {at_trained:.0%} at the "
            f"trained length {trained}, {curve.token_accuracy[-1]:.0%} at {curve.lengths[-1]} "
            f"({curve.samples} sources per length)"
        )
        self.measured.emit()

    def _failed(self, error: BaseException) -> None:
        self._job = None
        self.measure_button.setEnabled(True)
        self.status.setText(f"Could not measure: {error}")
