"""The seq2seq window's training settings: the Train panel's form with the encoder-decoder's tasks.

Everything but the task list is the single network's form (:class:`~lstmviz.gui.training.settings_form.TrainSettings`:
cell, hidden size, layers, optimiser, learning rate, batch, clipping, updates, snapshots, seed). The tasks are
reverse and sort (a source length and a symbol count) and forecasting the main window's sequence (a window and a
horizon). Truncated BPTT is hidden: an encoder-decoder is trained through both sides whole.
"""

from __future__ import annotations

from dataclasses import replace
from typing import Any

import numpy as np
from PySide6.QtWidgets import QComboBox, QWidget

from ...engine.errors import EngineError
from ...engine.seq2seq import Seq2Seq
from ...io.seq2seq_tasks import TOKEN_TASKS
from ...model.seq2seq_training import SEQ2SEQ_LR, ForecastTask, TokenTask
from ...model.training import TrainingConfig
from .settings_form import TrainSettings

DEFAULT_UPDATES = 500
"""Reverse, 8 tokens of 10 symbols, LSTM H = 64, embedding 16: about 0.9 free-running per-token accuracy after 300
updates and 0.97 after 500 (the engine's training test)."""
FRESH_EMBEDDING = 16
"""Embedding width of a fresh token model (a loaded one keeps its own)."""
_TOKEN_TIPS = {
    "reverse": "Write the source back to front (cross-entropy per output token)",
    "sort": "Write the source's digits in ascending order (cross-entropy per output token)",
}


class Seq2SeqTrainSettings(TrainSettings):
    """The run's settings for an encoder-decoder; :meth:`make_task` builds a token or forecast task."""

    TASKS = tuple((name, name, _TOKEN_TIPS.get(name, f"The {name} token task")) for name in TOKEN_TASKS) + (
        (
            "forecast",
            "forecast the main window's sequence",
            "Encode a window of the sequence loaded in the main window, decode its next values (the last 20% "
            "validates)",
        ),
    )
    PARAMETERS = {**{name: ("length", "symbols") for name in TOKEN_TASKS}, "forecast": ("window", "horizon")}
    UNUSED = ("tbptt_box",)

    def __init__(self, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.task_box.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.task_box.setMinimumContentsLength(12)  # the forecast's long title fits the seq2seq window's dock
        self.task_box.setToolTip(
            "What the encoder-decoder learns: write the source back to front, sorted, or the "
            "next values of the sequence loaded in the main window"
        )
        self.length_box.setRange(1, 100_000)
        self.length_box.setValue(8)
        self.length_box.setToolTip("Source (and output) length trained on")
        self.symbols_box.setRange(1, 1000)
        self.symbols_box.setValue(10)
        self.symbols_box.setToolTip("Symbols: token ids 1..N (0 is the decoder's start token)")
        self.window_box.setValue(24)
        self.window_box.setToolTip("Steps the encoder reads")
        self.horizon_box.setValue(6)
        self.horizon_box.setToolTip("Steps the decoder forecasts")
        self.hidden_box.setValue(64)
        self.lr_box.setValue(SEQ2SEQ_LR)
        self.updates_box.setValue(DEFAULT_UPDATES)

    @property
    def trained_length(self) -> int:
        """The source length the encoder reads (a token task's length, a forecast's window)."""
        return (self.window_box if self.task_key == "forecast" else self.length_box).value()

    def config(self) -> TrainingConfig:
        """The form's settings, with no forget-gate bias (a loaded model is trained as it is)."""
        return replace(super().config(), forget_bias=None)

    def make_task(self, sequence: Any, model: Seq2Seq | None = None) -> Any:
        """A :class:`TokenTask`, or a :class:`ForecastTask` of ``sequence`` (the main window's numeric values or
        None); a token model's embedding width carries over (raises EngineError with a sentence for the user)."""
        if self.task_key == "forecast":
            if sequence is None:
                raise EngineError("forecasting trains on the sequence loaded in the main window; open one there first")
            task = ForecastTask(
                np.asarray(sequence, dtype=np.float64), self.window_box.value(), self.horizon_box.value()
            )
            task.data()  # too short a series for these windows fails here, with the reason
            return task
        embed = FRESH_EMBEDDING
        if model is not None and model.tokens and model.embedding is not None:
            embed = model.encoder.input_size
        return TokenTask(self.task_key, self.symbols_box.value(), self.length_box.value(), embed)
