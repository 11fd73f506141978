"""The seq2seq window's Train panel: the app's Train panel, driving an encoder-decoder on a token task.

Everything about running is the single-network panel's (:class:`~lstmviz.gui.panels.train_panel.TrainPanel`): the
child process (:class:`~lstmviz.model.training_job.TrainingJob` with the seq2seq runner), the 100 ms poll, the
loss curves, Pause / Resume / Stop. What differs is the task (reverse or sort, a source length and a symbol count),
what is trained (the window's model when it fits the task, else a fresh one of the chosen size shown on one example
of the task) and where the weights go: the window's session, so both sides' views follow the run. The whole run is
one undo step of the session.
"""

from __future__ import annotations

from typing import Any

from PySide6.QtWidgets import QFormLayout, QWidget

from ..io.seq2seq_tasks import TOKEN_TASKS
from ..model.seq2seq_session import Seq2SeqSession
from ..model.seq2seq_training import TokenTask, fits, new_model, run_seq2seq_training
from ..model.training import TrainingConfig
from ..model.training_job import TrainingJob
from .panels.train_panel import TrainPanel

DEFAULT_UPDATES = 500
"""Reverse, 8 tokens of 10 symbols, LSTM H = 64, embedding 16: about 0.9 free-running per-token accuracy after 300
updates and 0.97 after 500 (the engine's training test)."""


class Seq2SeqTrainPanel(TrainPanel):
    """Task (reverse or sort), length, symbols, model size and optimiser; Start / Pause / Resume / Stop."""

    def __init__(self, session: Seq2SeqSession, parent: QWidget | None = None) -> None:
        super().__init__(session, parent)  # type: ignore[arg-type]  # the panel only keeps what it is given
        self.session = session
        self.task_box.clear()
        for name in TOKEN_TASKS:
            self.task_box.addItem(name, name)
        self.task_box.setToolTip("What the encoder-decoder learns: write the source back to front, or sorted")
        form = self.findChild(QFormLayout)
        assert form is not None
        form.labelForField(self.delay_box).setText("Length")
        self.delay_box.setRange(1, 200)
        self.delay_box.setValue(8)
        self.delay_box.setToolTip("Source (and output) length trained on")
        self.symbols_box = self._spin(1, 1000, 10, "Symbols: token ids 1..N (0 is the decoder's start token)")
        form.insertRow(2, "Symbols", self.symbols_box)
        model = session.model
        self.cell_box.setCurrentText(model.encoder.cell)
        self.hidden_box.setValue(model.hidden_size if model.tokens else 64)
        self.updates_box.setValue(DEFAULT_UPDATES)
        self.status.setText("Not trained in this window yet")

    def token_task(self) -> TokenTask:
        model = self.session.model
        embed = model.encoder.input_size if model.tokens and model.embedding is not None else 16
        return TokenTask(self.task_box.currentData(), self.symbols_box.value(), self.delay_box.value(), embed)

    def config(self) -> TrainingConfig:
        base = super().config()
        layers = self.session.model.num_layers
        return TrainingConfig(cell=base.cell, hidden=base.hidden, layers=layers, updates=base.updates,
                              batch=base.batch, lr=base.lr, seed=base.seed, validate_every=50, forget_bias=None)

    def _make_task(self) -> Any:
        return self.token_task()

    def _prepare(self, config: TrainingConfig, task: Any) -> Any:
        """The window's model when it has this task's vocabulary and the chosen size; else a fresh one, shown on
        one example of the task. Either way the state before is one undo step."""
        session = self.session
        session.remember(f"Train {task.name}")
        session.task_name = task.name
        model = session.model
        same_size = (model.encoder.cell, model.hidden_size) == (config.cell, config.hidden)
        if fits(model, task) and same_size:
            return model
        fresh = new_model(config, task)
        source, target = task.example(config.seed)
        session.set_model(fresh, source, target)
        return fresh

    def _new_job(self, config: TrainingConfig, task: Any, network: Any) -> TrainingJob:
        return TrainingJob(config, task, network, runner=run_seq2seq_training)

    def _apply(self, network: Any) -> None:
        self.session.set_model(network)
