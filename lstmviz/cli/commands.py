"""The subcommands that compute: ``trace``, ``grad``, ``plot``, ``generate`` and ``screenshot``.

Each is a thin call into the layers below (the same code the app uses): load inputs, run the engine, write with
the io layer's exporters. Errors are raised, never printed here; :mod:`lstmviz.cli.main` turns them into one line.
"""

from __future__ import annotations

import argparse
import os
import shutil
import sys
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any

from ..engine.errors import EngineError
from . import seq2seq
from .errors import CommandError
from .inputs import Inputs, activation_overrides, load_inputs, read_target
from .options import show_parts
from .output_check import check_output
from .progress import LONG_WORK, progress, work_estimate

Warn = Callable[[str], None]
TRACE_SUFFIXES: tuple[str, ...] = (".npz", ".csv")
SHOW_GROUPS: tuple[str, ...] = ("gates", "cell", "hidden", "output", "grad", "all")


def _tell_notices(inputs: Inputs, warn: Warn) -> None:
    for notice in inputs.sequence.notices:
        warn(f"{inputs.sequence_name}: {notice}")


@contextmanager
def naming(files: str) -> Iterator[None]:
    """Prefix an engine error (which knows no files) with the files it concerns, as every CLI message does."""
    try:
        yield
    except EngineError as error:
        raise EngineError(f"{files}: {error}") from None


def _trace(inputs: Inputs) -> Any:
    network, sequence = inputs.network, inputs.sequence
    work = work_estimate(sequence.steps, network.hidden_size, network.num_layers, network.spec.gate_count)
    with (
        naming(inputs.sequence_name),
        progress(f"tracing {sequence.steps:,} steps ({network.describe()})", work) as report,
    ):
        if report is None:
            return network.run(sequence.values)
        trace = None
        for so_far, done in network.run_progressive(sequence.values):
            trace = so_far
            report(done, sequence.steps)
        return trace


def _gradients(inputs: Inputs, args: argparse.Namespace, trace: Any = None) -> Any:
    """``Network.bptt`` with the loss options; mse and cross-entropy need --target."""
    target = None
    if args.loss in ("mse", "cross-entropy"):
        if not args.target:
            raise CommandError(f"--loss {args.loss} compares the output y with a target: give --target FILE")
        target = read_target(args.target, args.loss)
    network, sequence = inputs.network, inputs.sequence
    work = 3 * work_estimate(sequence.steps, network.hidden_size, network.num_layers, network.spec.gate_count)
    files = inputs.sequence_name + (f" with target {args.target}" if target is not None else "")
    with naming(files), progress(f"backpropagating through {sequence.steps:,} steps", work):
        return network.bptt(
            sequence.values,
            loss=args.loss,
            target=target,
            unit=args.unit,
            step=args.step,
            clip=args.clip,
            trace=trace,
        )


