"""Subscriptions of a widget to the Document's events, ended when the widget is destroyed.

Every view and panel listens to a handful of ``document.events`` and must stop listening when Qt deletes it (a
psygnal callback into a deleted C++ object would raise, or worse). One small object does that for all of them, and
it is also where a training run's refreshes are paced (:mod:`lstmviz.gui.refresh_pacing`): every slot goes through
the application's pacer, which calls it at once unless a run asked it to spread the views over event-loop turns.
"""

from __future__ import annotations

import weakref
from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject

from .refresh_pacing import accepted_args, pacer, weak_callable


class DocumentBinding:
    """Connect ``(signal, slot)`` pairs now; disconnect them (after ``on_release``) when ``owner`` is destroyed."""

    def __init__(
        self,
        owner: QObject,
        connections: Iterable[tuple[Any, Callable[..., Any]]],
        on_release: Callable[[], None] | None = None,
    ) -> None:
        self._on_release = on_release
        self._connections = [
            (signal, self._paced(owner, index, slot)) for index, (signal, slot) in enumerate(connections)
        ]
        for signal, slot in self._connections:
            signal.connect(slot)
        owner.destroyed.connect(self.release)

    def _paced(self, owner: QObject, index: int, slot: Callable[..., Any]) -> Callable[..., None]:
        """``slot`` behind the pacer, given as many of the signal's arguments as it takes (psygnal's rule); the
        widget's method held weakly, as psygnal itself would."""
        count = accepted_args(slot)
        target = weak_callable(slot)
        widget = weakref.ref(owner)

        def call(*args: Any) -> None:
            pacer().deliver(self, widget, index, target, args if count is None else args[:count])

        return call

    def release(self, *_: object) -> None:
        """Stop listening (idempotent); runs ``on_release`` first, once."""
        callback, self._on_release = self._on_release, None
        if callback is not None:
            callback()
        pacer().forget(self)
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (ValueError, RuntimeError):
                pass
        self._connections.clear()
