"""The prediction view's numbers: each task's held-out answers next to the true ones, checked by hand."""

from __future__ import annotations

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.io.seq_text import text_sequence
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.tasks import make_task
from lstmviz.model.training import TrainingConfig, new_network
from lstmviz.model.training_prediction import CELL_BUDGET, predict


def test_adding_shows_the_sum_at_the_last_step_against_the_two_marked_values() -> None:
    task = make_task("adding", length=10, seed=3)
    network = new_network(TrainingConfig(hidden=4), task)
    prediction = predict(task, network, examples=5)
    batch = task.validation()
    marked = [float(np.sum(batch.x[k, :, 0] * batch.x[k, :, 1])) for k in range(5)]
    np.testing.assert_allclose(prediction.target, marked)
    answers = [network.run(batch.x[k]).arrays["y"][-1, 0] for k in range(5)]
    np.testing.assert_allclose(prediction.output, answers, rtol=1e-12)
    close = sum(abs(a - m) < 0.04 for a, m in zip(answers, marked, strict=True))
    assert prediction.score == f"{close} of 5 within 0.04" and prediction.classes is None


def test_next_char_names_the_characters_and_predicts_every_step_of_a_window() -> None:
    sequence = text_sequence("abcab" * 20)
    task = make_task("next-char", sequence, window=6)
    network = Network.random("gru", 3, 4, 1, seed=1, output_size=3)
    prediction = predict(task, network)
    assert prediction.classes == ("a", "b", "c") and len(prediction.output) == 6
    window = task.validation().x[0]
    expected = np.argmax(network.run(window).arrays["y"], axis=1)
    np.testing.assert_array_equal(prediction.output, expected)
    text = "abcab" * 20
    start = int(task.validation_starts[0])
    assert "".join(task.vocabulary[k] for k in prediction.target) == text[start + 1 : start + 7]


def test_long_sequences_show_fewer_examples_within_the_budget() -> None:
    task = make_task("copy", delay=4998, symbols=3)
    network = new_network(TrainingConfig(hidden=2), task)
    prediction = predict(task, network)
    assert len(prediction.output) == CELL_BUDGET // 5000 == 10
    series = SequenceData(np.sin(np.linspace(0, 300, 20_000)), source="long sine")
    forecast = make_task("next-value", series, window=1000)
    shown = predict(forecast, Network.random("rnn", 1, 2, 1, seed=0, output_size=1))
    assert len(shown.output) == CELL_BUDGET // 1000
    assert (
        shown.output_x[0] == forecast.validation_starts[0] + 1000
        and shown.output_x[-1] == forecast.validation_starts[-1] + 1000
    )  # thinned evenly, first and last kept
