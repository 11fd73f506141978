"""Cell type, sizes and initialiser (placeholder: being built)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget, QWidget

from ...model.document import Document


class ModelPanel(QWidget):
    """Cell type, sizes and initialiser."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
