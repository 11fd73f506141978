"""The ``lstmviz`` command: the desktop app with no subcommand (optionally opening a file), headless subcommands
otherwise.

Exit codes: 0 success; 2 bad input or usage (one line on stderr naming the file and the problem, never a
traceback); 1 internal error (one line; the traceback only with ``--debug``). Qt is imported only by the app and
``screenshot``; ``plot`` imports matplotlib only when it draws.
"""

from __future__ import annotations

import argparse
import sys
import traceback
from collections.abc import Callable
from pathlib import Path
from typing import Any

from .. import __version__
from ..engine.errors import EngineError
from ..io.errors import FileFormatError
from ..io.limits import set_max_file_bytes
from ..io.quoting import one_line
from . import commands, compare, desktop_entry, info, options, seq2seq
from . import train as train_command
from .errors import CommandError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
EPILOG = """exit codes: 0 success, 2 bad input or usage (one line on stderr naming the file and the problem),
1 internal error (run again with --debug for the traceback).
Run 'lstmviz COMMAND --help' for the options of each command; 'lstmviz [FILE ...]' starts the desktop app on
a sequence, weight file and/or workspace, in any order."""

Handler = Callable[[argparse.Namespace, Callable[[str], None]], int]
Registrar = Callable[[Any], None]
"""Adds one subcommand to the subparsers object (via :func:`add_command`)."""


