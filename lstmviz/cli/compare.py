"""``lstmviz plot --compare TASK-or-SEQUENCE``: RNN vs GRU vs LSTM of one size as one figure.

On a task (``copy``, ``adding``) the three cells are trained with the same seed and budget (``--updates``, Adam,
clipped at norm 1; 0 compares the untrained networks) by :func:`lstmviz.model.compare.run_compare`, the function
behind the app's Compare window, so both show the same numbers. On a sequence file the three fresh, seeded networks
just run over it. The figure is :func:`lstmviz.io.compare_figure.render_compare_figure`.
"""

from __future__ import annotations

import argparse
from typing import Any

from ..model.compare import (
    COMPARE_CELLS,
    COMPARE_TASKS,
    COMPARE_UPDATES,
    CompareSetup,
    analyse,
    example_sequence,
    fresh_on_sequence,
    run_compare,
)
from .errors import CommandError
from .inputs import load_inputs
from .options import non_negative_int, positive_int
from .output_check import check_output
from .progress import LONG_WORK, progress

DEFAULT_HIDDEN = 32


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "comparing the cells", "--compare: an RNN, a GRU and an LSTM of --hidden units (default 32), seeded by --seed"
    )
    group.add_argument(
        "--compare",
        action="store_true",
        help="FILE is a task (copy, adding) to train the three cells on, or a sequence to run them on",
    )
    group.add_argument(
        "--delay",
        type=positive_int,
        default=20,
        metavar="N",
        help="copy: blank steps before the cue; adding: half the length (default: 20)",
    )
    group.add_argument(
        "--updates",
        type=non_negative_int,
        default=COMPARE_UPDATES,
        metavar="N",
        help=f"training updates per cell on a task (default: {COMPARE_UPDATES}; 0: untrained)",
    )


def run_plot(args: argparse.Namespace, warn: Any) -> int:
    """Train (or run) the three cells and draw the comparison to ``--out``."""
    from ..io.compare_figure import render_compare_figure
    from ..io.figures import FIGURE_FORMATS

    check_output(args.out, tuple(f".{fmt}" for fmt in FIGURE_FORMATS), "a figure", stdout_ok=False)
    hidden = args.hidden or DEFAULT_HIDDEN
    seed = args.seed or 0
    if len(args.files) == 1 and args.files[0] in COMPARE_TASKS:
        setup = CompareSetup(task=args.files[0], delay=args.delay, hidden=hidden, updates=args.updates, seed=seed)
        work = setup.updates * len(COMPARE_CELLS) * setup.batch * 2 * setup.delay * 4 * hidden * hidden
        with progress(f"training an RNN, a GRU and an LSTM for {setup.updates:,} updates each", work) as report:
            total = setup.updates * len(COMPARE_CELLS)
            done = {cell: 0 for cell in COMPARE_CELLS}

            def tell(cell: str, update: int) -> None:
                done[cell] = update
                if report is not None and update % 10 == 0:
                    report(sum(done.values()), total)

            results = run_compare(setup, tell)
        sequence = example_sequence(setup.make_task())
    else:
        if any(name in COMPARE_TASKS for name in args.files):
            raise CommandError("--compare takes one task (copy or adding) or a sequence file, not both")
        inputs = load_inputs(args, warn)
        sequence = inputs.sequence
        with progress("running an RNN, a GRU and an LSTM", LONG_WORK if sequence.steps * hidden > 1e6 else 0):
            setup = CompareSetup(hidden=hidden, seed=seed)
            results = [analyse(result, sequence) for result in fresh_on_sequence(setup, sequence)]
    render_compare_figure(results, sequence, args.out, dpi=args.dpi)
    for result in results:
        accuracy = "" if result.accuracy is None else f", accuracy {100 * result.accuracy:.0f}%"
        assert result.decay is not None
        shares = (
            ""
            if result.shares is None
            else (f", update share of the first half of the steps {first_half_share(result.shares):.2%}")
        )
        print(f"{result.cell.upper()}: ||dh_T/dh_0|| = {float(result.decay[0]):.2e}{accuracy}{shares}")
    return 0


def first_half_share(shares: Any) -> float:
    """How much of an update comes from the first half of the steps (where the copy task's symbol is)."""
    return float(shares[: len(shares) // 2].sum())
