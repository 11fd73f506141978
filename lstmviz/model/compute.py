"""Derived results of the session's model, computed once per generation by one service with one cost rule.

Why one service: the trace, the BPTT gradients, the spectral radii and the colour levels used to be computed in four
places with four thresholds and four workers. Here each kind of result (:mod:`.compute_kinds`) states its cost in
multiply-adds; one rule (:data:`INLINE_COST`) runs it inline or hands it to the one injected :class:`Runner`;
results are keyed by the model's generation and the request's parameters, so stale results are dropped and a
repeated request costs nothing; every change is published as an event that names its kind. Views only read results
and subscribe. No Qt here: the GUI injects a runner that works in a thread (``gui.workers.BackgroundRunner``).

Training publishes through the same events as a *long job* (:meth:`ComputeService.follow`): it runs elsewhere (a
child process), makes new generations rather than deriving from one, and is polled by its owner's timer
(:meth:`ComputeService.pump`); the service publishes what arrives as ``progress``, pauses, resumes and stops it, and
says how it ended (``ready``, ``stopped`` or ``failed``), so the status bar shows and cancels it like a recompute.
"""

from __future__ import annotations

import math
import threading
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np
from psygnal import Signal, SignalGroup

from ..engine.trace import Trace, trace_key
from ..io.color_levels import symmetric_levels
from .compute_kinds import KINDS, Cancelled, ComputeKind, Report

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..io.sequence_data import SequenceData

__all__ = [
    "INLINE_COST",
    "Cancelled",
    "ComputeEvents",
    "ComputeJob",
    "ComputeService",
    "LongJob",
    "Report",
    "Result",
    "Runner",
]

INLINE_COST = 40_000_000
"""The one cost rule: a result estimated above this many multiply-adds is handed to the runner (about 20-50 ms of
NumPy on one core); below it, computing inline is quicker than the round trip through a thread."""


@dataclass(eq=False)
class ComputeJob:
    """One result being computed: ``work(report)`` runs anywhere (plain Python, no Qt, no service); the callbacks
    run on the thread that owns the service, and only a runner calls them."""

    kind: str
    generation: int
    params: Hashable
    total: int
    work: Callable[[Report], Any]
    on_progress: Callable[[ComputeJob, int, Any], None]
    on_done: Callable[[ComputeJob, Any], None]
    on_error: Callable[[ComputeJob, BaseException], None]
    slot: tuple[int, str] = (0, "")
    """(the service, the kind): a runner shared by several models replaces only the job of the same slot."""
    cancel_event: threading.Event = field(default_factory=threading.Event)

    @property
    def cancelled(self) -> bool:
        return self.cancel_event.is_set()


class LongJob(Protocol):
    """A job that runs elsewhere and is polled (a training run in its child process: ``TrainingJob``)."""

    finished: bool
    """True once it has ended; :attr:`error` says whether it failed."""
    error: str | None
    done: int
    """How far it has got (updates), counted against the total given to :meth:`ComputeService.follow`."""

    def poll(self) -> Any:
        """What arrived since the last poll, without waiting."""
        ...

    def pause(self) -> None: ...

    def resume(self) -> None: ...

    def stop(self) -> None:
        """Ask it to end soon; it still reports how far it got."""
        ...


class Runner(Protocol):
    """Runs jobs off the caller's thread; a new job replaces (cancels) the running one of the same ``slot``."""

    def submit(self, job: ComputeJob) -> None: ...

    def cancel(self, job: ComputeJob | None = None) -> None:
        """Stop ``job`` (every job when None): no callback of it runs afterwards."""
        ...


@dataclass
class Result:
    """A derived value of one generation: complete, partial (``done < total``, still coming) or stopped."""

    kind: str
    generation: int
    params: Hashable
    value: Any
    done: int
    total: int
    stopped: bool = False
    """The computation was cancelled at ``done``: what is there is final, the rest will not come."""

    @property
    def complete(self) -> bool:
        return self.done >= self.total


class ComputeEvents(SignalGroup):
    started = Signal(str)
    """A background computation of this kind began."""
    progress = Signal(str, int, int)
    """(kind, done, total): part of a result is in; the trace's filled steps are usable."""
    working = Signal(str, int, int)
    """(kind, done, total): the computation moved on (nothing new to read yet: a status bar's progress)."""
    ready = Signal(str)
    """The kind's result for the current generation is complete."""
    stopped = Signal(str, int, int)
    """(kind, done, total): cancelled; the part computed stays, the rest needs a new request."""
    failed = Signal(str, str)
    """(kind, sentence): the computation raised; the previous result is gone (it belonged to older inputs)."""
    suspended = Signal(str, bool)
    """(kind, paused): a long job was paused (True) or resumed (False)."""


