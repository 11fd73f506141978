"""Type, generate or inspect the input sequence (placeholder: being built)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget, QWidget

from ...model.document import Document


class SequencePanel(QWidget):
    """Type, generate or inspect the input sequence."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
