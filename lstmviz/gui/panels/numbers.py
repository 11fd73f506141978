"""Each equation of the current cell with the selected unit's numbers at the current step substituted.

A student can follow one step by hand: every gate's pre-activation is split into its input part, recurrent part and
biases (recomputed from the parameters), then the state updates. Each result is compared with the engine's trace
value, so the panel is also a visible check of the engine.
"""

from __future__ import annotations

import html
import math
import re
import time

import numpy as np
from PySide6.QtCore import QSignalBlocker, QTimer
from PySide6.QtGui import QGuiApplication, QShowEvent
from PySide6.QtWidgets import QHBoxLayout, QLabel, QPushButton, QSpinBox, QTextBrowser, QVBoxLayout, QWidget

from ...engine.network import Network
from ...engine.trace import Trace
from ...model.document import Document
from ..document_binding import DocumentBinding
from ..note_button import note_button
from ..views.diagram_scene import NONLINEARITY_SYMBOL, symbol_html
from ..views.diagram_values import (
    GateParts,
    StepValues,
    evaluate,
    output_values,
    shows_output,
    step_values,
    trace_matches,
    trace_pending_text,
)


def equation_html(equation: str, network: Network) -> str:
    """A spec equation (plain text) as HTML: sigma -> σ, C~ -> C̃, subscripts."""
    text = html.escape(equation).replace("sigma(", "σ(").replace(" * ", " · ")
    if network.spec.activation_choice:
        text = text.replace("act(", f"{network.nonlinearity}(")
    return symbol_html(text)


class Formatter:
    """Numbers with a fixed number of decimals and a real minus sign; negatives in parentheses inside sums."""

    def __init__(self, digits: int) -> None:
        self.digits = digits

    def __call__(self, value: float) -> str:
        text = f"{value:.{self.digits}f}"
        if text.startswith("-") and not text.strip("-0."):
            text = text[1:]  # no "-0.000"
        return text.replace("-", "−")

    def term(self, value: float) -> str:
        text = self(value)
        return f"({text})" if text.startswith("−") else text


def _check(hand: float, engine: float, tolerance: float, fmt: Formatter) -> str:
    ok = math.isclose(hand, engine, rel_tol=tolerance, abs_tol=tolerance)
    mark = "<span style='color:#1a9850'>✓</span>" if ok else "<span style='color:#d73027'>✗</span>"
    return f"&nbsp;&nbsp;<span style='color:gray'>engine: {fmt(engine)}</span> {mark}"


def _input_products(weights: np.ndarray, x: np.ndarray, total: float, fmt: Formatter) -> str:
    """For a few inputs, the input part written out: w1·x1 + w2·x2 = total."""
    if len(x) > 3:
        return ""
    products = " + ".join(f"{fmt.term(float(w))}·{fmt.term(float(v))}" for w, v in zip(weights, x, strict=True))
    return f"<br>&nbsp;&nbsp;<span style='color:gray'>input part: {products} = {fmt(total)}</span>"


def _gate_block(
    network: Network, parts: GateParts, unit: int, engine: float, fmt: Formatter, tol: float, inputs: str = ""
) -> str:
    spec = network.spec
    gateless = not spec.gates  # the one block is h itself, under the network's own activation
    act = network.nonlinearity if gateless else parts.nonlinearity
    symbol = NONLINEARITY_SYMBOL[act]
    title, _, equation = spec.describe("h" if gateless else parts.key)
    a, b, c, d = (float(v[unit]) for v in (parts.input, parts.bias_ih, parts.recurrent, parts.bias_hh))
    if parts.reset is not None:
        r = float(parts.reset[unit])
        sum_text = f"{fmt.term(a)} + {fmt.term(b)} + {fmt(r)} · ({fmt.term(c)} + {fmt.term(d)})"
    else:
        sum_text = f"{fmt.term(a)} + {fmt.term(b)} + {fmt.term(c)} + {fmt.term(d)}"
    pre = float(parts.pre[unit])
    value = float(parts.value[unit])
    return (
        f"<p><b>{title}</b><br>{equation_html(equation, network)}<br>"
        f"&nbsp;&nbsp;= {symbol}({sum_text})<br>"
        f"&nbsp;&nbsp;= {symbol}({fmt(pre)}) = <b>{fmt(value)}</b>{_check(value, engine, tol, fmt)}{inputs}</p>"
    )


