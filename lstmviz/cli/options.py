"""Argument groups shared by several subcommands, and the parsers of their small value languages.

One definition per option (``--cell``, ``--units 0,3,5``, ``--steps A:B``, ``--size WxH``...), so ``trace``, ``grad``
and ``plot`` accept exactly the same spellings and print the same help.
"""

from __future__ import annotations

import argparse

from ..engine.spec import OUTPUT_ACTIVATIONS, RNN_ACTIVATIONS, cell_kinds

LOSSES: tuple[str, ...] = ("h-last-sum", "unit", "mse", "cross-entropy")
MISSING_POLICIES: tuple[str, ...] = ("error", "interpolate", "ffill", "drop")
"""Mirrors ``lstmviz.io.sequences.MISSING_POLICIES`` (kept here so ``--help`` needs no loader import)."""
DEFAULT_CELL = "lstm"
DEFAULT_HIDDEN = 8
DEFAULT_LAYERS = 1
DEFAULT_SEED = 0
DEFAULT_ACTIVATION = "tanh"
ASPECTS: tuple[str, ...] = ("16:9", "4:3")
"""Slide shapes ``lstmviz plot --aspect`` offers (the figure module knows their sizes)."""


def positive_int(text: str) -> int:
    """argparse type: an integer >= 1."""
    value = non_negative_int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"{text!r} must be at least 1")
    return value


