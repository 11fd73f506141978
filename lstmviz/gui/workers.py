"""Background work for the GUI: generic jobs, generator jobs, and the compute service's runner.

Three rules keep worker threads and Qt apart, and each one closes a way the interpreter used to crash:

1. **Workers hold no Qt object.** A worker thread runs a plain-Python record (:class:`_JobState`,
   :class:`_GeneratorState`, :class:`_ComputeRun`); it never holds a widget, a ``QObject`` or a bound method of one, so
   no Qt wrapper is ever freed off the GUI thread (a wrapper freed there corrupts shiboken's wrapper table, and the
   interpreter then dies at exit inside ``PySide::destroyQCoreApplication``). A worker speaks to the GUI thread only
   through the one :class:`_Dispatcher`, whose queued signal carries a handler key and a plain payload; the GUI
   side looks the handler up in a dictionary only it touches.
2. **Cyclic garbage is collected on the GUI thread only** (:class:`GuiThreadCollector`, the scheme of pyqtgraph's
   ``GarbageCollector``): a collection can start in whichever thread allocates, and one in a worker would finalise
   Qt wrappers (a closed dialog's widgets, lambdas connected to signals) off the GUI thread. The collector is
   installed once, the first time a worker starts, and stays: no toggling per job.
3. **Every thread is joined before the QApplication goes.** :func:`shutdown_workers` stops the runners,
   cancels the jobs and joins their threads; it runs on ``aboutToQuit``, from ``atexit`` (before PySide's own
   clean-up, which ``atexit`` runs later as it was registered earlier) and from the main window when it closes.

The runner delivers results coalesced: a new delivery is queued only when the GUI has consumed the previous
one, so a slow redraw never builds a backlog of stale frames, and deliveries come in step order.
"""

from __future__ import annotations

import atexit
import gc
import itertools
import sys
import threading
import traceback
from collections.abc import Callable, Iterator
from typing import Any

from PySide6.QtCore import QCoreApplication, QObject, Qt, QTimer, Signal, Slot

from ..model.compute import Cancelled, ComputeJob

#: How long shutdown waits for one worker to reach its next cancellation point (seconds).
JOIN_TIMEOUT = 10.0
#: The GUI-thread collector's period (milliseconds).
COLLECT_INTERVAL_MS = 500


# Garbage collection on the GUI thread only ----------------------------------------------------------------------
class GuiThreadCollector:
    """Automatic collection off; a GUI-thread timer runs the generations whose thresholds were passed."""

    def __init__(self, interval_ms: int = COLLECT_INTERVAL_MS) -> None:
        self.threshold = gc.get_threshold()
        self.was_enabled = gc.isenabled()
        gc.disable()
        self.timer = QTimer()
        self.timer.setInterval(interval_ms)
        self.timer.timeout.connect(self.collect_due)
        self.timer.start()

    def collect_due(self) -> None:
        """Collect like CPython would have, generation by generation, but here on the GUI thread."""
        count0, count1, count2 = gc.get_count()
        if count0 > self.threshold[0]:
            gc.collect(0)
            if count1 > self.threshold[1]:
                gc.collect(1)
                if count2 > self.threshold[2]:
                    gc.collect(2)

    def stop(self) -> None:
        """Back to automatic collection (called once no worker thread is left)."""
        self.timer.stop()
        if self.was_enabled:
            gc.enable()


# The one channel from workers to the GUI thread ------------------------------------------------------------------
class _Dispatcher(QObject):
    """Lives on the GUI thread from the first worker to :func:`shutdown_workers`; workers only ``emit`` on it."""

    ready = Signal(object)

    def __init__(self) -> None:
        super().__init__()
        self.handlers: dict[int, Callable[[Any], None]] = {}
        self.ready.connect(self._on_ready, Qt.ConnectionType.QueuedConnection)

    @Slot(object)
    def _on_ready(self, message: tuple[int, Any]) -> None:
        key, payload = message
        handler = self.handlers.get(key)
        if handler is not None:
            handler(payload)


class _Runtime:
    """What the workers share: the dispatcher, the collector, the live jobs and runners (GUI thread only)."""

    def __init__(self) -> None:
        self.dispatcher = _Dispatcher()
        self.collector = GuiThreadCollector()
        self.jobs: dict[int, _ThreadJob] = {}
        self.runners: dict[int, BackgroundRunner] = {}
        app = QCoreApplication.instance()
        if app is not None:
            app.aboutToQuit.connect(shutdown_workers)


