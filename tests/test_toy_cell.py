"""Cells as data: a toy cell kind registered at test time runs through the engine, the weight files and the window.

The toy is a minimal gated unit (MGU: one gate f that both resets and updates, Zhou et al. 2016), two row blocks:

    f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)
    n_t = tanh(W_in x_t + b_in + f_t * (W_hn h_{t-1} + b_hn))
    h_t = (1 - f_t) * h_{t-1} + f_t * n_t

Adding it takes exactly what ``docs/contributing.md`` says a new cell kind takes: a :class:`CellSpec`, a
:class:`StepKernel` (forward steps and BPTT factors) and a diagram layout. Everything else (trace keys, BPTT's
recursion, the Jacobian curve, weight-file shapes, the menus, the diagram's labels, the heatmap rows) reads the spec.
The numbers are checked against a plain NumPy forward written here from the equations above, and BPTT against
central finite differences of that forward.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest

from lstmviz.engine.factors import LayerFactors
from lstmviz.engine.kernels import PreparedLayer, StepKernel, register_cell_kind, unregister_cell_kind
from lstmviz.engine.network import Network
from lstmviz.engine.spec import CellSpec, GateInfo, StateInfo, cell_kinds
from lstmviz.engine.trace import Trace

MGU = CellSpec(
    kind="mgu",
    title="MGU",
    gates=(
        GateInfo("f", "sigmoid", "forget gate", "f_t", "f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)"),
        GateInfo(
            "n",
            "tanh",
            "candidate",
            "n_t",
            "n_t = tanh(W_in x_t + b_in + f_t * (W_hn h_{t-1} + b_hn))",
            recurrent_scale="f",
        ),
    ),
    states=(
        StateInfo(
            "h",
            "hidden state",
            "h_t",
            "h_t = (1 - f_t) * h_{t-1} + f_t * n_t",
            "(1 − {f})·{h_prev} + {f}·{n}",
            "(1 - f) * h_prev + f * n",
        ),
    ),
    row_blocks=2,
)


def mgu_steps(
    layer: PreparedLayer,
    arrays: dict[str, np.ndarray],
    start: int,
    stop: int,
    h_prev: np.ndarray,
    _c: np.ndarray | None,
) -> None:
    """The forward steps; rows hold the projection on entry, the f rows (and their weights) halved."""
    hidden = layer.hidden
    block, h = arrays["block"], arrays["h"]
    for t in range(start, stop):
        rec = h_prev @ layer.w_hh_t
        if layer.bias_rec is not None:
            rec = rec + layer.bias_rec
        f = 0.5 * np.tanh(block[t, :hidden] + rec[:hidden]) + 0.5
        n = np.tanh(block[t, hidden:] + f * rec[hidden:])
        block[t, :hidden], block[t, hidden:] = f, n
        h[t] = h_prev + f * (n - h_prev)
        h_prev = h[t]


def mgu_factors(network: Network, trace: Trace, k: int) -> LayerFactors:
    """A_n = f (1 - n^2), A_f = ((n - h_{t-1}) + A_n h_n) f (1 - f) with h_n = W_hn h_{t-1} + b_hn; the hidden side's
    n block is A_n f; h_{t-1} also gets dh_t (1 - f_t) directly."""
    hidden = network.hidden_size
    f, n = trace.get_quantity("f", k), trace.get_quantity("n", k)
    h_prev = trace.previous("h", k)
    _, w_hh, _, b_hh = network.layer_parameters(k)
    h_n = h_prev @ w_hh[hidden:].T + (0.0 if b_hh is None else b_hh[hidden:])
    a_n = f * (1 - n**2)
    a_f = ((n - h_prev) + a_n * h_n) * f * (1 - f)
    return LayerFactors(np.stack([a_f, a_n], axis=1), np.stack([a_f, a_n * f], axis=1), 1 - f, None)


MGU_KERNEL = StepKernel(("f", "n"), mgu_steps, mgu_factors)


def mgu_layout() -> Any:
    """The toy's diagram: the state line on top, the two gates fed by [h_{t-1}, x_t] from the bus below."""
    from lstmviz.gui.views.diagram_layout import PLUS, TIMES, CellLayout, Edge, Node, _bus, _output

    top, bus_y, strip_y, block_y, mix_y = 0.0, 4.55, 2.75, 3.7, 1.6
    nodes = [
        Node("h_prev", "strip", 0.0, top, key="h_prev"),
        Node("split_h", "junction", 0.5, top),
        Node("mul_keep", "op", 1.0, top, text=TIMES, equation="(1 - f_t) * h_{t-1}", value="(1 - f) * h_prev"),
        Node("add_h", "op", 2.9, top, text=PLUS, equation="h_t = (1 - f_t) * h_{t-1} + f_t * n_t", value="h"),
        Node("h", "strip", 4.1, top, key="h"),
        Node("block_f", "block", 1.0, block_y, key="f"),
        Node("strip_f", "strip", 1.0, strip_y, key="f", label="above-right"),
        Node("split_f", "junction", 1.0, mix_y),
        Node("mul_n", "op", 2.9, mix_y, text=TIMES, equation="f_t * n_t", value="f * n"),
        Node("block_n", "block", 2.9, block_y, key="n"),
        Node("strip_n", "strip", 2.9, strip_y, key="n", label="above-left"),
        Node("join_x", "junction", 0.5, bus_y),
        Node("x", "strip", 0.5, bus_y + 0.85, key="x", label="below"),
    ]
    bus_nodes, bus_edges = _bus(bus_y, "join_x", {"f": 1.0, "n": 2.9})
    edges = (
        Edge(("h_prev", "split_h"), main=True, arrow=False, role="the previous hidden state h_{t-1}"),
        Edge(("split_h", "mul_keep"), main=True, role="h_{t-1}"),
        Edge(("mul_keep", "add_h"), main=True, role="what the cell keeps of h_{t-1}"),
        Edge(("add_h", "h"), main=True, role="the new hidden state h_t"),
        Edge(("split_h", "join_x"), arrow=False, role="h_{t-1} down to the gates"),
        Edge(("x", "join_x"), arrow=False, role="the input x_t"),
        *bus_edges,
        Edge(("bus_f", "block_f"), role="[h_{t-1}, x_t] into the gate"),
        Edge(("block_f", "strip_f"), role="the gate's activation"),
        Edge(("strip_f", "split_f"), arrow=False, role="the forget gate f_t"),
        Edge(("split_f", "mul_keep"), label="1 − f<sub>t</sub>", role="1 - f_t"),
        Edge(("split_f", "mul_n"), role="f_t"),
        Edge(("bus_n", "block_n"), role="[h_{t-1}, x_t] into the candidate"),
        Edge(("block_n", "strip_n"), role="the candidate's activation"),
        Edge(("strip_n", "mul_n"), role="the candidate n_t"),
        Edge(("mul_n", "add_h"), role="f_t * n_t"),
    )
    out_nodes, out_edges = _output(4.1, 1.35, 2.6, "h")
    return CellLayout("mgu", tuple(nodes + bus_nodes), edges, (0.4, -0.6, 3.5, bus_y + 0.45), out_nodes, out_edges)


