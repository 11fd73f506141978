"""Which view goes where: the central gate diagram and the dock panels, built by name.

Each view's module is imported only when the view is built, so a dock that starts hidden (the Gradients tab) costs
nothing at start-up. A view that fails to import or build is a bug and raises, rather than hiding behind a
placeholder.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from ..model.document import Document

Area = Qt.DockWidgetArea


@dataclass(frozen=True)
class ViewSpec:
    """One view: where it lives, what it is called, and where its dock starts (the window reads placement here)."""

    key: str
    title: str
    module: str
    cls: str
    area: Area
    tooltip: str
    split_from: str = ""
    """Start beside this (earlier) dock, sharing its area side by side, instead of on its own in ``area``."""
    tab_with: str = ""
    """Start as a tab behind this (earlier) dock."""


CENTRAL = ViewSpec(
    "diagram",
    "Gate diagram",
    "lstmviz.gui.views.gate_diagram",
    "GateDiagramView",
    Area.NoDockWidgetArea,
    "The cell drawn as in the textbooks, with every gate and state at the current step",
)

DOCKS: tuple[ViewSpec, ...] = (
    ViewSpec(
        "model",
        "Model",
        "lstmviz.gui.panels.model_panel",
        "ModelPanel",
        Area.LeftDockWidgetArea,
        "Cell type, sizes and initialiser",
    ),
    ViewSpec(
        "sequence",
        "Sequence",
        "lstmviz.gui.panels.sequence",
        "SequencePanel",
        Area.LeftDockWidgetArea,
        "The input sequence: open, type or generate one",
    ),
    ViewSpec(
        "numbers",
        "Numbers",
        "lstmviz.gui.panels.numbers",
        "NumbersPanel",
        Area.RightDockWidgetArea,
        "Each equation with the selected unit's numbers at the current step",
    ),
    ViewSpec(
        "weights",
        "Weights",
        "lstmviz.gui.panels.weights",
        "WeightsPanel",
        Area.RightDockWidgetArea,
        "Weight matrices and biases: click or drag to edit",
    ),
    ViewSpec(
        "heatmaps",
        "Heatmaps",
        "lstmviz.gui.views.heatmaps",
        "HeatmapsView",
        Area.BottomDockWidgetArea,
        "Every gate and state over time (units x steps)",
    ),
    ViewSpec(
        "unit_plots",
        "Unit plots",
        "lstmviz.gui.views.unit_plots",
        "UnitPlotsView",
        Area.BottomDockWidgetArea,
        "Line plots of the selected units over time",
        split_from="heatmaps",
    ),
    # Gradients share the unit plots' place (both are curves over time): the heatmaps keep their full height, with
    # no tab bar under their rows.
    ViewSpec(
        "gradients",
        "Gradients",
        "lstmviz.gui.views.gradients",
        "GradientsView",
        Area.BottomDockWidgetArea,
        "Gradients through time (backpropagation through time)",
        tab_with="unit_plots",
    ),
    ViewSpec(
        "train",
        "Train",
        "lstmviz.gui.panels.train_panel",
        "TrainPanel",
        Area.BottomDockWidgetArea,
        "Train the network on a task and watch the loss fall",
        tab_with="gradients",
    ),
)


def load_class(spec: ViewSpec) -> type[QWidget]:
    """The view class, imported on first use."""
    return getattr(importlib.import_module(spec.module), spec.cls)


def build_view(spec: ViewSpec, document: Document, parent: QWidget | None = None) -> QWidget:
    """Construct ``spec``'s view on ``document``, named and with its tooltip."""
    widget = load_class(spec)(document, parent)
    widget.setObjectName(f"view_{spec.key}")
    if not widget.toolTip():
        widget.setToolTip(spec.tooltip)
    return widget
