"""A session whose trace is kept compact: the compute service makes one above the threshold, recomputes it after an
edit, and BPTT still works from float64 (its gradients equal those from the full trace)."""

from __future__ import annotations

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.engine.trace_compact import CompactTrace
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import compute_kinds
from lstmviz.model.compute_kinds import gradients_request
from lstmviz.model.document import Document

X = np.sin(np.linspace(0, 40, 700))


def test_only_traces_above_the_threshold_are_compact(monkeypatch) -> None:
    net = Network.random("lstm", 1, 4, seed=2)
    assert not isinstance(Document(net, SequenceData(X)).trace, CompactTrace)  # 700 x 4 is far below 96 MB
    monkeypatch.setattr(compute_kinds, "COMPACT_TRACE_BYTES", net.trace_nbytes(X.shape[0]) - 1)
    assert isinstance(Document(net, SequenceData(X)).trace, CompactTrace)
    monkeypatch.setattr(compute_kinds, "COMPACT_TRACE_BYTES", net.trace_nbytes(X.shape[0]))
    assert not isinstance(Document(net, SequenceData(X)).trace, CompactTrace)


def test_an_edit_recomputes_the_compact_trace(monkeypatch) -> None:
    monkeypatch.setattr(compute_kinds, "COMPACT_TRACE_BYTES", 0)
    doc = Document(Network.random("gru", 1, 5, seed=3), SequenceData(X))
    before = doc.trace
    doc.set_weight("weight_hh_l0", (2, 1), 0.9)
    after = doc.trace
    assert isinstance(after, CompactTrace) and after is not before
    reference = doc.network.run(X)
    np.testing.assert_array_equal(after.row("h_l0", 600), reference["h_l0"][600])
    doc.undo()
    np.testing.assert_array_equal(doc.trace.row("h_l0", 600), Network.random("gru", 1, 5, seed=3).run(X)["h_l0"][600])


def test_gradients_of_a_compact_session_are_the_float64_ones(monkeypatch) -> None:
    monkeypatch.setattr(compute_kinds, "COMPACT_TRACE_BYTES", 0)
    net = Network.random("lstm", 1, 6, seed=4)
    doc = Document(net, SequenceData(X))
    assert isinstance(doc.trace, CompactTrace)
    result = doc.compute.request("gradients", gradients_request("h-last-sum"))
    assert result is not None and result.complete
    reference = net.bptt(X, loss="h-last-sum", trace=net.run(X))
    for key in ("grad_weight_hh_l0", "grad_h_l0", "grad_c_l0"):
        np.testing.assert_array_equal(result.value[key], reference[key])