@pytest.fixture
def toy_cell(monkeypatch: pytest.MonkeyPatch) -> Iterator[CellSpec]:
    """The toy registered for one test (spec, kernel and, for the window, its layout), then removed."""
    from lstmviz.gui.views import diagram_layout

    register_cell_kind(MGU, MGU_KERNEL)
    monkeypatch.setitem(diagram_layout.LAYOUTS, "mgu", mgu_layout)
    yield MGU
    unregister_cell_kind("mgu")
    assert "mgu" not in cell_kinds()


# --- an independent reference: the equations above in plain NumPy, PyTorch's parameter layout -------------------------
def reference_run(params: dict[str, np.ndarray], x: np.ndarray, layers: int, h0: np.ndarray) -> list[dict[str, Any]]:
    hidden = h0.shape[1]
    out = []
    layer_input = x
    for k in range(layers):
        w_ih, w_hh = params[f"weight_ih_l{k}"], params[f"weight_hh_l{k}"]
        b_ih, b_hh = params[f"bias_ih_l{k}"], params[f"bias_hh_l{k}"]
        h, record = h0[k], {"f": [], "n": [], "h": []}
        for x_t in layer_input:
            gi, gh = w_ih @ x_t + b_ih, w_hh @ h + b_hh
            f = 1 / (1 + np.exp(-(gi[:hidden] + gh[:hidden])))
            n = np.tanh(gi[hidden:] + f * gh[hidden:])
            h = (1 - f) * h + f * n
            for key, value in (("f", f), ("n", n), ("h", h)):
                record[key].append(value)
        arrays = {key: np.array(value) for key, value in record.items()}
        out.append(arrays)
        layer_input = arrays["h"]
    return out


