"""The cell's gate diagram with live values (placeholder: being built)."""

from __future__ import annotations

from PySide6.QtWidgets import QGraphicsView, QWidget

from ...model.document import Document


class GateDiagramView(QGraphicsView):
    """The cell's gate diagram with live values."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