def non_negative_int(text: str) -> int:
    """argparse type: an integer >= 0."""
    try:
        value = int(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a whole number") from None
    if value < 0:
        raise argparse.ArgumentTypeError(f"{text!r} must not be negative")
    return value


def positive_float(text: str) -> float:
    """argparse type: a number > 0 (``--clip``, ``--dpi``, ``--max-file-mb``)."""
    try:
        value = float(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a number") from None
    if not value > 0 or value == float("inf"):
        raise argparse.ArgumentTypeError(f"{text!r} must be a positive number")
    return value


def dpi_value(text: str) -> float:
    """argparse type: dots per inch between 10 and 1200 (beyond that a figure is megapixels of nothing)."""
    value = positive_float(text)
    if not 10 <= value <= 1200:
        raise argparse.ArgumentTypeError(f"{text!r}: the resolution must be between 10 and 1200 dpi")
    return value


def unit_list(text: str) -> list[int]:
    """``0,3,5`` -> [0, 3, 5]."""
    try:
        units = [int(part) for part in text.split(",") if part.strip()]
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of unit numbers like 0,3,5") from None
    if not units or any(u < 0 for u in units):
        raise argparse.ArgumentTypeError(f"{text!r} is not a comma-separated list of unit numbers like 0,3,5")
    return units


def step_range(text: str) -> slice:
    """``A:B`` (either end may be left out, negatives count from the end) -> slice(A, B)."""
    start, colon, stop = text.partition(":")
    try:
        if not colon:
            raise ValueError
        return slice(int(start) if start.strip() else None, int(stop) if stop.strip() else None)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a step range like 100:500, :200 or 50:") from None


def pixel_size(text: str) -> tuple[int, int]:
    """``1600x900`` -> (1600, 900)."""
    width, sep, height = text.lower().partition("x")
    try:
        if not sep:
            raise ValueError
        size = int(width), int(height)
    except ValueError:
        raise argparse.ArgumentTypeError(f"{text!r} is not a size in pixels like 1600x900") from None
    if min(size) < 16 or max(size) > 20000:
        raise argparse.ArgumentTypeError(f"{text!r}: width and height must be between 16 and 20000 pixels")
    return size


def name_list(text: str) -> list[str]:
    """``price,volume`` -> ['price', 'volume']."""
    names = [part.strip() for part in text.split(",") if part.strip()]
    if not names:
        raise argparse.ArgumentTypeError("--columns needs at least one column name")
    return names


FILES_HELP = (
    "a sequence (.csv/.tsv/.txt table, .npy, .npz, .json, text; '-' reads standard input), and optionally a weight "
    "file (.npz, .safetensors, .pt/.pth) and a .lstmviz workspace, in any order: the workspace is opened first, "
    "then the weights replace its network, then the sequence is fed to it"
)


def add_files_argument(
    parser: argparse.ArgumentParser, metavar: str = "FILE", help_text: str = FILES_HELP, nargs: str = "+"
) -> None:
    """The positional files (sequence, weights, workspace in any order); ``nargs="*"`` where none is fine."""
    parser.add_argument("files", nargs=nargs, metavar=metavar, help=help_text)


def add_sequence_options(parser: argparse.ArgumentParser, metavar: str = "FILE", help_text: str = FILES_HELP) -> None:
    """FILE ... and how to read the sequence among them (the loader's options)."""
    add_files_argument(parser, metavar, help_text)
    group = parser.add_argument_group("reading the sequence")
    group.add_argument(
        "--columns", type=name_list, metavar="NAME,...", help="input columns of a table (default: all numeric)"
    )
    group.add_argument(
        "--missing",
        choices=MISSING_POLICIES,
        default=None,
        help="what to do with missing values in a table (default: error)",
    )
    group.add_argument("--key", metavar="K", help="which array of a .npz holding several")
    group.add_argument("--text", action="store_true", help="read the file as characters, one-hot encoded")
    group.add_argument(
        "--vocab", metavar="CHARS", help="fixed vocabulary for --text (default: order of first appearance)"
    )
    group.add_argument(
        "--decimal", choices=(".", ","), default=None, help="the decimal mark of a table (default: found per file)"
    )
    group.add_argument(
        "--thousands",
        choices=("none", ".", ",", "space", "'"),
        default=None,
        help="the thousands separator of a table (default: found per column)",
    )


def add_network_options(parser: argparse.ArgumentParser) -> None:
    """The network: a weight file, or a fresh random one of the given shape."""
    group = parser.add_argument_group(
        "the network",
        "from --weights (or the workspace); otherwise a random network with input size = the sequence's column count",
    )
    group.add_argument(
        "--weights",
        metavar="FILE",
        help="weight file (.npz, .safetensors, .pt/.pth), the same as naming it among the files; "
        "overrides a workspace's network",
    )
    group.add_argument("--cell", choices=cell_kinds(), default=None, help=f"cell type (default: {DEFAULT_CELL})")
    group.add_argument(
        "--hidden", type=positive_int, metavar="N", default=None, help=f"hidden units (default: {DEFAULT_HIDDEN})"
    )
    group.add_argument(
        "--layers", type=positive_int, metavar="N", default=None, help=f"stacked layers (default: {DEFAULT_LAYERS})"
    )
    add_activation_options(group)
    group.add_argument(
        "--seed",
        type=non_negative_int,
        metavar="N",
        default=None,
        help=f"seed of the random weights (default: {DEFAULT_SEED})",
    )


def add_activation_options(group: argparse.ArgumentParser | argparse._ArgumentGroup) -> None:
    """What a weight file's shapes cannot tell: settable where the file is opened, refused if the file disagrees."""
    group.add_argument(
        "--activation",
        choices=RNN_ACTIVATIONS,
        default=None,
        help="vanilla RNN activation: of a random network (default: "
        f"{DEFAULT_ACTIVATION}), or of a weight file that does not store it (a torch state_dict); "
        "an error if the file stores another",
    )
    group.add_argument(
        "--output-activation",
        choices=OUTPUT_ACTIVATIONS,
        default=None,
        help="activation of a weight file's output layer when the file does not store it "
        "(default: identity); an error if the file stores another",
    )


def add_loss_options(parser: argparse.ArgumentParser, *, title: str = "the loss for BPTT") -> None:
    """--loss and its companions, as ``Network.bptt`` takes them."""
    group = parser.add_argument_group(title)
    group.add_argument(
        "--loss",
        choices=LOSSES,
        default="h-last-sum",
        help="h-last-sum: sum of the top layer's h at the last step; unit: one unit at one step; "
        "mse / cross-entropy: the output y against --target (default: h-last-sum)",
    )
    group.add_argument(
        "--target", metavar="FILE", help="target sequence for mse (T, O) or class indices for cross-entropy"
    )
    group.add_argument("--unit", type=non_negative_int, default=0, metavar="N", help="unit of --loss unit (default: 0)")
    group.add_argument("--step", type=int, default=-1, metavar="N", help="step of --loss unit (default: -1, the last)")
    group.add_argument("--clip", type=positive_float, metavar="NORM", help="clip the gradient to this global norm")


def show_parts(text: str) -> list[str]:
    """``--show gates`` or ``--show f,c_l1,grad`` -> ['f', 'c_l1', 'grad']."""
    return [part.strip() for part in text.split(",") if part.strip()]
