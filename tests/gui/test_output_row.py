"""What the network predicts: the heatmaps show y_t over time (curves for a few outputs, a heatmap for many), with
the next input overlaid as the target when the model forecasts it; checked against the engine's own run."""

from __future__ import annotations

import numpy as np

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


def test_a_forecasting_model_shows_its_output_against_the_next_input(qtbot) -> None:
    x = np.sin(np.linspace(0, 12, 150))
    document = Document(Network.random("lstm", 1, 8, 1, seed=0, output_size=1), SequenceData(x))
    window = open_window(qtbot, document)
    row = window.views["heatmaps"].output_row
    assert row is not None and row.as_curves and row.forecast
    reference = document.network.run(document.sequence.values)["y"]  # the engine directly
    np.testing.assert_allclose(row.drawn(), reference, rtol=1e-12)
    time, target = (np.asarray(a) for a in row.targets[0].getOriginalDataset())
    np.testing.assert_array_equal(target, x[1:])  # the target at step t is x_{t+1}
    np.testing.assert_array_equal(time, np.arange(149))
    document.set_weight("fc.weight", (0, 3), 2.0)  # an edit redraws the forecast
    np.testing.assert_allclose(row.drawn(), document.network.run(document.sequence.values)["y"], rtol=1e-12)
    button = window.views["heatmaps"]._buttons["y"]
    button.setChecked(False)
    assert window.views["heatmaps"].output_row is None
    document.mark_clean()


def test_many_outputs_are_a_heatmap_and_no_output_layer_shows_no_row(qtbot) -> None:
    x = np.sin(np.linspace(0, 12, 90))
    document = Document(Network.random("gru", 1, 6, 1, seed=0, output_size=12), SequenceData(x))
    window = open_window(qtbot, document)
    heatmaps = window.views["heatmaps"]
    row = heatmaps.output_row
    assert row is not None and not row.as_curves and not row.forecast and not row.targets
    reference = document.network.run(document.sequence.values)["y"]
    image = np.asarray(row.image.image)[:, :90]
    np.testing.assert_allclose(image, reference.T, rtol=1e-5, atol=1e-6)
    document.reconfigure(output_size=0)
    assert heatmaps.output_row is None and "y" not in heatmaps._buttons
    document.mark_clean()
