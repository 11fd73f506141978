"""Pace the views' refreshes while a run feeds them weights: one view per event-loop turn, hidden views later.

Why: a training hand-over (``Document.set_network``) makes every view and panel redraw. Done in the one turn that
emits it, that costs the sum of all of them (diagram, heatmaps, numbers, gradients, weights, window menus ...)
plus the repaint of the whole window: more than 50 ms, a visible stall. While pacing is on, a
:class:`~lstmviz.gui.document_binding.DocumentBinding` does not call its widget's slots at once; it queues them here
and this runs the queued calls of one widget per turn (a zero timer), so input and painting get in between. Calls
of one widget keep their order, and a signal emitted again before its widget's turn is merged into the waiting call
(its latest arguments; a change payload keeps the first ``old``): a slow view skips stale generations instead of
falling behind. A widget that is not showing (behind another tab, its dock closed) while its window is on screen
waits until it is shown. When pacing ends the rest drains, still one widget per turn, hidden ones too, so no view is
left stale after a run. Outside pacing a widget with nothing queued is called directly, as before.
"""

from __future__ import annotations

import dataclasses
import inspect
import weakref
from collections.abc import Callable, Hashable
from typing import Any

import shiboken6
from PySide6.QtCore import QEvent, QObject, QTimer
from PySide6.QtWidgets import QWidget


def weak_callable(slot: Callable[..., Any]) -> Callable[[], Callable[..., Any] | None]:
    """A bound method held weakly (a queued call must not keep a deleted view alive); other callables as they are."""
    if inspect.ismethod(slot):
        method = weakref.WeakMethod(slot)
        return method
    return lambda: slot


def accepted_args(slot: Callable[..., Any]) -> int | None:
    """How many positional arguments ``slot`` takes (None: any number), as psygnal decides what to pass it."""
    try:
        parameters = inspect.signature(slot).parameters.values()
    except (TypeError, ValueError):
        return None
    count = 0
    for parameter in parameters:
        if parameter.kind is inspect.Parameter.VAR_POSITIONAL:
            return None
        if parameter.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD):
            count += 1
    return count


def merge_key(index: int, args: tuple[Any, ...]) -> Hashable:
    """Which waiting call a new emission merges into: the same connection's, except that a name (the compute
    service's ``ready(kind)``) tells apart results that must each be delivered."""
    return (index, args[0]) if args and isinstance(args[0], str) else index


def merged_args(first: tuple[Any, ...], latest: tuple[Any, ...]) -> tuple[Any, ...]:
    """The arguments of two emissions of one signal as one: the latest, but a change payload (``old``/``new``) spans
    both, so a view still sees a structural change that happened in the first, and a tuple of changed fields
    (``view_settings_changed``) is the union of both."""
    if first and latest and dataclasses.is_dataclass(latest[0]) and hasattr(latest[0], "old"):
        return (dataclasses.replace(latest[0], old=first[0].old), *latest[1:])  # type: ignore[type-var]
    if first and latest and isinstance(first[0], tuple) and isinstance(latest[0], tuple):
        return (tuple(dict.fromkeys(first[0] + latest[0])), *latest[1:])
    return latest


class _Queue:
    """The calls one binding waits to make: :func:`merge_key` -> (slot, arguments), in first-arrival order."""

    def __init__(self, owner: Callable[[], QObject | None]) -> None:
        self.owner = owner
        """The widget, held weakly."""
        self.calls: dict[Hashable, tuple[Callable[[], Callable[..., Any] | None], tuple[Any, ...]]] = {}

    def add(self, index: int, slot: Callable[[], Callable[..., Any] | None], args: tuple[Any, ...]) -> None:
        key = merge_key(index, args)
        if key in self.calls:
            args = merged_args(self.calls[key][1], args)
        self.calls[key] = (slot, args)

    def run(self) -> None:
        owner = self.owner()
        if owner is not None and not shiboken6.isValid(owner):  # deleted on the C++ side before its turn came
            self.calls.clear()
            return
        for slot_ref, args in list(self.calls.values()):
            slot = slot_ref()
            if slot is not None:
                slot(*args)
        self.calls.clear()


