"""``render_screenshot`` writes a non-blank PNG of the main window at the requested size, showing the file given."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from lstmviz.gui.screenshot import render_screenshot
from lstmviz.io.errors import ExportError


def distinct_colours(image: QImage) -> int:
    small = image.scaled(80, 50)
    return len({small.pixel(x, y) for x in range(small.width()) for y in range(small.height())})


def test_screenshot_of_a_file_at_a_step(qapp, tmp_path) -> None:
    data = tmp_path / "ramp.csv"
    data.write_text("value\n" + "\n".join(repr(float(v)) for v in np.sin(np.linspace(0, 9, 90))) + "\n")
    out = tmp_path / "shot.png"
    render_screenshot(out, file=data, step=45, size=(1300, 820))
    image = QImage(str(out))
    assert (image.width(), image.height()) == (1300, 820)
    assert distinct_colours(image) > 50
    assert not list(tmp_path.glob(".*tmp*"))  # written atomically, no temp file left


def test_screenshot_of_a_bad_file_raises_export_error(qapp, tmp_path) -> None:
    bad = tmp_path / "bad.csv"
    bad.write_text("value\nabc\n")
    with pytest.raises(ExportError, match="bad.csv"):
        render_screenshot(tmp_path / "shot.png", file=bad)
    assert not (tmp_path / "shot.png").exists()


def test_settling_deletes_widgets_a_view_replaced(qapp) -> None:
    """Without deferred deletes the unit plots' old quantity buttons (after opening a GRU on the LSTM default)
    stayed on the screenshot, overlapping the new ones."""
    import shiboken6
    from PySide6.QtWidgets import QLabel

    from lstmviz.gui.screenshot import _process_events

    old = QLabel("replaced")
    old.deleteLater()
    _process_events(qapp, 0.01)
    assert not shiboken6.isValid(old)


def test_screenshot_is_exactly_the_size_asked_or_refused(qapp, tmp_path) -> None:
    """A grab larger than asked for (the window's minimum) was scaled down silently."""
    out = tmp_path / "small.png"
    render_screenshot(out, size=(1000, 600))
    assert (QImage(str(out)).width(), QImage(str(out)).height()) == (1000, 600)
    with pytest.raises(ExportError, match=r"cannot be 500x300: its smallest size here is \d+x\d+"):
        render_screenshot(tmp_path / "tiny.png", size=(500, 300))
    assert not (tmp_path / "tiny.png").exists()


def test_screenshot_of_one_view_brings_it_to_the_front(qapp, tmp_path) -> None:
    shots = {}
    for view in ("gradients", "unit-plots"):  # two tabs of one place: the picture shows the one asked for
        out = tmp_path / f"{view}.png"
        render_screenshot(out, size=(1400, 900), view=view)
        shots[view] = QImage(str(out))
    gradients, plots = shots["gradients"], shots["unit-plots"]
    assert 0 < gradients.width() < 1400 and 0 < gradients.height() < 900
    assert gradients.size() == plots.size()
    assert gradients != plots and distinct_colours(gradients) > 10
    with pytest.raises(ExportError, match="'nope' is not a view; choose one of diagram, "):
        render_screenshot(tmp_path / "x.png", view="nope")


def test_front_view_raises_a_covered_tab(qtbot, main_window) -> None:
    from lstmviz.gui.screenshot import _front_view

    dock = _front_view(main_window, "gradients")
    assert dock is main_window.docks["gradients"]
    qtbot.waitUntil(lambda: not dock.visibleRegion().isEmpty())
    qtbot.waitUntil(lambda: type(main_window.views["gradients"]).__name__ == "GradientsView")
    assert _front_view(main_window, "diagram") is main_window.diagram
