"""The weights panel's sliders: one bias per gate (the forget gate first and bold) and a scale of weight_hh.

Bias sliders show and set the *mean over units* of the effective bias b_ih + b_hh of a gate. Moving one adds the
same offset to every unit's b_ih, so the differences between units that training put there survive; the slider
reads the absolute mean, so "forget bias +1.00" means what it says.

The scale slider multiplies a base matrix: the reference weight_hh (as loaded or initialised) when the current one is
a multiple of it, otherwise the current matrix (so hand edits are scaled, never thrown away).
"""

from __future__ import annotations

import numpy as np
from PySide6.QtWidgets import QLabel, QVBoxLayout, QWidget

from ...engine.network import Network, parameter_name
from ...model.document import Document
from ..document_binding import DocumentBinding
from .weights_blocks import blocks_for, effective_bias, gate_labels, scale_of
from .weights_controls import EditThrottle, ValueSlider

BIAS_RANGE = 6.0
SCALE_RANGE = (0.0, 3.0)


def prominent_gate(keys: tuple[str, ...]) -> str | None:
    """The gate whose bias decides memory: f (LSTM forget) or z (GRU update, keep h), if the cell has one."""
    for key in ("f", "z"):
        if key in keys:
            return key
    return None


class BiasSliders(QWidget):
    """A slider per gate for the mean effective bias of the document's current layer."""

    def __init__(self, document: Document, throttle: EditThrottle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.throttle = throttle
        self.sliders: dict[str, ValueSlider] = {}
        self._layout = QVBoxLayout(self)
        self._layout.setContentsMargins(0, 0, 0, 0)
        self._layout.setSpacing(2)
        self._kind: tuple = ()
        self.refresh()

    def _rebuild(self, network: Network) -> None:
        for slider in self.sliders.values():
            slider.setParent(None)
            slider.deleteLater()
        self.sliders = {}
        labels = gate_labels(network.spec)
        keys = tuple(k for k, _ in labels)
        first = prominent_gate(keys)
        order = sorted(labels, key=lambda kt: kt[0] != first)
        for key, title in order:
            caption = f"{title} bias" if key == first else f"b_{key}"
            slider = ValueSlider(caption, -BIAS_RANGE, BIAS_RANGE, prominent=key == first)
            slider.setObjectName(f"biasSlider_{key}")
            slider.setToolTip(
                f"{title} bias: the mean over units of b_i{key} + b_h{key} of this layer. Dragging adds the same "
                f"offset to every unit's b_i{key}, keeping their differences; one drag is one undo step."
                + (" More forget bias keeps the cell state longer (f_t closer to 1)." if key == "f" else "")
            )
            slider.edited.connect(lambda value, token, key=key: self._edit(key, value, token))
            slider.released.connect(self.throttle.flush)
            self._layout.addWidget(slider)
            self.sliders[key] = slider

    def refresh(self) -> None:
        """Show the document's biases (rebuilding the sliders when the cell kind changed)."""
        network = self.document.network
        kind = (network.cell, network.bias)
        if kind != self._kind:
            self._rebuild(network)
            self._kind = kind
        layer = self.document.layer
        for block in blocks_for(network, parameter_name("weight_ih", layer)):
            slider = self.sliders[block.label]
            bias = effective_bias(network, layer, block.rows)
            slider.setEnabled(bias is not None)
            slider.set_value(float(bias.mean()) if bias is not None else 0.0)

    def _edit(self, key: str, value: float, token: int) -> None:
        def apply() -> None:
            network, layer = self.document.network, self.document.layer
            rows = network.spec.gate_slice(key, network.hidden_size) if network.spec.gates else slice(None)
            bias = effective_bias(network, layer, rows)
            if bias is None:
                return
            name = parameter_name("bias_ih", layer)
            new = np.array(network.params[name])
            new[rows] += value - float(bias.mean())
            self.document.set_parameter(name, new, f"Set {key} bias of layer {layer} to {value:+.2f}", ("bias", token))

        self.throttle.submit(apply)


class RecurrentScale(QWidget):
    """Scale slider for weight_hh of the current layer, with the spectral radius of each gate block."""

    def __init__(self, document: Document, throttle: EditThrottle, parent: QWidget | None = None) -> None:
        super().__init__(parent)
        self.document = document
        self.throttle = throttle
        self.slider = ValueSlider("scale W_hh ×", *SCALE_RANGE, fmt="{:.2f}")
        self.slider.setObjectName("scaleSlider")
        self.slider.setToolTip(
            "Multiplies the recurrent matrix weight_hh of this layer: 1.00 = as loaded or initialised (or as you "
            "last edited it by hand). One drag is one undo step."
        )
        self.radius_label = QLabel()
        self.radius_label.setObjectName("spectralRadius")
        self.radius_label.setWordWrap(True)
        self.radius_label.setToolTip(
            "Spectral radius rho = the largest |eigenvalue| (numpy.linalg.eigvals) of each gate's own H x H block "
            "of weight_hh (W_hi, W_hf, ...): how much that gate's recurrent path can stretch h in one step. The "
            "stacked (G*H x H) matrix is not square, so each gate block is measured separately. rho > 1 tends to "
            "amplify, rho < 1 to fade."
        )
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(2)
        layout.addWidget(self.slider)
        layout.addWidget(self.radius_label)
        self.base: np.ndarray | None = None
        self.scale = 1.0
        self._shown: tuple[float, list[float]] | None = None
        """(scale, radii) last computed: while a large matrix's eigenvalues are computed in the background, the
        label shows these times the slider's scale (exact for a pure scaling)."""
        self._binding = DocumentBinding(self, [(document.compute.events.ready, self._on_ready)])
        self.slider.edited.connect(self._edit)
        self.slider.released.connect(self.throttle.flush)
        self.refresh()

    def _name(self) -> str:
        return parameter_name("weight_hh", self.document.layer)

    def refresh(self) -> None:
        """Work out (base, scale) from the document and show them (a drag of our own keeps its base)."""
        current = self.document.network.params[self._name()]
        if self.base is None or self.base.shape != current.shape or not np.array_equal(current, self.scale * self.base):
            reference = self.document.reference_network.params.get(self._name())
            s = scale_of(current, reference) if reference is not None else None
            self.base, self.scale = (reference, s) if s is not None else (current, 1.0)
        self.slider.set_value(self.scale)
        self._show_radii()

    def _on_ready(self, kind: str) -> None:
        if kind == "radii":
            self._show_radii()

    def radii(self) -> list[float] | None:
        """Spectral radius of each gate block of the current layer's weight_hh, from the compute service (None
        while they are computed in the background)."""
        result = self.document.compute.request("radii", self.document.layer)
        if result is None:
            return None
        self._shown = (self.scale, list(result.value))
        return list(result.value)

    def _show_radii(self) -> None:
        radii = self.radii()
        pending = radii is None
        if radii is None:
            if self._shown is None:
                self.radius_label.setText("spectral radius ρ   computing…")
                return
            scale, shown = self._shown
            radii = [r * abs(self.scale / scale) if scale else r for r in shown]
        labels = [label for label, _ in gate_labels(self.document.network.spec)]
        parts = [f"{label}\u00a0{r:.3f}" for label, r in zip(labels, radii, strict=True)]
        self.radius_label.setText("spectral radius ρ   " + "   ".join(parts) + ("  …" if pending else ""))

    def _edit(self, value: float, token: int) -> None:
        base, name = self.base, self._name()
        if base is None:
            return

        def apply() -> None:
            self.scale = value
            self.document.set_parameter(name, value * base, f"Scale {name} by {value:.2f}", ("scale", token))

        self.throttle.submit(apply)
