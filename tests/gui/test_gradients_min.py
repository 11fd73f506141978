import os
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
import numpy as np
from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document
from lstmviz.gui.views.gradients import GradientsView

def test_min(qtbot):
    net = Network.random("rnn", 1, 2, seed=0, nonlinearity="relu")
    doc = Document(net, SequenceData(np.ones(14)))
    v = GradientsView(doc)
    qtbot.addWidget(v)
    v.resize(700, 600)
    v.show()
    qtbot.waitUntil(lambda: v.gradients is not None, timeout=5000)
