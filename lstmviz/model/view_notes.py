"""The short "what to try" note of each view, as data: what to look at, with the equation, and one thing to try.

Why here and not in the widgets: the texts are teaching content, like the guided tour's pages
(:mod:`lstmviz.model.tour`), so they sit together where they can be read and checked in one place; each view only
says which note is its own (:func:`lstmviz.gui.note_button.note_button`). Rich text (Qt's HTML subset).
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class ViewNote:
    title: str
    look: str
    """What the view shows and what to look at (with the equation where it helps)."""
    try_: str
    """One thing to try, and what will happen."""

    def html(self) -> str:
        return f"<b>{self.title}</b><br>{self.look}<br><b>Try:</b> {self.try_}"

    def plain(self) -> str:
        """The note without markup (a tooltip-free check in tests, a screen reader's name)."""
        text = f"{self.title}. {self.look} Try: {self.try_}"
        for tag in ("<sub>", "</sub>", "<sup>", "</sup>", "<i>", "</i>", "<b>", "</b>"):
            text = text.replace(tag, "")
        return text


VIEW_NOTES: dict[str, ViewNote] = {
    "diagram": ViewNote(
        "Gate diagram",
        "Every gate of the cell at the current step, coloured by its value. In an LSTM the cell state is updated "
        "as C<sub>t</sub> = f<sub>t</sub> ⊙ C<sub>t−1</sub> + i<sub>t</sub> ⊙ g<sub>t</sub>: where f stays near 1 "
        "the unit remembers.",
        "step through the sequence with the playback bar and watch the forget gate f of the selected unit; click "
        "another unit to follow it everywhere.",
    ),
    "heatmaps": ViewNote(
        "Heatmaps",
        "Each quantity over the whole sequence: time runs to the right, one row per unit. A band of colour that "
        "lasts is a unit holding on to something.",
        "raise the forget-gate bias b<sub>f</sub> with the Weights panel's bias slider and watch the C<sub>t</sub> "
        "rows keep their colour for longer.",
    ),
    "numbers": ViewNote(
        "Numbers",
        "The current step worked out for the selected unit, equation by equation, e.g. f<sub>t</sub> = σ(W<sub>if"
        "</sub> x<sub>t</sub> + b<sub>if</sub> + W<sub>hf</sub> h<sub>t−1</sub> + b<sub>hf</sub>).",
        "change one weight in the Weights panel and see which lines change, and by how much.",
    ),
    "gradients": ViewNote(
        "Gradients",
        "How far back the loss reaches: ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖ on a log scale. A straight fall is a "
        "gradient that vanishes geometrically, one factor of the recurrent Jacobian per step.",
        "switch the cell to a vanilla RNN in the Model panel and compare its slope with the LSTM's, whose path "
        "through C<sub>t</sub> is multiplied only by f<sub>t</sub>.",
    ),
    "unit_plots": ViewNote(
        "Unit plots",
        "The selected units' gates and states as lines over time, with the exact value under the pointer.",
        "Ctrl+click two units in the gate diagram and compare their h<sub>t</sub> = o<sub>t</sub> ⊙ "
        "tanh(C<sub>t</sub>) lines.",
    ),
    "weights": ViewNote(
        "Weights",
        "One parameter as a matrix (PyTorch's layout: gate blocks i, f, g, o stacked in rows), each cell editable.",
        "scale the recurrent weights W<sub>hh</sub> above 1 with the recurrent scale slider and watch the gradients "
        "view: ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖ stops falling, then explodes.",
    ),
    "train": ViewNote(
        "Train",
        "Trains the network on a task in a process of its own; the loss is drawn on a log scale with the task's "
        "accuracy below, and every view follows the weights as they change.",
        "the copy task on an LSTM with delay 20: its recall climbs towards 100%; on a vanilla RNN with delay 50 "
        "it stays near chance.",
    ),
    "prediction": ViewNote(
        "Prediction",
        "What the network answers on held-out data against what it should answer: the recalled symbol, the sum, "
        "or the forecast against the real series.",
        "pause a run early and scrub the training timeline back and forth to see when the answers start to match.",
    ),
    "compare": ViewNote(
        "Compare the cells",
        "An RNN, a GRU and an LSTM of the same size on the same sequence: their h<sub>t</sub> heatmaps in rows and "
        "their ‖∂h<sub>T</sub>/∂h<sub>t</sub>‖ curves on one log plot.",
        "train all three on the copy task with a long delay (50): the RNN's gradient curve drops by orders of "
        "magnitude over the delay and its recall stays near chance; the LSTM's curve stays far flatter.",
    ),
    "seq2seq": ViewNote(
        "Encoder-decoder",
        "The encoder reads the source; its last state, the context, starts the decoder, which writes the target "
        "one token at a time, each fed back as the next input.",
        "make the source longer and watch the context strip: everything the decoder knows about the source has to "
        "pass through that one vector.",
    ),
}
"""View key (the main window's dock keys, plus ``prediction``, ``compare`` and ``seq2seq``) -> its note."""