class RefreshPacer(QObject):
    """The application's one pacer (:func:`pacer`); :meth:`begin`/:meth:`end` nest (two runs at once)."""

    def __init__(self) -> None:
        super().__init__()
        self._active = 0
        self._queues: dict[object, _Queue] = {}
        """Binding -> its waiting calls, oldest first."""
        self._timer = QTimer(self)
        self._timer.setSingleShot(True)
        self._timer.setInterval(0)
        self._timer.timeout.connect(self._turn)
        self._watched: set[int] = set()

    @property
    def active(self) -> bool:
        return self._active > 0

    def begin(self) -> None:
        """From now on the bindings' slots are queued and run one widget per turn."""
        self._active += 1

    def end(self) -> None:
        """Stop queueing; what waits drains over the next turns (hidden widgets too)."""
        self._active = max(0, self._active - 1)
        if self._queues:
            self._timer.start()

    def pending(self) -> int:
        """Widgets with calls waiting."""
        return len(self._queues)

    def deliver(
        self, binding: object, owner: Callable[[], QObject | None], index: int, slot: Any, args: tuple[Any, ...]
    ) -> None:
        """Call ``slot`` now, or queue it behind ``owner``'s waiting calls while pacing (or while some wait)."""
        queue = self._queues.get(binding)
        if queue is None and not self.active:
            target = slot()
            if target is not None:
                target(*args)
            return
        if queue is None:
            queue = self._queues[binding] = _Queue(owner)
        queue.add(index, slot, args)
        if not self._timer.isActive():
            self._timer.start()

    def call_in_turn(self, key: object, owner: QObject, slot: Callable[..., Any], *args: Any) -> None:
        """A widget's own call outside a signal (the next heatmap row, a prediction to draw): like a binding's, now
        when not pacing, else in a turn of ``owner``'s, a newer call under ``key`` replacing one still waiting.
        Both ``owner`` and ``slot`` are held weakly."""
        self.deliver(key, weakref.ref(owner), 0, weak_callable(slot), args)

    def forget(self, binding: object) -> None:
        """The binding's widget is gone: drop its waiting calls."""
        queue = self._queues.pop(binding, None)
        if queue is not None:
            self._watched.discard(id(queue.owner()))

    def flush(self) -> None:
        """Run every waiting call now (a test, or a caller that needs every view current at once)."""
        while self._queues:
            binding = next(iter(self._queues))
            self._queues.pop(binding).run()

    def _turn(self) -> None:
        """Run the waiting calls of the first widget that is showing (any widget once pacing ended); the hidden
        ones are watched for their Show event."""
        ready = next((b for b, queue in self._queues.items() if self._due(queue)), None)
        if ready is not None:
            self._queues.pop(ready).run()
        more = False
        for queue in list(self._queues.values()):
            if self._due(queue):
                more = True
            else:
                self._watch(queue.owner)
        if more:
            self._timer.start()

    def _due(self, queue: _Queue) -> bool:
        return not self.active or _showing(queue.owner)

    def _watch(self, owner_ref: Callable[[], QObject | None]) -> None:
        """Run the widget's calls when it is shown (its tab raised, its dock opened)."""
        owner = owner_ref()
        if owner is not None and id(owner) not in self._watched:
            self._watched.add(id(owner))
            owner.installEventFilter(self)

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show:
            watched.removeEventFilter(self)
            self._watched.discard(id(watched))
            self._timer.start()
        return False


def _showing(owner_ref: Callable[[], QObject | None]) -> bool:
    """False for a widget that is hidden while its window is on screen; True otherwise (a window never shown, as
    in tests and offscreen exports, paints nothing anyway, so its widgets are served in turn)."""
    owner = owner_ref()
    if not isinstance(owner, QWidget):
        return True
    try:
        return owner.isVisible() or not owner.window().isVisible()
    except RuntimeError:  # deleted on the C++ side
        return True


_PACER: list[RefreshPacer] = []


def pacer() -> RefreshPacer:
    """The application-wide pacer, made on first use (it needs a QApplication for its timer)."""
    if not _PACER:
        _PACER.append(RefreshPacer())
    return _PACER[0]
