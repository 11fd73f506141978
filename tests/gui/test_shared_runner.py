"""Several models computing in the background through one runner do not cancel each other."""

from __future__ import annotations

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.gui.workers import BackgroundRunner
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model import compute
from lstmviz.model.document import Document
from lstmviz.model.session import Session


def test_two_models_share_one_runner(qtbot, monkeypatch) -> None:
    monkeypatch.setattr(compute, "INLINE_COST", 0)
    x = np.sin(np.linspace(0, 30, 3000))
    main = Document(Network.random("lstm", 1, 8, seed=0), SequenceData(x))
    runner = BackgroundRunner()
    main.set_runner(runner)
    session = Session(main)
    gru = Document(Network.random("gru", 1, 8, seed=1), SequenceData(x))
    session.add("gru", gru)
    session.share_runner(gru)
    main.set_weight("bias_hh_l0", 0, 0.5)
    gru.set_weight("bias_hh_l0", 0, 0.5)
    assert main.compute.busy("trace") and gru.compute.busy("trace")
    qtbot.waitUntil(lambda: main.trace_steps_ready == main.steps and gru.trace_steps_ready == gru.steps, timeout=30000)
    for document in (main, gru):
        reference = document.network.run(x)
        np.testing.assert_allclose(document.trace["h_l0"], reference["h_l0"], atol=1e-12)
    runner.shutdown()
