"""The seq2seq window's Train panel: the app's Train panel, driving an encoder-decoder on a token or forecast task.

Everything about running is the single-network panel's (:class:`~lstmviz.gui.panels.train_panel.TrainPanel`): the
child process (:class:`~lstmviz.model.training_job.TrainingJob` with the seq2seq runner), the 100 ms poll, the
loss curves, Pause / Resume / Stop, the training timeline, the curve export. What differs goes through the panel's
seams: the settings (:class:`~lstmviz.gui.training.seq2seq_settings.Seq2SeqTrainSettings`: reverse, sort or a
forecast), what is trained (the window's model when it fits the task, else a fresh one of the chosen size shown on
one example of the task), where the weights go (the window's session, so both sides' views follow the run and the
timeline scrubs them), and Save Weights (the encoder-decoder's writer). The single network's prediction view is
left out: the window's own view already draws the decoder's outputs over the target. The whole run is one undo
step of the session.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtWidgets import QFileDialog, QWidget

from ..io.errors import FileFormatError
from ..io.seq2seq_weights import SEQ2SEQ_SAVE_SUFFIXES, save_seq2seq
from ..model.compute import ComputeService
from ..model.seq2seq_session import Seq2SeqSession
from ..model.seq2seq_training import ForecastTask, run_seq2seq_training
from ..model.training import TrainingConfig
from ..model.training_job import TrainingJob
from .panels.train_panel import TrainPanel
from .training.seq2seq_settings import Seq2SeqTrainSettings


class Seq2SeqTrainPanel(TrainPanel):
    """Task (reverse, sort or forecast), its parameters, model size and optimiser; Start / Pause / Resume / Stop."""

    PREDICTS = False
    STACKED = True
    settings: Seq2SeqTrainSettings

    def __init__(
        self,
        session: Seq2SeqSession,
        parent: QWidget | None = None,
        series: Callable[[], np.ndarray | None] = lambda: None,
    ) -> None:
        super().__init__(session, parent)  # type: ignore[arg-type]  # the panel only keeps what it is given
        self.session = session
        self._series = series
        """The numeric series a forecast trains on (the main window's sequence), or None."""
        model = session.model
        self.settings.cell_box.setCurrentIndex(self.settings.cell_box.findData(model.encoder.cell))
        self.settings.layers_box.setValue(model.num_layers)
        if model.tokens:
            self.settings.hidden_box.setValue(model.hidden_size)
        self.save_button.setToolTip(
            "Save the encoder-decoder shown (trained, or the timeline's moment) as "
            ".safetensors, .npz or .pt; it opens in lstmviz and loads in PyTorch"
        )
        self.status.setText("Not trained in this window yet")

    def _make_settings(self) -> Seq2SeqTrainSettings:
        return Seq2SeqTrainSettings()

    def _make_task(self) -> Any:
        return self.settings.make_task(self._series(), self.session.model)

    def _prepare(self, config: TrainingConfig, task: Any) -> Any:
        """The window's model when it has this task's vocabulary and the chosen size; else a fresh one, shown on
        one example of the task. Either way the state before is one undo step."""
        session = self.session
        session.remember(f"Train {task.name}")
        previous, session.task_name = session.task_name, task.name
        model = session.model
        same_size = (model.encoder.cell, model.hidden_size, model.num_layers) == (
            config.cell,
            config.hidden,
            config.layers,
        )
        if task.fits(model) and same_size:
            if isinstance(task, ForecastTask):  # show a validation window in the units the model learns in
                session.set_model(model, *task.example(config.seed))
            elif previous != task.name and model.tokens:  # the source shown, with this task's answer as target
                source = session.trace["enc_tokens"]
                session.set_model(model, source, task.make().target_of(source))
            return model
        fresh = task.new_model(config)
        source, target = task.example(config.seed)
        session.set_model(fresh, source, target)
        return fresh

    def _new_job(self, config: TrainingConfig, task: Any, network: Any) -> TrainingJob:
        return TrainingJob(
            config, task, network, snapshot_every=self.settings.snapshot_box.value(), runner=run_seq2seq_training
        )

    def _apply(self, network: Any) -> None:
        self.session.set_model(network)

    def _compute(self) -> ComputeService:
        """The decoder side's service: the trained model's output is the decoder's."""
        return self.session.decoder_doc.compute

    # Saving ----------------------------------------------------------------------------------------------------
    def save_weights(self) -> bool:
        """Ask where, then write the encoder-decoder shown under the layout's names (PyTorch's)."""
        filters = ";;".join(f"{suffix[1:]} weights (*{suffix})" for suffix in SEQ2SEQ_SAVE_SUFFIXES)
        settings = getattr(self.window(), "settings", None)
        folder = settings.last_folder() if settings is not None and hasattr(settings, "last_folder") else ""
        start = os.path.join(folder, f"seq2seq-{self.session.task_name or 'model'}{SEQ2SEQ_SAVE_SUFFIXES[0]}")
        path, _ = QFileDialog.getSaveFileName(self, "Save encoder-decoder weights", start, filters)
        if not path:
            return False
        if Path(path).suffix.lower() not in SEQ2SEQ_SAVE_SUFFIXES:
            path += SEQ2SEQ_SAVE_SUFFIXES[0]
        return self.save_weights_to(path)

    def save_weights_to(self, path: str) -> bool:
        """Write the session's model to ``path`` (atomically); a refusal is one line and a dialog."""
        try:
            save_seq2seq(self.session.model, path)
        except FileFormatError as error:
            self._refuse(str(error), "Cannot save")
            return False
        self.status.setText(f"Saved weights {os.path.basename(path)}")
        return True
