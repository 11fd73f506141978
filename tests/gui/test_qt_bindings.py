"""The Qt bindings we install must not corrupt the interpreter.

PySide6 6.12.0 on CPython 3.11 drops one reference to ``None`` per void method call, so a GUI session aborts after
some ten thousand calls. pyproject.toml excludes it; this test fails (instead of crashing later, somewhere random) if
a binding with that bug is ever installed again.
"""

from __future__ import annotations

import sys

import pytest
from PySide6.QtWidgets import QWidget


@pytest.mark.skipif(sys.version_info >= (3, 12), reason="None is immortal from CPython 3.12 on")
def test_void_calls_keep_none_alive(qtbot) -> None:
    widget = QWidget()
    qtbot.addWidget(widget)
    before = sys.getrefcount(None)
    for _ in range(500):
        widget.setToolTip("x")
        widget.update()
    after = sys.getrefcount(None)
    assert after - before > -50, f"None lost {before - after} references over 1,000 void calls"