def _global_options(suppress: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (SUPPRESS keeps a subcommand from resetting them)."""
    parent = argparse.ArgumentParser(add_help=False)
    default: Any = argparse.SUPPRESS if suppress else None
    parent.add_argument(
        "--max-file-mb",
        type=options.positive_float,
        metavar="MB",
        default=default,
        help="refuse input files larger than this (default: 1024, or $LSTMVIZ_MAX_FILE_MB)",
    )
    parent.add_argument(
        "--debug",
        action="store_true",
        default=argparse.SUPPRESS if suppress else False,
        help="print the traceback of internal errors",
    )
    return parent


def add_command(sub: Any, name: str, handler: Handler, help_text: str, description: str) -> argparse.ArgumentParser:
    """One subcommand with the shared options, epilog and formatting; ``handler(args, warn)`` runs it."""
    parser: argparse.ArgumentParser = sub.add_parser(
        name,
        help=help_text,
        description=description,
        epilog=EPILOG,
        parents=[_global_options(True)],
        formatter_class=argparse.RawDescriptionHelpFormatter,
        allow_abbrev=False,
    )
    parser.set_defaults(handler=handler)
    return parser


def add_run_options(parser: argparse.ArgumentParser) -> None:
    """FILE ... (sequence, weights, workspace), the sequence loader's options and the network's."""
    options.add_sequence_options(parser)
    options.add_network_options(parser)


def _register_trace(sub: Any) -> None:
    trace = add_command(
        sub,
        "trace",
        commands.run_trace,
        "record every gate and state to .npz or .csv",
        "Run the network over the sequence and write every gate and state at every step.\n"
        ".npz keys: x, t, h_l{k}, c_l{k}, i/f/g/o_l{k} (LSTM), r/z/n_l{k} (GRU), y (output layer).",
    )
    add_run_options(trace)
    trace.add_argument(
        "--out", required=True, metavar="FILE.npz|FILE.csv", help="output file; '-' writes CSV to stdout"
    )
    seq2seq.add_options(trace)


def _register_grad(sub: Any) -> None:
    grad = add_command(
        sub,
        "grad",
        commands.run_grad,
        "backpropagation through time to .npz or .csv",
        "Backpropagate a scalar loss through time: every parameter's gradient, dL/dh_t, dL/dc_t, the\n"
        "per-step norms ||dL/dh_t||, the curve ||dh_T/dh_t|| and the LSTM's forget-gate product.",
    )
    add_run_options(grad)
    options.add_loss_options(grad)
    grad.add_argument("--out", required=True, metavar="FILE.npz|FILE.csv", help="output file; '-' writes CSV to stdout")


def _register_plot(sub: Any) -> None:
    plot = add_command(
        sub,
        "plot",
        commands.run_plot,
        "gate-activation figure as PNG, SVG or PDF",
        "Draw one units x time heatmap per quantity (with colour bar, name and equation), the input\n"
        "on the same time axis, line plots of chosen units, the output y_t (as curves when it has a\n"
        "few units), or the BPTT curves (--show grad).",
    )
    add_run_options(plot)
    shown = plot.add_argument_group("the figure")
    shown.add_argument(
        "--show",
        default="gates",
        metavar="WHAT",
        help="gates, cell, hidden, output, grad, all, or quantity keys such as f,c_l1 (default: gates)",
    )
    shown.add_argument(
        "--units",
        type=options.unit_list,
        metavar="0,3,5",
        help="hidden units drawn as lines under each heatmap (the output panel shows its own units)",
    )
    shown.add_argument("--layer", type=options.non_negative_int, metavar="K", help="layer to show (default: 0)")
    shown.add_argument("--steps", type=options.step_range, metavar="A:B", help="step range to show (default: all)")
    shown.add_argument("--out", required=True, metavar="FILE.png|FILE.svg|FILE.pdf", help="output figure")
    shown.add_argument(
        "--dpi", type=options.dpi_value, default=150, metavar="N", help="dots per inch, 10 to 1200 (default: 150)"
    )
    layout = shown.add_mutually_exclusive_group()
    layout.add_argument(
        "--size", type=options.pixel_size, metavar="WxH", help="figure size in pixels (default: fits the panels)"
    )
    layout.add_argument(
        "--aspect",
        choices=options.ASPECTS,
        metavar="|".join(options.ASPECTS),
        help="a slide-shaped figure: 16:9 (13.33 x 7.5 in) or 4:3 (10 x 7.5 in); the default is "
        "10 in wide and as tall as the panels need",
    )
    options.add_loss_options(plot, title="the loss for --show grad")
    seq2seq.add_options(plot, target=False)  # --target (the loss options) is the decoder's teacher-forcing target
    compare.add_options(plot)


def _register_generate(sub: Any) -> None:
    generate = add_command(
        sub,
        "generate",
        commands.run_generate,
        "write a teaching sequence (sine, copy task, ...)",
        "Write one of the generated sequences; 'lstmviz generate --list' shows the kinds and\ntheir parameters.",
    )
    generate.add_argument("kind", nargs="?", metavar="KIND", help="generator name (see --list)")
    generate.add_argument("--param", action="append", metavar="NAME=VALUE", help="generator parameter (repeatable)")
    generate.add_argument("--steps", type=options.positive_int, metavar="N", help="sequence length")
    generate.add_argument("--seed", type=options.non_negative_int, metavar="N", help="random seed")
    generate.add_argument(
        "--out", metavar="FILE", help="output sequence file (.csv, .npy, ...); '-' writes CSV to stdout"
    )
    generate.add_argument("--list", action="store_true", help="list the generators and their parameters")


def _register_info(sub: Any) -> None:
    describe = add_command(
        sub,
        "info",
        info.run_info,
        "describe sequence, weight or workspace files",
        "Describe each FILE: shape, inferred cell type and sizes, activations (and whether the\n"
        "file stores them), value ranges, time axis.",
    )
    options.add_sequence_options(
        describe,
        help_text="sequence, weight (.npz, .safetensors, .pt) or .lstmviz "
        "workspace files; '-' reads a sequence from standard input",
    )
    network = describe.add_argument_group("what a weight file does not store")
    options.add_activation_options(network)
    seq2seq.add_file_options(
        describe.add_argument_group("encoder-decoder files", "when the names do not say which module is which side")
    )
    describe.add_argument("--json", action="store_true", help="print the description as JSON")


def _register_screenshot(sub: Any) -> None:
    screenshot = add_command(
        sub,
        "screenshot",
        commands.run_screenshot,
        "render the app's window to a PNG",
        "Render the main window off screen (no display needed) to a PNG.",
    )
    options.add_files_argument(
        screenshot,
        help_text="files to open first, in any order (a sequence, a weight file, a workspace; default: the demo)",
        nargs="*",
    )
    screenshot.add_argument("--out", required=True, metavar="FILE.png", help="output image")
    screenshot.add_argument("--step", type=options.non_negative_int, metavar="N", help="step to show")
    screenshot.add_argument(
        "--size",
        type=options.pixel_size,
        metavar="WxH",
        help="window size in pixels (exactly: refused if the window cannot be that small)",
    )
    screenshot.add_argument(
        "--view",
        metavar="NAME",
        help="bring one view to the front and picture it alone (diagram, heatmaps, unit-plots, "
        "gradients, numbers, weights, model, sequence, train)",
    )
    options.add_activation_options(screenshot.add_argument_group("what a weight file does not store"))


def _register_train(sub: Any) -> None:
    train_command.add_parser(sub, add_command)


REGISTRARS: list[Registrar] = [
    _register_trace,
    _register_grad,
    _register_plot,
    _register_generate,
    _register_info,
    _register_screenshot,
    _register_train,
]
"""One function per subcommand, in ``--help`` order; a new subcommand appends its own (``add_command`` inside)."""


def build_parser() -> argparse.ArgumentParser:
    """The full command line; ``lstmviz COMMAND --help`` shows each part."""
    parser = argparse.ArgumentParser(
        prog="lstmviz",
        description="See inside RNN, GRU and LSTM cells: every gate and state at every step, gradients, figures.",
        epilog=EPILOG,
        parents=[_global_options(False)],
        allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lstmviz {__version__}")
    parser.add_argument(
        "--install-desktop-entry",
        action="store_true",
        help="add lstmviz and its icon to the desktop's application menu (Linux, this user)",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")
    for register in REGISTRARS:
        register(sub)
    return parser


def _subcommands(parser: argparse.ArgumentParser) -> dict[str, argparse.ArgumentParser]:
    for action in parser._actions:  # argparse keeps its subparsers here and nowhere public
        if isinstance(action, argparse._SubParsersAction):
            return dict(action.choices)
    return {}


def command_names(parser: argparse.ArgumentParser) -> set[str]:
    """The subcommands ``parser`` knows (read from the parser, so a new one needs no second list)."""
    return set(_subcommands(parser))


def _subparser(parser: argparse.ArgumentParser, name: str | None) -> argparse.ArgumentParser:
    """The subcommand's own parser (its usage line is the one worth showing), else the top-level one."""
    return _subcommands(parser).get(name or "", parser)


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="lstmviz",
        parents=[_global_options(False)],
        allow_abbrev=False,
        description="Start the desktop app, optionally opening files.",
        epilog=EPILOG,
    )
    options.add_files_argument(
        parser, help_text="a sequence, a weight file and/or a .lstmviz workspace, in any order", nargs="*"
    )
    return parser


