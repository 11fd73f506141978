"""The guided tour's pages as data: one concept each, in teaching order, and the state each puts the app in.

Why here and not in the dialog: what a page sets up (a network, a sequence, a step, the view to look at) is
plain Python that a test can check without a window, and the Help > Guided Tour dialog only shows the text and
applies the state through the Document (one undo step per page, so Undo goes back to the user's own session).

Every page says the concept with its equation, what to look at, and what to try.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from ..engine.network import Network
from ..io.bundled import sample_weight
from ..io.generators import generate
from ..io.sequence_data import SequenceData
from ..io.tasks import CopyTask
from ..io.weights import load_weights
from .compare import example_sequence
from .training import TrainingConfig, new_network


@dataclass(frozen=True)
class TourState:
    """What a page shows: the network on a sequence at a step, and which view to bring forward."""

    network: Network
    sequence: SequenceData
    step: int
    view: str
    """A dock key of the main window (``heatmaps``, ``gradients``, ...)."""
    seq2seq: bool = False
    """The page also opens an encoder-decoder window."""


@dataclass(frozen=True)
class TourPage:
    title: str
    concept: str
    """What it is, with the equation (HTML)."""
    look: str
    """What to look at in the state the page set up."""
    try_: str
    """What to change, and what will happen."""
    setup: Callable[[], TourState]


def _sample(weights: str, step: int, view: str) -> TourState:
    """A bundled trained model on a generated sine (the samples were trained on sines)."""
    return TourState(load_weights(sample_weight(weights)), generate("sine", steps=200, frequency=0.05), step, view)


def _copy(cell: str, delay: int, step: int, view: str, forget_bias: float | None = None) -> TourState:
    """A fresh, seeded network of 8 units with a read-out, on one example of the copy task."""
    task = CopyTask(delay=delay, seed=0)
    network = new_network(TrainingConfig(cell=cell, hidden=8, forget_bias=forget_bias), task)
    sequence = example_sequence(task)
    return TourState(network, sequence, step if step >= 0 else sequence.steps + step, view)


def _echo() -> TourState:
    """The sample GRU that repeats its +-1 input three steps later, on random signs."""
    signs = np.sign(np.random.default_rng(0).normal(size=60))
    sequence = SequenceData(signs, source="random signs (the echo GRU repeats them 3 steps later)")
    return TourState(load_weights(sample_weight("echo_gru_h8.npz")), sequence, 12, "heatmaps")


def _seq2seq() -> TourState:
    state = _sample("sine_lstm_h8.npz", 60, "heatmaps")
    return TourState(state.network, state.sequence, state.step, state.view, seq2seq=True)


TOUR: tuple[TourPage, ...] = (
    TourPage(
        "The vanilla RNN and its output",
        "One layer carries a hidden state h<sub>t</sub> from step to step:"
        "<p align=center>h<sub>t</sub> = tanh(W<sub>ih</sub> x<sub>t</sub> + b<sub>ih</sub> + W<sub>hh</sub>"
        " h<sub>t-1</sub> + b<sub>hh</sub>), &nbsp; O<sub>t</sub> = g(W<sub>fc</sub> h<sub>t</sub> +"
        " b<sub>fc</sub>)</p>"
        "This is a sample RNN trained to predict the next value of a sine, so g is the identity and O<sub>t</sub>"
        " is its forecast of x<sub>t+1</sub>.",
        "The gate diagram: x<sub>t</sub> and h<sub>t-1</sub> meet in one tanh block. The Heatmaps: the output row"
        " y<sub>t</sub> under the input follows the wave one step ahead. The Numbers panel: the sum for the selected"
        " unit at this step, term by term.",
        "Press Space to play and watch h<sub>t</sub> follow the wave. In the Weights panel drag one entry of"
        " W<sub>hh</sub> and watch the forecast bend; Edit &gt; Undo puts it back.",
        lambda: _sample("sine_rnn_h8.npz", 40, "heatmaps"),
    ),
    TourPage(
        "Backpropagation through time",
        "The gradient of a loss at the last step flows back through every step, through the same W<sub>hh</sub>:"
        "<p align=center>dL/dh<sub>t</sub> = &part;L/&part;h<sub>t</sub> + dL/dh<sub>t+1</sub>"
        " diag(1 - h<sub>t+1</sub><sup>2</sup>) W<sub>hh</sub>, &nbsp; dL/dW<sub>hh</sub> ="
        " &Sigma;<sub>t</sub> diag(1 - h<sub>t</sub><sup>2</sup>) dL/dh<sub>t</sub>"
        " h<sub>t-1</sub><sup>T</sup></p>"
        "A fresh RNN on the copy task: a symbol at step 0, 10 blanks, then the cue where it must be recalled.",
        "The Gradients tab: ||dL/dh<sub>t</sub>|| from the last step backwards, on a log axis, and the heatmap of"
        " dL/dh<sub>t</sub> per unit. The weight gradient is the sum of one term per step.",
        "Pick another loss in the Gradients tab (one unit at one step) and see which earlier steps it reaches."
        " Click a step on the curve to move there.",
        lambda: _copy("rnn", 10, -1, "gradients"),
    ),
    TourPage(
        "Vanishing and exploding gradients",
        "What reaches step t from the last step T is a product of T - t Jacobians:"
        "<p align=center>dh<sub>T</sub>/dh<sub>t</sub> = &prod;<sub>s=t+1..T</sub> diag(1 - h<sub>s</sub><sup>2"
        "</sup>) W<sub>hh</sub>, &nbsp; ||dh<sub>T</sub>/dh<sub>t</sub>|| &le; &prod;<sub>s</sub>"
        " ||diag(1 - h<sub>s</sub><sup>2</sup>)|| ||W<sub>hh</sub>||</p>"
        "so it shrinks (or grows) geometrically with the distance T - t. The copy task again, with 50 blanks.",
        "The Jacobian-norm curve ||dh<sub>T</sub>/dh<sub>t</sub>|| in the Gradients tab: a straight line down on"
        " the log axis is geometric decay; by step 0, where the symbol is, almost nothing is left.",
        'Drag the "scale W_hh" slider in the Weights panel up until the spectral radius it shows passes about 1:'
        " the curve flattens, then turns up (exploding). Model &gt; Compare RNN, GRU, LSTM trains the three cells"
        " side by side and draws their"
        " curves together.",
        lambda: _copy("rnn", 50, 0, "gradients"),
    ),
    TourPage(
        "The constant error carousel",
        "The LSTM's cell state is updated by addition, so along the cell line the Jacobian is only the forget"
        " gates:"
        "<p align=center>C<sub>t</sub> = f<sub>t</sub> &#8857; C<sub>t-1</sub> + i<sub>t</sub> &#8857;"
        " C&#771;<sub>t</sub>, &nbsp; &part;C<sub>T</sub>/&part;C<sub>t</sub> (along C) ="
        " &prod;<sub>s=t+1..T</sub> f<sub>s</sub></p>"
        "With f near 1 the error rides the carousel back unchanged. A fresh LSTM, forget bias 2, on the same copy"
        " task with 50 blanks.",
        "The Carousel tab of the Gradients view (the forget-gate product for every unit and step), and the"
        " Jacobian-norm curve on the Norms tab: compare its fall with the RNN's on the previous page.",
        'Drag the "forget gate bias" slider in the Weights panel down to -3: the product closes and the curve'
        " falls like the RNN's.",
        lambda: _copy("lstm", 50, 0, "gradients", forget_bias=2.0),
    ),
    TourPage(
        "The GRU",
        "Two gates, no separate cell state: the update gate z<sub>t</sub> mixes the old state and a candidate:"
        "<p align=center>r<sub>t</sub> = &sigma;(W<sub>ir</sub> x<sub>t</sub> + b<sub>ir</sub> + W<sub>hr</sub>"
        " h<sub>t-1</sub> + b<sub>hr</sub>), &nbsp; z<sub>t</sub> = &sigma;(W<sub>iz</sub> x<sub>t</sub> +"
        " b<sub>iz</sub> + W<sub>hz</sub> h<sub>t-1</sub> + b<sub>hz</sub>)<br>n<sub>t</sub> ="
        " tanh(W<sub>in</sub> x<sub>t</sub> + b<sub>in</sub> + r<sub>t</sub> &#8857; (W<sub>hn</sub>"
        " h<sub>t-1</sub> + b<sub>hn</sub>)), &nbsp; h<sub>t</sub> = (1 - z<sub>t</sub>) &#8857; n<sub>t</sub> +"
        " z<sub>t</sub> &#8857; h<sub>t-1</sub></p>"
        "This is a sample GRU trained to repeat its &plusmn;1 input three steps later.",
        "The z<sub>t</sub> heatmap: where z is near 1 a unit keeps its value (the GRU's own carousel); the output"
        " row repeats the input three steps later.",
        "Step with the arrow keys and follow one sign from the input to the output; select a unit whose z stays"
        " high and watch its h<sub>t</sub> hold.",
        _echo,
    ),
    TourPage(
        "The LSTM's gates and cell update",
        "Three sigmoid gates and a candidate decide what the cell forgets, writes and shows:"
        "<p align=center>i, f, o = &sigma;(W<sub>i*</sub> x<sub>t</sub> + b<sub>i*</sub> + W<sub>h*</sub>"
        " h<sub>t-1</sub> + b<sub>h*</sub>), &nbsp; C&#771;<sub>t</sub> = tanh(W<sub>ig</sub> x<sub>t</sub> +"
        " b<sub>ig</sub> + W<sub>hg</sub> h<sub>t-1</sub> + b<sub>hg</sub>)<br>C<sub>t</sub> = f<sub>t</sub>"
        " &#8857; C<sub>t-1</sub> + i<sub>t</sub> &#8857; C&#771;<sub>t</sub>, &nbsp; h<sub>t</sub> ="
        " o<sub>t</sub> &#8857; tanh(C<sub>t</sub>)</p>"
        "A sample LSTM trained to predict the next value of a sine.",
        "The gate diagram's strips at this step: each gate's values per unit; the Heatmaps: every gate over time;"
        " the Numbers panel: C<sub>t</sub> computed by hand for the selected unit.",
        "Open the Train tab, pick the copy task and press Start: watch the forget gates open while the recall rises.",
        lambda: _sample("sine_lstm_h8.npz", 60, "heatmaps"),
    ),
    TourPage(
        "Encoder-decoder (seq2seq)",
        "An encoder reads the source; its final state is the context, the only thing the decoder knows of it:"
        "<p align=center>c = (h<sub>T</sub>, C<sub>T</sub>) of the encoder, &nbsp; s<sub>0</sub> = c, &nbsp;"
        " s<sub>t</sub> = cell(y<sub>t-1</sub>, s<sub>t-1</sub>), &nbsp; O<sub>t</sub> ="
        " softmax(W<sub>fc</sub> s<sub>t</sub> + b<sub>fc</sub>)</p>"
        "This page opens an untrained encoder-decoder on a reverse-the-tokens example in a window of its own.",
        "The encoder and decoder heatmaps on their two time axes, and the context vector between them.",
        "Train one: <tt>lstmviz train reverse --out reverse.safetensors</tt>, then File &gt; Open Encoder-Decoder"
        " and compare its decoder with this untrained one.",
        _seq2seq,
    ),
)
