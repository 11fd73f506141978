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
from . import commands, info, options, seq2seq
from . import train as train_command
from .errors import CommandError

EXIT_OK, EXIT_INTERNAL, EXIT_BAD_INPUT = 0, 1, 2
COMMANDS: tuple[str, ...] = ("trace", "grad", "plot", "generate", "info", "screenshot", "train")
EPILOG = """exit codes: 0 success, 2 bad input or usage (one line on stderr naming the file and the problem),
1 internal error (run again with --debug for the traceback).
Run 'lstmviz COMMAND --help' for the options of each command; 'lstmviz [FILE]' starts the desktop app."""

Handler = Callable[[argparse.Namespace, Callable[[str], None]], int]


def _global_options(suppress: bool) -> argparse.ArgumentParser:
    """Options accepted before or after the subcommand (SUPPRESS keeps a subcommand from resetting them)."""
    parent = argparse.ArgumentParser(add_help=False)
    default: Any = argparse.SUPPRESS if suppress else None
    parent.add_argument("--max-file-mb", type=options.positive_float, metavar="MB", default=default,
                        help="refuse input files larger than this (default: 1024, or $LSTMVIZ_MAX_FILE_MB)")
    parent.add_argument("--debug", action="store_true", default=argparse.SUPPRESS if suppress else False,
                        help="print the traceback of internal errors")
    return parent


def _command(
    sub: Any, name: str, handler: Handler, help_text: str, description: str
) -> argparse.ArgumentParser:
    parser = sub.add_parser(
        name, help=help_text, description=description, epilog=EPILOG, parents=[_global_options(True)],
        formatter_class=argparse.RawDescriptionHelpFormatter, allow_abbrev=False,
    )
    parser.set_defaults(handler=handler)
    return parser


