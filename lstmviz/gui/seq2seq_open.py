"""Opening an encoder-decoder file in the app: what its names and shapes cannot tell is asked, not guessed.

A ``torch.save`` of a state_dict whose modules are called ``first.*`` and ``second.*`` says nothing about which one
is the encoder; one without an embedding or metadata reads numbers or one-hot tokens with the same shapes. On the
command line ``--encoder-prefix``/``--decoder-prefix``/``--inputs`` choose them; here a dialog offers the modules
found in the file (and the input kind), with the loader's own message above it.
"""

from __future__ import annotations

import os
from typing import Any

from PySide6.QtWidgets import (
    QComboBox,
    QDialog,
    QFormLayout,
    QLabel,
    QMessageBox,
    QWidget,
)

from ..engine.seq2seq import NUMBERS, TOKENS, Seq2Seq
from ..engine.spec import RNN_ACTIVATIONS
from ..io.errors import FileFormatError
from ..io.seq2seq_weights import CHOOSE_PREFIXES, Seq2SeqFile, file_recurrent_prefixes, read_seq2seq
from .dialogs.choice_layout import lay_out_choice_dialog


class Seq2SeqChoiceDialog(QDialog):
    """The encoder's and the decoder's module (when ``prefixes`` is given), the input kind (``inputs``) and the
    vanilla RNN's activation (``activation``), each preset to the loader's assumption."""

    def __init__(
        self,
        name: str,
        message: str,
        prefixes: list[str] | None = None,
        inputs: str | None = None,
        parent: QWidget | None = None,
        activation: str | None = None,
    ) -> None:
        super().__init__(parent)
        self.setObjectName("dialog_seq2seq_choice")
        self.setWindowTitle("Which is which?")
        text = QLabel(f"<b>{name}</b>: {message}", self)
        text.setWordWrap(True)
        form = QFormLayout()
        self.encoder_box: QComboBox | None = None
        self.decoder_box: QComboBox | None = None
        self.inputs_box: QComboBox | None = None
        self.activation_box: QComboBox | None = None
        if prefixes:
            self.encoder_box, self.decoder_box = QComboBox(self), QComboBox(self)
            for box, side, index in ((self.encoder_box, "encoder", 0), (self.decoder_box, "decoder", 1)):
                box.setObjectName(f"seq2seq_choice_{side}")
                for prefix in prefixes:
                    box.addItem(f"{prefix}*" if prefix else "(top level)", prefix)
                box.setCurrentIndex(min(index, len(prefixes) - 1))
                form.addRow(f"{side.capitalize()} module", box)
        if inputs is not None:
            self.inputs_box = QComboBox(self)
            self.inputs_box.setObjectName("seq2seq_choice_inputs")
            for kind, label in ((NUMBERS, "numbers (values per step)"), (TOKENS, "tokens (one-hot ids)")):
                self.inputs_box.addItem(label, kind)
            self.inputs_box.setCurrentIndex(self.inputs_box.findData(inputs))
            form.addRow("Inputs", self.inputs_box)
        if activation is not None:
            self.activation_box = QComboBox(self)
            self.activation_box.setObjectName("seq2seq_choice_activation")
            self.activation_box.addItems(list(RNN_ACTIVATIONS))
            self.activation_box.setCurrentText(activation)
            form.addRow("RNN activation", self.activation_box)
        lay_out_choice_dialog(self, text, form)

    def choices(self) -> dict[str, Any]:
        """The keyword arguments of :func:`~lstmviz.io.seq2seq_weights.read_seq2seq` the user chose."""
        out: dict[str, Any] = {}
        for key, box in (
            ("encoder_prefix", self.encoder_box),
            ("decoder_prefix", self.decoder_box),
            ("inputs", self.inputs_box),
        ):
            if box is not None:
                out[key] = box.currentData()
        if self.activation_box is not None:
            out["overrides"] = {"nonlinearity": self.activation_box.currentText()}
        return out


def _ask(dialog: Seq2SeqChoiceDialog) -> dict[str, Any] | None:
    return dialog.choices() if dialog.exec() == QDialog.DialogCode.Accepted else None


def _one_hot_possible(path: str, choices: dict[str, Any]) -> bool:
    try:
        read_seq2seq(path, **{**choices, "inputs": TOKENS})
    except FileFormatError:
        return False
    return True


def load_seq2seq_asking(parent: QWidget, path: str | os.PathLike[str]) -> Seq2Seq | None:
    """The model in ``path``, asking which module is which side (and the input kind) when the file cannot say;
    None when the user cancels or the file is no encoder-decoder (explained in a dialog)."""
    path = os.fspath(path)
    name = os.path.basename(path)
    choices: dict[str, Any] = {}
    try:
        try:
            loaded: Seq2SeqFile = read_seq2seq(path)
        except FileFormatError as error:
            prefixes = file_recurrent_prefixes(path)
            if len(prefixes) < 2:
                raise
            message = str(error).removeprefix(f"{path}: ").replace(CHOOSE_PREFIXES, "choose them below")
            asked = _ask(Seq2SeqChoiceDialog(name, message, prefixes, parent=parent))
            if asked is None:
                return None
            choices = asked
            loaded = read_seq2seq(path, **choices)
        inputs = loaded.inputs_source == "assumed" and _one_hot_possible(path, choices)
        activation = any(side.get("nonlinearity") == "assumed" for side in loaded.sources.values())
        if inputs or activation:
            unknown = [
                *(["whether its model reads numbers or one-hot tokens"] if inputs else []),
                *(["its RNN's activation (tanh, relu and sigmoid have the same shapes)"] if activation else []),
            ]
            message = f"the file does not say {' nor '.join(unknown)}; choose what it was trained with"
            asked = _ask(
                Seq2SeqChoiceDialog(
                    name,
                    message,
                    inputs=NUMBERS if inputs else None,
                    parent=parent,
                    activation=RNN_ACTIVATIONS[0] if activation else None,  # tanh: nn.RNN's default
                )
            )
            if asked is None:
                return None
            loaded = read_seq2seq(path, **{**choices, **asked})
    except FileFormatError as error:
        QMessageBox.warning(parent, "Cannot open encoder-decoder", str(error))
        return None
    return loaded.model
