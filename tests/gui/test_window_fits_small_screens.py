"""The window fits a 1024 x 700 laptop in every state: its minimum stays at or under 1000 x 600 whatever is shown
(any dock raised, a big model, many inputs), and at 1000 x 600 every dock gets at least its own minimum.

The minimum was 1049 x 745 fresh, 1276 wide once the Gradients tab had been shown and 1509 for H = 256: the forms
and the gradients' loss menu pushed the window wider than the screen for good.
"""

from __future__ import annotations

from typing import Any

import numpy as np
import pytest
from PySide6.QtCore import QRect
from PySide6.QtWidgets import QScrollArea

from lstmviz.engine.network import Network
from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.main_window import MainWindow
from lstmviz.gui.seq2seq_window import seq2seq_window
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

SMALLEST = (1000, 600)


def _fits(window: Any) -> None:
    hint = window.minimumSizeHint()
    assert hint.width() <= SMALLEST[0] and hint.height() <= SMALLEST[1], f"minimum {hint.toTuple()}"


def _every_dock_fits(qtbot: Any, window: MainWindow) -> None:
    window.resize(*SMALLEST)
    qtbot.waitUntil(lambda: window.size().toTuple() == SMALLEST)
    inside = QRect(0, 0, *SMALLEST)
    for key, dock in window.docks.items():
        if dock.isHidden() or dock.isFloating() or dock.visibleRegion().isEmpty():
            continue  # a tab behind another takes its place only when raised (checked there)
        hint = dock.minimumSizeHint()
        assert dock.width() >= hint.width() and dock.height() >= hint.height(), f"{key} clipped"
        assert inside.contains(dock.geometry()), f"{key} reaches out of the window: {dock.geometry()}"


@pytest.mark.parametrize("hidden, inputs, layers", [(8, 1, 1), (256, 1, 2), (64, 40, 1)])
def test_every_state_fits_1000_by_600(qtbot: Any, hidden: int, inputs: int, layers: int) -> None:
    values = np.sin(np.linspace(0, 20, 150))[:, None] * np.ones((1, inputs))
    document = Document(Network.random("lstm", inputs, hidden, layers, seed=0), SequenceData(values, source="probe"))
    window = MainWindow(document, persist=False)
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    _fits(window)
    _every_dock_fits(qtbot, window)
    for key in ("gradients", "train", "unit_plots", "heatmaps", "numbers", "weights", "model", "sequence"):
        if window.docks[key].visibleRegion().isEmpty():  # covered: its View action brings it to the front
            window.actions[f"dock_{key}"].trigger()
        qtbot.waitUntil(lambda k=key: not window.docks[k].visibleRegion().isEmpty())
        _fits(window)
        _every_dock_fits(qtbot, window)
    assert window.findChild(QScrollArea, "scroll_weights").widget() is window.views["weights"]
    document.mark_clean()


def test_the_forms_scroll_instead_of_growing_the_window(qtbot: Any, main_window: Any) -> None:
    """At 1000 x 600 the Sequence panel is taller than its dock: it scrolls, and its bottom can be reached."""
    _every_dock_fits(qtbot, main_window)
    area = main_window.findChild(QScrollArea, "scroll_sequence")
    panel = main_window.views["sequence"]
    qtbot.waitUntil(lambda: area.verticalScrollBar().maximum() > 0)
    assert panel.height() > area.viewport().height()
    area.verticalScrollBar().setValue(area.verticalScrollBar().maximum())
    assert panel.y() + panel.height() == area.viewport().height()


@pytest.mark.parametrize("hidden", [4, 256])
def test_the_encoder_decoder_window_fits_too(qtbot: Any, hidden: int) -> None:
    window = seq2seq_window(Seq2Seq.random("lstm", hidden, 1, vocab_size=7, embed_size=3, seed=2), "probe")
    qtbot.addWidget(window)
    window.show()
    qtbot.waitExposed(window)
    _fits(window)
    room = window.screen().availableGeometry()  # 800 x 800 on the offscreen platform
    assert window.width() <= room.width() and window.height() <= room.height(), "it opened larger than the screen"
    window.resize(*SMALLEST)
    qtbot.waitUntil(lambda: window.size().toTuple() == SMALLEST)


def test_a_long_status_message_is_not_cut(qtbot: Any, main_window: Any) -> None:
    """The status bar cut "...the input layer was re-initial": the file and model labels now step aside."""
    status = main_window.status
    main_window.resize(*SMALLEST)
    qtbot.waitUntil(lambda: main_window.size().toTuple() == SMALLEST)
    text = "Opened weights.npz with 3 inputs on a 1-input sequence: the input layer was re-initialised"
    width = status.fontMetrics().horizontalAdvance(text)
    assert width > status.message_room(), "the test needs a message longer than the room with every label shown"
    status.showMessage(text, 8000)
    assert not status.file_label.isVisible() and not status.model_label.isVisible()
    assert status.step_label.isVisible()
    assert width <= status.message_room(), "at 1000 px the rest of the bar holds the whole message"
    status.clearMessage()
    assert status.file_label.isVisible() and status.model_label.isVisible()
    status.showMessage("Saved", 1000)  # a short one changes nothing
    assert status.file_label.isVisible()
