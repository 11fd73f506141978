"""The decoder's feedback loop drawn: each output, and an arrow to the next step's input it becomes.

Free-running, the decoder's own output at step t (its argmax token, or its values) is its input at step t + 1, so
the arrows start on the output row. Under teacher forcing the true previous output is fed instead, so the arrows
start on the target row and the output row only shows what the decoder predicted. The other mode's outputs are drawn
too, and the first step where the two runs part is marked: that is where feeding back its own mistakes begins to
cost the decoder.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from PySide6.QtCore import QPointF, QRectF, Qt
from PySide6.QtGui import QColor, QPainter, QPainterPath, QPen, QPolygonF
from PySide6.QtWidgets import QSizePolicy, QWidget

from ...engine.seq2seq import START_TOKEN
from ...engine.seq2seq_trace import FREE_RUNNING, TEACHER_FORCING, Seq2SeqTrace
from ...model.seq2seq_session import Seq2SeqSession

LABEL_WIDTH = 180
ROW_HEIGHT = 22
MARK = QColor("#d62728")
"""The colour of the first step where teacher forcing and free-running part (the same red as the token line)."""


def token_text(token: int) -> str:
    """A token id as shown on the time axes; the start token reads ``<s>``."""
    return "<s>" if int(token) == START_TOKEN else str(int(token))


def value_text(values: np.ndarray) -> str:
    """One step's values, short: ``0.42``, or ``0.42, ...`` when there are several."""
    row = np.atleast_1d(np.asarray(values, dtype=np.float64))
    return f"{row[0]:.2f}" + (", ..." if row.size > 1 else "")


def step_texts(trace: Seq2SeqTrace, key: str) -> list[str]:
    """Per decoder step: ``dec_pred``/``dec_tokens``/``dec_target`` as tokens, ``dec_y``/``dec_x`` as values."""
    values = np.asarray(trace[key])
    if values.dtype.kind in "iu":
        return [token_text(v) for v in values]
    return [value_text(v) for v in values]


@dataclass(frozen=True)
class StripRow:
    name: str
    texts: list[str]


