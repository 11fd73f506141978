"""Benchmark: peak memory (RSS) of long traces in the app and on the command line (run by hand; prints figures).

    .venv/bin/python benchmarks/memory.py [--cases app:100000x256,cli:100000x256,app:1000000x64,...]

Each case runs in a fresh subprocess (Linux), so one case's peak is not another's, and reports the process's peak
resident set size (``VmHWM``):

  app:TxH   the real MainWindow (offscreen), an LSTM with H units and one input; the sequence of T steps is
            opened as a user opens a file (``document.set_sequence``, so the trace is computed by the background
            runner), then the event loop runs until the whole trace is in and painted, then 20 steps are played
            (the step moved and painted) and the last step is shown.
  edit:TxH  as app, then one weight edit recomputes the whole trace (the old one is shown until the new one fills).
  grad:TxH  as app, then the BPTT gradients the Gradients view shows (loss on the sum of the last h).
  cli:TxH   ``lstmviz trace SEQ.npy --weights W.npz --out trace.npz`` (in-process ``main``) on the same input.
  base      the app with the bundled demo, for the fixed cost of Python, Qt and pyqtgraph.

The trace alone (float64, every gate and state) is ``T x H x 8 bytes x 6`` for an LSTM; the figure printed beside
each case is that size, so the ratio says how many copies the process holds.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile

DEFAULT_CASES = "base,app:20000x256,app:100000x256,edit:100000x256,cli:100000x256,app:1000000x64,cli:1000000x64"

CHILD = r"""
import os, sys, time
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(var, "1")
import numpy as np

kind, steps, hidden, folder = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), sys.argv[4]
t = np.linspace(0.0, steps / 25.0, steps)
values = np.sin(t) * (0.6 + 0.4 * np.sin(t / 7))

def peak_mb():
    # VmHWM, not ru_maxrss: Linux keeps ru_maxrss across exec, so it could count the parent's peak
    with open("/proc/self/status") as status:
        return next(int(line.split()[1]) for line in status if line.startswith("VmHWM:")) / 1024.0

if kind == "cli":
    from lstmviz.cli.main import main
    from lstmviz.engine.network import Network
    from lstmviz.io.weights import save_weights

    seq, weights, out = (os.path.join(folder, name) for name in ("seq.npy", "w.npz", "trace.npz"))
    np.save(seq, values)
    save_weights(Network.random("lstm", 1, hidden, seed=0), weights)
    before = peak_mb()
    code = main(["trace", seq, "--weights", weights, "--out", out])
    print(f"RESULT {peak_mb():.0f} {before:.0f} {code}")
    sys.exit(0)

from PySide6.QtCore import QEvent, QEventLoop, QObject
from PySide6.QtWidgets import QApplication
import pyqtgraph as pg
from lstmviz.engine.network import Network
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document

app = QApplication.instance() or QApplication([])
pg.setConfigOptions(imageAxisOrder="row-major")
from lstmviz.gui.main_window import MainWindow

class Paints(QObject):
    count = 0
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint:
            Paints.count += 1
        return False

def run_until(condition, timeout):
    end = time.monotonic() + timeout
    while not condition() and time.monotonic() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 20)
        time.sleep(0.001)
    return condition()

def settle():
    for _ in range(5):
        Paints.count = 0
        run_until(lambda: False, 0.05)
        if Paints.count == 0:
            return

if kind == "base":
    from lstmviz.gui.app import default_document
    doc = default_document()
else:
    doc = Document(Network.random("lstm", 1, hidden, seed=0), SequenceData(values[:100]))
paints = Paints()
app.installEventFilter(paints)
window = MainWindow(doc, persist=False)
window.resize(1600, 1000)
window.show()
settle()
before = peak_mb()
if kind != "base":
    doc.set_sequence(SequenceData(values), "Open")
    ok = run_until(lambda: doc.trace_steps_ready == steps and not doc.compute.busy(), 1800)
    if not ok:
        print("RESULT 0 0 1")
        sys.exit(1)
settle()
for _ in range(20):
    doc.set_step(doc.step + 1)
    settle()
doc.set_step(doc.steps - 1)
settle()
if kind == "grad":
    from lstmviz.model.compute_kinds import gradients_request
    doc.compute.request("gradients", gradients_request("h-last-sum"))
    ok = run_until(lambda: doc.compute.result("gradients") is not None and not doc.compute.busy(), 1800)
    settle()
if kind == "edit":
    doc.set_weight("weight_hh_l0", (0, 0), float(doc.network.params["weight_hh_l0"][0, 0]) + 0.1)
    ok = run_until(lambda: doc.trace_steps_ready == steps and not doc.compute.busy(), 1800)
    settle()
print(f"RESULT {peak_mb():.0f} {before:.0f} 0", flush=True)
os._exit(0)  # no close: quitting may ask about unsaved work
"""


def trace_mb(steps: int, hidden: int) -> float:
    """The float64 LSTM trace: six (T, H) arrays (i, f, g, o, c, h)."""
    return steps * hidden * 8 * 6 / 2**20


def run_case(case: str, cwd: str | os.PathLike[str] | None = None) -> tuple[float, float, int]:
    """(peak MB, MB before the long sequence was opened, exit code) of one case in a fresh process (run in ``cwd``,
    so a checkout's own package is the one imported)."""
    kind, _, size = case.partition(":")
    steps, hidden = (int(v) for v in size.split("x")) if size else (0, 0)
    env = dict(os.environ, XDG_CONFIG_HOME=tempfile.mkdtemp(prefix="lstmviz-mem-"))
    with tempfile.TemporaryDirectory(prefix="lstmviz-mem-") as folder:
        done = subprocess.run(
            [sys.executable, "-c", CHILD, kind, str(steps), str(hidden), folder],
            capture_output=True,
            text=True,
            env=env,
            cwd=cwd,
            check=False,
        )
    for line in done.stdout.splitlines():
        if line.startswith("RESULT "):
            peak, before, code = line.split()[1:]
            return float(peak), float(before), int(code)
    sys.stderr.write(done.stderr[-2000:])
    return 0.0, 0.0, done.returncode or 1


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--cases", default=DEFAULT_CASES, help=f"comma-separated cases (default: {DEFAULT_CASES})")
    args = parser.parse_args(argv)
    print("| case | T | H | float64 trace MB | peak RSS MB | before opening MB | peak / trace |")
    print("|---|---|---|---|---|---|---|")
    for case in args.cases.split(","):
        peak, before, code = run_case(case)
        kind, _, size = case.partition(":")
        steps, hidden = (int(v) for v in size.split("x")) if size else (0, 0)
        trace = trace_mb(steps, hidden)
        ratio = f"{peak / trace:.2f}" if trace else "-"
        status = "" if code == 0 else f" (failed, exit {code})"
        row = f"| {kind}{status} | {steps:,} | {hidden} | {trace:.0f} | {peak:.0f} | {before:.0f} | {ratio} |"
        print(row, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
