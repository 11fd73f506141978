"""Docks that fit a laptop screen: panels scroll inside their dock instead of pushing the window wider or taller.

A dock's minimum size is its content's: the Model and Sequence forms (about 650 px tall together), the Weights
panel's blocks (wider with every unit) and the Train form added up to a main window of at least 1049 x 745, off
a 1024 x 700 screen. Wrapped in a scroll area, a panel keeps its own size and the dock can be smaller; a scroll
bar appears where the dock cuts it.
"""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QFrame, QScrollArea, QWidget

SCROLLED_DOCKS: frozenset[str] = frozenset({"model", "sequence", "numbers", "weights", "train"})
"""The form-like panels: their content has a natural size and scrolls. Plots and heatmaps shrink instead."""
SMALLEST_DOCK = (160, 90)
"""The least a scrolled dock keeps (width, height): a strip one can still read and scroll."""


def dock_content(key: str, view: QWidget) -> QWidget:
    """What the dock for ``key`` holds: the view itself, or a scroll area around it for the form-like panels."""
    if key not in SCROLLED_DOCKS:
        return view
    area = QScrollArea()
    area.setObjectName(f"scroll_{key}")
    area.setFrameShape(QFrame.Shape.NoFrame)
    area.setWidgetResizable(True)  # the panel fills the dock when there is room, and scrolls when there is not
    area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAsNeeded)
    area.setMinimumSize(*SMALLEST_DOCK)
    area.setWidget(view)
    area.setFocusProxy(view)
    return area
