"""Weight matrices and biases you can grab.

Every edit goes through the Document (``set_weight``, ``set_parameter``, ``reconfigure``, ``reset_network``), so it
is undoable and every view recomputes at once. A drag is rate-limited (:class:`EditThrottle`) and carries one
``merge_key``, so one drag is one undo step. On ``network_changed`` only the gate blocks whose numbers changed are
redrawn: dragging one weight touches one small image.
"""

from __future__ import annotations

import itertools
from typing import Any

import numpy as np
from PySide6.QtCore import Qt
from PySide6.QtWidgets import (
    QComboBox,
    QDoubleSpinBox,
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QMessageBox,
    QPushButton,
    QSpinBox,
    QVBoxLayout,
    QWidget,
)

from ...engine.init import INITIALISERS
from ...engine.network import OUTPUT_BIAS, OUTPUT_WEIGHT
from ...model.document import Document
from ..document_binding import DocumentBinding
from ..note_button import note_button
from .weights_blocks import Block, blocks_for, element_name, locate, parameter_choices, symmetric_level
from .weights_controls import EditThrottle
from .weights_matrix import WeightMatrixView
from .weights_sliders import BiasSliders, RecurrentScale

_drags = itertools.count(1)


class WeightsPanel(QWidget):
    """Heatmaps per gate of a chosen parameter, an exact-value spin box, bias and scale sliders, randomise/reset."""

    #: Pixels of vertical drag that move a weight across half the colour range.
    PIXELS_PER_HALF_RANGE = 100.0

    def __init__(self, document: Document, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.throttle = EditThrottle(parent=self)
        self.selected: tuple[str, tuple[int, ...]] | None = None
        self._blocks: list[Block] = []
        self._shown: np.ndarray | None = None
        self._level = 1.0
        self._drag: tuple[str, tuple[int, ...], float, float, int] | None = None
        """(name, index, value at the press, change per pixel, merge token) of the drag in progress."""
        self._build()
        self._refresh_all()
        events = document.events
        self._binding = DocumentBinding(
            self,
            [
                (events.network_changed, self._on_network_changed),
                (events.selection_changed, self._on_selection_changed),
            ],
        )

    # Layout --------------------------------------------------------------------------------------------------
    def _build(self) -> None:
        self.layer_combo = QComboBox(objectName="weightsLayer", toolTip="Layer whose parameters are shown.")
        self.param_combo = QComboBox(
            objectName="weightsParameter",
            toolTip="Parameter to show, under PyTorch's name: weight_ih (from the input), weight_hh (recurrent), "
            "the two bias vectors, or the output layer fc.",
        )
        self.layer_combo.activated.connect(lambda i: self.document.set_layer(i))
        self.param_combo.activated.connect(lambda _i: self._show_parameter())
        top = QHBoxLayout()
        top.addWidget(QLabel("Layer"))
        top.addWidget(self.layer_combo)
        top.addWidget(QLabel("Parameter"))
        top.addWidget(self.param_combo, 1)
        top.addWidget(note_button("weights", self))

        self.matrix = WeightMatrixView(self)
        self.matrix.setToolTip(
            "Click a cell to select that weight; drag up or down on a cell to change it (Shift: finer; one drag = "
            "one undo step). Wheel zooms, dragging the margin pans."
        )
        self.matrix.setMinimumHeight(140)
        self.matrix.cell_clicked.connect(self._on_cell_clicked)
        self.matrix.cell_hovered.connect(self._on_cell_hovered)
        self.matrix.drag_started.connect(self._on_drag_started)
        self.matrix.drag_moved.connect(lambda px: self._on_drag(px, final=False))
        self.matrix.drag_finished.connect(lambda px: self._on_drag(px, final=True))

        self.selection_label = QLabel("Click a cell to select a weight", objectName="weightName")
        self.selection_label.setWordWrap(True)  # wraps in a narrow dock instead of widening it
        self.selection_label.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.value_spin = QDoubleSpinBox(objectName="weightValue")
        self.value_spin.setRange(-1000.0, 1000.0)
        self.value_spin.setDecimals(4)
        self.value_spin.setSingleStep(0.01)
        self.value_spin.setKeyboardTracking(False)
        self.value_spin.setEnabled(False)
        self.value_spin.setToolTip("Exact value of the selected weight (Enter to apply; each change is one undo step).")
        self.value_spin.valueChanged.connect(self._on_spin)
        pick = QHBoxLayout()
        pick.addWidget(self.selection_label, 1)
        pick.addWidget(self.value_spin)

        self.biases = BiasSliders(self.document, self.throttle)
        self.scale = RecurrentScale(self.document, self.throttle)
        # A short title: a group box is at least as wide as its title, and the long one set the panel's (and so
        # the window's) minimum width; the explanation lives in the tooltip.
        sliders = QGroupBox("Bias means and recurrent scale", objectName="weightsSliders")
        sliders.setToolTip(
            "Sliders for the current layer: each bias slider shifts the mean of that gate's biases,\n"
            "all units together; the scale multiplies the recurrent weights W_hh."
        )
        box = QVBoxLayout(sliders)
        box.setContentsMargins(6, 4, 6, 4)
        box.setSpacing(3)
        box.addWidget(self.biases)
        box.addWidget(self.scale)

        self.init_combo = QComboBox(objectName="weightsInit", toolTip="Initialiser used by Randomise.")
        self.init_combo.addItems(list(INITIALISERS))
        self.seed_spin = QSpinBox(
            objectName="weightsSeed", toolTip="Random seed: the same seed gives the same weights."
        )
        self.seed_spin.setRange(0, 2**31 - 1)
        # sized for everyday seeds, not for "seed 2147483647" (which made the panel, and the window, wider)
        self.seed_spin.setMinimumWidth(self.seed_spin.fontMetrics().horizontalAdvance("seed 000000") + 22)
        self.init_combo.setMinimumContentsLength(6)
        self.init_combo.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.randomise_button = QPushButton("Randomise", objectName="weightsRandomise")
        self.randomise_button.setToolTip("New random weights from the initialiser and seed (same cell and sizes).")
        self.randomise_button.clicked.connect(self.randomise)
        self.reset_button = QPushButton("Reset", objectName="weightsReset")
        self.reset_button.setToolTip("Back to the weights as last loaded or randomised (undoable).")
        self.reset_button.clicked.connect(self.document.reset_network)
        self.open_button = QPushButton(
            "Open…", objectName="weightsOpen", toolTip="Open a weight file (npz, safetensors, pt)."
        )
        self.save_button = QPushButton("Save…", objectName="weightsSave", toolTip="Save these weights to a file.")
        self.open_button.clicked.connect(lambda: self._file_action("open"))
        self.save_button.clicked.connect(lambda: self._file_action("save"))
        self.seed_spin.setPrefix("seed ")
        actions = QGridLayout()
        actions.setHorizontalSpacing(4)
        actions.setVerticalSpacing(2)
        actions.addWidget(self.init_combo, 0, 0)
        actions.addWidget(self.seed_spin, 0, 1)
        actions.addWidget(self.randomise_button, 0, 2)
        actions.addWidget(self.reset_button, 1, 0)
        actions.addWidget(self.open_button, 1, 1)
        actions.addWidget(self.save_button, 1, 2)

        layout = QVBoxLayout(self)
        layout.setContentsMargins(4, 4, 4, 4)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addWidget(self.matrix, 1)
        layout.addLayout(pick)
        layout.addWidget(sliders)
        layout.addLayout(actions)

    # Model -> widgets ----------------------------------------------------------------------------------------
    def _refresh_all(self) -> None:
        """Combos, heatmaps and sliders from scratch (new structure, layer or parameter)."""
        network = self.document.network
        self.layer_combo.blockSignals(True)
        self.layer_combo.clear()
        self.layer_combo.addItems([str(k) for k in range(network.num_layers)])
        self.layer_combo.setCurrentIndex(self.document.layer)
        self.layer_combo.setEnabled(network.num_layers > 1)
        self.layer_combo.blockSignals(False)
        current = self.param_combo.currentText()
        kind = current.rsplit("_l", 1)[0] if "_l" in current else current
        choices = parameter_choices(network, self.document.layer)
        self.param_combo.blockSignals(True)
        self.param_combo.clear()
        self.param_combo.addItems(choices)
        wanted = next((c for c in choices if c.rsplit("_l", 1)[0] == kind or c == kind), None)
        default = next((c for c in choices if c.startswith("weight_hh")), choices[0])
        self.param_combo.setCurrentText(wanted or default)
        self.param_combo.blockSignals(False)
        self._show_parameter()
        self.biases.refresh()
        self.scale.refresh()

    @property
    def parameter(self) -> str:
        return self.param_combo.currentText()

    def _show_parameter(self) -> None:
        network = self.document.network
        name = self.parameter
        array = network.params[name]
        self._blocks = blocks_for(network, name)
        self._shown = array
        self._level = symmetric_level(array)
        titles = [(b.label, b.title) for b in self._blocks]
        self.matrix.set_blocks(titles, [b.image(array) for b in self._blocks], self._level)
        self._show_unit_rows()
        if self.selected is not None and self.selected[0] != name:
            self.select(None)
        self._show_selection()

    def _on_network_changed(self) -> None:
        network = self.document.network
        name = self.parameter
        array = network.params.get(name)
        structure = [(b.label, b.rows) for b in blocks_for(network, name)] if array is not None else None
        if (
            array is None
            or self._shown is None
            or array.shape != self._shown.shape
            or structure != [(b.label, b.rows) for b in self._blocks]
            or self.param_combo.count() != len(parameter_choices(network, self.document.layer))
        ):
            self._refresh_all()
            return
        if array is not self._shown:
            self._update_changed_blocks(array)
        self.biases.refresh()
        self.scale.refresh()
        self._show_selection()

    def _update_changed_blocks(self, array: np.ndarray) -> None:
        """Redraw only the blocks whose numbers changed; widen the colour range if a value left it."""
        old, self._shown = self._shown, array
        peak = float(np.max(np.abs(array))) if array.size else 0.0
        if peak > self._level:
            self._level = symmetric_level(array)
            titles = [(b.label, b.title) for b in self._blocks]
            self.matrix.set_blocks(titles, [b.image(array) for b in self._blocks], self._level)
            return
        for k, block in enumerate(self._blocks):
            if old is None or not np.array_equal(block.image(old), block.image(array)):
                self.matrix.update_block(k, block.image(array))

    def _on_selection_changed(self) -> None:
        if self.layer_combo.currentIndex() != self.document.layer:
            self.select(None)
            self._refresh_all()
        self._show_unit_rows()

    def _show_unit_rows(self) -> None:
        """Rows are units in the recurrent parameters (not in the output layer's): frame the selected ones."""
        recurrent = self.parameter not in (OUTPUT_WEIGHT, OUTPUT_BIAS)
        self.matrix.set_unit_rows(self.document.selected_units if recurrent else ())

    # Selection -----------------------------------------------------------------------------------------------
    def select(self, element: tuple[str, tuple[int, ...]] | None) -> None:
        """Select one element ``(name, index)`` of the shown parameter (or nothing)."""
        self.selected = element
        self._show_selection()

    def _show_selection(self) -> None:
        network = self.document.network
        fits = (
            self.selected is not None
            and self.selected[0] in network.params
            and all(i < n for i, n in zip(self.selected[1], network.params[self.selected[0]].shape, strict=True))
        )
        if not fits:
            self.selected = None
            self.selection_label.setText("Click a cell to select a weight")
            self.value_spin.setEnabled(False)
            self.matrix.set_selection(None)
            return
        name, index = self.selected
        array = network.params[name]
        block_no, row, col = locate(network, name, index)
        value = float(array[index])
        label = element_name(name, self._blocks[block_no], row, col, array.ndim)
        self.selection_label.setText(f"<b>{label}</b> = {value:.4f}")
        self.value_spin.setEnabled(True)
        self.value_spin.blockSignals(True)
        self.value_spin.setValue(value)
        self.value_spin.blockSignals(False)
        self.matrix.set_selection((block_no, row, col))

    def _element(self, block: int, row: int, col: int) -> tuple[str, tuple[int, ...]]:
        array = self.document.network.params[self.parameter]
        return self.parameter, self._blocks[block].parameter_index(row, col, array.ndim)

    def _on_cell_clicked(self, block: int, row: int, col: int) -> None:
        self.select(self._element(block, row, col))
        if self.parameter not in (OUTPUT_WEIGHT, OUTPUT_BIAS):
            self.document.select_units([row])

    def _on_cell_hovered(self, block: int, row: int, col: int) -> None:
        if block < 0:
            self.matrix.graphics.setToolTip(self.matrix.toolTip())
            return
        name, index = self._element(block, row, col)
        array = self.document.network.params[name]
        label = element_name(name, self._blocks[block], row, col, array.ndim)
        value = float(array[index])
        self.matrix.graphics.setToolTip(f"{label} = {value:.4f}\nClick to select, drag up/down to change.")

    # Edits ---------------------------------------------------------------------------------------------------
    @property
    def drag_sensitivity(self) -> float:
        """Change of a weight per pixel of vertical drag."""
        return self._level / self.PIXELS_PER_HALF_RANGE

    def _on_drag_started(self, block: int, row: int, col: int) -> None:
        name, index = self._element(block, row, col)
        self.select((name, index))
        start = float(self.document.network.params[name][index])
        # The sensitivity is fixed for the whole drag, even if the colour range widens under the hand.
        self._drag = (name, index, start, self.drag_sensitivity, next(_drags))

    def _on_drag(self, pixels_up: float, final: bool) -> None:
        if self._drag is None:
            return
        name, index, start, per_pixel, token = self._drag
        value = start + pixels_up * per_pixel

        def apply() -> None:
            # An undo (Ctrl+Z) in the middle of a drag can take the parameter away or change its shape.
            array = self.document.network.params.get(name)
            if array is not None and all(i < n for i, n in zip(index, array.shape, strict=True)):
                self.document.set_weight(name, index, value, merge_key=("drag", token))

        self.throttle.submit(apply)
        if final:
            self.throttle.flush()
            self._drag = None

    def _on_spin(self, value: float) -> None:
        if self.selected is not None:
            name, index = self.selected
            self.document.set_weight(name, index, value)

    def randomise(self) -> None:
        """Fresh weights from the chosen initialiser and seed, same cell and sizes (one undo step)."""
        self.document.reconfigure(init=self.init_combo.currentText(), seed=self.seed_spin.value())

    def _file_action(self, which: str) -> None:
        """Open or save weights through the main window's file actions (one set of file dialogs for the app)."""
        actions = app_file_actions(self)
        if actions is None:
            QMessageBox.information(self, "Weights", "Opening and saving weight files works inside the main window.")
        elif which == "open":
            actions.open_weights_dialog()
        else:
            actions.save_weights_as()


def app_file_actions(widget: QWidget) -> Any | None:
    """The main window's ``FileActions`` found by duck typing, since a panel must not import the main window."""
    return getattr(widget.window(), "file_actions", None)