def make_network(layers: int = 2) -> Network:
    return Network.random("mgu", input_size=3, hidden_size=4, num_layers=layers, seed=5)


def test_the_toy_kind_is_listed_while_registered_and_its_shapes_come_from_its_spec(toy_cell: CellSpec) -> None:
    assert "mgu" in cell_kinds()
    net = make_network()
    assert net.params["weight_ih_l0"].shape == (2 * 4, 3)
    assert net.params["weight_hh_l1"].shape == (2 * 4, 4)
    assert net.describe() == "MGU, D=3, H=4, 2 layers"


def test_the_trace_matches_the_equations(toy_cell: CellSpec) -> None:
    net = make_network()
    x = np.random.default_rng(1).standard_normal((9, 3))
    h0 = np.random.default_rng(2).standard_normal((2, 4)) * 0.5
    trace = net.run(x, h0=h0)
    assert set(trace) == {"x", "f_l0", "n_l0", "h_l0", "f_l1", "n_l1", "h_l1"}
    for k, expected in enumerate(reference_run(dict(net.params), x, 2, h0)):
        for key, value in expected.items():
            np.testing.assert_allclose(trace.get_quantity(key, k), value, rtol=1e-12, atol=1e-12)


def test_bptt_matches_finite_differences_for_every_parameter_and_the_initial_state(toy_cell: CellSpec) -> None:
    net = make_network()
    x = np.random.default_rng(3).standard_normal((7, 3))
    h0 = np.random.default_rng(4).standard_normal((2, 4)) * 0.5
    grads = net.bptt(x, "h-last-sum", h0=h0, jacobian="exact")

    def loss(params: dict[str, np.ndarray], start: np.ndarray) -> float:
        return float(reference_run(params, x, 2, start)[-1]["h"][-1].sum())

    eps = 1e-6
    for name, value in net.params.items():
        numeric = np.empty_like(value)
        for index in np.ndindex(value.shape):
            plus, minus = dict(net.params), dict(net.params)
            plus[name], minus[name] = value.copy(), value.copy()
            plus[name][index] += eps
            minus[name][index] -= eps
            numeric[index] = (loss(plus, h0) - loss(minus, h0)) / (2 * eps)
        np.testing.assert_allclose(grads[f"grad_{name}"], numeric, rtol=1e-6, atol=1e-8, err_msg=name)
    numeric_h0 = np.empty_like(h0)
    for index in np.ndindex(h0.shape):
        plus, minus = h0.copy(), h0.copy()
        plus[index] += eps
        minus[index] -= eps
        numeric_h0[index] = (loss(dict(net.params), plus) - loss(dict(net.params), minus)) / (2 * eps)
    np.testing.assert_allclose(grads["grad_h0"], numeric_h0, rtol=1e-6, atol=1e-8)
    assert "grad_c0" not in grads and "grad_c_l0" not in grads  # no cell state, so none is made up
    # the Jacobian curve runs the same recursion: dh_T/dh_T is the identity, so its norm at the last step is 1
    assert grads["jacobian_norm_l1"][-1] == pytest.approx(1.0)


def test_training_a_kind_without_a_batched_kernel_is_refused_in_one_sentence(toy_cell: CellSpec) -> None:
    from lstmviz.engine.batched import forward
    from lstmviz.engine.errors import EngineError

    with pytest.raises(EngineError, match="MGU cell has no batched kernel, so it cannot be trained"):
        forward(make_network(), np.zeros((2, 5, 3)))


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_weight_files_round_trip_the_toy_kind(toy_cell: CellSpec, tmp_path: Any, suffix: str) -> None:
    from lstmviz.io.weights import load_weights, save_weights

    net = make_network()
    path = tmp_path / f"mgu{suffix}"
    save_weights(net, path)
    loaded = load_weights(path)
    assert loaded.cell == "mgu" and loaded.num_layers == 2 and loaded.hidden_size == 4
    for name, value in net.params.items():
        np.testing.assert_array_equal(loaded.params[name], value)