def _is_app_invocation(argv: list[str], commands_: set[str]) -> bool:
    """True when argv holds no subcommand: only global options and files for the app."""
    index = 0
    while index < len(argv):
        arg = argv[index]
        if arg == "--max-file-mb":
            index += 2
        elif arg.startswith("--max-file-mb=") or arg == "--debug":
            index += 1
        elif arg.startswith("-") and arg != "-":
            return False  # --help, --version or a mistake: the full parser answers
        else:
            return arg not in commands_
    return True


def _parse_with_files_anywhere(parser: argparse.ArgumentParser, argv: list[str]) -> argparse.Namespace:
    """Parse, letting files sit anywhere among the options (``plot model.pt --out f.png data.csv``).

    argparse gives a ``nargs="+"`` positional only its first run of words; later plain words come back as
    unknown and are added to the command's files here. Unknown options remain an error.
    """
    args, extra = parser.parse_known_args(argv)
    stray = [word for word in extra if word.startswith("-") and word != "-"]
    if stray or (extra and not hasattr(args, "files")):
        _subparser(parser, getattr(args, "command", None)).error(f"unrecognized arguments: {' '.join(extra)}")
    if extra:
        args.files = [*(args.files or []), *extra]
    return args


def _warn(message: str) -> None:
    print(f"lstmviz: {_one_line(message)}", file=sys.stderr)


def _one_line(text: str) -> str:
    """One line of at most 300 characters beside the file's name (the name, before the first ": ", is never cut)."""
    head, sep, _ = text.partition(": ")
    return one_line(text, head if sep and len(head) < 4096 else "")


def _dispatch(argv: list[str]) -> int:
    parser = build_parser()
    names = command_names(parser)
    if _is_app_invocation(argv, names):
        args = _app_parser().parse_args(argv)
        _apply_globals(args)
        first = args.files[0] if args.files else None
        if first and not Path(first).exists() and not Path(first).suffix and "/" not in first:
            parser.error(f"unknown command {first!r}; choose one of {', '.join(sorted(names))}")
        return commands.run_app(list(args.files))
    args = _parse_with_files_anywhere(parser, argv)
    _apply_globals(args)
    if args.install_desktop_entry and args.command is None:
        return desktop_entry.run_install_desktop_entry()
    handler: Handler = args.handler
    return handler(args, _warn)


def _apply_globals(args: argparse.Namespace) -> None:
    mb = getattr(args, "max_file_mb", None)
    if mb is not None:
        set_max_file_bytes(int(mb * (1 << 20)))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush does not raise a second BrokenPipeError."""
    import os

    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
    except (OSError, ValueError):
        pass


def main(argv: list[str] | None = None) -> int:
    """Run the command line; returns the exit code (0 ok, 2 bad input or usage, 1 internal error)."""
    argv = list(sys.argv[1:] if argv is None else argv)
    debug = "--debug" in argv
    try:
        return _dispatch(argv)
    except SystemExit as exit_:  # argparse: --help/--version (0) or a usage error (2, message already printed)
        return exit_.code if isinstance(exit_.code, int) else EXIT_BAD_INPUT
    except (FileFormatError, EngineError, CommandError) as error:
        _warn(str(error))
        return EXIT_BAD_INPUT
    except MemoryError:  # e.g. --hidden 100000: a request too large for this machine, not a bug
        _warn("not enough memory for this request; use fewer units (--hidden), layers or steps")
        return EXIT_BAD_INPUT
    except BrokenPipeError:  # `lstmviz trace data.csv --out - | head`: the reader left; nothing is wrong
        _silence_stdout()
        return EXIT_OK
    except OSError as error:
        name = error.filename if error.filename is not None else "input"
        _warn(f"{name}: {error.strerror or error}")
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        _warn("interrupted")
        return 130
    except Exception as error:  # the last line of defence: one line, never a traceback unasked
        if debug:
            traceback.print_exc()
        _warn(f"internal error: {type(error).__name__}: {str(error)[:200]} (run with --debug for the traceback)")
        return EXIT_INTERNAL
    finally:
        set_max_file_bytes(None)


if __name__ == "__main__":
    sys.exit(main())
