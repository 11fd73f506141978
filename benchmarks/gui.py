"""Benchmark: the desktop app's responsiveness (run by hand; prints figures).

    .venv/bin/python benchmarks/gui.py [--sections startup,edit,big,play,train,open] [--window main|plain] [--repeat N]

Sections:
  startup  process start -> first paint event of the main window (``run_app`` in a fresh ``python -c``), against a
           bare PySide6 QMainWindow with pyqtgraph imported; median of --repeat runs each.
  edit     H=64, T=1,000 (recomputed inline): weight edit -> every view redrawn (the edit call, then
           ``processEvents`` until a pass paints nothing); the views that painted are listed.
  big      H=256, T=10,000 through the background runner: the engine's own trace time; one edit -> first redraw of the
           visible steps (heatmaps showing steps 0..2,000) and -> whole trace drawn; a slider drag (an edit every
           16 ms) -> how many generations delivered, the latest's finish time, and the longest event-loop stall
           (gaps of a 5 ms heartbeat timer).
  play     frames per second while playing at H=256 (T=10,000): step changes painted per second.
  train    the Train panel runs the copy task (delay 20, LSTM H=32, 1,000 updates) in the real MainWindow: the time
           Start takes (it loads the task's network and example), then the longest event-loop stall while training
           (target < 50 ms), the heatmaps' repaint intervals and how often the views were fed new weights (target
           <= 10 a second).

``--window main`` (default when it imports) measures the real MainWindow with every view; ``plain`` puts only the
heatmaps, unit plots and playback bar in a bare QMainWindow. The Qt platform is offscreen unless QT_QPA_PLATFORM
says otherwise; settings go to a temporary folder. The machine's load matters: the engine time is measured in the
same run so the ratios stay meaningful.
"""

from __future__ import annotations

import argparse
import os
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Callable
from typing import Any

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")  # as the ``lstmviz`` command sets it (lstmviz/cli/__init__.py)
os.environ.setdefault("XDG_CONFIG_HOME", tempfile.mkdtemp(prefix="lstmviz-bench-"))

FIRST_PAINT_HOOK = """
import os, sys, time
from PySide6.QtCore import QEvent, QObject
from PySide6.QtWidgets import QApplication
class FirstPaint(QObject):
    def __init__(self, name):
        super().__init__()
        self.name = name
    def eventFilter(self, obj, event):
        if event.type() == QEvent.Type.Paint and obj.metaObject().className() == self.name:
            print("painted", flush=True)
            os._exit(0)
        return False
"""

STARTUP_APP = (
    FIRST_PAINT_HOOK
    + """
from lstmviz.gui.app import create_application, run_app
app = create_application()
hook = FirstPaint("MainWindow")
app.installEventFilter(hook)
run_app([])
"""
)

STARTUP_BARE = (
    FIRST_PAINT_HOOK
    + """
import pyqtgraph
from PySide6.QtWidgets import QMainWindow
app = QApplication(sys.argv)
hook = FirstPaint("QMainWindow")
app.installEventFilter(hook)
window = QMainWindow()
window.resize(1500, 950)
window.show()
app.exec()
"""
)


def time_first_paint(code: str, repeat: int) -> float:
    """Median seconds from spawning ``python -c code`` to its "painted" line."""
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        proc = subprocess.Popen(
            [sys.executable, "-c", code], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
        )
        line = proc.stdout.readline() if proc.stdout else ""
        elapsed = time.perf_counter() - start
        proc.wait(timeout=60)
        if "painted" not in line:
            raise RuntimeError("the child never painted its window")
        times.append(elapsed)
    return statistics.median(times)


def bench_startup(repeat: int) -> dict[str, float]:
    bare = time_first_paint(STARTUP_BARE, repeat)
    app = time_first_paint(STARTUP_APP, repeat)
    print(
        f"startup: bare QMainWindow + pyqtgraph {bare * 1000:.0f} ms, lstmviz {app * 1000:.0f} ms, "
        f"ratio {app / bare:.2f} (target <= 1.5)"
    )
    return {"bare_ms": bare * 1000, "app_ms": app * 1000, "ratio": app / bare}


