"""Benchmark: training updates per second on the copy task, our engine against the same loop in PyTorch (run by hand).

    .venv/bin/python benchmarks/train.py [--updates N] [--block N] [--cell lstm] [--wall]

One run, both sides on one thread (OpenBLAS and torch), batch 32, T = 30 (copy with delay 28), H = 32 and H = 128,
an LSTM + linear output layer, cross-entropy at the cue, Adam (lr 0.01), global-norm clipping at 1. The loop is the
whole update: batch generation, forward, loss, BPTT, clipping, optimiser step. Both sides run in float64 (the engine's
default, the precision its parity tests hold) and in float32 (torch's default); the ratios compare like with like,
and the last column sets our float64 against torch's float32. Timed in CPU time by
default (the machine may be shared), ``--wall`` for wall-clock time. The three loops take turns, ``--block``
updates at a time, so they share whatever load the machine has; prints the median updates/s over the turns and
the median of the per-turn ours/torch ratios.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from collections.abc import Callable

os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")

import numpy as np

from lstmviz.engine.optim import Adam
from lstmviz.engine.training import train
from lstmviz.io.tasks import make_task
from lstmviz.model.training import TrainingConfig, new_network

TARGETS = {32: 1.0, 128: 0.5}


def ours(cell: str, hidden: int, updates: int, dtype: type) -> Callable[[], object]:
    """One whole update of our engine per call (after 5 warm-up updates)."""
    task = make_task("copy", delay=28, seed=0)
    net = new_network(TrainingConfig(cell=cell, hidden=hidden), task).astype(dtype)
    batches = (b.__class__(b.x.astype(dtype), b.target, b.mask.astype(dtype)) for b in task.batches(32))
    steps = train(net, Adam(lr=0.01), None, batches, task.loss, updates=updates + 5, clip=1.0)
    for _ in range(5):  # warm-up
        next(steps)
    return lambda: next(steps)


def theirs(cell: str, hidden: int, dtype: type) -> Callable[[], object] | None:
    """One whole update of the same loop in torch per call (after 5 warm-up updates), or None without torch."""
    try:
        import torch
    except ImportError:
        return None
    torch.set_num_threads(1)
    torch.manual_seed(0)
    task = make_task("copy", delay=28, seed=0)
    torch_dtype = torch.float64 if dtype is np.float64 else torch.float32
    rnn = getattr(torch.nn, {"lstm": "LSTM", "gru": "GRU", "rnn": "RNN"}[cell])(
        task.input_size, hidden, batch_first=True
    ).to(torch_dtype)
    fc = torch.nn.Linear(hidden, task.output_size).to(torch_dtype)
    params = list(rnn.parameters()) + list(fc.parameters())
    opt = torch.optim.Adam(params, lr=0.01)
    batches = task.batches(32)

    def update() -> None:
        batch = next(batches)
        out, _ = rnn(torch.from_numpy(batch.x.astype(dtype)))
        y = fc(out)
        loss = torch.nn.functional.cross_entropy(y[:, -1], torch.from_numpy(batch.target[:, -1]))
        opt.zero_grad()
        loss.backward()
        torch.nn.utils.clip_grad_norm_(params, 1.0)
        opt.step()

    for _ in range(5):
        update()
    return update


def interleaved(
    contenders: dict[str, Callable[[], object]], updates: int, block: int, clock: Callable[[], float]
) -> dict[str, list[float]]:
    """Updates per second of each contender, one figure per block of ``block`` updates, the contenders taking
    turns block by block: all of them see the same load on a shared machine, so their ratios hold even when
    the machine's speed drifts during the run."""
    rates: dict[str, list[float]] = {name: [] for name in contenders}
    for _ in range(max(1, updates // block)):
        for name, update in contenders.items():
            start = clock()
            for _ in range(block):
                update()
            rates[name].append(block / (clock() - start))
    return rates


def ratio(rates: dict[str, list[float]], name: str, reference: str) -> str:
    """The median over the turns of ``name``'s rate over ``reference``'s in the same turn ("-" without torch)."""
    if reference not in rates:
        return "-"
    return f"{float(np.median(np.divide(rates[name], rates[reference]))):.2f}x"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--updates", type=int, default=300)
    parser.add_argument("--block", type=int, default=20, help="updates per turn (the contenders take turns)")
    parser.add_argument("--cell", default="lstm")
    parser.add_argument("--wall", action="store_true", help="wall-clock time instead of CPU time")
    args = parser.parse_args(argv)
    clock = time.perf_counter if args.wall else time.process_time
    print(
        f"copy task, T=30, B=32, {args.cell}, Adam, clip 1; {args.updates} timed updates each, in turns of "
        f"{args.block}; {'wall' if args.wall else 'CPU'} time; python {sys.version.split()[0]}, numpy {np.__version__}"
    )
    print("updates/s: median over the turns; ratios: median over the turns of ours / torch in the same turn")
    names = ("H", "ours f64", "torch f64", "ours f32", "torch f32", "f64/f64", "f32/f32", "f64/t.f32")
    print(f"{names[0]:>5} " + " ".join(f"{name:>10}" for name in names[1:]) + f" {'target':>7}")
    for hidden in (32, 128):
        contenders: dict[str, Callable[[], object]] = {}
        for label, dtype in (("f64", np.float64), ("f32", np.float32)):
            contenders[label] = ours(args.cell, hidden, args.updates, dtype)
            torch_update = theirs(args.cell, hidden, dtype)
            if torch_update is not None:
                contenders[f"torch {label}"] = torch_update
        rates = interleaved(contenders, args.updates, args.block, clock)
        median = {name: float(np.median(values)) for name, values in rates.items()}
        figures = [median.get(name, float("nan")) for name in ("f64", "torch f64", "f32", "torch f32")]
        ratios = (ratio(rates, "f64", "torch f64"), ratio(rates, "f32", "torch f32"), ratio(rates, "f64", "torch f32"))
        print(
            f"{hidden:>5} "
            + " ".join(f"{figure:>10.0f}" for figure in figures)
            + " "
            + " ".join(f"{r:>10}" for r in ratios)
            + f" {TARGETS[hidden]:>6.1f}x"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
