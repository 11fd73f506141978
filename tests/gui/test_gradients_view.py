"""The gradients view plots exactly the engine's BPTT arrays, follows the loss choice and explains what it sees."""

from __future__ import annotations

import threading

import numpy as np
import pytest
from PySide6.QtCore import QPointF, Qt
from test_gate_diagram_helpers import hold, release_held_widgets  # noqa: F401 - autouse fixture

from lstmviz.engine.network import Network
from lstmviz.gui.views.gradients import GradientsView
from lstmviz.gui.workers import BackgroundRunner
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import compute as compute_module
from lstmviz.model.document import Document

X = np.sin(np.linspace(0, 6, 40))


def make_view(qtbot, network: Network, x: np.ndarray = X):
    doc = Document(network, SequenceData(x))
    view = GradientsView(doc)
    hold(qtbot, view)
    view.resize(700, 600)
    view.show()
    qtbot.waitUntil(lambda: view.gradients is not None, timeout=5000)
    return doc, view


def shown(curve) -> np.ndarray:
    return np.asarray(curve.getOriginalDataset()[1], dtype=np.float64)


def assert_plotted(values: np.ndarray, engine: np.ndarray) -> None:
    """The curve holds the engine's values; zeros (no gradient) are left as gaps on the log axis."""
    engine = np.asarray(engine, dtype=np.float64)
    positive = engine > 0
    np.testing.assert_allclose(values[positive], engine[positive], rtol=1e-12)
    assert np.all(np.isnan(values[~positive]))


def test_curves_equal_the_engines_bptt(qtbot) -> None:
    doc, view = make_view(qtbot, Network.random("lstm", 1, 4, seed=2))
    doc.select_units([1, 3])
    engine = doc.network.bptt(X)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])
    assert_plotted(shown(view.jacobian_curve), engine["jacobian_norm_l0"])
    np.testing.assert_allclose(view.norm_curve.getOriginalDataset()[0], doc.sequence.time_axis)
    assert [c.unit for c in view.cec_curves] == [1, 3]
    for curve in view.cec_curves:
        assert_plotted(shown(curve), engine["cec_l0"][:, curve.unit])
    image = view.heatmap.image
    magnitude = np.abs(np.asarray(engine["grad_h_l0"], dtype=np.float64)).T
    assert image.shape == magnitude.shape
    visible = magnitude > magnitude.max() * 1e-8
    np.testing.assert_allclose(10.0 ** image[visible], magnitude[visible], rtol=1e-9)


def test_unit_loss_follows_step_and_selection(qtbot) -> None:
    doc, view = make_view(qtbot, Network.random("gru", 1, 3, seed=4))
    assert not view.cec_plot.isVisible()  # no carousel without a cell state
    doc.set_step(25)
    doc.select_units([2])
    view.loss_combo.setCurrentIndex(view.loss_combo.findData("unit"))
    engine = doc.network.bptt(X, loss="unit", unit=2, step=25, layer=0)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])
    assert np.all(np.isnan(shown(view.norm_curve)[26:]))  # nothing flows back from the future
    doc.set_step(30)
    engine = doc.network.bptt(X, loss="unit", unit=2, step=30, layer=0)
    qtbot.waitUntil(lambda: float(view.gradients["loss"]) == pytest.approx(float(engine["loss"])), timeout=3000)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])


def test_weight_edit_recomputes_in_the_background(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(compute_module, "INLINE_COST", 0)
    doc, view = make_view(qtbot, Network.random("lstm", 1, 3, seed=1))
    before = view.gradients
    doc.set_weight("bias_hh_l0", (3,), 4.0)  # the forget gate of unit 0 opens
    qtbot.waitUntil(lambda: view.gradients is not before, timeout=5000)
    engine = Network("lstm", 1, 3, params=dict(doc.network.params)).bptt(X)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])
    assert_plotted(shown(view.cec_curves[0]), engine["cec_l0"][:, 0])


def linear_rnn(scale: float) -> Network:
    """A relu RNN on positive inputs stays in its linear regime, so dh_T/dh_t = scale^(T-t) exactly."""
    net = Network.random("rnn", 1, 2, seed=0, nonlinearity="relu")
    return net.with_parameters(
        {
            "weight_hh_l0": scale * np.eye(2),
            "weight_ih_l0": np.ones((2, 1)),
            "bias_ih_l0": np.zeros(2),
            "bias_hh_l0": np.zeros(2),
        }
    )