# In-process helpers ---------------------------------------------------------------------------------------------
class PaintWatch:
    """Counts paint events per widget class, and timestamps them (an application-wide event filter)."""

    def __init__(self, app: Any) -> None:
        from PySide6.QtCore import QEvent, QObject

        watch = self

        class Filter(QObject):
            def eventFilter(self, obj: Any, event: Any) -> bool:
                if event.type() == QEvent.Type.Paint:
                    watch.count += 1
                    watch.last = time.perf_counter()
                    parent = obj.parent() if obj.metaObject().className() == "QWidget" else None
                    name = (parent or obj).objectName() or (parent or obj).metaObject().className()
                    watch.names.add(name)
                return False

        self.count = 0
        self.last = 0.0
        self.names: set[str] = set()
        self.filter = Filter()
        app.installEventFilter(self.filter)

    def reset(self) -> None:
        self.count, self.names = 0, set()


def settle(app: Any, watch: PaintWatch, passes: int = 6) -> None:
    """processEvents until a pass paints nothing (pyqtgraph schedules its scene updates one pass later)."""
    for _ in range(passes):
        before = watch.count
        app.processEvents()
        if watch.count == before:
            return


class Heartbeat:
    """A 5 ms timer; the longest gap between its ticks minus 5 ms is the longest event-loop stall."""

    def __init__(self) -> None:
        from PySide6.QtCore import Qt, QTimer

        self.timer = QTimer()
        self.timer.setTimerType(Qt.TimerType.PreciseTimer)
        self.timer.setInterval(5)
        self.timer.timeout.connect(self._tick)
        self.last = 0.0
        self.max_gap = 0.0
        self.gaps: list[tuple[float, float]] = []
        """(end of the gap, gap) of every tick."""

    def _tick(self) -> None:
        now = time.perf_counter()
        if self.last:
            self.max_gap = max(self.max_gap, now - self.last)
            self.gaps.append((now, now - self.last))
        self.last = now

    def longest(self, since: float, until: float) -> float:
        """The longest stall that ended within [since, until]."""
        return max((gap for end, gap in self.gaps if since <= end <= until), default=0.005) - 0.005

    def start(self) -> None:
        self.last, self.max_gap, self.gaps = 0.0, 0.0, []
        self.timer.start()

    def stop(self) -> float:
        self.timer.stop()
        return max(0.0, self.max_gap - 0.005)


def run_until(app: Any, condition: Callable[[], bool], timeout: float) -> None:
    from PySide6.QtCore import QEventLoop

    end = time.perf_counter() + timeout
    while not condition() and time.perf_counter() < end:
        app.processEvents(QEventLoop.ProcessEventsFlag.AllEvents, 5)
        time.sleep(0.0005)


def make_document(hidden: int, steps: int) -> Any:
    import numpy as np

    from lstmviz.engine.network import Network
    from lstmviz.io.sequence_data import SequenceData
    from lstmviz.model.document import Document

    t = np.linspace(0.0, steps / 25.0, steps)
    return Document(Network.random("lstm", 1, hidden, seed=0), SequenceData(np.sin(t) * (0.6 + 0.4 * np.sin(t / 7))))


def make_window(document: Any, kind: str) -> tuple[Any, Any]:
    """(window, heatmaps view): the real MainWindow, or B's views in a bare QMainWindow."""
    from PySide6.QtCore import Qt
    from PySide6.QtWidgets import QDockWidget, QMainWindow

    if kind == "main":
        from lstmviz.gui.main_window import MainWindow

        window = MainWindow(document, persist=False)
        heatmaps = window.views["heatmaps"]
    else:
        from lstmviz.gui.playback import PlaybackController
        from lstmviz.gui.views.heatmaps import HeatmapsView
        from lstmviz.gui.views.unit_plots import UnitPlotsView
        from lstmviz.gui.workers import BackgroundRunner

        window = QMainWindow()
        heatmaps = HeatmapsView(document)
        window.setCentralWidget(heatmaps)
        dock = QDockWidget("Unit plots", window)
        dock.setWidget(UnitPlotsView(document))
        window.addDockWidget(Qt.DockWidgetArea.BottomDockWidgetArea, dock)
        window.playback = PlaybackController(document, window)
        window.addToolBar("Playback").addWidget(window.playback.bar)
        document.set_runner(BackgroundRunner(window))
    window.resize(1600, 1000)
    window.show()
    return window, heatmaps


