"""A weight file that does not store its RNN's activation (any ``torch.save`` of a state_dict): ask which one.

The shapes of ``nn.RNN(nonlinearity='relu')`` are those of a tanh RNN, so guessing would trace the wrong numbers
without a word. The dialog offers the choice with the assumed value preselected; the output layer's activation is
asked too when the file does not store that either.
"""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QFormLayout, QLabel, QWidget

from ...engine.spec import OUTPUT_ACTIVATIONS, RNN_ACTIVATIONS
from ...io.weights import WeightsFile
from .choice_layout import lay_out_choice_dialog

CHOICES: dict[str, tuple[str, tuple[str, ...]]] = {
    "nonlinearity": ("RNN activation", RNN_ACTIVATIONS),
    "output_activation": ("Output activation", OUTPUT_ACTIVATIONS),
}


def needs_choice(loaded: WeightsFile) -> bool:
    """Ask when the vanilla RNN's activation was assumed (it changes every number the network computes)."""
    return "nonlinearity" in loaded.assumed


class ActivationDialog(QDialog):
    """One combo box per setting the file does not store, preset to the assumed value."""

    def __init__(self, name: str, loaded: WeightsFile, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_activation_choice")
        self.setWindowTitle("Which activation?")
        self.combos: dict[str, QComboBox] = {}
        text = QLabel(
            f"<b>{name}</b> does not store the activation of its network: a saved state_dict holds only the "
            "weights, and an RNN with tanh, relu or sigmoid has the same shapes. Choose the one it was trained "
            "with (PyTorch's <code>nn.RNN</code> default is tanh)."
        )
        text.setWordWrap(True)
        form = QFormLayout()
        for key, value in loaded.assumed.items():
            label, allowed = CHOICES[key]
            combo = QComboBox(objectName=f"activation_choice_{key}")
            combo.addItems(list(allowed))
            combo.setCurrentText(value)
            self.combos[key] = combo
            form.addRow(label, combo)
        lay_out_choice_dialog(self, text, form)

    def choices(self) -> dict[str, str]:
        return {key: combo.currentText() for key, combo in self.combos.items()}


def ask_activations(parent: QWidget | None, name: str, loaded: WeightsFile) -> dict[str, str] | None:
    """The chosen value of each setting the file leaves open, or None when the user cancelled the open."""
    dialog = ActivationDialog(name, loaded, parent)
    try:
        return dialog.choices() if dialog.exec() == QDialog.DialogCode.Accepted else None
    finally:
        dialog.deleteLater()
