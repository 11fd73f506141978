"""From command-line options to the (network, sequence) pair every command works on.

SEQUENCE is a sequence file, ``-`` for standard input, or a ``.lstmviz`` workspace (which also brings its network,
layer and selected units). ``--weights`` overrides the workspace's network; without either, the network is
``Network.random(cell, input_size=D, hidden, layers, seed=seed, nonlinearity=activation)``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np

from ..engine.network import Network
from ..io.errors import SequenceError
from ..io.limits import describe_bytes, max_file_bytes
from ..io.sequence_data import SequenceData
from . import options

WORKSPACE_SUFFIX = ".lstmviz"
_NETWORK_SHAPE_OPTIONS = ("cell", "hidden", "layers", "activation", "seed")


@dataclass
class Inputs:
    """What a command runs on, and where each part came from (for messages and titles)."""

    network: Network
    sequence: SequenceData
    sequence_name: str
    network_name: str
    """The weight or workspace file, or ``random`` for a fresh network."""
    layer: int | None = None
    """The workspace's shown layer, when SEQUENCE was a workspace."""
    units: tuple[int, ...] = field(default=())
    """The workspace's selected units."""


def is_workspace(path: str) -> bool:
    return path != "-" and Path(path).suffix.lower() == WORKSPACE_SUFFIX


def read_sequence(path: str, args: argparse.Namespace) -> SequenceData:
    """Load SEQUENCE (or ``-``: all of standard input) with the loader options given on the command line."""
    from ..io.sequences import load_sequence  # noqa: PLC0415  (loaders only when a command needs them)

    kwargs: dict[str, Any] = {
        "columns": getattr(args, "columns", None),
        "missing": getattr(args, "missing", None) or "error",
        "key": getattr(args, "key", None),
        "text": bool(getattr(args, "text", False)),
        "vocab": getattr(args, "vocab", None),
    }
    if path == "-":
        limit = max_file_bytes()
        data = sys.stdin.buffer.read(limit + 1)  # one byte past the limit tells; never read an endless stream
        if len(data) > limit:
            raise SequenceError(
                f"standard input: more than {describe_bytes(limit)}, over the size limit (--max-file-mb)"
            )
        kwargs["stdin_bytes"] = data
    return load_sequence(path, **kwargs)


def load_inputs(args: argparse.Namespace, warn: Any = None) -> Inputs:
    """Resolve SEQUENCE, --weights and the cell options into a network and a sequence that fit each other."""
    source: str = args.sequence
    network: Network | None = None
    network_name = "random"
    layer: int | None = None
    units: tuple[int, ...] = ()
    if is_workspace(source):
        from ..io.workspace import load_workspace  # noqa: PLC0415

        workspace = load_workspace(source)
        sequence, network, network_name = workspace.sequence, workspace.network, source
        layer, units = int(workspace.layer), tuple(int(u) for u in workspace.selected_units)
    else:
        sequence = read_sequence(source, args)
    if args.weights:
        from ..io.weights import load_weights  # noqa: PLC0415

        network, network_name = load_weights(args.weights), args.weights
    given = [name for name in _NETWORK_SHAPE_OPTIONS if getattr(args, name, None) is not None]
    if network is None:
        network = Network.random(
            args.cell or options.DEFAULT_CELL,
            input_size=sequence.input_size,
            hidden_size=args.hidden or options.DEFAULT_HIDDEN,
            num_layers=args.layers or options.DEFAULT_LAYERS,
            seed=options.DEFAULT_SEED if args.seed is None else args.seed,
            nonlinearity=args.activation or options.DEFAULT_ACTIVATION,
        )
    elif given and warn is not None:
        flags = ", ".join(f"--{name}" for name in given)
        warn(f"{flags} ignored: the network comes from {network_name}")
    sequence_name = "standard input" if source == "-" else source
    check_fit(network, network_name, sequence, sequence_name)
    return Inputs(network, sequence, sequence_name, network_name, layer, units)


def check_fit(network: Network, network_name: str, sequence: SequenceData, sequence_name: str) -> None:
    """Refuse a sequence whose column count differs from the network's input size, naming both sizes."""
    if sequence.input_size != network.input_size:
        columns = "column" if sequence.input_size == 1 else "columns"
        raise SequenceError(
            f"{sequence_name}: the sequence has {sequence.input_size} input {columns} but the network "
            f"({network_name}) expects input size {network.input_size}; pick columns with --columns or use "
            "matching weights"
        )


def read_target(path: str, loss: str) -> np.ndarray:
    """The target of an ``mse`` or ``cross-entropy`` loss: a sequence file's values (class indices for the latter)."""
    from ..io.sequences import load_sequence  # noqa: PLC0415

    values = load_sequence(path).values
    if loss != "cross-entropy":
        return values
    if values.shape[1] != 1:
        raise SequenceError(f"{path}: a cross-entropy target needs one column of class indices, not {values.shape[1]}")
    classes = values[:, 0]
    if np.any(classes != np.round(classes)) or np.any(classes < 0):
        raise SequenceError(f"{path}: cross-entropy targets must be class indices 0, 1, 2, ...")
    return classes.astype(np.int64)
