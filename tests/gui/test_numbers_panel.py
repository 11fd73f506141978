"""The numbers panel shows each step worked by hand: checked against a hand computation with math.exp/tanh."""

from __future__ import annotations

import math

import numpy as np
import pytest
from test_gate_diagram_helpers import hold, release_held_widgets  # noqa: F401 - autouse fixture

from lstmviz.engine.network import Network
from lstmviz.gui.panels.numbers import NumbersPanel
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

X = np.cos(np.linspace(0, 5, 25))
H = 4


def sigma(a: float) -> float:
    return 1.0 / (1.0 + math.exp(-a))


def make_panel(qtbot, cell: str):
    doc = Document(Network.random(cell, 1, H, seed=5), SequenceData(X))
    panel = NumbersPanel(doc)
    hold(qtbot, panel)
    return doc, panel


def text_of(panel: NumbersPanel) -> str:
    return panel.plain_text().replace("−", "-")


def parts(net: Network, row: int, x: np.ndarray, h_prev: np.ndarray) -> tuple[float, float, float, float]:
    """Input part, b_ih, recurrent part, b_hh of one row, by plain Python sums."""
    w_ih, w_hh, b_ih, b_hh = (net.params[f"{k}_l0"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    a = sum(float(w) * float(v) for w, v in zip(w_ih[row], x, strict=True))
    c = sum(float(w) * float(v) for w, v in zip(w_hh[row], h_prev, strict=True))
    return a, float(b_ih[row]), c, float(b_hh[row])


def f3(v: float) -> str:
    text = f"{v:.3f}"
    return text[1:] if text.startswith("-") and not text.strip("-0.") else text


def test_lstm_step_by_hand(qtbot) -> None:
    doc, panel = make_panel(qtbot, "lstm")
    step, u = 9, 2
    doc.select_units([u])
    doc.set_step(step)
    trace = doc.network.run(X)
    x, h_prev, c_prev = trace["x"][step], trace["h_l0"][step - 1], trace["c_l0"][step - 1]
    gate = {}
    for k, key in enumerate("ifgo"):  # PyTorch's row order
        a, b, c, d = parts(doc.network, k * H + u, x, h_prev)
        pre = a + b + c + d
        gate[key] = math.tanh(pre) if key == "g" else sigma(pre)
        act = "tanh" if key == "g" else "σ"
        assert f"{act}({f3(pre)}) = {f3(gate[key])}" in text_of(panel)
    c_t = gate["f"] * c_prev[u] + gate["i"] * gate["g"]
    h_t = gate["o"] * math.tanh(c_t)
    text = text_of(panel)
    assert f"= {f3(c_t)}  engine: {f3(trace['c_l0'][step, u])}" in text
    assert f"= {f3(h_t)}  engine: {f3(trace['h_l0'][step, u])}" in text
    assert f"{f3(gate['f'])} · " in text
    assert "✗" not in text and text.count("✓") == 6
    assert "unit 2" in text and "step t = 9" in text and "layer 0" in text


def test_gru_reset_product_and_mix(qtbot) -> None:
    doc, panel = make_panel(qtbot, "gru")
    step, u = 4, 1
    doc.select_units([u])
    doc.set_step(step)
    trace = doc.network.run(X)
    x, h_prev = trace["x"][step], trace["h_l0"][step - 1]
    r = sigma(sum(parts(doc.network, 0 * H + u, x, h_prev)))
    z = sigma(sum(parts(doc.network, 1 * H + u, x, h_prev)))
    a, b, c, d = parts(doc.network, 2 * H + u, x, h_prev)
    n = math.tanh(a + b + r * (c + d))
    h = (1 - z) * n + z * h_prev[u]
    text = text_of(panel)
    assert f"{f3(r)} · (" in text  # r_t multiplies W_hn h + b_hn
    assert f"tanh({f3(a + b + r * (c + d))}) = {f3(n)}" in text
    assert f"= {f3(h)}  engine: {f3(trace['h_l0'][step, u])}" in text
    assert "✗" not in text


def test_rnn_and_step_zero_uses_initial_state(qtbot) -> None:
    doc, panel = make_panel(qtbot, "rnn")
    doc.select_units([3])
    doc.set_step(0)
    trace = doc.network.run(X)
    pre = sum(parts(doc.network, 3, trace["x"][0], np.zeros(H)))
    assert f"tanh({f3(pre)}) = {f3(math.tanh(pre))}" in text_of(panel)
    doc.set_step(1)
    pre = sum(parts(doc.network, 3, trace["x"][1], trace["h_l0"][0]))
    assert f"tanh({f3(pre)}) = {f3(math.tanh(pre))}" in text_of(panel)


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_follows_weight_edits_and_digits(qtbot, cell: str) -> None:
    doc, panel = make_panel(qtbot, cell)
    doc.set_step(3)
    doc.set_weight("bias_hh_l0", (0,), 3.0)
    trace = Network(cell, 1, H, params=dict(doc.network.params)).run(X)
    first_gate = doc.network.spec.gates[0].key
    panel.digits.setValue(5)
    assert f"{trace[f'{first_gate}_l0'][3, 0]:.5f}" in text_of(panel)
    assert "✗" not in text_of(panel)


def test_upper_layer_reads_the_layer_below(qtbot) -> None:
    doc = Document(Network.random("lstm", 1, H, num_layers=2, seed=8), SequenceData(X))
    panel = NumbersPanel(doc)
    hold(qtbot, panel)
    doc.set_layer(1)
    doc.set_step(5)
    trace = doc.network.run(X)
    net = doc.network
    w_ih, w_hh, b_ih, b_hh = (net.params[f"{k}_l1"] for k in ("weight_ih", "weight_hh", "bias_ih", "bias_hh"))
    row = 1 * H + 0  # forget gate, unit 0
    pre = (
        sum(float(w) * float(v) for w, v in zip(w_ih[row], trace["h_l0"][5], strict=True))
        + sum(float(w) * float(v) for w, v in zip(w_hh[row], trace["h_l1"][4], strict=True))
        + b_ih[row]
        + b_hh[row]
    )
    text = text_of(panel)
    assert "layer 1" in text
    assert f"σ({f3(pre)}) = {f3(sigma(pre))}" in text
    assert "✗" not in text


@pytest.mark.parametrize("activation", ["identity", "sigmoid", "softmax"])
def test_output_layer_by_hand(qtbot, activation: str) -> None:
    net = Network.random("gru", 1, H, seed=6, output_size=3, output_activation=activation)
    doc = Document(net, SequenceData(X))
    panel = NumbersPanel(doc)
    hold(qtbot, panel)
    doc.set_step(11)
    h = net.run(X)["h_l0"][11]
    z = [
        sum(float(w) * float(v) for w, v in zip(net.params["fc.weight"][k], h, strict=True))
        + float(net.params["fc.bias"][k])
        for k in range(3)
    ]
    if activation == "identity":
        out = z
    elif activation == "sigmoid":
        out = [sigma(v) for v in z]
    else:
        total = sum(math.exp(v) for v in z)
        out = [math.exp(v) / total for v in z]
    text = text_of(panel)
    for k in range(3):
        assert f"z{k} = {f3(z[k])}" in text
        assert f"→ {f3(out[k])}" in text
    assert "✗" not in text


def test_unit_box_follows_and_sets_the_selection(qtbot) -> None:
    from PySide6.QtWidgets import QSpinBox

    doc, panel = make_panel(qtbot, "rnn")
    panel.show()
    box = panel.findChild(QSpinBox, "numbersUnit")
    doc.select_units([2, 3])
    assert box.value() == 2 and box.maximum() == H - 1
    box.setValue(1)
    assert doc.selected_units == (1,)
    assert "unit 1" in text_of(panel)


def test_input_part_written_out_for_few_inputs(qtbot) -> None:
    doc, panel = make_panel(qtbot, "rnn")
    doc.select_units([3])
    doc.set_step(6)
    w = float(doc.network.params["weight_ih_l0"][3, 0])
    x = float(X[6])

    def term(v: float) -> str:
        return f"({f3(v)})" if f3(v).startswith("-") else f3(v)

    assert f"input part: {term(w)}·{term(x)} = {f3(w * x)}" in text_of(panel)


def test_shown_text_catches_up_with_rapid_steps(qtbot) -> None:
    """Step changes are coalesced, but the text on screen ends at the last step (no explicit refresh needed)."""
    doc, panel = make_panel(qtbot, "lstm")
    panel.show()
    qtbot.waitExposed(panel)
    for step in range(1, 12):
        doc.set_step(step)
    qtbot.waitUntil(lambda: "t = 11" in panel.text.toPlainText(), timeout=2000)
    doc.select_units([2])
    qtbot.waitUntil(lambda: "unit 2" in panel.text.toPlainText(), timeout=2000)
