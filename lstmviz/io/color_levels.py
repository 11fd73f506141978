"""The one rule for colour ranges, shared by the app's views and the exported figures (no Qt here).

Gates live in [0, 1]; signed quantities get a range symmetric around zero, at least [-1, 1], rounded up to a "nice"
bound so a colour bar moves only in steps while values change, and a value has one colour in every view and figure.
"""

from __future__ import annotations

import math

import numpy as np

NICE_MANTISSAS: tuple[float, ...] = (1.0, 1.25, 1.5, 2.0, 2.5, 3.0, 4.0, 5.0, 6.0, 8.0, 10.0)


def nice_ceiling(value: float) -> float:
    """``value`` rounded up to 1, 1.25, 1.5, 2, 2.5, 3, 4, 5, 6 or 8 x 10^k."""
    if not math.isfinite(value) or value <= 0:
        return 1.0
    scale = 10.0 ** math.floor(math.log10(value))
    return scale * next(m for m in NICE_MANTISSAS if m * scale >= value * (1 - 1e-12))


def symmetric_levels(bound: float) -> tuple[float, float]:
    """(-b, b) with b = nice_ceiling(bound), at least 1."""
    if not math.isfinite(bound) or bound <= 1.0:
        return -1.0, 1.0
    nice = nice_ceiling(bound)
    return -nice, nice


def symmetric_levels_of(values: np.ndarray | None) -> tuple[float, float]:
    """:func:`symmetric_levels` of the largest finite |value| (NaN and inf ignored)."""
    bound = 1.0
    if values is not None and np.size(values):
        finite = np.abs(np.asarray(values)[np.isfinite(values)])
        if finite.size:
            bound = max(bound, float(finite.max()))
    return symmetric_levels(bound)
