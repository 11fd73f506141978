"""A main window whose X window is destroyed from outside ends the app as SIGTERM does.

Qt says nothing when its X window disappears (xdotool windowclose, a crashing window manager): the process lived
on with no window, and a floating dock left over on the screen. The window watches the X server's DestroyNotify.
The events here are built byte by byte as the X server sends them (the offscreen platform sends none).
"""

from __future__ import annotations

import ctypes
import struct
from pathlib import Path
from typing import Any

from PySide6.QtCore import QByteArray

from lstmviz.gui import session_exit
from lstmviz.gui.session_exit import XCB_EVENT, NativeWindowWatch


def _xcb_event(kind: int, window: int) -> ctypes.Array[ctypes.c_char]:
    """A 32-byte xcb event: response_type, pad, sequence, the event window, the window it is about."""
    return ctypes.create_string_buffer(struct.pack("=BBHII", kind, 0, 7, window, window).ljust(32, b"\0"), 32)


def _send(watch: NativeWindowWatch, event: ctypes.Array[ctypes.c_char]) -> None:
    assert watch.nativeEventFilter(QByteArray(XCB_EVENT), ctypes.addressof(event)) == (False, 0)


def test_only_the_destruction_of_the_watched_window_counts(qtbot: Any) -> None:
    lost: list[int] = []
    watch = NativeWindowWatch(0x400007, lambda: lost.append(1))
    _send(watch, _xcb_event(18, 0x400007))  # UnmapNotify: minimised, hidden, not gone
    _send(watch, _xcb_event(17, 0x400010))  # another window (a floating dock) destroyed
    watch.nativeEventFilter(QByteArray(b"windows_generic_MSG"), ctypes.addressof(_xcb_event(17, 0x400007)))
    qtbot.wait(20)
    assert lost == []
    _send(watch, _xcb_event(17 | 0x80, 0x400007))  # DestroyNotify (sent by a client: the high bit is set)
    _send(watch, _xcb_event(17, 0x400007))
    qtbot.waitUntil(lambda: lost == [1])
    qtbot.wait(20)
    assert lost == [1]  # once


def test_the_window_ends_like_sigterm_and_keeps_unsaved_work(
    qtbot: Any, main_window: Any, tmp_path: Path, monkeypatch: Any
) -> None:
    target = tmp_path / "recovery.lstmviz"
    monkeypatch.setattr(session_exit, "recovery_path", lambda: target)
    window = main_window
    window.document.mark_unsaved()
    watch = window._native_watch
    assert isinstance(watch, NativeWindowWatch) and watch.window_id == int(window.winId())
    _send(watch, _xcb_event(17, int(window.winId())))
    qtbot.waitUntil(lambda: not window.isVisible())
    assert target.is_file(), "the unsaved work was kept for the next start"
