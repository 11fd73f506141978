"""Background work for the GUI: generic jobs and the Document's progressive trace executor.

Workers run in plain Python threads and never touch widgets: every result travels back to the GUI thread through a
queued Qt signal of a QObject that lives there. The worker's Python loop holds the GIL between NumPy calls, so the
GIL switch interval is lowered while a worker runs; otherwise the GUI thread could wait 5 ms (CPython's default)
each time it wants the GIL back, and a redraw that needs it many times would stall the event loop.

The trace executor delivers chunks coalesced: a new delivery is queued only when the GUI has consumed the previous
one, so a slow redraw never builds a backlog of stale frames, and deliveries come in step order.

Python's cyclic garbage collector is paused while any worker runs (:class:`GcPause`): a collection can start in
whichever thread allocates, and one in a worker would finalise Qt wrappers (widgets of a closed dialog, lambdas
connected to signals) off the GUI thread while the GUI thread is inside Qt, which deadlocks PySide.
"""

from __future__ import annotations

import gc
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
from PySide6.QtCore import QObject, Qt, Signal, Slot

from ..engine.network import Network
from ..engine.trace import Trace
from ..model.document import Document

#: GIL switch interval while a worker runs (seconds); CPython's default is 0.005.
WORKER_SWITCH_INTERVAL = 0.0005
#: Engine chunk: the granularity of cancellation (a stale worker stops within one chunk).
ENGINE_CHUNK_STEPS = 256
#: Steps filled before the first delivery; later deliveries at least double the filled part (2048, 4096, ...).
FIRST_DELIVERY_STEPS = 512
SECOND_DELIVERY_STEPS = 2048

_switch_lock = threading.Lock()
_active_workers = 0
_saved_interval: float | None = None


def _worker_enter() -> None:
    """Lower the GIL switch interval while at least one worker runs (restored by the last one to leave)."""
    global _active_workers, _saved_interval
    with _switch_lock:
        if _active_workers == 0:
            _saved_interval = sys.getswitchinterval()
            sys.setswitchinterval(min(WORKER_SWITCH_INTERVAL, _saved_interval))
        _active_workers += 1


def _worker_leave() -> None:
    global _active_workers
    with _switch_lock:
        _active_workers -= 1
        if _active_workers == 0 and _saved_interval is not None:
            sys.setswitchinterval(_saved_interval)


# Garbage collection off the workers ------------------------------------------------------------------------------
class GcPause(QObject):
    """Counts running workers; automatic collection is off while any runs.

    ``pause()`` runs on the GUI thread before a worker starts; ``resume.emit()`` may come from any thread (queued
    to the GUI thread, which turns collection back on when the count drops to zero).
    """

    resume = Signal()

    def __init__(self) -> None:
        super().__init__()
        self.running = 0
        self.was_enabled = True
        self.resume.connect(self._on_resume, Qt.ConnectionType.QueuedConnection)

    def pause(self, collect: bool = False) -> None:
        """Stop automatic collection; ``collect`` first frees what is pending (on the GUI thread, so it is safe)."""
        if self.running == 0:
            self.was_enabled = gc.isenabled()
            if collect:
                gc.collect()
            gc.disable()
        self.running += 1

    @Slot()
    def _on_resume(self) -> None:
        self.running = max(0, self.running - 1)
        if self.running == 0 and self.was_enabled:
            gc.enable()


_gc_pause: GcPause | None = None


def gc_pause() -> GcPause:
    """The one pause counter (created on the GUI thread by the first worker, so its slot runs there)."""
    global _gc_pause
    if _gc_pause is None:
        _gc_pause = GcPause()
    return _gc_pause


def _resume_gc() -> None:
    try:
        gc_pause().resume.emit()
    except RuntimeError:  # the application is shutting down
        pass