def bench_edit(app: Any, kind: str, repeat: int) -> dict[str, float]:
    doc = make_document(64, 1000)
    window, _ = make_window(doc, kind)
    doc.set_step(500)  # mid-sequence: at step 0 h_{t-1} = 0, so recurrent edits would change no shown number
    watch = PaintWatch(app)
    settle(app, watch)
    totals, models = [], []
    names: set[str] = set()
    for k in range(max(repeat, 5) * 4):
        watch.reset()
        start = time.perf_counter()
        doc.set_weight("weight_hh_l0", (64 + k % 64, k % 64), 0.5 + 0.01 * k)
        model_done = time.perf_counter()
        settle(app, watch)
        end = time.perf_counter()
        totals.append(end - start)
        models.append(model_done - start)
        names |= watch.names
    engine = best_of_run(doc, 5)
    median, worst = statistics.median(totals), max(totals)
    print(
        f"edit H=64 T=1000 ({kind}): edit -> all views redrawn median {median * 1000:.1f} ms, "
        f"max {worst * 1000:.1f} ms "
        f"(target < 16); of which edit + recompute + view updates {statistics.median(models) * 1000:.1f} ms, "
        f"engine trace alone {engine * 1000:.1f} ms"
    )
    print(f"  painted: {', '.join(sorted(names))}")
    doc.mark_clean()  # no "save changes?" question on close
    window.hide()
    return {"median_ms": median * 1000, "max_ms": worst * 1000, "engine_ms": engine * 1000}


def best_of_run(doc: Any, repeat: int) -> float:
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter()
        doc.network.run(doc.sequence.values)
        best = min(best, time.perf_counter() - start)
    return best


def bench_big(app: Any, kind: str, drag_edits: int) -> tuple[dict[str, float], Any, Any]:
    doc = make_document(256, 10_000)
    window, heatmaps = make_window(doc, kind)
    watch = PaintWatch(app)
    settle(app, watch)
    engine = statistics.median([best_of_run(doc, 1) for _ in range(3)])
    rows = list(heatmaps.rows.values())
    if rows:
        rows[0].plot.setXRange(0, 2000, padding=0)  # the view shows the first 2,000 steps
    settle(app, watch)

    # One edit: first visible redraw, whole trace drawn.
    marks: dict[str, float] = {}

    def on_progress(ready: int) -> None:
        if ready >= 2000 and "visible" not in marks:
            marks["visible"] = time.perf_counter()

    def on_complete() -> None:
        marks["complete"] = time.perf_counter()

    doc.events.trace_progress.connect(on_progress)
    doc.events.trace_changed.connect(on_complete)
    heartbeat = Heartbeat()
    heartbeat.start()
    start = time.perf_counter()
    doc.set_weight("bias_hh_l0", 256, 1.5)  # forget-gate bias of unit 0
    first_paint = {}

    def visible_painted() -> bool:
        if "visible" in marks and watch.last > marks["visible"] and "paint" not in first_paint:
            first_paint["paint"] = watch.last
        return "complete" in marks

    run_until(app, visible_painted, 60)
    settle(app, watch)
    full = time.perf_counter() - start
    stall = heartbeat.stop()
    visible = first_paint.get("paint", marks.get("visible", float("nan"))) - start
    delivered_at = marks.get("visible", float("nan")) - start
    print(
        f"big H=256 T=10000 ({kind}): engine trace {engine * 1000:.0f} ms; one edit -> visible steps redrawn "
        f"{visible * 1000:.0f} ms (target < 100; delivered to the views at {delivered_at * 1000:.0f} ms), "
        f"whole trace drawn {full * 1000:.0f} ms = {full / engine:.2f}x "
        f"engine (target <= 1.3), longest stall {stall * 1000:.0f} ms (target < 50)"
    )

    # A slider drag: an edit every 16 ms.
    delivered: set[int] = set()
    doc.events.trace_progress.connect(lambda _n: delivered.add(doc.generation))
    doc.events.trace_changed.connect(lambda: delivered.add(doc.generation))
    finished = []
    doc.compute.events.ready.connect(lambda kind: finished.append(time.perf_counter()))
    heartbeat.start()
    first_generation = doc.generation + 1
    drag_start = time.perf_counter()
    for k in range(drag_edits):
        target = drag_start + k * 0.016
        run_until(app, lambda t=target: time.perf_counter() >= t, 1)
        doc.set_parameter("bias_hh_l0", _bias(doc, 256, 1.5 + 0.05 * (k + 1)), merge_key="bench-drag")
    last_edit = time.perf_counter()
    marks.pop("complete", None)
    run_until(app, lambda: "complete" in marks, 60)
    settle(app, watch)
    after_last = time.perf_counter() - last_edit
    drag_stall = heartbeat.stop()
    completed = [g for g in delivered if g >= first_generation]
    print(
        f"  drag: {drag_edits} edits in {(last_edit - drag_start) * 1000:.0f} ms, generations that delivered "
        f"{len(completed)} (latest {doc.generation} finished: {doc.trace_steps_ready == doc.steps}), "
        f"last edit -> whole trace drawn {after_last * 1000:.0f} ms = {after_last / engine:.2f}x engine, "
        f"longest stall {drag_stall * 1000:.0f} ms (target < 50)"
    )
    result = {
        "engine_ms": engine * 1000,
        "visible_ms": visible * 1000,
        "delivered_ms": delivered_at * 1000,
        "full_ms": full * 1000,
        "full_ratio": full / engine,
        "stall_ms": stall * 1000,
        "drag_stall_ms": drag_stall * 1000,
        "drag_after_last_ms": after_last * 1000,
        "drag_generations": len(completed),
    }
    return result, doc, window


