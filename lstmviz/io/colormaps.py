"""The colour maps, defined once for the app (pyqtgraph) and the figures (matplotlib).

Sigmoid gates in [0, 1] use viridis (both libraries ship the same table). Signed quantities use matplotlib's
``RdBu_r``: ColorBrewer's 11-class RdBu, reversed (blue for negative, white at zero, red for positive), linearly
interpolated. The app builds its map from the same stops, so a value has one colour in the window and in a figure.
"""

from __future__ import annotations

SEQUENTIAL_NAME = "viridis"
DIVERGING_NAME = "RdBu_r"
"""matplotlib's name for :data:`DIVERGING_STOPS`."""

DIVERGING_STOPS: tuple[tuple[int, int, int], ...] = (
    (5, 48, 97),
    (33, 102, 172),
    (67, 147, 195),
    (146, 197, 222),
    (209, 229, 240),
    (247, 247, 247),
    (253, 219, 199),
    (244, 165, 130),
    (214, 96, 77),
    (178, 24, 43),
    (103, 0, 31),
)
"""ColorBrewer RdBu (11 classes) from its blue end to its red end, evenly spaced on [0, 1]."""


def diverging_positions() -> list[float]:
    """Where each stop sits on [0, 1]."""
    last = len(DIVERGING_STOPS) - 1
    return [k / last for k in range(len(DIVERGING_STOPS))]