def _state_blocks(
    network: Network, v: StepValues, hand: dict[str, float], u: int, fmt: Formatter, tol: float
) -> list[str]:
    """Every state update of the cell, from its spec: the equation, the working with the step's numbers put in
    (``StateInfo.working``), the value recomputed by hand (``StateInfo.value``, from the hand-computed gates and
    the states before it) and the engine's value beside it. A gateless cell's one state is its block, shown above."""
    if not network.spec.gates:
        return []
    names: dict[str, float] = {k: float(vec[u]) for k, vec in v.vectors.items() if u < len(vec)}
    names.update(hand)
    blocks = []
    for state in network.spec.states:
        engine = float(v.vectors[state.key][u])
        placeholders = set(re.findall(r"\{(\w+)\}", state.working))
        worked = state.working.format(**{n: fmt.term(names[n]) for n in placeholders}).replace("·", " · ")
        worked = re.sub(r"\(\(([^()]*)\)\)", r"(\1)", worked)  # tanh((−0.4)) reads tanh(−0.4)
        if state.value:
            value = float(evaluate(state.value, names))
            names[state.key] = value
            result = f"<b>{fmt(value)}</b>{_check(value, engine, tol, fmt)}"
        else:
            result = f"<b>{fmt(engine)}</b>"
        shown = f"&nbsp;&nbsp;= {html.escape(worked)} = " if worked else "&nbsp;&nbsp;= "
        blocks.append(f"<p><b>{state.title}</b><br>{equation_html(state.equation, network)}<br>{shown}{result}</p>")
    return blocks


def _output_block(network: Network, h: np.ndarray, engine: np.ndarray, fmt: Formatter, tol: float) -> str:
    """O_t = g(z), z = W_o h_t + b_o, for the first few output units."""
    pre, out = output_values(network, h)
    act = network.output_activation
    symbol = NONLINEARITY_SYMBOL[act]
    lines = []
    for k in range(min(len(out), 6)):
        z = f"z<sub>{k}</sub> = {fmt(float(pre[k]))}"
        if act == "identity":
            worked = z
        elif act == "softmax":
            worked = f"softmax(z)<sub>{k}</sub>, {z}"
        else:
            worked = f"{symbol}(z<sub>{k}</sub>), {z}"
        lines.append(
            f"O<sub>t</sub>[{k}] = {worked} → <b>{fmt(float(out[k]))}</b>"
            f"{_check(float(out[k]), float(engine[k]), tol, fmt)}"
        )
    head = "z = W<sub>o</sub> h<sub>t</sub> + b<sub>o</sub>, O<sub>t</sub> = " + (
        "z" if act == "identity" else f"{symbol}(z)"
    )
    return "<p><b>output layer</b><br>" + head + "<br>" + "<br>".join(lines) + "</p>"


def numbers_html(network: Network, trace: Trace, layer: int, step: int, unit: int, digits: int = 3) -> str:
    """The whole panel text for one unit at one step (pure function, so it can be tested and exported)."""
    fmt = Formatter(digits)
    tol = 1e-4 if network.dtype == np.float32 else 1e-9
    values = step_values(network, trace, layer, step)
    u = unit
    vec = values.vectors
    x = vec["x"]
    x_text = ", ".join(fmt(float(e)) for e in x[:8]) + (f", … ({len(x)} values)" if len(x) > 8 else "")
    head = [
        f"<p><b>{network.spec.title}</b> · layer {layer} · unit <b>{u}</b> · step t = <b>{step}</b></p>",
        f"<p>x<sub>t</sub> = [{x_text}]<br>h<sub>t−1</sub>[{u}] = {fmt(float(vec['h_prev'][u]))}"
        + (f"<br>C<sub>t−1</sub>[{u}] = {fmt(float(vec['c_prev'][u]))}" if "c_prev" in vec else "")
        + "<br><span style='color:gray'>Each gate's sum below is W<sub>i</sub>x<sub>t</sub> (input part)"
        " + b<sub>i</sub>"
        " + W<sub>h</sub>h<sub>t−1</sub> (recurrent part) + b<sub>h</sub>, from row "
        f"{u} of that gate's weights and biases.</span></p>",
    ]
    body: list[str] = []
    hand: dict[str, float] = {}
    w_ih = network.layer_parameters(layer)[0]
    for key, parts in values.parts.items():
        engine = float(vec[key][u])
        rows = network.spec.gate_slice(key, network.hidden_size) if network.spec.gates else slice(None)
        inputs = _input_products(w_ih[rows][u], x, float(parts.input[u]), fmt)
        body.append(_gate_block(network, parts, u, engine, fmt, tol, inputs))
        hand[key] = float(parts.value[u])
    body += _state_blocks(network, values, hand, u, fmt, tol)
    if shows_output(network, layer) and "y" in trace:
        body.append(_output_block(network, vec["h"], vec["y"] if "y" in vec else trace.row("y", step), fmt, tol))
    return "".join(head + body)


#: While the step keeps changing (playback, scrubbing) the text is rewritten at most this often (ms): ``setHtml``
#: and its layout cost a few milliseconds, more than a frame's share, and nobody reads 60 pages a second.
STEP_REFRESH_MS = 50


