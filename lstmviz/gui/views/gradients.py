"""Vanishing and exploding gradients, and the LSTM's constant error carousel, on the sequence's time axis.

The view asks the engine for backpropagation through time (``network.bptt``) and plots ||dL/dh_t|| and
||dh_T/dh_t|| on a log axis, the forget-gate product f_{t+1}...f_T of the selected units (LSTM), and dL/dh_t as a
units x time heatmap, with one plain sentence saying what the curves mean. Small cases recompute inline; larger
ones in the compute service's worker thread with progress and Cancel in the status bar (stale results are
dropped), and nothing is computed while the view is hidden.
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer
from PySide6.QtGui import QResizeEvent, QShowEvent
from PySide6.QtWidgets import QComboBox, QFrame, QHBoxLayout, QLabel, QScrollArea, QTabBar, QVBoxLayout, QWidget

from ...engine.trace import trace_key
from ...model.compute_kinds import gradients_request
from ...model.document import Document
from ...wording import plural
from ..colors import colormap_for, lookup_table
from ..document_binding import DocumentBinding
from ..elided_label import ElidedLabel
from ..note_button import note_button
from .diagram_values import trace_matches
from .heatmap_colorbar import ColorScaleBar
from .heatmap_common import plot_item

HEAT_DECADES = 8
"""The heatmap spans this many powers of ten below the largest |dL/dh_t|."""
LOSSES = (
    ("h-last-sum", "Σ h_T (sum of the last hidden state)"),
    ("unit", "h of the selected unit at the current step"),
)
COMPACT_HEIGHT = 520
"""Below this height the view shows one plot at a time (at 1280 x 800 its dock is about 330 px tall)."""
EXPLANATION_LINES = 4
"""The sentence shows at most this many lines and scrolls past them, so a narrow dock keeps its plot readable."""
PAGES = (
    ("Norms", "‖dL/dh_t‖ and ‖dh_T/dh_t‖ going back in time"),
    ("Carousel", "f_{t+1}···f_T of the selected units (LSTM only)"),
    ("Heatmap", "log10 |dL/dh_t| per unit and step, with its colour bar"),
)
UNIT_COLORS = ("#1f77b4", "#d62728", "#2ca02c", "#9467bd", "#ff7f0e", "#17becf", "#8c564b", "#e377c2")


def _positive(values: np.ndarray) -> np.ndarray:
    """Zeros (no gradient yet) become NaN, so the log axis leaves a gap instead of warning about log(0)."""
    out = np.asarray(values, dtype=np.float64).copy()
    out[~(out > 0)] = np.nan
    return out


def explain(norms: np.ndarray, end: int, what: str) -> str:
    """One plain sentence: how much ``norms`` shrinks or grows going back from step ``end`` to step 0."""
    finite = np.isfinite(norms) & (norms > 0)
    if end <= 0 or not finite[end]:
        return f"{what}: the loss is at the first step, so there is nothing to propagate back."
    first = int(np.argmax(finite[: end + 1]))
    if first > 0:  # flushed to zero before step `first`: below what float64 arithmetic keeps
        power = f"{math.log10(norms[first] / norms[end]):.0f}".replace("-", "−")
        return (
            f"{what} shrinks by 10<sup>{power}</sup> over {plural(end - first, 'step')} and is below "
            f"10<sup>−280</sup> before step {first}: <b>vanishing</b> (the curve ends there; nothing is "
            "left to draw)."
        )
    decades = math.log10(norms[0] / norms[end])
    power = f"{decades:.1f}".replace("-", "−")
    span = f"over {plural(end, 'step')}"
    if decades < -1:
        below = np.nonzero(finite[: end + 1] & (norms[: end + 1] < norms[end] * 1e-2))[0]
        reach = (
            f"; by {plural(int(end - below[-1]), 'step')} back it is below 1% of its value at the loss"
            if below.size
            else ""
        )
        return f"{what} shrinks by 10<sup>{power}</sup> {span}: <b>vanishing</b>{reach}."
    if decades > 1:
        return f"{what} grows by 10<sup>{power}</sup> {span}: <b>exploding</b> (clip it, or scale W<sub>hh</sub> down)."
    return f"{what} stays within a factor 10 {span} (10<sup>{decades:+.1f}</sup>): it <b>flows</b> back through time."


class GradientsView(QWidget):
    """BPTT gradients of the current trace, plotted on the sequence's time axis."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("gradientsView")
        self.document = document
        self.gradients: Mapping[str, np.ndarray] | None = None
        self._stale = True
        self._time_label = ""
        self._build()
        self._debounce = QTimer(self)
        self._debounce.setSingleShot(True)
        self._debounce.setInterval(40)
        self._debounce.timeout.connect(self.recompute)
        events = document.events
        compute = document.compute.events
        self._binding = DocumentBinding(
            self,
            [
                (events.trace_changed, self._on_trace),
                (events.step_changed, self._on_step),
                (events.selection_changed, self._on_selection),
                (compute.ready, self._on_ready),
                (compute.failed, self._failed),
                (compute.stopped, self._on_stopped),
            ],
        )

    # Widgets ---------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(QLabel("Loss"))
        self.loss_combo = QComboBox()
        self.loss_combo.setObjectName("gradientsLoss")
        for key, text in LOSSES:
            self.loss_combo.addItem(text, key)
        self.loss_combo.setToolTip("The scalar whose gradient is propagated back through time")
        self.loss_combo.currentIndexChanged.connect(self.recompute)
        # The loss names are long: the combo shortens them rather than widening the dock (and the window).
        self.loss_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.loss_combo.setMinimumContentsLength(14)
        row.addWidget(self.loss_combo)
        self.loss_label = ElidedLabel(objectName="gradientsLossValue")
        self.loss_label.setToolTip("The loss value and which layer's curves are shown")
        row.addWidget(self.loss_label, 1)
        row.addWidget(note_button("gradients", self))
        layout.addLayout(row)
        self.explanation = QLabel()
        self.explanation.setObjectName("gradientsExplanation")
        self.explanation.setWordWrap(True)
        self.explanation.setToolTip("What the curves say, in one sentence")
        self.explanation.linkActivated.connect(self.recompute)
        self.explanation_area = QScrollArea()  # a narrow dock wraps the sentence over many lines: it scrolls
        self.explanation_area.setObjectName("gradientsExplanationArea")
        self.explanation_area.setWidget(self.explanation)
        self.explanation_area.setWidgetResizable(True)
        self.explanation_area.setFrameShape(QFrame.Shape.NoFrame)
        self.explanation_area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.explanation_area.setMaximumHeight(self.explanation.fontMetrics().lineSpacing() * EXPLANATION_LINES + 6)
        layout.addWidget(self.explanation_area)
        self.page_bar = QTabBar()
        self.page_bar.setObjectName("gradientsPages")
        self.page_bar.setDocumentMode(True)
        self.page_bar.setExpanding(False)
        for text, tip in PAGES:
            self.page_bar.setTabToolTip(self.page_bar.addTab(text), tip)
        self.page_bar.currentChanged.connect(self._arrange)
        self.page_bar.setToolTip("The dock is short: one plot at a time (make it taller to see all three)")
        layout.addWidget(self.page_bar)
        self.plots = pg.GraphicsLayoutWidget()
        self.plots.setObjectName("gradientsPlots")
        self.plots.setMinimumSize(0, 0)
        layout.addWidget(self.plots, 1)

        self.norm_plot = self._add_plot(0)
        self.norm_plot.setLogMode(y=True)
        self.norm_plot.setTitle("gradient norms (log)")
        self.norm_plot.addLegend(offset=(70, 8))  # top left: the curves rise to the right
        self.norm_plot.showGrid(x=True, y=True, alpha=0.25)
        self.norm_curve = self.norm_plot.plot(
            pen=pg.mkPen("#d62728", width=1), name="‖dL/dh<sub>t</sub>‖", connect="finite"
        )
        self.jacobian_curve = self.norm_plot.plot(
            pen=pg.mkPen("#1f77b4", width=1, style=pg.QtCore.Qt.PenStyle.DashLine),
            name="‖dh<sub>T</sub>/dh<sub>t</sub>‖",
            connect="finite",
        )
        self.cec_plot = self._add_plot(1)
        self.cec_plot.setLogMode(y=True)
        self.cec_plot.setTitle("carousel f<sub>t+1</sub>···f<sub>T</sub> (log)")
        self.cec_plot.setToolTip(
            "The constant error carousel: the product of the forget gates from t+1 to T, for "
            "the selected units: what the cell state alone carries back"
        )
        self.cec_plot.addLegend(offset=(70, 8))
        self.cec_plot.showGrid(x=True, y=True, alpha=0.25)
        self.cec_curves: list[pg.PlotDataItem] = []
        self.heat_plot = self._add_plot(2)
        self.heat_plot.setTitle("log<sub>10</sub> |dL/dh<sub>t</sub>|")
        self.heat_plot.setLabel("left", "unit")
        self.heatmap = pg.ImageItem(autoDownsample=True)  # 100k steps: drawn at the pixels it covers
        self.heatmap.setLookupTable(lookup_table(False))
        self.heatmap.setToolTip("log10 of |dL/dh_t| per unit and step: bright where the error still arrives")
        self.heat_plot.addItem(self.heatmap)
        self.heat_bar = ColorScaleBar(
            colormap_for(False), (-float(HEAT_DECADES), 0.0), self.palette().color(self.palette().ColorRole.Text)
        )
        self.heat_bar.setToolTip(f"Colour scale: log10 |dL/dh_t|, the top {HEAT_DECADES} decades")
        self.decades_label = pg.TextItem(anchor=(0.0, 1.0))
        self.decades_label.setZValue(30)
        self.norm_plot.addItem(self.decades_label, ignoreBounds=True)
        for plot in (self.norm_plot, self.cec_plot, self.heat_plot):
            plot.hideButtons()
            plot.setMenuEnabled(False)  # pyqtgraph's menu (export, transforms, ...) does nothing useful here
            plot.getAxis("left").setWidth(48)
        self._has_cec = True
        self._x_range: tuple[float, float] | None = None
        for plot in (self.norm_plot, self.cec_plot, self.heat_plot):
            plot.getAxis("bottom").enableAutoSIPrefix(False)
        self._apply_palette()
        for plot in (self.cec_plot, self.heat_plot):
            plot.setXLink(self.norm_plot)
        self._arrange()
        self.plots.scene().sigMouseClicked.connect(self._on_click)
        self.plots.setToolTip("Click a plot to jump to that step")
        self.cursors = []
        for plot in (self.norm_plot, self.cec_plot, self.heat_plot):
            line = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen("#888888", width=1))
            plot.addItem(line, ignoreBounds=True)
            self.cursors.append(line)

    def _add_plot(self, row: int) -> pg.PlotItem:
        """A plot in ``row`` with font-spaced ticks and thinned curves (see plot_detail)."""
        plot = plot_item(menu=False)
        self.plots.addItem(plot, row=row, col=0)
        return plot

    def _apply_palette(self) -> None:
        """Plot background, axes, titles and legends in the widget palette's colours (light or dark)."""
        palette = self.palette()
        self.plots.setBackground(palette.color(palette.ColorRole.Base))
        ink = palette.color(palette.ColorRole.Text)
        for plot in (self.norm_plot, self.cec_plot, self.heat_plot):
            for side in ("left", "bottom"):
                plot.getAxis(side).setPen(ink)
                plot.getAxis(side).setTextPen(ink)
            plot.setTitle(plot.titleLabel.text, color=ink.name())
            if plot.legend is not None:
                plot.legend.setLabelTextColor(ink)
                for _sample, label in plot.legend.items:
                    label.setText(label.text, color=ink.name())
        self.heat_bar.foreground = ink
        self.heat_bar.update()
        self.decades_label.setColor(ink)

    @property
    def compact(self) -> bool:
        """Too short for three readable plots (each needs ~130 px): show one at a time, chosen by the tab bar."""
        return self.height() < COMPACT_HEIGHT

    def visible_plots(self) -> list[pg.PlotItem]:
        plots = [self.norm_plot] + ([self.cec_plot] if self._has_cec else []) + [self.heat_plot]
        if not self.compact:
            return plots
        page = [self.norm_plot, self.cec_plot, self.heat_plot][max(self.page_bar.currentIndex(), 0)]
        return [page if page in plots else self.norm_plot]

    def _arrange(self, *_: object) -> None:
        """Put the plots that fit into the layout: all of them when the dock is tall, else the chosen one."""
        self.page_bar.setVisible(self.compact)
        self.page_bar.setTabEnabled(1, self._has_cec)
        wanted = self.visible_plots()
        layout = self.plots.ci
        current = [
            item for item in (self.norm_plot, self.cec_plot, self.heat_plot, self.heat_bar) if item in layout.items
        ]
        target = wanted + ([self.heat_bar] if self.heat_plot in wanted else [])
        if current == target:
            return
        for item in current:
            layout.removeItem(item)
        for plot in (self.norm_plot, self.cec_plot, self.heat_plot):
            plot.setVisible(plot in wanted)
        self.heat_bar.setVisible(self.heat_plot in wanted)
        for row, plot in enumerate(wanted):
            layout.addItem(plot, row=row, col=0)
            if plot is self.heat_plot:
                layout.addItem(self.heat_bar, row=row, col=1)
        # Linked views align by their screen positions, so a hidden or narrower partner (the heatmap has a colour
        # bar beside it) would shift the others: link only what is shown together, and show every step.
        for plot in (self.cec_plot, self.heat_plot):
            plot.setXLink(self.norm_plot if plot in wanted and self.norm_plot in wanted else None)
        if self._x_range is not None:
            for plot in wanted:
                plot.setXRange(*self._x_range, padding=0.01)
        for plot in wanted:  # the time axis is written once, under the last plot
            last = plot is wanted[-1]
            plot.getAxis("bottom").setStyle(showValues=True)
            plot.setLabel("bottom", self._time_label if last else None)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        self._arrange()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange:
            self._apply_palette()

    # Document wiring -------------------------------------------------------------------------------------------
    @property
    def loss(self) -> str:
        return str(self.loss_combo.currentData())

    def _on_trace(self, *_: object) -> None:
        self.recompute()

    def _on_step(self, _step: int) -> None:
        self._move_cursor()
        if self.loss == "unit":
            self._debounce.start()

    def _on_selection(self) -> None:
        if self.loss == "unit":
            self._debounce.start()
        else:
            self._show()

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self.recompute()

    # Computing (through the document's compute service) -------------------------------------------------------
    def _request(self) -> tuple[str, int, int, int]:
        doc = self.document
        unit = doc.selected_units[0] if doc.selected_units else 0
        return gradients_request(self.loss, unit, doc.step, doc.layer)

    def recompute(self, *_: object) -> None:
        """Ask for BPTT of the current network, sequence and loss; the service decides inline or background."""
        doc = self.document
        ready = doc.trace_steps_ready >= doc.steps and trace_matches(doc.network, doc.trace, doc.steps)
        if not self.isVisible() or not ready:
            self._stale = True
            return
        self._stale = False
        try:
            result = doc.compute.request("gradients", self._request(), force=True)
        except Exception as error:  # shown in the view, the session goes on
            self._failed("gradients", str(error))
            return
        if result is not None:
            self._take(result.value)
        else:
            self.explanation.setText("<i>computing gradients…</i> (progress and Cancel in the status bar)")

    def _on_ready(self, kind: str) -> None:
        if kind == "gradients":
            value = self.document.compute.value("gradients", self._request())
            if value is not None:
                self._take(value)

    def _failed(self, kind: str, message: str) -> None:
        if kind == "gradients":
            self.explanation.setText(f"Could not compute the gradients: {message}")

    def _on_stopped(self, kind: str, done: int, total: int) -> None:
        if kind == "gradients":
            self.explanation.setText('Gradients cancelled. <a href="recompute">Compute them again</a>')

    def _take(self, gradients: Mapping[str, np.ndarray]) -> None:
        self.gradients = gradients
        self._show()

    # Drawing ---------------------------------------------------------------------------------------------------
    def _time(self) -> np.ndarray:
        return np.asarray(self.document.sequence.time_axis, dtype=np.float64)

    def _show(self) -> None:
        grads = self.gradients
        doc = self.document
        if grads is None:
            return
        layer = min(doc.layer, doc.network.num_layers - 1)
        time = self._time()
        if len(time) != len(grads[trace_key("grad_norm_h", layer)]):
            return  # a result for an older sequence
        label = self.document.sequence.time_label
        if label != self._time_label:  # only on change: repeated AxisItem.setLabel crashes PySide6 6.x
            self._time_label = label
            wanted = self.visible_plots()
            for plot in wanted:
                plot.setLabel("bottom", label if plot is wanted[-1] else None)
        norm = np.asarray(grads[trace_key("grad_norm_h", layer)], dtype=np.float64)
        self.norm_curve.setData(time, _positive(norm))
        jac_key = trace_key("jacobian_norm", layer)
        jacobian = np.asarray(grads[jac_key], dtype=np.float64) if jac_key in grads else None
        self.jacobian_curve.setVisible(jacobian is not None)
        if jacobian is not None:
            self.jacobian_curve.setData(time, _positive(jacobian))
        self._show_decades(norm if self.loss == "unit" or jacobian is None else jacobian, time)
        self._show_cec(grads, layer, time)
        self._show_heatmap(np.asarray(grads[trace_key("grad_h", layer)], dtype=np.float64), time)
        end = doc.step if self.loss == "unit" else doc.steps - 1
        if self.loss == "unit" and layer != doc.layer:
            end = doc.steps - 1
        self.explanation.setText(self._sentence(norm, jacobian, end))
        method = getattr(grads, "jacobian_method", "exact")
        note = " · ‖dh<sub>T</sub>/dh<sub>t</sub>‖ estimated (a lower bound)" if method == "estimate" else ""
        self.loss_label.setText(f"L = {float(grads['loss']):.4g} · layer {layer}{note}")
        self._move_cursor()

    def _show_heatmap(self, grad_h: np.ndarray, time: np.ndarray) -> None:
        """log10 |dL/dh_t| over the top DECADES decades: a signed map would be white wherever gradients vanish."""
        magnitude = np.abs(grad_h)
        top = float(np.nanmax(magnitude)) if magnitude.size else 0.0
        if not top > 0 or not math.isfinite(top):
            top = 1.0
        with np.errstate(divide="ignore"):
            logs = np.log10(np.where(magnitude > 0, magnitude, top * 10.0**-HEAT_DECADES))
        high = math.log10(top)
        self.heatmap.setImage(logs.T, autoLevels=False, levels=(high - HEAT_DECADES, high))
        self.heat_bar.setLevels((high - HEAT_DECADES, high))
        t0 = float(time[0])
        t1 = float(time[-1]) if len(time) > 1 else t0 + 1.0
        step_width = (t1 - t0) / max(len(time) - 1, 1)
        self.heatmap.setRect(QRectF(t0 - step_width / 2, 0, t1 - t0 + step_width, grad_h.shape[1]))
        self.heat_plot.setYRange(0, grad_h.shape[1], padding=0)
        self._x_range = (t0 - step_width / 2, t1 + step_width / 2)
        for plot in self.visible_plots():
            plot.setXRange(*self._x_range, padding=0.01)

    def _show_decades(self, norms: np.ndarray, time: np.ndarray) -> None:
        """Write on the curve how far it falls (or rises), so a drag that moves it by many decades reads as such
        even while the axis rescales under it."""
        finite = np.flatnonzero(np.isfinite(norms) & (norms > 0))
        if finite.size < 2:
            self.decades_label.setHtml("")
            self.decades_label.decades = None  # type: ignore[attr-defined]
            return
        first, last = int(finite[0]), int(finite[-1])
        decades = math.log10(norms[first] / norms[last])
        ink = self.palette().color(self.palette().ColorRole.Text).name()
        power = f"{decades:+.0f}".replace("-", "−")
        self.decades_label.setHtml(
            f"<span style='color:{ink}'>×10<sup>{power}</sup> over {plural(last - first, 'step')}</span>"
        )
        self.decades_label.decades = decades  # type: ignore[attr-defined]  (read by tests)
        self.decades_label.setPos(float(time[first]), math.log10(norms[first]))

    def _show_cec(self, grads: Mapping[str, np.ndarray], layer: int, time: np.ndarray) -> None:
        key = trace_key("cec", layer)
        has_cec = key in grads
        if has_cec != self._has_cec:
            self._has_cec = has_cec
            self._arrange()
        units = list(self.document.selected_units[: len(UNIT_COLORS)]) if has_cec else []
        if [curve.unit for curve in self.cec_curves] != units:  # type: ignore[attr-defined]
            for curve in self.cec_curves:
                self.cec_plot.removeItem(curve)
            self.cec_curves = []
            for k, unit in enumerate(units):
                curve = self.cec_plot.plot(pen=pg.mkPen(UNIT_COLORS[k], width=1), name=f"unit {unit}", connect="finite")
                curve.unit = unit  # type: ignore[attr-defined]
                self.cec_curves.append(curve)
            self._apply_palette()
        if has_cec:
            cec = np.asarray(grads[key], dtype=np.float64)
            for curve in self.cec_curves:
                curve.setData(time, _positive(cec[:, curve.unit]))  # type: ignore[attr-defined]

    def _sentence(self, norm: np.ndarray, jacobian: np.ndarray | None, end: int) -> str:
        if self.loss == "unit":
            text = explain(norm, end, "‖dL/dh<sub>t</sub>‖ (loss at the current step)")
        else:
            text = explain(jacobian if jacobian is not None else norm, len(norm) - 1, "‖dh<sub>T</sub>/dh<sub>t</sub>‖")
        if self.cec_curves and self.gradients is not None:
            unit = self.cec_curves[0].unit  # type: ignore[attr-defined]
            layer = min(self.document.layer, self.document.network.num_layers - 1)
            first = float(self.gradients[trace_key("cec", layer)][0, unit])
            text += (
                f" Along the cell state alone (the carousel), unit {unit} keeps "
                f"{first:.2g} of its error over the whole sequence."
            )
        return text

    def _on_click(self, event: Any) -> None:
        """A click on any plot moves the document to the nearest step."""
        for plot in (self.norm_plot, self.cec_plot, self.heat_plot):
            if plot.isVisible() and plot.sceneBoundingRect().contains(event.scenePos()):
                x = plot.vb.mapSceneToView(event.scenePos()).x()
                self.document.set_step(int(np.argmin(np.abs(self._time() - x))))
                return

    def _move_cursor(self) -> None:
        time = self._time()
        step = min(self.document.step, len(time) - 1)
        for line in self.cursors:
            line.setValue(float(time[step]))
