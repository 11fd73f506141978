"""Randomise weights: pick an initialiser and a seed (same seed, same weights)."""

from __future__ import annotations

from PySide6.QtWidgets import QComboBox, QDialog, QDialogButtonBox, QFormLayout, QSpinBox, QWidget

from ...engine.init import INITIALISERS

_DESCRIPTIONS = {
    "pytorch": "PyTorch's default: every parameter uniform in ±1/√H",
    "xavier": "Xavier/Glorot uniform weights, zero biases",
    "orthogonal": "Orthogonal recurrent blocks, Xavier input weights, zero biases",
    "zeros": "Everything zero: a blank slate to edit by hand",
}


class RandomiseDialog(QDialog):
    """Initialiser + seed."""

    def __init__(self, parent: QWidget | None = None, init: str = "pytorch", seed: int = 0) -> None:
        super().__init__(parent)
        self.setWindowTitle("Randomise weights")
        self.setObjectName("dialog_randomise")
        form = QFormLayout(self)
        self.init_combo = QComboBox(self)
        self.init_combo.setObjectName("randomise_init")
        for name in INITIALISERS:
            self.init_combo.addItem(name, name)
            self.init_combo.setItemData(self.init_combo.count() - 1, _DESCRIPTIONS.get(name, name), 3)
        self.init_combo.setCurrentIndex(max(0, self.init_combo.findData(init)))
        self.init_combo.setToolTip("How the new weights are drawn")
        self.seed_spin = QSpinBox(self)
        self.seed_spin.setObjectName("randomise_seed")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setValue(seed)
        self.seed_spin.setToolTip("The same seed always gives the same weights")
        form.addRow("Initialiser:", self.init_combo)
        form.addRow("Seed:", self.seed_spin)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel, self)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def choice(self) -> tuple[str, int]:
        return str(self.init_combo.currentData()), int(self.seed_spin.value())
