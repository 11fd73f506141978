"""The Document without Qt: events fire, undo/redo restore exactly, drags merge, stale results are dropped, input
sizes stay consistent, workspaces round-trip. References are the engine's own runs on the same inputs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import compute as compute_module
from lstmviz.model.document import Document, adapt_input_size


def make(cell: str = "lstm", hidden: int = 6, steps: int = 80, layers: int = 1) -> Document:
    return Document(Network.random(cell, 1, hidden, layers, seed=0), SequenceData(np.sin(np.linspace(0, 9, steps))))


def record(doc: Document) -> Counter:
    """Count every event the document emits."""
    counts: Counter = Counter()
    for name in (
        "network_changed",
        "sequence_changed",
        "trace_changed",
        "trace_progress",
        "step_changed",
        "selection_changed",
        "view_settings_changed",
        "history_changed",
        "path_changed",
    ):
        getattr(doc.events, name).connect(lambda *args, n=name: counts.update([n]))
    return counts


def assert_trace_is_engines(doc: Document) -> None:
    reference = doc.network.run(doc.sequence.values)
    assert set(doc.trace) == set(reference)
    for key in reference:
        np.testing.assert_array_equal(doc.trace[key], reference[key])


def assert_params_equal(a: Network, b: Network) -> None:
    assert (a.cell, a.input_size, a.hidden_size, a.num_layers) == (b.cell, b.input_size, b.hidden_size, b.num_layers)
    for name in a.params:
        np.testing.assert_array_equal(a.params[name], b.params[name])


def test_weight_edit_fires_events_and_recomputes() -> None:
    doc = make()
    counts = record(doc)
    doc.set_weight("weight_hh_l0", (2, 3), 0.7)
    assert counts == Counter(network_changed=1, trace_changed=1, history_changed=1)
    assert float(doc.network.params["weight_hh_l0"][2, 3]) == 0.7
    assert_trace_is_engines(doc)
    assert doc.dirty and doc.undo_text == "Set weight_hh_l0[i: 2, 3] to 0.7"  # as the weights panel names it


def test_structural_events_see_a_matching_trace() -> None:
    """While views handle network_changed, the trace already belongs to the new network."""
    doc = make("lstm")
    seen = []
    doc.events.network_changed.connect(lambda: seen.append(set(doc.trace)))
    doc.reconfigure(cell="gru", hidden_size=4)
    assert seen == [set(doc.network.run(doc.sequence.values))]


@pytest.mark.parametrize(
    "edit",
    [
        lambda d: d.set_weight("bias_hh_l0", 7, 2.0),
        lambda d: d.set_parameter("weight_hh_l0", d.network.params["weight_hh_l0"] * 1.5, text="Scale"),
        lambda d: d.reconfigure(cell="gru", hidden_size=3, num_layers=2, seed=5),
        lambda d: d.reconfigure(cell="rnn", nonlinearity="relu"),
        lambda d: d.load_network(Network.random("lstm", 1, 6, seed=9)),
        lambda d: d.set_sequence(SequenceData(np.random.default_rng(1).normal(size=(50, 3)))),
        lambda d: d.set_network(Network.random("lstm", 1, 4, seed=2)),
    ],
    ids=["weight", "parameter", "reconfigure", "rnn-relu", "load", "sequence-wider", "network"],
)
def test_undo_redo_restore_exactly(edit) -> None:
    doc = make()
    doc.set_step(40)
    before_net, before_seq = doc.network, doc.sequence
    edit(doc)
    after_net, after_seq = doc.network, doc.sequence
    assert_trace_is_engines(doc)
    doc.undo()
    assert_params_equal(doc.network, before_net)
    np.testing.assert_array_equal(doc.sequence.values, before_seq.values)
    assert_trace_is_engines(doc)
    assert not doc.dirty
    doc.redo()
    assert_params_equal(doc.network, after_net)
    np.testing.assert_array_equal(doc.sequence.values, after_seq.values)
    assert_trace_is_engines(doc)


def test_drag_merges_into_one_undo_step() -> None:
    doc = make()
    original = float(doc.network.params["bias_hh_l0"][6])
    for value in np.linspace(0.0, 3.0, 12):
        doc.set_weight("bias_hh_l0", 6, float(value), merge_key="drag-1")
    bias = doc.network.params["bias_hh_l0"]
    for value in np.linspace(-1.0, 1.0, 5):
        doc.set_parameter("bias_ih_l0", np.full_like(bias, value), merge_key="drag-2")
    assert len(doc._undo) == 2
    doc.undo()
    assert float(doc.network.params["bias_hh_l0"][6]) == 3.0
    doc.undo()
    assert float(doc.network.params["bias_hh_l0"][6]) == original
    assert not doc.can_undo


def test_no_merge_into_a_saved_step() -> None:
    doc = make()
    doc.set_weight("bias_hh_l0", 6, 1.0, merge_key="drag")
    doc.mark_clean()
    doc.set_weight("bias_hh_l0", 6, 2.0, merge_key="drag")
    assert doc.dirty
    doc.undo()
    assert not doc.dirty and float(doc.network.params["bias_hh_l0"][6]) == 1.0


def test_clean_state_lost_when_its_redo_is_discarded() -> None:
    doc = make()
    doc.set_weight("weight_hh_l0", (0, 0), 1.0)
    doc.mark_clean()
    doc.undo()
    assert doc.dirty
    doc.set_weight("weight_hh_l0", (0, 1), 1.0)  # a different edit: the saved state can no longer be reached
    assert doc.dirty
    doc.undo()
    assert doc.dirty


def test_stale_generations_are_dropped(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = make()
    started: list[int] = []

    class Runner:  # holds the jobs: the test delivers results by hand, as a worker would
        def submit(self, job) -> None:
            started.append(job.generation)

        def cancel(self, kind=None) -> None:
            pass

    doc.set_runner(Runner())
    monkeypatch.setattr(compute_module, "INLINE_COST", 0)
    counts = record(doc)
    doc.set_weight("weight_hh_l0", (0, 0), 0.1)
    net_a = doc.network
    doc.set_weight("weight_hh_l0", (0, 0), 0.2)
    net_b = doc.network
    assert started == [doc.generation - 1, doc.generation]
    assert doc.trace_steps_ready == 0
    stale = net_a.run(doc.sequence.values)
    assert doc.deliver_trace(started[0], stale) is False
    assert counts["trace_changed"] == 0 and doc.trace is not stale
    fresh = net_b.run(doc.sequence.values)
    assert doc.deliver_trace(started[1], fresh, steps_done=30) is True
    assert counts["trace_progress"] == 1 and doc.trace_steps_ready == 30
    assert doc.deliver_trace(started[1], fresh) is True
    assert counts["trace_changed"] == 1 and doc.trace is fresh and doc.trace_steps_ready == doc.steps


def test_failed_edit_leaves_the_session_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = make()
    before = (doc.network, doc.sequence, doc.trace)

    def refuse(self, x, *args, **kwargs):
        raise MemoryError("too big")

    longer = SequenceData(np.zeros(500))
    monkeypatch.setattr(Network, "run", refuse)
    with pytest.raises(MemoryError):
        doc.set_sequence(longer)
    monkeypatch.undo()
    assert doc.network is before[0] and doc.sequence is before[1]
    assert not doc.can_undo
    assert_trace_is_engines(doc)


def test_input_size_adaptation_keeps_recurrent_weights() -> None:
    net = Network.random("gru", 1, 5, 2, seed=3)
    wide = adapt_input_size(net, 4)
    assert wide.params["weight_ih_l0"].shape == (15, 4)
    for name in net.params:
        if name != "weight_ih_l0":
            np.testing.assert_array_equal(wide.params[name], net.params[name])
    doc = Document(net, SequenceData(np.zeros((30, 1))))
    doc.set_sequence(SequenceData(np.ones((30, 4))))
    assert doc.network.input_size == 4
    assert_trace_is_engines(doc)
    doc.reset_network()  # the reset target is adapted to the sequence's width too
    assert doc.network.input_size == 4
    np.testing.assert_array_equal(doc.network.params["weight_hh_l1"], net.params["weight_hh_l1"])


def test_loading_weights_that_do_not_fit() -> None:
    doc = make()
    wide = Network.random("lstm", 3, 6, seed=4)
    with pytest.raises(ValueError, match="expects 3 input"):
        doc.load_network(wide)
    assert not doc.can_undo
    doc.load_network_adapted(wide)
    assert doc.network.input_size == 1
    np.testing.assert_array_equal(doc.network.params["weight_hh_l0"], wide.params["weight_hh_l0"])
    doc.undo()
    sequence = SequenceData(np.zeros((20, 3)))
    doc.load_network_with_sequence(wide, sequence)
    assert doc.network is wide and doc.sequence is sequence and doc.reference_network is wide
    assert_trace_is_engines(doc)
    doc.undo()
    assert doc.sequence.input_size == 1 and doc.reference_network is not wide


def test_selection_clamped_when_network_shrinks() -> None:
    doc = make(hidden=6, layers=2)
    doc.set_layer(1)
    doc.select_units([2, 5])
    counts = record(doc)
    doc.reconfigure(hidden_size=3, num_layers=1)
    assert doc.layer == 0 and doc.selected_units == (2,)
    assert counts["selection_changed"] == 1


def test_navigation_is_not_undoable_and_clamps() -> None:
    doc = make(steps=50)
    counts = record(doc)
    doc.set_step(500)
    doc.set_layer(3)
    doc.select_units([0, 99, 2])
    assert (doc.step, doc.layer, doc.selected_units) == (49, 0, (0, 2))
    assert counts == Counter(step_changed=1, selection_changed=1)
    assert not doc.can_undo and not doc.dirty


def test_workspace_round_trip_as_fresh_history() -> None:
    doc = make("gru", hidden=4, layers=2)
    doc.set_weight("weight_hh_l1", (1, 1), 0.25)
    doc.set_step(33)
    doc.set_layer(1)
    doc.select_units([1, 3])
    doc.set_view_settings(hidden_heatmaps=("z",))
    workspace = doc.to_workspace()
    other = make("rnn", hidden=2, steps=10)
    other.set_weight("weight_hh_l0", (0, 0), 0.5)
    counts = record(other)
    other.restore(workspace, path="/tmp/session.lstmviz")
    assert_params_equal(other.network, doc.network)
    assert (other.step, other.layer, other.selected_units) == (33, 1, (1, 3))
    assert other.view_settings.hidden_heatmaps == ("z",)
    assert workspace.view_settings == {"heatmaps.hidden": ["z"]}  # the key files have always used
    assert other.path == "/tmp/session.lstmviz"
    assert not other.dirty and not other.can_undo and not other.can_redo
    assert_trace_is_engines(other)
    for name in (
        "network_changed",
        "sequence_changed",
        "trace_changed",
        "step_changed",
        "selection_changed",
        "history_changed",
        "path_changed",
    ):
        assert counts[name] == 1, name
    other.set_weight("weight_hh_l0", (0, 0), 0.0)
    other.reset_network()  # the workspace's network is the reset target
    assert_params_equal(other.network, doc.network)


def test_events_carry_what_changed() -> None:
    """network_changed says whether the structure moved; sequence_changed whether the shape did."""
    doc = make()
    changes: list[object] = []
    doc.events.network_changed.connect(changes.append)
    doc.events.sequence_changed.connect(changes.append)
    before = doc.network
    doc.set_weight("weight_hh_l0", (0, 0), 0.25)
    change = changes.pop()
    assert change.old is before and change.new is doc.network
    assert not change.structural and change.parameters == ("weight_hh_l0",)
    doc.reconfigure(hidden_size=doc.network.hidden_size + 1)
    assert changes.pop().structural
    old_sequence = doc.sequence
    doc.set_sequence(SequenceData(np.zeros(7)))
    change = changes.pop()
    assert change.old is old_sequence and change.resized


def test_step_event_only_when_the_step_moves() -> None:
    doc = make()
    steps: list[int] = []
    doc.events.step_changed.connect(steps.append)
    doc.set_step(3)
    doc.set_weight("weight_hh_l0", (0, 0), 0.5)  # a new trace, the same step
    doc.set_sequence(SequenceData(np.zeros(doc.steps)))  # as many steps: the step stays
    assert steps == [3]
    doc.set_sequence(SequenceData(np.zeros(2)))  # shorter: the step is clamped, and says so
    assert steps == [3, 1]


def test_a_workspace_the_engine_refuses_leaves_the_session_as_it_was(monkeypatch: pytest.MonkeyPatch) -> None:
    doc = make()
    doc.set_weight("weight_hh_l0", (0, 0), 0.5)
    workspace = make("rnn", hidden=2, steps=10).to_workspace()
    before = (doc.network, doc.sequence, doc.can_undo)

    def refuse(self, x, *args, **kwargs):
        raise MemoryError("too big")

    monkeypatch.setattr(Network, "run", refuse)
    with pytest.raises(MemoryError):
        doc.restore(workspace)
    monkeypatch.undo()
    assert (doc.network, doc.sequence, doc.can_undo) == before