def build_parser() -> argparse.ArgumentParser:
    """The full command line; ``lstmviz COMMAND --help`` shows each part."""
    parser = argparse.ArgumentParser(
        prog="lstmviz",
        description="See inside RNN, GRU and LSTM cells: every gate and state at every step, gradients, figures.",
        epilog=EPILOG, parents=[_global_options(False)], allow_abbrev=False,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--version", action="version", version=f"lstmviz {__version__}")
    sub = parser.add_subparsers(dest="command", metavar="COMMAND")

    trace = _command(sub, "trace", commands.run_trace, "record every gate and state to .npz or .csv",
                     "Run the network over SEQUENCE and write every gate and state at every step.\n"
                     ".npz keys: x, t, h_l{k}, c_l{k}, i/f/g/o_l{k} (LSTM), r/z/n_l{k} (GRU), y (output layer).")
    _add_run_options(trace)
    trace.add_argument("--out", required=True, metavar="FILE.npz|FILE.csv",
                       help="output file; '-' writes CSV to stdout")
    seq2seq.add_options(trace)

    grad = _command(sub, "grad", commands.run_grad, "backpropagation through time to .npz or .csv",
                    "Backpropagate a scalar loss through time: every parameter's gradient, dL/dh_t, dL/dc_t, the\n"
                    "per-step norms ||dL/dh_t||, the curve ||dh_T/dh_t|| and the LSTM's forget-gate product.")
    _add_run_options(grad)
    options.add_loss_options(grad)
    grad.add_argument("--out", required=True, metavar="FILE.npz|FILE.csv", help="output file; '-' writes CSV to stdout")

    plot = _command(sub, "plot", commands.run_plot, "gate-activation figure as PNG, SVG or PDF",
                    "Draw one units x time heatmap per quantity (with colour bar, name and equation), the input\n"
                    "on the same time axis, line plots of chosen units, or the BPTT curves (--show grad).")
    _add_run_options(plot)
    shown = plot.add_argument_group("the figure")
    shown.add_argument("--show", default="gates", metavar="WHAT",
                       help="gates, cell, hidden, output, grad, all, or quantity keys such as f,c_l1 (default: gates)")
    shown.add_argument("--units", type=options.unit_list, metavar="0,3,5",
                       help="units drawn as lines under each heatmap")
    shown.add_argument("--layer", type=options.non_negative_int, metavar="K", help="layer to show (default: 0)")
    shown.add_argument("--steps", type=options.step_range, metavar="A:B", help="step range to show (default: all)")
    shown.add_argument("--out", required=True, metavar="FILE.png|FILE.svg|FILE.pdf", help="output figure")
    shown.add_argument("--dpi", type=options.dpi_value, default=150, metavar="N",
                       help="dots per inch, 10 to 1200 (default: 150)")
    shown.add_argument("--size", type=options.pixel_size, metavar="WxH",
                       help="figure size in pixels (default: fits the panels)")
    options.add_loss_options(plot, title="the loss for --show grad")
    seq2seq.add_options(plot, target=False)  # --target (above) is the teacher-forcing target of an encoder-decoder

    generate = _command(sub, "generate", commands.run_generate, "write a teaching sequence (sine, copy task, ...)",
                        "Write one of the generated sequences; 'lstmviz generate --list' shows the kinds and\n"
                        "their parameters.")
    generate.add_argument("kind", nargs="?", metavar="KIND", help="generator name (see --list)")
    generate.add_argument("--param", action="append", metavar="NAME=VALUE", help="generator parameter (repeatable)")
    generate.add_argument("--steps", type=options.positive_int, metavar="N", help="sequence length")
    generate.add_argument("--seed", type=options.non_negative_int, metavar="N", help="random seed")
    generate.add_argument("--out", metavar="FILE",
                          help="output sequence file (.csv, .npy, ...); '-' writes CSV to stdout")
    generate.add_argument("--list", action="store_true", help="list the generators and their parameters")

    describe = _command(sub, "info", info.run_info, "describe a sequence, weight or workspace file",
                        "Describe FILE: shape, inferred cell type and sizes, value ranges, time axis.")
    options.add_sequence_options(describe, metavar="FILE", help_text="sequence, weight (.npz, .safetensors, .pt) "
                                 "or .lstmviz workspace file; '-' reads a sequence from standard input")
    describe.add_argument("--json", action="store_true", help="print the description as JSON")

    screenshot = _command(sub, "screenshot", commands.run_screenshot, "render the app's window to a PNG",
                          "Render the main window off screen (no display needed) to a PNG.")
    screenshot.add_argument("file", nargs="?", metavar="FILE", help="file to open first (default: the demo)")
    screenshot.add_argument("--out", required=True, metavar="FILE.png", help="output image")
    screenshot.add_argument("--step", type=options.non_negative_int, metavar="N", help="step to show")
    screenshot.add_argument("--size", type=options.pixel_size, metavar="WxH", help="window size in pixels")
    train_command.add_parser(sub, _command)
    return parser


def _add_run_options(parser: argparse.ArgumentParser) -> None:
    options.add_sequence_options(parser)
    options.add_network_options(parser)


def _app_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="lstmviz", parents=[_global_options(False)], allow_abbrev=False,
                                     description="Start the desktop app, optionally opening FILE.", epilog=EPILOG)
    parser.add_argument("file", nargs="?", metavar="FILE", help="sequence, weight or .lstmviz workspace file to open")
    return parser


def _is_app_invocation(argv: list[str], commands_: set[str]) -> bool:
    """True when argv holds no subcommand: only global options and at most a file for the app."""
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


def _warn(message: str) -> None:
    print(f"lstmviz: {_one_line(message)}", file=sys.stderr)


def _one_line(text: str) -> str:
    return " ".join(text.split())


def _dispatch(argv: list[str]) -> int:
    parser = build_parser()
    names = set(COMMANDS)
    if _is_app_invocation(argv, names):
        args = _app_parser().parse_args(argv)
        _apply_globals(args)
        if args.file and not Path(args.file).exists() and not Path(args.file).suffix and "/" not in args.file:
            parser.error(f"unknown command {args.file!r}; choose one of {', '.join(sorted(names))}")
        return commands.run_app([args.file] if args.file else [])
    args = parser.parse_args(argv)
    _apply_globals(args)
    handler: Handler = args.handler
    return handler(args, _warn)


def _apply_globals(args: argparse.Namespace) -> None:
    mb = getattr(args, "max_file_mb", None)
    if mb is not None:
        set_max_file_bytes(int(mb * (1 << 20)))


def _silence_stdout() -> None:
    """Point stdout at /dev/null so Python's final flush does not raise a second BrokenPipeError."""
    import os  # noqa: PLC0415

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
    except Exception as error:  # noqa: BLE001  (the last line of defence: one line, never a traceback unasked)
        if debug:
            traceback.print_exc()
        _warn(f"internal error: {type(error).__name__}: {error} (run with --debug for the traceback)")
        return EXIT_INTERNAL
    finally:
        set_max_file_bytes(None)


if __name__ == "__main__":
    sys.exit(main())
