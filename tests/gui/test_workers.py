"""The background job runner and the Document's progressive trace executor."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.gui import workers as workers_module
from lstmviz.gui.workers import TraceExecutor, _chunked_run, run_in_background
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import document as document_module
from lstmviz.model.document import Document

QUANTITIES = ("i", "f", "g", "o", "c", "h")


def make_document(steps: int = 3000, hidden: int = 8, layers: int = 1) -> Document:
    x = np.sin(np.linspace(0, 40, steps))
    return Document(Network.random("lstm", 1, hidden, layers, seed=0), SequenceData(x))


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every recompute goes through the executor, however small."""
    monkeypatch.setattr(document_module, "DIRECT_RECOMPUTE_LIMIT", 0)


def test_job_result_arrives_in_gui_thread(qtbot) -> None:
    main = threading.get_ident()
    seen: list[tuple[int, int]] = []
    run_in_background(
        lambda: (threading.get_ident(), 6 * 7), lambda r: seen.append((r[0], r[1], threading.get_ident()))
    )
    qtbot.waitUntil(lambda: bool(seen), timeout=5000)
    worker, value, delivered_in = seen[0]
    assert value == 42 and worker != main and delivered_in == main


def test_job_error_and_cancel(qtbot) -> None:
    errors: list[BaseException] = []

    def fail() -> None:
        raise ValueError("bad input")

    run_in_background(fail, lambda r: None, errors.append)
    qtbot.waitUntil(lambda: bool(errors), timeout=5000)
    assert isinstance(errors[0], ValueError) and "bad input" in str(errors[0])

    gate = threading.Event()
    results: list[object] = []
    job = run_in_background(lambda: gate.wait(5) and 1, results.append)
    job.cancel()
    gate.set()
    marker = run_in_background(lambda: 2, results.append)
    qtbot.waitUntil(lambda: marker.finished, timeout=5000)
    qtbot.wait(20)
    assert results == [2]


def test_garbage_collection_paused_while_a_job_runs(qtbot) -> None:
    """A collection in a worker would finalise Qt wrappers off the GUI thread: it stays off until the job ends."""
    assert gc.isenabled()
    gate = threading.Event()
    seen: list[bool] = []
    job = run_in_background(lambda: gate.wait(5) and gc.isenabled(), seen.append)
    assert not gc.isenabled()
    gate.set()
    qtbot.waitUntil(lambda: job.finished and gc.isenabled(), timeout=5000)
    assert seen == [False]


def test_garbage_collection_paused_while_the_executor_works(qtbot, background, monkeypatch) -> None:
    doc = make_document(steps=600)
    doc.executor = TraceExecutor()
    enabled_in_worker: list[bool] = []
    real = workers_module.progressive_run

    def watching(*args: object, **kwargs: object):  # noqa: ANN202 - a generator wrapper
        enabled_in_worker.append(gc.isenabled())
        yield from real(*args, **kwargs)

    monkeypatch.setattr(workers_module, "progressive_run", watching)
    with qtbot.waitSignal(doc.events.trace_changed, timeout=10_000):
        doc.set_weight("bias_hh_l0", 0, 0.5)
    assert enabled_in_worker == [False]
    qtbot.waitUntil(gc.isenabled, timeout=5000)  # back on once the worker is idle


@pytest.mark.parametrize("cell, layers", [("lstm", 2), ("gru", 1), ("rnn", 1)])
def test_chunked_fallback_matches_one_run(cell: str, layers: int) -> None:
    net = Network.random(cell, 2, 5, layers, seed=3, output_size=2)
    x = np.random.default_rng(1).normal(size=(130, 2))
    reference = net.run(x)
    last = None
    for trace, done in _chunked_run(net, x, 32):
        last = (trace, done)
    assert last is not None and last[1] == 130
    for key in reference:
        np.testing.assert_allclose(last[0][key], reference[key], rtol=1e-12, atol=1e-12)


def test_executor_delivers_progressively_in_order(qtbot, background) -> None:
    doc = make_document(steps=5000)
    executor = TraceExecutor()
    progress: list[int] = []
    doc.events.trace_progress.connect(progress.append)
    finished: list[bool] = []
    executor.finished.connect(lambda: finished.append(True))
    doc.executor = executor
    with qtbot.waitSignal(executor.started, timeout=1000):
        doc.set_weight("bias_hh_l0", 8, 2.0)  # forget gate bias of unit 0
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    assert doc.trace_steps_ready == doc.steps
    assert progress == sorted(progress) and progress[0] < doc.steps
    reference = doc.network.run(doc.sequence.values)
    for q in QUANTITIES:
        np.testing.assert_allclose(doc.trace.get_quantity(q), reference.get_quantity(q), atol=1e-12)


def test_executor_drops_stale_generations(qtbot, background) -> None:
    doc = make_document(steps=4000)
    executor = TraceExecutor()
    doc.executor = executor
    delivered: list[int] = []
    real_deliver = doc.deliver_trace

    def spy(generation, trace, steps_done=None):
        accepted = real_deliver(generation, trace, steps_done)
        if accepted:
            delivered.append(generation)
        return accepted

    doc.deliver_trace = spy  # type: ignore[method-assign]
    finished: list[bool] = []
    executor.finished.connect(lambda: finished.append(True))
    for k in range(5):
        doc.set_weight("bias_hh_l0", 8, 0.5 * k, merge_key="drag")
    latest = doc.generation
    qtbot.waitUntil(lambda: bool(finished), timeout=20000)
    assert set(delivered) == {latest}
    assert len(finished) == 1
    expected = doc.network.run(doc.sequence.values)
    np.testing.assert_allclose(doc.trace.get_quantity("c"), expected.get_quantity("c"), atol=1e-12)


def test_executor_cancel_stops(qtbot, background) -> None:
    doc = make_document(steps=20000, hidden=32)
    executor = TraceExecutor()
    doc.executor = executor
    doc.set_weight("bias_hh_l0", 8, 1.0)
    executor.cancel()
    assert not executor.busy
    executor.wait()
    qtbot.wait(50)
    assert doc.trace_steps_ready < doc.steps


def test_long_sequence_sets_up(qtbot) -> None:
    doc = make_document(steps=100_000, hidden=8)
    assert doc.trace is not None and doc.trace.steps == 100_000


def test_executor_reports_engine_errors(qtbot, background, monkeypatch) -> None:
    from lstmviz.engine.errors import EngineError
    from lstmviz.engine.network import Network as NetworkClass

    doc = make_document(steps=600)
    executor = TraceExecutor()
    doc.executor = executor

    def broken(self, x, h0=None, c0=None, chunk_steps=2048):
        raise EngineError("the trace needs more memory than there is")
        yield  # pragma: no cover - makes this a generator

    monkeypatch.setattr(NetworkClass, "run_progressive", broken)
    with qtbot.waitSignal(executor.failed, timeout=5000) as blocker:
        doc.set_weight("bias_hh_l0", 8, 1.0)
    assert "more memory" in blocker.args[0]
    assert not executor.busy
