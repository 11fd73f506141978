"""While a run paces the refreshes, each view's slots run in later event-loop turns (merged when the document
moved on meanwhile), a view behind another tab waits until it is shown, and nothing stays stale once pacing ends."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import numpy as np
import pytest
from app_checks import sine_document
from PySide6.QtWidgets import QTabWidget, QWidget

from lstmviz.gui.document_binding import DocumentBinding
from lstmviz.gui.refresh_pacing import merge_key, merged_args, pacer
from lstmviz.model.changes import NetworkChange


class Probe(QWidget):
    """A view that records what it was told and what the document held when it was told."""

    def __init__(self, document: Any) -> None:
        super().__init__()
        self.document = document
        self.seen: list[tuple[str, Any]] = []
        events = document.events
        self._binding = DocumentBinding(
            self,
            [(events.network_changed, self._on_network), (events.trace_changed, self.refresh)],
        )

    def _on_network(self, change: NetworkChange) -> None:
        self.seen.append(("network", change))

    def refresh(self) -> None:  # takes none of the signal's arguments
        self.seen.append(("trace", float(self.document.trace["h_l0"][-1, 0])))


@pytest.fixture
def paced() -> Iterator[None]:
    pacer().begin()
    yield
    pacer().end()
    pacer().flush()


def _bumped(document: Any, value: float) -> Any:
    bias = np.array(document.network.params["bias_hh_l0"])
    bias[0] = value
    return document.network.with_parameter("bias_hh_l0", bias)


def test_without_pacing_a_view_is_told_at_once(qtbot: Any) -> None:
    document = sine_document()
    probe = Probe(document)
    qtbot.addWidget(probe)
    document.set_network(_bumped(document, 2.0))
    assert [kind for kind, _ in probe.seen] == ["network", "trace"]


def test_paced_views_are_told_later_once_each_with_the_latest_state(qtbot: Any, paced: None) -> None:
    document = sine_document()
    first, second = Probe(document), Probe(document)
    qtbot.addWidget(first)
    qtbot.addWidget(second)
    before = document.network
    document.set_network(_bumped(document, 2.0), merge_key="run")
    document.set_network(_bumped(document, 3.0), merge_key="run")
    assert first.seen == [] and second.seen == []  # nothing ran in the hand-over's own turn
    qtbot.waitUntil(lambda: bool(first.seen) and bool(second.seen), timeout=2_000)
    latest_h = float(document.trace["h_l0"][-1, 0])
    for probe in (first, second):
        assert [kind for kind, _ in probe.seen] == ["network", "trace"]  # two hand-overs, merged into one call
        change = probe.seen[0][1]
        assert change.old is before and change.new is document.network  # the merged change spans both
        assert probe.seen[1][1] == latest_h


def test_a_view_behind_another_tab_waits_until_shown_and_pacing_ending_drains_it(qtbot: Any, paced: None) -> None:
    document = sine_document()
    tabs = QTabWidget()
    shown, hidden = Probe(document), Probe(document)
    tabs.addTab(shown, "shown")
    tabs.addTab(hidden, "hidden")
    qtbot.addWidget(tabs)
    tabs.show()
    qtbot.waitExposed(tabs)
    document.set_network(_bumped(document, 2.0))
    qtbot.waitUntil(lambda: bool(shown.seen), timeout=2_000)
    qtbot.wait(50)
    assert hidden.seen == [] and pacer().pending() == 1  # not painted, so not refreshed
    tabs.setCurrentWidget(hidden)
    qtbot.waitUntil(lambda: len(hidden.seen) == 2, timeout=2_000)
    tabs.setCurrentWidget(shown)
    document.set_network(_bumped(document, 4.0))
    qtbot.waitUntil(lambda: len(shown.seen) == 4, timeout=2_000)
    assert len(hidden.seen) == 2
    pacer().end()  # the run is over: the hidden view catches up too
    qtbot.waitUntil(lambda: len(hidden.seen) == 4, timeout=2_000)
    assert hidden.seen[-1][1] == float(document.trace["h_l0"][-1, 0])
    pacer().begin()  # for the fixture's end


def test_merging_keeps_what_each_emission_says() -> None:
    assert merge_key(0, ("trace",)) != merge_key(0, ("radii",))  # two results: both delivered
    assert merge_key(1, (5,)) == merge_key(1, (7,))  # two steps: the latest is enough
    assert merged_args((("colormap",),), (("scale", "colormap"),)) == (("colormap", "scale"),)
    assert merged_args((3,), (9,)) == (9,)


def test_after_a_run_in_the_window_every_view_shows_the_trained_network_even_one_behind_a_tab(
    qtbot: Any, main_window: Any
) -> None:
    from lstmviz.gui.panels.train_panel import TrainPanel

    main_window.docks["train"].raise_()
    main_window.docks["unit_plots"].close()  # a view the user closed: not refreshed during the run
    qtbot.waitUntil(lambda: isinstance(main_window.views["train"], TrainPanel), timeout=5_000)
    panel = main_window.views["train"]
    panel.settings.choose_task("copy")
    panel.settings.delay_box.setValue(3)
    panel.settings.hidden_box.setValue(6)
    panel.settings.updates_box.setValue(150)
    panel.start_button.click()
    assert pacer().active
    assert not main_window.views["unit_plots"].isVisible()
    qtbot.waitUntil(lambda: len(panel.curves()[0]) > 30, timeout=30_000)
    assert pacer().pending() >= 1  # the closed view's calls wait
    qtbot.waitUntil(lambda: panel.state == "idle", timeout=60_000)
    assert not pacer().active
    qtbot.waitUntil(lambda: pacer().pending() == 0, timeout=10_000)
    document = main_window.document
    trace = document.network.run(document.sequence.values)  # the engine's own run of the trained network
    unit = document.selected_units[0]
    curve = main_window.views["unit_plots"].curves["h"][0]
    np.testing.assert_allclose(np.asarray(curve.yData), trace["h_l0"][:, unit], atol=1e-12)
    shown = np.asarray(main_window.views["heatmaps"].rows["f"].image.image, dtype=float)  # (H, T padded), float32
    steps = document.steps
    np.testing.assert_allclose(shown[:, :steps], trace["f_l0"].T, atol=1e-6)


def test_a_call_waiting_for_a_widget_deleted_on_the_cpp_side_is_dropped(qtbot: Any, paced: None) -> None:
    """Python still holds the wrapper, Qt has deleted the widget (a test's or a window's end): its turn must not
    touch it ("Internal C++ object already deleted" in the event loop)."""
    import weakref

    import shiboken6

    from lstmviz.gui.refresh_pacing import weak_callable

    widget = QWidget()
    calls: list[str] = []

    def touch() -> None:
        calls.append("called")
        widget.setWindowTitle("still here")

    pacer().deliver("probe", weakref.ref(widget), 0, weak_callable(touch), ())
    shiboken6.delete(widget)
    qtbot.wait(50)
    assert calls == [] and pacer().pending() == 0


def test_a_train_panel_closed_with_its_untrained_prediction_still_waiting_raises_nothing(qtbot: Any) -> None:
    from lstmviz.gui.panels.train_panel import TrainPanel

    panel = TrainPanel(sine_document())
    panel.settings.choose_task("copy")
    panel.settings.delay_box.setValue(3)
    panel.settings.hidden_box.setValue(4)
    panel.settings.updates_box.setValue(100_000)
    panel.start_button.click()  # the untrained prediction now waits for a pacer turn
    assert pacer().pending() >= 1
    panel.deleteLater()
    qtbot.wait(300)  # pytest-qt fails the test on any exception raised in the event loop meanwhile
    assert pacer().pending() == 0 and not pacer().active
