"""The gate diagram fills a wide view (the centre of the main window) and nothing in it overlaps.

The view's centre at the default 1600 x 1000 window is about 900 x 450 px, twice as wide as tall: a picture much
taller than that is drawn small with empty bands either side (the RNN was 1.2 : 1, with its title floating over an
empty band), one much wider wastes the height.
"""

from __future__ import annotations

import itertools
import re

import numpy as np
import pytest
from test_gate_diagram_helpers import hold, release_held_widgets  # noqa: F401 - autouse fixture

from lstmviz.engine.network import Network
from lstmviz.gui.views.diagram_scene import text_items
from lstmviz.gui.views.gate_diagram import GateDiagramView
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

X = np.sin(np.linspace(0, 6, 30))
CASES = [(cell, hidden, output) for cell in ("lstm", "gru", "rnn") for hidden, output in ((8, 1), (8, None), (64, 2))]


def fitted_view(qtbot, cell: str, hidden: int, output: int | None) -> GateDiagramView:
    doc = Document(Network.random(cell, 1, hidden, seed=0, output_size=output), SequenceData(X))
    view = GateDiagramView(doc)
    hold(qtbot, view)
    view.resize(900, 450)
    view.show()
    qtbot.waitExposed(view)
    return view


def drawn_boxes(view: GateDiagramView) -> list[tuple[str, object]]:
    scene = view.diagram
    boxes = [
        (f"{kind} {key}", item.sceneBoundingRect())
        for kind, items in (("strip", scene.strips), ("block", scene.blocks), ("op", scene.ops))
        for key, item in items.items()
    ]
    boxes += [
        (f"text {t.toPlainText()[:30]!r}", t.sceneBoundingRect().adjusted(3, 3, -3, -3))
        for t in text_items(scene)
        if t.parentItem() is None and t.toPlainText().strip()
    ]
    return boxes


@pytest.mark.parametrize(("cell", "hidden", "output"), CASES)
def test_nothing_overlaps(qtbot, cell: str, hidden: int, output: int | None) -> None:
    view = fitted_view(qtbot, cell, hidden, output)
    clashes = [(a, b) for (a, ra), (b, rb) in itertools.combinations(drawn_boxes(view), 2) if ra.intersects(rb)]
    assert clashes == []


@pytest.mark.parametrize(("cell", "hidden", "output"), CASES)
def test_the_picture_is_wide_like_its_view(qtbot, cell: str, hidden: int, output: int | None) -> None:
    view = fitted_view(qtbot, cell, hidden, output)
    rect = view.diagram.sceneRect()
    assert 1.5 <= rect.width() / rect.height() <= 4.0
    drawn = view.mapFromScene(rect).boundingRect()
    viewport = view.viewport().rect()
    assert drawn.width() >= 0.8 * viewport.width() or drawn.height() >= 0.95 * viewport.height()


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_the_title_sits_just_above_the_drawing(qtbot, cell: str) -> None:
    view = fitted_view(qtbot, cell, 8, 1)
    title = view.diagram.title.sceneBoundingRect()
    others = [box for name, box in drawn_boxes(view) if not name.startswith("text") or box.top() > title.bottom()]
    top = min(box.top() for box in others)
    assert 0 <= top - title.bottom() <= 60  # was 216 scene px for the RNN


@pytest.mark.parametrize("cell", ["lstm", "gru", "rnn"])
def test_numbers_in_the_strips_are_larger_than_before(qtbot, cell: str) -> None:
    """At 900 x 450 the LSTM was fitted at 0.42 with 14 px numbers: under 6 px on the screen."""
    view = fitted_view(qtbot, cell, 8, 1)
    strip = view.strip("h")
    assert strip.shape_info.numbers
    on_screen = strip.number_font.pixelSize() * view.transform().m11()
    assert on_screen >= 7.0


def test_legend_writes_large_ranges_as_numbers(qtbot) -> None:
    """A forget bias dragged to the top makes C_t grow to about 100: the legend said "C_t: ±1e+02"."""
    net = Network.random("lstm", 1, 4, seed=0)
    bias = net.params["bias_ih_l0"].copy()
    bias[4:8] = 8.0  # forget gate wide open: the cell state sums its inputs
    bias[8:12] = 8.0  # candidate saturated at +1 (tanh), input gate as it comes
    net = net.with_parameter("bias_ih_l0", bias)
    doc = Document(net, SequenceData(np.ones(400)))
    view = GateDiagramView(doc)
    hold(qtbot, view)
    peak = np.abs(net.run(np.ones((400, 1)))["c_l0"]).max()
    assert peak >= 100
    note = view.diagram.legend_note.toPlainText()
    assert "e+" not in note
    assert re.search(r"±[\d,]{3,}", note)


def test_title_names_the_character_of_a_text_sequence(qtbot) -> None:
    from lstmviz.io.seq_text import text_sequence

    seq = text_sequence("gates open")
    doc = Document(Network.random("lstm", seq.input_size, 4, seed=0), seq)
    view = GateDiagramView(doc)
    hold(qtbot, view)
    doc.set_step(2)
    assert "xt = ‘t’" in view.diagram.title.toPlainText()
    doc.set_step(5)
    assert "‘␣’" in view.diagram.title.toPlainText()


@pytest.mark.parametrize("cell", ["lstm", "gru"])
def test_numbers_too_small_to_read_are_not_written_and_stay_in_the_tooltip(qtbot, cell: str) -> None:
    """Level of detail: fitted small (the diagram of a 1366 x 768 window) a strip's values would come out under
    about 8 px (7), so the cells show only their colours; zoomed in again they are written; the tooltip has them."""
    from lstmviz.gui.views.diagram_items import MIN_NUMBER_PIXELS

    view = fitted_view(qtbot, cell, 8, 1)
    strip = view.strip("h")
    for size, readable in (((900, 450), True), ((330, 170), False), ((900, 450), True)):
        view.resize(*size)
        qtbot.wait(50)
        view.grab()  # paint
        on_screen = strip.number_font.pixelSize() * view.transform().m11()
        assert (on_screen >= MIN_NUMBER_PIXELS) is readable, on_screen
        assert strip.numbers_drawn is readable
    value = strip.values()[0]
    assert f"{value:.3f}"[:4] in strip.cell_tooltip(0)
