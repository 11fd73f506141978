"""How fast do sequence files load? ``python benchmarks/io.py [--rows N] [--repeat R]``.

Writes a 1,000,000-row x 4-column CSV (with a header and a ``time`` column variant), a 100,000-character text and
a JSON list of 1,000,000 rows of 2 numbers into a temporary folder, then times
:func:`lstmviz.io.sequences.load_sequence` against ``numpy.loadtxt`` and, when
installed, ``pandas.read_csv`` on the same files (pandas is used here only; lstmviz does not depend on it), and the
JSON against ``json.loads`` plus ``numpy.array`` (the Python objects lstmviz's reader avoids for files over 1 MB).
Each figure is the best of ``--repeat`` runs, in seconds.
"""

from __future__ import annotations

import argparse
import importlib
import json
import tempfile
import time
from collections.abc import Callable
from functools import partial
from pathlib import Path
from typing import Any

import numpy as np

from lstmviz.io.sequences import load_sequence


def best_of(repeat: int, run: Callable[[], Any]) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        run()
        times.append(time.perf_counter() - start)
    return min(times)


def write_csv(path: Path, rows: int, first: str | None) -> None:
    """4 random columns, after a first column ``t`` (numbers) or ``date`` (ISO days) when asked."""
    rng = np.random.default_rng(0)
    body = np.char.mod("%.6f", rng.standard_normal((rows, 4)))
    cells = [body[:, k] for k in range(4)]
    if first == "t":
        cells.insert(0, np.char.mod("%.2f", np.arange(rows) * 0.01))
    elif first == "date":
        cells.insert(0, (np.datetime64("1000-01-01") + np.arange(rows)).astype(str))
    header = ",".join(([first] if first else []) + ["a", "b", "c", "d"])
    lines = cells[0]
    for column in cells[1:]:
        lines = np.char.add(np.char.add(lines, ","), column)
    path.write_text(header + "\n" + "\n".join(lines.tolist()) + "\n", encoding="utf-8")


def write_text(path: Path, chars: int) -> None:
    words = (
        "the quick brown fox jumps over the lazy dog while seven wizards quietly hex "
        "jolly boxing frogs; how vexingly quick daft zebras jump!\n"
    )
    path.write_text((words * (chars // len(words) + 1))[:chars], encoding="utf-8")


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=1_000_000)
    parser.add_argument("--chars", type=int, default=100_000)
    parser.add_argument("--json-rows", type=int, default=1_000_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args(argv)
    try:
        pandas: Any = importlib.import_module("pandas")
    except ImportError:
        pandas = None
    with tempfile.TemporaryDirectory() as folder:
        for first in (None, "t", "date"):
            csv = Path(folder) / f"bench_{first}.csv"
            write_csv(csv, args.rows, first)
            size = csv.stat().st_size / 1e6
            print(
                f"{args.rows:,} rows x {5 if first else 4} columns CSV ({size:.1f} MB)"
                f"{f', first column {first}' if first else ''}"
            )
            seq = load_sequence(csv)
            assert seq.values.shape == (args.rows, 4)
            skip = {"skiprows": 1, "delimiter": ",", "usecols": range(1, 5) if first == "date" else None}
            results = {
                "lstmviz load_sequence": best_of(args.repeat, partial(load_sequence, csv)),
                "numpy.loadtxt" + (" (numbers only)" if first == "date" else ""): best_of(
                    args.repeat, partial(np.loadtxt, csv, **skip)
                ),
            }
            if pandas is not None:
                dates = {"parse_dates": ["date"]} if first == "date" else {}
                results["pandas.read_csv"] = best_of(
                    args.repeat, lambda csv=csv, dates=dates: pandas.read_csv(csv, **dates).to_numpy()
                )
            for name, seconds in results.items():
                print(f"  {name:<32}{seconds:8.3f} s")
        text = Path(folder) / "bench.txt"
        write_text(text, args.chars)
        seconds = best_of(args.repeat, lambda: load_sequence(text))
        seq = load_sequence(text)
        print(f"{args.chars:,}-character text -> one-hot {seq.values.shape}: load_sequence {seconds:.3f} s")
        path = Path(folder) / "bench.json"
        path.write_text(json.dumps(np.random.default_rng(0).random((args.json_rows, 2)).tolist()))
        print(f"{args.json_rows:,} rows x 2 numbers JSON ({path.stat().st_size / 1e6:.1f} MB)")
        for name, run in (
            ("lstmviz load_sequence", lambda: load_sequence(path)),
            ("json.loads + numpy.array", lambda: np.array(json.loads(path.read_text()))),
        ):
            print(f"  {name:<32}{best_of(args.repeat, run):8.3f} s")


if __name__ == "__main__":
    main()
