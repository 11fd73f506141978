"""The seq2seq window's Train panel: the app's Train panel, driving an encoder-decoder on a token task.

Everything about running is the single-network panel's (:class:`~lstmviz.gui.panels.train_panel.TrainPanel`): the
child process (:class:`~lstmviz.model.training_job.TrainingJob` with the seq2seq runner), the 100 ms poll, the
loss curves, Pause / Resume / Stop. What differs is the task (reverse or sort, a source length and a symbol count),
what is trained (the window's model when it fits the task, else a fresh one of the chosen size shown on one example
of the task) and where the weights go: the window's session, so both sides' views follow the run. The whole run is
one undo step of the session.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import numpy as np

from PySide6.QtWidgets import QFormLayout, QWidget

from ..engine.errors import EngineError
from ..io.seq2seq_tasks import TOKEN_TASKS
from ..model.seq2seq_session import Seq2SeqSession
from ..model.seq2seq_training import ForecastTask, TokenTask, run_seq2seq_training
from ..model.training import TrainingConfig
from ..model.training_job import TrainingJob
from .panels.train_panel import TrainPanel

DEFAULT_UPDATES = 500
"""Reverse, 8 tokens of 10 symbols, LSTM H = 64, embedding 16: about 0.9 free-running per-token accuracy after 300
updates and 0.97 after 500 (the engine's training test)."""


class Seq2SeqTrainPanel(TrainPanel):
    """Task (reverse or sort), length, symbols, model size and optimiser; Start / Pause / Resume / Stop."""

    def __init__(self, session: Seq2SeqSession, parent: QWidget | None = None,
                 series: Callable[[], np.ndarray | None] = lambda: None) -> None:
        super().__init__(session, parent)  # type: ignore[arg-type]  # the panel only keeps what it is given
        self.session = session
        self._series = series
        """The numeric series a forecast trains on (the main window's sequence), or None."""
        self.task_box.clear()
        for name in TOKEN_TASKS:
            self.task_box.addItem(name, name)
        self.task_box.addItem("forecast the main window's sequence", "forecast")
        self.task_box.setToolTip("What the encoder-decoder learns: write the source back to front, sorted, or the "
                                 "next values of the sequence loaded in the main window")
        self.form = self.findChild(QFormLayout)
        assert self.form is not None
        self.delay_box.setRange(1, 100_000)
        self.delay_box.setValue(8)
        self.symbols_box = self._spin(1, 1000, 10, "")
        self.form.insertRow(2, "Symbols", self.symbols_box)
        self.task_box.currentIndexChanged.connect(self._describe_task)
        self._describe_task()
        model = session.model
        self.cell_box.setCurrentText(model.encoder.cell)
        self.hidden_box.setValue(model.hidden_size if model.tokens else 64)
        self.updates_box.setValue(DEFAULT_UPDATES)
        self.status.setText("Not trained in this window yet")

    def _describe_task(self) -> None:
        """Length and Symbols for a token task; Window and Horizon for a forecast."""
        forecast = self.task_box.currentData() == "forecast"
        assert self.form is not None
        self.form.labelForField(self.delay_box).setText("Window" if forecast else "Length")
        self.form.labelForField(self.symbols_box).setText("Horizon" if forecast else "Symbols")
        self.delay_box.setToolTip("Steps the encoder reads" if forecast else "Source (and output) length trained on")
        self.symbols_box.setToolTip("Steps the decoder forecasts" if forecast
                                    else "Symbols: token ids 1..N (0 is the decoder's start token)")
        if forecast:
            self.delay_box.setValue(24)
            self.symbols_box.setValue(6)

    def token_task(self) -> TokenTask:
        model = self.session.model
        embed = model.encoder.input_size if model.tokens and model.embedding is not None else 16
        return TokenTask(self.task_box.currentData(), self.symbols_box.value(), self.delay_box.value(), embed)

    def forecast_task(self) -> ForecastTask:
        series = self._series()
        if series is None:
            raise EngineError("forecasting trains on the sequence loaded in the main window; open one there first")
        task = ForecastTask(np.asarray(series, dtype=np.float64), self.delay_box.value(), self.symbols_box.value())
        task.data()  # too short a series for these windows fails here, with the reason
        return task

    def config(self) -> TrainingConfig:
        base = super().config()
        layers = self.session.model.num_layers
        return TrainingConfig(cell=base.cell, hidden=base.hidden, layers=layers, updates=base.updates,
                              batch=base.batch, lr=base.lr, seed=base.seed, validate_every=50, forget_bias=None)

    def _make_task(self) -> Any:
        return self.forecast_task() if self.task_box.currentData() == "forecast" else self.token_task()

    def _prepare(self, config: TrainingConfig, task: Any) -> Any:
        """The window's model when it has this task's vocabulary and the chosen size; else a fresh one, shown on
        one example of the task. Either way the state before is one undo step."""
        session = self.session
        session.remember(f"Train {task.name}")
        session.task_name = task.name
        model = session.model
        same_size = (model.encoder.cell, model.hidden_size) == (config.cell, config.hidden)
        if task.fits(model) and same_size:
            if isinstance(task, ForecastTask):  # show a validation window in the units the model learns in
                session.set_model(model, *task.example(config.seed))
            return model
        fresh = task.new_model(config)
        source, target = task.example(config.seed)
        session.set_model(fresh, source, target)
        return fresh

    def _new_job(self, config: TrainingConfig, task: Any, network: Any) -> TrainingJob:
        return TrainingJob(config, task, network, runner=run_seq2seq_training)

    def _apply(self, network: Any) -> None:
        self.session.set_model(network)
