"""Subscriptions of a widget to the Document's events, ended when the widget is destroyed.

Every view and panel listens to a handful of ``document.events`` and must stop listening when Qt deletes it (a
psygnal callback into a deleted C++ object would raise, or worse). One small object does that for all of them.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

from PySide6.QtCore import QObject


class DocumentBinding:
    """Connect ``(signal, slot)`` pairs now; disconnect them (after ``on_release``) when ``owner`` is destroyed."""

    def __init__(
        self,
        owner: QObject,
        connections: Iterable[tuple[Any, Callable[..., Any]]],
        on_release: Callable[[], None] | None = None,
    ) -> None:
        self._connections = list(connections)
        self._on_release = on_release
        for signal, slot in self._connections:
            signal.connect(slot)
        owner.destroyed.connect(self.release)

    def release(self, *_: object) -> None:
        """Stop listening (idempotent); runs ``on_release`` first, once."""
        callback, self._on_release = self._on_release, None
        if callback is not None:
            callback()
        for signal, slot in self._connections:
            try:
                signal.disconnect(slot)
            except (ValueError, RuntimeError):
                pass
        self._connections.clear()
