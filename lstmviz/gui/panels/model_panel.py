"""Cell type, sizes, output layer and initialiser of the network, applied as one undoable Document edit.

The input size is not a choice: it follows the sequence (D of ``document.sequence``). Changing only a vanilla RNN's
activation or the output layer's activation keeps the weights (``net.replace(...)``); everything else builds fresh
weights through ``document.reconfigure``. The Weights row says where the network came from (the file's name, or
the initialiser and seed of Apply) until the user re-initialises.
"""

from __future__ import annotations

from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QFormLayout,
    QHBoxLayout,
    QLabel,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...engine.errors import EngineError
from ...engine.init import INITIALISERS
from ...engine.network import Network
from ...engine.spec import OUTPUT_ACTIVATIONS, RNN_ACTIVATIONS, cell_kinds, spec_for
from ...model.document import Document
from ..document_binding import DocumentBinding
from ..elided_label import ElidedLabel
from ..network_origin import is_edited, note_origin, origin_of
from .weights_controls import show_error

UNKNOWN_ORIGIN = "initialised in this session"

MAX_HIDDEN = 1024
MAX_LAYERS = 8
MAX_OUTPUTS = 1024


ORIGIN_TIP = (
    "Where the weights in use came from: a file, or the initialiser and seed of the last Apply. 'edited' "
    "once a weight was changed."
)


