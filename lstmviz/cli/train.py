"""``lstmviz train``: train a network on a task or on the user's own sequence, and save it for lstmviz and PyTorch.

The saved file holds ``rnn.weight_ih_l0``, ... and ``fc.weight``, ``fc.bias``: it loads with ``load_state_dict``
into a module with ``self.rnn = nn.LSTM(I, H, L, batch_first=True)`` and ``self.fc = nn.Linear(H, O)``. A
next-value model is saved in the sequence's own units (its normalisation folded into the weights).
"""

from __future__ import annotations

import argparse
import sys
import time
from collections.abc import Callable
from typing import Any, TextIO

from ..engine.spec import RNN_ACTIVATIONS, cell_kinds
from . import options, seq2seq_train
from .errors import CommandError

TASK_HELP = """tasks:
  copy        recall a symbol (one of --symbols, default 8) shown at step 0 after --delay blank steps (default 20)
  adding      output the sum of the two marked values in a noisy sequence of --length steps (default 50)
  next-value  a numeric SEQUENCE file: predict --horizon steps ahead from windows of --window steps
  next-char   a text SEQUENCE file (or --text): predict the next character, then sample new text
  reverse     encoder-decoder: write --length (8) of --symbols (10) symbols back to front
  sort        encoder-decoder: write --length (8) digits (--symbols, 10) in ascending order
A SEQUENCE file trains next-value, or next-char when it is text; with --forecast an encoder-decoder forecast.

example: lstmviz train copy --delay 20 --cell lstm --hidden 32 --steps 2000 --out copy.safetensors"""


def add_parser(sub: Any, command: Callable[..., argparse.ArgumentParser]) -> None:
    """Register ``train`` on the subcommand parser (``command`` is main's parser factory)."""
    parser = command(
        sub,
        "train",
        run_train,
        "train a network on a task or a sequence and save it",
        "Train an RNN, GRU or LSTM (plus a linear output layer) on TASK or SEQUENCE.\n\n" + TASK_HELP,
    )
    parser.add_argument("source", metavar="TASK-or-SEQUENCE", help="copy, adding, or a sequence file")
    net = parser.add_argument_group("the network")
    net.add_argument("--cell", choices=cell_kinds(), default="lstm", help="cell type (default: lstm)")
    net.add_argument("--hidden", type=options.positive_int, default=32, metavar="N", help="hidden units (default: 32)")
    net.add_argument("--layers", type=options.positive_int, default=1, metavar="N", help="stacked layers (default: 1)")
    net.add_argument("--activation", choices=RNN_ACTIVATIONS, default="tanh", help="vanilla RNN activation")
    net.add_argument(
        "--forget-bias",
        type=float,
        default=2.0,
        metavar="B",
        help="LSTM forget-gate bias at the start (default: 2; 'nan' keeps PyTorch's initial biases)",
    )
    run = parser.add_argument_group("training")
    run.add_argument(
        "--steps", type=options.positive_int, default=2000, metavar="N", help="optimiser updates (default: 2000)"
    )
    run.add_argument("--batch", type=options.positive_int, default=32, metavar="N", help="batch size (default: 32)")
    run.add_argument(
        "--lr",
        type=options.positive_float,
        default=None,
        metavar="RATE",
        help="learning rate (default: 0.001, PyTorch's; 0.01 for an encoder-decoder)",
    )
    run.add_argument("--optimizer", choices=("adam", "sgd"), default="adam", help="optimiser (default: adam)")
    run.add_argument("--momentum", type=float, default=0.9, metavar="M", help="SGD momentum (default: 0.9)")
    run.add_argument(
        "--clip",
        type=float,
        default=1.0,
        metavar="NORM",
        help="clip the gradient to this global norm (default: 1; 0 turns clipping off)",
    )
    run.add_argument("--tbptt", type=options.positive_int, metavar="K", help="truncated BPTT over K steps")
    run.add_argument("--seed", type=options.non_negative_int, default=0, metavar="N", help="random seed (default: 0)")
    run.add_argument(
        "--dtype",
        choices=("float64", "float32"),
        default="float64",
        help="arithmetic precision (default: float64; float32 is about twice as fast)",
    )
    run.add_argument(
        "--validate-every",
        type=options.positive_int,
        default=100,
        metavar="N",
        help="score on the validation data every N updates (default: 100)",
    )
    task = parser.add_argument_group("the task")
    task.add_argument("--task", choices=("next-value", "next-char"), help="what to train on a SEQUENCE file")
    task.add_argument("--delay", type=options.non_negative_int, metavar="N", help="copy: blank steps (default: 20)")
    task.add_argument("--symbols", type=options.positive_int, metavar="K", help="copy: symbols (default: 8)")
    task.add_argument("--length", type=options.positive_int, metavar="T", help="adding: sequence length (50)")
    task.add_argument(
        "--window",
        type=options.positive_int,
        metavar="L",
        help="next-value/char: window (default: 50, or the longest a short sequence allows)",
    )
    task.add_argument("--horizon", type=options.positive_int, metavar="H", help="next-value: steps ahead (1)")
    task.add_argument("--columns", type=options.name_list, metavar="NAME,...", help="columns of a table to use")
    task.add_argument("--text", action="store_true", help="read SEQUENCE as characters (next-char)")
    task.add_argument(
        "--sample",
        type=options.non_negative_int,
        default=200,
        metavar="N",
        help="next-char: characters of sampled text to print after training (default: 200)",
    )
    out = parser.add_argument_group("output")
    out.add_argument("--out", required=True, metavar="FILE.safetensors|FILE.npz", help="where to save the weights")
    out.add_argument("--log", metavar="FILE.csv", help="write the loss curve (every update) as CSV")
    seq2seq_train.add_options(parser)


