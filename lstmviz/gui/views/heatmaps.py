"""Heatmaps over time: units x steps for C_t, h_t and every gate of the shown layer, the input above them.

All rows live in one pyqtgraph GraphicsLayout with linked X axes in the sequence's own time units. What changes
decides what is redrawn: a step change moves only the cursor lines; a new or partial trace rewrites only the
steps that changed; the cell, sizes, layer, sequence or the chosen quantities rebuild the rows.
"""

from __future__ import annotations

import math
from functools import partial
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtWidgets import (
    QFrame,
    QHBoxLayout,
    QLabel,
    QMenu,
    QScrollArea,
    QSizePolicy,
    QToolButton,
    QVBoxLayout,
    QWidget,
)

from ...engine.trace import trace_key
from ...model.document import Document
from ..note_button import note_button
from ..refresh_pacing import pacer
from ..step_time import step_and_time
from .heatmap_common import (
    INPUT_SYMBOL,
    TimeMap,
    TimePlotsWidget,
    clear_layout,
    quantity_label,
    quantity_order,
    quantity_signed,
    theme_colors,
)
from .heatmap_output import OUTPUT_SYMBOL, OutputRow
from .heatmap_rows import HeatmapRow, InputRow

AXIS_WIDTH = 52
"""Same left-axis width on every row, so the time axes line up exactly."""