def _bias(doc: Any, index: int, value: float) -> Any:
    import numpy as np

    bias = np.array(doc.network.params["bias_hh_l0"])
    bias[index] = value
    return bias


def bench_play(app: Any, doc: Any, window: Any, seconds: float) -> dict[str, float]:
    """Play at 1,000 steps/s (a 16 ms timer, several steps a tick) and count the frames the heatmaps repaint."""
    from PySide6.QtCore import QEvent, QObject

    from lstmviz.gui.playback import PlaybackController

    controller = getattr(window, "playback", None)
    if controller is None:
        controller = PlaybackController(doc, window)
    counts = {"frames": 0, "steps": 0}

    class Frames(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and obj.parent() is not None
                and obj.parent().objectName() == "heatmapsGraphics"
            ):
                counts["frames"] += 1
            return False

    frames = Frames()
    app.installEventFilter(frames)
    doc.events.step_changed.connect(lambda _step: counts.__setitem__("steps", counts["steps"] + 1))
    doc.set_step(0)
    app.processEvents()
    counts.update(frames=0, steps=0)
    controller.set_speed(1000)
    heartbeat = Heartbeat()
    heartbeat.start()
    controller.play()
    start = time.perf_counter()
    run_until(app, lambda: time.perf_counter() - start >= seconds, seconds + 1)
    elapsed = time.perf_counter() - start
    controller.pause()
    stall = heartbeat.stop()
    app.removeEventFilter(frames)
    fps = counts["frames"] / elapsed
    print(
        f"play H=256 T=10000: {fps:.0f} heatmap frames painted per second (target 60), "
        f"{counts['steps'] / elapsed:.0f} step changes/s at 1000 steps/s, longest stall {stall * 1000:.0f} ms"
    )
    return {"fps": fps}


def bench_train(app: Any, updates: int) -> dict[str, float]:
    """Train in the real window and watch the event loop: stalls, frame times, view refreshes per second."""
    from PySide6.QtCore import QEvent, QObject

    from lstmviz.gui.main_window import MainWindow

    doc = make_document(32, 200)
    window = MainWindow(doc, persist=False)
    window.resize(1366, 768)
    window.show()
    window.docks["train"].raise_()  # the Train tab is built the first time it is shown
    run_until(app, lambda: hasattr(window.views["train"], "settings"), 5)
    panel = window.views["train"]
    panel.settings.choose_task("copy")
    panel.settings.delay_box.setValue(20)
    panel.settings.hidden_box.setValue(32)
    panel.settings.updates_box.setValue(updates)
    paints: list[float] = []
    refreshes = [0]

    class Frames(QObject):
        def eventFilter(self, obj: Any, event: Any) -> bool:
            if (
                event.type() == QEvent.Type.Paint
                and obj.parent() is not None
                and obj.parent().objectName() == "heatmapsGraphics"
            ):
                paints.append(time.perf_counter())
            return False

    frames = Frames()
    run_until(app, lambda: False, 0.5)
    app.installEventFilter(frames)
    doc.events.trace_changed.connect(lambda: refreshes.__setitem__(0, refreshes[0] + 1))
    heartbeat = Heartbeat()
    heartbeat.start()
    run_until(app, lambda: False, 0.1)
    start = time.perf_counter()
    panel.start_button.click()  # sets up the task's network and example: every view rebuilt, like opening a file
    setup = time.perf_counter() - start
    from lstmviz.gui.refresh_pacing import pacer

    heatmaps = window.views["heatmaps"]
    run_until(app, lambda: pacer().pending() == 0 and not heatmaps.building, 60)  # every view has the new set-up
    set_up = time.perf_counter()
    run_until(app, lambda: panel.state == "idle", 600)
    elapsed = time.perf_counter() - start
    stall = heartbeat.stop()
    app.removeEventFilter(frames)
    gaps = sorted(b - a for a, b in zip(paints, paints[1:], strict=False)) or [0.0]
    setup_stall = heartbeat.longest(start, set_up)
    training_stall = heartbeat.longest(set_up + 0.001, time.perf_counter())
    print(
        f"train copy delay 20, LSTM H=32, {updates} updates in the MainWindow: {elapsed:.1f} s, "
        f"{updates / elapsed:.0f} updates/s; the Start click returns in {setup * 1000:.0f} ms; longest stall while "
        f"the views take the set-up ({(set_up - start) * 1000:.0f} ms) {setup_stall * 1000:.0f} ms, "
        f"then while training {training_stall * 1000:.0f} ms (target < 50); "
        f"views fed new weights {refreshes[0] / elapsed:.1f}/s (target <= 10); heatmap repaints every: median "
        f"{statistics.median(gaps) * 1000:.0f} ms, 95th percentile {gaps[int(0.95 * (len(gaps) - 1))] * 1000:.0f} ms, "
        f"max {gaps[-1] * 1000:.0f} ms"
    )
    doc.mark_clean()
    window.close()
    return {"setup_ms": setup * 1000, "stall_ms": stall * 1000, "refresh_per_s": refreshes[0] / elapsed}


