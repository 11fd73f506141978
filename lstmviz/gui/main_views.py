"""Which view goes where: the central gate diagram and the dock panels, built by name.

The window imports each view lazily and by name, so a view that is missing (still being written) or fails to build
becomes a labelled placeholder instead of taking the whole window down; the error is logged.
"""

from __future__ import annotations

import importlib
import logging
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QLabel, QWidget

from ..model.document import Document

log = logging.getLogger(__name__)

Area = Qt.DockWidgetArea


@dataclass(frozen=True)
class ViewSpec:
    """One view: where it lives, what it is called, and the area its dock starts in."""

    key: str
    title: str
    module: str
    cls: str
    area: Area
    tooltip: str


CENTRAL = ViewSpec(
    "diagram", "Gate diagram", "lstmviz.gui.views.gate_diagram", "GateDiagramView", Area.NoDockWidgetArea,
    "The cell drawn as in the textbooks, with every gate and state at the current step",
)

DOCKS: tuple[ViewSpec, ...] = (
    ViewSpec("model", "Model", "lstmviz.gui.panels.model_panel", "ModelPanel", Area.LeftDockWidgetArea,
             "Cell type, sizes and initialiser"),
    ViewSpec("sequence", "Sequence", "lstmviz.gui.panels.sequence", "SequencePanel", Area.LeftDockWidgetArea,
             "The input sequence: open, type or generate one"),
    ViewSpec("numbers", "Numbers", "lstmviz.gui.panels.numbers", "NumbersPanel", Area.RightDockWidgetArea,
             "Each equation with the selected unit's numbers at the current step"),
    ViewSpec("weights", "Weights", "lstmviz.gui.panels.weights", "WeightsPanel", Area.RightDockWidgetArea,
             "Weight matrices and biases: click or drag to edit"),
    ViewSpec("heatmaps", "Heatmaps", "lstmviz.gui.views.heatmaps", "HeatmapsView", Area.BottomDockWidgetArea,
             "Every gate and state over time (units x steps)"),
    ViewSpec("unit_plots", "Unit plots", "lstmviz.gui.views.unit_plots", "UnitPlotsView", Area.BottomDockWidgetArea,
             "Line plots of the selected units over time"),
    ViewSpec("gradients", "Gradients", "lstmviz.gui.views.gradients", "GradientsView", Area.BottomDockWidgetArea,
             "Gradients through time (backpropagation through time)"),
)


def load_class(spec: ViewSpec) -> type[QWidget] | None:
    """The view class, or None when its module is not there yet."""
    try:
        module = importlib.import_module(spec.module)
    except ImportError as error:
        log.info("view %s not available: %s", spec.key, error)
        return None
    return getattr(module, spec.cls, None)


def build_view(spec: ViewSpec, document: Document, parent: QWidget | None = None) -> QWidget:
    """Construct ``spec``'s view on ``document``; a placeholder label if it cannot be built."""
    cls = load_class(spec)
    if cls is not None:
        try:
            widget = cls(document, parent)
        except Exception:  # a colleague's view failing must not stop the app from starting
            log.exception("could not build the %s view", spec.key)
        else:
            widget.setObjectName(f"view_{spec.key}")
            if not widget.toolTip():
                widget.setToolTip(spec.tooltip)
            return widget
    label = QLabel(f"{spec.title}\n(not available in this build)", parent)
    label.setAlignment(Qt.AlignmentFlag.AlignCenter)
    label.setEnabled(False)
    label.setObjectName(f"view_{spec.key}")
    return label