def run_trace(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz trace``: every gate and state at every step, to .npz or .csv."""
    if seq2seq.applies(args):
        return seq2seq.run_trace(args, warn)
    check_output(args.out, TRACE_SUFFIXES, "a trace")
    inputs = load_inputs(args, warn)
    _tell_notices(inputs, warn)
    trace = _trace(inputs)
    from ..io.export import export_trace

    export_trace(trace, args.out, sequence=inputs.sequence, stream=sys.stdout if args.out == "-" else None)
    return 0


def run_grad(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz grad``: BPTT parameter gradients and per-step curves, to .npz or .csv."""
    check_output(args.out, TRACE_SUFFIXES, "gradients")
    inputs = load_inputs(args, warn)
    _tell_notices(inputs, warn)
    grads = _gradients(inputs, args)
    from ..io.export import export_gradients

    export_gradients(grads, args.out, stream=sys.stdout if args.out == "-" else None, sequence=inputs.sequence)
    return 0


def run_plot(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz plot``: the gate-activation figure as PNG, SVG or PDF."""
    if args.compare:
        from .compare import run_plot as run_compare_plot

        return run_compare_plot(args, warn)
    if seq2seq.applies(args):
        return seq2seq.run_plot(args, warn)
    from ..io.fig_data import check_units, plan_panels, select_steps
    from ..io.figures import FIGURE_FORMATS, render_trace_figure

    check_output(args.out, tuple(f".{fmt}" for fmt in FIGURE_FORMATS), "a figure", stdout_ok=False)
    parts = show_parts(args.show)
    if not parts:
        raise CommandError("--show needs a value: gates, cell, hidden, output, grad, all, or quantity keys like f,c_l1")
    show: str | list[str] = parts if len(parts) > 1 else parts[0]
    wants_grads = bool({"grad", "all"} & set(parts))
    inputs = load_inputs(args, warn)
    _tell_notices(inputs, warn)
    network, sequence = inputs.network, inputs.sequence
    layer = args.layer if args.layer is not None else (inputs.layer or 0)
    units = args.units if args.units is not None else list(inputs.units) or None
    # Refuse an impossible request (no cell state, no such unit or layer, empty range) before the long work,
    # on a one-step probe trace that has the same keys.
    plan_panels(network.run(sequence.values[:1]), network, show, layer, {} if wants_grads else None)
    check_units(units, network.hidden_size)
    select_steps(args.steps, sequence.steps)
    trace = _trace(inputs)
    grads = _gradients(inputs, args, trace) if wants_grads else None
    large = trace.steps * network.hidden_size > 1_000_000  # about a second of drawing and more
    with progress("drawing the figure", LONG_WORK if large else 0):
        render_trace_figure(
            trace,
            sequence,
            network,
            args.out,
            show=show,
            units=units,
            layer=layer,
            steps=args.steps,
            grads=grads,
            dpi=args.dpi,
            size=args.size,
            aspect=args.aspect,
        )
    return 0


def parse_params(pairs: list[str]) -> dict[str, str]:
    """``--param NAME=VALUE`` pairs as text; the generator converts each to its default's type and checks its range."""
    params: dict[str, str] = {}
    for pair in pairs:
        name, eq, text = pair.partition("=")
        name = name.strip().replace("-", "_")
        if not eq or not name:
            raise CommandError(f"--param {pair!r}: write it as NAME=VALUE, e.g. --param frequency=0.05")
        params[name] = text
    return params


def run_generate(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz generate``: write one of the teaching sequences (``--list`` shows them)."""
    from ..io.generators import GENERATORS, generate  # kinds, aliases and parameter checks

    if args.list:
        for name, spec in GENERATORS.items():
            listed = " ".join(f"{key}={value!r}" for key, value in spec.params.items())
            print(f"{name:<14} {spec.title}: {spec.description}")
            print(f"{'':<14} parameters: {listed or '(none)'}")
        return 0
    if not args.kind or not args.out:
        raise CommandError("generate needs KIND and --out FILE (lstmviz generate --list shows the kinds)")
    from ..io.sequences import SAVE_SUFFIXES, save_sequence

    check_output(args.out, tuple(SAVE_SUFFIXES), "a sequence")
    params: dict[str, Any] = dict(parse_params(args.param or []))
    params.update({option: getattr(args, option) for option in ("steps", "seed") if getattr(args, option) is not None})
    sequence = generate(args.kind, **params)
    if args.out == "-":
        _save_to_stdout(sequence, save_sequence)
    else:
        save_sequence(sequence, args.out)
    return 0


def _save_to_stdout(sequence: Any, save: Callable[[Any, str], None]) -> None:
    """CSV on standard output through the same writer as files (via a private temp folder)."""
    with tempfile.TemporaryDirectory(prefix="lstmviz-") as folder:
        path = os.path.join(folder, "sequence.csv")
        save(sequence, path)
        with open(path, encoding="utf-8") as stream:
            shutil.copyfileobj(stream, sys.stdout)
    sys.stdout.flush()


def display_available() -> bool:
    """False on a Linux/BSD machine with no X11 or Wayland display, where Qt would abort the process."""
    if sys.platform in ("win32", "darwin") or os.environ.get("QT_QPA_PLATFORM"):
        return True
    return bool(os.environ.get("DISPLAY") or os.environ.get("WAYLAND_DISPLAY"))


def run_screenshot(args: argparse.Namespace, warn: Warn) -> int:
    """``lstmviz screenshot``: the app's main window rendered off screen to a PNG."""
    check_output(args.out, (".png",), "a screenshot", stdout_ok=False)
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")  # off screen by design: no display needed
    from ..gui.screenshot import render_screenshot  # Qt only here

    extra: dict[str, Any] = {"size": args.size} if args.size is not None else {}
    if args.view is not None:
        extra["view"] = args.view
    activations = {key: value for key, value in activation_overrides(args).items() if value is not None}
    if activations:
        extra["activations"] = activations
    with _window_libraries_checked():
        render_screenshot(args.out, files=list(args.files), step=args.step, **extra)
    return 0


@contextmanager
def _window_libraries_checked() -> Iterator[None]:
    """Missing system libraries for Qt's window platform become the CLI's one-line error (exit 2)."""
    from ..gui.platform_check import PlatformLibrariesMissing

    try:
        yield
    except PlatformLibrariesMissing as error:
        raise CommandError(str(error)) from None


def run_app(files: list[str]) -> int:
    """The desktop app, optionally opening files (a sequence, weights, a workspace, in any order)."""
    if not display_available():
        raise CommandError(
            "no display to open the app on (DISPLAY and WAYLAND_DISPLAY are unset); use a headless command such as "
            "'lstmviz plot' or 'lstmviz screenshot' (see lstmviz --help), or set QT_QPA_PLATFORM"
        )
    from ..gui.app import run_app as start  # Qt only when the app is wanted

    with _window_libraries_checked():
        return start(files)