class NumbersPanel(QWidget):
    """The current step of the selected unit, worked through by hand.

    Updates are coalesced: every change marks the text stale and one render runs on the next event-loop pass (a
    weight edit emits ``network_changed`` and ``trace_changed``; both need only one ``setHtml``). Step changes in
    quick succession render at most every :data:`STEP_REFRESH_MS`. A hidden panel renders when shown.
    """

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("numbersPanel")
        self.document = document
        self._stale = True
        self._html = ""
        self._last_render = 0.0
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.timeout.connect(self._flush)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        row = QHBoxLayout()
        row.addWidget(QLabel("Unit"))
        self.unit = QSpinBox()
        self.unit.setObjectName("numbersUnit")
        self.unit.setToolTip("The unit worked through (selects it in every view; or click a cell in the diagram)")
        self.unit.valueChanged.connect(lambda unit: self.document.select_units([unit]))
        row.addWidget(self.unit)
        row.addWidget(QLabel("Decimals"))
        self.digits = QSpinBox()
        self.digits.setObjectName("numbersDigits")
        self.digits.setRange(1, 8)
        self.digits.setValue(3)
        self.digits.setToolTip("How many decimals the worked numbers show")
        self.digits.valueChanged.connect(self.refresh)
        row.addWidget(self.digits)
        row.addStretch(1)
        self.copy_button = QPushButton("Copy")
        self.copy_button.setObjectName("numbersCopy")
        self.copy_button.setToolTip("Copy the worked step as plain text")
        self.copy_button.clicked.connect(self.copy_text)
        row.addWidget(self.copy_button)
        row.addWidget(note_button("numbers", self))
        layout.addLayout(row)
        self.text = QTextBrowser()
        self.text.setObjectName("numbersText")
        self.text.setOpenLinks(False)
        self.text.setToolTip("Each equation with the selected unit's numbers at the current step")
        layout.addWidget(self.text)
        events = document.events
        self._binding = DocumentBinding(
            self,
            [
                (events.trace_changed, self.refresh),
                (events.trace_progress, self._on_value),
                (events.step_changed, self._on_value),
                (events.selection_changed, self._on_selection),
                (events.network_changed, self._on_selection),
            ],
        )
        self.refresh()

    def _on_value(self, _value: int) -> None:
        """A step change or a progressive delivery: throttled while they come in quick succession."""
        self._schedule(STEP_REFRESH_MS)

    def showEvent(self, event: QShowEvent) -> None:
        super().showEvent(event)
        if self._stale:
            self._schedule(0)

    def refresh(self, *_: object) -> None:
        """Mark the text stale and render it on the next event-loop pass (when visible)."""
        self._schedule(0)

    def _schedule(self, min_gap_ms: int) -> None:
        self._stale = True
        if not self.isVisible():  # a closed or tabbed-away dock catches up when shown
            return
        since = (time.perf_counter() - self._last_render) * 1000.0
        delay = max(0, int(min_gap_ms - since))
        if not self._timer.isActive() or self._timer.remainingTime() > delay:
            self._timer.start(delay)

    def _flush(self) -> None:
        if self._stale and self.isVisible():
            self._stale = False
            self._render()

    def _render(self) -> None:
        doc = self.document
        trace = doc.trace
        self._last_render = time.perf_counter()
        if trace is None or doc.step >= doc.trace_steps_ready or not trace_matches(doc.network, trace, doc.steps):
            self._set_html(f"<p><i>{trace_pending_text(doc)}</i></p>")
            return
        unit = self._sync_unit_box()
        layer = min(doc.layer, doc.network.num_layers - 1)
        self._set_html(numbers_html(doc.network, trace, layer, doc.step, unit, self.digits.value()))

    def _sync_unit_box(self) -> int:
        """Show the selected unit in the box (without echoing it back as an edit); returns that unit."""
        doc = self.document
        unit = doc.selected_units[0] if doc.selected_units else 0
        with QSignalBlocker(self.unit):
            if self.unit.maximum() != doc.network.hidden_size - 1:
                self.unit.setRange(0, doc.network.hidden_size - 1)
            if self.unit.value() != unit:
                self.unit.setValue(unit)
        return unit

    def _on_selection(self, *_: object) -> None:
        self._sync_unit_box()
        self.refresh()

    def _set_html(self, text: str) -> None:
        """Rewrite the text only when it changed (an edit that moves no shown number costs no layout)."""
        if text == self._html:
            return
        self._html = text
        scroll = self.text.verticalScrollBar().value()
        self.text.setHtml(text)
        self.text.verticalScrollBar().setValue(scroll)

    def plain_text(self) -> str:
        """The worked step as plain text (brought up to date first, even while hidden)."""
        if self._stale:
            self._stale = False
            self._timer.stop()
            self._render()
        return self.text.toPlainText()

    def copy_text(self) -> None:
        QGuiApplication.clipboard().setText(self.plain_text())
