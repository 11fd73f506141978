"""Export Figure: what to show, which layer, units and steps, the file (format by suffix), DPI and size."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFileDialog,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QWidget,
)

from ...model.document import Document

FORMATS: tuple[str, ...] = ("png", "svg", "pdf")
SHOW_CHOICES: tuple[tuple[str, str], ...] = (
    ("gates", "Gates"),
    ("cell", "Cell state"),
    ("hidden", "Hidden state"),
    ("output", "Output layer"),
    ("grad", "Gradients through time"),
    ("all", "Everything"),
)


@dataclass(frozen=True)
class FigureOptions:
    """What the figure renderer is asked for (``lstmviz.io.figures.render_trace_figure``'s arguments)."""

    path: str
    show: str | tuple[str, ...] = "gates"
    """A group name (``gates``, ``cell``, ...) or trace quantities (``("f",)``) for single heatmaps."""
    layer: int = 0
    units: tuple[int, ...] = (0,)
    steps: slice | None = None
    dpi: int = 150
    size: tuple[int, int] | None = None

    @property
    def format(self) -> str:
        return Path(self.path).suffix.lower().lstrip(".")

    @property
    def needs_grads(self) -> bool:
        return self.show in ("grad", "all")


def file_stem(source: str, default: str = "figure") -> str:
    """A safe file-name stem from a sequence's source ("demo: sine wave" -> "demo-sine-wave")."""
    stem = Path(source).stem if os.sep in source or "." in Path(source).name else source
    cleaned = re.sub(r"[^A-Za-z0-9_.-]+", "-", stem).strip("-.")
    return cleaned[:60] or default


def parse_units(text: str, hidden_size: int) -> tuple[int, ...]:
    """``"0, 3-5"`` -> (0, 3, 4, 5); raises ValueError with a sentence on anything else."""
    units: list[int] = []
    for part in (p.strip() for p in text.replace(";", ",").split(",")):
        if not part:
            continue
        if "-" in part[1:]:
            first, last = part.split("-", 1)
            units.extend(range(int(first), int(last) + 1))
        else:
            units.append(int(part))
    bad = [u for u in units if not 0 <= u < hidden_size]
    if bad:
        raise ValueError(f"unit {bad[0]} does not exist; units run from 0 to {hidden_size - 1}")
    return tuple(dict.fromkeys(units))


class ExportFigureDialog(QDialog):
    """Collects :class:`FigureOptions`; the file's suffix picks the format."""

    def __init__(
        self, document: Document, folder: str, parent: QWidget | None = None, quantity: str | None = None
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.setObjectName("dialog_export_figure")
        self.setWindowTitle("Export figure")
        network = document.network
        form = QFormLayout(self)

        self.show_combo = QComboBox(self)
        self.show_combo.setObjectName("export_show")
        self.show_combo.setToolTip("Which quantities get a heatmap panel")
        for key, text in SHOW_CHOICES:
            if key == "output" and not network.has_output:
                continue
            self.show_combo.addItem(text, key)
        if quantity and quantity != "all":  # one heatmap, asked for from the heatmaps view
            title, symbol, _equation = network.spec.describe(quantity)
            self.show_combo.insertItem(0, f"{symbol} ({title}) only", (quantity,))
            self.show_combo.setCurrentIndex(0)
        elif quantity == "all":
            self.show_combo.setCurrentIndex(self.show_combo.findData("all"))
        form.addRow("Show:", self.show_combo)

        self.layer_spin = QSpinBox(self)
        self.layer_spin.setObjectName("export_layer")
        self.layer_spin.setRange(0, network.num_layers - 1)
        self.layer_spin.setValue(document.layer)
        self.layer_spin.setEnabled(network.num_layers > 1)
        self.layer_spin.setToolTip("The stacked layer whose gates and states are drawn")
        form.addRow("Layer:", self.layer_spin)

        self.units_edit = QLineEdit(", ".join(str(u) for u in document.selected_units), self)
        self.units_edit.setObjectName("export_units")
        self.units_edit.setToolTip(
            f"Hidden units drawn as lines under each heatmap, e.g. 0, 3-5 (0 to "
            f"{network.hidden_size - 1}); the output panels show the output's own units"
        )
        form.addRow("Units:", self.units_edit)

        steps_row = QHBoxLayout()
        self.first_spin, self.last_spin = QSpinBox(self), QSpinBox(self)
        for spin, value, name in ((self.first_spin, 0, "first"), (self.last_spin, document.steps - 1, "last")):
            spin.setObjectName(f"export_{name}_step")
            spin.setRange(0, document.steps - 1)
            spin.setValue(value)
            spin.setToolTip(f"The {name} step drawn (step indices; the axis shows the sequence's own time)")
            steps_row.addWidget(spin)
        steps_row.insertWidget(1, QLabel("to", self))
        steps_row.addStretch(1)
        form.addRow("Steps:", steps_row)

        self.dpi_spin = QSpinBox(self)
        self.dpi_spin.setObjectName("export_dpi")
        self.dpi_spin.setRange(50, 600)
        self.dpi_spin.setValue(150)
        self.dpi_spin.setToolTip("Resolution of PNG files (and of heatmap images inside SVG/PDF)")
        form.addRow("DPI:", self.dpi_spin)

        size_row = QHBoxLayout()
        self.auto_size = QCheckBox("Automatic", self)
        self.auto_size.setObjectName("export_auto_size")
        self.auto_size.setChecked(True)
        self.auto_size.setToolTip("10 inches wide and as tall as the panels need")
        self.width_spin, self.height_spin = QSpinBox(self), QSpinBox(self)
        for spin, value, name in ((self.width_spin, 1500, "width"), (self.height_spin, 1000, "height")):
            spin.setObjectName(f"export_{name}")
            spin.setRange(200, 10000)
            spin.setValue(value)
            spin.setSuffix(" px")
            spin.setEnabled(False)
            spin.setToolTip(f"Figure {name} in pixels at the chosen DPI")
        self.auto_size.toggled.connect(
            lambda auto: (self.width_spin.setEnabled(not auto), self.height_spin.setEnabled(not auto))
        )
        size_row.addWidget(self.auto_size)
        size_row.addWidget(self.width_spin)
        size_row.addWidget(QLabel("x", self))
        size_row.addWidget(self.height_spin)
        slide = QPushButton("16:9 slide", self)
        slide.setObjectName("export_slide")
        slide.setToolTip("A widescreen slide: 13.33 x 7.5 inches at the chosen DPI")
        slide.clicked.connect(self.use_slide_size)
        size_row.addWidget(slide)
        size_row.addStretch(1)
        form.addRow("Size:", size_row)

        file_row = QHBoxLayout()
        stem = file_stem(document.sequence.source)
        self.path_edit = QLineEdit(os.path.join(folder, f"{stem}-{network.cell}.pdf"), self)
        self.path_edit.setObjectName("export_path")
        self.path_edit.setToolTip("The file to write; .png, .svg or .pdf picks the format")
        self.format_combo = QComboBox(self)
        self.format_combo.setObjectName("export_format")
        self.format_combo.addItems([f.upper() for f in FORMATS])
        self.format_combo.setCurrentText("PDF")
        self.format_combo.setToolTip("PNG (pixels), SVG or PDF (vector text and lines)")
        self.format_combo.currentTextChanged.connect(self._format_chosen)
        self.path_edit.textChanged.connect(self._path_edited)
        browse = QPushButton("Browse...", self)
        browse.setToolTip("Choose where to save the figure")
        browse.setObjectName("export_browse")
        browse.setAutoDefault(False)  # Return in the dialog exports; it does not reopen Browse
        browse.clicked.connect(self._browse)
        file_row.addWidget(self.path_edit, 1)
        file_row.addWidget(self.format_combo)
        file_row.addWidget(browse)
        form.addRow("File:", file_row)

        self.error_label = QLabel(self)
        self.error_label.setObjectName("export_error")
        self.error_label.setStyleSheet("color: #c62828")
        self.error_label.setWordWrap(True)
        form.addRow(self.error_label)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Save | QDialogButtonBox.StandardButton.Cancel, self)
        export = buttons.button(QDialogButtonBox.StandardButton.Save)
        export.setText("Export")
        export.setObjectName("export_accept")
        export.setDefault(True)
        buttons.accepted.connect(self._accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.setMinimumWidth(560)

    def use_slide_size(self) -> None:
        """The 16:9 preset (``lstmviz plot --aspect 16:9``) at the chosen DPI."""
        from ...io.figures import ASPECT_INCHES

        width, height = ASPECT_INCHES["16:9"]
        dpi = self.dpi_spin.value()
        self.auto_size.setChecked(False)
        self.width_spin.setValue(round(width * dpi))
        self.height_spin.setValue(round(height * dpi))

    def _format_chosen(self, text: str) -> None:
        path = Path(self.path_edit.text() or "figure")
        wanted = "." + text.lower()
        if path.suffix.lower() != wanted:
            self.path_edit.setText(str(path.with_suffix(wanted)))

    def _path_edited(self, text: str) -> None:
        fmt = Path(text).suffix.lower().lstrip(".")
        if fmt in FORMATS and self.format_combo.currentText().lower() != fmt:
            self.format_combo.blockSignals(True)
            self.format_combo.setCurrentText(fmt.upper())
            self.format_combo.blockSignals(False)

    def _browse(self) -> None:
        names = [f"{f.upper()} (*.{f})" for f in FORMATS]
        chosen = FORMATS.index(self.format_combo.currentText().lower())  # the suffix typed or picked so far
        path, _ = QFileDialog.getSaveFileName(
            self, "Export figure", self.path_edit.text(), ";;".join(names), names[chosen]
        )
        if path:
            self.path_edit.setText(path)

    def options(self) -> FigureOptions:
        """The chosen options; ValueError with a sentence when something does not make sense."""
        path = self.path_edit.text().strip()
        if not path:
            raise ValueError("choose a file to write")
        if Path(path).suffix.lower().lstrip(".") not in FORMATS:
            path += "." + self.format_combo.currentText().lower()
        first, last = self.first_spin.value(), self.last_spin.value()
        if last < first:
            raise ValueError(f"the last step ({last}) comes before the first ({first})")
        full = first == 0 and last == self.document.steps - 1
        size = None if self.auto_size.isChecked() else (self.width_spin.value(), self.height_spin.value())
        return FigureOptions(
            path=path,
            show=self.show_combo.currentData(),
            layer=self.layer_spin.value(),
            units=parse_units(self.units_edit.text(), self.document.network.hidden_size),
            steps=None if full else slice(first, last + 1),
            dpi=self.dpi_spin.value(),
            size=size,
        )

    def _accept(self) -> None:
        try:
            self.options()
        except ValueError as error:
            self.error_label.setText(str(error).capitalize())
            return
        self.accept()
