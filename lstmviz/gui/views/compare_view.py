"""Compare the cells: an RNN, a GRU and an LSTM of one size, trained on one task with one seed, side by side.

Each network is a Document of the session (``compare-rnn``, ``compare-gru``, ``compare-lstm``), shown by the same
:class:`~.heatmaps.HeatmapsView` as the main window (only h_t, and C_t for the LSTM). Beside them, on one time
axis, the three gradient decay curves ||dh_T/dh_t|| on a log scale, the three loss curves, and what an update
learns from (the share of the weight gradient from each input step, on one training batch). Training runs in
three child processes (:class:`~lstmviz.model.compare.CompareRun`), each published through its cell's document's
compute service; a 200 ms timer polls them and hands the current weights to the documents, so the heatmaps and
the gradient curves change while the networks learn.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QTimer, Signal
from PySide6.QtWidgets import (
    QComboBox,
    QFileDialog,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import EngineError
from ...engine.spec import spec_for
from ...io.errors import FileFormatError
from ...io.fig_data import log_floor
from ...model.compare import (
    COMPARE_CELLS,
    COMPARE_TASKS,
    COMPARE_UPDATES,
    ON_SEQUENCE,
    CellResult,
    CompareRun,
    CompareSetup,
    analyse,
)
from ...model.compute_kinds import gradients_request
from ...model.document import Document
from ...model.session import Session
from ..document_binding import DocumentBinding
from ..note_button import note_button
from .heatmaps import HeatmapsView
from .plot_detail import readable_axes

CELL_COLORS = {"rnn": "#d62728", "gru": "#2ca02c", "lstm": "#1f77b4"}
"""One colour per cell on every curve (the figure uses the same)."""
POLL_MS = 200
MEASURE_MS = 1000
"""While training, the gradient decay and the shares are measured again at most once a second (they cost a
backward pass each, through the documents' compute service: inline when small, else in the background)."""
DECAY_REQUEST = gradients_request("h-last-sum")


def document_name(cell: str) -> str:
    """The session's name for a compared network."""
    return f"compare-{cell}"


def _kill_all(runs: list[CompareRun]) -> None:
    """End every child process of the runs (the view is going away)."""
    for run in runs:
        run.kill()


class CompareView(QWidget):
    """Settings and Run / Stop above; the cells' heatmaps on the left, their curves on the right."""

    finished = Signal()
    """A run ended (trained, stopped or failed) and every curve shows its last state."""

    def __init__(self, session: Session, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("compareView")
        self.session = session
        self.run: CompareRun | None = None
        self.results: list[CellResult] = []
        self.heatmaps: dict[str, HeatmapsView] = {}
        self._titles: dict[str, QLabel] = {}
        self._runs: list[CompareRun] = []
        runs = self._runs  # not self: the slot runs when the widget is already gone
        self.destroyed.connect(lambda *_: _kill_all(runs))
        self._timer = QTimer(self)
        self._timer.setInterval(POLL_MS)
        self._timer.timeout.connect(self._poll)
        self._measure_timer = QTimer(self)
        self._measure_timer.setInterval(MEASURE_MS)
        self._measure_timer.timeout.connect(self._measure_due)
        self._due: set[str] = set()
        """Cells whose document has a newer trace than their curves."""
        self._last: CompareRun | None = None
        self._build()

    # Widgets -------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.task_box = QComboBox()
        for task in COMPARE_TASKS:
            self.task_box.addItem(task, task)
        self.task_box.addItem("main window's sequence (untrained)", ON_SEQUENCE)
        self.task_box.setToolTip(
            "copy: recall a symbol after a delay; adding: sum two marked values; or run the "
            "three fresh networks on the sequence of the main window"
        )
        self.delay_box = self._spin(
            1, 1000, 20, "copy: blank steps between the symbol and the cue; adding: half the sequence length"
        )
        self.hidden_box = self._spin(1, 256, 32, "Hidden units of every cell")
        self.updates_box = self._spin(
            0, 100_000, COMPARE_UPDATES, "Adam updates per cell (0: compare the untrained networks)"
        )
        self.seed_box = self._spin(0, 2**31 - 1, 0, "Seed of the initial weights and of the data order")
        self.run_button = self._button("Run", "Train the three cells (each in its own process)", self.start)
        self.stop_button = self._button("Stop", "Stop training and show what was reached", self.stop)
        self.export_button = self._button(
            "Export Figure...", "Save the comparison as one PNG, SVG or PDF", self.export_dialog
        )
        controls = QHBoxLayout()
        for label, widget in (
            ("Task", self.task_box),
            ("Delay", self.delay_box),
            ("Hidden", self.hidden_box),
            ("Updates", self.updates_box),
            ("Seed", self.seed_box),
        ):
            controls.addWidget(QLabel(label))
            controls.addWidget(widget)
        for button in (self.run_button, self.stop_button, self.export_button):
            controls.addWidget(button)
        controls.addStretch(1)
        controls.addWidget(note_button("compare", self))
        self.status = QLabel("Press Run to train an RNN, a GRU and an LSTM on the same task.")
        self.status.setObjectName("compareStatus")
        self.status.setWordWrap(True)

        self.maps = QWidget()
        self._maps_layout = QVBoxLayout(self.maps)
        self._maps_layout.setContentsMargins(0, 0, 0, 0)
        self.curves = pg.GraphicsLayoutWidget()
        self.decay_plot = self._plot(
            0, "||dh_T/dh_t|| (log)", "step t", "How much of step t still reaches the last step: the gradient decay"
        )
        self.share_plot = self._plot(
            1,
            "share of the update (log)",
            "step t",
            "What an update learns from: the share of the weight gradient from each input step, on one training batch",
        )
        self.loss_plot = self._plot(2, "training loss (log)", "update", "Training loss of each cell")
        self.decay_lines = {
            c: self.decay_plot.plot(pen=pg.mkPen(CELL_COLORS[c], width=2), name=c.upper()) for c in COMPARE_CELLS
        }
        self.share_lines = {
            c: self.share_plot.plot(pen=pg.mkPen(CELL_COLORS[c], width=2), name=c.upper()) for c in COMPARE_CELLS
        }
        self.loss_lines = {
            c: self.loss_plot.plot(pen=pg.mkPen(CELL_COLORS[c], width=1), name=c.upper()) for c in COMPARE_CELLS
        }
        splitter = QSplitter(self)
        splitter.addWidget(self.maps)
        splitter.addWidget(self.curves)
        splitter.setSizes([700, 500])
        layout = QVBoxLayout(self)
        layout.addLayout(controls)
        layout.addWidget(self.status)
        layout.addWidget(splitter, 1)
        self._update_buttons()

    def _spin(self, low: int, high: int, value: int, tip: str) -> QSpinBox:
        box = QSpinBox()
        box.setRange(low, high)
        box.setValue(value)
        box.setToolTip(tip)
        return box

    def _button(self, text: str, tip: str, slot: Any) -> QPushButton:
        button = QPushButton(text)
        button.setToolTip(tip)
        button.clicked.connect(slot)
        return button

    def _plot(self, row: int, left: str, bottom: str, tip: str) -> pg.PlotItem:
        plot = self.curves.addPlot(row=row, col=0, axisItems=readable_axes())  # log labels that never crowd
        plot.setLogMode(y=True)
        plot.setLabel("left", left)
        plot.getAxis("left").enableAutoSIPrefix(False)  # shares are plain fractions, not "x0.001"
        plot.setLabel("bottom", bottom)
        plot.addLegend(offset=(-10, 10))
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setToolTip(tip)
        return plot

    def _update_buttons(self) -> None:
        running = self.run is not None
        self.run_button.setEnabled(not running)
        self.stop_button.setEnabled(running)
        self.export_button.setEnabled(bool(self.results) and not running)

    # Run -----------------------------------------------------------------------------------------------------
    def setup(self) -> CompareSetup:
        return CompareSetup(
            task=self.task_box.currentData(),
            delay=self.delay_box.value(),
            hidden=self.hidden_box.value(),
            updates=self.updates_box.value(),
            seed=self.seed_box.value(),
        )

    def start(self) -> None:
        """Start the three trainings (or, with 0 updates, show the untrained networks at once)."""
        if self.run is not None:
            return
        setup = self.setup()
        try:
            on_sequence = setup.task == ON_SEQUENCE
            run = CompareRun(setup, self.session.main.sequence if on_sequence else None)
        except (FileFormatError, EngineError, OSError, RuntimeError) as error:
            self.status.setText(f"Cannot compare: {error}".splitlines()[0])
            return
        self.run = self._last = run
        self._runs[:] = [run]
        self.results = run.results
        for lines in (self.decay_lines, self.share_lines, self.loss_lines):
            for line in lines.values():
                line.setData([], [])
        self._show_documents(run)
        run.publish_through({result.cell: self.document(result.cell).compute for result in run.results})
        self._refresh(set())
        if run.finished:
            self._finish()
            return
        assert run.task is not None
        self.status.setText(f"Training an RNN, a GRU and an LSTM (H = {setup.hidden}) on {run.task.describe()}...")
        self._update_buttons()
        self._timer.start()
        self._measure_timer.start()

    def stop(self) -> None:
        if self.run is not None:
            self.run.stop()

    def _show_documents(self, run: CompareRun) -> None:
        """One Document per cell in the session, each shown by its own heatmaps (h_t, and C_t for the LSTM)."""
        while self._maps_layout.count():
            item = self._maps_layout.takeAt(0)
            widget = item.widget() if item is not None else None
            if widget is not None:
                widget.deleteLater()
        self.heatmaps = {}
        for result in run.results:
            document = Document(result.network, run.sequence)
            self.session.share_runner(document)
            document.recompute()
            spec = spec_for(result.cell)
            document.set_view_settings(hidden_heatmaps=("x", "y", *spec.gate_keys))
            self.session.add(document_name(result.cell), document)
            title = QLabel(f"<b>{spec.title}</b>")
            title.setObjectName(f"compareTitle_{result.cell}")
            view = HeatmapsView(document, self.maps)
            view.setObjectName(f"compareHeatmaps_{result.cell}")
            view.setMinimumHeight(120)
            self._maps_layout.addWidget(title)
            self._maps_layout.addWidget(view, 2 if spec.has_cell_state else 1)
            self.heatmaps[result.cell] = view
            self._titles[result.cell] = title
            cell = result.cell
            DocumentBinding(
                view,
                [
                    (document.events.trace_changed, lambda c=cell: self._on_trace(c)),
                    (document.compute.events.ready, lambda kind, c=cell: self._on_ready(c, kind)),
                ],
            )
            self._due.add(cell)
            self._measure(cell)

    def document(self, cell: str) -> Document:
        return self.session[document_name(cell)]

    def _poll(self) -> None:
        run = self.run
        if run is None:
            return
        changed = run.poll()
        self._refresh(changed)
        if run.finished:
            self._finish()

    def _refresh(self, changed: set[str]) -> None:
        """Hand new weights to the documents (their heatmaps follow) and redraw every loss curve."""
        run = self.run
        assert run is not None
        for result in run.results:
            if result.cell in changed:
                self.document(result.cell).set_network(result.network, "Train network", merge_key="compare")
            if result.losses:
                xs, ys = np.array(result.losses).T
                self.loss_lines[result.cell].setData(xs, np.maximum(ys, 1e-12))
            self._titles[result.cell].setText(self._title(result))

    # Measurements (through each document's compute service) -------------------------------------------------
    def _on_trace(self, cell: str) -> None:
        self._due.add(cell)
        if self.run is None:
            self._measure(cell)

    def _measure_due(self) -> None:
        for cell in sorted(self._due):
            self._measure(cell)

    def _measure(self, cell: str) -> None:
        """Ask the cell's document for its gradient decay and its update shares (inline when cheap)."""
        run = self._last
        if run is None or document_name(cell) not in self.session:
            return
        document = self.document(cell)
        if document.trace is None or document.trace_steps_ready < document.steps:
            return  # asked again when the trace is in
        self._due.discard(cell)
        wanted = [("gradients", DECAY_REQUEST)] + ([("shares", run.setup)] if run.task is not None else [])
        for kind, params in wanted:
            result = document.compute.request(kind, params)
            if result is not None and result.complete:
                self._take(cell, kind, result.value)

    def _on_ready(self, cell: str, kind: str) -> None:
        if self._last is None or document_name(cell) not in self.session:
            return
        params = DECAY_REQUEST if kind == "gradients" else self._last.setup if kind == "shares" else None
        if params is None:
            return
        value = self.document(cell).compute.value(kind, params)
        if value is not None:
            self._take(cell, kind, value)

    def _take(self, cell: str, kind: str, value: Any) -> None:
        result = next(r for r in self.results if r.cell == cell)
        if kind == "gradients":
            result.decay = np.asarray(value["jacobian_norm_l0"], dtype=np.float64)
            self.decay_lines[cell].setData(np.arange(result.decay.size), log_floor(result.decay))
        else:
            result.shares = np.asarray(value, dtype=np.float64)
            self.share_lines[cell].setData(np.arange(result.shares.size), log_floor(result.shares))
        if self.run is None and self._last is not None and self._last.error is None:
            self.status.setText(self.summary())

    def _title(self, result: CellResult) -> str:
        text = f"<b>{spec_for(result.cell).title}</b>"
        if result.losses:
            text += f" &nbsp; update {result.losses[-1][0]:,}, loss {result.losses[-1][1]:.3g}"
        if result.accuracy is not None and self._last is not None and self._last.task is not None:
            text += f", {self._last.task.accuracy_name} {100 * result.accuracy:.0f}%"
        return text

    def _finish(self) -> None:
        self._timer.stop()
        self._measure_timer.stop()
        run, self.run = self.run, None
        self._runs.clear()
        self._measure_due()  # the last weights' curves
        if run is not None and run.error is not None:
            self.status.setText(f"Training failed: {run.error}")
        else:
            self.status.setText(self.summary())
        self._update_buttons()
        self.finished.emit()

    def summary(self) -> str:
        """One sentence on what the curves show: how far each cell's gradient falls across the sequence."""
        parts = []
        for result in self.results:
            if result.decay is None or result.decay.size < 2:
                continue
            first = max(float(result.decay[0]), 1e-300)
            parts.append(f"{result.cell.upper()} 1e{np.log10(first):.0f}")
        return (
            "||dh_T/dh_0|| (how much of the first step reaches the last): "
            + ", ".join(parts)
            + ". The lower, the less an update can learn from the start of the sequence."
        )

    # Export --------------------------------------------------------------------------------------------------
    def export_dialog(self) -> None:
        path, _ = QFileDialog.getSaveFileName(self, "Export Comparison", "compare.png", "Figures (*.png *.svg *.pdf)")
        if path:
            self.export(path)

    def export(self, path: str) -> bool:
        """Write the comparison as one figure; a failure is explained in a dialog."""
        from ...io.compare_figure import render_compare_figure

        run = self._last
        if run is None or self.run is not None:
            QMessageBox.warning(self, "Cannot export the comparison", "Run the comparison first and let it finish.")
            return False
        for result in self.results:  # the figure states the final weights' numbers, measured now if still due
            analyse(result, run.sequence, run.task, run.batch)
        try:
            render_compare_figure(self.results, run.sequence, path)
        except FileFormatError as error:
            QMessageBox.warning(self, "Cannot export the comparison", str(error))
            return False
        self.status.setText(f"Saved {path}")
        return True