# Generic jobs ---------------------------------------------------------------------------------------------------
class Job(QObject):
    """A function running in a worker thread; its result or error comes back to the GUI thread.

    ``cancel()`` guarantees neither callback runs afterwards (the function itself runs on to its end unless it
    polls :attr:`cancelled`, which it may reach through the job passed to ``fn`` when ``pass_job=True``).
    """

    _succeeded = Signal(object)
    _failed = Signal(object)

    def __init__(
        self,
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
        parent: QObject | None = None,
    ) -> None:
        super().__init__(parent)
        self._on_done = on_done
        self._on_error = on_error
        self._cancel_event = threading.Event()
        self.finished = False
        self._succeeded.connect(self._deliver_result, Qt.ConnectionType.QueuedConnection)
        self._failed.connect(self._deliver_error, Qt.ConnectionType.QueuedConnection)

    @property
    def cancelled(self) -> bool:
        return self._cancel_event.is_set()

    def cancel(self) -> None:
        self._cancel_event.set()

    def _run(self, fn: Callable[[], Any]) -> None:
        _worker_enter()
        try:
            self._call(fn)
        finally:
            _resume_gc()  # also when the job was cancelled

    def _call(self, fn: Callable[[], Any]) -> None:
        try:
            try:
                result = fn()
            except Exception as error:  # noqa: BLE001 - handed to on_error in the GUI thread
                error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
                self._emit(self._failed, error)
            else:
                self._emit(self._succeeded, result)
        finally:
            _worker_leave()

    def _emit(self, signal: Any, payload: Any) -> None:
        if self.cancelled:
            return
        try:
            signal.emit(payload)
        except RuntimeError:  # the job's QObject was deleted with its parent: nobody is waiting any more
            pass

    @Slot(object)
    def _deliver_result(self, result: Any) -> None:
        _running_jobs.discard(self)
        self.finished = True
        if not self.cancelled:
            self._on_done(result)

    @Slot(object)
    def _deliver_error(self, error: BaseException) -> None:
        _running_jobs.discard(self)
        self.finished = True
        if self.cancelled:
            return
        if self._on_error is not None:
            self._on_error(error)
        else:
            sys.excepthook(type(error), error, error.__traceback__)


_running_jobs: set[Job] = set()
"""Keeps parentless jobs alive until their result is delivered."""


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    parent: QObject | None = None,
    collect_first: bool = False,
) -> Job:
    """Run ``fn()`` in a worker thread; call ``on_done(result)`` or ``on_error(exception)`` in the GUI thread.

    Must be called from the GUI thread. ``fn`` must not touch widgets. ``job.cancel()`` drops the result. Garbage
    collection is paused until ``fn`` returns (see :class:`GcPause`); ``collect_first`` frees pending garbage on the
    GUI thread before (a full collection costs 15-20 ms in the main window: fine before a file load, not per edit).
    """
    job = Job(on_done, on_error, parent)
    _running_jobs.add(job)
    gc_pause().pause(collect=collect_first)
    thread = threading.Thread(target=job._run, args=(fn,), name="lstmviz-job", daemon=True)
    thread.start()
    return job


# Progressive traces ---------------------------------------------------------------------------------------------
def progressive_run(network: Network, x: np.ndarray, chunk_steps: int) -> Iterator[tuple[Trace, int]]:
    """``network.run_progressive`` where the engine has it; else the same contract by running chunks with h0/c0.

    Yields ``(trace, steps_done)``: one Trace whose full-length arrays are filled for [0, steps_done).
    """
    if hasattr(network, "run_progressive"):
        yield from network.run_progressive(x, chunk_steps=chunk_steps)
        return
    yield from _chunked_run(network, x, chunk_steps)


def _chunked_run(network: Network, x: np.ndarray, chunk_steps: int) -> Iterator[tuple[Trace, int]]:
    """Fallback: ``network.run`` over consecutive slices, carrying each layer's last h (and C) into the next."""
    x = network.prepare_input(x)
    steps = x.shape[0]
    h0 = c0 = None
    full: dict[str, np.ndarray] = {}
    trace: Trace | None = None
    spec = network.spec
    for start in range(0, steps, chunk_steps):
        stop = min(start + chunk_steps, steps)
        part = network.run(x[start:stop], h0=h0, c0=c0)
        if trace is None:
            full = {key: np.zeros((steps,) + part[key].shape[1:], part[key].dtype) for key in part}
            # The Trace freezes the views it is given; the bases stay writable for the next chunks.
            trace = Trace(part.cell, part.hidden_size, part.num_layers, {k: v.view() for k, v in full.items()},
                          h0=part.h0, c0=part.c0)
        for key, array in part.items():
            full[key][start:stop] = array
        h0 = np.stack([part.get_quantity("h", k)[-1] for k in range(network.num_layers)])
        if spec.has_cell_state:
            c0 = np.stack([part.get_quantity("c", k)[-1] for k in range(network.num_layers)])
        yield trace, stop


class _TraceRun:
    """One generation being computed: a cancel flag, and the latest chunk waiting for the GUI thread."""

    def __init__(self, document: Document, generation: int) -> None:
        self.document = document
        self.generation = generation
        self.total = document.steps
        self.cancel_event = threading.Event()
        self.lock = threading.Lock()
        self.pending: tuple[Trace, int] | None = None
        self.delivered = 0
        self.error: BaseException | None = None
        self.network: Network = document.network
        self.values: np.ndarray = document.sequence.values


