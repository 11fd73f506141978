"""The seq2seq mode: encoder diagram and heatmaps, the context vector as sliders, decoder diagram and heatmaps.

The gate diagram and the heatmaps are the app's own views, each built on one side's document of a
:class:`~lstmviz.model.seq2seq_session.Seq2SeqSession` (the heatmaps write each step's token under its number);
this widget adds only what is new: the source and target fields, the feedback strip (each output's arrow into the
next input), the context strip (one slider per unit of h, and of C for an LSTM encoder; moving one re-runs the
decoder at once), the teacher-forcing / free-running toggle with the first step where their outputs part, and
playback through the encoder and then the decoder.
"""

from __future__ import annotations

import numpy as np
from PySide6.QtCore import QPointF, QSignalBlocker, Qt, QTimer, Signal
from PySide6.QtGui import QMouseEvent
from PySide6.QtWidgets import (
    QComboBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QMessageBox,
    QPushButton,
    QScrollArea,
    QSlider,
    QSpinBox,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import EngineError
from ...engine.seq2seq_trace import FREE_RUNNING, TEACHER_FORCING
from ...model.seq2seq_session import Seq2SeqSession
from ...model.seq2seq_source import parse_steps, steps_text
from ..document_binding import DocumentBinding
from ..note_button import note_button
from .gate_diagram import GateDiagramView
from .heatmaps import HeatmapsView
from .seq2seq_feedback import FeedbackStrip, token_text

SLIDER_SCALE = 1000
"""Slider positions per unit of value; the range is [-SLIDER_RANGE, SLIDER_RANGE]."""
SLIDER_RANGE = 3.0
PLAY_INTERVAL_MS = 400
"""One playback step every 0.4 s: slow enough to watch a context fill and a token be fed back."""
NUMBER_TICKS_UP_TO = 48
"""A numeric side of at most this many steps gets whole step numbers on its time axis."""
TOKEN_AXIS_HEIGHT = 52
"""Pixels under the last heatmap for two lines of ticks (step, token) and the axis label."""


DRAG_PER_PIXEL = 0.01
"""Change of a context value per pixel of a click-drag on its number (a finer hand than the slider's)."""


class DragValue(QLabel):
    """A context value that follows a click-drag: right (or up) raises it, left (or down) lowers it."""

    dragged = Signal(float)
    """The value the drag has reached (the value at the press, plus the drag)."""

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.value = 0.0
        self._start: tuple[QPointF, float] | None = None
        self.setCursor(Qt.CursorShape.SizeHorCursor)

    def mousePressEvent(self, event: QMouseEvent) -> None:
        if event.button() == Qt.MouseButton.LeftButton:
            self._start = (event.position(), self.value)
            event.accept()
        else:
            super().mousePressEvent(event)

    def mouseMoveEvent(self, event: QMouseEvent) -> None:
        if self._start is None:
            super().mouseMoveEvent(event)
            return
        origin, value = self._start
        moved = event.position() - origin
        self.dragged.emit(value + (moved.x() - moved.y()) * DRAG_PER_PIXEL)
        event.accept()

    def mouseReleaseEvent(self, event: QMouseEvent) -> None:
        self._start = None
        super().mouseReleaseEvent(event)


class TokenHeatmaps(HeatmapsView):
    """The app's heatmaps, with the side's tokens (when it reads tokens) under the step numbers of the time axis."""

    CLIPPED_OPTIONS = True  # two of them side by side with the context strip: the row must not widen the window

    def __init__(self, document, tokens, parent: QWidget | None = None) -> None:
        self._tokens = tokens
        super().__init__(document, parent)

    def time_ticks(self) -> list[tuple[float, str]] | None:
        """(x, "step\\ntoken") per step; for numbers whole step numbers on a short side (pyqtgraph's own ticks
        would mark half steps on a 6-step decoder), None (its own ticks) on a long one."""
        ids = self._tokens()
        if ids is None:
            steps = self.document.steps
            if not 0 < steps <= NUMBER_TICKS_UP_TO:
                return None
            stride = -(-steps // 12)
            return [(self.time_map.x_of(t), str(t)) for t in range(0, steps, stride)]
        return [(self.time_map.x_of(t), f"{t}\n{token_text(v)}") for t, v in enumerate(ids)]

    def _rows_finished(self) -> None:
        self.show_tokens()

    def show_tokens(self) -> None:
        plots = [row.plot for row in self.rows.values()] or (
            [self.input_row.plot] if self.input_row is not None else []
        )
        if not plots:
            return
        axis = plots[-1].getAxis("bottom")
        ticks = self.time_ticks()
        axis.setTicks(None if ticks is None else [ticks])
        axis.setHeight(TOKEN_AXIS_HEIGHT if self._tokens() is not None else None)


class _Side(QWidget):
    """One side: the shared gate diagram above the shared heatmaps, both on that side's document."""

    def __init__(self, title: str, document, tokens, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.title = QLabel(f"<b>{title}</b>", self)
        self.diagram = GateDiagramView(document, self)
        self.heatmaps = TokenHeatmaps(document, tokens, self)
        splitter = QSplitter(Qt.Orientation.Vertical, self)
        splitter.addWidget(self.diagram)
        splitter.addWidget(self.heatmaps)
        splitter.setStretchFactor(0, 1)
        splitter.setStretchFactor(1, 1)
        splitter.setSizes([1, 1])
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.title)
        layout.addWidget(splitter, 1)


class Seq2SeqView(QWidget):
    """Watch the encoder fill its context vector and the decoder unroll from it."""

    def __init__(self, session: Seq2SeqSession, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seq2seqView")
        self.session = session
        self.mode = QComboBox(self)
        self.mode.setObjectName("seq2seqMode")
        self.mode.addItem("Teacher forcing", TEACHER_FORCING)
        self.mode.addItem("Free-running", FREE_RUNNING)
        self.mode.setToolTip("Decoder input: the true previous output (teacher forcing) or its own (free-running)")
        self.mode.setEnabled(session.has_target)
        self.mode.currentIndexChanged.connect(self._on_mode)
        self.step = QSlider(Qt.Orientation.Horizontal, self)
        self.step.setObjectName("seq2seqStep")
        self.step.setToolTip("Playback: the encoder's steps, then the decoder's")
        self.step.valueChanged.connect(session.set_global_step)
        self.play_button = QPushButton("Play", self)
        self.play_button.setObjectName("seq2seqPlay")
        self.play_button.setCheckable(True)
        self.play_button.setToolTip("Step through the encoder, then the decoder (from the start once at the end)")
        self.play_button.toggled.connect(self._on_play)
        self._play_timer = QTimer(self)
        self._play_timer.setInterval(PLAY_INTERVAL_MS)
        self._play_timer.timeout.connect(self.advance)
        self.play_label = QLabel(self)
        self.tokens = QLabel(self)
        self.tokens.setObjectName("seq2seqTokens")
        self.tokens.setTextFormat(Qt.TextFormat.RichText)
        self.tokens.setWordWrap(True)  # a long source wraps instead of widening the window off a small screen
        self.difference = QLabel(self)
        self.difference.setObjectName("seq2seqDifference")
        self.difference.setWordWrap(True)
        self.reset = QPushButton("Reset context", self)
        self.reset.setToolTip("Start the decoder from the encoder's own final state again")
        self.reset.clicked.connect(session.reset_context)
        self.source_edit = QLineEdit(self)
        self.source_edit.setObjectName("seq2seqSource")
        self.target_edit = QLineEdit(self)
        self.target_edit.setObjectName("seq2seqTarget")
        self.decode_steps = QSpinBox(self)
        self.decode_steps.setObjectName("seq2seqDecodeSteps")
        self.decode_steps.setRange(0, 1000)
        self.decode_steps.setSpecialValueText("auto")
        self.decode_steps.setToolTip("Free-running length without a target (auto: as many steps as the source)")
        self.apply_source = QPushButton("Run", self)
        self.apply_source.setObjectName("seq2seqRunSource")
        self.apply_source.setToolTip("Encode the typed source and decode it")
        self.apply_source.clicked.connect(self.run_typed_source)
        self.source_edit.returnPressed.connect(self.run_typed_source)
        self.target_edit.returnPressed.connect(self.run_typed_source)
        self.random_source = QPushButton("Random", self)
        self.random_source.setObjectName("seq2seqRandomSource")
        self.random_source.clicked.connect(self.run_random_source)
        self._rng = np.random.default_rng()
        self._shown_source: object = None
        picking = QHBoxLayout()
        picking.addWidget(QLabel("Source:", self))
        picking.addWidget(self.source_edit, 3)
        picking.addWidget(QLabel("Target:", self))
        picking.addWidget(self.target_edit, 3)
        picking.addWidget(QLabel("Steps:", self))
        picking.addWidget(self.decode_steps)
        picking.addWidget(self.apply_source)
        picking.addWidget(self.random_source)
        picking.addWidget(note_button("seq2seq", self))

        controls = QHBoxLayout()
        controls.addWidget(self.mode)
        controls.addWidget(self.play_button)
        controls.addWidget(self.step, 1)
        controls.addWidget(self.play_label)
        controls.addWidget(self.reset)

        self.encoder = _Side("Encoder", session.encoder_doc, lambda: self.session.trace.get("enc_tokens"), self)
        self.decoder = _Side("Decoder", session.decoder_doc, lambda: self.session.trace.get("dec_pred"), self)
        self.feedback = FeedbackStrip(session, self)
        self.sliders: dict[tuple[str, int, int], QSlider] = {}
        self.context_values: dict[tuple[str, int, int], DragValue] = {}
        self._context_shape: tuple[object, ...] | None = None
        self.context_box = QGroupBox(self)
        scroll = QScrollArea(self)
        scroll.setWidgetResizable(True)
        self.context_scroll = scroll
        scroll.setMinimumWidth(160)

        sides = QSplitter(Qt.Orientation.Horizontal, self)
        sides.addWidget(self.encoder)
        sides.addWidget(scroll)
        sides.addWidget(self.decoder)
        sides.setStretchFactor(0, 3)
        sides.setStretchFactor(2, 3)
        sides.setSizes([3, 1, 3])
        layout = QVBoxLayout(self)
        layout.addLayout(picking)
        layout.addLayout(controls)
        layout.addWidget(self.tokens)
        layout.addWidget(self.difference)
        layout.addWidget(self.feedback)
        layout.addWidget(sides, 1)

        self._binding = DocumentBinding(
            self, [(session.events.run_changed, self._refresh), (session.events.step_changed, self._on_step)]
        )
        self._refresh()

    def _build_context(self) -> None:
        """One slider per context number: h (and C for an LSTM encoder) of every layer and unit."""
        session = self.session
        self.sliders.clear()
        self.context_values.clear()
        context = QGroupBox(self._context_title(), self)
        self.context_box = context
        context.setToolTip("The encoder's final state, handed to the decoder; drag a unit to re-run the decoder")
        grid = QGridLayout(context)
        parts = ["h"] + (["c"] if session.trace.context_c is not None else [])
        row = 0
        for part in parts:
            for layer in range(session.model.num_layers):
                for unit in range(session.model.hidden_size):
                    slider = QSlider(Qt.Orientation.Horizontal, context)
                    slider.setRange(int(-SLIDER_RANGE * SLIDER_SCALE), int(SLIDER_RANGE * SLIDER_SCALE))
                    slider.setObjectName(f"context_{part}_l{layer}_{unit}")
                    slider.setToolTip(f"{'h' if part == 'h' else 'C'}_T of unit {unit}, layer {layer}")
                    slider.valueChanged.connect(
                        lambda value, p=part, k=layer, u=unit: session.set_context_value(p, k, u, value / SLIDER_SCALE)
                    )
                    value = DragValue(context)
                    value.setObjectName(f"context_value_{part}_l{layer}_{unit}")
                    value.dragged.connect(
                        lambda v, p=part, k=layer, u=unit: session.set_context_value(p, k, u, round(v, 3))
                    )
                    value.setMinimumWidth(value.fontMetrics().horizontalAdvance("-0.000"))
                    value.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
                    grid.addWidget(QLabel(f"{part} l{layer} u{unit}", context), row, 0)
                    grid.addWidget(slider, row, 1)
                    grid.addWidget(value, row, 2)
                    self.sliders[(part, layer, unit)] = slider
                    self.context_values[(part, layer, unit)] = value
                    row += 1
        self.context_scroll.setWidget(context)  # the old strip, if any, is deleted
        # wide enough for the rows beside the vertical scroll bar: the values (what a click-drag edits) stay in view
        scroll = self.context_scroll
        scroll.setMinimumWidth(
            max(160, context.minimumSizeHint().width() + scroll.verticalScrollBar().sizeHint().width())
            + 2 * scroll.frameWidth()
        )

    def _describe_fields(self) -> None:
        """Placeholders that say what to type for this model (token ids, or values per step)."""
        model = self.session.model
        if model.tokens:
            self.source_edit.setPlaceholderText(f"token ids 1-{model.vocab_size - 1}, e.g. 3 1 4 1 5")
            self.target_edit.setPlaceholderText("the true output (empty: free-running only)")
        else:
            example = "0.1 0.5 0.9" if model.encoder.input_size == 1 else "0.1 2; 0.5 3 (';' between steps)"
            self.source_edit.setPlaceholderText(f"values, e.g. {example}")
            self.target_edit.setPlaceholderText("the true next values (empty: free-running only)")
        rule = f" (target: its {self.session.task_name})" if model.tokens else ""
        self.random_source.setToolTip(f"A fresh random source of the same length{rule}")

    def _context_title(self) -> str:
        """As short edited as not: a longer title would widen the strip past its column on a small screen, hiding
        the values a click-drag edits behind a sideways scroll."""
        size = self.session.model.context_size
        return f"Context: {size} (edited)" if self.session.context is not None else f"Context: {size} numbers"

    # Source picking ------------------------------------------------------------------------------------------
    def run_typed_source(self) -> bool:
        """Run what is typed; a field the model cannot read is explained in a dialog and nothing changes."""
        model = self.session.model
        try:
            source = parse_steps(self.source_edit.text(), model, "the source")
            if source is None:
                raise EngineError("type a source sequence first")
            target = parse_steps(self.target_edit.text(), model, "the target")
            steps = self.decode_steps.value() or None
            self.session.set_source(source, target, None if target is not None else steps)
        except EngineError as error:
            QMessageBox.warning(self, "Cannot run this source", str(error))
            return False
        return True

    def run_random_source(self) -> None:
        """A random source as long as the current one: tokens 1..V-1 with their reverse as the target, or values."""
        session = self.session
        length = session.trace.encoder_steps
        if session.model.tokens:
            source = self._rng.integers(1, session.model.vocab_size, size=length)
            target = self._target_rule(source)
        else:
            source = self._rng.standard_normal((length, session.model.encoder.input_size)).cumsum(axis=0) * 0.2
            target = None
        session.set_source(source, target, session.steps if target is None else None)

    def _target_rule(self, source: np.ndarray) -> np.ndarray:
        """The target of a random token source under the window's task: its reverse, or sorted."""
        from ...io.seq2seq_tasks import TOKEN_TASKS, make_task

        name = self.session.task_name if self.session.task_name in TOKEN_TASKS else "reverse"
        return make_task(name, self.session.model.vocab_size - 1).target_of(source)

    # Playback (the main window's controller drives one Document; this one global step over two) -------------
    def _on_play(self, playing: bool) -> None:
        self.play_button.setText("Pause" if playing else "Play")
        if playing and self.session.global_step >= self.session.total_steps - 1:
            self.session.set_global_step(0)
        if playing:
            self._play_timer.start()
        else:
            self._play_timer.stop()

    def advance(self) -> None:
        """One step on: the encoder's steps, then the decoder's; playing stops on the last."""
        step = self.session.global_step + 1
        self.session.set_global_step(step)
        if step >= self.session.total_steps - 1:
            self.play_button.setChecked(False)

    def _on_mode(self, index: int) -> None:
        self.session.set_mode(self.mode.itemData(index))

    def _on_step(self, step: int) -> None:
        with QSignalBlocker(self.step):
            self.step.setValue(step)
        self.feedback.update()
        self._show_tokens()

    def _refresh(self) -> None:
        session = self.session
        trace = session.trace
        shape = (session.model.num_layers, session.model.hidden_size, trace.context_c is not None)
        if shape != self._context_shape:  # another model (training, undo): a strip of its size
            self._context_shape = shape
            self._build_context()
        self._describe_fields()
        with QSignalBlocker(self.mode):
            self.mode.setCurrentIndex(self.mode.findData(session.mode))
        self.mode.setEnabled(session.has_target)
        if self._shown_source is not session.source:  # a context edit or a mode switch leaves the fields alone
            self._shown_source = session.source
            model = session.model
            self.source_edit.setText(
                steps_text(trace["enc_tokens"] if model.tokens else model.check_values(session.source))
            )
            self.target_edit.setText(steps_text(None if session.target is None else np.asarray(session.target)))
        with QSignalBlocker(self.step):
            self.step.setRange(0, session.total_steps - 1)
            self.step.setValue(min(session.global_step, session.total_steps - 1))
        context = {"h": trace.context_h, "c": trace.context_c}
        own = session.encoder_context()
        self.context_box.setTitle(self._context_title())
        for (part, layer, unit), slider in self.sliders.items():
            values = context[part]
            if values is not None:
                label = self.context_values[(part, layer, unit)]
                label.value = float(values[layer, unit])
                label.setText(f"{values[layer, unit]:.3f}")
                edited = own[part] is not None and values[layer, unit] != own[part][layer, unit]
                label.setStyleSheet("color: #d62728; font-weight: bold" if edited else "")
                label.setToolTip(
                    (
                        f"edited; the encoder's own value is {own[part][layer, unit]:.3f}"
                        if edited
                        else "the encoder's own final value"
                    )
                    + "; drag left or right to change it"
                )
                with QSignalBlocker(slider):
                    slider.setValue(
                        int(round(float(np.clip(values[layer, unit], -SLIDER_RANGE, SLIDER_RANGE)) * SLIDER_SCALE))
                    )
        part = session.first_difference()
        if session.other is None:
            self.difference.setText("Free-running (no target to compare with)")
        elif part is None:
            self.difference.setText("Teacher forcing and free-running give the same outputs")
        else:
            self.difference.setText(f"Teacher forcing and free-running part at decoder step {part}")
        self.encoder.heatmaps.show_tokens()
        self.decoder.heatmaps.show_tokens()
        self.feedback.refresh()
        self._show_tokens()

    def _show_tokens(self) -> None:
        """Both sides' tokens (or a step count for numbers), the current step in bold, the first difference marked."""
        session, trace = self.session, self.session.trace
        step = session.global_step
        self.play_label.setText(
            f"{session.active_side} step {step if step < trace.encoder_steps else step - trace.encoder_steps}"
        )
        if "enc_tokens" not in trace:
            self.tokens.setText(f"{trace.encoder_steps} source steps, {trace.decoder_steps} output steps")
            return
        part = session.first_difference()

        def cells(ids: np.ndarray, current: int | None, mark: int | None = None) -> str:
            out = []
            for t, v in enumerate(ids):
                text = str(int(v))
                if t == mark:
                    text = f"<span style='color:#d62728'>{text}</span>"
                out.append(f"<b>[{text}]</b>" if t == current else text)
            return " ".join(out)

        t_enc = trace.encoder_steps
        enc_now = step if step < t_enc else None
        dec_now = step - t_enc if step >= t_enc else None
        other = ""
        if session.other is not None:
            name = "free-running" if session.mode == TEACHER_FORCING else "teacher forcing"
            other = f" &nbsp; {name}: {cells(session.other['dec_pred'], None, part)}"
        self.tokens.setText(
            f"source: {cells(trace['enc_tokens'], enc_now)} &nbsp;→&nbsp; output: "
            f"{cells(trace['dec_pred'], dec_now, part)}{other}"
        )