@pytest.mark.parametrize("suffix", [".npz", ".safetensors"])
def test_encoder_decoder_files_round_trip_the_toy_kind(toy_cell: CellSpec, tmp_path: Any, suffix: str) -> None:
    """The encoder-decoder loader reads each side with the same rules, so a toy encoder and a GRU decoder reopen."""
    from lstmviz.engine.seq2seq import Seq2Seq
    from lstmviz.io.seq2seq_weights import load_seq2seq, save_seq2seq

    model = Seq2Seq.random("mgu", hidden_size=4, input_size=2, decoder_cell="gru", seed=1)
    path = tmp_path / f"pair{suffix}"
    save_seq2seq(model, path)
    loaded = load_seq2seq(path)
    assert (loaded.encoder.cell, loaded.decoder.cell) == ("mgu", "gru")
    for side in ("encoder", "decoder"):
        for name, value in getattr(model, side).params.items():
            np.testing.assert_array_equal(getattr(loaded, side).params[name], value)


def test_a_file_whose_tensors_fit_two_kinds_must_say_which(toy_cell: CellSpec, tmp_path: Any) -> None:
    """Two kinds with two row blocks have tensors of the same names and shapes: without metadata the file is
    ambiguous, and says so; with it, it opens as the kind it names; naming a kind of other shapes is refused."""
    from lstmviz.engine.spec import RNN
    from lstmviz.io.errors import WeightsError
    from lstmviz.io.weights import load_weights

    twin = CellSpec(
        "twin",
        "Twin",
        (GateInfo("a", "sigmoid", "a", "a_t", "a"), GateInfo("b", "tanh", "b", "b_t", "b")),
        RNN.states,
        2,
    )
    register_cell_kind(twin, StepKernel(("a", "b"), mgu_steps, mgu_factors))
    try:
        params = {k: np.asarray(v) for k, v in make_network(1).params.items()}
        bare = tmp_path / "bare.npz"
        np.savez(bare, **params)
        with pytest.raises(WeightsError, match=r"fit both MGU and Twin \(2 row blocks each\) and it does not say"):
            load_weights(bare)
        named = tmp_path / "named.npz"
        np.savez(named, **params, __lstmviz__=np.array(json.dumps({"cell": "mgu"})))
        assert load_weights(named).cell == "mgu"
        wrong = tmp_path / "wrong.npz"
        np.savez(wrong, **params, __lstmviz__=np.array(json.dumps({"cell": "lstm"})))
        with pytest.raises(WeightsError, match="its metadata says LSTM but the shapes are those of a MGU or Twin"):
            load_weights(wrong)
    finally:
        unregister_cell_kind("twin")


def test_the_window_draws_the_toy_cell(toy_cell: CellSpec, qtbot: Any) -> None:
    """The gate diagram draws the toy's two gate blocks with their spec names, the heatmaps show one row per
    quantity of its trace, and the Model menu offers the kind."""
    from lstmviz.gui.main_window import MainWindow
    from lstmviz.io.sequence_data import SequenceData
    from lstmviz.model.document import Document

    net = Network.random("mgu", 1, 5, 1, seed=0)
    document = Document(net, SequenceData(np.sin(np.linspace(0, 12, 80)), source="test sine"))
    window = MainWindow(document)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    qtbot.waitUntil(lambda: document.trace_steps_ready == 80, timeout=10_000)
    document.set_step(10)
    diagram = window.views["diagram"]
    assert set(diagram.diagram.blocks) >= {"f", "n"}
    assert "forget gate" in diagram.diagram.blocks["f"].tooltip_text()
    trace = net.run(document.sequence.values)
    np.testing.assert_allclose(diagram.strip_values()["strip_f"], trace["f_l0"][10], rtol=1e-6)
    heatmaps = window.views["heatmaps"]
    qtbot.waitUntil(lambda: set(heatmaps.rows) == {"f", "n", "h"}, timeout=10_000)
    image = heatmaps.image_array("f")
    assert image is not None and image.shape[0] == 5
    assert window.actions["cell_mgu"].isChecked()
    from lstmviz.gui.panels.numbers import numbers_html

    text = numbers_html(net, trace, 0, 10, 2)
    assert "forget gate" in text and "candidate" in text
    # the state update from the spec, recomputed by hand from the gates and checked against the engine
    assert f"<b>{float(trace['h_l0'][10, 2]):.3f}</b>".replace("-", "−") in text
    assert "✗" not in text and text.count("✓") == 3
    diagram.grab().save("/tmp/contrib-mgu-shot.png")
    document.mark_clean()
    window.close()
