"""The app process ends with status 0 however it is told to stop, even with a background trace running.

Each test starts the real app (``lstmviz`` with no arguments) in a subprocess on the offscreen platform, with its
settings and recovery file in a temporary folder.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

SCRIPT = textwrap.dedent(
    """
    import sys
    from PySide6.QtCore import QTimer
    from PySide6.QtWidgets import QApplication
    from lstmviz.model import compute
    from lstmviz.cli.main import main

    compute.INLINE_COST = 0  # every computation runs in the background
    how = sys.argv[1]
    app = QApplication(["lstmviz"])

    def window():
        return next(w for w in QApplication.topLevelWidgets() if w.objectName() == "MainWindow")

    def start_background_trace():
        win = window()
        win.document.set_weight("bias_hh_l0", 0, 0.75)
        assert win.document.compute.busy("trace"), "the recompute runs in the background"
        if how != "terminate":
            win.document.mark_clean()  # nothing to ask about: the quit itself is under test
        print("ready", flush=True)
        if how == "quit":
            win.actions["quit"].trigger()
        elif how == "close":
            win.close()

    QTimer.singleShot(300, start_background_trace)
    sys.exit(main([]))
    """
)


def start_app(tmp_path: Path, how: str) -> subprocess.Popen[str]:
    env = dict(
        os.environ,
        QT_QPA_PLATFORM="offscreen",
        XDG_CONFIG_HOME=str(tmp_path / "config"),
        XDG_DATA_HOME=str(tmp_path / "data"),
        HOME=str(tmp_path),
    )
    return subprocess.Popen(
        [sys.executable, "-X", "faulthandler", "-c", SCRIPT, how],
        env=env,
        text=True,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
    )


def finish(process: subprocess.Popen[str]) -> tuple[int, str, str]:
    try:
        out, err = process.communicate(timeout=90)
    except subprocess.TimeoutExpired:
        process.kill()
        out, err = process.communicate()
        pytest.fail(f"the app did not exit: {err[-2000:]}")
    return process.returncode, out, err


@pytest.mark.parametrize("how", ["quit", "close"])
def test_quit_and_close_exit_zero_with_a_background_trace(tmp_path: Path, how: str) -> None:
    code, out, err = finish(start_app(tmp_path, how))
    assert "ready" in out, err[-2000:]
    assert code == 0, err[-2000:]
    assert "Fatal Python error" not in err


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM is a POSIX signal")
def test_sigterm_exits_zero_and_keeps_unsaved_work(tmp_path: Path) -> None:
    process = start_app(tmp_path, "terminate")
    assert process.stdout is not None
    line = process.stdout.readline()
    assert line.strip() == "ready", process.stderr.read() if process.stderr else ""
    process.send_signal(signal.SIGTERM)
    code, _out, err = finish(process)
    assert code == 0, err[-2000:]
    recovery = list((tmp_path / "data").rglob("recovery.lstmviz"))
    assert len(recovery) == 1, "the unsaved edit was written to the recovery file"

    from lstmviz.io.workspace import load_workspace

    restored = load_workspace(recovery[0])
    assert restored.network.params["bias_hh_l0"][0] == pytest.approx(0.75)


@pytest.mark.skipif(sys.platform == "win32", reason="SIGINT from a terminal is a POSIX signal here")
def test_ctrl_c_quits_like_file_quit(tmp_path: Path) -> None:
    process = start_app(tmp_path, "interrupt")
    assert process.stdout is not None
    assert process.stdout.readline().strip() == "ready"
    process.send_signal(signal.SIGINT)
    code, _out, err = finish(process)
    assert code == 0, err[-2000:]
    assert "KeyboardInterrupt" not in err


def test_next_start_offers_the_recovered_work(qtbot, main_window, message_boxes, tmp_path, monkeypatch) -> None:
    from lstmviz.gui import app as app_module
    from lstmviz.gui import session_exit
    from lstmviz.io.workspace import save_workspace

    doc = main_window.document
    doc.set_weight("bias_hh_l0", 1, 1.25)
    target = tmp_path / "recovery.lstmviz"
    save_workspace(doc.to_workspace(), target)
    doc.undo()
    assert doc.network.params["bias_hh_l0"][1] != pytest.approx(1.25)
    monkeypatch.setattr(session_exit, "recovery_path", lambda: target)
    from PySide6.QtWidgets import QMessageBox

    message_boxes.answer = QMessageBox.StandardButton.Yes
    assert app_module.offer_recovery(main_window)
    assert "Restore unsaved work?" in [title for _k, title, _t in message_boxes.calls]
    assert main_window.document.network.params["bias_hh_l0"][1] == pytest.approx(1.25)
    assert main_window.document.dirty, "restored work is not saved anywhere yet"
    assert not target.exists()
