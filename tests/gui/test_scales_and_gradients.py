"""Scales that tell the truth and a Gradients tab that reads in its dock, through the real window at 1280 x 800:
a ReLU RNN's h_t is drawn on a scale that holds its values, the log10 |dL/dh_t| heatmap has a colour bar, values
that vanish are left blank (not drawn at a floor), and the plots are tall enough to read."""

from __future__ import annotations

import math

import numpy as np
import pytest
from PySide6.QtWidgets import QDockWidget

from lstmviz.engine.network import Network
from lstmviz.gui.main_window import MainWindow
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def open_window(qtbot, document: Document) -> MainWindow:
    window = MainWindow(document)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def raise_dock(window: MainWindow, key: str) -> None:
    for dock in window.findChildren(QDockWidget):
        if dock.widget() is window.views.get(key) or dock.objectName().endswith(key):
            dock.show()
            dock.raise_()


def relu_document() -> Document:
    net = Network.random("rnn", 1, 6, 1, seed=1, nonlinearity="relu")
    x = 3.0 + 2.0 * np.sin(np.linspace(0, 9, 200))  # large positive inputs: h well above 1
    return Document(net, SequenceData(x))


def test_relu_states_get_a_scale_that_holds_them(qtbot) -> None:
    document = relu_document()
    window = open_window(qtbot, document)
    h = document.network.run(document.sequence.values)["h_l0"]
    peak = float(h.max())
    assert peak > 1.5, "the case needs h above the gate scale"
    row = window.views["heatmaps"].rows["h"]
    low, high = row.levels
    assert high >= peak and low <= 0.0, (row.levels, peak)
    assert row.colorbar.levels == row.levels
    units = window.views["unit_plots"]
    document.select_units([int(np.argmax(h.max(axis=0)))])
    plotted = float(h[:, list(units.plotted_units())].max())
    assert plotted > 1.0
    qtbot.waitUntil(lambda: units.plots["h"].viewRange()[1][1] >= plotted)
    document.mark_clean()


def vanishing_document() -> Document:
    net = Network.random("lstm", 1, 8, 1, seed=0)
    net = net.with_parameter("weight_hh_l0", net.params["weight_hh_l0"] * 0.2)
    net = net.with_parameter("bias_ih_l0", net.params["bias_ih_l0"] - 3.0)
    return Document(net, SequenceData(np.sin(np.linspace(0, 60, 600))))


@pytest.fixture
def gradients_window(qtbot):
    document = vanishing_document()
    window = open_window(qtbot, document)
    raise_dock(window, "gradients")
    qtbot.waitUntil(
        lambda: "gradients" in window.views and window.views["gradients"].gradients is not None, timeout=10000
    )
    yield window, window.views["gradients"]
    document.mark_clean()


def test_gradient_plots_are_readable_in_their_dock(qtbot, gradients_window) -> None:
    window, view = gradients_window
    assert view.compact, "at 1280 x 800 the dock is short: one plot at a time"
    for page in range(3):
        view.page_bar.setCurrentIndex(page)
        qtbot.wait(20)
        shown = view.visible_plots()
        assert len(shown) == 1 and shown[0].isVisible()
        box = shown[0].getViewBox()
        assert box.height() >= 90, f"page {page}: plot {box.height():.0f} px tall"
        right = shown[0].mapRectToScene(shown[0].boundingRect()).right()
        assert right <= view.plots.viewport().width() + 1, "nothing clipped at the right edge"
        bottom = shown[0].getAxis("bottom")
        assert bottom.isVisible()
    # the heatmap's colour bar says its range: the top 8 decades of log10 |dL/dh_t|
    view.page_bar.setCurrentIndex(2)
    qtbot.wait(20)
    assert view.heat_bar.isVisible()
    grad = np.abs(np.asarray(view.gradients["grad_h_l0"], dtype=np.float64))
    top = math.log10(grad.max())
    assert view.heat_bar.levels == pytest.approx((top - 8, top))


def test_a_tall_gradients_view_stacks_all_three_plots(qtbot) -> None:
    from lstmviz.gui.views.gradients import GradientsView

    document = vanishing_document()
    view = GradientsView(document)
    qtbot.addWidget(view)
    view.resize(700, 760)
    view.show()
    qtbot.waitUntil(lambda: view.gradients is not None, timeout=10000)
    assert not view.compact and not view.page_bar.isVisible()
    plots = view.visible_plots()
    assert plots == [view.norm_plot, view.cec_plot, view.heat_plot]
    assert all(plot.getViewBox().height() >= 90 for plot in plots)
    assert plots[-1].getAxis("bottom").labelText == "step" and plots[0].getAxis("bottom").labelText == ""
    view.hide()


def test_vanished_gradients_are_blank_and_the_fall_is_written_on_the_curve(qtbot, gradients_window) -> None:
    _window, view = gradients_window
    engine = view.document.network.bptt(view.document.sequence.values)
    norm = np.asarray(engine["grad_norm_h_l0"], dtype=np.float64)
    jac = np.asarray(engine["jacobian_norm_l0"], dtype=np.float64)
    assert (norm == 0).any(), "the case needs values below what float64 keeps"
    drawn = np.asarray(view.norm_curve.getOriginalDataset()[1], dtype=np.float64)
    assert np.all(np.isnan(drawn[norm == 0])), "below the window is blank, not a floor"
    floor = np.nanmin(drawn)
    assert np.count_nonzero(drawn == floor) == 1, "no flat run of values pinned at the bottom"
    first = int(np.argmax(jac > 0))
    expected = math.log10(jac[first] / jac[-1])
    assert view.decades_label.decades == pytest.approx(expected)
    assert "vanishing" in view.explanation.text() and f"before step {first}" in view.explanation.text()
    # a weight edit that moves the curve by many decades changes what is written on it
    before = view.decades_label.decades
    net = view.document.network
    view.document.set_parameter("weight_hh_l0", net.params["weight_hh_l0"] * 5.0)
    qtbot.waitUntil(
        lambda: view.decades_label.decades is not None and abs(view.decades_label.decades - before) > 3, timeout=10000
    )
