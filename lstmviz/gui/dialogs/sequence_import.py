"""Open a table the way the person means it: which columns are inputs, which is the time axis, what to do with
empty cells and how to scale the inputs, with a live line saying what the result will be.

The file has been read once with its gaps kept (:class:`~lstmviz.io.seq_prepare.Table`); every change here only
re-runs :func:`~lstmviz.io.seq_prepare.prepare`, so the dialog answers at once even for large files.
"""

from __future__ import annotations

from html import escape

from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QLabel,
    QListWidget,
    QListWidgetItem,
    QVBoxLayout,
    QWidget,
)

from ...io.errors import SequenceError
from ...io.seq_prepare import NORMALISATIONS, Choice, Scaling, Table, prepare
from ...io.sequence_data import SequenceData
from ...wording import plural
from ..step_time import format_time

MISSING_CHOICES: tuple[tuple[str, str], ...] = (
    ("interpolate", "Interpolate (linear in time)"),
    ("ffill", "Repeat the previous value"),
    ("drop", "Drop the rows with gaps"),
)
NORMALISE_TEXT = {
    "none": "None (the file's values)",
    "z-score": "z-score: (x − mean) / std",
    "min-max": "min-max: scaled to [0, 1]",
}


class SequenceImportDialog(QDialog):
    """Choose inputs, time axis, missing values and normalisation for ``table``; ``choice()`` after OK."""

    def __init__(
        self, table: Table, choice: Choice, expected_inputs: int | None = None, parent: QWidget | None = None
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_sequence_import")
        self.setWindowTitle(f"Open {table.name}")
        self.table = table
        self.expected_inputs = expected_inputs
        self._result: tuple[SequenceData, Scaling] | None = None

        rows = len(table.columns[0].values) if table.columns else 0
        gaps = table.gaps
        headline = QLabel(
            f"<b>{escape(table.name)}</b>: {plural(rows, 'row')}, {plural(len(table.columns), 'column')}"
            + (f", {plural(gaps, 'empty cell')}" if gaps else ""),
            self,
        )
        headline.setObjectName("importHeadline")
        self.inputs = QListWidget(self)
        self.inputs.setObjectName("importInputs")
        self.inputs.setToolTip("Tick the columns the network reads, one input each")
        self.inputs.setMaximumHeight(150)
        for column in table.columns:
            text = column.name + (f"  — {plural(column.gaps, 'empty cell')}" if column.gaps else "")
            item = QListWidgetItem(text, self.inputs)
            item.setData(Qt.ItemDataRole.UserRole, column.name)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(Qt.CheckState.Checked if column.name in choice.inputs else Qt.CheckState.Unchecked)
        self.time_combo = QComboBox(self)
        self.time_combo.setObjectName("importTime")
        self.time_combo.setToolTip("The column the plots use as their time axis (it is not an input)")
        for key, text in table.time_choices():
            self.time_combo.addItem(text, key)
        self.time_combo.setCurrentIndex(max(self.time_combo.findData(choice.time), 0))
        self.missing_combo = QComboBox(self)
        self.missing_combo.setObjectName("importMissing")
        self.missing_combo.setToolTip("What to do with empty cells, NA and NaN")
        for key, text in MISSING_CHOICES:
            self.missing_combo.addItem(text, key)
        self.missing_combo.setCurrentIndex(max(self.missing_combo.findData(choice.missing), 0))
        self.missing_combo.setEnabled(gaps > 0)
        self.normalise_combo = QComboBox(self)
        self.normalise_combo.setObjectName("importNormalise")
        self.normalise_combo.setToolTip(
            "Scale each input column, computed on this data and kept with the session; "
            "raw values in the hundreds push every gate to 0 or 1"
        )
        for key in NORMALISATIONS:
            self.normalise_combo.addItem(NORMALISE_TEXT[key], key)
        self.normalise_combo.setCurrentIndex(max(self.normalise_combo.findData(choice.normalise), 0))
        self.summary = QLabel(self)
        self.summary.setObjectName("importSummary")
        self.summary.setWordWrap(True)

        form = QFormLayout()
        form.addRow("Inputs:", self.inputs)
        form.addRow("Time axis:", self.time_combo)
        form.addRow("Empty cells:", self.missing_combo)
        form.addRow("Normalise:", self.normalise_combo)
        self.buttons = QDialogButtonBox(
            QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self
        )
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        layout = QVBoxLayout(self)
        layout.addWidget(headline)
        layout.addLayout(form)
        layout.addWidget(self.summary)
        layout.addWidget(self.buttons)

        self.inputs.itemChanged.connect(self._update)
        for combo in (self.time_combo, self.missing_combo, self.normalise_combo):
            combo.currentIndexChanged.connect(self._update)
        self._update()

    # State ------------------------------------------------------------------------------------------------------
    def choice(self) -> Choice:
        time = str(self.time_combo.currentData() or "")
        used = set(time.split(" + ")) if time else set()
        inputs = tuple(
            str(self.inputs.item(k).data(Qt.ItemDataRole.UserRole))
            for k in range(self.inputs.count())
            if self.inputs.item(k).checkState() == Qt.CheckState.Checked
            and self.inputs.item(k).data(Qt.ItemDataRole.UserRole) not in used
        )
        return Choice(
            inputs=inputs,
            time=time,
            missing=str(self.missing_combo.currentData()),
            normalise=str(self.normalise_combo.currentData()),
        )

    def set_inputs(self, names: tuple[str, ...] | list[str]) -> None:
        """Tick exactly ``names`` (tests and scripts)."""
        for k in range(self.inputs.count()):
            item = self.inputs.item(k)
            checked = item.data(Qt.ItemDataRole.UserRole) in names
            item.setCheckState(Qt.CheckState.Checked if checked else Qt.CheckState.Unchecked)

    def prepared(self) -> tuple[SequenceData, Scaling] | None:
        """The sequence the current choices make (None when they cannot make one)."""
        return self._result

    def _update(self, *_: object) -> None:
        ok = self.buttons.button(QDialogButtonBox.StandardButton.Ok)
        try:
            self._result = prepare(self.table, self.choice())
        except SequenceError as error:
            self._result = None
            self.summary.setText(f"<span style='color:#c0392b'>{escape(str(error))}</span>")
            ok.setEnabled(False)
            return
        sequence = self._result[0]
        time = sequence.time_axis
        span = (
            f"{format_time(float(time[0]), sequence.time_label)} … {format_time(float(time[-1]), sequence.time_label)}"
            if sequence.time is not None
            else "time axis: step number"
        )
        text = f"T = {plural(sequence.steps, 'step')} × D = {plural(sequence.input_size, 'input')} · {escape(span)}"
        if self.expected_inputs is not None and sequence.input_size != self.expected_inputs:
            text += (
                f"<br><i>The network reads {plural(self.expected_inputs, 'input')}: you will be asked about "
                "its input layer.</i>"
            )
        self.summary.setText(text)
        ok.setEnabled(True)
