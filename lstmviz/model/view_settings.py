"""How the session is shown, as typed fields: what a workspace keeps besides the network and the sequence.

Why typed: a ``dict[str, Any]`` with string keys let every view invent keys and read back whatever a file held. Here
each setting has one name, one type and one default; a workspace stores them under their historical keys
(``"heatmaps.hidden"``, ...) so files written before keep opening, and values of the wrong type are dropped on
reading rather than reaching a view. Settings this version does not know are kept in ``extra`` and written back
unchanged, so a newer version's workspace survives a round trip through this one.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Any

DEFAULT_SPEED = 30
"""Playback speed in steps per second."""


@dataclass(frozen=True)
class InputScaling:
    """How the open file's inputs were scaled: ``x_file = x_shown * scale + offset`` per column."""

    method: str
    offset: tuple[float, ...] = ()
    scale: tuple[float, ...] = ()


@dataclass(frozen=True)
class ViewSettings:
    hidden_heatmaps: tuple[str, ...] = ()
    """Quantities (trace keys, or ``"x"`` for the input) switched off in the heatmaps."""
    unit_plots: tuple[str, ...] | None = None
    """Quantities plotted per unit; None: the cell's states."""
    input_scaling: InputScaling | None = None
    playback_speed: int = DEFAULT_SPEED
    playback_loop: bool = False
    extra: Mapping[str, Any] = field(default_factory=dict)
    """Settings of a newer version, kept as read so they are written back."""

    def replace(self, **changes: Any) -> ViewSettings:
        return dataclasses.replace(self, **changes)

    def changed_fields(self, other: ViewSettings) -> tuple[str, ...]:
        return tuple(f.name for f in dataclasses.fields(self) if getattr(self, f.name) != getattr(other, f.name))

    # Workspace files -------------------------------------------------------------------------------------------
    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = dict(self.extra)
        if self.hidden_heatmaps:
            out[KEYS["hidden_heatmaps"]] = list(self.hidden_heatmaps)
        if self.unit_plots is not None:
            out[KEYS["unit_plots"]] = list(self.unit_plots)
        if self.input_scaling is not None:
            s = self.input_scaling
            out[KEYS["input_scaling"]] = {"method": s.method, "offset": list(s.offset), "scale": list(s.scale)}
        if self.playback_speed != DEFAULT_SPEED:
            out[KEYS["playback_speed"]] = self.playback_speed
        if self.playback_loop:
            out[KEYS["playback_loop"]] = True
        return out

    @classmethod
    def from_dict(cls, data: Mapping[str, Any] | None) -> ViewSettings:
        """Read what a workspace stored; a value of the wrong type is dropped (its default applies)."""
        data = dict(data or {})
        values: dict[str, Any] = {}
        names = _strings(data.pop(KEYS["hidden_heatmaps"], None))
        if names is not None:
            values["hidden_heatmaps"] = names
        plots = _strings(data.pop(KEYS["unit_plots"], None))
        if plots is not None:
            values["unit_plots"] = plots
        scaling = _scaling(data.pop(KEYS["input_scaling"], None))
        if scaling is not None:
            values["input_scaling"] = scaling
        speed = data.pop(KEYS["playback_speed"], None)
        if isinstance(speed, int) and not isinstance(speed, bool) and 1 <= speed <= 10_000:
            values["playback_speed"] = speed
        loop = data.pop(KEYS["playback_loop"], None)
        if isinstance(loop, bool):
            values["playback_loop"] = loop
        return cls(**values, extra=data)


KEYS = {
    "hidden_heatmaps": "heatmaps.hidden",
    "unit_plots": "unit_plots.shown",
    "input_scaling": "sequence.scaling",
    "playback_speed": "playback.speed",
    "playback_loop": "playback.loop",
}
"""Each field's key in a workspace file (the keys files have always used)."""


def _strings(value: Any) -> tuple[str, ...] | None:
    if isinstance(value, list | tuple) and all(isinstance(v, str) for v in value):
        return tuple(value)
    return None


def _numbers(value: Any) -> tuple[float, ...] | None:
    if isinstance(value, list | tuple) and all(isinstance(v, int | float) and not isinstance(v, bool) for v in value):
        return tuple(float(v) for v in value)
    return None


def _scaling(value: Any) -> InputScaling | None:
    if not isinstance(value, Mapping) or not isinstance(value.get("method"), str):
        return None
    offset, scale = _numbers(value.get("offset", [])), _numbers(value.get("scale", []))
    if offset is None or scale is None or len(offset) != len(scale):
        return None
    return InputScaling(value["method"], offset, scale)
