"""The bottom of a small choice dialog: its text, its form and OK / Cancel, in one column.

Shared by the dialogs that ask what a file leaves open (activations, seq2seq prefixes and inputs).
"""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QVBoxLayout, QWidget

CHOICE_DIALOG_WIDTH = 420


def lay_out_choice_dialog(dialog: QDialog, text: QWidget, form: QFormLayout) -> None:
    """``text`` above ``form`` above OK / Cancel (which accept and reject ``dialog``)."""
    buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
    buttons.accepted.connect(dialog.accept)
    buttons.rejected.connect(dialog.reject)
    layout = QVBoxLayout(dialog)
    layout.addWidget(text)
    layout.addLayout(form)
    layout.addWidget(buttons)
    dialog.setMinimumWidth(CHOICE_DIALOG_WIDTH)
