"""Each equation of the cell with the selected unit's numbers substituted (placeholder: being built)."""

from __future__ import annotations

from PySide6.QtWidgets import QWidget, QWidget

from ...model.document import Document


class NumbersPanel(QWidget):
    """Each equation of the cell with the selected unit's numbers substituted."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