_runtime: _Runtime | None = None
_unjoined: list[_Runtime] = []
_keys = itertools.count(1)
_atexit_registered = False


def _ensure_runtime() -> _Runtime:
    """The shared runtime, created on the GUI thread by the first worker (and again after a shutdown)."""
    global _runtime, _atexit_registered
    if threading.current_thread() is not threading.main_thread():
        raise RuntimeError("background work must be started from the GUI thread")
    if _runtime is None:
        _runtime = _Runtime()
        if not _atexit_registered:
            atexit.register(shutdown_workers)
            _atexit_registered = True
    return _runtime


def _post(dispatcher: _Dispatcher, key: int, payload: Any) -> None:
    """Worker side: queue ``payload`` for handler ``key`` on the GUI thread."""
    try:
        dispatcher.ready.emit((key, payload))
    except RuntimeError:  # the dispatcher is gone: the application is shutting down
        pass


def shutdown_workers(timeout: float = JOIN_TIMEOUT) -> None:
    """Stop every runner, cancel every job and join their threads; then collection is automatic again.

    Safe to call more than once and when nothing ever ran. Results still queued are dropped.
    """
    global _runtime
    runtime, _runtime = _runtime, None
    if runtime is None:
        return
    for runner in list(runtime.runners.values()):
        runner.shutdown(timeout)
    for job in list(runtime.jobs.values()):
        job.cancel()
    joined = all([job.join(timeout) for job in list(runtime.jobs.values())])
    joined = joined and not any(r.thread_alive() for r in runtime.runners.values())
    runtime.jobs.clear()
    if not joined:  # a worker still holds the dispatcher: keep it, so it is never freed off the GUI thread
        _unjoined.append(runtime)
    runtime.dispatcher.handlers.clear()
    runtime.collector.stop()
    gc.collect()


def live_worker_threads() -> list[threading.Thread]:
    """The worker threads still running (tests and shutdown diagnostics)."""
    return [t for t in threading.enumerate() if t.name.startswith("lstmviz-") and t.is_alive()]


# Generic jobs ---------------------------------------------------------------------------------------------------
class _JobState:
    """What a job's worker thread holds: the function, a cancel flag and the outcome (plain Python)."""

    def __init__(self, fn: Callable[[], Any]) -> None:
        self.fn: Callable[[], Any] | None = fn
        self.cancel_event = threading.Event()
        self.result: Any = None
        self.error: BaseException | None = None


def _run_job(state: _JobState, dispatcher: _Dispatcher, key: int) -> None:
    """Worker thread: run the function, then hand the outcome to the GUI thread (unless cancelled)."""
    fn = state.fn
    try:
        if fn is not None and not state.cancel_event.is_set():
            state.result = fn()
    except Exception as error:  # handed to on_error in the GUI thread
        error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
        state.error = error
    finally:
        del fn
    _post(dispatcher, key, state)


class _ThreadJob:
    """What :class:`Job` and :class:`GeneratorJob` share: a plain-Python state with a cancel flag, one worker
    thread, and a key under which the runtime knows it until the GUI thread has joined that thread."""

    thread_name = "lstmviz-job"

    def __init__(self, state: _JobState | _GeneratorState, parent: QObject | None) -> None:
        self._state = state
        self._thread: threading.Thread | None = None
        self.finished = False
        if parent is not None:
            parent.destroyed.connect(self.cancel)

    @property
    def cancelled(self) -> bool:
        return self._state.cancel_event.is_set()

    def cancel(self) -> None:
        self._state.cancel_event.set()

    def join(self, timeout: float = JOIN_TIMEOUT) -> bool:
        """Wait for the worker thread to end (GUI thread); True when it has."""
        if self._thread is not None:
            self._thread.join(timeout)
            return not self._thread.is_alive()
        return True

    def _start(self, runtime: _Runtime, target: Callable[[Any, _Dispatcher, int], None]) -> None:
        key = next(_keys)
        runtime.jobs[key] = self
        runtime.dispatcher.handlers[key] = lambda _state: self._deliver(runtime, key)
        self._thread = threading.Thread(
            target=target, args=(self._state, runtime.dispatcher, key), name=self.thread_name, daemon=True
        )
        self._thread.start()

    def _deliver(self, runtime: _Runtime, key: int) -> None:
        raise NotImplementedError

    def _finish(
        self,
        runtime: _Runtime,
        key: int,
        on_done: Callable[[Any], None] | None,
        on_error: Callable[[BaseException], None] | None,
    ) -> None:
        """GUI thread, once the worker has posted its outcome: join it, forget it, call back unless cancelled."""
        self.join()
        runtime.jobs.pop(key, None)
        runtime.dispatcher.handlers.pop(key, None)
        self.finished = True
        state = self._state
        if self.cancelled or on_done is None:
            return
        if state.error is None:
            on_done(state.result)
        elif on_error is not None:
            on_error(state.error)
        else:
            sys.excepthook(type(state.error), state.error, state.error.__traceback__)


