"""Ending the app in order: Ctrl+C and SIGTERM quit through the window, unsaved work survives in a recovery file.

Python runs a signal handler only when the interpreter gets control, and Qt's event loop sits in C: the handler
would wait for the next key press. :class:`SignalQuitter` therefore wakes the loop through ``signal.set_wakeup_fd``
and a socket notifier, then quits like File > Quit: Ctrl+C (SIGINT) closes the window as the user would (asking
about unsaved changes); SIGTERM (logout, shutdown: nobody is there to answer) writes unsaved work to the recovery
file, saves the settings and exits 0. The next start offers to restore the recovery file, as editors do.
"""

from __future__ import annotations

import logging
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from PySide6.QtCore import QObject, QSocketNotifier, QStandardPaths

log = logging.getLogger(__name__)

RECOVERY_NAME = "recovery.lstmviz"


def recovery_path() -> Path:
    """Where unsaved work is kept when the app is told to stop (the platform's per-user data folder)."""
    folder = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.AppDataLocation)
    return Path(folder or Path.home() / ".lstmviz") / RECOVERY_NAME


class SignalQuitter(QObject):
    """Turns SIGINT/SIGTERM into calls on the GUI thread: ``on_interrupt`` and ``on_terminate``."""

    def __init__(
        self, on_interrupt: Callable[[], None], on_terminate: Callable[[], None], parent: QObject | None = None
    ) -> None:
        super().__init__(parent)
        self._on = {signal.SIGINT: on_interrupt, signal.SIGTERM: on_terminate}
        self._pending: list[int] = []
        self._reader, self._writer = socket.socketpair()
        self._reader.setblocking(False)
        self._writer.setblocking(False)
        self._previous_fd = signal.set_wakeup_fd(self._writer.fileno())
        self._previous = {sig: signal.signal(sig, self._record) for sig in self._on}
        self._notifier = QSocketNotifier(self._reader.fileno(), QSocketNotifier.Type.Read, self)
        self._notifier.activated.connect(self._dispatch)

    def _record(self, signum: int, _frame: FrameType | None) -> None:
        self._pending.append(signum)  # the wakeup fd has already woken the event loop

    def _dispatch(self) -> None:
        try:
            while self._reader.recv(64):
                pass
        except BlockingIOError:
            pass
        pending, self._pending = self._pending, []
        for signum in dict.fromkeys(pending):
            self._on[signal.Signals(signum)]()

    def uninstall(self) -> None:
        """Give the signals back (after the event loop ended)."""
        self._notifier.setEnabled(False)
        for sig, handler in self._previous.items():
            signal.signal(sig, handler)
        signal.set_wakeup_fd(self._previous_fd)
        self._reader.close()
        self._writer.close()


def remove_recovery_file() -> None:
    try:
        os.unlink(recovery_path())
    except FileNotFoundError:
        pass
    except OSError as error:
        log.warning("could not remove the recovery file: %s", error)