class TraceExecutor(QObject):
    """The Document's executor: recomputes a trace in a worker thread and fills the views progressively.

    Install it with ``document.executor = TraceExecutor(parent)``; the Document calls it for recomputes too large to
    run inline. Only the latest generation finishes: a new call cancels the previous worker, and a delivery the
    Document reports stale stops its worker. ``started``/``progress(done, total)``/``finished`` feed a status bar;
    ``cancel()`` stops the current recompute (the views keep the part already drawn).
    """

    started = Signal()
    progress = Signal(int, int)
    finished = Signal()
    failed = Signal(str)
    _chunk_ready = Signal(object)

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._current: _TraceRun | None = None
        """The run the GUI side waits for (GUI thread only)."""
        self._wake = threading.Condition()
        self._request: _TraceRun | None = None
        """The next run for the worker to pick up (guarded by ``_wake``)."""
        self._working = False
        self._holds_gc = False
        """Whether the worker is busy and keeps garbage collection paused (guarded by ``_wake``)."""
        self._thread: threading.Thread | None = None
        self._chunk_ready.connect(self._on_chunk_ready, Qt.ConnectionType.QueuedConnection)

    # Public API -----------------------------------------------------------------------------------------------
    def __call__(self, document: Document, generation: int) -> None:
        """Start computing ``generation`` of ``document``'s trace (cancelling whatever ran before).

        One long-lived worker thread takes the latest request: starting a thread per edit made the GUI thread wait
        (``Thread.start`` blocks until the new thread holds the GIL) up to 700 ms while older workers ran.
        """
        previous = self._current
        if previous is not None:
            previous.cancel_event.set()
        run = _TraceRun(document, generation)
        run.network, run.values = document.network, document.sequence.values
        self._current = run
        with self._wake:
            if self._request is not None:
                self._request.cancel_event.set()
            self._request = run
            if not self._holds_gc:  # released by the worker when it next goes idle
                self._holds_gc = True
                gc_pause().pause()  # no full collection first: it would stall every edit of a drag
            self._wake.notify()
        if self._thread is None:
            self._thread = threading.Thread(target=self._serve, name="lstmviz-trace", daemon=True)
            self._thread.start()
        if previous is None:
            self.started.emit()

    @property
    def busy(self) -> bool:
        return self._current is not None

    def cancel(self) -> None:
        """Stop the current recompute; the part of the trace already delivered stays shown."""
        run, self._current = self._current, None
        if run is not None:
            run.cancel_event.set()
            self.finished.emit()

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the worker is idle (tests and shutdown); deliveries still need the event loop."""
        with self._wake:
            return self._wake.wait_for(lambda: self._request is None and not self._working, timeout)

    # Worker side ----------------------------------------------------------------------------------------------
    def _serve(self) -> None:
        """The worker thread: run the latest request, abandon it as soon as a newer one arrives."""
        while True:
            with self._wake:
                self._working = False
                if self._request is None and self._holds_gc:
                    self._holds_gc = False
                    _resume_gc()
                self._wake.notify_all()
                self._wake.wait_for(lambda: self._request is not None)
                run, self._request = self._request, None
                self._working = True
            if run is not None and not run.cancel_event.is_set():
                self._work(run, run.network, run.values)

    def _work(self, run: _TraceRun, network: Network, values: np.ndarray) -> None:
        _worker_enter()
        try:
            target = FIRST_DELIVERY_STEPS
            for trace, done in progressive_run(network, values, ENGINE_CHUNK_STEPS):
                if run.cancel_event.is_set():
                    return
                if done < run.total and done < target:
                    continue
                with run.lock:
                    queue_signal = run.pending is None
                    run.pending = (trace, done)
                if done >= target:
                    target = max(SECOND_DELIVERY_STEPS, 2 * done) if target < SECOND_DELIVERY_STEPS else 2 * done
                if queue_signal:
                    self._emit_chunk(run)
        except Exception as error:  # noqa: BLE001 - reported in the GUI thread
            run.error = error
            self._emit_chunk(run)
        finally:
            _worker_leave()

    def _emit_chunk(self, run: _TraceRun) -> None:
        try:
            self._chunk_ready.emit(run)
        except RuntimeError:  # the executor was deleted: the window is closing
            run.cancel_event.set()

    # GUI side -------------------------------------------------------------------------------------------------
    @Slot(object)
    def _on_chunk_ready(self, run: _TraceRun) -> None:
        if run is not self._current or run.cancel_event.is_set():
            return
        if run.error is not None:
            self._current = None
            self.failed.emit(str(run.error))
            self.finished.emit()
            return
        with run.lock:
            pending, run.pending = run.pending, None
        if pending is None:
            return
        trace, done = pending
        if not run.document.deliver_trace(run.generation, trace, done):
            run.cancel_event.set()
            if self._current is run:
                self._current = None
                self.finished.emit()
            return
        run.delivered = done
        if self._current is run:  # deliver_trace may have started a newer generation from a slot
            self.progress.emit(done, run.total)
            if done >= run.total:
                self._current = None
                self.finished.emit()