class Job(_ThreadJob):
    """A function running in a worker thread; its result or error comes back to the GUI thread.

    ``cancel()`` guarantees neither callback runs afterwards (the function itself runs on to its end unless it
    polls :attr:`cancelled`). With a ``parent``, destroying the parent cancels the job.
    """

    def __init__(
        self,
        fn: Callable[[], Any],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
        parent: QObject | None = None,
    ) -> None:
        self._job_state = _JobState(fn)
        super().__init__(self._job_state, parent)
        self._callbacks: tuple[Any, Any] | None = (on_done, on_error)

    def _deliver(self, runtime: _Runtime, key: int) -> None:
        callbacks, self._callbacks = self._callbacks, None
        on_done, on_error = callbacks if callbacks is not None else (None, None)
        self._finish(runtime, key, on_done, on_error)
        self._job_state.fn = None  # the function (and what it holds) is freed here, on the GUI thread


def run_in_background(
    fn: Callable[[], Any],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    parent: QObject | None = None,
) -> Job:
    """Run ``fn()`` in a worker thread; call ``on_done(result)`` or ``on_error(exception)`` in the GUI thread.

    Must be called from the GUI thread. ``fn`` must not touch widgets (nor hold any: see the module's rule 1).
    ``job.cancel()`` drops the result.
    """
    job = Job(fn, on_done, on_error, parent)
    job._start(_ensure_runtime(), _run_job)
    return job


# Generator jobs: long work with progress, pause and cancel --------------------------------------------------------
class _GeneratorState:
    """What a generator job's thread holds: the generator factory, the flags, the latest value (plain Python)."""

    def __init__(self, make: Callable[[], Iterator[Any]]) -> None:
        self.make: Callable[[], Iterator[Any]] | None = make
        self.cancel_event = threading.Event()
        self.running = threading.Event()
        self.running.set()
        self.lock = threading.Lock()
        self.latest: list[Any] = []
        self.done = False
        self.result: Any = None
        self.error: BaseException | None = None


def _run_generator(state: _GeneratorState, dispatcher: _Dispatcher, key: int) -> None:
    """Worker thread: step the generator, posting its values coalesced (the GUI sees the latest, never a backlog).

    Pausing blocks between two values; cancelling stops at the next value. The generator's return value is the
    job's result.
    """
    make = state.make
    try:
        if make is not None:
            generator = make()
            while True:
                state.running.wait()
                if state.cancel_event.is_set():
                    generator.close()
                    break
                try:
                    value = next(generator)
                except StopIteration as stop:
                    state.result = stop.value
                    break
                with state.lock:
                    queue = not state.latest
                    state.latest[:] = [value]
                if queue:
                    _post(dispatcher, key, state)
            del generator
    except Exception as error:  # handed to on_error in the GUI thread
        error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
        state.error = error
    finally:
        del make
    with state.lock:
        state.done = True
    _post(dispatcher, key, state)


