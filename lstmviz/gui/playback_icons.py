"""Playback icons drawn in the palette's button-text colour, so they read on the light and the dark palette.

Qt's standard media icons are dark glyphs: on the dark Fusion palette an enabled Play button was nearly invisible.
These are drawn from a few shapes at the size asked for, once per palette change.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QIcon, QPainter, QPainterPath, QPalette, QPen, QPixmap

SIZE = 32
"""Pixels of the drawn icon (Qt scales it down for a toolbar; 32 keeps it sharp on high-density screens)."""
KINDS = ("play", "pause", "back", "forward", "start", "end", "loop")


def _triangle(left: float, right: float, pointing_right: bool = True) -> QPainterPath:
    path = QPainterPath()
    top, bottom, middle = 7.0, 25.0, 16.0
    if pointing_right:
        path.moveTo(left, top)
        path.lineTo(right, middle)
        path.lineTo(left, bottom)
    else:
        path.moveTo(right, top)
        path.lineTo(left, middle)
        path.lineTo(right, bottom)
    path.closeSubpath()
    return path


def _shape(kind: str) -> QPainterPath:
    path = QPainterPath()
    if kind == "play":
        path.addPath(_triangle(9, 25))
    elif kind == "pause":
        path.addRect(QRectF(9, 7, 5, 18))
        path.addRect(QRectF(18, 7, 5, 18))
    elif kind == "forward":
        path.addPath(_triangle(5, 16))
        path.addPath(_triangle(16, 27))
    elif kind == "back":
        path.addPath(_triangle(5, 16, False))
        path.addPath(_triangle(16, 27, False))
    elif kind == "end":
        path.addPath(_triangle(7, 21))
        path.addRect(QRectF(22, 7, 4, 18))
    elif kind == "start":
        path.addRect(QRectF(6, 7, 4, 18))
        path.addPath(_triangle(11, 25, False))
    return path


def _pixmap(kind: str, color: QColor) -> QPixmap:
    pixmap = QPixmap(SIZE, SIZE)
    pixmap.fill(Qt.GlobalColor.transparent)
    painter = QPainter(pixmap)
    painter.setRenderHint(QPainter.RenderHint.Antialiasing)
    if kind == "loop":  # a circular arrow
        painter.setPen(QPen(color, 3.0, Qt.PenStyle.SolidLine, Qt.PenCapStyle.RoundCap))
        painter.drawArc(QRectF(7, 7, 18, 18), 60 * 16, 280 * 16)
        head = QPainterPath()
        head.moveTo(QPointF(20.5, 3.5))
        head.lineTo(QPointF(27.0, 9.5))
        head.lineTo(QPointF(18.5, 11.5))
        head.closeSubpath()
        painter.fillPath(head, color)
    else:
        painter.fillPath(_shape(kind), color)
    painter.end()
    return pixmap


def playback_icon(kind: str, palette: QPalette) -> QIcon:
    """``kind`` (see :data:`KINDS`) in ``palette``'s button-text colour, greyed when disabled."""
    icon = QIcon()
    icon.addPixmap(_pixmap(kind, palette.color(QPalette.ColorGroup.Active, QPalette.ColorRole.ButtonText)))
    icon.addPixmap(
        _pixmap(kind, palette.color(QPalette.ColorGroup.Disabled, QPalette.ColorRole.ButtonText)), QIcon.Mode.Disabled
    )
    return icon
