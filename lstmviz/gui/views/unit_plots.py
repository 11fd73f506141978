"""Line plots over time of the selected units: one plot per chosen quantity, one coloured line per unit.

The same time axis, cursor and click-to-step as the heatmaps (shared helpers in heatmap_common); a unit keeps its
colour in every plot, and the legend names it. Long sequences are drawn with peak downsampling, clipped to view.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtWidgets import QGraphicsItem, QHBoxLayout, QLabel, QToolButton, QVBoxLayout, QWidget

from ...model.document import Document
from ..colors import nice_ceiling
from ..note_button import note_button
from .heatmap_common import (
    TimeMap,
    TimePlotsWidget,
    cache_curve,
    clear_layout,
    make_cursor,
    plot_item,
    quantity_label,
    quantity_order,
    quantity_signed,
    style_plot,
    theme_colors,
)

LEGEND_COLUMNS = 3
"""Legend entries per row above the plots (more selected units wrap onto a second row)."""
MAX_LINES = 12
"""More selected units than this are summarised by the first MAX_LINES (a legend of 100 entries reads as noise)."""
UNIT_COLORS = (
    "#1f77b4",
    "#ff7f0e",
    "#2ca02c",
    "#d62728",
    "#9467bd",
    "#8c564b",
    "#e377c2",
    "#7f7f7f",
    "#bcbd22",
    "#17becf",
    "#393b79",
    "#ad494a",
)
AXIS_WIDTH = 52


class UnitPlotsView(TimePlotsWidget):
    """h_t, C_t and gates of the selected units over time, with the current-step cursor."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("unitPlotsView")
        self.document = document
        self.time_map = TimeMap(document.sequence)
        self.plots: dict[str, pg.PlotItem] = {}
        self.curves: dict[str, list[pg.PlotDataItem]] = {}
        self.cursors: list[pg.InfiniteLine] = []
        self._buttons: dict[str, QToolButton] = {}
        self._structure: tuple[Any, ...] | None = None

        self.options = QWidget(self)
        self._options_layout = QHBoxLayout(self.options)
        self._options_layout.setContentsMargins(4, 2, 4, 2)
        self._options_layout.setSpacing(2)
        self.note = QLabel(self.options)
        self.note.setObjectName("unitPlotsNote")
        self.note_button = note_button("unit_plots", self.options)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("unitPlotsGraphics")
        self.graphics.setAntialiasing(False)  # axes and cursors are straight lines; AA doubles the paint time
        self.graphics.ci.setSpacing(6)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.options)
        layout.addWidget(self.graphics, 1)
        self.graphics.scene().sigMouseClicked.connect(self._on_click)

        self._binding = self._bind_document(document)
        self.rebuild()

    # Structure ------------------------------------------------------------------------------------------------
    def shown_quantities(self) -> tuple[str, ...]:
        spec = self.document.network.spec
        chosen = self.document.view_settings.unit_plots
        keys = tuple(k for k in quantity_order(spec) if chosen is not None and k in chosen)
        return keys or tuple(k for k in quantity_order(spec) if k in spec.state_keys)

    def plotted_units(self) -> tuple[int, ...]:
        return self.document.selected_units[:MAX_LINES]

    def _structure_key(self) -> tuple[Any, ...]:
        return (*self._document_structure(), self.shown_quantities(), self.plotted_units())

    def rebuild(self) -> None:
        """Recreate the plots for the chosen quantities and the selected units, then fill them."""
        self._structure = self._structure_key()
        doc = self.document
        spec = doc.network.spec
        background, foreground = theme_colors(self)
        self.graphics.setBackground(background)
        self.graphics.ci.clear()
        self.time_map = TimeMap(doc.sequence)
        self._rebuild_buttons()
        self.plots, self.curves, self.cursors = {}, {}, []
        self._signed: set[str] = set()
        self._y_bounds: dict[str, float] = {}
        units = self.plotted_units()
        extra = len(doc.selected_units) - len(units)
        self.note.setText(f"first {len(units)} of {len(doc.selected_units)} selected units" if extra > 0 else "")
        shown = self.shown_quantities()
        left, right = self.time_map.full_range()
        first: pg.PlotItem | None = None
        # The legend sits in its own row above the plots: inside a plot (1280 x 800 window) it covered the curves.
        self.legend = pg.LegendItem(
            labelTextColor=foreground,
            colCount=min(len(units), LEGEND_COLUMNS) or 1,
            labelTextSize="8pt",
            verSpacing=-8,
            horSpacing=2,
        )
        self.legend.layout.setContentsMargins(AXIS_WIDTH // 4, 0, 0, 0)
        self.legend.setMinimumWidth(0)  # a narrow dock clips the last entries instead of widening the plots
        self.legend.setFlag(QGraphicsItem.GraphicsItemFlag.ItemClipsChildrenToShape)
        self.legend.setObjectName("unitPlotsLegend")
        if units and shown:
            self.graphics.ci.addItem(self.legend, row=0, col=0)
            self.graphics.ci.layout.setRowStretchFactor(0, 0)
        for index, key in enumerate(shown):
            symbol, tooltip = quantity_label(spec, key)
            plot = plot_item()
            plot.hideButtons()
            style_plot(plot, foreground)
            plot.setLabel("left", symbol)
            plot.getAxis("left").setToolTip(tooltip)
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.showGrid(x=True, y=True, alpha=0.15)
            plot.setLimits(xMin=left, xMax=right)
            if not quantity_signed(spec, key, doc.network.nonlinearity):
                plot.setYRange(0.0, 1.0, padding=0.02)
            else:
                self._signed.add(key)
            plot.enableAutoRange(y=False)
            last = index == len(shown) - 1
            plot.getAxis("bottom").setStyle(showValues=last)
            plot.setLabel("bottom", self.time_map.label if last else None)
            if first is None:
                first = plot
            else:
                plot.setXLink(first)
            curves = []
            for n, unit in enumerate(units):
                # Width 1 (cosmetic): Qt strokes it on its fast path; any wider antialiased pen is stroked as a
                # filled outline, ~60x slower (36 against 0.6 ms for a 10,000-step curve at 700 px).
                pen = pg.mkPen(UNIT_COLORS[n % len(UNIT_COLORS)], width=1)
                curve = pg.PlotDataItem(
                    pen=pen, name=f"unit {unit}" if index == 0 else None, antialias=True, skipFiniteCheck=True
                )  # cached: AA costs only on edits
                plot.addItem(cache_curve(curve))
                curves.append(curve)
                if index == 0:
                    self.legend.addItem(curve, f"unit {unit}")
            cursor = make_cursor()
            plot.addItem(cursor, ignoreBounds=True)
            self.cursors.append(cursor)
            self.graphics.ci.addItem(plot, row=index + 1, col=0)
            self.plots[key], self.curves[key] = plot, curves
        if first is not None:
            first.setXRange(left, right, padding=0)
        self._refresh()
        self._on_step_changed(doc.step)

    def _rebuild_buttons(self) -> None:
        clear_layout(self._options_layout, keep=(self.note, self.note_button))
        self._buttons = {}
        spec = self.document.network.spec
        shown = set(self.shown_quantities())
        self._options_layout.addWidget(QLabel("Plot:", self.options))
        for key in quantity_order(spec):
            symbol, tooltip = quantity_label(spec, key)
            button = QToolButton(self.options)
            button.setObjectName(f"unitPlotsShow_{key}")
            button.setText(symbol)
            button.setCheckable(True)
            with QSignalBlocker(button):
                button.setChecked(key in shown)
            button.setAutoRaise(True)
            button.setToolTip(f"Plot the selected units' {tooltip}")
            button.setProperty("quantity", key)
            button.toggled.connect(self._on_button_toggled)
            self._options_layout.addWidget(button)
            self._buttons[key] = button
        self._options_layout.addStretch(1)
        self._options_layout.addWidget(self.note)
        self._options_layout.addWidget(self.note_button)

    def _on_button_toggled(self, checked: bool) -> None:
        button = self.sender()
        if button is None:
            return
        shown = set(self.shown_quantities())
        key = str(button.property("quantity"))
        shown.add(key) if checked else shown.discard(key)
        order = quantity_order(self.document.network.spec)
        self.document.set_view_settings(unit_plots=tuple(k for k in order if k in shown))

    # Data -----------------------------------------------------------------------------------------------------
    def _refresh(self, ready: int | None = None) -> None:
        doc = self.document
        trace = doc.trace
        if (
            trace is None
            or trace.hidden_size != doc.network.hidden_size
            or trace.cell != doc.network.cell
            or trace.steps != doc.steps
            or trace.num_layers != doc.network.num_layers
        ):
            return
        ready = doc.trace_steps_ready if ready is None else ready
        if ready <= 0:
            return
        time = self.time_map.time[:ready]
        units = self.plotted_units()
        for key, curves in self.curves.items():
            data = trace.get_quantity(key, doc.layer)
            for unit, curve in zip(units, curves, strict=False):
                curve.setData(time, np.asarray(data[:ready, unit]))
            if key in self._signed and units:
                shown = np.abs(data[:ready, list(units)])
                bound = nice_ceiling(float(shown[np.isfinite(shown)].max(initial=0.0)) or 1.0)
                if bound != self._y_bounds.get(key):  # a symmetric range that moves in steps: the axis keeps
                    self._y_bounds[key] = bound  # its ticks (and its cached pixels) while a weight is dragged
                    self.plots[key].setYRange(-bound, bound, padding=0.05)

    def _on_trace_changed(self) -> None:
        if self._structure_key() == self._structure:
            self._refresh()

    def _on_trace_progress(self, ready: int) -> None:
        if self._structure_key() == self._structure:
            self._refresh(ready)

    def _on_selection_changed(self) -> None:
        self._on_structure_maybe_changed()

    def _on_step_changed(self, step: int) -> None:
        x = self.time_map.x_of(step)
        for cursor in self.cursors:
            cursor.setValue(x)

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        for plot in self.plots.values():
            box = plot.getViewBox()
            if box.sceneBoundingRect().contains(event.scenePos()):
                self.document.set_step(self.time_map.step_at(box.mapSceneToView(event.scenePos()).x()))
                return