class FeedbackStrip(QWidget):
    """Rows over the decoder steps (target, output, the other mode's output, input), arrows where outputs are fed."""

    def __init__(self, session: Seq2SeqSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seq2seqFeedback")
        self.session = session
        self.setSizePolicy(QSizePolicy.Policy.Expanding, QSizePolicy.Policy.Fixed)
        self.setToolTip(
            "What the decoder is fed: an arrow from each output (free-running) or target (teacher "
            "forcing) to the next step's input"
        )
        self.refresh()

    # What is drawn (plain data, so tests read the same thing that is painted) ---------------------------------
    def rows(self) -> list[StripRow]:
        session, trace = self.session, self.session.trace
        tokens = "dec_pred" in trace
        out: list[StripRow] = []
        if session.target is not None:
            model = session.model
            texts = (
                [token_text(v) for v in model.check_tokens(session.target, "the target")]
                if tokens
                else [value_text(v) for v in model.check_values(session.target, "the target")]
            )
            out.append(StripRow("target", texts))
        name = "teacher forcing" if session.mode == TEACHER_FORCING else "free-running"
        out.append(StripRow(f"output ({name})", step_texts(trace, "dec_pred" if tokens else "dec_y")))
        if session.other is not None:
            other = "free-running" if session.mode == TEACHER_FORCING else "teacher forcing"
            out.append(StripRow(f"output ({other})", step_texts(session.other, "dec_pred" if tokens else "dec_y")))
        out.append(StripRow("decoder input", step_texts(trace, "dec_tokens" if tokens else "dec_x")))
        return out

    def feeding_row(self) -> int:
        """Index of the row whose values become the next inputs: the target's under teacher forcing."""
        return (
            0
            if self.session.mode == TEACHER_FORCING and self.session.target is not None
            else (1 if self.session.target is not None else 0)
        )

    def arrows(self) -> list[tuple[int, int]]:
        """(from step, to step) for every fed-back value: output (or target) t -> input t + 1."""
        steps = self.session.trace.decoder_steps
        return [(t, t + 1) for t in range(steps - 1)]

    def refresh(self) -> None:
        self.setFixedHeight(ROW_HEIGHT * (len(self.rows()) + 1) + 12)
        self.update()

    # Painting ------------------------------------------------------------------------------------------------
    def _column_x(self, step: int) -> float:
        steps = max(self.session.trace.decoder_steps, 1)
        width = (self.width() - LABEL_WIDTH - 8) / steps
        return LABEL_WIDTH + (step + 0.5) * width

    def _row_y(self, index: int) -> float:
        return 6 + ROW_HEIGHT * (index + 0.5) + (ROW_HEIGHT if index == len(self.rows()) - 1 else 0)

    def paintEvent(self, event: object) -> None:
        painter = QPainter(self)
        painter.setRenderHint(QPainter.RenderHint.Antialiasing)
        palette = self.palette()
        text = palette.color(palette.ColorRole.Text)
        painter.fillRect(self.rect(), palette.color(palette.ColorRole.Base))
        session, trace = self.session, self.session.trace
        rows = self.rows()
        steps = trace.decoder_steps
        current = session.global_step - trace.encoder_steps
        part = session.first_difference()
        cell = (self.width() - LABEL_WIDTH - 8) / max(steps, 1)
        if 0 <= current < steps:
            painter.fillRect(
                QRectF(self._column_x(current) - cell / 2, 2, cell, self.height() - 4),
                palette.color(palette.ColorRole.AlternateBase),
            )
        if part is not None:
            painter.setPen(QPen(MARK, 1.5, Qt.PenStyle.DashLine))
            x = self._column_x(part) - cell / 2
            painter.drawRect(QRectF(x, 2, cell, self.height() - 4))
        for index, row in enumerate(rows):
            y = self._row_y(index)
            painter.setPen(text)
            painter.drawText(
                QRectF(4, y - ROW_HEIGHT / 2, LABEL_WIDTH - 8, ROW_HEIGHT),
                Qt.AlignmentFlag.AlignVCenter | Qt.AlignmentFlag.AlignRight,
                row.name,
            )
            for t, label in enumerate(row.texts):
                bold = painter.font()
                bold.setBold(t == current)
                painter.setFont(bold)
                differs = part is not None and t == part and row.name.startswith("output")
                painter.setPen(MARK if differs else text)
                painter.drawText(
                    QRectF(self._column_x(t) - cell / 2, y - ROW_HEIGHT / 2, cell, ROW_HEIGHT),
                    Qt.AlignmentFlag.AlignCenter,
                    label,
                )
        source_y = self._row_y(self.feeding_row()) + ROW_HEIGHT * 0.35
        target_y = self._row_y(len(rows) - 1) - ROW_HEIGHT * 0.35
        colour = QColor(text)
        colour.setAlpha(170)
        pen = QPen(colour, 1.2, Qt.PenStyle.SolidLine if session.mode == FREE_RUNNING else Qt.PenStyle.DashLine)
        for start, end in self.arrows():
            self._arrow(painter, pen, QPointF(self._column_x(start), source_y), QPointF(self._column_x(end), target_y))
        painter.end()

    @staticmethod
    def _arrow(painter: QPainter, pen: QPen, start: QPointF, end: QPointF) -> None:
        path = QPainterPath(start)
        path.cubicTo(QPointF(start.x(), (start.y() + end.y()) / 2), QPointF(end.x(), (start.y() + end.y()) / 2), end)
        painter.setPen(pen)
        painter.setBrush(Qt.BrushStyle.NoBrush)
        painter.drawPath(path)
        painter.setBrush(pen.color())
        painter.setPen(Qt.PenStyle.NoPen)
        painter.drawPolygon(QPolygonF([end, QPointF(end.x() - 4, end.y() - 7), QPointF(end.x() + 4, end.y() - 7)]))
