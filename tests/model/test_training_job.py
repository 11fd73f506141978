"""A training run in a child process: the same numbers as in-process, pause holds, stop reports the last network,
and a failure comes back as one readable line."""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.engine.training import StepMetrics
from lstmviz.io.tasks import CopyTask, make_task
from lstmviz.model.training import Progress, TrainingConfig, new_network, run_training
from lstmviz.model.training_job import Report, TrainingJob


def _wait(job: TrainingJob, until: float = 60.0) -> Report:
    total = Report()
    end = time.monotonic() + until
    while not job.finished and time.monotonic() < end:
        report = job.poll()
        total.losses += report.losses
        total.validation += report.validation
        time.sleep(0.01)
    return total


def test_a_run_in_the_child_gives_the_same_numbers_as_in_process() -> None:
    task = make_task("copy", delay=3, seed=0)
    config = TrainingConfig(cell="gru", hidden=8, updates=40, batch=8, seed=3, validate_every=20)
    network = new_network(config, task)
    here = list(run_training(config, task, network))
    job = TrainingJob(config, task, network)
    report = _wait(job)
    assert job.finished and job.error is None and job.result is not None
    assert report.losses == [(p.metrics.update, p.metrics.loss) for p in here]
    assert [row[0] for row in report.validation] == [20, 40]
    for name, value in here[-1].network.params.items():
        assert np.array_equal(job.result.params[name], value)


def test_pause_holds_and_stop_reports_the_last_network() -> None:
    task = make_task("copy", delay=3, seed=0)
    config = TrainingConfig(cell="lstm", hidden=8, updates=1_000_000, batch=8, seed=0)
    job = TrainingJob(config, task, new_network(config, task))
    seen: list[tuple[int, float]] = []
    while len(seen) < 5:
        seen += job.poll().losses
        time.sleep(0.01)
    job.pause()
    time.sleep(0.3)
    seen += job.poll().losses
    held = len(seen)
    time.sleep(0.4)
    assert len(seen + job.poll().losses) <= held + 1  # at most the update in flight
    job.resume()
    job.stop()
    seen += _wait(job).losses
    assert job.finished and job.error is None and job.result is not None
    assert seen[-1][0] < 1_000_000


@dataclass
class BrokenCopyTask(CopyTask):
    def make_batch(self, rows: int, rng: np.random.Generator):  # type: ignore[no-untyped-def]
        raise ValueError("this task's generator is broken")


def test_an_error_in_the_child_comes_back_as_a_message() -> None:
    task = BrokenCopyTask(delay=2)
    config = TrainingConfig(cell="rnn", hidden=4, updates=10, batch=2)
    job = TrainingJob(config, task, new_network(config, task))
    _wait(job)
    assert job.finished and job.result is None
    assert job.error == "this task's generator is broken"


def test_snapshots_come_every_n_updates_with_the_networks_of_those_updates() -> None:
    task = make_task("copy", delay=2, seed=0)
    config = TrainingConfig(cell="rnn", hidden=4, updates=25, batch=4, seed=1, validate_every=25)
    network = new_network(config, task)
    here = {p.metrics.update: p.network for p in run_training(config, task, network)}
    job = TrainingJob(config, task, network, snapshot_every=10)
    snapshots = []
    end = time.monotonic() + 60
    while not job.finished and time.monotonic() < end:
        snapshots += job.poll().snapshots
        time.sleep(0.01)
    assert [update for update, _ in snapshots] == [10, 20]
    for update, snapshot in snapshots:
        for name, value in here[update].params.items():
            assert np.array_equal(snapshot.params[name], value)


def test_the_child_sends_the_prediction_of_the_network_it_sends_when_asked() -> None:
    from lstmviz.model.training_prediction import predict

    task = make_task("copy", delay=3, seed=0)
    config = TrainingConfig(cell="lstm", hidden=8, updates=60, batch=8, seed=1)
    asked = TrainingJob(config, task, new_network(config, task), predict_every=0.0)
    pairs = []
    end = time.monotonic() + 60
    while not asked.finished and time.monotonic() < end:
        report = asked.poll()
        if report.prediction is not None:
            pairs.append((report.network, report.prediction))
        time.sleep(0.01)
    assert pairs
    network, sent = pairs[-1]
    here = predict(task, network)  # the same answers, computed here from the network that came with it
    assert np.array_equal(sent.output, here.output) and np.array_equal(sent.target, here.target)
    quiet = TrainingJob(config, task, new_network(config, task))
    while not quiet.finished:
        assert quiet.poll().prediction is None  # not asked: no prediction work in the child
        time.sleep(0.01)


def _one_huge_update(config: TrainingConfig, task: object, network: object) -> Iterator[Progress]:
    """A run whose first report is about 30 MB (the weights of an LSTM with 1,000 units): far more than a pipe
    holds, so the child is still writing it when it is killed. Then it idles."""
    huge = Network.random("lstm", 1, 1000, 1, seed=0)
    time.sleep(0.2)  # past the publishing interval: the first update is sent at once
    yield Progress(StepMetrics(1, 1.0, 1.0, 1.0), huge, None, None, None)  # type: ignore[arg-type]
    time.sleep(60)


def test_a_child_killed_in_the_middle_of_a_message_is_reported_not_waited_for_forever() -> None:
    """The out-of-memory killer can strike while the child writes a report: the parent must not block on the
    message's missing rest (it did: the read waited for bytes that would never come, and the window froze)."""
    task = make_task("copy", delay=3, seed=0)
    config = TrainingConfig(cell="lstm", hidden=4, updates=5, batch=2, seed=0)
    job = TrainingJob(config, task, new_network(config, task), runner=_one_huge_update)
    reader = job._outbox._reader  # type: ignore[attr-defined]
    assert reader.poll(30), "the child never began its report"
    time.sleep(0.2)  # the child's feeder thread is now blocked in the middle of the 30 MB
    job._process.kill()
    job._process.join(5)
    outcome: list[Report] = []
    polling = threading.Thread(target=lambda: outcome.append(job.poll()), daemon=True)
    polling.start()
    polling.join(10)
    assert outcome, "poll() was still blocked in the message's read 10 s after the child died"
    assert job.finished and job.error is not None and "ended unexpectedly" in job.error
