"""What a figure shows, as plain data: which panels, their names and equations, colour ranges, and the time axis.

Kept apart from :mod:`lstmviz.io.figures` (which draws with matplotlib) so the choices (panel list, colour range,
downsampling) are testable without a renderer and the drawing code stays a thin loop over panels.

Long traces are reduced for display: when a panel has more than ``max_columns`` steps, consecutive steps are
grouped into equal blocks of ``ceil(T / max_columns)`` steps and each block is shown as its mean (the last block
may be shorter). Block means keep gates inside [0, 1] and states inside their range, and cost one pass
(``np.add.reduceat``) with no copy of the full array. The figure says when it did this.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

import numpy as np

from ..engine.network import Network
from ..engine.trace import Trace
from .color_levels import symmetric_levels_of
from .errors import ExportError
from .sequence_data import SequenceData

SHOW_CHOICES: tuple[str, ...] = ("gates", "cell", "hidden", "output", "grad", "all")
DEFAULT_MAX_COLUMNS = 4000
_KEY_WITH_LAYER = re.compile(r"^([a-z]+)_l(\d+)$")


@dataclass(frozen=True)
class QuantityPanel:
    """One units x time heatmap: a trace key with its label, equation and colour range."""

    key: str
    """Full trace key, e.g. ``f_l0`` or ``y``, or ``cec_l0`` for the LSTM's forget-gate product."""
    name: str
    """E.g. ``forget gate f_t (layer 0)``."""
    equation: str
    signed: bool
    """Diverging colour map centred on 0 when True, sequential on [0, 1] otherwise."""
    levels: tuple[float, float]
    log: bool = False
    """Logarithmic colour scale (gradient products spanning many decades)."""
    symbol: str = ""
    """Short label for the unit line plots' axis, e.g. ``f_t``."""


@dataclass(frozen=True)
class CurvePanel:
    """Per-step curves (one per layer) on a log axis: the BPTT norms."""

    keys: tuple[str, ...]
    name: str
    equation: str
    labels: tuple[str, ...]


Panel = QuantityPanel | CurvePanel


def block_reduce(values: np.ndarray, max_columns: int = DEFAULT_MAX_COLUMNS) -> tuple[np.ndarray, int]:
    """Block means along axis 0 so at most ``max_columns`` rows remain; returns (reduced, block size).

    An array that already fits is returned as is (no copy), with block size 1.
    """
    steps = values.shape[0]
    block = max(1, math.ceil(steps / max(1, max_columns)))
    if block == 1:
        return values, 1
    starts = np.arange(0, steps, block)
    sums = np.add.reduceat(values, starts, axis=0)
    counts = np.diff(np.append(starts, steps)).astype(np.float64)
    counts = counts.reshape((-1,) + (1,) * (values.ndim - 1))
    return sums / counts, block


@dataclass(frozen=True)
class DisplayTime:
    """The time axis as drawn: one centre per shown column, the heatmap's edges, and whether steps are evenly
    spaced (then a plain image is exact; otherwise each column is placed at its own time)."""

    centers: np.ndarray
    extent: tuple[float, float]
    uniform: bool
    block: int
    """Steps averaged into one shown column (1: none)."""


def display_time(time: np.ndarray, max_columns: int) -> DisplayTime:
    """Block means of ``time`` like the data's, the edges around it, and the evenness of its spacing."""
    centers, block = block_reduce(time, max_columns)
    steps = np.diff(time)
    uniform = time.size < 3 or bool(np.allclose(steps, np.median(steps), rtol=1e-3, atol=0.0))
    return DisplayTime(centers, time_extent(time), uniform, block)


def time_extent(time: np.ndarray) -> tuple[float, float]:
    """(left, right) edges of the heatmap so each step's column is centred on its own time."""
    if time.size == 1:
        return float(time[0]) - 0.5, float(time[0]) + 0.5
    half = 0.5 * float(np.median(np.diff(time)))
    return float(time[0]) - half, float(time[-1]) + half


