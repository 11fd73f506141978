"""Colour levels of the diagram's strips, scanned once per computed step (no Qt widgets).

Gates use [0, 1]; signed vectors a range symmetric around zero over the whole sequence (``colors.default_levels``:
at least [-1, 1]). A background recompute fills the trace chunk by chunk, so the largest |value| is kept per key and
only the newly filled steps are scanned: rescanning the whole trace per chunk would cost O(T^2), and one full scan
at the end would stall the GUI thread on long sequences.
"""

from __future__ import annotations

import math
from collections.abc import Callable

import numpy as np

from ...engine.network import Network
from ...engine.trace import Trace, trace_key
from ..colors import default_levels

ALIASES = {"h_prev": "h", "c_prev": "c"}
"""Strips that show a state one step earlier share that state's scale."""


class LevelTracker:
    """Largest |value| per strip key for the trace of one generation and layer, updated as steps arrive."""

    def __init__(self) -> None:
        self._identity: tuple[object, ...] | None = None
        self._done = 0
        self._bounds: dict[str, float] = {}

    def levels(
        self, network: Network, trace: Trace, layer: int, generation: int, ready: int, signed: Callable[[str], bool]
    ) -> dict[str, tuple[float, float]]:
        """Levels for every strip key, after scanning steps [previously scanned, ready) of ``trace``."""
        identity = (generation, layer, network.cell, network.hidden_size, trace.steps)
        if identity != self._identity:
            self._identity, self._done, self._bounds = identity, 0, {}
        sources = self._sources(network, trace, layer)
        if ready > self._done:
            for name, array in sources.items():
                chunk = np.asarray(array[self._done : ready])
                if signed(name) and chunk.size:
                    bound = float(max(chunk.max(), -chunk.min()))  # no |x| temporary: this runs over the whole trace
                    if not math.isfinite(bound):  # a NaN or inf somewhere: skip those values
                        finite = np.abs(chunk[np.isfinite(chunk)])
                        bound = float(finite.max()) if finite.size else 0.0
                    self._bounds[name] = max(self._bounds.get(name, 0.0), bound)
            self._done = ready
        levels = {
            name: default_levels(name, np.array([self._bounds.get(name, 0.0)]), signed(name)) for name in sources
        }
        for alias, source in ALIASES.items():
            if source in levels:
                levels[alias] = levels[source]
        return levels

    @staticmethod
    def _sources(network: Network, trace: Trace, layer: int) -> dict[str, np.ndarray]:
        arrays = {key: trace[trace_key(key, layer)] for key in network.spec.trace_keys()}
        arrays["x"] = trace["x"] if layer == 0 else trace[trace_key("h", layer - 1)]
        if "y" in trace:
            arrays["y"] = trace["y"]
        return arrays