@pytest.mark.parametrize(
    ("scale", "word", "decades"), [(0.5, "vanishing", -3.9), (1.5, "exploding", 2.3), (1.0, "flows", 0.0)]
)
def test_explanation_names_what_happens(qtbot, scale: float, word: str, decades: float) -> None:
    x = np.ones(14)
    doc, view = make_view(qtbot, linear_rnn(scale), x)
    text = view.explanation.text()
    assert word in text
    if word != "flows":
        assert (
            f"10<sup>{decades:.1f}</sup> over 13 steps".replace("-", "−") in text
        )  # 13 log10(scale), worked out by hand


def test_click_on_a_plot_jumps_to_that_step(qtbot) -> None:
    doc, view = make_view(qtbot, Network.random("lstm", 1, 3, seed=1))
    qtbot.waitExposed(view)
    vb = view.norm_plot.vb
    scene_pos = vb.mapViewToScene(QPointF(17.0, vb.viewRange()[1][0] + 0.5 * np.ptp(vb.viewRange()[1])))
    widget_pos = view.plots.mapFromScene(scene_pos)
    qtbot.mouseClick(view.plots.viewport(), Qt.MouseButton.LeftButton, pos=widget_pos)
    assert doc.step == 17


def test_edits_during_a_background_run_deliver_only_the_latest(qtbot, monkeypatch) -> None:
    """A slider drag starts a run per edit; each cancels the one before, and only the last one is shown."""
    doc, view = make_view(qtbot, Network.random("gru", 1, 3, seed=1))
    monkeypatch.setattr(compute_module, "INLINE_COST", doc.compute.cost("trace"))  # the trace inline, BPTT not
    runner = BackgroundRunner()
    doc.set_runner(runner)
    assert doc.compute.cost("gradients") > compute_module.INLINE_COST >= doc.compute.cost("trace")
    ready: list[str] = []
    doc.compute.events.ready.connect(ready.append)
    for k in range(5):  # a slider drag
        doc.set_weight("bias_hh_l0", (0,), 0.1 * k)
    qtbot.waitUntil(lambda: "gradients" in ready, timeout=5000)
    qtbot.wait(100)
    assert ready == ["gradients"]
    engine = Network("gru", 1, 3, params=dict(doc.network.params)).bptt(X)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])
    runner.shutdown()


def test_network_with_an_output_layer(qtbot) -> None:
    doc, view = make_view(qtbot, Network.random("lstm", 1, 3, seed=2, output_size=2))
    engine = doc.network.bptt(X)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])


def test_long_gradients_show_progress_and_cancel_in_the_main_window(qtbot, monkeypatch) -> None:
    """BPTT over a long sequence reports progress in the status bar; Cancel stops it, the view says so and offers
    to compute again, and that gives the engine's numbers."""
    from lstmviz.engine import progress
    from lstmviz.gui.main_window import MainWindow

    x = np.sin(np.linspace(0, 200, 20_000))
    doc = Document(Network.random("lstm", 1, 16, seed=0), SequenceData(x))
    window = MainWindow(doc, persist=False)
    qtbot.addWidget(window)
    window.show()
    monkeypatch.setattr(compute_module, "INLINE_COST", doc.compute.cost("trace"))  # the trace inline, BPTT not
    gate = threading.Event()
    real_tick = progress.tick

    def slow_tick(steps: int) -> None:  # the worker waits at its first progress point until the test has looked
        real_tick(steps)
        gate.wait(10)

    monkeypatch.setattr("lstmviz.engine.cotangents.tick", slow_tick)
    dock = window.docks["gradients"]
    dock.show()
    dock.raise_()
    qtbot.waitUntil(lambda: isinstance(window.views["gradients"], GradientsView), timeout=5000)
    view = window.views["gradients"]
    status = window.status
    qtbot.waitUntil(lambda: status.progress.isVisible() and "gradients" in status.progress.format(), timeout=5000)
    assert "computing gradients" in view.explanation.text()
    qtbot.mouseClick(status.cancel_button, Qt.MouseButton.LeftButton)
    gate.set()
    assert "cancelled" in view.explanation.text() and not doc.compute.busy()
    monkeypatch.setattr("lstmviz.engine.cotangents.tick", real_tick)
    view.explanation.linkActivated.emit("recompute")
    qtbot.waitUntil(lambda: view.gradients is not None and doc.compute.result("gradients") is not None, timeout=60000)
    engine = doc.network.bptt(x)
    assert_plotted(shown(view.norm_curve), engine["grad_norm_h_l0"])
    doc.mark_clean()
