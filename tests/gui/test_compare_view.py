"""The compare view: Run trains the three cells in child processes; the heatmaps, curves and figure follow."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import numpy as np
import pytest
from app_checks import sine_document

from lstmviz.gui.views.compare_view import CompareView, document_name
from lstmviz.model.compare import COMPARE_CELLS, CellResult, analyse
from lstmviz.model.session import Session


def _view(qtbot: Any, updates: int) -> CompareView:
    view = CompareView(Session(sine_document()))
    qtbot.addWidget(view)
    view.delay_box.setValue(3)
    view.hidden_box.setValue(4)
    view.updates_box.setValue(updates)
    return view


def test_run_shows_each_cell_in_its_own_document(qtbot: Any, tmp_path: Path) -> None:
    view = _view(qtbot, updates=30)
    with qtbot.waitSignal(view.finished, timeout=120_000):
        view.run_button.click()
        assert not view.run_button.isEnabled() and view.stop_button.isEnabled()
    assert view.run_button.isEnabled() and view.export_button.isEnabled()
    for result in view.results:
        document = view.session[document_name(result.cell)]
        assert document.network is result.network
        assert result.losses[-1][0] == 30
        heatmaps = view.heatmaps[result.cell]
        expected = {"rnn": ("h",), "gru": ("h",), "lstm": ("c", "h")}[result.cell]
        assert heatmaps.shown_quantities() == expected
        qtbot.waitUntil(lambda d=document: d.trace is not None and d.trace_steps_ready == d.steps)
        trace = result.network.run(document.sequence.values)
        for key in expected:
            np.testing.assert_allclose(heatmaps.data_array(key), trace[f"{key}_l0"].T)
        np.testing.assert_allclose(view.decay_lines[result.cell].yData, result.decay)  # as given, not log10
        np.testing.assert_allclose(view.share_lines[result.cell].yData, result.shares)
        # measured through the document's own compute service, on the final weights
        np.testing.assert_array_equal(document.compute.value("shares", view.setup()), result.shares)
        np.testing.assert_array_equal(result.decay, analyse(result, document.sequence).decay)
        assert result.shares is not None and result.shares.sum() == pytest.approx(1.0)
        np.testing.assert_allclose(view.loss_lines[result.cell].yData, [loss for _, loss in result.losses])
    assert "RNN 1e" in view.status.text()
    out = tmp_path / "compare.png"
    assert view.export(str(out)) and out.read_bytes().startswith(b"\x89PNG")


def test_zero_updates_compares_the_untrained_networks_at_once(qtbot: Any) -> None:
    view = _view(qtbot, updates=0)
    view.run_button.click()
    assert view.run is None and view.run_button.isEnabled()
    assert [r.cell for r in view.results] == list(COMPARE_CELLS)
    assert all(r.decay is not None and r.decay[-1] == 1.0 for r in view.results)


def test_stop_keeps_what_was_reached(qtbot: Any) -> None:
    view = _view(qtbot, updates=100_000)
    with qtbot.waitSignal(view.finished, timeout=120_000):
        view.run_button.click()
        qtbot.waitUntil(lambda: all(r.losses for r in view.results), timeout=60_000)
        view.stop_button.click()
    assert all(0 < r.losses[-1][0] < 100_000 for r in view.results)


def test_the_model_menu_opens_the_compare_window(main_window: Any) -> None:
    main_window.actions["compare"].trigger()
    window = main_window.findChild(type(main_window).__mro__[1], "compareWindow")
    assert window is not None and window.isVisible()
    assert isinstance(window.centralWidget(), CompareView)
    assert window.centralWidget().session is main_window.session
    main_window.actions["compare"].trigger()  # again: the same window, raised
    assert main_window.findChildren(type(window), "compareWindow") == [window]


def test_the_main_sequence_runs_the_fresh_networks_on_it(qtbot: Any) -> None:
    view = _view(qtbot, updates=50)
    main = view.session.main
    view.task_box.setCurrentIndex(view.task_box.findData("sequence"))
    view.run_button.click()
    assert view.run is None  # nothing to train: shown at once
    for result in view.results:
        document = view.session[document_name(result.cell)]
        assert document.sequence is main.sequence and not result.losses
        assert result.network.input_size == main.sequence.input_size and result.network.hidden_size == 4
        qtbot.waitUntil(lambda r=result: r.decay is not None)
        assert result.decay.shape == (main.sequence.steps,) and result.shares is None
        np.testing.assert_array_equal(result.decay, analyse(result, main.sequence).decay)


def test_measurements_arrive_from_the_background_runner(qtbot: Any, monkeypatch: Any) -> None:
    """With every computation sent to the shared runner, the curves come in through the compute events."""
    from lstmviz.gui.workers import BackgroundRunner
    from lstmviz.model import compute

    monkeypatch.setattr(compute, "INLINE_COST", 0)
    runner = BackgroundRunner()
    try:
        view = _view(qtbot, updates=0)
        view.session.main.set_runner(runner)
        view.run_button.click()
        qtbot.waitUntil(lambda: all(r.decay is not None and r.shares is not None for r in view.results), timeout=60_000)
        for result in view.results:
            document = view.session[document_name(result.cell)]
            np.testing.assert_array_equal(view.share_lines[result.cell].yData, result.shares)
            np.testing.assert_allclose(
                result.decay, analyse(CellResult(result.cell, result.network), document.sequence).decay
            )
    finally:
        runner.shutdown()