class HeatmapsView(TimePlotsWidget):
    """Units x time heatmaps of the current cell and layer, with the input sequence on the same time axis.

    Click a heatmap to jump to that step and select that unit (Ctrl+click adds or removes units); hover to read a
    value; drag to pan and scroll to zoom; right-click a heatmap for its export action (``export_requested``).
    """

    CLIPPED_OPTIONS = False
    """Whether a view narrower than its row of toggles clips the row (two views side by side) instead of keeping
    it whole (the main window's one view)."""

    export_requested = Signal(str)
    """A heatmap's export was asked for: the trace quantity (``"f"``, ``"c"``, ...) or ``"all"``."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("heatmapsView")
        self.document = document
        self.rows: dict[str, HeatmapRow] = {}
        self.input_row: InputRow | None = None
        self.output_row: OutputRow | None = None
        self.time_map = TimeMap(document.sequence)
        self._structure: tuple[Any, ...] | None = None
        self._written_generation = -1
        self._written = 0
        self._written_trace: object | None = None
        self._buttons: dict[str, QToolButton] = {}
        self._buttons_kind: object = ""
        self._progress_timer = QTimer(self)
        self._progress_timer.setSingleShot(True)
        self._progress_timer.setInterval(0)
        self._progress_timer.timeout.connect(self._apply_progress)
        self._plots: list[pg.PlotItem] = []
        self._pending_rows: list[Any] = []
        """The rows a paced rebuild has still to build, one per event-loop turn (:meth:`rebuild`)."""
        self._row_queue = object()
        """This view's place in the pacer's queue for the rows it still has to build."""

        self.options = QWidget(self)
        self.options.setObjectName("heatmapsOptions")
        self._options_layout = QHBoxLayout(self.options)
        self._options_layout.setContentsMargins(4, 2, 4, 2)
        self._options_layout.setSpacing(2)
        # With CLIPPED_OPTIONS the row of toggles does not set the view's least width (272 px for an LSTM's): its
        # strip clips it, so two views side by side (the seq2seq window) fit a small screen, and a view narrower
        # than its row shows its first toggles whole (Shift+wheel scrolls to the others).
        self.options_strip = QScrollArea(self)
        self.options_strip.setObjectName("heatmapsOptionsStrip")
        self.options_strip.setFrameShape(QFrame.Shape.NoFrame)
        self.options_strip.setWidgetResizable(True)
        self.options_strip.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.options_strip.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.options_strip.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        self.options_strip.setWidget(self.options)
        self.note_button = note_button("heatmaps", self.options)
        self.graphics = pg.GraphicsLayoutWidget(self)
        self.graphics.setObjectName("heatmapsGraphics")
        self.graphics.setAntialiasing(False)  # axes and cursors are straight lines; AA doubles the paint time
        self.graphics.ci.setSpacing(6)
        self.hover_label = QLabel(" ", self)
        self.hover_label.setObjectName("heatmapsHover")
        self.hover_label.setToolTip("The value under the mouse pointer")
        self.hover_label.setSizePolicy(QSizePolicy.Policy.Ignored, QSizePolicy.Policy.Fixed)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(0)
        layout.addWidget(self.options_strip)
        layout.addWidget(self.graphics, 1)
        layout.addWidget(self.hover_label)

        scene = self.graphics.scene()
        scene.sigMouseClicked.connect(self._on_click)
        scene.sigMouseMoved.connect(self._on_hover)

        self._binding = self._bind_document(document, on_release=self._dispose_rows)
        self.rebuild()

    # Structure ------------------------------------------------------------------------------------------------
    def hidden_quantities(self) -> set[str]:
        return set(self.document.view_settings.hidden_heatmaps)

    def shown_quantities(self) -> tuple[str, ...]:
        hidden = self.hidden_quantities()
        return tuple(k for k in quantity_order(self.document.network.spec) if k not in hidden)

    def _output_size(self) -> int:
        net = self.document.network
        return int(net.output_size or 0) if net.has_output else 0

    def _structure_key(self) -> tuple[Any, ...]:
        return (*self._document_structure(), tuple(sorted(self.hidden_quantities())), self._output_size())

    def rebuild(self) -> None:
        """Recreate the option buttons and every row (cell, sizes, layer, sequence or chosen quantities changed).

        While a training run paces the views (:mod:`~lstmviz.gui.refresh_pacing`) the rows are built one per
        event-loop turn: building all of them (a PlotItem, axes, a colour bar each; the input's curves and legend)
        takes 150 to 250 ms, the set-up of a run that should not stall the window. Otherwise all at once, as
        before."""
        self._structure = self._structure_key()
        doc = self.document
        background, _ = theme_colors(self)
        self.graphics.setBackground(background)
        self._pending_rows.clear()
        pacer().forget(self._row_queue)
        for row in self.rows.values():
            row.dispose()
        self.graphics.ci.clear()
        self.rows = {}
        self._plots = []
        self.input_row = None
        self.output_row = None
        self.time_map = TimeMap(doc.sequence)
        self._rebuild_buttons()
        self._pending_rows = self._row_builders()
        self._build_next_row()  # all of them at once unless pacing

    def _row_builders(self) -> list[Any]:
        """One call per row, in display order: the input, the output, then each shown quantity."""
        hidden = self.hidden_quantities()
        builders: list[Any] = []
        if "x" not in hidden:
            builders.append(self._add_input_row)
        if self._output_size() and "y" not in hidden:  # what the network predicts, right under its input
            builders.append(self._add_output_row)
        builders += [partial(self._add_quantity_row, key) for key in self.shown_quantities()]
        return builders

    def _build_next_row(self) -> None:
        """Build one waiting row, then queue the next behind the other views' refreshes (the last one finishes).

        The next row goes through the pacer, not a timer of its own: two zero timers fire in the same pass of the
        event loop, so a row and another view's refresh would add up in one stall."""
        if self._structure_key() != self._structure:  # the document moved on meanwhile (an undo, the next run)
            self.rebuild()
            return
        if self._pending_rows:
            self._pending_rows.pop(0)()
        if not pacer().active:  # not paced, or the run ended meanwhile: the rest at once
            while self._pending_rows:
                self._pending_rows.pop(0)()
        if self._pending_rows:
            pacer().call_in_turn(self._row_queue, self, self._build_next_row)
        else:
            self._finish_rows()

    def _place(self, plot: pg.PlotItem, stretch: int) -> int:
        index = len(self._plots)
        self.graphics.ci.addItem(plot, row=index, col=0)
        self.graphics.ci.layout.setRowStretchFactor(index, stretch)
        self._plots.append(plot)
        return index

    def _add_input_row(self) -> None:
        _, foreground = theme_colors(self)
        self.input_row = InputRow(self.document.sequence, self.time_map, foreground)
        self._place(self.input_row.plot, 2)

    def _add_output_row(self) -> None:
        _, foreground = theme_colors(self)
        self.output_row = OutputRow(self._output_size(), self.document.sequence, self.time_map, foreground)
        self._place(self.output_row.plot, 2)

    def _add_quantity_row(self, key: str) -> None:
        doc = self.document
        spec = doc.network.spec
        _, foreground = theme_colors(self)
        symbol, tooltip = quantity_label(spec, key)
        signed = quantity_signed(spec, key, doc.network.nonlinearity)
        row = HeatmapRow(key, symbol, tooltip, signed, foreground, partial(self._levels_of, key))
        row.reset(doc.network.hidden_size, doc.steps)
        self._add_export_action(row)
        index = self._place(row.plot, 3)
        self.graphics.ci.addItem(row.colorbar, row=index, col=1)
        self.rows[key] = row

    def _finish_rows(self) -> None:
        """Every row is in: link the time axes, set the ranges, fill them from the trace, place the cursors."""
        plots = self._plots
        left, right = self.time_map.full_range()
        for index, plot in enumerate(plots):
            plot.getAxis("left").setWidth(AXIS_WIDTH)
            plot.setLimits(xMin=left, xMax=right)
            if index:
                plot.setXLink(plots[0])
            last = index == len(plots) - 1
            plot.showAxis("bottom", True)
            plot.getAxis("bottom").setStyle(showValues=last)
            plot.setLabel("bottom", self.time_map.label if last else None)
            if not last:
                plot.getAxis("bottom").setHeight(6)
        for row in self.rows.values():
            row.plot.setLimits(yMin=0, yMax=row.units)
            row.plot.setYRange(0, row.units, padding=0)
        if plots:
            plots[0].setXRange(left, right, padding=0)
        self._written_generation = -1
        self._refresh_trace()
        self._on_selection_changed()
        self._on_step_changed(self.document.step)
        self._rows_finished()

    def _rows_finished(self) -> None:
        """A subclass's last touch once every row of a rebuild is in (nothing here)."""

    @property
    def building(self) -> bool:
        """Rows are still being built, one per turn (a paced rebuild)."""
        return bool(self._pending_rows)

    def _rebuild_buttons(self) -> None:
        """One checkable button per quantity of the cell (rebuilt only when the cell kind changes)."""
        kind = (self.document.network.cell, bool(self._output_size()))
        if self._buttons_kind == kind:
            hidden = self.hidden_quantities()
            for key, button in self._buttons.items():
                with QSignalBlocker(button):
                    button.setChecked(key not in hidden)
            return
        self._buttons_kind = kind
        clear_layout(self._options_layout, keep=(self.note_button,))
        self._buttons = {}
        spec = self.document.network.spec
        hidden = self.hidden_quantities()
        title = QLabel("Show:", self.options)
        self._options_layout.addWidget(title)
        entries = [("x", INPUT_SYMBOL, "The input sequence on the same time axis")]
        if self._output_size():
            entries.append(("y", OUTPUT_SYMBOL, "the network's output y_t (and the next input it forecasts)"))
        entries += [(k, *quantity_label(spec, k)) for k in quantity_order(spec)]
        for key, symbol, tooltip in entries:
            button = QToolButton(self.options)
            button.setObjectName(f"heatmapsShow_{key}")
            button.setText(symbol)
            button.setCheckable(True)
            button.setChecked(key not in hidden)
            button.setToolTip(f"Show or hide the heatmap of {tooltip}")
            button.setAutoRaise(True)
            button.setProperty("quantity", key)
            button.toggled.connect(self._on_button_toggled)
            self._options_layout.addWidget(button)
            self._buttons[key] = button
        self._options_layout.addStretch(1)
        self._options_layout.addWidget(self.note_button)
        self.options_strip.setFixedHeight(self.options.sizeHint().height())
        if not self.CLIPPED_OPTIONS:  # the row sets the view's least width: every toggle stays in reach
            self.options_strip.setMinimumWidth(self.options.minimumSizeHint().width())

    def _on_button_toggled(self, checked: bool) -> None:
        # A bound slot reading sender(), not a lambda per button: lambdas on widgets deleted by a rebuild trip a
        # PySide6 6.12 reference-count bug at interpreter exit.
        button = self.sender()
        if button is not None:
            self._set_shown(str(button.property("quantity")), checked)

    def _set_shown(self, key: str, shown: bool) -> None:
        hidden = self.hidden_quantities()
        hidden.discard(key) if shown else hidden.add(key)
        self.document.set_view_settings(hidden_heatmaps=tuple(sorted(hidden)))

    def _add_export_action(self, row: HeatmapRow) -> None:
        """The row's context menu (built on the first right-click) offers figure exports."""
        row.plot.getViewBox().menu_hooks.append(lambda menu, row=row: self._fill_export_menu(row, menu))

    def _fill_export_menu(self, row: HeatmapRow, menu: QMenu) -> None:
        menu.addSeparator()
        action = menu.addAction(f"Export {row.symbol} heatmap…")
        action.setToolTip(f"Save the {row.symbol} heatmap as PNG, SVG or PDF")
        action.setData(row.key)
        action.triggered.connect(self._on_export_action)
        every = menu.addAction("Export all heatmaps…")
        every.setData("all")
        every.triggered.connect(self._on_export_action)

    def _on_export_action(self) -> None:
        action = self.sender()
        if action is not None:
            self.export_requested.emit(str(action.data()))

    # Data -----------------------------------------------------------------------------------------------------
    def _trace_fits(self) -> bool:
        trace, net = self.document.trace, self.document.network
        return (
            trace is not None
            and trace.cell == net.cell
            and trace.hidden_size == net.hidden_size
            and trace.num_layers == net.num_layers
            and trace.steps == self.document.steps
        )

    def _levels_of(self, key: str) -> tuple[float, float]:
        return self.document.compute.levels(trace_key(key, self.document.layer))

    def _refresh_trace(self, ready: int | None = None) -> None:
        """Write the steps that changed since the last redraw into every row, then push them to the images."""
        doc = self.document
        if not self._trace_fits():
            return
        ready = doc.trace_steps_ready if ready is None else ready
        if ready <= 0:
            return
        same = self._written_generation == doc.generation and self._written_trace is doc.trace
        start = self._written if same and ready >= self._written else 0
        layer = doc.layer
        for key, row in self.rows.items():
            row.write(doc.trace.get_quantity(key, layer), start, ready)
            if row.needs_redraw(start, ready, self.time_map):  # zoomed in on steps already drawn: nothing to redraw
                row.show(self.time_map)
        if self.output_row is not None and "y" in doc.trace:
            self.output_row.show(doc.trace["y"], ready)
        self._written_generation, self._written, self._written_trace = doc.generation, ready, doc.trace

    def _on_trace_changed(self) -> None:
        if self._structure_key() == self._structure:
            self._refresh_trace()

    def _on_trace_progress(self, ready: int) -> None:
        """Part of a background trace landed: redraw in the next event-loop pass, not inside the delivery.

        Every view handles a delivery in the same pass and the window repaints after it; drawing the heatmaps
        one pass later splits that work, so no single pass stalls the loop for all of it.
        """
        if self._structure_key() == self._structure:
            self._progress_timer.start()

    def _apply_progress(self) -> None:
        if self._structure_key() == self._structure and self.document.trace_steps_ready > 0:
            self._refresh_trace()

    def _on_step_changed(self, step: int) -> None:
        x = self.time_map.x_of(step)
        if self.input_row is not None:
            self.input_row.set_cursor(x)
        if self.output_row is not None:
            self.output_row.set_cursor(x)
        for row in self.rows.values():
            row.set_cursor(x)

    def _on_selection_changed(self) -> None:
        if self._structure_key() != self._structure:
            self.rebuild()
            return
        for row in self.rows.values():
            row.set_selection(self.document.selected_units)

    # Mouse ----------------------------------------------------------------------------------------------------
    def _hit(self, scene_pos: QPointF) -> tuple[HeatmapRow | InputRow, QPointF] | None:
        candidates: list[HeatmapRow | InputRow] = list(self.rows.values())
        if self.input_row is not None:
            candidates.append(self.input_row)
        for row in candidates:
            box = row.plot.getViewBox()
            if box.sceneBoundingRect().contains(scene_pos):
                return row, box.mapSceneToView(scene_pos)
        return None

    def _on_click(self, event: Any) -> None:
        if event.button() != Qt.MouseButton.LeftButton or event.double():
            return
        hit = self._hit(event.scenePos())
        if hit is None:
            return
        row, point = hit
        self.document.set_step(self.time_map.step_at(point.x()))
        if isinstance(row, HeatmapRow):
            unit = math.floor(point.y())
            if 0 <= unit < row.units:
                selected = set(self.document.selected_units)
                if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
                    selected.symmetric_difference_update({unit})
                    self.document.select_units(sorted(selected) or [unit])
                else:
                    self.document.select_units((unit,))
        event.accept()

    def _on_hover(self, scene_pos: QPointF) -> None:
        hit = self._hit(scene_pos)
        if hit is None:
            self.hover_label.setText(" ")
            return
        row, point = hit
        step = self.time_map.step_at(point.x())
        when = step_and_time(self.document.sequence, step)
        if isinstance(row, InputRow):
            self.hover_label.setText(f"{row.value_text(step, point.y())} at {when}")
            return
        unit = math.floor(point.y())
        value = row.value_at(step, unit)
        doc = self.document
        if value is not None and doc.trace is not None and step < doc.trace_steps_ready and self._trace_fits():
            value = float(doc.trace.row(trace_key(row.key, doc.layer), step)[unit])  # float64, not the drawn copy
        if value is None:
            self.hover_label.setText(" ")
        else:
            self.hover_label.setText(f"{row.symbol} unit {unit} at {when}: {value:.3f}")

    # Helpers --------------------------------------------------------------------------------------------------
    def image_array(self, key: str) -> np.ndarray | None:
        """The (H, columns) array the ImageItem of ``key`` holds: the steps in view, one column per step unless
        more steps than pixels are in view (then block means)."""
        row = self.rows.get(key)
        return None if row is None or row.image.image is None else np.asarray(row.image.image)[:, : row.columns]

    def data_array(self, key: str) -> np.ndarray | None:
        """Every drawn step of ``key`` at full resolution, (H, steps drawn) (for tests and export)."""
        row = self.rows.get(key)
        return None if row is None else row.buffer[: row.valid].T

    def _dispose_rows(self) -> None:
        self._pending_rows.clear()
        pacer().forget(self._row_queue)
        for row in self.rows.values():
            row.dispose()
