"""The training timeline keeps evenly spaced snapshots in bounded memory, the start and the end included."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.model.training_timeline import MAX_SNAPSHOTS, Timeline, capacity_for


def _net(seed: int = 0, hidden: int = 2) -> Network:
    return Network.random("rnn", 1, hidden, 1, seed=seed, output_size=1)


def test_a_long_run_thins_evenly_and_never_holds_more_than_the_capacity() -> None:
    timeline = Timeline(every=10, capacity=8)
    net = _net()
    sizes = []
    for update in range(1001):
        timeline.add(update, net)
        sizes.append(len(timeline))
    assert max(sizes) == 8
    updates = timeline.updates
    assert updates[0] == 0 and len(set(np.diff(updates))) == 1  # evenly spaced from the start
    assert timeline.every == 160 and updates == list(range(0, 1001, 160))
    timeline.add(1001, net, keep=True)  # the run's last network, off the spacing
    assert timeline.updates[-1] == 1001 and len(timeline) <= 8 + 1


def test_snapshots_off_the_spacing_or_repeated_are_not_taken() -> None:
    timeline = Timeline(every=5)
    assert timeline.add(0, _net()) and not timeline.add(3, _net()) and timeline.add(5, _net(1))
    assert not timeline.add(5, _net(2), keep=True)  # the final network was already the last snapshot
    assert (
        timeline.updates == [0, 5]
        and timeline[1].network.params["weight_hh_l0"][0, 0] == _net(1).params["weight_hh_l0"][0, 0]
    )


def test_the_capacity_shrinks_for_big_networks() -> None:
    small, big = _net(hidden=4), _net(hidden=64)
    assert capacity_for(small) == MAX_SNAPSHOTS
    per = sum(v.nbytes for v in big.params.values())
    assert capacity_for(big, max_bytes=20 * per) == 20
    assert capacity_for(big, max_bytes=1) == 3  # start, middle, end at the very least
    with pytest.raises(ValueError):
        Timeline(every=0)


def test_an_encoder_decoders_snapshots_count_both_sides_and_the_output_layer() -> None:
    from lstmviz.engine.seq2seq import Seq2Seq

    model = Seq2Seq.random("lstm", 64, 1, vocab_size=11, embed_size=8, seed=0)
    per = 4 * 64 * (8 + 64 + 2) * 2 + 11 * 8 + (11 * 64 + 11)  # gates of both sides, embedding, fc (float64)
    assert per * 8 == sum(value.nbytes for value in model.state_dict().values())
    assert capacity_for(model, max_bytes=7 * per * 8) == 7
    timeline = Timeline.for_network(model, every=5)
    assert timeline.add(5, model) and timeline.updates == [0, 5]
