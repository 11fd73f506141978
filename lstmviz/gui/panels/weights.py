"""Weight matrices and biases you can grab (placeholder: being built)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget, QWidget

from ...model.document import Document


class WeightsPanel(QWidget):
    """Weight matrices and biases you can grab."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
