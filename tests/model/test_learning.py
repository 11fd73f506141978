"""Learning really happens, with fixed seeds: the classic result of gated against vanilla cells on the copy task,
and a forecast that beats persistence."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.task_series import NextValueTask
from lstmviz.io.tasks import make_task
from lstmviz.model.training import TrainingConfig, evaluate, run_training

BUDGET = 3000


def test_lstm_recalls_across_a_delay_of_20() -> None:
    task = make_task("copy", delay=20, seed=0)
    config = TrainingConfig(cell="lstm", hidden=32, updates=BUDGET, batch=32, lr=0.01, seed=0, validate_every=100)
    best = 0.0
    for progress in run_training(config, task):
        if progress.validation is not None:
            best = max(best, progress.validation.accuracy)
            if best >= 0.95:
                break
    assert best >= 0.95
    assert progress.metrics.update <= BUDGET


@pytest.mark.slow
def test_vanilla_rnn_stays_near_chance_at_a_delay_of_50() -> None:
    task = make_task("copy", delay=50, seed=0)
    config = TrainingConfig(cell="rnn", hidden=32, updates=BUDGET, batch=32, lr=0.01, seed=0, validate_every=500)
    scores = [p.validation.accuracy for p in run_training(config, task) if p.validation is not None]
    assert len(scores) == BUDGET // 500
    assert max(scores) <= 0.40


def test_next_value_on_a_sine_beats_persistence() -> None:
    t = np.arange(1000)
    task = NextValueTask.from_sequence(SequenceData(np.sin(2 * np.pi * t / 40)), window=20, horizon=3, seed=0)
    config = TrainingConfig(cell="lstm", hidden=16, updates=400, batch=32, lr=0.01, seed=0, validate_every=400)
    for progress in run_training(config, task):
        pass
    validation = task.validation()
    model = evaluate(progress.network, task, validation).loss
    assert model < 0.5 * task.persistence_mse(validation)
