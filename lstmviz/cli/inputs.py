"""From command-line options to the (network, sequence) pair every command works on.

FILE ... is one to three files in any order: a sequence (or ``-`` for standard input), a weight file and a
``.lstmviz`` workspace, told apart by :func:`lstmviz.io.open_any.file_kind` and applied in the order
:func:`~lstmviz.io.open_any.open_order` gives (workspace, then weights, then sequence). ``--weights FILE`` is the
same as naming the weight file among them. The network is the weight file's, else the workspace's, else
``Network.random(cell, input_size=D, hidden, layers, seed=seed, nonlinearity=activation)``.

``--activation`` and ``--output-activation`` fill in what a weight file cannot tell by its shapes; they are an
error when they contradict what the file (or workspace) does state, and a warning when they do not apply.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from ..engine.network import Network
from ..io.errors import SequenceError
from ..io.limits import describe_bytes, max_file_bytes
from ..io.open_any import FileKind, Opened, ReadOptions, open_any, open_order
from ..io.sequence_data import SequenceData
from ..io.weights import ActivationConflict
from . import options
from .errors import CommandError

_NETWORK_SHAPE_OPTIONS = ("cell", "hidden", "layers", "seed")
ACTIVATION_OPTIONS = {"nonlinearity": "activation", "output_activation": "output_activation"}
"""Network setting -> the argparse destination of its option."""
_SETTING_WORDS = {"nonlinearity": "activation", "output_activation": "output activation"}


@dataclass
class Inputs:
    """What a command runs on, and where each part came from (for messages and titles)."""

    network: Network
    sequence: SequenceData
    sequence_name: str
    network_name: str
    """The weight or workspace file, or ``random`` for a fresh network."""
    layer: int | None = None
    """The workspace's shown layer, when a workspace was given."""
    units: tuple[int, ...] = field(default=())
    """The workspace's selected units."""


def flag(setting: str) -> str:
    """``nonlinearity`` -> ``--activation``."""
    return "--" + ACTIVATION_OPTIONS[setting].replace("_", "-")


def activation_overrides(args: argparse.Namespace) -> dict[str, str | None]:
    """The activations given on the command line, by network setting (None where not given)."""
    return {setting: getattr(args, dest, None) for setting, dest in ACTIVATION_OPTIONS.items()}


THOUSANDS_WORDS = {"none": "", "space": " "}
"""``--thousands`` words for the separators a shell makes awkward to type."""


def read_options(args: argparse.Namespace, *, stdin: bool = False) -> ReadOptions:
    """The loader options given on the command line (and, when ``stdin``, all of standard input for ``-``)."""
    stdin_bytes = None
    if stdin:
        limit = max_file_bytes()
        stdin_bytes = sys.stdin.buffer.read(limit + 1)  # one byte past the limit tells; never read an endless stream
        if len(stdin_bytes) > limit:
            raise SequenceError(
                f"standard input: more than {describe_bytes(limit)}, over the size limit (--max-file-mb)"
            )
    return ReadOptions(
        columns=getattr(args, "columns", None),
        missing=getattr(args, "missing", None) or "error",
        key=getattr(args, "key", None),
        text=bool(getattr(args, "text", False)),
        vocab=getattr(args, "vocab", None),
        stdin_bytes=stdin_bytes,
        activations=activation_overrides(args),
        decimal=getattr(args, "decimal", None),
        thousands=THOUSANDS_WORDS.get(getattr(args, "thousands", None) or "", getattr(args, "thousands", None)),
    )


def given_files(args: argparse.Namespace) -> list[str | tuple[str, FileKind]]:
    """The positional files, and ``--weights`` (whose kind the user stated)."""
    files: list[str | tuple[str, FileKind]] = list(getattr(args, "files", None) or [])
    if getattr(args, "weights", None):
        files.append((args.weights, "weights"))
    return files


def open_files(args: argparse.Namespace) -> list[Opened]:
    """Read every file given, in the order they apply; an activation that contradicts a file is a CommandError."""
    order = open_order(given_files(args), read_options(args))
    opts = read_options(args, stdin=any(path == "-" for path, _ in order))
    opened = []
    for path, kind in order:
        try:
            opened.append(open_any(path, opts, kind))
        except ActivationConflict as conflict:
            raise CommandError(contradiction(conflict.setting, conflict.requested, path, conflict.stored)) from None
    return opened


def contradiction(setting: str, requested: str, path: str, stored: str) -> str:
    word = "the RNN activation" if setting == "nonlinearity" else "the output activation"
    return f"{flag(setting)} {requested} contradicts {path}, which stores {word} {stored}"


