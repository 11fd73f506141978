"""Plot export of a long trace: 10,000 steps x 128 units (issue 3, part 7). Run by hand:

    .venv/bin/python benchmarks/export.py [--steps 10000] [--hidden 128] [--repeat 3]

Prints, per format (PNG, SVG, PDF) and per panel set (``gates``: 4 heatmaps; ``all``: 6 heatmaps + grad curves),
the best wall time of ``render_trace_figure`` over the repeats and the file size. matplotlib's first import is
timed separately (a one-off cost of the first export in a process).
"""

from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

import numpy as np

from lstmviz.engine.network import Network
from lstmviz.io.figures import render_trace_figure
from lstmviz.io.sequence_data import SequenceData


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--steps", type=int, default=10_000)
    parser.add_argument("--hidden", type=int, default=128)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()

    start = time.perf_counter()
    import matplotlib.figure  # noqa: F401  (the one-off import the first export pays)

    import_time = time.perf_counter() - start
    x = np.sin(np.arange(args.steps)[:, None] / np.array([17.0, 31.0, 53.0, 97.0]))
    sequence = SequenceData(values=x, source="benchmark")
    network = Network.random("lstm", 4, args.hidden, seed=0)
    start = time.perf_counter()
    trace = network.run(x)
    trace_time = time.perf_counter() - start
    grads = network.bptt(x, trace=trace)
    print(
        f"trace: {args.steps:,} steps x {args.hidden} units, LSTM; engine run {trace_time:.2f} s; "
        f"matplotlib import {import_time:.2f} s"
    )
    print(f"{'panels':<8} {'format':<6} {'best time':>10} {'size':>10}")
    with tempfile.TemporaryDirectory() as folder:
        for show in ("gates", "all"):
            for fmt in ("png", "svg", "pdf"):
                out = Path(folder) / f"figure.{fmt}"
                times = []
                for _ in range(args.repeat):
                    start = time.perf_counter()
                    render_trace_figure(
                        trace, sequence, network, out, show=show, units=[0, 5], grads=grads if show == "all" else None
                    )
                    times.append(time.perf_counter() - start)
                print(f"{show:<8} {fmt:<6} {min(times):>8.2f} s {out.stat().st_size / 1e6:>7.2f} MB")


if __name__ == "__main__":
    main()
