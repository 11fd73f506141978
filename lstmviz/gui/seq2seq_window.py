"""File > Open Encoder-Decoder: a seq2seq weight file in its own window (the seq2seq mode).

The source shown first is a random token sequence (teacher forcing on its reverse, the classic task) or, for a
numeric model, a sine window; the window's view takes it from there.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
from PySide6.QtCore import QSize
from PySide6.QtWidgets import QFileDialog, QMainWindow, QMessageBox, QWidget

from ..engine.seq2seq import Seq2Seq
from ..io.errors import FileFormatError
from ..model.seq2seq_session import Seq2SeqSession
from .main_window import initial_size
from .views.seq2seq_view import Seq2SeqView


def seq2seq_window(model: Seq2Seq, title: str, parent: QWidget | None = None) -> QMainWindow:
    """A window showing ``model`` on a first source (reverse-task tokens, or a sine window for numbers)."""
    rng = np.random.default_rng(0)
    if model.tokens:
        source = rng.integers(1, model.vocab_size, size=8)
        session = Seq2SeqSession(model, source, source[::-1].copy())
    else:
        width = model.encoder.input_size
        source = np.sin(np.arange(24)[:, None] / 4.0 + np.arange(width)[None, :])
        session = Seq2SeqSession(model, source, steps=8)
    window = QMainWindow(parent)
    window.setObjectName("seq2seqWindow")
    window.setWindowTitle(f"{title} - encoder-decoder")
    window.setCentralWidget(Seq2SeqView(session, window))
    window.resize(initial_size(window, QSize(1400, 850)))  # on a 1024 x 700 screen: inside it
    return window


def open_seq2seq_dialog(parent: QWidget) -> QMainWindow | None:
    """Ask for a seq2seq weight file and show it; a file that is not one is explained in a dialog."""
    path, _ = QFileDialog.getOpenFileName(parent, "Open Encoder-Decoder", "",
                                          "Weights (*.safetensors *.npz *.pt *.pth)")
    if not path:
        return None
    from ..io.seq2seq_weights import load_seq2seq  # noqa: PLC0415

    try:
        model = load_seq2seq(path)
    except FileFormatError as error:
        QMessageBox.warning(parent, "Cannot open encoder-decoder", str(error))
        return None
    window = seq2seq_window(model, Path(path).name, parent)
    window.show()
    windows = getattr(parent, "_seq2seq_windows", [])
    windows.append(window)
    parent._seq2seq_windows = windows  # type: ignore[attr-defined]  (kept alive with the main window)
    return window
