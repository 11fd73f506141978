"""Progress of long engine loops, reported to whoever is listening in the current thread (no Qt here).

Why a context variable and not a callback argument: BPTT walks the sequence in several nested loops (the Jacobian
curves, then the backward pass, per layer), and threading a callback through each signature would touch every one
of them. A caller that wants progress (or to cancel: the callback may raise) wraps the call in :func:`reporting`;
the loops call :func:`tick` every few steps, which costs one context-variable read when nobody listens.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar

_listener: ContextVar[Callable[[int], None] | None] = ContextVar("lstmviz_progress", default=None)


@contextmanager
def reporting(callback: Callable[[int], None]) -> Iterator[None]:
    """Call ``callback(steps)`` as engine loops in this thread walk ``steps`` more time steps; it may raise to stop."""
    token = _listener.set(callback)
    try:
        yield
    finally:
        _listener.reset(token)


def tick(steps: int) -> None:
    """Tell the listener, if any, that ``steps`` more time steps are done (it may raise to cancel the loop)."""
    listener = _listener.get()
    if listener is not None:
        listener(steps)
