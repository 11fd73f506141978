"""The living gate diagram: the cell drawn as in the textbooks, every gate and state a strip of live values.

The scene is built by :class:`~.diagram_scene.DiagramScene` from a per-cell layout; this view owns the Document
wiring (recolour on step/trace/selection, rebuild only when the structure changes), zoom, the layer chooser,
tooltips with the engine's equations and numbers, click-to-select, and PNG/SVG export.
"""

from __future__ import annotations

import html
from pathlib import Path

import numpy as np
from PySide6.QtCore import QEvent, QRectF, QSignalBlocker, QSize, Qt
from PySide6.QtGui import QImage, QKeyEvent, QMouseEvent, QPainter, QResizeEvent, QWheelEvent
from PySide6.QtSvg import QSvgGenerator
from PySide6.QtWidgets import QGraphicsView, QHBoxLayout, QLabel, QSpinBox, QWidget

from ...io.atomic import atomic_path
from ...io.errors import ExportError
from ...model.changes import NetworkChange
from ...model.document import Document
from ..colors import is_signed_quantity
from ..document_binding import DocumentBinding
from ..note_button import note_button, pin_top_right
from ..palette_follow import PaletteFollower
from ..step_time import step_time
from .diagram_levels import strip_levels
from .diagram_scene import ColorTable, DiagramScene, nonlinearity_of, strip_label
from .diagram_tooltips import op_tooltip, value_tooltip
from .diagram_values import StepValues, step_values, trace_matches, trace_pending_text

ZOOM_STEP = 1.15


def format_level(value: float) -> str:
    """A colour range as people write it: 2.5, 0.05, 120, 3,400 (``.2g`` wrote 100 as 1e+02)."""
    value = abs(float(value))
    return f"{value:,.0f}" if value >= 100 else f"{value:.2g}"


