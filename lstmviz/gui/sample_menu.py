"""File > Open Sample: the sequences and trained models bundled with lstmviz, one click each."""

from __future__ import annotations

import importlib.util
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QMenu

from ..io.bundled import sample_sequences, sample_weights

if TYPE_CHECKING:
    from .main_window import MainWindow

DESCRIPTIONS: dict[str, str] = {
    "sine.csv": "sine and cosine over time in seconds",
    "temperature_anomaly.csv": "yearly values, 1880-2023, with a year column",
    "monthly_passengers.csv": "a spreadsheet export with monthly dates",
    "wetter_semikolon.csv": "semicolons, decimal commas, dates",
    "sensor_gaps.csv": "a table with missing cells",
    "gates.txt": "English text, read as one-hot characters",
    "lorenz.npy": "a 3-D Lorenz trajectory, 1000 steps",
    "adding_problem.json": "the adding problem: values and markers",
    "copy_task.csv": "the copy (memory) task, one-hot symbols",
    "sine_lstm_h8.npz": "LSTM, 8 units: predicts the next value of a sine",
    "sine_lstm_h8.safetensors": "LSTM, 8 units: predicts the next value of a sine",
    "sine_lstm_h8.pt": "LSTM, 8 units, as a PyTorch state_dict",
    "adding_lstm_h16.npz": "LSTM, 16 units: solves the adding problem (2 inputs)",
    "echo_gru_h8.npz": "GRU, 8 units: echoes its input from 3 steps before",
    "sine_rnn_h8.npz": "vanilla RNN, 8 units: predicts the next value of a sine",
}
TORCH_ONLY = (".pt", ".pth")


def _label(path: Path) -> str:
    note = DESCRIPTIONS.get(path.name)
    return f"{path.name}  ({note})" if note else path.name


def build_sample_menu(window: MainWindow) -> QMenu:
    """The submenu, sequences then models; .pt models only when torch is installed to read them."""
    menu = QMenu("Open &Sample", window)
    menu.setObjectName("menu_samples")
    has_torch = importlib.util.find_spec("torch") is not None
    for title, kind, paths in (("Sequences", "sequence", sample_sequences()), ("Models", "weights", sample_weights())):
        shown = [path for path in paths if has_torch or path.suffix not in TORCH_ONLY]
        if not shown:
            continue
        menu.addSection(title)
        for path in shown:
            action = menu.addAction(_label(path))
            action.setObjectName(f"action_sample_{path.name}")
            action.setStatusTip(str(path))
            action.triggered.connect(lambda _c=False, p=str(path), k=kind: window.file_actions.open_path(p, k))
    if menu.isEmpty():
        menu.addAction("(no samples installed)").setEnabled(False)
    return menu
