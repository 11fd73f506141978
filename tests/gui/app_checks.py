"""Checks shared by the main-window tests (A's area): compare the session with the engine's own numbers."""

from __future__ import annotations

import numpy as np


def assert_trace_matches_engine(document) -> None:
    """The document's trace equals the engine's own run of its network on its sequence (an independent path)."""
    reference = document.network.run(document.sequence.values)
    assert set(document.trace) == set(reference)
    for key in reference:
        np.testing.assert_array_equal(document.trace[key], reference[key])


def assert_same_network(a, b) -> None:
    """Same configuration and bit-identical parameters."""
    assert (a.cell, a.input_size, a.hidden_size, a.num_layers, a.nonlinearity) == (
        b.cell, b.input_size, b.hidden_size, b.num_layers, b.nonlinearity)
    assert set(a.params) == set(b.params)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])