class GeneratorJob(_ThreadJob):
    """A generator running in a worker thread: ``on_yield`` sees its values (the latest, at the GUI's pace),
    ``on_done`` its return value. ``pause()``/``resume()`` hold it between two values; ``cancel()`` stops it at
    the next one, and no callback runs after it."""

    thread_name = "lstmviz-generator"

    def __init__(
        self,
        make: Callable[[], Iterator[Any]],
        on_yield: Callable[[Any], None],
        on_done: Callable[[Any], None],
        on_error: Callable[[BaseException], None] | None,
        parent: QObject | None = None,
    ) -> None:
        self._generator_state = _GeneratorState(make)
        super().__init__(self._generator_state, parent)
        self._callbacks: tuple[Any, Any, Any] | None = (on_yield, on_done, on_error)

    @property
    def paused(self) -> bool:
        return not self._generator_state.running.is_set()

    def pause(self) -> None:
        self._generator_state.running.clear()

    def resume(self) -> None:
        self._generator_state.running.set()

    def cancel(self) -> None:
        super().cancel()
        self._generator_state.running.set()  # a paused generator must wake up to stop

    def _deliver(self, runtime: _Runtime, key: int) -> None:
        state = self._generator_state
        with state.lock:
            latest, state.latest = state.latest, []
            done = state.done
        if self._callbacks is None:
            return
        on_yield, on_done, on_error = self._callbacks
        if latest and not self.cancelled:
            on_yield(latest[0])
        if done:
            self._callbacks = None
            self._finish(runtime, key, on_done, on_error)
            state.make = None


def run_generator_in_background(
    make: Callable[[], Iterator[Any]],
    on_yield: Callable[[Any], None],
    on_done: Callable[[Any], None],
    on_error: Callable[[BaseException], None] | None = None,
    parent: QObject | None = None,
) -> GeneratorJob:
    """Run the generator ``make()`` in a worker thread (training, long scans); see :class:`GeneratorJob`.

    Must be called from the GUI thread; the generator must not touch widgets (nor hold any).
    """
    job = GeneratorJob(make, on_yield, on_done, on_error, parent)
    job._start(_ensure_runtime(), _run_generator)
    return job


# The compute service's runner ----------------------------------------------------------------------------------
class _ComputeRun:
    """What the worker thread holds for one job: its work, its cancel flag, and the latest report (plain Python)."""

    def __init__(self, job: ComputeJob) -> None:
        self.slot = job.slot
        self.work: Callable[[Any], Any] | None = job.work
        self.cancel_event = job.cancel_event
        self.lock = threading.Lock()
        self.posted = False
        self.partial: tuple[int, Any] | None = None
        self.done = 0
        self.finished = False
        self.result: Any = None
        self.error: BaseException | None = None

    def report(self, done: int, partial: Any = None) -> None:
        """Worker side: remember the latest progress (and partial result); raise Cancelled once cancelled."""
        if self.cancel_event.is_set():
            raise Cancelled
        with self.lock:
            self.done = done
            if partial is not None:
                self.partial = (done, partial)
            post, self.posted = not self.posted, True
        if post:
            self.post(self)

    post: Callable[[_ComputeRun], None] = staticmethod(lambda run: None)  # type: ignore[assignment]


class _ComputeServer:
    """The worker side of a :class:`BackgroundRunner`: the latest request of each kind, served by one long-lived
    thread in the order they came (starting a thread per edit made the GUI thread wait up to 700 ms while older
    workers held the GIL)."""

    def __init__(self, dispatcher: _Dispatcher, key: int) -> None:
        self.dispatcher = dispatcher
        self.key = key
        self.wake = threading.Condition()
        self.requests: dict[tuple[int, str], _ComputeRun] = {}
        self.working: _ComputeRun | None = None
        self.stopping = False
        self.thread = threading.Thread(target=self.serve, name="lstmviz-compute", daemon=True)

    def submit(self, run: _ComputeRun) -> None:
        run.post = self._post
        with self.wake:
            older = self.requests.pop(run.slot, None)
            if older is not None:
                older.cancel_event.set()
            if self.working is not None and self.working.slot == run.slot:
                self.working.cancel_event.set()
            self.requests[run.slot] = run
            self.wake.notify_all()
        if not self.thread.is_alive() and not self.stopping:
            self.thread.start()

    def _post(self, run: _ComputeRun) -> None:
        _post(self.dispatcher, self.key, run)

    def stop(self, timeout: float) -> None:
        with self.wake:
            self.stopping = True
            for run in [*self.requests.values(), self.working]:
                if run is not None:
                    run.cancel_event.set()
            self.requests.clear()
            self.wake.notify_all()
        if self.thread.is_alive():
            self.thread.join(timeout)

    def idle(self, timeout: float) -> bool:
        with self.wake:
            return self.wake.wait_for(lambda: not self.requests and self.working is None, timeout)

    def serve(self) -> None:
        """The worker thread: run the oldest waiting request; a newer one of the same kind cancels it."""
        while True:
            with self.wake:
                self.working = None
                self.wake.notify_all()
                self.wake.wait_for(lambda: bool(self.requests) or self.stopping)
                if self.stopping:
                    return
                slot = next(iter(self.requests))
                run = self.working = self.requests.pop(slot)
            if not run.cancel_event.is_set():
                self.work(run)

    def work(self, run: _ComputeRun) -> None:
        work, run.work = run.work, None
        try:
            if work is not None:
                run.result = work(run.report)
        except Cancelled:
            return
        except Exception as error:  # reported in the GUI thread
            error.__traceback_text__ = traceback.format_exc()  # type: ignore[attr-defined]
            run.error = error
        finally:
            del work
        with run.lock:
            run.finished = True
            post, run.posted = not run.posted, True
        if post:
            self._post(run)


