"""Ending the app in order: Ctrl+C and SIGTERM quit through the window, unsaved work survives in a recovery file.

Python runs a signal handler only when the interpreter gets control, and Qt's event loop sits in C: the handler
would wait for the next key press. :class:`SignalQuitter` therefore wakes the loop through ``signal.set_wakeup_fd``
and a socket notifier, then quits like File > Quit: Ctrl+C (SIGINT) closes the window as the user would (asking
about unsaved changes); SIGTERM (logout, shutdown: nobody is there to answer) writes unsaved work to the recovery
file, saves the settings and exits 0. The next start offers to restore the recovery file, as editors do.
A main window destroyed from outside (by the window manager or a tool such as xdotool) ends the app the same way:
Qt says nothing when its X window disappears, so :class:`NativeWindowWatch` reads the X server's DestroyNotify.
"""

from __future__ import annotations

import ctypes
import logging
import os
import signal
import socket
from collections.abc import Callable
from pathlib import Path
from types import FrameType

from PySide6.QtCore import QAbstractNativeEventFilter, QByteArray, QObject, QSocketNotifier, QStandardPaths, QTimer

log = logging.getLogger(__name__)

RECOVERY_NAME = "recovery.lstmviz"
XCB_EVENT = b"xcb_generic_event_t"
XCB_DESTROY_NOTIFY = 17
"""xcb_destroy_notify_event_t: response_type (1 byte), pad, sequence (2), event (4), then the window (4) at 8."""


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


class NativeWindowWatch(QAbstractNativeEventFilter):
    """Calls ``on_lost`` (once, from the event loop) when the X server reports the window ``window_id`` destroyed.

    Without it the process lived on with no window (and floating docks left over) after its window was gone.
    Other platforms deliver no xcb events: the watch then never fires.
    """

    def __init__(self, window_id: int, on_lost: Callable[[], object]) -> None:
        super().__init__()
        self.window_id = window_id
        self._on_lost: Callable[[], object] | None = on_lost

    def nativeEventFilter(
        self, event_type: QByteArray | bytes | bytearray | memoryview, message: int
    ) -> tuple[bool, int]:
        """``message`` points at the xcb event (a sized-0 pointer object, falsy however valid: read its address)."""
        address = int(message)
        if self._on_lost is not None and address and QByteArray(event_type).data() == XCB_EVENT:
            kind = ctypes.c_uint8.from_address(address).value & 0x7F  # the high bit marks a sent event
            if kind == XCB_DESTROY_NOTIFY and ctypes.c_uint32.from_address(address + 8).value == self.window_id:
                on_lost, self._on_lost = self._on_lost, None
                QTimer.singleShot(0, lambda: on_lost())
        return False, 0
