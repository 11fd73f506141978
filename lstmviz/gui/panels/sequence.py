"""The input sequence: what it is, a small preview, and ways to replace it (type, open, generate).

Typed numbers go through ``parse_numbers``, typed text through ``text_sequence`` (one-hot characters, optionally
over a fixed vocabulary). A bad input shows the parser's sentence in a dialog and changes nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from html import escape

import numpy as np
import pyqtgraph as pg
from PySide6.QtCore import QSignalBlocker, Qt
from PySide6.QtGui import QShowEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGraphicsItem,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPlainTextEdit,
    QPushButton,
    QTabWidget,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import EngineError
from ...io.errors import SequenceError
from ...io.seq_prepare import NORMALISATIONS, Choice
from ...io.sequence_data import SequenceData
from ...model.document import Document
from ...wording import plural
from ..dialogs.generate import GenerateDialog, PreviewPlot, draw_sequence
from ..dialogs.sequence_import import MISSING_CHOICES, NORMALISE_TEXT
from ..document_binding import DocumentBinding
from ..sequence_import import change_choice, current_import, saturation_hint
from ..step_time import format_time
from ..views.heatmap_common import cache_curve
from .weights import app_file_actions
from .weights_controls import show_error

#: Single-column sequences with at most this many steps are written into the Numbers box to edit by hand; a
#: longer one (240 numbers for the demo) is a wall of digits nobody edits there, so the box stays empty.
PREFILL_STEPS = 50
PANEL_MISSING_TEXT = {"interpolate": "interpolate", "ffill": "previous", "drop": "drop rows"}
"""Short names for the panel's narrow combo (the open dialog says each in full)."""


def describe_sequence(sequence: SequenceData) -> str:
    """Rich text: source, size, time range and input labels."""
    time = sequence.time_axis
    labels = escape(", ".join(sequence.input_labels[:12])) + (" …" if sequence.input_size > 12 else "")
    lines = [
        f"<b>{escape(sequence.source or 'unnamed sequence')}</b>",
        f"T = {plural(sequence.steps, 'step')} × D = {sequence.input_size}  ·  "
        f"{escape(format_time(float(time[0]), sequence.time_label))} … "
        f"{escape(format_time(float(time[-1]), sequence.time_label))}",
        f"inputs: {labels}",
    ]
    lines += [f"<i>{escape(notice)}</i>" for notice in sequence.notices]
    return "<br>".join(lines)


def format_numbers(values: np.ndarray) -> str:
    """Values as a person would type them: one step per line, columns separated by spaces."""
    if values.shape[1] == 1:
        return ", ".join(f"{v:.6g}" for v in values[:, 0])
    return "\n".join(" ".join(f"{v:.6g}" for v in row) for row in values)