class ComputeService:
    """Results of ``source`` (anything with ``network``, ``sequence`` and ``generation``), one per kind."""

    def __init__(self, source: _Source) -> None:
        self.events = ComputeEvents()
        self.runner: Runner | None = None
        self._source = source
        self._results: dict[str, Result] = {}
        self._running: dict[str, ComputeJob] = {}
        self._long: dict[str, LongJob] = {}
        self._long_results: dict[str, Result] = {}
        self._bounds = _Bounds()

    # Reading -------------------------------------------------------------------------------------------------
    def result(self, kind: str, params: Hashable = None) -> Result | None:
        """The kind's result for the current generation (and these ``params``), complete or not; None if absent.

        A long job's result is its latest poll (or the last run's end), whatever the generation."""
        if kind in self._long_results:
            return self._long_results[kind]
        result = self._results.get(kind)
        if result is None or result.generation != self._source.generation:
            return None
        if params is not None and result.params != params:
            return None
        return result

    def value(self, kind: str, params: Hashable = None) -> Any:
        result = self.result(kind, params)
        return None if result is None else result.value

    def busy(self, kind: str | None = None) -> bool:
        if kind is None:
            return bool(self._running) or bool(self._long)
        return kind in self._running or kind in self._long

    def cost(self, kind: str, params: Hashable = None) -> int:
        src = self._source
        return KINDS[kind].cost(src.network, src.sequence, params)

    # Requesting ----------------------------------------------------------------------------------------------
    def request(self, kind: str, params: Hashable = None, *, force: bool = False) -> Result | None:
        """Make sure the kind's result for the current generation and ``params`` exists or is on its way.

        Returns the result when it could be computed inline (or was already there), else None: the result
        arrives later as ``progress``/``ready`` events. ``force`` recomputes a stopped or failed result.
        """
        existing = self.result(kind, params)
        if existing is not None and not (force and existing.stopped):
            return existing
        running = self._running.get(kind)
        if running is not None and running.generation == self._source.generation and running.params == params:
            return None
        spec: ComputeKind = KINDS[kind]
        src = self._source
        needed = [self.result(name) for name in spec.needs]
        if any(result is None or not result.complete for result in needed):
            return None  # asked again when what it needs is ready
        deps = {name: result.value for name, result in zip(spec.needs, needed, strict=True) if result is not None}
        work = spec.work(src.network, src.sequence, params, deps)
        job = ComputeJob(
            kind,
            src.generation,
            params,
            spec.total(src.network, src.sequence, params),
            work,
            self._on_progress,
            self._on_done,
            self._on_error,
            (id(self), kind),
        )
        self.cancel(kind)
        if self.runner is None or self.cost(kind, params) <= INLINE_COST:
            try:
                value = work(None)
            except Exception as error:
                self._on_error(job, error)
                raise
            self._store(Result(kind, job.generation, params, value, job.total, job.total))
            return self._results[kind]
        self._running[kind] = job
        self._results.pop(kind, None)
        self.events.started.emit(kind)
        self.runner.submit(job)
        return None

    def cancel(self, kind: str | None = None) -> None:
        """Stop the kind's computation (every kind when None); the part already computed stays as a stopped result.

        A long job is asked to stop (it keeps what it reached); its end arrives at a later :meth:`pump`."""
        for name in list(self._long) if kind is None else [kind] if kind in self._long else []:
            self._long_results[name].stopped = True
            self._long[name].stop()
        kinds = list(self._running) if kind is None else [kind] if kind in self._running else []
        for name in kinds:
            job = self._running.pop(name)
            job.cancel_event.set()
            if self.runner is not None:
                self.runner.cancel(job)
            result = self._results.get(name)
            if result is not None and result.generation == job.generation and not result.complete:
                result.stopped = True
                self.events.stopped.emit(name, result.done, result.total)
            elif job.generation == self._source.generation:
                self.events.stopped.emit(name, 0, job.total)

    def invalidate(self) -> None:
        """The inputs changed (a new generation): everything running is abandoned, every result is stale."""
        for job in self._running.values():
            job.cancel_event.set()
            if self.runner is not None:
                self.runner.cancel(job)
        self._running.clear()

    def deliver(self, kind: str, generation: int, value: Any, done: int, total: int, params: Hashable = None) -> bool:
        """Accept a (partial) result computed elsewhere for ``generation``; False when it is stale."""
        if generation != self._source.generation:
            return False
        self._store(Result(kind, generation, params, value, done, total))
        if done < total:
            self.events.progress.emit(kind, done, total)
        else:
            self._running.pop(kind, None)
            self.events.ready.emit(kind)
        return True

    def provide(self, kind: str, value: Any, total: int) -> None:
        """Take a complete result made elsewhere for the current generation (a seq2seq side is given its trace),
        without events: the caller announces the change with its own."""
        self.cancel(kind)
        self._store(Result(kind, self._source.generation, None, value, total, total))

    # Long jobs ---------------------------------------------------------------------------------------------
    def follow(self, kind: str, job: LongJob, total: int) -> None:
        """Publish ``job`` as the kind's result from now on: ``started`` now, then whatever :meth:`pump` finds.

        Not tied to a generation: a training run makes new ones as it hands its weights over, and must not be
        dropped by them (:meth:`invalidate` leaves long jobs alone)."""
        if kind in self._long:
            raise RuntimeError(f"a {kind} job is already running")
        self._long[kind] = job
        self._long_results[kind] = Result(kind, self._source.generation, None, None, 0, total)
        self.events.started.emit(kind)

    def pump(self, kind: str) -> Any:
        """Poll the kind's long job once (its owner's timer calls this) and publish it: ``progress`` while it runs,
        then ``ready`` (all of it done), ``stopped`` (stopped early) or ``failed`` (one sentence). Returns what the
        poll brought, or None when no such job runs."""
        job = self._long.get(kind)
        if job is None:
            return None
        polled = job.poll()
        result = self._long_results[kind]
        result.value, result.done = polled, min(job.done, result.total)
        if not job.finished:
            self.events.progress.emit(kind, result.done, result.total)
            return polled
        del self._long[kind]
        if job.error is not None:
            self.events.failed.emit(kind, job.error)
        elif result.stopped or result.done < result.total:
            result.stopped = True
            self.events.stopped.emit(kind, result.done, result.total)
        else:
            self.events.ready.emit(kind)
        return polled

    def pause(self, kind: str) -> None:
        job = self._long.get(kind)
        if job is not None:
            job.pause()
            self.events.suspended.emit(kind, True)

    def resume(self, kind: str) -> None:
        job = self._long.get(kind)
        if job is not None:
            job.resume()
            self.events.suspended.emit(kind, False)

    # Colour levels -------------------------------------------------------------------------------------------
    def levels(self, key: str) -> tuple[float, float]:
        """Symmetric colour levels of trace array ``key`` over the steps computed so far (one rule, every view):
        the largest |value| is kept per key and only newly filled steps are scanned."""
        result = self.result("trace")
        if result is None:
            return -1.0, 1.0
        return symmetric_levels(self._bounds.bound(result, key))

    def layer_levels(self, keys: list[str], layer: int) -> dict[str, tuple[float, float]]:
        return {key: self.levels(trace_key(key, layer)) for key in keys}

    # Callbacks from the runner (on the service's thread) ----------------------------------------------------
    def _current(self, job: ComputeJob) -> bool:
        return self._running.get(job.kind) is job and job.generation == self._source.generation

    def _on_progress(self, job: ComputeJob, done: int, partial: Any) -> None:
        if not self._current(job):
            return
        if partial is None:
            self.events.working.emit(job.kind, done, job.total)
            return
        self._store(Result(job.kind, job.generation, job.params, partial, done, job.total))
        self.events.progress.emit(job.kind, done, job.total)

    def _on_done(self, job: ComputeJob, value: Any) -> None:
        if not self._current(job):
            return
        del self._running[job.kind]
        self._store(Result(job.kind, job.generation, job.params, value, job.total, job.total))
        self.events.ready.emit(job.kind)

    def _on_error(self, job: ComputeJob, error: BaseException) -> None:
        if self._running.get(job.kind) is job:
            del self._running[job.kind]
        if job.generation != self._source.generation:
            return
        self._results.pop(job.kind, None)
        self.events.failed.emit(job.kind, str(error))

    def _store(self, result: Result) -> None:
        self._results[result.kind] = result


class _Source(Protocol):
    @property
    def network(self) -> Network: ...

    @property
    def sequence(self) -> SequenceData: ...

    generation: int


class _Bounds:
    """Largest finite |value| per trace key for one trace object, updated as its steps fill."""

    def __init__(self) -> None:
        self._identity: tuple[int, int] | None = None
        self._done: dict[str, int] = {}
        self._bound: dict[str, float] = {}

    def bound(self, result: Result, key: str) -> float:
        trace: Trace = result.value
        identity = (result.generation, id(trace))
        if identity != self._identity:
            self._identity, self._done, self._bound = identity, {}, {}
        if key not in trace:
            return 0.0
        start, stop = self._done.get(key, 0), result.done
        if stop > start:
            chunk = np.asarray(trace[key][start:stop])
            if chunk.size:
                top = float(max(chunk.max(), -chunk.min()))  # no |x| temporary: this runs over the whole trace
                if not math.isfinite(top):  # a NaN or inf somewhere: those values are skipped
                    finite = np.abs(chunk[np.isfinite(chunk)])
                    top = float(finite.max()) if finite.size else 0.0
                self._bound[key] = max(self._bound.get(key, 0.0), top)
            self._done[key] = stop
        return self._bound.get(key, 0.0)
