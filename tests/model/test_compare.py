"""The comparison of the three cells: same seed and batches for each, reproducible, the decay checked by hand."""

from __future__ import annotations

import time
from dataclasses import replace

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.engine.update_sources import update_shares
from lstmviz.model.compare import (
    COMPARE_CELLS,
    CellResult,
    CompareRun,
    CompareSetup,
    analyse,
    example_sequence,
    gradient_decay,
    run_compare,
    update_batch,
)
from lstmviz.model.training_job import TRAINING

SMALL = CompareSetup(task="copy", delay=3, hidden=4, updates=6, batch=4, seed=1)


def test_every_cell_trains_on_the_same_task_reproducibly() -> None:
    first = run_compare(SMALL)
    again = run_compare(SMALL)
    assert [r.cell for r in first] == list(COMPARE_CELLS)
    for a, b in zip(first, again, strict=True):
        assert [u for u, _ in a.losses] == list(range(1, 7))
        assert a.losses == b.losses  # seeded to the last digit
        assert a.network.hidden_size == 4 and a.network.input_size == 10  # 8 symbols + blank + cue
        assert a.accuracy is not None and 0.0 <= a.accuracy <= 1.0
        assert a.decay is not None and a.decay.shape == (5,)  # T = delay + 2
        assert a.shares is not None and a.shares.sum() == pytest.approx(1.0)
    # the same batches: at update 1 every cell sees the same first batch from the same kind of start
    assert len({round(r.losses[0][1], 12) for r in first}) == 3  # but different cells give different losses


def test_untrained_compares_the_fresh_networks() -> None:
    results = run_compare(CompareSetup(task="adding", delay=4, hidden=3, updates=0))
    assert all(not r.losses and r.accuracy is None for r in results)
    sequence = example_sequence(CompareSetup(task="adding", delay=4).make_task())
    assert sequence.steps == 8
    for result in results:
        np.testing.assert_array_equal(result.decay, gradient_decay(result.network, sequence))
        # the shares describe the first training batch, the same one for every cell
        task = CompareSetup(task="adding", delay=4).make_task()
        batch = update_batch(CompareSetup(task="adding", delay=4), task)
        np.testing.assert_array_equal(result.shares, update_shares(result.network, batch, "mse"))


def test_rnn_decay_is_the_product_of_step_jacobians() -> None:
    """||dh_T/dh_t||_2 by hand for tanh: dh_{s}/dh_{s-1} = diag(1 - h_s^2) W_hh; the product's largest singular
    value."""
    sequence = example_sequence(CompareSetup(delay=4).make_task())
    network = Network.random("rnn", sequence.input_size, 5, seed=3)
    h = network.run(sequence.values)["h_l0"]
    w_hh = network.params["weight_hh_l0"]
    steps = h.shape[0]
    expected = np.empty(steps)
    product = np.eye(5)
    for t in range(steps - 1, -1, -1):
        expected[t] = np.linalg.norm(product, 2)
        product = product @ (np.diag(1.0 - h[t] ** 2) @ w_hh)
    np.testing.assert_allclose(gradient_decay(network, sequence), expected, rtol=1e-10, atol=1e-300)


def test_the_run_in_child_processes_gives_the_same_numbers() -> None:
    """CompareRun (the app's, three processes) and run_compare (the command line's) train identically."""
    local = run_compare(SMALL)
    run = CompareRun(SMALL)
    try:
        deadline = 600
        while not run.finished and deadline:
            run.poll()
            deadline -= 1
            time.sleep(0.1)
        run.poll()
    finally:
        run.kill()
    assert run.finished and run.error is None
    for a, b in zip(local, run.results, strict=True):
        assert a.cell == b.cell
        assert a.losses == b.losses
        for name in a.network.params:
            np.testing.assert_array_equal(a.network.params[name], b.network.params[name])
        analyse(b, run.sequence, run.task, run.batch)
        np.testing.assert_array_equal(a.decay, b.decay)
        np.testing.assert_array_equal(a.shares, b.shares)


def test_a_result_without_validation_has_no_accuracy() -> None:
    result = CellResult("gru", Network.random("gru", 1, 2, seed=0))
    assert result.accuracy is None and result.decay is None


def test_in_the_app_each_cells_run_is_published_by_its_documents_service() -> None:
    """publish_through: each cell's compute service follows its job (started, progress, an end), and Stop is the
    services' cancel of a long job: every run ends stopped, keeping what it reached."""
    from lstmviz.model.document import Document

    run = CompareRun(replace(SMALL, updates=100_000))
    documents = {result.cell: Document(result.network, run.sequence) for result in run.results}
    ends: dict[str, list[str]] = {cell: [] for cell in documents}
    for cell, document in documents.items():
        for name in ("started", "stopped", "ready", "failed"):
            getattr(document.compute.events, name).connect(lambda *args, c=cell, n=name: ends[c].append(n))
    try:
        run.publish_through({cell: document.compute for cell, document in documents.items()})
        assert all(document.compute.busy(TRAINING) for document in documents.values())
        deadline = time.monotonic() + 120
        while min(len(result.losses) for result in run.results) < 5 and time.monotonic() < deadline:
            run.poll()
            time.sleep(0.05)
        run.stop()
        while not run.finished and time.monotonic() < deadline:
            run.poll()
            time.sleep(0.05)
        run.poll()
    finally:
        run.kill()
    assert run.finished and run.error is None
    assert ends == {cell: ["started", "stopped"] for cell in documents}
    for result in run.results:
        done = documents[result.cell].compute.result(TRAINING)
        assert done is not None and done.stopped and done.done == result.losses[-1][0] < 100_000
