"""Training publishes through the compute service as a long job: its progress, pause, stop and end are the
service's events, it survives the generations it makes, and the status bar's "busy" counts it."""

from __future__ import annotations

import time
from typing import Any

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.tasks import make_task
from lstmviz.model.document import Document
from lstmviz.model.training import TrainingConfig, new_network
from lstmviz.model.training_job import TrainingJob


class ScriptedJob:
    """A long job whose polls return what the test scripted: (done, finished, error) per poll."""

    def __init__(self, script: list[tuple[int, bool, str | None]]) -> None:
        self.script = list(script)
        self.finished, self.error, self.done = False, None, 0
        self.calls: list[str] = []

    def poll(self) -> Any:
        self.done, self.finished, self.error = self.script.pop(0)
        return {"at": self.done}

    def pause(self) -> None:
        self.calls.append("pause")

    def resume(self) -> None:
        self.calls.append("resume")

    def stop(self) -> None:
        self.calls.append("stop")


def _document() -> Document:
    return Document(Network.random("lstm", 1, 4, seed=0), SequenceData(np.sin(np.linspace(0, 6, 30))))


def _record(document: Document) -> list[tuple[Any, ...]]:
    events: list[tuple[Any, ...]] = []
    compute = document.compute.events
    for name in ("started", "progress", "ready", "stopped", "failed", "suspended"):
        getattr(compute, name).connect(lambda *args, n=name: events.append((n, *args)))
    return events


def test_a_followed_job_publishes_progress_and_its_end() -> None:
    document = _document()
    events = _record(document)
    job = ScriptedJob([(10, False, None), (25, False, None), (40, True, None)])
    document.compute.follow("training", job, total=40)
    assert document.compute.busy() and document.compute.busy("training")
    assert document.compute.pump("training") == {"at": 10}
    assert document.compute.result("training").done == 10
    document.compute.pump("training")
    document.compute.pump("training")
    assert events == [
        ("started", "training"),
        ("progress", "training", 10, 40),
        ("progress", "training", 25, 40),
        ("ready", "training"),
    ]
    assert not document.compute.busy() and document.compute.pump("training") is None
    assert document.compute.result("training").complete


def test_pause_resume_and_cancel_reach_the_job_and_a_stopped_end_is_said() -> None:
    document = _document()
    events = _record(document)
    job = ScriptedJob([(5, False, None), (7, True, None)])
    document.compute.follow("training", job, total=100)
    document.compute.pause("training")
    document.compute.resume("training")
    document.compute.pump("training")
    document.compute.cancel()  # the status bar's Cancel: every computation, training included
    assert job.calls == ["pause", "resume", "stop"]
    assert document.compute.busy("training")  # it ends at its next poll, with what it reached
    document.compute.pump("training")
    assert events[1:3] == [("suspended", "training", True), ("suspended", "training", False)]
    assert events[-1] == ("stopped", "training", 7, 100)
    result = document.compute.result("training")
    assert result.stopped and result.done == 7


def test_a_failure_is_one_sentence_and_new_generations_do_not_drop_the_job() -> None:
    document = _document()
    events = _record(document)
    job = ScriptedJob([(3, False, None), (3, True, "the loss became NaN at update 4")])
    document.compute.follow("training", job, total=50)
    document.set_network(Network.random("lstm", 1, 4, seed=1))  # a new generation, as each hand-over makes
    assert document.compute.busy("training")
    document.compute.pump("training")
    document.compute.pump("training")
    assert events[-1] == ("failed", "training", "the loss became NaN at update 4")


def test_a_real_training_run_published_through_the_documents_service() -> None:
    document = _document()
    events = _record(document)
    task = make_task("copy", delay=3, seed=0)
    config = TrainingConfig(cell="lstm", hidden=6, updates=30, batch=4, seed=1)
    document.compute.follow("training", TrainingJob(config, task, new_network(config, task)), total=30)
    end = time.monotonic() + 120
    while document.compute.busy("training") and time.monotonic() < end:
        document.compute.pump("training")
        time.sleep(0.02)
    assert events[0] == ("started", "training") and events[-1] == ("ready", "training")
    assert document.compute.result("training").done == 30
    dones = [e[2] for e in events if e[0] == "progress"]
    assert dones == sorted(dones)