def is_unit_interval(network: Network, quantity: str) -> bool:
    """True when ``quantity`` lies in [0, 1] by construction (sigmoid gates, sigmoid/softmax outputs)."""
    if quantity == "y":
        return network.output_activation in ("sigmoid", "softmax")
    if quantity == "h" and network.cell == "rnn":
        return network.nonlinearity == "sigmoid"
    spec = network.spec
    if quantity in spec.gate_keys:
        return spec.gate(quantity).nonlinearity == "sigmoid"
    return False


def describe_quantity(network: Network, quantity: str, layer: int) -> tuple[str, str, str]:
    """(name, equation, symbol) for a panel, from the cell spec (``spec.describe``), e.g.
    ('forget gate f_t', 'f_t = sigma(...)', 'f_t')."""
    if quantity == "y":
        act = network.output_activation
        inner = "W_o h_t + b_o"
        return "output y_t", (f"y_t = {inner}" if act == "identity" else f"y_t = {act}({inner})"), "y_t"
    title, symbol, equation = network.spec.describe(quantity)
    if network.cell == "rnn":
        equation = equation.replace("act(", f"{network.nonlinearity}(")
    name = f"{title} {symbol}"
    if network.num_layers > 1:
        name += f" (layer {layer})"
    return name, equation, symbol


def key_layer(key: str) -> int | None:
    """``key_layer("c_l1") == 1``; None for keys without a layer (``y``, ``f``)."""
    match = _KEY_WITH_LAYER.match(key)
    return int(match.group(2)) if match else None


def _show_quantities(network: Network, show: str, has_grads: bool) -> list[str]:
    spec = network.spec
    if show == "gates":
        return list(spec.gate_keys) or ["h"]  # a vanilla RNN has no gates: its one "gate" is h
    if show == "cell":
        if not spec.has_cell_state:
            raise ExportError(f"--show cell: a {spec.title} has no cell state; only the LSTM has C_t")
        return ["c"]
    if show == "hidden":
        return ["h"]
    if show == "output":
        if not network.has_output:
            raise ExportError("--show output: this network has no output layer (no fc.weight in its weights)")
        return ["y"]
    if show == "grad":
        return ["grad"]
    if show == "all":
        keys = list(spec.trace_keys()) + (["y"] if network.has_output else [])
        return keys + (["grad"] if has_grads else [])
    raise ExportError(f"unknown --show value {show!r}; choose one of {', '.join(SHOW_CHOICES)} or quantity keys")


def plan_panels(
    trace: Trace,
    network: Network,
    show: str | Sequence[str],
    layer: int,
    grads: Mapping[str, Any] | None,
) -> list[Panel]:
    """The panels a figure draws for ``show`` (a group name or a list of quantity keys such as ``f`` or ``c_l1``)."""
    if not 0 <= layer < network.num_layers:
        raise ExportError(f"--layer {layer}: the network has {network.num_layers} layer(s), numbered from 0")
    entries: list[str] = []
    for item in [show] if isinstance(show, str) else list(show):
        if item in SHOW_CHOICES:
            entries += _show_quantities(network, item, grads is not None)
        else:
            entries.append(item)
    panels: list[Panel] = []
    for entry in entries:
        if entry == "grad":
            panels += _grad_panels(network, layer)
            continue
        match = _KEY_WITH_LAYER.match(entry)
        quantity, at = (match.group(1), int(match.group(2))) if match else (entry, layer)
        key = "y" if quantity == "y" else f"{quantity}_l{at}"
        if key not in trace:
            known = ", ".join(network.spec.trace_keys()) + (", y" if network.has_output else "")
            raise ExportError(f"no quantity {entry!r} in this {network.spec.title} trace; known: {known}")
        name, equation, symbol = describe_quantity(network, quantity, at)
        unit = is_unit_interval(network, quantity)
        levels = (0.0, 1.0) if unit else symmetric_levels_of(trace[key])
        panels.append(QuantityPanel(key, name, equation, signed=not unit, levels=levels, symbol=symbol))
    return panels


