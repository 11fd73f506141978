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
OUTPUT_CURVES_MAX = 4
"""An output layer of up to this many units is drawn as curves (one per unit), a heatmap beyond."""
NEXT_INPUT_MSE_FRACTION = 0.25
"""The output 'predicts the next input' when its squared error against x_{t+1} is below this fraction of the
input's variance: then the figure overlays x_{t+1} on the output curves."""
_KEY_WITH_LAYER = re.compile(r"^([a-z]+)_l(\d+)$")
_FUNCTIONS = {
    "sigma": r"\sigma",
    "sigmoid": r"\sigma",
    "tanh": r"\tanh",
    "relu": r"\mathrm{relu}",
    "softmax": r"\mathrm{softmax}",
    "act": r"\mathrm{act}",
}


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
    curves: bool = False
    """Drawn as one curve per unit instead of a heatmap (an output layer of a few units)."""
    unit_label: str = "hidden unit"
    """What the rows are: ``hidden unit``, ``output unit``."""

    @property
    def hidden(self) -> bool:
        """Whether its rows are the hidden layer's units (the ones ``--units`` selects)."""
        return self.key != "y"


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
    if quantity == "h" and network.spec.activation_choice:
        return network.nonlinearity == "sigmoid"
    spec = network.spec
    if quantity in spec.gate_keys:
        return spec.gate(quantity).nonlinearity == "sigmoid"
    return False


def mathtext(plain: str) -> str:
    """The seed's ASCII notation typeset by matplotlib's mathtext, as the app shows it: ``f_t = sigma(W_if x_t
    + ...)`` -> ``$f_t = \\sigma(W_{if} x_t + ...)$``, ``C~_t`` -> ``$\\tilde{C}_t$``, ``*`` -> ``\\odot``."""
    if not plain:
        return ""
    text = plain.replace("$", r"\$").replace("C~", r"\tilde{C}")
    text = re.sub(r"\b(sigma|sigmoid|tanh|relu|softmax|act)\(", lambda m: _FUNCTIONS[m.group(1)] + "(", text)
    text = re.sub(r"(?<=[A-Za-z}])_([A-Za-z0-9]{2,})", r"_{\1}", text)  # W_if -> W_{if}; h_{t-1} stays
    text = text.replace(" * ", r" \odot ").replace("...", r"\ldots")
    return f"${text}$"


def plain_text(text: str) -> str:
    """A user's text (column names, file names) shown literally: a ``$`` never starts mathtext."""
    return text.replace("$", r"\$")


def predicts_next_input(y: np.ndarray, x: np.ndarray) -> bool:
    """True when y_t follows x_{t+1} (next-value prediction), judged on the data: as many outputs as inputs and
    a squared error below ``NEXT_INPUT_MSE_FRACTION`` of the input's variance."""
    if y.ndim != 2 or x.ndim != 2 or y.shape != x.shape or y.shape[0] < 3:
        return False
    target = x[1:]
    variance = float(np.mean((target - target.mean(axis=0)) ** 2))
    error = float(np.mean((y[:-1] - target) ** 2))
    return variance > 0 and error < NEXT_INPUT_MSE_FRACTION * variance


def describe_quantity(network: Network, quantity: str, layer: int) -> tuple[str, str, str]:
    """(name, equation, symbol) for a panel, from the cell spec (``spec.describe``), typeset with mathtext, e.g.
    ('forget gate $f_t$', '$f_t = \\sigma(...)$', '$f_t$')."""
    if quantity == "y":
        act = network.output_activation
        inner = "W_o h_t + b_o"
        equation = f"y_t = {inner}" if act == "identity" else f"y_t = {act}({inner})"
        return "output $y_t$", mathtext(equation), "$y_t$"
    title, symbol, equation = network.spec.describe(quantity)
    if network.spec.activation_choice:
        equation = equation.replace("act(", f"{network.nonlinearity}(")
    name = f"{title} {mathtext(symbol)}"
    if network.num_layers > 1:
        name += f" (layer {layer})"
    return name, mathtext(equation), mathtext(symbol)


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
        output = quantity == "y"
        panels.append(
            QuantityPanel(
                key,
                name,
                equation,
                signed=not unit,
                levels=levels,
                symbol=symbol,
                curves=output and (network.output_size or 0) <= OUTPUT_CURVES_MAX,
                unit_label="output unit" if output else "hidden unit",
            )
        )
    return panels


def _grad_panels(network: Network, layer: int) -> list[Panel]:
    """BPTT: ||dL/dh_t|| and ||dh_T/dh_t|| per layer, and for the LSTM the forget-gate product along C_t."""
    layers = range(network.num_layers)
    labels = tuple(f"layer {k}" for k in layers)
    panels: list[Panel] = [
        CurvePanel(
            tuple(f"grad_norm_h_l{k}" for k in layers),
            r"gradient norm $\|\partial L/\partial h_t\|$",
            "by backpropagation through time",
            labels,
        ),
        CurvePanel(
            tuple(f"jacobian_norm_l{k}" for k in layers),
            r"Jacobian norm $\|\partial h_T/\partial h_t\|$",
            "vanishing when it falls with T - t, exploding when it grows",
            labels,
        ),
    ]
    if network.spec.has_cell_state:
        suffix = f" (layer {layer})" if network.num_layers > 1 else ""
        panels.append(
            QuantityPanel(
                f"cec_l{layer}",
                "constant error carousel: forget-gate product along $C_t$" + suffix,
                r"$\partial C_T/\partial C_t = f_{t+1} \odot \ldots \odot f_T$",
                signed=False,
                levels=(1e-8, 1.0),
                log=True,
                symbol=r"$\prod f$",
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


def default_title(network: Network, sequence: SequenceData | None, layer: int, edited: bool = False) -> str:
    """``LSTM, D=1, H=8, 1 layer, edited - data.csv``: the title naming cell, sizes, edits and source file."""
    text = network.describe()
    if edited:
        text += ", edited"
    if network.num_layers > 1:
        text += f", showing layer {layer}"
    if sequence is not None and sequence.source:
        text += f"  -  {sequence.source}"
    return plain_text(text)


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


_VISIBLE = {" ": "\u2423", "\n": "\u21b5", "\t": "\u21e5", "\r": "\u240d"}
"""Characters that would be invisible as an axis label: open box for space, return arrows for line ends."""


def character_name(label: str) -> str:
    """How a one-hot input's character is written on an axis: ``a``, ``␣`` for a space, ``↵`` for a newline."""
    if label in _VISIBLE:
        return _VISIBLE[label]
    if len(label) == 1 and not label.isprintable():
        return repr(label)[1:-1]
    return label


def thinned_rows(count: int, room: float, per_label: float) -> list[int]:
    """Every k-th row, with k as small as lets labels of ``per_label`` height fit in ``room`` (same units)."""
    fit = max(1, int(room // max(per_label, 1e-9)))
    step = max(1, math.ceil(count / fit))
    return list(range(0, count, step))


def input_row_labels(
    labels: Sequence[str], height_points: float, font_points: float = 6.0
) -> tuple[list[int], list[str]]:
    """(rows, names) to label a one-hot input heatmap's rows by character, thinned when they do not all fit in
    ``height_points`` (shared by the figures and the app's heatmap, so both label the same rows)."""
    rows = thinned_rows(len(labels), height_points, font_points * 1.25)
    return rows, [plain_text(character_name(labels[row])) for row in rows]