class SequencePanel(QWidget):
    """Shows the document's sequence and replaces it from typed numbers, typed text, a file or a generator."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.error_box: QMessageBox | None = None
        self.generate_dialog: GenerateDialog | None = None
        self._prefilled = ""
        self._build()
        self._on_sequence_changed()
        self._binding = DocumentBinding(
            self,
            [
                (document.events.sequence_changed, self._on_sequence_changed),
                (document.events.network_changed, self._on_network_changed),
                (document.events.step_changed, self._on_step_changed),
            ],
        )

    def _build(self) -> None:
        self.info = QLabel(objectName="sequenceInfo")
        self.info.setWordWrap(True)
        self.info.setToolTip("The sequence fed to the network: where it came from, its size, time axis and inputs.")
        self.preview = PreviewPlot(self, height=90)
        self.preview.setObjectName("sequencePreview")
        self.preview.setToolTip("The input sequence (first columns if it is wide); the line marks the current step.")
        self.cursor = pg.InfiniteLine(angle=90, movable=False, pen=pg.mkPen((200, 120, 0), width=1))

        self.numbers_edit = QPlainTextEdit(objectName="sequenceNumbers")
        self.numbers_edit.setPlaceholderText(
            "Type one number per step, e.g.\n0.1, 0.5, -1, 2\n\nor one step per line with one column per input:\n"
            "1 0\n0 1\n\n(short sequences are listed here to edit; longer ones are not)"
        )
        self.numbers_edit.setToolTip("Numbers, one step each: separated by commas or spaces, or one row per line.")
        self.numbers_apply = QPushButton("Apply numbers", objectName="sequenceNumbersApply")
        self.numbers_apply.setToolTip("Use these numbers as the input sequence (undoable).")
        self.numbers_apply.clicked.connect(self.apply_numbers)
        self.text_edit = QPlainTextEdit(objectName="sequenceText")
        self.text_edit.setPlaceholderText("hello world")
        self.text_edit.setToolTip("Text read one character per step, each character a one-hot input.")
        self.vocab_edit = QLineEdit(objectName="sequenceVocabulary")
        self.vocab_edit.setPlaceholderText("vocabulary (optional), e.g. abcdefgh")
        self.vocab_edit.setToolTip(
            "Fixed vocabulary: one input per character, in this order. Empty: the text's own characters."
        )
        self.text_apply = QPushButton("Apply text", objectName="sequenceTextApply")
        self.text_apply.setToolTip("Use this text, one-hot encoded, as the input sequence (undoable).")
        self.text_apply.clicked.connect(self.apply_text)

        self.tabs = QTabWidget(objectName="sequenceTabs")
        self.tabs.setDocumentMode(True)
        self.tabs.addTab(self._tab(self.numbers_edit, self.numbers_apply), "Type numbers")
        self.tabs.addTab(self._tab(self.text_edit, self.vocab_edit, self.text_apply), "Type text")

        self.open_button = QPushButton("Open file…", objectName="sequenceOpen")
        self.open_button.setToolTip("Open a sequence file (csv, tsv, npy, npz, json, txt).")
        self.open_button.clicked.connect(self.open_file)
        self.generate_button = QPushButton("Generate…", objectName="sequenceGenerate")
        self.generate_button.setToolTip("Make a sequence: sine, square, noise, copy task, adding problem, …")
        self.generate_button.clicked.connect(self.open_generator)
        buttons = QHBoxLayout()
        buttons.addWidget(self.open_button)
        buttons.addWidget(self.generate_button)
        self._build_file_controls()
        buttons.addWidget(self.columns_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addWidget(self.info)
        layout.addWidget(self.hint)
        self.preview.setMaximumHeight(240)
        layout.addWidget(self.preview, 1)
        layout.addLayout(buttons)
        layout.addLayout(self.file_controls)
        layout.addWidget(self.tabs, 1)

    def _build_file_controls(self) -> None:
        """Empty cells, normalisation and columns of the file just opened: changed here without reading it again."""
        self.hint = QLabel(objectName="sequenceSaturationHint")
        self.hint.setWordWrap(True)
        self.hint.setStyleSheet("color: #d35400")
        self.hint.hide()
        self.missing_combo = QComboBox(objectName="sequenceMissing")
        self.missing_combo.setToolTip(
            "Empty cells of the open file: interpolate (linear in time), repeat the "
            "previous value, or drop their rows (undoable)"
        )
        for key, text in MISSING_CHOICES:
            self.missing_combo.addItem(PANEL_MISSING_TEXT[key], key)
            self.missing_combo.setItemData(self.missing_combo.count() - 1, text, Qt.ItemDataRole.ToolTipRole)
        self.normalise_combo = QComboBox(objectName="sequenceNormalise")
        self.normalise_combo.setToolTip(
            "Scale each input of the open file, computed on its data (undoable); the axis labels say which"
        )
        for key in NORMALISATIONS:
            self.normalise_combo.addItem(NORMALISE_TEXT[key].split(":")[0].split(" (")[0], key)
        for combo in (self.missing_combo, self.normalise_combo):  # the dock keeps its width for the plots
            combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
            combo.setMinimumContentsLength(5)
        self.columns_button = QPushButton("Columns…", objectName="sequenceColumns")
        self.columns_button.setToolTip(
            "Choose the inputs, the time axis, empty cells and normalisation of the open file"
        )
        self.columns_button.clicked.connect(self.choose_columns)
        self.missing_combo.activated.connect(self._on_file_choice)
        self.normalise_combo.activated.connect(self._on_file_choice)
        self.file_controls = QHBoxLayout()
        self.file_controls.addWidget(QLabel("Gaps:"))
        self.file_controls.addWidget(self.missing_combo, 1)
        self.file_controls.addWidget(QLabel("Scale:"))
        self.file_controls.addWidget(self.normalise_combo, 1)

    @staticmethod
    def _tab(*widgets: QWidget) -> QWidget:
        page = QWidget()
        box = QVBoxLayout(page)
        box.setContentsMargins(0, 4, 0, 0)
        box.setSpacing(4)
        for widget in widgets:
            box.addWidget(widget, 1 if isinstance(widget, QPlainTextEdit) else 0)
        return page

    # Model -> widgets ----------------------------------------------------------------------------------------
    def _on_network_changed(self) -> None:
        hint = saturation_hint(self.document.network, self.document.sequence)
        self.hint.setText(hint)
        self.hint.setVisible(bool(hint))

    def _update_file_controls(self) -> None:
        imported = current_import(self.document)
        gaps = imported is not None and imported.table.gaps > 0
        self.missing_combo.setEnabled(gaps)
        self.normalise_combo.setEnabled(imported is not None)
        self.columns_button.setEnabled(imported is not None)
        reason = "" if imported is not None else " (open a table file to use this)"
        self.columns_button.setStatusTip(reason)
        if imported is not None:
            with QSignalBlocker(self.missing_combo), QSignalBlocker(self.normalise_combo):
                self.missing_combo.setCurrentIndex(max(self.missing_combo.findData(imported.choice.missing), 0))
                self.normalise_combo.setCurrentIndex(max(self.normalise_combo.findData(imported.choice.normalise), 0))

    def _on_sequence_changed(self) -> None:
        sequence = self.document.sequence
        self.info.setText(describe_sequence(sequence))
        self._update_file_controls()
        self._on_network_changed()
        plot = self.preview.getPlotItem()
        draw_sequence(plot, sequence)
        for item in plot.listDataItems():  # the step cursor crosses them on every step: blit, do not re-stroke
            cache_curve(item)
        for name in ("left", "bottom"):
            plot.getAxis(name).setCacheMode(QGraphicsItem.CacheMode.DeviceCoordinateCache)
        plot.addItem(self.cursor, ignoreBounds=True)
        self._on_step_changed(self.document.step)
        if sequence.text is not None:
            self.text_edit.setPlainText(sequence.text)
            self.vocab_edit.setText("".join(sequence.vocabulary or ()))
        # Show the current numbers when short; never overwrite what the user typed and has not applied yet.
        if self.numbers_edit.toPlainText() in ("", self._prefilled):
            short = sequence.values.shape[1] == 1 and sequence.steps <= PREFILL_STEPS
            self._prefilled = format_numbers(sequence.values) if short else ""
            self.numbers_edit.setPlainText(self._prefilled)

    def _on_step_changed(self, step: int) -> None:
        if not self.isVisible():
            return  # a hidden or tabbed-away dock costs nothing during playback; showEvent catches up
        time = self.document.sequence.time_axis
        self.cursor.setValue(float(time[min(step, len(time) - 1)]))

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        self._on_step_changed(self.document.step)

    # Widgets -> model ----------------------------------------------------------------------------------------
    def _apply(self, make: Callable[[], SequenceData], text: str) -> bool:
        """Build a sequence and feed it; any error is shown and nothing changes."""
        try:
            sequence = make()
            self.document.set_sequence(sequence, text=text)
        except (SequenceError, EngineError, ValueError) as error:
            self.error_box = show_error(self, "Cannot use this sequence", str(error))
            return False
        return True

    def apply_numbers(self) -> bool:
        from ...io.sequences import parse_numbers

        return self._apply(lambda: parse_numbers(self.numbers_edit.toPlainText()), "Type numbers")

    def apply_text(self) -> bool:
        from ...io.sequences import text_sequence

        vocab = self.vocab_edit.text() or None
        return self._apply(lambda: text_sequence(self.text_edit.toPlainText(), vocab=vocab), "Type text")

    def open_file(self) -> None:
        actions = app_file_actions(self)
        if actions is None:
            QMessageBox.information(self, "Sequence", "Opening files works inside the main window.")
        else:
            actions.open_dialog()

    def _on_file_choice(self, *_: object) -> None:
        imported = current_import(self.document)
        if imported is None:
            return
        choice = replace(
            imported.choice,
            missing=str(self.missing_combo.currentData()),
            normalise=str(self.normalise_combo.currentData()),
        )
        if choice != imported.choice:
            self._change(choice)

    def choose_columns(self) -> None:
        """The open dialog again, on the table already read."""
        self._change(None)

    def _change(self, choice: Choice | None) -> None:
        try:
            message = change_choice(self, self.document, choice)
        except (SequenceError, EngineError, ValueError) as error:
            self.error_box = show_error(self, "Cannot use this sequence", str(error))
            message = None
        if message is None:
            self._update_file_controls()  # cancelled or refused: the combos show what is in use again
        else:
            status = getattr(self.window(), "statusBar", None)
            if callable(status):
                status().showMessage(message, 8000)

    def open_generator(self) -> GenerateDialog:
        """Open the generator dialog (non-blocking); OK feeds its sequence to the document."""
        dialog = GenerateDialog(self.document, self)
        dialog.accepted.connect(lambda: self._apply(dialog.sequence, dialog.undo_text()))
        self.generate_dialog = dialog
        dialog.open()
        return dialog
