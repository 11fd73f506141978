"""``lstmviz train reverse|sort`` and ``lstmviz train SEQUENCE --forecast``: train an encoder-decoder and save it.

The training command hands over here (:func:`applies`); the shared options (--cell, --hidden, --layers, --steps,
--batch, --lr, --optimizer, --clip, --seed, --symbols, --length, --window, --horizon, --out) mean what they mean
there. The file is saved in the seq2seq layout (``encoder.*``, ``decoder.*``, ``fc.*``, ``embed.weight``).
"""

from __future__ import annotations

import argparse
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np

from .errors import CommandError
from .options import positive_int

SEQ2SEQ_TASKS: tuple[str, ...] = ("reverse", "sort")


def add_options(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group(
        "encoder-decoder tasks", "TASK reverse or sort (tokens), or a SEQUENCE file with --forecast (numbers)"
    )
    group.add_argument(
        "--forecast",
        action="store_true",
        help="train an encoder-decoder on SEQUENCE: encode --window steps, decode the next --horizon",
    )
    group.add_argument("--embed", type=positive_int, metavar="E", help="token embedding width (default: one-hot)")
    group.add_argument(
        "--bottleneck",
        metavar="FIG.png",
        help="after training on reverse or sort, draw accuracy "
        "against source length (1 to 3x the trained length) with the context size",
    )


def applies(args: argparse.Namespace) -> bool:
    return args.source in SEQ2SEQ_TASKS or bool(getattr(args, "forecast", False))


def _forever(draw: Callable[[], Any]) -> Iterator[Any]:
    while True:
        yield draw()


def run(args: argparse.Namespace, warn: Callable[[str], None]) -> int:
    from ..engine.optim import make_optimizer
    from ..engine.seq2seq import Seq2Seq
    from ..engine.seq2seq_batch import decode_free, loss_and_gradients
    from ..engine.seq2seq_train import train_seq2seq
    from ..io.seq2seq_tasks import forecast_windows, make_task, token_accuracy
    from ..io.seq2seq_weights import save_seq2seq
    from ..model.seq2seq_training import SEQ2SEQ_LR

    if not str(args.out).lower().endswith((".safetensors", ".npz", ".pt")):
        raise CommandError(f"{args.out}: save an encoder-decoder as .safetensors, .npz or .pt")
    rng = np.random.default_rng(args.seed)
    dtype = np.float32 if args.dtype == "float32" else np.float64
    options = {"init": "pytorch", "nonlinearity": args.activation, "seed": args.seed, "dtype": dtype}
    if args.forecast:
        from .inputs import read_sequence

        data = forecast_windows(read_sequence(args.source, args).values, args.window or 24, args.horizon or 6)
        width = data.train.source.shape[2]
        model = Seq2Seq.random(args.cell, args.hidden, args.layers, input_size=width, **options)
        train = data.train

        def draw() -> Any:
            rows = rng.integers(0, train.size, min(args.batch, train.size))
            return type(train)(train.source[rows], train.target[rows], train.mask[rows])

        describe = f"forecast {data.train.target.shape[1]} steps from {data.train.source.shape[1]}"
    else:
        task = make_task(args.source, args.symbols or 10)
        length = args.length or 8
        model = Seq2Seq.random(
            args.cell,
            args.hidden,
            args.layers,
            vocab_size=task.vocab_size,
            embed_size=args.embed,
            output_activation="identity",
            **options,
        )

        def draw() -> Any:
            return task.batch(rng, args.batch, length)

        describe = f"{args.source} {length} of {task.vocab_size - 1} symbols"
    rate = SEQ2SEQ_LR if args.lr is None else args.lr
    optimizer = make_optimizer(args.optimizer, rate, **({"momentum": args.momentum} if args.optimizer == "sgd" else {}))
    metrics = None
    for trained, _, last in train_seq2seq(
        model, optimizer, None, _forever(draw), updates=args.steps, clip=args.clip or None
    ):
        model, metrics = trained, last
    save_seq2seq(model, args.out)
    assert metrics is not None
    print(f"saved {args.out}; {describe}, {model.describe()}, {metrics.update} updates, last loss {metrics.loss:.4g}")
    if args.forecast:
        check = loss_and_gradients(model, data.validation.source, data.validation.target)
        print(
            f"validation (the last {len(data.validation.source)} windows, after the split): mse {check.loss:.4g} "
            "in normalised units (teacher forcing)"
        )
        return 0
    held_out = task.batch(np.random.default_rng(args.seed + 1), 500, length)
    accuracy = token_accuracy(decode_free(model, held_out.source, length), held_out.target)
    print(f"held-out per-token accuracy, free-running: {100 * accuracy:.1f}%")
    if args.bottleneck:
        from ..io.seq2seq_bottleneck import default_lengths, measure_bottleneck
        from ..io.seq2seq_figures import render_bottleneck_figure

        lengths = default_lengths(length)
        curve = measure_bottleneck(model, task, lengths, samples=200, seed=args.seed + 2, trained_length=length)
        render_bottleneck_figure(curve, args.bottleneck)
        print(
            f"wrote {args.bottleneck}: context {curve.context_size} numbers; per-token accuracy "
            + ", ".join(f"{n}: {a:.2f}" for n, a in zip(curve.lengths, curve.token_accuracy, strict=True))
        )
    return 0
