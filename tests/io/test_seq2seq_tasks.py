"""The token tasks' answer for a given source is the one their batches are drawn with."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.io.seq2seq_tasks import make_task


@pytest.mark.parametrize(("name", "expected"), [("reverse", [5, 1, 4, 1, 3]), ("sort", [1, 1, 3, 4, 5])])
def test_a_tasks_target_of_a_source_is_the_one_its_batches_hold(name, expected) -> None:
    task = make_task(name, 6)
    assert task.target_of(np.array([3, 1, 4, 1, 5])).tolist() == expected
    batch = task.batch(np.random.default_rng(0), 16, 7)
    np.testing.assert_array_equal(task.target_of(batch.source), batch.target)
