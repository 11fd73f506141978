"""Generate a sequence: pick a generator, set its parameters, watch the preview, OK.

The parameter form is built from each generator's ``params`` defaults (the type of the default picks the widget:
int -> QSpinBox, float -> QDoubleSpinBox, str -> QLineEdit, bool -> QCheckBox), so a new generator in
``lstmviz.io.generators`` appears here with no GUI code. The caller applies the result::

    dialog = GenerateDialog(document, parent)
    if dialog.exec():
        document.set_sequence(dialog.sequence(), text=dialog.undo_text())

or, from a menu, ``ask_generate(document, parent)`` does exactly that.
"""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QEvent, QRectF, Qt, QTimer
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QCheckBox,
    QDialog,
    QDialogButtonBox,
    QDoubleSpinBox,
    QFormLayout,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QListWidget,
    QListWidgetItem,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...io.errors import SequenceError
from ...io.sequence_data import SequenceData
from ...model.document import Document
from ...wording import plural
from ..colors import lookup_table

#: Columns drawn in a preview; wider sequences (one-hot text) show their first columns only.
PREVIEW_COLUMNS = 8
INT_LIMIT = 2**31 - 1
FLOAT_LIMIT = 1e9


def is_one_hot(sequence: SequenceData) -> bool:
    """True for symbol sequences (text, copy task): several columns holding only 0 and 1."""
    values = sequence.values
    return sequence.vocabulary is not None or (values.shape[1] > 1 and bool(np.all((values == 0) | (values == 1))))


def draw_sequence(plot: pg.PlotItem, sequence: SequenceData) -> None:
    """Draw ``sequence`` against its own time axis: one-hot symbols as an inputs x time image, numbers as lines."""
    plot.clear()
    time = sequence.time_axis
    text_color = plot.getAxis("left").textPen().color()
    legend = (
        plot.legend
        if plot.legend is not None
        else plot.addLegend(offset=(-4, 4), labelTextSize="8pt", labelTextColor=text_color)
    )
    left = plot.getAxis("left")
    if is_one_hot(sequence):
        legend.setVisible(False)
        image = pg.ImageItem(sequence.values.T, axisOrder="row-major")
        image.setLookupTable(lookup_table(False))
        image.setLevels((0.0, 1.0))
        step = float(time[1] - time[0]) if sequence.steps > 1 else 1.0
        image.setRect(QRectF(float(time[0]), 0.0, step * sequence.steps, float(sequence.input_size)))
        plot.addItem(image)
        plot.invertY(True)
        labels = sequence.input_labels
        every = max(1, int(np.ceil(len(labels) / 12)))
        left.setTicks([[(k + 0.5, labels[k]) for k in range(0, len(labels), every)]])
    else:
        plot.invertY(False)
        left.setTicks(None)
        columns = min(sequence.input_size, PREVIEW_COLUMNS)
        legend.setVisible(columns > 1)
        # 1 px pens take Qt's fast path: an antialiased 1.5 px line through a dense (peak-downsampled) curve costs
        # 100-300 ms per repaint, 1 px about 2 ms. The cache keeps a moving step cursor from repainting the curves.
        for k in range(columns):
            pen = pg.mkPen(pg.intColor(k, hues=max(columns, 6), values=1, maxValue=220), width=1)
            item = plot.plot(time, sequence.values[:, k], pen=pen, name=sequence.input_labels[k])
            item.curve.setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
    plot.setLabel("bottom", sequence.time_label)
    plot.enableAutoRange()