class ModelPanel(QWidget):
    """A form for the network's shape, a description of the current one, and Apply."""

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.error_box = None
        self._build()
        self.refresh()
        self._binding = DocumentBinding(
            self,
            [
                (document.events.network_changed, self._on_model_changed),
                (document.events.sequence_changed, self._on_model_changed),
            ],
        )

    def _build(self) -> None:
        self.cell_combo = QComboBox(objectName="modelCell")
        for kind in cell_kinds():
            self.cell_combo.addItem(spec_for(kind).title, kind)
        self.cell_combo.setToolTip("Recurrent cell: vanilla RNN, GRU (r, z, n) or LSTM (i, f, g, o). Needs Apply.")
        self.cell_combo.currentIndexChanged.connect(self._update_enabled)
        self.activation_combo = QComboBox(objectName="modelActivation")
        self.activation_combo.addItems(list(RNN_ACTIVATIONS))
        self.activation_combo.setToolTip(
            "Activation of the vanilla RNN (only for the RNN cell). Changing it on an RNN keeps the weights and "
            "applies at once."
        )
        self.activation_combo.activated.connect(self._on_activation)
        self.activation_combo.currentIndexChanged.connect(self._update_enabled)
        self.input_label = QLabel(objectName="modelInputSize")
        self.input_label.setToolTip("The input size D always equals the sequence's number of columns.")
        self.hidden_spin = QSpinBox(objectName="modelHidden", toolTip="Hidden units per layer (H).")
        self.hidden_spin.setRange(1, MAX_HIDDEN)
        self.hidden_spin.valueChanged.connect(self._update_enabled)
        self.layers_spin = QSpinBox(objectName="modelLayers", toolTip="Stacked recurrent layers.")
        self.layers_spin.setRange(1, MAX_LAYERS)
        self.layers_spin.valueChanged.connect(self._update_enabled)
        self.output_check = QCheckBox(objectName="modelOutput")
        self.output_check.setToolTip("Add an output layer y_t = act(W h_t + b) (PyTorch's fc.weight, fc.bias).")
        self.output_check.toggled.connect(self._update_enabled)
        self.output_spin = QSpinBox(objectName="modelOutputSize", toolTip="Number of outputs O.")
        self.output_spin.setRange(1, MAX_OUTPUTS)
        self.output_spin.setPrefix("size ")
        self.output_activation = QComboBox(
            objectName="modelOutputActivation", toolTip="Activation of the output layer."
        )
        self.output_activation.addItems(list(OUTPUT_ACTIVATIONS))
        self.output_activation.activated.connect(self._on_output_activation)
        self.output_activation.currentIndexChanged.connect(self._update_enabled)
        self.output_spin.valueChanged.connect(self._update_enabled)
        output_row = QHBoxLayout()
        output_row.setSpacing(4)
        output_row.addWidget(self.output_check)
        output_row.addWidget(self.output_spin)
        output_row.addWidget(self.output_activation, 1)
        self.origin_label = ElidedLabel(objectName="modelOrigin")
        self.origin_label.setToolTip(ORIGIN_TIP)
        self.init_combo = QComboBox(objectName="modelInit", toolTip="How Apply initialises the new weights.")
        self.init_combo.addItems(list(INITIALISERS))
        self.seed_spin = QSpinBox(objectName="modelSeed", toolTip="Random seed: the same seed gives the same weights.")
        self.seed_spin.setRange(0, 2**31 - 1)
        self.seed_spin.setMinimumWidth(self.seed_spin.fontMetrics().horizontalAdvance("0000000") + 30)

        form = QFormLayout()
        form.setContentsMargins(0, 0, 0, 0)
        form.setVerticalSpacing(4)
        form.addRow("Cell", self.cell_combo)
        form.addRow("Activation", self.activation_combo)
        form.addRow("Input size", self.input_label)
        form.addRow("Hidden size", self.hidden_spin)
        form.addRow("Layers", self.layers_spin)
        form.addRow("Output layer", output_row)
        form.addRow("Weights", self.origin_label)
        form.addRow("Initialiser", self.init_combo)
        form.addRow("Seed", self.seed_spin)
        # One widget per row (seed below the initialiser): the dock fits a narrow left column.
        form.setFieldGrowthPolicy(QFormLayout.FieldGrowthPolicy.AllNonFixedFieldsGrow)

        self.apply_button = QPushButton("Apply", objectName="modelApply")
        self.apply_button.setToolTip("Build a fresh network with these settings (undoable with Ctrl+Z).")
        self.apply_button.clicked.connect(self.apply)
        self.description = QLabel(objectName="modelDescription")
        self.description.setWordWrap(True)
        self.description.setToolTip("The network now in use and its number of trainable parameters.")
        bottom = QHBoxLayout()
        bottom.addWidget(self.description, 1)
        bottom.addWidget(self.apply_button)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(6, 6, 6, 6)
        layout.setSpacing(6)
        layout.addLayout(form)
        layout.addLayout(bottom)
        layout.addStretch(1)

    # Model -> widgets ----------------------------------------------------------------------------------------
    def _on_model_changed(self) -> None:
        self.refresh()

    def refresh(self) -> None:
        """Show the document's network in the form (without echoing edits back)."""
        net = self.document.network
        widgets = (
            self.cell_combo,
            self.activation_combo,
            self.hidden_spin,
            self.layers_spin,
            self.output_check,
            self.output_spin,
            self.output_activation,
        )
        for widget in widgets:
            widget.blockSignals(True)
        self.cell_combo.setCurrentIndex(self.cell_combo.findData(net.cell))
        self.activation_combo.setCurrentText(net.nonlinearity)
        self.hidden_spin.setValue(net.hidden_size)
        self.layers_spin.setValue(net.num_layers)
        self.output_check.setChecked(net.has_output)
        self.output_spin.setValue(net.output_size or 1)
        self.output_activation.setCurrentText(net.output_activation)
        for widget in widgets:
            widget.blockSignals(False)
        d = self.document.sequence.input_size
        self.input_label.setText(f"{d}  (follows the sequence)")
        count = sum(int(v.size) for v in net.params.values())
        self.description.setText(f"<b>{net.describe()}</b><br>{count:,} parameters")
        self.origin_label.setText(self.origin_text())
        self.origin_label.setToolTip(f"{self.origin_label.text()}\n\n{ORIGIN_TIP}")
        self._update_enabled()

    def origin_text(self) -> str:
        """``from relu_rnn.pt (activation relu chosen on opening)``, ``random: pytorch initialiser, seed 3``, with
        ``, edited`` once the weights differ from those loaded or initialised."""
        reference = self.document.reference_network
        origin = origin_of(reference)
        return (origin or UNKNOWN_ORIGIN) + (", edited" if is_edited(self.document.network, reference) else "")

    def _update_enabled(self) -> None:
        self.activation_combo.setEnabled(spec_for(self.cell_combo.currentData()).activation_choice)
        self.output_spin.setEnabled(self.output_check.isChecked())
        self.output_activation.setEnabled(self.output_check.isChecked())
        font = self.apply_button.font()
        font.setBold(self.pending())
        self.apply_button.setFont(font)

    def pending(self) -> bool:
        """True when the form describes another network than the one in use (Apply is shown bold)."""
        net = self.document.network
        output = self.output_spin.value() if self.output_check.isChecked() else None
        form = (self.cell_combo.currentData(), self.hidden_spin.value(), self.layers_spin.value(), output)
        if output is not None and self.output_activation.currentText() != net.output_activation:
            return True  # a new output layer's activation (an existing layer's changes at once)
        if spec_for(form[0]).activation_choice and self.activation_combo.currentText() != net.nonlinearity:
            return True
        return form != (net.cell, net.hidden_size, net.num_layers, net.output_size)

    # Widgets -> model ----------------------------------------------------------------------------------------
    def _on_activation(self, _index: int) -> None:
        """On an RNN, a new activation keeps the weights: only the nonlinearity changes."""
        net = self.document.network
        name = self.activation_combo.currentText()
        if net.spec.activation_choice and self.cell_combo.currentData() == net.cell:
            self.document.set_rnn_activation(name)

    def _on_output_activation(self, _index: int) -> None:
        """An existing output layer takes a new activation with its weights kept (what a file could not tell)."""
        net = self.document.network
        name = self.output_activation.currentText()
        same_layer = self.output_check.isChecked() and self.output_spin.value() == net.output_size
        if net.has_output and same_layer and name != net.output_activation:
            self.document.set_network(net.replace(output_activation=name), f"Output activation {name}")

    def apply(self) -> None:
        """Build the configured network with fresh weights (one undo step); errors become a dialog."""
        output = self.output_spin.value() if self.output_check.isChecked() else None
        settings = dict(
            cell=self.cell_combo.currentData(),
            hidden_size=self.hidden_spin.value(),
            num_layers=self.layers_spin.value(),
            nonlinearity=self.activation_combo.currentText(),
            init=self.init_combo.currentText(),
            seed=self.seed_spin.value(),
            output_activation=self.output_activation.currentText(),
        )
        try:
            if output is None and self.document.network.has_output:
                # reconfigure() keeps an existing output layer when output_size is None, so build it here.
                net = Network.random(
                    input_size=self.document.sequence.input_size, dtype=self.document.network.dtype, **settings
                )
                self.document.load_network(net, f"New {net.describe()}")
            else:
                self.document.reconfigure(output_size=output, **settings)
        except (EngineError, ValueError) as error:
            self.error_box = show_error(self, "Cannot build this network", str(error))
            return
        seed = settings["seed"]
        note_origin(self.document.reference_network, f"random: {settings['init']} initialiser, seed {seed}")
        self.refresh()
