"""The seq2seq training runner the window's child process runs: the same updates as the engine loop, scored."""

from __future__ import annotations

import numpy as np

from lstmviz.engine.optim import make_optimizer
from lstmviz.engine.seq2seq_batch import decode_free
from lstmviz.engine.seq2seq_train import train_seq2seq
from lstmviz.io.seq2seq_tasks import make_task
from lstmviz.model.seq2seq_training import ForecastTask, TokenTask, run_seq2seq_training
from lstmviz.model.training import TrainingConfig

CONFIG = TrainingConfig(cell="gru", hidden=6, updates=12, batch=8, lr=0.02, seed=3, validate_every=5)


def test_token_runs_are_the_engine_loop_on_seeded_batches_scored_free_running() -> None:
    task = TokenTask("sort", symbols=5, length=4, embed=3)
    runs = list(run_seq2seq_training(CONFIG, task))
    assert [p.metrics.update for p in runs] == list(range(1, 13))
    assert [p.metrics.update for p in runs if p.validation is not None] == [5, 10, 12]
    rng = np.random.default_rng(3)  # the same batches and optimiser, run directly
    batches = (make_task("sort", 5).batch(rng, 8, 4) for _ in range(12))
    start = task.new_model(CONFIG)
    direct = list(train_seq2seq(start, make_optimizer("adam", 0.02), None, batches, updates=12, clip=1.0))
    assert [m.loss for _, _, m in direct] == [p.metrics.loss for p in runs]
    held_out = make_task("sort", 5).batch(np.random.default_rng(4), 200, 4)
    hits = decode_free(runs[-1].network, held_out.source, 4) == held_out.target
    assert runs[-1].validation.accuracy == float(np.mean(hits))
    assert task.fits(start) and not task.fits(ForecastTask(np.arange(50.0)).new_model(CONFIG))


def test_forecast_runs_train_on_the_windows_before_the_split_and_score_r2_after_it() -> None:
    series = np.sin(np.arange(200) / 6.0)
    task = ForecastTask(series, window=10, horizon=3)
    runs = list(run_seq2seq_training(CONFIG, task))
    last = runs[-1]
    data = task.data()
    predicted = decode_free(last.network, data.validation.source, 3)
    target = data.validation.target
    r2 = 1 - np.sum((predicted - target) ** 2) / np.sum((target - target.mean()) ** 2)
    assert abs(last.validation.accuracy - r2) < 1e-12
    source, continuation = task.example(0)
    np.testing.assert_array_equal(continuation, target[0])
    assert source.shape == (10, 1) and task.fits(last.network)
