"""A network and a sequence of different widths: say so plainly and offer what can be done.

The same question is asked both ways, when weights are opened over a sequence and when a sequence is opened under
a network, so a trained model's input layer is never replaced without the person choosing it.
"""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget

from ...engine.network import Network
from ...io.sequence_data import SequenceData
from ...wording import plural


class MismatchChoice(Enum):
    ADAPT_WEIGHTS = "adapt"
    """Re-initialise the weights' input layer for the sequence's width (recurrent weights kept)."""
    GENERATE_SEQUENCE = "generate"
    """Replace the sequence by a generated one as wide as the weights expect."""
    CANCEL = "cancel"


def mismatch_message(name: str, network: Network, sequence: SequenceData, opening: str = "weights") -> str:
    """One sentence naming both widths; ``name`` is the file being opened (weights or sequence)."""
    if opening == "sequence":
        return (
            f"{name} has {plural(sequence.input_size, 'input')} per step ({plural(sequence.input_size, 'column')}"
            f"), but the network expects {plural(network.input_size, 'input')}."
        )
    return (
        f"{name} expects {plural(network.input_size, 'input')} per step, but the open sequence has "
        f"{plural(sequence.input_size, 'input')} ({plural(sequence.input_size, 'column')})."
    )


def ask_input_mismatch(
    parent: QWidget | None, name: str, network: Network, sequence: SequenceData, opening: str = "weights"
) -> MismatchChoice:
    """Ask what to do; returns the choice (CANCEL when the dialog is closed).

    ``opening`` says which side is new: ``"weights"`` (the sequence stays; the weights can be adapted or a
    sequence of their width generated) or ``"sequence"`` (the network stays; its input layer can be adapted, or the
    sequence is not opened).
    """
    box = QMessageBox(parent)
    box.setObjectName("dialog_input_mismatch")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("The weights do not fit the sequence")
    box.setText(mismatch_message(name, network, sequence, opening))
    keep = (
        "or keep the weights exactly and replace the sequence by a generated one with "
        f"{plural(network.input_size, 'input')}."
        if opening == "weights"
        else "or cancel and keep the open sequence (the weights stay exactly as they are)."
    )
    box.setInformativeText(
        "You can adapt the weights' input layer to the sequence (the recurrent weights and biases are kept; "
        f"only weight_ih_l0 is re-initialised for {plural(sequence.input_size, 'input')}), " + keep
    )
    adapt = box.addButton("Adapt the Input Layer", QMessageBox.ButtonRole.AcceptRole)
    adapt.setObjectName("mismatch_adapt")
    adapt.setToolTip("Keep the recurrent weights; re-initialise the input weights for the sequence's width")
    generate = None
    if opening == "weights":
        generate = box.addButton(f"Generate a {network.input_size}-Input Sequence", QMessageBox.ButtonRole.ActionRole)
        generate.setObjectName("mismatch_generate")
        generate.setToolTip("Keep the weights exactly; replace the sequence by generated sine waves of the right width")
    cancel = box.addButton(QMessageBox.StandardButton.Cancel)
    cancel.setObjectName("mismatch_cancel")
    box.setDefaultButton(adapt)
    box.exec()
    clicked = box.clickedButton()
    if clicked is adapt:
        return MismatchChoice.ADAPT_WEIGHTS
    if generate is not None and clicked is generate:
        return MismatchChoice.GENERATE_SEQUENCE
    return MismatchChoice.CANCEL
