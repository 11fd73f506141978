"""The keyboard's path through the main window: Tab walks the panels in the order they sit on the screen.

Qt's default order is the order the widgets were made in (the diagram, then every dock, the toolbar last), and the
"Type numbers" box swallowed Tab as a character, so a keyboard user got stuck in it. Here the chain is rebuilt
panel by panel, each panel keeping its own inner order, and no text box keeps Tab for itself.
"""

from __future__ import annotations

from itertools import pairwise
from typing import TYPE_CHECKING

from PySide6.QtCore import Qt
from PySide6.QtGui import QPalette
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QGraphicsView,
    QPlainTextEdit,
    QScrollArea,
    QTabBar,
    QTextEdit,
    QWidget,
)

if TYPE_CHECKING:
    from .main_window import MainWindow

PANEL_ORDER: tuple[str, ...] = (
    "toolbar",
    "model",
    "sequence",
    "diagram",
    "heatmaps",
    "unit_plots",
    "dock_tabs",
    "gradients",
    "train",
    "numbers",
    "weights",
)
"""Top to bottom, left to right: toolbar, the left column, the centre and the panels under it (with the tabs that
pick one of them), the right column."""


def panel_of(window: MainWindow, widget: QWidget) -> str:
    """The panel (``PANEL_ORDER`` name) that holds ``widget``, or "" for the window's own parts."""
    for key, view in window.views.items():
        if view is widget or view.isAncestorOf(widget):
            return key
    if isinstance(widget, QTabBar) and widget.parentWidget() is window:
        return "dock_tabs"
    return "toolbar" if window.toolbar.isAncestorOf(widget) else ""


FOCUS_FRAME = "QGraphicsView {{ border: 2px solid transparent; }} QGraphicsView:focus {{ border: 2px solid {color}; }}"
"""Plots and the diagram draw no focus frame of their own: a highlight-coloured border shows where the keys go."""


def mark_focus(view: QGraphicsView) -> None:
    """Give ``view`` a visible focus marker (once; the colour is the palette's highlight)."""
    if view.property("lstmviz_focus_frame"):
        return
    view.setProperty("lstmviz_focus_frame", True)
    view.setStyleSheet(FOCUS_FRAME.format(color=view.palette().color(QPalette.ColorRole.Highlight).name()))


def focus_chain(window: QWidget) -> list[QWidget]:
    """Every widget Tab can stop at, in the window's current focus-chain order (hidden ones included)."""
    chain: list[QWidget] = []
    widget = window.nextInFocusChain()
    while widget is not None and widget is not window and widget not in chain:
        if widget.focusPolicy() & Qt.FocusPolicy.TabFocus:
            chain.append(widget)
        widget = widget.nextInFocusChain()
    return chain


def order_focus(window: MainWindow) -> None:
    """Tab through the panels in ``PANEL_ORDER``; text boxes pass Tab on; scroll frames are not a stop of their own.

    Call again when a panel builds new widgets (a lazy dock, a new model's weight blocks): new widgets join the
    chain at its end.
    """
    for box in window.findChildren(QPlainTextEdit) + window.findChildren(QTextEdit):
        box.setTabChangesFocus(True)
    for view in window.findChildren(QGraphicsView):
        mark_focus(view)
    for area in window.findChildren(QScrollArea):
        if area.widget() in window.views.values():
            area.setFocusPolicy(Qt.FocusPolicy.NoFocus)  # the panel's own widgets take focus; the frame scrolls
    chain = focus_chain(window)
    groups: dict[str, list[QWidget]] = {}
    for widget in chain:
        parent = widget.parentWidget()
        if isinstance(parent, QAbstractScrollArea) and parent.viewport() is widget:
            continue  # a graphics view's viewport: the view itself is the stop
        groups.setdefault(panel_of(window, widget), []).append(widget)
    ordered = [w for key in PANEL_ORDER for w in groups.pop(key, [])]
    ordered += [w for rest in groups.values() for w in rest]
    for first, second in pairwise(ordered):
        QWidget.setTabOrder(first, second)
