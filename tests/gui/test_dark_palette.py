"""The dark palette: enabled playback buttons are readable (their glyphs contrast with the toolbar), and our
plots' context menus hold only entries that do something useful here."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QImage

from lstmviz.gui.settings import apply_palette


def luminance(image: QImage) -> np.ndarray:
    image = image.convertToFormat(QImage.Format.Format_RGB32)
    raw = np.frombuffer(image.constBits(), dtype=np.uint8).reshape(image.height(), image.bytesPerLine() // 4, 4)
    rgb = raw[:, : image.width(), 2::-1].astype(np.float64) / 255.0  # BGRA in memory
    linear = np.where(rgb <= 0.03928, rgb / 12.92, ((rgb + 0.055) / 1.055) ** 2.4)
    return linear @ np.array([0.2126, 0.7152, 0.0722])


def glyph_contrast(button) -> float:
    """WCAG contrast ratio between the button's background and its most distinct pixels (the glyph)."""
    lum = luminance(button.grab().toImage())
    background = float(np.median(lum))
    glyph = float(lum.flat[np.argmax(np.abs(lum - background))])
    light, dark = max(background, glyph), min(background, glyph)
    return (light + 0.05) / (dark + 0.05)


@pytest.mark.parametrize("palette", ["dark", "light"])
def test_enabled_playback_buttons_read_in_both_palettes(qtbot, main_window, palette) -> None:
    apply_palette(palette)
    qtbot.wait(50)
    bar = main_window.playback.bar
    for name in ("playback_play", "playback_step_forward", "playback_go_to_start", "playback_loop"):
        button = next(b for b in bar.children() if b.objectName() == name)
        assert button.isEnabled()
        assert glyph_contrast(button) >= 4.5, (palette, name, glyph_contrast(button))


def test_plot_menus_hold_only_useful_entries(qtbot, main_window, monkeypatch) -> None:
    """Right-click on a heatmap: View All and our exports; none of pyqtgraph's Plot Options, Mouse Mode, axis
    submenus or its own Export dialog."""
    from PySide6.QtCore import QPointF
    from PySide6.QtWidgets import QMenu

    heatmaps = main_window.views["heatmaps"]
    box = heatmaps.rows["f"].plot.getViewBox()
    popped: list[list[str]] = []
    monkeypatch.setattr(QMenu, "popup", lambda menu, *args: popped.append([a.text() for a in menu.actions()]))

    class Click:
        def screenPos(self) -> QPointF:
            return QPointF(10, 10)

    box.raiseContextMenu(Click())
    texts = [t for t in popped[0] if t]
    assert texts[0] == "View All"
    assert all(t == "View All" or t.startswith("Export") for t in texts), texts
    assert not any(t in ("Plot Options", "Mouse Mode", "Export...") or t.endswith(" axis") for t in texts)
    assert any(t.startswith("Export f") for t in texts)
