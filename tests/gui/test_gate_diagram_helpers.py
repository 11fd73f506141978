"""Widget ownership for C's GUI tests (no tests here; imported by test_gate_diagram, test_numbers_panel and
test_gradients_view).

pytest-qt's ``qtbot.addWidget`` keeps only a weak reference. A view whose Python wrapper sits in a reference cycle
(signal connections to its own methods) then lives until Python's cyclic GC runs, which may be in the middle of a
paint event after the test body returns: Qt then destroys a widget it is painting and the process crashes
("QPaintDevice: Cannot destroy paint device that is being painted"). So the tests hold each widget until teardown
and delete it at a quiet moment.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest
import shiboken6
from PySide6.QtCore import QCoreApplication, QEvent
from PySide6.QtWidgets import QWidget

_HELD: list[QWidget] = []


def hold(qtbot: Any, widget: QWidget) -> QWidget:
    """``qtbot.addWidget`` plus a strong reference until the test's teardown."""
    qtbot.addWidget(widget)
    _HELD.append(widget)
    return widget


@pytest.fixture(autouse=True)
def release_held_widgets() -> Iterator[None]:
    """After each test: close and delete the held widgets now, while nothing paints."""
    yield
    for widget in _HELD:
        if shiboken6.isValid(widget):
            widget.close()
            widget.deleteLater()
    _HELD.clear()
    QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