def bench_open(app: Any, rows: int) -> dict[str, float]:
    """Open a large CSV in the real window as File > Open does and watch the event loop: the file is read in the
    background (a progress dialog), so the window keeps turning; then every view is rebuilt for the new length."""
    import tempfile

    import numpy as np

    from lstmviz.gui.main_window import MainWindow

    folder = tempfile.mkdtemp()
    path = os.path.join(folder, f"{rows}.csv")
    t = np.arange(rows) * 0.01
    with open(path, "w", encoding="utf-8") as file:
        file.write("time,value\n")
        for start in range(0, rows, 100_000):
            chunk = np.column_stack([t[start : start + 100_000], np.sin(t[start : start + 100_000])])
            file.write("\n".join(f"{a:.2f},{b:.6f}" for a, b in chunk) + "\n")
    size_mb = os.path.getsize(path) / 1e6
    doc = make_document(8, 240)
    window = MainWindow(doc, persist=False)
    window.resize(1366, 768)
    window.show()
    run_until(app, lambda: False, 0.5)
    heartbeat = Heartbeat()
    heartbeat.start()
    start = time.perf_counter()
    window.file_actions.open_path(path)
    returned = time.perf_counter() - start
    run_until(app, lambda: doc.steps == rows, 300)
    read = time.perf_counter() - start
    read_stall = heartbeat.stop()
    heartbeat.start()
    run_until(app, lambda: not doc.compute.busy(), 300)
    settle(app, PaintWatch(app))
    total = time.perf_counter() - start
    stall = heartbeat.stop()
    print(
        f"open a {rows:,}-row CSV ({size_mb:.0f} MB) in the MainWindow: File > Open returns in "
        f"{returned * 1000:.0f} ms, "
        f"read in {read:.2f} s with the longest stall {read_stall * 1000:.0f} ms; trace and every view "
        f"{total:.2f} s after the open, longest stall then {stall * 1000:.0f} ms"
    )
    doc.mark_clean()
    window.close()
    os.remove(path)
    return {"read_s": read, "read_stall_ms": read_stall * 1000, "total_s": total, "stall_ms": stall * 1000}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--sections", default="startup,edit,big,play,train")
    parser.add_argument("--train-updates", type=int, default=1000)
    parser.add_argument("--open-rows", type=int, default=1_000_000)
    parser.add_argument("--window", choices=("main", "plain"), default=None)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--drag-edits", type=int, default=40)
    args = parser.parse_args(argv)
    sections = set(args.sections.split(","))
    kind = args.window
    if kind is None:
        try:
            import lstmviz.gui.main_window  # noqa: F401

            kind = "main"
        except ImportError:
            kind = "plain"
    print(
        f"python {sys.version.split()[0]}, platform {os.environ['QT_QPA_PLATFORM']}, {os.cpu_count()} CPUs, "
        f"load average {os.getloadavg()[0]:.1f}"
    )
    if "startup" in sections:
        bench_startup(args.repeat)
    if not sections & {"edit", "big", "play", "train", "open"}:
        return 0
    from lstmviz.gui.app import create_application

    app = create_application()
    if "edit" in sections:
        bench_edit(app, kind, args.repeat)
    if "train" in sections:
        bench_train(app, args.train_updates)
    if "open" in sections:
        bench_open(app, args.open_rows)
    if sections & {"big", "play"}:
        _, doc, window = bench_big(app, kind, args.drag_edits)
        if "play" in sections:
            bench_play(app, doc, window, 3.0)
    return 0


if __name__ == "__main__":
    sys.exit(main())
