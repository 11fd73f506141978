"""The Model menu's commands: cell type, sizes, RNN activation, randomise; each one undoable Document edit."""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QInputDialog, QMessageBox

from ..engine.errors import EngineError
from .dialogs.randomise import RandomiseDialog

if TYPE_CHECKING:
    from .main_window import MainWindow

MAX_HIDDEN = 1024
MAX_LAYERS = 8


class ModelActions(QObject):
    """Asks what is needed, then calls ``document.reconfigure``; errors become a dialog, never a crash."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.window = window

    @property
    def document(self) -> Any:
        return self.window.document

    def _guard(self, edit: Callable[[], None]) -> None:
        try:
            edit()
        except (EngineError, ValueError) as error:
            QMessageBox.warning(self.window, "Cannot change the model", str(error))

    def set_cell(self, cell: str) -> None:
        if cell != self.document.network.cell:
            self._guard(lambda: self.document.reconfigure(cell=cell))

    def set_activation(self, name: str) -> None:
        """The RNN's activation, weights kept (the menu is only enabled for an RNN)."""
        if self.document.network.spec.activation_choice:
            self._guard(lambda: self.document.set_rnn_activation(name))

    def set_hidden_size(self, size: int) -> None:
        if size != self.document.network.hidden_size:
            self._guard(lambda: self.document.reconfigure(hidden_size=size))

    def set_num_layers(self, layers: int) -> None:
        if layers != self.document.network.num_layers:
            self._guard(lambda: self.document.reconfigure(num_layers=layers))

    def ask_hidden_size(self) -> None:
        size, ok = QInputDialog.getInt(
            self.window,
            "Hidden size",
            "Hidden units per layer (the weights are re-initialised):",
            self.document.network.hidden_size,
            1,
            MAX_HIDDEN,
        )
        if ok:
            self.set_hidden_size(size)

    def ask_num_layers(self) -> None:
        layers, ok = QInputDialog.getInt(
            self.window,
            "Layers",
            "Stacked recurrent layers (the weights are re-initialised):",
            self.document.network.num_layers,
            1,
            MAX_LAYERS,
        )
        if ok:
            self.set_num_layers(layers)

    def ask_randomise(self) -> None:
        dialog = RandomiseDialog(self.window)
        if dialog.exec():
            init, seed = dialog.choice()
            self._guard(lambda: self.document.reconfigure(init=init, seed=seed))