class PreviewPlot(pg.PlotWidget):
    """A small sequence plot in the palette's colours (restyled when the app switches light/dark)."""

    def __init__(self, parent: QWidget | None = None, height: int = 120) -> None:
        super().__init__(parent)
        self.setMinimumHeight(height)
        plot = self.getPlotItem()
        plot.setDownsampling(auto=True, mode="peak")
        plot.setClipToView(True)
        plot.showGrid(x=True, y=True, alpha=0.2)
        plot.setMenuEnabled(False)
        plot.hideButtons()
        self.restyle()

    def restyle(self) -> None:
        palette = self.palette()
        self.setBackground(palette.color(QPalette.ColorRole.Base))
        text = palette.color(QPalette.ColorRole.WindowText)
        plot = self.getPlotItem()
        for side in ("left", "bottom"):
            plot.getAxis(side).setTextPen(text)
        if plot.legend is not None:
            plot.legend.setLabelTextColor(text)

    def changeEvent(self, event: QEvent) -> None:
        super().changeEvent(event)
        if event.type() == QEvent.Type.PaletteChange and getattr(self, "plotItem", None) is not None:
            self.restyle()


def make_editor(name: str, default: Any) -> QWidget:
    """The widget for one parameter, chosen by the type of its default value."""
    if isinstance(default, bool):
        editor: QWidget = QCheckBox()
        editor.setChecked(default)
    elif isinstance(default, int):
        editor = QSpinBox()
        low = 0 if default >= 0 else -INT_LIMIT  # generate() checks the real range and says so
        editor.setRange(low, INT_LIMIT)
        editor.setValue(default)
        editor.setGroupSeparatorShown(True)
    elif isinstance(default, float):
        editor = QDoubleSpinBox()
        editor.setRange(-FLOAT_LIMIT, FLOAT_LIMIT)
        editor.setDecimals(4)
        editor.setSingleStep(10 ** np.floor(np.log10(abs(default))) / 10 if default else 0.1)
        editor.setValue(default)
    else:
        editor = QLineEdit(str(default))
    editor.setObjectName(f"param_{name}")
    return editor


def editor_value(editor: QWidget) -> Any:
    if isinstance(editor, QCheckBox):
        return editor.isChecked()
    if isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        return editor.value()
    return editor.text()


def connect_editor(editor: QWidget, slot: Any) -> None:
    if isinstance(editor, QCheckBox):
        editor.toggled.connect(slot)
    elif isinstance(editor, (QSpinBox, QDoubleSpinBox)):
        editor.valueChanged.connect(slot)
    else:
        editor.textChanged.connect(slot)