def _task(args: argparse.Namespace) -> Any:
    from ..io.task_series import DEFAULT_WINDOW, longest_window
    from ..io.tasks import TASKS, make_task

    opts = {
        "delay": args.delay,
        "symbols": args.symbols,
        "length": args.length,
        "window": args.window,
        "horizon": args.horizon,
        "seed": args.seed,
    }
    if args.source in ("copy", "adding"):
        return make_task(args.source, **opts)
    if args.source in TASKS:
        raise CommandError(
            f"the {args.source} task trains on a sequence file: give the file instead of "
            f"{args.source!r} (and --task {args.source} if needed)"
        )
    from .inputs import read_sequence

    sequence = read_sequence(args.source, args)
    name = args.task or ("next-char" if sequence.vocabulary is not None else "next-value")
    if args.window is None:  # the default window, shortened to what a short sequence allows
        ahead = 1 if name == "next-char" else (args.horizon or 1)
        fits = longest_window(sequence.steps, ahead)
        if 1 <= fits < DEFAULT_WINDOW:
            opts["window"] = fits
            print(
                f"lstmviz: windows of {fits} steps, the longest the last 20% of {sequence.steps:,} steps allows "
                f"(--window sets it)",
                file=sys.stderr,
            )
    return make_task(name, sequence, **opts)


class _Bar:
    """A one-line progress bar with the current loss, on stderr when it is a terminal."""

    def __init__(self, total: int, stream: TextIO) -> None:
        self.total, self.stream, self.last = total, stream, 0.0
        self.shown = stream.isatty() if hasattr(stream, "isatty") else False
        self.start = time.perf_counter()

    def update(self, done: int, loss: float) -> None:
        now = time.perf_counter()
        if not self.shown or (now - self.last < 0.1 and done < self.total):
            return
        self.last = now
        width = 30
        filled = width * done // self.total
        rate = done / max(now - self.start, 1e-9)
        self.stream.write(
            f"\rlstmviz: training [{'#' * filled}{'.' * (width - filled)}] {done}/{self.total} "
            f"loss {loss:.4g}  {rate:.0f} updates/s "
        )
        self.stream.flush()

    def close(self) -> None:
        if self.shown:
            self.stream.write("\n")
            self.stream.flush()


def run_train(args: argparse.Namespace, warn: Callable[[str], None]) -> int:
    import math

    from ..io.training_log import write_loss_csv
    from ..io.weights import save_weights
    from ..model.training import DEFAULT_LR, TrainingConfig, evaluate, run_training, smoothed

    if seq2seq_train.applies(args):
        return seq2seq_train.run(args, warn)
    task = _task(args)
    if args.clip < 0:
        raise CommandError(f"--clip must be positive (or 0 for no clipping), not {args.clip}")
    config = TrainingConfig(
        cell=args.cell,
        hidden=args.hidden,
        layers=args.layers,
        activation=args.activation,
        updates=args.steps,
        batch=args.batch,
        lr=DEFAULT_LR if args.lr is None else args.lr,
        optimizer=args.optimizer,
        momentum=args.momentum,
        clip=args.clip or None,
        tbptt=args.tbptt,
        seed=args.seed,
        forget_bias=None if math.isnan(args.forget_bias) else args.forget_bias,
        validate_every=args.validate_every,
        dtype=args.dtype,
    )
    bar = _Bar(config.updates, sys.stderr)
    rows: list[tuple[Any, ...]] = []
    losses: list[float] = []
    network = None
    progress = None
    interrupted = False
    try:
        for progress in run_training(config, task):
            network = progress.network
            losses.append(progress.metrics.loss)
            val = progress.validation
            rows.append(
                (
                    progress.metrics.update,
                    progress.metrics.loss,
                    progress.metrics.grad_norm,
                    "" if val is None else val.loss,
                    "" if val is None else val.accuracy,
                    "" if progress.train_accuracy is None else progress.train_accuracy,
                )
            )
            bar.update(progress.metrics.update, smoothed(losses))
    except KeyboardInterrupt:
        interrupted = True
    finally:
        bar.close()
    if network is None or progress is None:
        warn("interrupted before the first update; nothing saved")
        return 130
    save_weights(task.export(network), args.out, recurrent_prefix="rnn.")
    if args.log:
        write_loss_csv(args.log, rows, ("update", "loss", "grad_norm", "val_loss", "val_accuracy", "train_accuracy"))
    final_train = evaluate(network, task, next(task.batches(max(config.batch, 256), args.seed + 1)))
    final_val = evaluate(network, task)
    if task.name == "next-char" and args.sample:
        from ..io.task_series import sample_text

        text = sample_text(
            task.export(network), task.vocabulary, "".join(task.vocabulary[:1]), args.sample, seed=args.seed
        )
        print(f"sampled text: {text!r}")
    done = progress.metrics.update
    state = f"interrupted after {done} of {config.updates} updates" if interrupted else f"{done} updates"
    print(f"saved {args.out}; {task.describe()}, {config.cell} H={config.hidden}, {state}")
    print(
        f"final: train loss {final_train.loss:.4g}, validation loss {final_val.loss:.4g}; {task.accuracy_name} "
        f"train {100 * final_train.accuracy:.1f}%, validation {100 * final_val.accuracy:.1f}%"
    )
    return 130 if interrupted else 0
