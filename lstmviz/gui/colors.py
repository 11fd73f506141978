"""Colour scales shared by every view, so a value has the same colour in the diagram, heatmaps and weights.

Gates live in [0, 1] (sigmoid) and get a sequential, perceptually uniform map; signed quantities (C~_t, h_t, C_t,
weights) get a diverging map centred on zero.
"""

from __future__ import annotations

import numpy as np
import pyqtgraph as pg
from PySide6.QtGui import QColor

from ..io.color_levels import nice_ceiling, symmetric_levels, symmetric_levels_of
from ..io.colormaps import DIVERGING_STOPS, SEQUENTIAL_NAME, diverging_positions

__all__ = ["nice_ceiling", "symmetric_levels", "symmetric_levels_of"]  # re-exported for the views

_MAPS: dict[bool, pg.ColorMap] = {}


def colormap_for(signed: bool) -> pg.ColorMap:
    """pyqtgraph ColorMap: diverging for signed quantities, sequential for [0, 1] gates (the figures' maps)."""
    if signed not in _MAPS:
        _MAPS[signed] = (
            pg.ColorMap(diverging_positions(), [(*rgb, 255) for rgb in DIVERGING_STOPS], name="lstmviz-diverging")
            if signed
            else pg.colormap.get(SEQUENTIAL_NAME)
        )
    return _MAPS[signed]


def is_signed_quantity(quantity: str, nonlinearity: str | None = None) -> bool:
    """True for quantities that can be negative (h, c, g, n, weights, gradients); False for sigmoid gates."""
    if nonlinearity is not None:
        return nonlinearity != "sigmoid"
    return quantity not in {"i", "f", "o", "r", "z"}


def default_levels(quantity: str, values: np.ndarray | None = None, signed: bool | None = None) -> tuple[float, float]:
    """Colour range: [0, 1] for gates, symmetric around 0 for signed quantities (at least [-1, 1], rounded up).

    Every view (diagram strips, heatmaps, weights) uses this one rule, so a value has one colour everywhere.
    """
    signed = is_signed_quantity(quantity) if signed is None else signed
    if not signed:
        return 0.0, 1.0
    return symmetric_levels_of(values)


def lookup_table(signed: bool, n: int = 256) -> np.ndarray:
    """(n, 4) uint8 RGBA lookup table for ImageItem.setLookupTable."""
    return colormap_for(signed).getLookupTable(0.0, 1.0, n, alpha=True)


def value_to_qcolor(value: float, levels: tuple[float, float], signed: bool) -> QColor:
    """The colour of one value (for strips of cells in the gate diagram)."""
    low, high = levels
    frac = 0.5 if high == low or not np.isfinite(value) else (value - low) / (high - low)
    frac = float(min(max(frac, 0.0), 1.0))
    return colormap_for(signed).map(frac, mode="qcolor")


def text_color_on(background: QColor) -> QColor:
    """Black or white, whichever reads better on ``background``."""
    luminance = 0.2126 * background.redF() + 0.7152 * background.greenF() + 0.0722 * background.blueF()
    return QColor(0, 0, 0) if luminance > 0.5 else QColor(255, 255, 255)
