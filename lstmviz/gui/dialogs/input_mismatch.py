"""Weights whose input size does not fit the sequence: say so plainly and offer what can be done."""

from __future__ import annotations

from enum import Enum

from PySide6.QtWidgets import QMessageBox, QWidget

from ...engine.network import Network
from ...io.sequence_data import SequenceData


class MismatchChoice(Enum):
    ADAPT_WEIGHTS = "adapt"
    """Re-initialise the weights' input layer for the sequence's width (recurrent weights kept)."""
    GENERATE_SEQUENCE = "generate"
    """Replace the sequence by a generated one as wide as the weights expect."""
    CANCEL = "cancel"


def _inputs(n: int) -> str:
    return f"{n} input" + ("s" if n != 1 else "")


def mismatch_message(name: str, network: Network, sequence: SequenceData) -> str:
    return (
        f"{name} expects {_inputs(network.input_size)} per step, but the open sequence has "
        f"{_inputs(sequence.input_size)} ({sequence.input_size} column{'s' if sequence.input_size != 1 else ''})."
    )


def ask_input_mismatch(parent: QWidget | None, name: str, network: Network, sequence: SequenceData) -> MismatchChoice:
    """Ask what to do; returns the choice (CANCEL when the dialog is closed)."""
    box = QMessageBox(parent)
    box.setObjectName("dialog_input_mismatch")
    box.setIcon(QMessageBox.Icon.Question)
    box.setWindowTitle("The weights do not fit the sequence")
    box.setText(mismatch_message(name, network, sequence))
    box.setInformativeText(
        "You can adapt the weights' input layer to the sequence (the recurrent weights and biases are kept; "
        f"only weight_ih_l0 is re-initialised for {_inputs(sequence.input_size)}), or keep the weights exactly and "
        f"replace the sequence by a generated one with {_inputs(network.input_size)}."
    )
    adapt = box.addButton("Adapt the Input Layer", QMessageBox.ButtonRole.AcceptRole)
    adapt.setObjectName("mismatch_adapt")
    adapt.setToolTip("Keep the recurrent weights; re-initialise the input weights for the sequence's width")
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
    if clicked is generate:
        return MismatchChoice.GENERATE_SEQUENCE
    return MismatchChoice.CANCEL