class GenerateDialog(QDialog):
    """Choose a generator and its parameters with a live preview; :meth:`sequence` is the result."""

    def __init__(
        self, document: Document | None = None, parent: QWidget | None = None, kind: str | None = None
    ) -> None:
        super().__init__(parent)
        from ...io.generators import GENERATORS  # keeps the app's start-up import light

        self.generators = GENERATORS
        self.document = document
        self.setWindowTitle("Generate a sequence")
        self.editors: dict[str, QWidget] = {}
        self._result: tuple[str, dict[str, Any], SequenceData] | None = None
        self._build()
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(80)
        self._timer.timeout.connect(self.update_preview)
        start = kind if kind in GENERATORS else next(iter(GENERATORS))
        self.select(start)
        self.resize(720, 460)

    def _build(self) -> None:
        self.list = QListWidget(objectName="generatorList")
        self.list.setToolTip("Generators: pick one to see its parameters and a preview.")
        for name, spec in self.generators.items():
            item = QListWidgetItem(spec.title)
            item.setData(Qt.ItemDataRole.UserRole, name)
            item.setToolTip(spec.description)
            self.list.addItem(item)
        self.list.setMaximumWidth(190)
        self.list.currentItemChanged.connect(lambda item, _old: item is not None and self._show(self.kind()))
        self.description = QLabel(objectName="generatorDescription")
        self.description.setWordWrap(True)
        self.form = QFormLayout()
        self.form.setVerticalSpacing(4)
        self.preview = PreviewPlot(self, height=160)
        self.preview.setObjectName("generatorPreview")
        self.preview.setFocusPolicy(Qt.FocusPolicy.ClickFocus)  # a picture: Tab goes from the list to the form
        self.preview.setToolTip("Preview of the sequence these parameters generate (first columns only if wide).")
        self.status = QLabel(objectName="generatorStatus")
        self.status.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        right = QVBoxLayout()
        right.addWidget(self.description)
        right.addLayout(self.form)
        right.addWidget(self.preview, 1)
        right.addWidget(self.status)
        body = QHBoxLayout()
        body.addWidget(self.list)
        body.addLayout(right, 1)
        layout = QVBoxLayout(self)
        layout.addLayout(body, 1)
        layout.addWidget(self.buttons)

    # Choosing ------------------------------------------------------------------------------------------------
    def kind(self) -> str:
        item = self.list.currentItem()
        return item.data(Qt.ItemDataRole.UserRole) if item is not None else next(iter(self.generators))

    def select(self, kind: str) -> None:
        """Show generator ``kind`` (its form and preview)."""
        for row in range(self.list.count()):
            if self.list.item(row).data(Qt.ItemDataRole.UserRole) == kind:
                self.list.setCurrentRow(row)
                break
        self._show(kind)

    def _show(self, kind: str) -> None:
        spec = self.generators[kind]
        self.description.setText(f"<b>{spec.title}</b><br>{spec.description}")
        while self.form.rowCount():
            self.form.removeRow(0)
        self.editors = {}
        for name, default in spec.params.items():
            editor = make_editor(name, default)
            helptext = getattr(spec, "param_help", {}).get(name, name.replace("_", " "))
            editor.setToolTip(f"{helptext} (default {default!r})")
            connect_editor(editor, lambda *_: self._timer.start())
            self.form.addRow(name.replace("_", " "), editor)
            self.editors[name] = editor
        self._order_focus()
        self.update_preview()

    def _order_focus(self) -> None:
        """Tab: the generator list, its parameters top to bottom, then OK / Cancel; the focus starts on the first
        parameter (rebuilt editors join Qt's chain at its end, after the buttons)."""
        chain: list[QWidget] = [self.list, *self.editors.values(), *self.buttons.buttons()]
        for first, second in pairwise(chain):
            QWidget.setTabOrder(first, second)
        if self.editors:
            next(iter(self.editors.values())).setFocus(Qt.FocusReason.OtherFocusReason)

    def params(self) -> dict[str, Any]:
        """The parameters as set in the form."""
        return {name: editor_value(editor) for name, editor in self.editors.items()}

    # Generating ----------------------------------------------------------------------------------------------
    def _generate(self) -> SequenceData:
        from ...io.generators import generate

        kind, params = self.kind(), self.params()
        if self._result is not None and self._result[:2] == (kind, params):
            return self._result[2]
        sequence = generate(kind, **params)
        self._result = (kind, params, sequence)
        return sequence

    def update_preview(self) -> None:
        """Regenerate and redraw; a bad parameter shows its sentence and disables OK."""
        self._timer.stop()
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            sequence = self._generate()
        except (SequenceError, ValueError) as error:
            self.preview.getPlotItem().clear()
            self.status.setText(f"<span style='color:#c0392b'>{error}</span>")
            ok.setEnabled(False)
            return
        draw_sequence(self.preview.getPlotItem(), sequence)
        wide = (
            f" (first {PREVIEW_COLUMNS} shown)"
            if sequence.input_size > PREVIEW_COLUMNS and not is_one_hot(sequence)
            else ""
        )
        self.status.setText(f"T = {plural(sequence.steps, 'step')} × D = {sequence.input_size}{wide}")
        ok.setEnabled(True)

    def sequence(self) -> SequenceData:
        """The generated sequence for the current parameters (raises SequenceError if they are invalid)."""
        return self._generate()

    def undo_text(self) -> str:
        return f"Generate {self.generators[self.kind()].title.lower()}"

    def accept(self) -> None:
        self.update_preview()
        if self.buttons.button(QDialogButtonBox.StandardButton.Ok).isEnabled():
            super().accept()


def ask_generate(document: Document, parent: QWidget | None = None, kind: str | None = None) -> bool:
    """For a menu action: run the dialog modally and feed its sequence to ``document`` (one undo step)."""
    dialog = GenerateDialog(document, parent, kind)
    if not dialog.exec():
        return False
    document.set_sequence(dialog.sequence(), text=dialog.undo_text())
    return True
