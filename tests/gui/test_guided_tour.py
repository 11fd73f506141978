"""Help > Guided Tour: Next walks every page, each putting the window in its state; Back returns; Undo unwinds."""

from __future__ import annotations

from typing import Any

import numpy as np
from app_checks import assert_same_network
from PySide6.QtCore import Qt

from lstmviz.gui.dialogs.guided_tour import GuidedTour
from lstmviz.model.tour import TOUR

EXPECTED = [  # (cell, steps, step, view in front) per page, in teaching order
    ("rnn", 200, 40, "heatmaps"),
    ("rnn", 12, 11, "gradients"),
    ("rnn", 52, 0, "gradients"),
    ("lstm", 52, 0, "gradients"),
    ("gru", 60, 12, "heatmaps"),
    ("lstm", 200, 60, "heatmaps"),
    ("lstm", 200, 60, "heatmaps"),
]
TITLES = [
    "The vanilla RNN and its output",
    "Backpropagation through time",
    "Vanishing and exploding gradients",
    "The constant error carousel",
    "The GRU",
    "The LSTM's gates and cell update",
    "Encoder-decoder (seq2seq)",
]


def _visible_in_front(window: Any, key: str) -> bool:
    dock = window.docks[key]
    return dock.isVisible() and not dock.visibleRegion().isEmpty()


def test_next_walks_every_page_and_sets_the_app_up(main_window: Any, qtbot: Any) -> None:
    own = main_window.document.network
    main_window.actions["guided_tour"].trigger()
    tour = main_window.findChild(GuidedTour, "guidedTour")
    assert tour is not None and tour.isVisible() and not tour.isModal()
    assert [page.title for page in TOUR] == TITLES
    document = main_window.document
    for index, (cell, steps, step, view) in enumerate(EXPECTED):
        if index:
            with qtbot.waitSignal(tour.page_shown):
                qtbot.mouseClick(tour.next_button, Qt.MouseButton.LeftButton)
        page = TOUR[index]
        assert tour.index == index and tour.counter.text() == f"Page {index + 1} of {len(TOUR)}"
        text = tour.text.toPlainText()
        assert page.title in text and "Look at." in text and "Try." in text
        assert "=" in text  # every page carries its equation
        assert document.network.cell == cell and document.sequence.steps == steps
        assert document.step == step
        assert document.undo_text == f"Guided tour: {page.title}"
        qtbot.waitUntil(lambda v=view: _visible_in_front(main_window, v))
        assert tour.back_button.isEnabled() == (index > 0)
        assert tour.next_button.isEnabled() == (index < len(TOUR) - 1)
    # pages 3 and 4: the same copy example, once for the RNN, once for the LSTM with its forget gates open
    assert document.network.has_output
    # the last page opened an encoder-decoder window beside the main one
    assert tour.seq2seq_window is not None and tour.seq2seq_window.isVisible()
    assert tour.seq2seq_window.objectName() == "seq2seqWindow"
    with qtbot.waitSignal(tour.page_shown):
        qtbot.mouseClick(tour.back_button, Qt.MouseButton.LeftButton)
    assert tour.index == 5 and document.network.cell == "lstm" and document.step == 60
    for _ in range(len(TOUR) + 1):  # every page was one undo step: Undo unwinds to the user's own network
        document.undo()
    assert_same_network(document.network, own)


def test_the_carousel_page_opens_the_forget_gates() -> None:
    """Page 4's LSTM starts with b_if = 2, so f ~ sigmoid(2) on the blanks and the product along C_t survives."""
    state = TOUR[3].setup()
    rows = state.network.spec.gate_slice("f", state.network.hidden_size)
    np.testing.assert_array_equal(state.network.params["bias_ih_l0"][rows], 2.0)
    rnn = TOUR[2].setup()
    np.testing.assert_array_equal(rnn.sequence.values, state.sequence.values)
