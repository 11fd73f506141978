"""Checks shared by the window tests: compare the session with the engine's own numbers, wait for a run to hold."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def sine_document(cell: str = "lstm", hidden: int = 8, steps: int = 120, layers: int = 1) -> Document:
    """A small session on a sine, for tests that need a document (also the ``document`` fixture)."""
    return Document(
        Network.random(cell, 1, hidden, layers, seed=0),
        SequenceData(np.sin(np.linspace(0, 12, steps)), source="test sine"),
    )


def assert_trace_matches_engine(document) -> None:
    """The document's trace equals the engine's own run of its network on its sequence (an independent path)."""
    reference = document.network.run(document.sequence.values)
    assert set(document.trace) == set(reference)
    for key in reference:
        np.testing.assert_array_equal(document.trace[key], reference[key])


def assert_same_network(a, b) -> None:
    """Same configuration and bit-identical parameters."""
    assert (a.cell, a.input_size, a.hidden_size, a.num_layers, a.nonlinearity) == (
        b.cell,
        b.input_size,
        b.hidden_size,
        b.num_layers,
        b.nonlinearity,
    )
    assert set(a.params) == set(b.params)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def wait_until_the_curve_holds(qtbot: Any, panel: Any, within: float = 30.0) -> None:
    """After Pause: until half a second passes with no new loss on ``panel``'s curve, however loaded the machine
    (what the child sent before it saw the pause has then arrived); fails if the curve never holds."""
    end = time.monotonic() + within
    while time.monotonic() < end:
        before = len(panel.curves()[0])
        qtbot.wait(500)
        if len(panel.curves()[0]) == before:
            return
    raise AssertionError("the loss curve kept growing after Pause")