class BackgroundRunner(QObject):
    """The compute service's runner in the GUI: jobs run in one worker thread, results come back coalesced.

    Install it with ``document.set_runner(BackgroundRunner(parent))``. A delivery is queued only once the GUI has
    taken the previous one, so a slow redraw never builds a backlog of stale frames. ``shutdown()`` ends the
    thread (the window calls it when it closes; :func:`shutdown_workers` at exit).
    """

    def __init__(self, parent: QObject | None = None) -> None:
        super().__init__(parent)
        self._jobs: dict[int, ComputeJob] = {}
        """id(run) -> the job whose callbacks it feeds (GUI thread only: the worker never sees a job)."""
        self._runs: dict[tuple[int, str], _ComputeRun] = {}
        self._server: _ComputeServer | None = None
        self._key = 0

    def submit(self, job: ComputeJob) -> None:
        previous = self._runs.pop(job.slot, None)
        if previous is not None:
            previous.cancel_event.set()
            self._jobs.pop(id(previous), None)
        run = _ComputeRun(job)
        self._runs[job.slot] = run
        self._jobs[id(run)] = job
        self._serve_with().submit(run)

    def cancel(self, job: ComputeJob | None = None) -> None:
        for slot in list(self._runs) if job is None else [job.slot]:
            run = self._runs.get(slot)
            if run is not None and (job is None or run.cancel_event is job.cancel_event):
                del self._runs[slot]
                run.cancel_event.set()
                self._jobs.pop(id(run), None)

    @property
    def busy(self) -> bool:
        return bool(self._runs)

    def wait(self, timeout: float = 10.0) -> bool:
        """Block until the worker is idle (tests); deliveries still need the event loop."""
        return True if self._server is None else self._server.idle(timeout)

    def shutdown(self, timeout: float = JOIN_TIMEOUT) -> None:
        """Cancel everything, end the worker thread and join it (a later submit starts a new one)."""
        self.cancel()
        server, self._server = self._server, None
        if server is not None:
            server.stop(timeout)
            if _runtime is not None:
                _runtime.runners.pop(server.key, None)
                _runtime.dispatcher.handlers.pop(server.key, None)

    def thread_alive(self) -> bool:
        return self._server is not None and self._server.thread.is_alive()

    def _serve_with(self) -> _ComputeServer:
        if self._server is None:
            runtime = _ensure_runtime()
            self._key = next(_keys)
            runtime.runners[self._key] = self
            runtime.dispatcher.handlers[self._key] = self._on_ready
            self._server = _ComputeServer(runtime.dispatcher, self._key)
        return self._server

    def _on_ready(self, run: _ComputeRun) -> None:
        job = self._jobs.get(id(run))
        if job is None or run.cancel_event.is_set():
            return
        with run.lock:
            partial, run.partial = run.partial, None
            done, finished, run.posted = run.done, run.finished, False
        if finished:
            self._jobs.pop(id(run), None)
            if self._runs.get(run.slot) is run:
                del self._runs[run.slot]
            if run.error is not None:
                job.on_error(job, run.error)
            else:
                job.on_done(job, run.result)
            run.result = None
            return
        job.on_progress(job, done, None if partial is None else partial[1])
