"""What ``lstmviz info`` says of one network: the description dict and its human-readable lines.

Shared by the single-network description (:mod:`lstmviz.cli.info`) and the seq2seq one
(:mod:`lstmviz.cli.seq2seq`, once per side), so the two print a network the same way without importing each other.
"""

from __future__ import annotations

import math
from typing import Any

import numpy as np

from ..engine.network import Network


def finite_number(value: float) -> float | None:
    return float(value) if math.isfinite(value) else None


def value_range(values: np.ndarray) -> dict[str, Any]:
    """min, max and mean, None where empty or not finite (JSON has no NaN)."""
    if values.size == 0:
        return {"min": None, "max": None, "mean": None}
    low, high = float(np.min(values)), float(np.max(values))
    with np.errstate(over="ignore", invalid="ignore"):  # a sum past 1.8e308: NumPy's warning is not the user's line
        mean = float(np.mean(values))
        scale = max(abs(low), abs(high))
        if not math.isfinite(mean) and math.isfinite(scale) and scale > 0:
            mean = float(np.mean(values / scale)) * scale  # the same mean, summed where it cannot overflow
    return {"min": finite_number(low), "max": finite_number(high), "mean": finite_number(mean)}


def describe_network(network: Network, sources: dict[str, str] | None = None) -> dict[str, Any]:
    """Inferred cell type and sizes, and every parameter's shape and value range.

    ``sources`` says, per activation setting, whether it was read from the file, given or assumed (the
    ``*_source`` keys of the JSON).
    """
    info: dict[str, Any] = {
        "summary": network.describe(),
        "cell": network.cell,
        "input_size": network.input_size,
        "hidden_size": network.hidden_size,
        "num_layers": network.num_layers,
        "bias": network.bias,
        "dtype": str(network.dtype),
        "parameter_count": int(sum(p.size for p in network.params.values())),
        "parameters": {
            name: {"shape": list(value.shape), **value_range(value)} for name, value in network.params.items()
        },
    }
    sources = sources or {}
    if network.spec.activation_choice:
        info["nonlinearity"] = network.nonlinearity
        info["nonlinearity_source"] = sources.get("nonlinearity", "file")
    if network.has_output:
        info["output_size"] = network.output_size
        info["output_activation"] = network.output_activation
        info["output_activation_source"] = sources.get("output_activation", "file")
    return info


def format_number(value: float | None) -> str:
    return "n/a" if value is None else f"{value:.6g}"


_SOURCE_WORDS = {"file": "stored in the file", "given": "given on the command line"}


def _activation_line(label: str, value: str, source: str) -> str:
    """``activation   not stored in the file, tanh assumed`` or ``activation   relu (stored in the file)``."""
    if source == "assumed":
        return f"  {label:<12} not stored in the file, {value} assumed"
    return f"  {label:<12} {value} ({_SOURCE_WORDS.get(source, source)})"


def network_lines(net: dict[str, Any]) -> list[str]:
    """The human-readable lines of :func:`describe_network`'s dict (the info of a network, or of one seq2seq side)."""
    lines = [
        f"  network      {net['summary']}",
        f"  cell         {net['cell']} (inferred from the parameter shapes)",
        f"  sizes        input {net['input_size']}, hidden {net['hidden_size']}, layers {net['num_layers']}"
        + (f", output {net['output_size']}" if "output_size" in net else ""),
    ]
    if "nonlinearity" in net:
        lines.append(_activation_line("activation", net["nonlinearity"], net["nonlinearity_source"]))
    if "output_activation" in net:
        lines.append(_activation_line("output act.", net["output_activation"], net["output_activation_source"]))
    lines.append(f"  parameters   {net['parameter_count']:,} values, {net['dtype']}")
    for name, p in net["parameters"].items():
        shape = " x ".join(str(n) for n in p["shape"])
        lines.append(f"    {name:<22} {shape:<12} {format_number(p['min'])} to {format_number(p['max'])}")
    return lines