def _grad_panels(network: Network, layer: int) -> list[Panel]:
    """BPTT: ||dL/dh_t|| and ||dh_T/dh_t|| per layer, and for the LSTM the forget-gate product along C_t."""
    layers = range(network.num_layers)
    labels = tuple(f"layer {k}" for k in layers)
    panels: list[Panel] = [
        CurvePanel(tuple(f"grad_norm_h_l{k}" for k in layers), "gradient norm ||dL/dh_t||", "dL/dh_t by BPTT", labels),
        CurvePanel(
            tuple(f"jacobian_norm_l{k}" for k in layers),
            "Jacobian norm ||dh_T/dh_t||",
            "vanishing when it falls with T - t, exploding when it grows",
            labels,
        ),
    ]
    if network.spec.has_cell_state:
        suffix = f" (layer {layer})" if network.num_layers > 1 else ""
        panels.append(
            QuantityPanel(
                f"cec_l{layer}",
                "constant error carousel: forget-gate product along C" + suffix,
                "dC_T/dC_t along the cell state = f_{t+1} * ... * f_T",
                signed=False,
                levels=(1e-8, 1.0),
                log=True,
                symbol="f product",
            )
        )
    return panels


def select_steps(steps: slice | None, total: int) -> slice:
    """A validated step range (negative and open ends allowed, as in Python slicing), never empty."""
    chosen = steps or slice(None)
    if chosen.step not in (None, 1):
        raise ExportError("--steps takes A:B without a stride")
    start, stop, _ = chosen.indices(total)
    if stop <= start:
        raise ExportError(f"--steps {chosen.start}:{chosen.stop} selects no step of the {total} in the sequence")
    return slice(start, stop)


def check_units(units: Sequence[int] | None, hidden_size: int) -> tuple[int, ...]:
    """The units to draw as lines, each checked against H."""
    chosen = tuple(int(u) for u in (units or ()))
    for unit in chosen:
        if not 0 <= unit < hidden_size:
            raise ExportError(f"--units: unit {unit} does not exist; the network has units 0 to {hidden_size - 1}")
    return chosen


def default_title(network: Network, sequence: SequenceData | None, layer: int) -> str:
    """``LSTM, D=1, H=8, 1 layer - data.csv``: the title naming cell, sizes and source file."""
    text = network.describe()
    if network.num_layers > 1:
        text += f", showing layer {layer}"
    if sequence is not None and sequence.source:
        text += f"  -  {sequence.source}"
    return text


CRISP_MIN_PIXELS = (1000, 200)
"""(time, units): embedded heatmap images in SVG/PDF are at least this many pixels, by repeating cells."""


def crisp_blocks(shown: np.ndarray) -> np.ndarray:
    """Repeat each cell into a block of identical pixels, so viewers that smooth embedded images (Qt, many PDF
    readers ignore SVG's ``image-rendering: pixelated``) still show sharp unit rows and step columns."""
    steps, units = shown.shape
    along_time = -(-CRISP_MIN_PIXELS[0] // steps) if steps < CRISP_MIN_PIXELS[0] else 1
    along_units = -(-CRISP_MIN_PIXELS[1] // units) if units < CRISP_MIN_PIXELS[1] else 1
    if along_time == 1 and along_units == 1:
        return shown
    return np.repeat(np.repeat(shown, along_time, axis=0), along_units, axis=1)


LOG_DECADES = 20
"""Log axes span at most this many decades below the curve's peak; smaller positive values sit on the floor."""


def log_floor(values: np.ndarray) -> np.ndarray:
    """Positive values below peak * 10**-LOG_DECADES raised to that floor (a vanished gradient, drawn as such).

    Without a floor a gradient that decays to 1e-300 asks the log axis for hundreds of decades, which helps
    nobody and overflows matplotlib's tick formatter. Exact zeros stay zero (masked on the log axis).
    """
    positive = values > 0
    if not np.any(positive):
        return values
    floor = float(values[positive].max()) * 10.0**-LOG_DECADES
    return np.where(positive, np.maximum(values, floor), values)
