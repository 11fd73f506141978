"""File > Open Encoder-Decoder: a seq2seq weight file in its own window (the seq2seq mode), with its Export menu.

The source shown first is a random token sequence (teacher forcing on its reverse, the classic task) or, for a
numeric model, a sine window; the window's view takes it from there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize, Qt
from PySide6.QtGui import QAction, QCloseEvent, QKeySequence
from PySide6.QtWidgets import QDockWidget, QFileDialog, QMainWindow, QTabWidget, QWidget

from ..engine.seq2seq import Seq2Seq
from ..model.seq2seq_session import Seq2SeqSession
from .dock_fit import column_width, scrolled
from .document_binding import DocumentBinding
from .seq2seq_bottleneck import BottleneckPanel
from .seq2seq_export import Seq2SeqExportActions
from .seq2seq_train import Seq2SeqTrainPanel
from .settings import AppSettings
from .views.seq2seq_view import Seq2SeqView
from .window_size import initial_size

TOOLS_WIDTH = 330
"""Pixels of the Train / Bottleneck dock beside the two sides."""


def first_session(model: Seq2Seq) -> Seq2SeqSession:
    """What a new window shows: a reverse-task token source and its target, or a sine window decoded 8 steps."""
    rng = np.random.default_rng(0)
    if model.tokens:
        source = rng.integers(1, model.vocab_size, size=8)
        return Seq2SeqSession(model, source, source[::-1].copy())
    width = model.encoder.input_size
    source = np.sin(np.arange(24)[:, None] / 4.0 + np.arange(width)[None, :])
    return Seq2SeqSession(model, source, steps=8)


class Seq2SeqWindow(QMainWindow):
    """One encoder-decoder: the view, and a menu bar with its exports."""

    def __init__(self, session: Seq2SeqSession, title: str, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("seq2seqWindow")
        self.setWindowTitle(f"{title} - encoder-decoder")
        self.session = session
        self.settings: AppSettings = getattr(parent, "settings", None) or AppSettings()
        self.view = Seq2SeqView(session, self)
        self.setCentralWidget(self.view)
        self.exports = Seq2SeqExportActions(self)  # type: ignore[arg-type]  # the window parts exports need
        self.actions: dict[str, QAction] = {}  # type: ignore[assignment]  # the main window's name for them
        menu = self.menuBar().addMenu("&Export")
        for name, text, slot, tip in (
            (
                "export_figure",
                "&Figure (PNG, SVG, PDF)...",
                self.exports.export_seq2seq_figure,
                "Both sides' heatmaps, the context vector and the outputs, as lstmviz plot draws them",
            ),
            (
                "export_encoder_diagram",
                "&Encoder gate diagram (PNG, SVG)...",
                lambda: self.exports.export_side_diagram("encoder"),
                "The encoder's gate diagram at the step it shows",
            ),
            (
                "export_decoder_diagram",
                "&Decoder gate diagram (PNG, SVG)...",
                lambda: self.exports.export_side_diagram("decoder"),
                "The decoder's gate diagram at the step it shows",
            ),
            (
                "export_numbers",
                "&Numbers (npz, CSV)...",
                self.exports.export_numbers,
                "Every key of this run to .npz, or one side's trace as a CSV table",
            ),
            (
                "export_bottleneck",
                "&Bottleneck curve (PNG, SVG, PDF)...",
                self.exports.export_bottleneck,
                "Accuracy against source length, as measured in the Bottleneck tab",
            ),
        ):
            action = menu.addAction(text, slot)
            action.setObjectName(name)
            action.setToolTip(tip)
            self.actions[name] = action
        menu.setToolTipsVisible(True)
        self.actions["export_bottleneck"].setEnabled(False)
        edit = self.menuBar().addMenu("&Edit")
        self.undo_action = edit.addAction("&Undo", session.undo)
        self.undo_action.setObjectName("undo")
        self.undo_action.setShortcut(QKeySequence.StandardKey.Undo)
        self.actions["undo"] = self.undo_action
        self._binding = DocumentBinding(self, [(session.events.history_changed, self._on_history)])

        self.train_panel = Seq2SeqTrainPanel(session, self, series=lambda: self._main_series(parent))
        self.tools = QTabWidget(self)
        self.tools.addTab(scrolled(self.train_panel, "scroll_seq2seqTrain"), "Train")
        self.bottleneck = BottleneckPanel(session, self)
        self.tools.addTab(scrolled(self.bottleneck, "scroll_seq2seqBottleneck"), "Bottleneck")
        self.train_panel.state_changed.connect(self._on_training)
        self.bottleneck.measured.connect(lambda: self.actions["export_bottleneck"].setEnabled(True))
        dock = QDockWidget("Train and measure", self)
        dock.setObjectName("seq2seqTools")
        dock.setWidget(self.tools)
        self.addDockWidget(Qt.DockWidgetArea.RightDockWidgetArea, dock)
        self.resize(initial_size(self, QSize(1700, 950)))  # on a 1024 x 700 screen: inside it
        # the panels' own width when the window has room for it, so the form needs no sideways scrolling
        width = column_width([self.train_panel, self.bottleneck], TOOLS_WIDTH, self.width() // 3)
        self.resizeDocks([dock], [width], Qt.Orientation.Horizontal)
        self._on_history()

    @staticmethod
    def _main_series(parent: QWidget | None) -> np.ndarray | None:
        """The sequence loaded in the main window this window was opened from (what a forecast trains on)."""
        document = getattr(parent, "document", None)
        sequence = getattr(document, "sequence", None)
        return None if sequence is None else np.asarray(sequence.values)

    def closeEvent(self, event: QCloseEvent) -> None:
        """A closed window stops its training run (it keeps the weights reached; nothing trains unseen)."""
        self.train_panel.stop()
        super().closeEvent(event)

    def _on_training(self, state: str) -> None:
        """A finished run sets the bottleneck's trained length to the length it trained on."""
        if state == "idle" and self.session.undo_text:
            self.bottleneck.length_box.setValue(self.train_panel.settings.trained_length)
        self._on_history()

    def _on_history(self) -> None:
        text = self.session.undo_text
        self.undo_action.setEnabled(text is not None and self.train_panel.state == "idle")  # not mid-run
        self.undo_action.setText(f"&Undo {text}" if text else "&Undo")


def seq2seq_window(model: Seq2Seq, title: str, parent: QWidget | None = None) -> Seq2SeqWindow:
    """A window showing ``model`` on a first source (reverse-task tokens, or a sine window for numbers)."""
    return Seq2SeqWindow(first_session(model), title, parent)


def open_seq2seq_dialog(parent: QWidget) -> QMainWindow | None:
    """Ask for a seq2seq weight file and show it; a file that is not one is explained in a dialog."""
    path, _ = QFileDialog.getOpenFileName(
        parent, "Open Encoder-Decoder", "", "Weights (*.safetensors *.npz *.pt *.pth)"
    )
    if not path:
        return None
    from .seq2seq_open import load_seq2seq_asking

    model = load_seq2seq_asking(parent, path)
    if model is None:
        return None
    window = seq2seq_window(model, Path(path).name, parent)
    window.show()
    windows = getattr(parent, "_seq2seq_windows", [])
    windows.append(window)
    parent._seq2seq_windows = windows  # type: ignore[attr-defined]  # kept alive with the main window
    return window
