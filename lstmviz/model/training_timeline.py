"""The training timeline: snapshots of the weights as a run goes, in bounded memory, to scrub back through.

Snapshots come every ``every`` updates. When the timeline is full it thins itself evenly: it keeps every second
snapshot (the multiples of ``2 * every``) and from then on takes one every ``2 * every`` updates, so however long
the run, the snapshots stay evenly spaced from the start to now and never number more than the capacity. The
start (update 0) is a multiple of everything and always stays; a snapshot added with ``keep=True`` (the run's last
network) survives thinning too.

The capacity is :data:`MAX_SNAPSHOTS`, lowered for big networks so the snapshots stay under :data:`MAX_BYTES`.
"""

from __future__ import annotations

from dataclasses import dataclass

from ..engine.network import Network
from ..engine.seq2seq import Seq2Seq

Trained = Network | Seq2Seq
"""What a run trains: one network, or an encoder-decoder (the seq2seq window's runs keep a timeline too)."""

MAX_SNAPSHOTS = 200
MAX_BYTES = 256 << 20
"""Memory the snapshots of one run may hold (parameters only; a network is little else)."""
MIN_SNAPSHOTS = 3
"""Even a huge network keeps its start, the middle and the end."""


def network_nbytes(network: Trained) -> int:
    params = network.params if isinstance(network, Network) else network.state_dict()
    return sum(int(value.nbytes) for value in params.values())


def capacity_for(network: Trained, max_snapshots: int = MAX_SNAPSHOTS, max_bytes: int = MAX_BYTES) -> int:
    """How many snapshots of ``network`` fit: at most ``max_snapshots``, within ``max_bytes``."""
    return max(MIN_SNAPSHOTS, min(max_snapshots, max_bytes // max(network_nbytes(network), 1)))


@dataclass(frozen=True)
class Snapshot:
    update: int
    network: Trained
    keep: bool = False


class Timeline:
    """Evenly spaced weight snapshots of one run, oldest first."""

    def __init__(self, every: int, capacity: int = MAX_SNAPSHOTS) -> None:
        if every < 1 or capacity < MIN_SNAPSHOTS:
            raise ValueError(f"snapshots every {every} updates, at most {capacity}: need >= 1 and >= {MIN_SNAPSHOTS}")
        self.every = every
        """The current spacing in updates (doubles each time the timeline thins)."""
        self.capacity = capacity
        self._snapshots: list[Snapshot] = []

    @classmethod
    def for_network(cls, network: Trained, every: int) -> Timeline:
        """A timeline whose capacity suits ``network``'s size, starting with it at update 0."""
        timeline = cls(every, capacity_for(network))
        timeline.add(0, network)
        return timeline

    def __len__(self) -> int:
        return len(self._snapshots)

    def __getitem__(self, index: int) -> Snapshot:
        return self._snapshots[index]

    @property
    def updates(self) -> list[int]:
        return [snapshot.update for snapshot in self._snapshots]

    def add(self, update: int, network: Trained, keep: bool = False) -> bool:
        """Take the snapshot if it falls on the current spacing (or ``keep``); True if it was taken."""
        if self._snapshots and update <= self._snapshots[-1].update:
            return False  # already have this moment (a final network that was also a regular snapshot)
        if not keep and update % self.every != 0:
            return False
        self._snapshots.append(Snapshot(update, network, keep))
        while len(self._snapshots) > self.capacity:
            self._thin()
        return True

    def _thin(self) -> None:
        self.every *= 2
        kept = [s for s in self._snapshots if s.keep or s.update % self.every == 0]
        if len(kept) == len(self._snapshots):  # only kept ones left over capacity: drop the oldest forced ones
            kept = kept[:1] + kept[2:]
        self._snapshots = kept
