"""Where the network in use came from (a file's name, an initialiser and seed), for the Model panel and figures.

The Document's ``reference_network`` is the network as last loaded or initialised (undo restores it together with
the network), so "where it came from" is a property of that object: whoever loads or builds a network notes its
origin here, and the Model panel reads the origin of the document's current reference. Networks are immutable and
compared by identity; entries are weak, so noting an origin keeps nothing alive.
"""

from __future__ import annotations

import weakref

import numpy as np

from ..engine.network import Network

_ORIGINS: dict[int, tuple[weakref.ref[Network], str]] = {}


def note_origin(network: Network, text: str) -> None:
    """Remember that ``network`` came from ``text``, as shown (``from relu_rnn.pt``, ``random: pytorch initialiser,
    seed 0``)."""
    key = id(network)
    _ORIGINS[key] = (weakref.ref(network, lambda _ref, key=key: _ORIGINS.pop(key, None)), text)


def origin_of(network: Network) -> str | None:
    """The noted origin of this very network object, or None."""
    entry = _ORIGINS.get(id(network))
    if entry is None or entry[0]() is not network:
        return None
    return entry[1]


def is_edited(network: Network, reference: Network) -> bool:
    """True when ``network`` differs from the one loaded or initialised (a weight edit, a scaling, ...).

    Compared by value, so undoing every edit makes the network unedited again.
    """
    if network is reference:
        return False
    if (network.cell, network.nonlinearity, network.output_activation) != (
        reference.cell,
        reference.nonlinearity,
        reference.output_activation,
    ) or network.params.keys() != reference.params.keys():
        return True
    return not all(np.array_equal(value, reference.params[name]) for name, value in network.params.items())
