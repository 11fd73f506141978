"""Benchmark: the engine's full trace and BPTT against PyTorch, batch 1, in one process (run by hand).

    .venv/bin/python benchmarks/engine.py [--quick] [--cells lstm,gru,rnn] [--blas-threads N]

For each (D, H, T) it times, best of a few runs:
  trace     our float64 forward with every gate recorded (Network.run)
  cellloop  torch float32, one thread: the Cell equations per step recording every gate (what a user would write,
            since nn.LSTMCell does not expose its gates)
  fused     torch float32 nn.LSTM/GRU/RNN (records no gates)
  bptt      our float64 forward + backward, every parameter gradient (jacobian="none"), and with the default
            Jacobian-norm curve (bptt+J)
  autograd  torch float32 fused module forward + backward of h_T.sum()
and prints the ratios the targets are stated in. Both sides run on one thread by default (``--blas-threads 0`` lets
OpenBLAS use its default threads), timed in CPU time (``--wall`` for wall-clock time).
"""

from __future__ import annotations

import argparse
import os
import platform
import sys
import time
import tracemalloc
from collections.abc import Callable
from functools import partial

SIZES = [(8, 32, 1000), (16, 128, 1000), (32, 256, 2000), (64, 512, 1000), (8, 32, 100000)]


CLOCK = time.process_time
"""CPU time of this process: with one thread on each side it is the single-core time, and unlike wall time it
hardly moves when other programs share the machine. ``--wall`` switches to time.perf_counter."""


def best_of(fn: Callable[[], object], repeats: int) -> float:
    best = float("inf")
    for _ in range(repeats):
        start = CLOCK()
        fn()
        best = min(best, CLOCK() - start)
    return best


def torch_cell_loop(torch: object, cell: str, module: object, x: object) -> list[object]:
    """The per-step loop a PyTorch user writes to see the gates, with the module's own parameters."""
    import torch as th
    from torch.nn import functional as F

    w_ih, w_hh = module.weight_ih_l0, module.weight_hh_l0  # type: ignore[attr-defined]
    b_ih, b_hh = module.bias_ih_l0, module.bias_hh_l0  # type: ignore[attr-defined]
    hidden = w_hh.shape[1]
    h = th.zeros(1, hidden)
    c = th.zeros(1, hidden)
    record = []
    with th.no_grad():
        for x_t in x:  # type: ignore[attr-defined]
            gi = F.linear(x_t, w_ih, b_ih)
            gh = F.linear(h, w_hh, b_hh)
            if cell == "lstm":
                i, f, g, o = (gi + gh).chunk(4, 1)
                i, f, g, o = i.sigmoid(), f.sigmoid(), g.tanh(), o.sigmoid()
                c = f * c + i * g
                h = o * c.tanh()
                record.append((i, f, g, o, c, h))
            elif cell == "gru":
                ir, iz, i_n = gi.chunk(3, 1)
                hr, hz, h_n = gh.chunk(3, 1)
                r, z = (ir + hr).sigmoid(), (iz + hz).sigmoid()
                n = (i_n + r * h_n).tanh()
                h = n + z * (h - n)
                record.append((r, z, n, h))
            else:
                h = (gi + gh).tanh()
                record.append((h,))
    return record


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="one run each, and skip T = 100,000")
    parser.add_argument("--cells", default="lstm,gru,rnn")
    parser.add_argument("--sizes", default=None, help="e.g. 32x256x2000,64x512x1000 (D x H x T)")
    parser.add_argument("--blas-threads", type=int, default=1, help="NumPy's BLAS threads (0: NumPy's default)")
    parser.add_argument("--wall", action="store_true", help="time wall clock instead of CPU time")
    args = parser.parse_args(argv)
    global CLOCK
    if args.wall:
        CLOCK = time.perf_counter
    if args.blas_threads:
        os.environ["OPENBLAS_NUM_THREADS"] = os.environ["OMP_NUM_THREADS"] = str(args.blas_threads)
    import numpy as np
    import torch

    from lstmviz.engine import Network

    torch.set_num_threads(1)
    print(
        f"# {platform.processor() or platform.machine()}, {os.cpu_count()} CPUs, Python {sys.version.split()[0]}, "
        f"NumPy {np.__version__}, torch {torch.__version__} (1 thread), NumPy BLAS threads: "
        f"{args.blas_threads or 'default'}, clock: {'wall' if args.wall else 'CPU time'}"
    )
    header = (
        "cell",
        "D",
        "H",
        "T",
        "trace ms",
        "us/step",
        "cellloop ms",
        "fused ms",
        "trace/cellloop",
        "trace/fused",
        "bptt ms",
        "bptt+J ms",
        "autograd ms",
        "bptt/autograd",
        "peak/trace mem",
    )
    print("| " + " | ".join(header) + " |")
    print("|" + "---|" * len(header))
    rng = np.random.default_rng(0)
    sizes = SIZES if not args.sizes else [tuple(int(v) for v in s.split("x")) for s in args.sizes.split(",")]
    for cell in args.cells.split(","):
        for d, h, t in sizes:
            if args.quick and t > 10_000:
                continue
            repeats = 1 if args.quick or t > 10_000 else 3
            net = Network.random(cell, d, h, 1, seed=0)
            x = rng.standard_normal((t, d))
            net.run(x[:50])
            ours = best_of(partial(net.run, x), repeats)
            tracemalloc.start()
            trace = net.run(x)
            peak = tracemalloc.get_traced_memory()[1] / trace.nbytes()
            tracemalloc.stop()
            del trace
            module = {"lstm": torch.nn.LSTM, "gru": torch.nn.GRU, "rnn": torch.nn.RNN}[cell](d, h)
            xt = torch.tensor(x, dtype=torch.float32)[:, None, :]
            with torch.no_grad():
                module(xt[:50])
            fused = best_of(partial(_no_grad, torch, module, xt), repeats)
            loop = best_of(partial(torch_cell_loop, torch, cell, module, xt), repeats)
            bptt = best_of(partial(net.bptt, x, jacobian="none"), repeats)
            bptt_j = best_of(partial(net.bptt, x), 1)
            autograd = best_of(partial(_autograd, module, xt), repeats)
            row = (
                cell,
                d,
                h,
                t,
                f"{ours * 1e3:.1f}",
                f"{ours / t * 1e6:.2f}",
                f"{loop * 1e3:.1f}",
                f"{fused * 1e3:.1f}",
                f"{ours / loop:.2f}",
                f"{ours / fused:.2f}",
                f"{bptt * 1e3:.1f}",
                f"{bptt_j * 1e3:.1f}",
                f"{autograd * 1e3:.1f}",
                f"{bptt / autograd:.2f}",
                f"{peak:.2f}",
            )
            print("| " + " | ".join(str(v) for v in row) + " |", flush=True)


def _no_grad(torch: object, module: object, xt: object) -> object:
    import torch as th

    with th.no_grad():
        return module(xt)  # type: ignore[operator]


def _autograd(module: object, xt: object) -> None:
    module.zero_grad()  # type: ignore[attr-defined]
    output, _ = module(xt)  # type: ignore[operator]
    output[-1].sum().backward()


if __name__ == "__main__":
    main()
