"""The session: named models, the main one always there, others added and removed."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document
from lstmviz.model.session import MAIN, Session


def doc(cell: str) -> Document:
    return Document(Network.random(cell, 1, 3, seed=0), SequenceData(np.sin(np.linspace(0, 3, 20))))


def test_models_come_and_go_by_name() -> None:
    main = doc("lstm")
    session = Session(main)
    added, removed = [], []
    session.events.added.connect(added.append)
    session.events.removed.connect(removed.append)
    gru = doc("gru")
    session.add("gru", gru)
    assert session["gru"] is gru and session.main is main and list(session) == [MAIN, "gru"]
    other = doc("gru")
    session.add("gru", other)  # replacing: the old one's views hear it go first
    assert added == ["gru", "gru"] and removed == ["gru"] and session["gru"] is other
    session.remove("gru")
    assert "gru" not in session and len(session) == 1
    with pytest.raises(KeyError, match="no model named 'gru'"):
        session["gru"]
    with pytest.raises(ValueError):
        session.remove(MAIN)
