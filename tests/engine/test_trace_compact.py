"""A compact trace's exact rows are the full float64 trace's rows, and its drawing arrays are their float32 copies."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.engine.trace_compact import WINDOW_STEPS, CompactTrace, compact_nbytes, exact_trace

STEPS = 3 * WINDOW_STEPS + 37  # a last window shorter than the others


def compact_run(net: Network, x: np.ndarray, **states: np.ndarray) -> tuple[CompactTrace, list[int]]:
    deliveries = list(net.run_compact_progressive(x, **states))
    return deliveries[-1][0], [steps_done for _, steps_done in deliveries]


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_rows_equal_the_full_float64_trace(cell: str) -> None:
    rng = np.random.default_rng(3)
    net = Network.random(cell, 3, 12, num_layers=2, seed=4, output_size=2)
    x = rng.normal(size=(STEPS, 3))
    h0, c0 = rng.normal(size=(2, 12)), rng.normal(size=(2, 12))
    full = net.run(x, h0, c0)
    compact, done = compact_run(net, x, h0=h0, c0=c0)
    assert done == [WINDOW_STEPS, 2 * WINDOW_STEPS, 3 * WINDOW_STEPS, STEPS]
    assert set(compact) == set(full) and compact.steps == STEPS
    for key in full:
        assert compact[key].dtype == (np.float64 if key == "x" else np.float32)
        np.testing.assert_array_equal(compact[key], np.asarray(full[key]).astype(compact[key].dtype))
        for step in range(STEPS):  # every row, across every window boundary, in float64
            row = compact.row(key, step)
            assert row.dtype == np.float64
            np.testing.assert_array_equal(row, full[key][step])
    np.testing.assert_array_equal(compact.row("h_l1", -1), full["h_l1"][-1])


def test_rows_in_any_order_and_the_exact_trace() -> None:
    net = Network.random("lstm", 1, 16, seed=1)
    x = np.sin(np.arange(STEPS) / 9.0)
    full = net.run(x)
    compact, _ = compact_run(net, x)
    for step in (STEPS - 1, 0, WINDOW_STEPS, WINDOW_STEPS - 1, 2 * WINDOW_STEPS + 5, 3):
        for key in ("i_l0", "c_l0", "h_l0"):
            np.testing.assert_array_equal(compact.row(key, step), full[key][step])
    replayed = exact_trace(compact)
    assert not isinstance(replayed, CompactTrace)
    for key in full:
        np.testing.assert_array_equal(replayed[key], full[key])
    assert exact_trace(full) is full


def test_rows_match_torch() -> None:
    torch = pytest.importorskip("torch")
    from engine_reference import torch_cell_forward

    net = Network.random("lstm", 2, 8, seed=2)
    x = np.random.default_rng(5).normal(size=(2 * WINDOW_STEPS + 10, 2))
    reference, _ = torch_cell_forward(torch, net, x)
    compact, _ = compact_run(net, x)
    for key in ("i_l0", "f_l0", "g_l0", "o_l0", "c_l0", "h_l0"):
        expected = reference[key].detach().numpy()
        rows = np.stack([compact.row(key, t) for t in range(x.shape[0])])
        np.testing.assert_allclose(rows, expected, rtol=0, atol=1e-12)


def test_half_the_bytes_of_a_float64_trace() -> None:
    net = Network.random("lstm", 1, 32, seed=0)
    x = np.zeros(4 * WINDOW_STEPS)
    compact, _ = compact_run(net, x)
    full = net.run(x)
    assert compact.nbytes() < 0.55 * full.nbytes()
    assert compact_nbytes(net, x.shape[0]) == sum(a.nbytes for k, a in compact.items() if k != "x")


def test_cancelled_part_way_keeps_the_filled_rows_exact() -> None:
    net = Network.random("gru", 1, 6, seed=8)
    x = np.cos(np.arange(STEPS) / 5.0)
    full = net.run(x)
    runs = net.run_compact_progressive(x)
    trace, done = next(runs)
    trace, done = next(runs)
    runs.close()
    assert done == 2 * WINDOW_STEPS
    np.testing.assert_array_equal(trace.row("h_l0", done - 1), full["h_l0"][done - 1])
    assert not trace["h_l0"][done:].any()  # the unfilled steps read 0
