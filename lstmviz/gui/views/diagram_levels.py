"""Colour levels of the diagram's strips, read from the compute service (no Qt widgets).

Gates use [0, 1]; signed vectors a range symmetric around zero over the steps computed so far, kept per trace array
by :meth:`~lstmviz.model.compute.ComputeService.levels` (the one rule every view and figure uses), which scans only
newly filled steps as a background trace arrives.
"""

from __future__ import annotations

from collections.abc import Callable

from ...engine.trace import trace_key
from ...model.document import Document

ALIASES = {"h_prev": "h", "c_prev": "c"}
"""Strips that show a state one step earlier share that state's scale."""


def strip_levels(document: Document, layer: int, signed: Callable[[str], bool]) -> dict[str, tuple[float, float]]:
    """Levels for every strip key of ``layer``: the trace array behind each strip, measured by the service."""
    network, trace = document.network, document.trace
    sources = {key: trace_key(key, layer) for key in network.spec.trace_keys()}
    sources["x"] = "x" if layer == 0 else trace_key("h", layer - 1)
    if trace is not None and "y" in trace:
        sources["y"] = "y"
    levels = {name: document.compute.levels(key) if signed(name) else (0.0, 1.0) for name, key in sources.items()}
    for alias, source in ALIASES.items():
        if source in levels:
            levels[alias] = levels[source]
    return levels
