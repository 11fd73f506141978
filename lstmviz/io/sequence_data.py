"""The one in-memory form of an input sequence, whatever file or generator it came from."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass(frozen=True)
class SequenceData:
    """An input sequence: values (T, D) plus what is needed to label plots.

    ``time`` is the file's own time axis (years, seconds, step numbers) when it had one, else ``None`` and plots
    use the step index. ``input_labels`` name the D input columns (CSV headers, or the characters of a one-hot
    text vocabulary). ``notices`` are things the loader did that the user should hear about (skipped columns,
    interpolated values).
    """

    values: np.ndarray
    time: np.ndarray | None = None
    time_label: str = "step"
    input_labels: tuple[str, ...] = ()
    source: str = ""
    """File name or generator description, for titles."""
    vocabulary: tuple[str, ...] | None = None
    """For text read as one-hot characters: the character of each input unit."""
    text: str | None = None
    notices: tuple[str, ...] = field(default=())

    def __post_init__(self) -> None:
        values = np.asarray(self.values, dtype=np.float64)
        if values.ndim == 1:
            values = values[:, None]
        values = np.ascontiguousarray(values)
        values.setflags(write=False)
        object.__setattr__(self, "values", values)
        if self.time is not None:
            time = np.ascontiguousarray(np.asarray(self.time, dtype=np.float64))
            time.setflags(write=False)
            object.__setattr__(self, "time", time)
        if not self.input_labels:
            d = values.shape[1]
            labels = ("x",) if d == 1 else tuple(f"x{k}" for k in range(d))
            object.__setattr__(self, "input_labels", labels)

    @property
    def steps(self) -> int:
        return int(self.values.shape[0])

    @property
    def input_size(self) -> int:
        return int(self.values.shape[1])

    @property
    def time_axis(self) -> np.ndarray:
        """The time of each step: the file's own axis, or 0..T-1."""
        return self.time if self.time is not None else np.arange(self.steps, dtype=np.float64)
