"""Training tasks: layouts by hand, seeded reproducibility, the chronological split and the normalisation fold."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine import Network
from lstmviz.engine.batched import forward
from lstmviz.io.seq_text import text_sequence
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.task_series import NextCharTask, NextValueTask, sample_text
from lstmviz.io.tasks import TaskError, make_task


def test_copy_layout() -> None:
    task = make_task("copy", delay=3, symbols=4, seed=1)
    batch = next(task.batches(5))
    assert batch.x.shape == (5, 5, 6)
    symbol = np.argmax(batch.x[:, 0, :4], axis=1)
    assert np.all(batch.x[:, 1:4, 4] == 1) and np.all(batch.x[:, 4, 5] == 1)
    assert np.array_equal(batch.target[:, -1], symbol)
    assert batch.mask is not None and batch.mask.sum() == 5 and np.all(batch.mask[:, -1] == 1)
    perfect = np.zeros((5, 5, 4))
    perfect[np.arange(5), -1, symbol] = 1.0
    assert task.accuracy(perfect, batch) == 1.0
    wrong = np.zeros((5, 5, 4))
    wrong[np.arange(5), -1, (symbol + 1) % 4] = 1.0
    assert task.accuracy(wrong, batch) == 0.0


def test_batches_are_seeded_and_validation_is_separate() -> None:
    a = next(make_task("adding", length=10, seed=3).batches(4))
    b = next(make_task("adding", length=10, seed=3).batches(4))
    assert np.array_equal(a.x, b.x)
    assert not np.array_equal(a.x, next(make_task("adding", length=10, seed=4).batches(4)).x)
    assert not np.array_equal(make_task("adding", length=10, seed=3).validation().x[:4], a.x)


def test_adding_target_is_the_sum_of_marked_values() -> None:
    batch = next(make_task("adding", length=12, seed=0).batches(6))
    marked = (batch.x[:, :, 0] * batch.x[:, :, 1]).sum(axis=1)
    assert np.allclose(batch.target[:, -1, 0], marked)
    assert np.all(batch.x[:, :6, 1].sum(axis=1) == 1) and np.all(batch.x[:, 6:, 1].sum(axis=1) == 1)


def test_next_value_split_normalisation_and_fold() -> None:
    values = np.concatenate([np.arange(100.0), 1000 + np.arange(25.0)])[:, None]
    task = NextValueTask.from_sequence(SequenceData(values), window=5, horizon=2)
    assert task.split == 100
    assert task.mean[0] == pytest.approx(49.5)  # the training part only
    assert task.validation_starts.min() == 100
    batch = next(task.batches(3))
    assert np.allclose(batch.target[:, :, 0] - batch.x[:, :, 0], 2 / task.std[0])
    net = Network.random("gru", 1, 4, 1, seed=0, output_size=1)
    raw = values[None, 10:20]
    folded = task.export(net).astype(np.float64)
    in_user_units = forward(folded, raw).y
    normalised = forward(net, (raw - task.mean) / task.std).y * task.std + task.mean
    assert np.abs(in_user_units - normalised).max() <= 1e-9
    with pytest.raises(TaskError, match="too short"):
        NextValueTask.from_sequence(SequenceData(np.arange(20.0)), window=10)


def test_next_char_windows_and_sampling() -> None:
    seq = text_sequence("abcabcabcabcabcabcabcabcabcabc")
    task = NextCharTask.from_sequence(seq, window=4)
    batch = next(task.batches(2))
    assert np.array_equal(batch.target[:, :-1], np.argmax(batch.x[:, 1:], axis=2))
    net = Network.random("lstm", 3, 4, 1, seed=0, output_size=3)
    text = sample_text(net, task.vocabulary, "ab", 20, seed=1)
    assert len(text) == 20 and set(text) <= set("abc")
    assert text == sample_text(net, task.vocabulary, "ab", 20, seed=1)
    with pytest.raises(TaskError, match="not text"):
        NextCharTask.from_sequence(SequenceData(np.zeros((40, 1))))
