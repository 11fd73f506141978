"""Tooltip texts of the gate diagram: name, equation (from the engine's spec) and the numbers at the current step.

Computed only when the pointer arrives on an item, from the :class:`~.diagram_values.StepValues` of the step shown.
"""

from __future__ import annotations

import html
import re

from ...engine.network import Network
from .diagram_layout import Node
from .diagram_scene import strip_label
from .diagram_values import StepValues, evaluate


def value_tooltip(
    network: Network, values: StepValues | None, layer: int, key: str, unit: int, input_labels: tuple[str, ...]
) -> str:
    """A strip cell or gate block: its name, equation, value, and for a gate its pre-activation in parts."""
    label = strip_label(network, key, layer)
    lines = [f"<b>{label.symbol}</b> — {label.title}", f"<code>{html.escape(label.equation)}</code>"]
    if values is None:
        return "<br>".join(lines + ["(values not computed yet)"])
    vector = values.vectors.get(key)
    if vector is not None and 0 <= unit < len(vector):
        what = "unit"
        if key == "x" and layer == 0:
            what = f"input “{html.escape(input_labels[unit])}”" if unit < len(input_labels) else "input"
        elif key == "y":
            what = "output"
        lines.append(f"{what} {unit} at step {values.step}: <b>{vector[unit]:.6g}</b>")
    parts = values.parts.get(key)
    if parts is not None and 0 <= unit < network.hidden_size:
        terms = [
            f"W<sub>ih</sub>x = {parts.input[unit]:.4g}",
            f"b<sub>ih</sub> = {parts.bias_ih[unit]:.4g}",
            f"W<sub>hh</sub>h<sub>t−1</sub> = {parts.recurrent[unit]:.4g}",
            f"b<sub>hh</sub> = {parts.bias_hh[unit]:.4g}",
        ]
        scale = network.spec.gate(key).recurrent_scale if key in network.spec.gate_keys else None
        if parts.reset is not None and scale is not None:
            terms.append(f"{scale}<sub>t</sub> = {parts.reset[unit]:.4g} (scales W<sub>hh</sub>h + b<sub>hh</sub>)")
        lines.append(f"pre-activation a = <b>{parts.pre[unit]:.4g}</b> &nbsp;({', '.join(terms)})")
    working = next((s.working for s in network.spec.states if s.key == key and s.working), None)
    if working is not None and 0 <= unit < network.hidden_size:
        names = set(re.findall(r"\{(\w+)\}", working))
        lines.append("= " + working.format(**{n: f"{values.vectors[n][unit]:.4g}" for n in names}))
    return "<br>".join(lines)


def op_tooltip(node: Node, values: StepValues | None, unit: int) -> str:
    """A pointwise operation: what it computes, and its result for ``unit`` (from the layout's formula)."""
    lines = ["<b>pointwise operation</b>", f"<code>{html.escape(node.equation)}</code>"]
    if values is not None and node.value:
        names: dict[str, object] = dict(values.vectors)
        for key, parts in values.parts.items():
            if parts.reset is not None:  # a gate-scaled recurrent part, e.g. the GRU's hn = W_hn h_{t-1} + b_hn
                names[f"h{key}"] = parts.recurrent + parts.bias_hh
        result = evaluate(node.value, names)
        lines.append(f"{node.value} for unit {unit} at step {values.step}: <b>{float(result[unit]):.6g}</b>")
    return "<br>".join(lines)