def load_inputs(args: argparse.Namespace, warn: Any = None) -> Inputs:
    """Resolve the files, --weights and the cell options into a network and a sequence that fit each other."""
    warn = warn or (lambda _message: None)
    opened = open_files(args)
    by_kind = {item.kind: item for item in opened}
    workspace, weights, sequence_file = by_kind.get("workspace"), by_kind.get("weights"), by_kind.get("sequence")
    layer: int | None = None
    units: tuple[int, ...] = ()
    network: Network | None = None
    network_name = "random"
    sequence: SequenceData | None = None
    sequence_name = ""
    if workspace is not None and workspace.workspace is not None:
        ws = workspace.workspace
        network, network_name, sequence, sequence_name = ws.network, workspace.path, ws.sequence, workspace.path
        layer, units = int(ws.layer), tuple(int(u) for u in ws.selected_units)
    if weights is not None and weights.weights is not None:
        network, network_name = weights.weights.network, weights.path
        _tell_activations(weights, args, warn)
    elif workspace is not None and network is not None:
        _check_workspace_activations(network, workspace.path, args, warn)
    if sequence_file is not None and sequence_file.sequence is not None:
        sequence = sequence_file.sequence
        sequence_name = "standard input" if sequence_file.path == "-" else sequence_file.path
    if sequence is None:
        named = weights.path if weights is not None else "the command"
        raise CommandError(
            f"{named}: there is no sequence to run the network on; give a sequence file too "
            "(in any order, e.g. data.csv model.pt)"
        )
    given = [name for name in _NETWORK_SHAPE_OPTIONS if getattr(args, name, None) is not None]
    if network is None:
        network = Network.random(
            args.cell or options.DEFAULT_CELL,
            input_size=sequence.input_size,
            hidden_size=args.hidden or options.DEFAULT_HIDDEN,
            num_layers=args.layers or options.DEFAULT_LAYERS,
            seed=options.DEFAULT_SEED if args.seed is None else args.seed,
            nonlinearity=getattr(args, "activation", None) or options.DEFAULT_ACTIVATION,
        )
        if getattr(args, "output_activation", None):
            warn("--output-activation ignored: a random network has no output layer")
    elif given:
        flags = ", ".join(f"--{name}" for name in given)
        warn(f"{flags} ignored: the network comes from {network_name}")
    check_fit(network, network_name, sequence, sequence_name)
    return Inputs(network, sequence, sequence_name, network_name, layer, units)


def _applies(network: Network, setting: str) -> bool:
    return network.spec.activation_choice if setting == "nonlinearity" else network.has_output


def _ignored(network: Network, setting: str, name: str) -> str:
    if setting == "nonlinearity":
        return f"{flag(setting)} ignored: {name} holds a {network.spec.title}, and only a vanilla RNN has one"
    return f"{flag(setting)} ignored: {name} has no output layer"


def _tell_activations(opened: Opened, args: argparse.Namespace, warn: Any) -> None:
    """Warn about overrides that did not apply, and say plainly which activation was assumed, not read."""
    assert opened.weights is not None
    network = opened.weights.network
    for setting, value in activation_overrides(args).items():
        if value is not None and not _applies(network, setting):
            warn(_ignored(network, setting, opened.path))
    for setting, value in opened.weights.assumed.items():
        warn(
            f"{opened.path}: {_SETTING_WORDS[setting]} not stored in the file, {value} assumed "
            f"(set it with {flag(setting)})"
        )
    for notice in opened.weights.notices:  # a type the file stores that the network does not keep
        warn(f"{opened.path}: {notice}")


def _check_workspace_activations(network: Network, name: str, args: argparse.Namespace, warn: Any) -> None:
    """A workspace stores its activations: an override may only repeat them."""
    for setting, value in activation_overrides(args).items():
        if value is None:
            continue
        if not _applies(network, setting):
            warn(_ignored(network, setting, name))
        elif value != getattr(network, setting):
            raise CommandError(contradiction(setting, value, name, getattr(network, setting)))


def read_sequence(path: str, args: argparse.Namespace) -> SequenceData:
    """Load one sequence (or ``-``: all of standard input) with the loader options given on the command line."""
    opened = open_any(path, read_options(args, stdin=path == "-"), "sequence")
    assert opened.sequence is not None
    return opened.sequence


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
    from ..io.sequences import load_sequence

    values = load_sequence(path).values
    if loss != "cross-entropy":
        return values
    if values.shape[1] != 1:
        raise SequenceError(f"{path}: a cross-entropy target needs one column of class indices, not {values.shape[1]}")
    classes = values[:, 0]
    if np.any(classes != np.round(classes)) or np.any(classes < 0):
        raise SequenceError(f"{path}: cross-entropy targets must be class indices 0, 1, 2, ...")
    return classes.astype(np.int64)
