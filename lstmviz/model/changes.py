"""What an event says changed: the payloads of ``network_changed`` and ``sequence_changed``.

Why payloads: without them every view kept a "structure key" and compared it on each event to find out whether it
had to rebuild or only refill. A change that names its old and new values answers that once, for every view.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.network import Network
from ..io.sequence_data import SequenceData


@dataclass(frozen=True)
class NetworkChange:
    old: Network
    new: Network

    @property
    def structural(self) -> bool:
        """The cell, a size or an activation changed: views rebuild; otherwise only numbers moved."""
        return structure_of(self.old) != structure_of(self.new)

    @property
    def parameters(self) -> tuple[str, ...]:
        """Names of the parameters whose arrays are not the same as before (all of them after a structural change)."""
        if self.structural:
            return tuple(self.new.params)
        return tuple(name for name, value in self.new.params.items() if self.old.params.get(name) is not value)


@dataclass(frozen=True)
class SequenceChange:
    old: SequenceData
    new: SequenceData

    @property
    def resized(self) -> bool:
        """The number of steps or of inputs changed."""
        return self.old.values.shape != self.new.values.shape


def structure_of(network: Network) -> tuple[object, ...]:
    return (
        network.cell,
        network.input_size,
        network.hidden_size,
        network.num_layers,
        network.nonlinearity,
        network.output_size,
        network.output_activation,
    )