class GateDiagramView(QGraphicsView):
    """The current cell's gate diagram at the current step; click a unit to select it everywhere."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self._palette_follower = PaletteFollower(self, self._restyle)
        self.setObjectName("gateDiagramView")
        self.document = document
        self._shown_levels: dict[str, tuple[float, float]] = {}
        self.setRenderHints(
            QPainter.RenderHint.Antialiasing
            | QPainter.RenderHint.TextAntialiasing
            | QPainter.RenderHint.SmoothPixmapTransform
        )
        self.setViewportUpdateMode(QGraphicsView.ViewportUpdateMode.SmartViewportUpdate)
        self.setDragMode(QGraphicsView.DragMode.ScrollHandDrag)
        self.setTransformationAnchor(QGraphicsView.ViewportAnchor.AnchorUnderMouse)
        self.setMouseTracking(True)
        self.setToolTip("")
        self._colors = ColorTable()
        self._structure: tuple | None = None
        self._values: StepValues | None = None
        self._auto_fit = True
        self.diagram: DiagramScene | None = None
        self._build_layer_chooser()
        self.note_button = note_button("diagram", self)
        pin_top_right(self.note_button, self)
        self._rebuild()
        events = document.events
        self._binding = DocumentBinding(
            self,
            [
                (events.network_changed, self._on_network_changed),
                (events.trace_changed, self.refresh),
                (events.trace_progress, self._on_progress),
                (events.step_changed, self._on_step),
                (events.selection_changed, self._on_selection),
            ],
        )

    # Document wiring -----------------------------------------------------------------------------------------

    def structure_key(self) -> tuple:
        net = self.document.network
        layer = min(self.document.layer, net.num_layers - 1)
        width = net.input_size if layer == 0 else net.hidden_size
        return (
            net.cell,
            net.hidden_size,
            width,
            net.num_layers,
            layer,
            net.nonlinearity,
            net.output_size,
            net.output_activation,
            self.palette().color(self.palette().ColorRole.Base).name(),
        )

    def _on_network_changed(self, change: NetworkChange | None = None) -> None:
        if change is not None and not change.structural:
            return  # only numbers moved: the trace events refresh the values
        if self.structure_key() != self._structure:
            self._rebuild()

    def _on_progress(self, _steps: int) -> None:
        self.refresh()

    def _on_step(self, _step: int) -> None:
        self.refresh()

    def _on_selection(self) -> None:
        if self.structure_key() != self._structure:
            self._rebuild()
        else:
            self.refresh()

    def _rebuild(self) -> None:
        """Build the scene for the current structure (cell kind, sizes, layer)."""
        net = self.document.network
        layer = min(self.document.layer, net.num_layers - 1)
        width = net.input_size if layer == 0 else net.hidden_size
        old = self.diagram
        self.diagram = DiagramScene(net, layer, width, self._tooltip, self._on_cell_clicked, self.palette(), self)
        self.setScene(self.diagram)
        if old is not None:
            old.deleteLater()
        self._structure = self.structure_key()
        with_layers = net.num_layers > 1
        self._layer_box.setVisible(with_layers)
        # a header band above the viewport, so the chooser never covers the drawing
        self.setViewportMargins(0, self._layer_box.sizeHint().height() if with_layers else 0, 0, 0)
        with QSignalBlocker(self._layer_spin):  # show the model's layer without echoing it back as an edit
            self._layer_spin.setRange(0, net.num_layers - 1)
            self._layer_spin.setValue(layer)
        self.refresh()
        self.diagram.fit_scene_rect()
        if self._auto_fit:
            self.fit()

    def refresh(self) -> None:
        """Recolour every strip for the current step, layer and selection (no rebuild)."""
        if self.diagram is None:
            return
        if self.structure_key() != self._structure:
            self._rebuild()
            return
        doc = self.document
        trace = doc.trace
        layer = self.diagram.layer
        selected = set(doc.selected_units)
        ready = doc.step < doc.trace_steps_ready and trace_matches(doc.network, trace, doc.steps)
        self._values = step_values(doc.network, trace, layer, doc.step) if ready and trace is not None else None
        levels = self._levels() if ready else {}
        for strip in self.diagram.strips.values():
            if self._values is None or strip.key not in self._values.vectors:
                strip.set_values(None, None, selected if strip.key not in ("x", "y") else set())
                continue
            values = self._values.vectors[strip.key]
            signed = self._signed(strip.key)
            colors = self._colors.rgba(values, levels.get(strip.key, (-1.0, 1.0)), signed)
            strip.set_values(values, colors, selected if strip.key not in ("x", "y") else set())
        self.diagram.set_title(self._title_html())
        self._shown_levels = levels
        self.diagram.set_legend_note(self._legend_note(levels))

    def _signed(self, key: str) -> bool:
        net = self.document.network
        if key == "y":
            return net.output_activation not in ("sigmoid", "softmax")
        if key in ("x", "h_prev", "c_prev", "c", "h"):
            return is_signed_quantity({"h_prev": "h", "c_prev": "c"}.get(key, key))
        return is_signed_quantity(key, nonlinearity_of(net, key))

    def _levels(self) -> dict[str, tuple[float, float]]:
        """Colour levels per strip key: [0, 1] for gates, symmetric over the whole sequence for signed values."""
        doc = self.document
        assert doc.trace is not None and self.diagram is not None
        return strip_levels(doc, self.diagram.layer, self._signed)

    # Text ------------------------------------------------------------------------------------------------------
    def _title_html(self) -> str:
        doc = self.document
        net = doc.network
        seq = doc.sequence
        when = f"t = {doc.step} / {doc.steps - 1}"
        if seq.time is not None:
            when += f" &nbsp;({html.escape(step_time(seq, doc.step))})"
        if seq.text is not None and doc.step < len(seq.text):  # one-hot text: say which character x_t is
            char = seq.text[doc.step]
            shown = {" ": "␣", "\n": "↵", "\t": "⇥"}.get(char, html.escape(char))
            when += f" · x<sub>t</sub> = ‘{shown}’"
        layers = f" · layer {self.diagram.layer} ({net.num_layers} layers)" if net.num_layers > 1 else ""
        units = ", ".join(str(u) for u in doc.selected_units[:6]) or "none"
        pending = "" if self._values is not None else f" · <i>{trace_pending_text(doc)}</i>"
        return (
            f"<b>{net.spec.title}</b>{layers} · H = {net.hidden_size} · step <b>{when}</b>"
            f" · unit{'s' if len(doc.selected_units) > 1 else ''} {units}{pending}"
        )

    def _legend_note(self, levels: dict[str, tuple[float, float]], interactive: bool = True) -> str:
        """The scales of the signed colours, and (on screen only) how to click and zoom."""
        parts = []
        for key in ("c", "h", "x"):
            if key in levels:
                label = strip_label(self.document.network, key, self.diagram.layer if self.diagram else 0).symbol
                parts.append(f"{label}: ±{format_level(levels[key][1])}")
        scale = " &nbsp; ".join(parts)
        note = f"signed scales (largest |value| over the sequence): {scale}"
        if not interactive:  # an exported image cannot be clicked
            return note
        return note + "<br>click a cell to select that unit everywhere · Shift/Ctrl+click adds · Ctrl+wheel zooms"

    def _tooltip(self, kind: str, key: str, unit: int) -> str:
        """Tooltip HTML for a strip cell, a gate block, an operation or an arrow (computed on hover)."""
        selected = self.document.selected_units[0] if self.document.selected_units else 0
        if kind == "arrow":
            return f"<b>{key}</b>" if key else ""
        assert self.diagram is not None
        if kind == "op":
            return op_tooltip(self.diagram.layout.node(key), self._values, selected)
        unit = selected if kind == "block" else unit
        return value_tooltip(
            self.document.network, self._values, self.diagram.layer, key, unit, self.document.sequence.input_labels
        )

    # Interaction -----------------------------------------------------------------------------------------------
    def _on_cell_clicked(self, key: str, unit: int, modifiers: Qt.KeyboardModifier) -> None:
        doc = self.document
        if key in ("x", "y") or unit >= doc.network.hidden_size:
            return  # input and output cells are not hidden units
        if modifiers & (Qt.KeyboardModifier.ShiftModifier | Qt.KeyboardModifier.ControlModifier):
            units = set(doc.selected_units) ^ {unit}
            doc.select_units(sorted(units) or [unit])
        else:
            doc.select_units([unit])

    def _build_layer_chooser(self) -> None:
        self._layer_box = QWidget(self)
        self._layer_box.setObjectName("diagramLayerChooser")
        row = QHBoxLayout(self._layer_box)
        row.setContentsMargins(6, 4, 6, 4)
        row.addWidget(QLabel("Layer"))
        self._layer_spin = QSpinBox()
        self._layer_spin.setObjectName("diagramLayerSpin")
        self._layer_spin.setToolTip("Which stacked layer the diagram shows (0 = the one fed by the sequence)")
        self._layer_spin.valueChanged.connect(self.document.set_layer)
        row.addWidget(self._layer_spin)
        self._layer_box.setAutoFillBackground(True)
        self._layer_box.adjustSize()
        self._layer_box.move(4, 0)

    def fit(self) -> None:
        """Fit the whole diagram in the view (also on resize, until the user zooms)."""
        if self.diagram is not None:
            self.fitInView(self.diagram.sceneRect(), Qt.AspectRatioMode.KeepAspectRatio)

    def zoom(self, factor: float) -> None:
        self._auto_fit = False
        self.scale(factor, factor)

    def reset_zoom(self) -> None:
        self._auto_fit = True
        self.fit()

    def wheelEvent(self, event: QWheelEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            self.zoom(ZOOM_STEP if event.angleDelta().y() > 0 else 1 / ZOOM_STEP)
            event.accept()
            return
        super().wheelEvent(event)

    def keyPressEvent(self, event: QKeyEvent) -> None:
        if event.modifiers() & Qt.KeyboardModifier.ControlModifier:
            if event.key() in (Qt.Key.Key_Plus, Qt.Key.Key_Equal):
                self.zoom(ZOOM_STEP)
                return
            if event.key() == Qt.Key.Key_Minus:
                self.zoom(1 / ZOOM_STEP)
                return
            if event.key() == Qt.Key.Key_0:
                self.reset_zoom()
                return
        super().keyPressEvent(event)

    def mouseDoubleClickEvent(self, event: QMouseEvent) -> None:
        if self.itemAt(event.position().toPoint()) is None:
            self.reset_zoom()
            return
        super().mouseDoubleClickEvent(event)

    def resizeEvent(self, event: QResizeEvent) -> None:
        super().resizeEvent(event)
        if self._auto_fit:
            self.fit()

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        follower = getattr(self, "_palette_follower", None)
        if follower is not None:  # the scene's ink and background come from the palette: rebuilt on the next turn
            follower.change_event(event)

    def _restyle(self) -> None:
        if self.diagram is not None:
            self._rebuild()

    def sizeHint(self) -> QSize:
        return QSize(1000, 640)

    # Export ----------------------------------------------------------------------------------------------------
    def export_image(self, path: str | Path, scale: float = 2.0) -> None:
        """Write the diagram as PNG (rendered at ``scale`` x for crispness) or SVG (vector shapes and text).

        The file appears only complete (temp file beside it, then a rename); problems raise ``ExportError``.
        """
        path = Path(path)
        suffix = path.suffix.lower()
        if suffix not in (".png", ".svg"):
            raise ExportError(f"{path.name}: the diagram can be exported as .png or .svg, not {suffix or 'no suffix'}")
        assert self.diagram is not None
        source = self.diagram.sceneRect()
        levels = self._shown_levels
        self.diagram.set_legend_note(self._legend_note(levels, interactive=False))
        try:
            with atomic_path(path) as temp:
                ok = self._write_svg(temp, source) if suffix == ".svg" else self._write_png(temp, source, scale)
                if not ok:
                    raise OSError("Qt could not write the image")
        except OSError as error:
            raise ExportError(f"{path}: could not write the diagram ({error}); is the folder writable?") from error
        finally:
            self.diagram.set_legend_note(self._legend_note(levels))

    def _write_svg(self, path: Path, source: QRectF) -> bool:
        generator = QSvgGenerator()
        generator.setFileName(str(path))
        generator.setSize(source.size().toSize())
        generator.setViewBox(QRectF(0, 0, source.width(), source.height()))
        generator.setTitle("lstmviz gate diagram")
        generator.setDescription(self.document.network.describe())
        assert self.diagram is not None
        painter = QPainter(generator)
        self.diagram.vector_output = True
        try:
            self._render(painter, QRectF(0, 0, source.width(), source.height()), source)
        finally:
            self.diagram.vector_output = False
        return painter.end()

    def _write_png(self, path: Path, source: QRectF, scale: float) -> bool:
        assert self.diagram is not None
        image = QImage((source.size() * scale).toSize(), QImage.Format.Format_ARGB32)
        image.fill(self.diagram.backgroundBrush().color())
        painter = QPainter(image)
        self._render(painter, QRectF(image.rect()), source)
        painter.end()
        return image.save(str(path), "PNG")

    def _render(self, painter: QPainter, target: QRectF, source: QRectF) -> None:
        painter.setRenderHints(QPainter.RenderHint.Antialiasing | QPainter.RenderHint.TextAntialiasing)
        assert self.diagram is not None
        painter.fillRect(target, self.diagram.backgroundBrush().color())
        self.diagram.render(painter, target, source)

    # Test helpers ----------------------------------------------------------------------------------------------
    def strip(self, node_id: str):
        """The strip drawn for a layout node (``strip_f``, ``c``, ``h``, ``x``, ``h_prev``, ...)."""
        assert self.diagram is not None
        return self.diagram.strips[node_id]

    def strip_values(self) -> dict[str, np.ndarray]:
        """Every strip's shown values by node id."""
        assert self.diagram is not None
        return {node_id: strip.values() for node_id, strip in self.diagram.strips.items()}
