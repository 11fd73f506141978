"""Measure the encoder-decoder bottleneck and draw docs/seq2seq_bottleneck.png (run by hand, about a minute).

Two measurements, printed as tables (the numbers in docs/seq2seq.md come from this script):

1. beyond the trained length: LSTM encoder-decoders of two context sizes learn to reverse sources of 1 to 8 of 10
   symbols (a length drawn per batch; Adam lr 0.01, batch 32, clip 1, seed 0), then decode fresh sources of 1 to
   24 tokens free-running; the figure is this curve;
2. at the trained length: one small model (H=16) trained and tested at each length 4, 8, 12, 16, so nothing but the
   fixed context limits it.

    .venv/bin/python scripts/measure_bottleneck.py [--updates N] [--out FILE.png]
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

import numpy as np

from lstmviz.engine.optim import make_optimizer
from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.engine.seq2seq_train import train_seq2seq
from lstmviz.io.seq2seq_bottleneck import measure_bottleneck
from lstmviz.io.seq2seq_figures import render_bottleneck_figure
from lstmviz.io.seq2seq_tasks import make_task

ROOT = Path(__file__).resolve().parents[1]
LENGTHS = [1, 2, 4, 6, 8, 10, 12, 14, 16, 20, 24]


def train_reverse(hidden: int, updates: int, lengths: tuple[int, int]) -> Seq2Seq:
    """Reverse 10 symbols, each batch's length drawn from ``lengths`` (inclusive)."""
    task = make_task("reverse", 10)
    model = Seq2Seq.random(
        "lstm", hidden, 1, vocab_size=task.vocab_size, embed_size=16, seed=0, output_activation="identity"
    )
    rng = np.random.default_rng(0)
    batches = (task.batch(rng, 32, int(rng.integers(lengths[0], lengths[1] + 1))) for _ in range(updates))
    for trained, _, _ in train_seq2seq(model, make_optimizer("adam", 0.01), None, batches, updates=updates, clip=1.0):
        model = trained
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=1500)
    parser.add_argument("--out", default=str(ROOT / "docs" / "seq2seq_bottleneck.png"))
    args = parser.parse_args()
    curves = []
    for hidden in (16, 64):
        start = time.perf_counter()
        model = train_reverse(hidden, args.updates, (1, 8))
        curve = measure_bottleneck(model, make_task("reverse", 10), LENGTHS, samples=500, seed=1, trained_length=8)
        curves.append(curve)
        print(
            f"H={hidden}, context {curve.context_size} numbers, {args.updates} updates "
            f"({time.perf_counter() - start:.0f} s)"
        )
        print("  length    " + " ".join(f"{n:>5}" for n in curve.lengths))
        print("  per token " + " ".join(f"{a:5.3f}" for a in curve.token_accuracy))
        print("  sequence  " + " ".join(f"{a:5.3f}" for a in curve.sequence_accuracy))
    render_bottleneck_figure(curves, args.out)
    print(f"wrote {args.out}")
    print("H=16 trained and tested at each length (context 32 numbers):")
    for length in (4, 8, 12, 16):
        model = train_reverse(16, args.updates, (length, length))
        point = measure_bottleneck(model, make_task("reverse", 10), [length], samples=500, seed=1)
        print(
            f"  length {length:>2}: per token {point.token_accuracy[0]:.3f}, "
            f"whole sequence {point.sequence_accuracy[0]:.3f}"
        )


if __name__ == "__main__":
    main()
