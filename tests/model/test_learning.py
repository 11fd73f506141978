"""Learning really happens, with fixed seeds: an LSTM recalls across a delay where a vanilla RNN stays near chance,
the vanilla RNN's gradient through a long delay vanishes, and a forecast beats persistence."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.bptt import bptt
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.task_series import NextValueTask
from lstmviz.io.tasks import make_task
from lstmviz.model.training import TrainingConfig, evaluate, new_network, run_training

BUDGET = 3000


def best_recall(cell: str, delay: int, stop_at: float | None = None) -> float:
    """The best validation recall of a seeded run on copy (H = 32, batch 32, the default Adam rate) within
    the budget, validated every 100 updates; stops early once ``stop_at`` is reached."""
    task = make_task("copy", delay=delay, seed=0)
    config = TrainingConfig(cell=cell, hidden=32, updates=BUDGET, batch=32, seed=0, validate_every=100)
    best = 0.0
    for progress in run_training(config, task):
        if progress.validation is not None:
            best = max(best, progress.validation.accuracy)
            if stop_at is not None and best >= stop_at:
                break
    assert progress.metrics.update <= BUDGET
    return best


def test_lstm_recalls_across_a_delay_of_20() -> None:
    assert best_recall("lstm", 20, stop_at=0.95) >= 0.95


def test_across_a_delay_of_50_the_vanilla_rnn_stays_near_chance_and_the_lstm_recalls() -> None:
    """The classic result, under one budget (3,000 updates of batch 32): chance is 1/8."""
    assert best_recall("rnn", 50) <= 0.40
    assert best_recall("lstm", 50, stop_at=0.95) >= 0.95


def test_across_a_delay_of_50_the_vanilla_rnns_gradient_vanishes_and_the_lstms_survives() -> None:
    """Why gated cells learn long delays: at the start of training, the share of the cue's gradient left at step 0.

    The vanilla RNN's is also worked out by hand: dL/dh_0 = J_1^T ... J_T^T dL/dh_T with J_t = diag(1 - h_t^2) W_hh.
    """
    task = make_task("copy", delay=50, seed=0)
    example = task.validation().x[0]
    shares = {}
    for cell in ("rnn", "lstm"):
        network = new_network(TrainingConfig(cell=cell, hidden=32, seed=0), task)
        norms = bptt(network, example, "h-last-sum").arrays["grad_norm_h_l0"]
        shares[cell] = norms[0] / norms[-1]
    rnn = new_network(TrainingConfig(cell="rnn", hidden=32, seed=0), task)
    h = rnn.run(rnn.prepare_input(example)).get_quantity("h")
    carried = np.ones(rnn.hidden_size)  # dL/dh_T of the sum of h_T
    for t in range(len(h) - 1, 0, -1):
        carried = rnn.params["weight_hh_l0"].T @ ((1 - h[t] ** 2) * carried)
    by_hand = np.linalg.norm(carried) / np.sqrt(rnn.hidden_size)
    assert shares["rnn"] == pytest.approx(by_hand, rel=1e-9)
    assert shares["rnn"] < 1e-9
    assert shares["lstm"] > 1e-3  # the forget gates (f ~ 0.88 at the start) carry the error back: 0.88^50 ~ 2e-3


def test_next_value_on_a_sine_beats_persistence() -> None:
    t = np.arange(1000)
    task = NextValueTask.from_sequence(SequenceData(np.sin(2 * np.pi * t / 40)), window=20, horizon=3, seed=0)
    config = TrainingConfig(cell="lstm", hidden=16, updates=400, batch=32, lr=0.01, seed=0, validate_every=400)
    for update in run_training(config, task):
        progress = update
    validation = task.validation()
    model = evaluate(progress.network, task, validation).loss
    assert model < 0.5 * task.persistence_mse(validation)
