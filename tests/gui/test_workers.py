"""The background job runner, generator jobs, and the compute service's background runner."""

from __future__ import annotations

import gc
import threading

import numpy as np
import pytest
from PySide6.QtCore import QObject

from lstmviz.engine.network import Network
from lstmviz.gui import workers as workers_module
from lstmviz.gui.workers import BackgroundRunner, live_worker_threads, run_in_background, shutdown_workers
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import compute as compute_module
from lstmviz.model import compute_kinds
from lstmviz.model.document import Document

QUANTITIES = ("i", "f", "g", "o", "c", "h")


def make_document(steps: int = 3000, hidden: int = 8, layers: int = 1) -> Document:
    x = np.sin(np.linspace(0, 40, steps))
    return Document(Network.random("lstm", 1, hidden, layers, seed=0), SequenceData(x))


@pytest.fixture
def background(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every computation goes through the runner, however small."""
    monkeypatch.setattr(compute_module, "INLINE_COST", 0)


def test_job_result_arrives_in_gui_thread(qtbot) -> None:
    main = threading.get_ident()
    seen: list[tuple[int, int, int]] = []
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
    qtbot.waitUntil(lambda: marker.finished and job.finished, timeout=5000)
    assert results == [2]


def test_destroying_the_parent_cancels_the_job(qtbot) -> None:
    owner = QObject()
    gate = threading.Event()
    results: list[object] = []
    job = run_in_background(lambda: gate.wait(5) and 1, results.append, parent=owner)
    owner.deleteLater()
    qtbot.waitUntil(lambda: job.cancelled, timeout=5000)
    gate.set()
    qtbot.waitUntil(lambda: job.finished, timeout=5000)
    assert results == []


class _Cycle:
    """Cyclic garbage: only the cycle collector frees it."""

    def __init__(self) -> None:
        self.me = self


def test_cyclic_garbage_is_collected_on_the_gui_thread_only(qtbot, background) -> None:
    """A collection in a worker would finalise Qt wrappers off the GUI thread: workers never run one."""
    collectors: list[int] = []

    def record(phase: str, _info: dict) -> None:
        if phase == "start":
            collectors.append(threading.get_ident())

    def churn() -> int:
        for _ in range(50_000):  # far past generation 0's threshold
            _Cycle()
        return 1

    gc.callbacks.append(record)
    try:
        jobs = [run_in_background(churn, lambda _r: None) for _ in range(3)]
        doc = make_document(steps=4000)
        runner = BackgroundRunner()
        doc.set_runner(runner)
        doc.set_weight("bias_hh_l0", 0, 0.5)
        qtbot.waitUntil(lambda: all(job.finished for job in jobs), timeout=20_000)
        qtbot.wait(2 * workers_module.COLLECT_INTERVAL_MS)
        runner.shutdown()
    finally:
        gc.callbacks.remove(record)
    assert collectors, "the GUI thread's timer collected the garbage"
    assert set(collectors) == {threading.main_thread().ident}


def test_shutdown_joins_every_worker_thread(qtbot, background) -> None:
    gate = threading.Event()
    job = run_in_background(lambda: gate.wait(0.5), lambda _r: None)
    doc = make_document(steps=20_000, hidden=16)
    runner = BackgroundRunner()
    doc.set_runner(runner)
    doc.set_weight("bias_hh_l0", 8, 1.0)
    assert live_worker_threads()
    shutdown_workers()
    assert live_worker_threads() == []
    assert job.cancelled and not runner.busy
    # Workers start again after a shutdown (a new window in the same process).
    results: list[int] = []
    run_in_background(lambda: 3, results.append)
    qtbot.waitUntil(lambda: results == [3], timeout=5000)


def test_runner_delivers_the_trace_progressively_in_order(qtbot, background, monkeypatch) -> None:
    real = Network.run_progressive
    first_seen = threading.Event()

    def paced(self, *args, **kwargs):  # the worker waits for the GUI's first delivery, however loaded the machine
        for trace, done in real(self, *args, **kwargs):
            yield trace, done
            if done >= compute_kinds.FIRST_DELIVERY_STEPS:
                first_seen.wait(10)

    monkeypatch.setattr(Network, "run_progressive", paced)
    doc = make_document(steps=5000)
    runner = BackgroundRunner()
    progress: list[int] = []
    doc.events.trace_progress.connect(progress.append)
    doc.events.trace_progress.connect(lambda _done: first_seen.set())
    doc.set_runner(runner)
    with qtbot.waitSignal(doc.compute.events.started, timeout=1000):
        doc.set_weight("bias_hh_l0", 8, 2.0)  # forget gate bias of unit 0
    with qtbot.waitSignal(doc.compute.events.ready, timeout=20000):
        pass
    assert doc.trace_steps_ready == doc.steps
    assert progress == sorted(progress) and progress[0] < doc.steps
    reference = doc.network.run(doc.sequence.values)
    for q in QUANTITIES:
        np.testing.assert_allclose(doc.trace.get_quantity(q), reference.get_quantity(q), atol=1e-12)
    runner.shutdown()


def test_runner_drops_stale_generations(qtbot, background) -> None:
    doc = make_document(steps=4000)
    runner = BackgroundRunner()
    doc.set_runner(runner)
    delivered: list[int] = []
    doc.compute.events.progress.connect(lambda kind, done, total: delivered.append(doc.generation))
    ready: list[str] = []
    doc.compute.events.ready.connect(ready.append)
    for k in range(5):
        doc.set_weight("bias_hh_l0", 8, 0.5 * k, merge_key="drag")
    latest = doc.generation
    qtbot.waitUntil(lambda: bool(ready), timeout=20000)
    assert set(delivered) <= {latest}
    assert ready == ["trace"]
    expected = doc.network.run(doc.sequence.values)
    np.testing.assert_allclose(doc.trace.get_quantity("c"), expected.get_quantity("c"), atol=1e-12)
    runner.shutdown()


def test_cancel_stops_and_keeps_what_was_computed(qtbot, background) -> None:
    doc = make_document(steps=20000, hidden=32)
    runner = BackgroundRunner()
    doc.set_runner(runner)
    stopped: list[tuple[str, int, int]] = []
    doc.compute.events.stopped.connect(lambda *args: stopped.append(args))
    doc.set_weight("bias_hh_l0", 8, 1.0)
    doc.compute.cancel()
    assert not runner.busy and not doc.compute.busy()
    assert runner.wait()
    qtbot.wait(50)
    assert doc.trace_steps_ready < doc.steps and doc.trace_stopped
    assert stopped and stopped[0][0] == "trace" and stopped[0][2] == doc.steps
    runner.shutdown()
    assert not runner.thread_alive()


def test_long_sequence_sets_up(qtbot) -> None:
    doc = make_document(steps=100_000, hidden=8)
    assert doc.trace is not None and doc.trace.steps == 100_000


def test_runner_reports_engine_errors(qtbot, background, monkeypatch) -> None:
    from lstmviz.engine.errors import EngineError
    from lstmviz.engine.network import Network as NetworkClass

    doc = make_document(steps=600)
    runner = BackgroundRunner()
    doc.set_runner(runner)

    def broken(self, x, h0=None, c0=None, chunk_steps=2048):
        raise EngineError("the trace needs more memory than there is")
        yield  # pragma: no cover - makes this a generator

    monkeypatch.setattr(NetworkClass, "run_progressive", broken)
    with qtbot.waitSignal(doc.compute.events.failed, timeout=5000) as blocker:
        doc.set_weight("bias_hh_l0", 8, 1.0)
    assert blocker.args[0] == "trace" and "more memory" in blocker.args[1]
    assert not runner.busy and not doc.compute.busy()
    runner.shutdown()


def test_generator_job_progress_pause_resume_and_result(qtbot) -> None:
    from lstmviz.gui.workers import run_generator_in_background

    gate = threading.Event()
    produced: list[int] = []

    def count():
        for k in range(1, 200):
            produced.append(k)
            if k == 5:
                gate.wait(5)
            yield k
        return "done"

    seen: list[int] = []
    results: list[str] = []
    job = run_generator_in_background(count, seen.append, results.append)
    qtbot.waitUntil(lambda: len(produced) >= 5, timeout=5000)
    job.pause()
    gate.set()
    qtbot.wait(100)
    held = len(produced)
    qtbot.wait(100)
    assert len(produced) == held <= 7, "a paused generator takes no further step"
    job.resume()
    qtbot.waitUntil(lambda: bool(results), timeout=5000)
    assert results == ["done"]
    assert seen == sorted(seen) and seen[-1] == 199, "values arrive in order, the last one included"


def test_generator_job_cancel_while_paused(qtbot) -> None:
    from lstmviz.gui.workers import run_generator_in_background

    def forever():
        k = 0
        while True:
            k += 1
            yield k

    calls: list[object] = []
    job = run_generator_in_background(forever, lambda _v: None, calls.append, calls.append)
    qtbot.wait(50)
    job.pause()
    job.cancel()
    assert job.join(5)
    qtbot.wait(50)
    assert calls == [] and job.cancelled
