"""Undo commands as plain data: each knows how to apply and revert itself on a Document.

They go through the Document's one public state path, :meth:`~lstmviz.model.document.Document.apply_state`, so
clamping, recomputing and the events are decided in one place.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, Protocol

import numpy as np

from ..engine.network import Network
from ..io.sequence_data import SequenceData

if TYPE_CHECKING:
    from .document import Document


def with_element(network: Network, name: str, index: tuple[int, ...], value: float) -> Network:
    """``network`` with one element of parameter ``name`` set to ``value`` (the other arrays shared)."""
    array = np.array(network.params[name])
    array[index] = value
    return network.with_parameter(name, array)


class Command(Protocol):
    @property
    def text(self) -> str:
        """How Edit > Undo and Redo name the step."""
        ...

    def apply(self, document: Document) -> None: ...

    def revert(self, document: Document) -> None: ...

    def merge(self, later: Command) -> bool:
        """Absorb ``later`` into this command (one slider drag = one undo step); True if merged."""
        ...


@dataclass
class SetWeight:
    name: str
    index: tuple[int, ...]
    old: float
    new: float
    merge_key: Any = None
    label: str = ""
    """How the weights panel names the element (``weight_hh_l0[f: 3, 5]``); the raw index when empty."""

    @property
    def text(self) -> str:
        where = self.label or f"{self.name}[{', '.join(str(i) for i in self.index)}]"
        return f"Set {where} to {self.new:.4g}"

    def apply(self, document: Document) -> None:
        document.apply_state(network=with_element(document.network, self.name, self.index, self.new))

    def revert(self, document: Document) -> None:
        document.apply_state(network=with_element(document.network, self.name, self.index, self.old))

    def merge(self, later: Command) -> bool:
        if (
            isinstance(later, SetWeight)
            and self.merge_key is not None
            and later.merge_key == self.merge_key
            and (later.name, later.index) == (self.name, self.index)
        ):
            self.new = later.new
            return True
        return False


@dataclass
class ReplaceNetwork:
    """Any change of the whole network: randomise, reset, scale, switch cell, load weights, bias slider."""

    old: Network
    new: Network
    text: str = "Change network"
    merge_key: Any = None
    old_reference: Network | None = None
    """When set, the command also moves the reset target (load weights, randomise): undo restores this one."""
    new_reference: Network | None = None

    def apply(self, document: Document) -> None:
        document.apply_state(network=self.new, reference=self.new_reference)

    def revert(self, document: Document) -> None:
        document.apply_state(network=self.old, reference=self.old_reference)

    def merge(self, later: Command) -> bool:
        if isinstance(later, ReplaceNetwork) and self.merge_key is not None and later.merge_key == self.merge_key:
            self.new = later.new
            self.text = later.text  # "Set f bias to +2.00" names where the drag ended, not where it began
            return True
        return False


@dataclass
class ReplaceSequence:
    """A new input sequence; when its width differs, the network's input layer changes with it (one undo step)."""

    old: SequenceData
    new: SequenceData
    text: str = "Change sequence"
    old_network: Network | None = None
    new_network: Network | None = None
    old_reference: Network | None = None
    """Set when the new network also becomes the reset target (weights loaded together with a new sequence)."""
    new_reference: Network | None = None

    def apply(self, document: Document) -> None:
        document.apply_state(sequence=self.new, network=self.new_network, reference=self.new_reference)

    def revert(self, document: Document) -> None:
        document.apply_state(sequence=self.old, network=self.old_network, reference=self.old_reference)

    def merge(self, later: Command) -> bool:
        return False
