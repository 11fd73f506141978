"""Render the main window offscreen exactly as a person would see it, and save it as a PNG.

Used by ``lstmviz screenshot --out FILE.png [FILE] [--step N] [--size WxH]`` and for the README's screenshot. The
window is built, shown with ``WA_DontShowOnScreen`` (so nothing flashes on a real desktop), given the file and
step, and the event loop runs until every view has painted and any background recompute has finished.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QSize, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication

from ..io.errors import ExportError

SETTLE_TIMEOUT_S = 30.0


def _process_events(app: QApplication, seconds: float) -> None:
    """Run the event loop for ``seconds``, as ``exec()`` would: including deferred deletes, which
    ``processEvents`` alone never runs (widgets a view replaced with ``deleteLater`` would stay on the picture)."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        app.processEvents()
        QCoreApplication.sendPostedEvents(None, QEvent.Type.DeferredDelete)
        time.sleep(0.005)


def render_screenshot(
    out: str | os.PathLike[str],
    file: str | os.PathLike[str] | None = None,
    step: int | None = None,
    size: tuple[int, int] = (1600, 1000),
    palette: str = "light",
) -> None:
    """Write a PNG of the main window at ``size`` (logical pixels) showing ``file`` (if given) at ``step``.

    The user's saved layout and recent files are neither read nor changed. Raises ExportError (a file that
    cannot be opened, a PNG that cannot be written) with a sentence for the user.
    """
    from .app import create_application  # noqa: PLC0415
    from .settings import apply_palette  # noqa: PLC0415

    app = create_application()
    apply_palette(palette, app)
    previous_handler = qInstallMessageHandler(_quiet_offscreen_noise)
    try:
        _render(app, out, file, step, size)
    finally:
        qInstallMessageHandler(previous_handler)


def _quiet_offscreen_noise(kind: QtMsgType, context: object, message: str) -> None:
    """Drop the offscreen platform's "does not support propagateSizeHints()" (noise in every run); print the rest."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _render(app: QApplication, out: str | os.PathLike[str], file: str | os.PathLike[str] | None,
            step: int | None, size: tuple[int, int]) -> None:
    from .app import default_document  # noqa: PLC0415
    from .main_window import MainWindow  # noqa: PLC0415
    from .settings import AppSettings  # noqa: PLC0415

    with tempfile.TemporaryDirectory(prefix="lstmviz-shot-") as folder:
        scratch = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(default_document(), AppSettings(scratch), persist=False)
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.resize(QSize(*size))
        window.show()
        try:
            if file is not None:
                _open(window, os.fspath(file))
            if step is not None:
                window.document.set_step(int(step))
            _settle(app, window)
            image = window.grab().toImage()
            if image.size() != QSize(*size):  # a high-DPI screen grabs more device pixels than asked for
                image = image.scaled(QSize(*size), Qt.AspectRatioMode.IgnoreAspectRatio,
                                     Qt.TransformationMode.SmoothTransformation)
            _save(image, os.fspath(out))
        finally:
            window.document.mark_clean()
            window.close()
            window.deleteLater()
            app.processEvents()


def _open(window: object, path: str) -> None:
    """Load ``path`` into the window's session without any dialog (weights that do not fit get their input layer
    adapted); every failure becomes an ExportError with the loader's sentence."""
    from ..engine.errors import EngineError  # noqa: PLC0415
    from ..io.errors import FileFormatError  # noqa: PLC0415
    from .file_actions import file_kind, load_file  # noqa: PLC0415

    name = os.path.basename(path)
    doc = window.document  # type: ignore[attr-defined]
    kind = file_kind(path)
    try:
        loaded = load_file(kind, path)
        if kind == "workspace":
            doc.restore(loaded, path=os.path.abspath(path))
        elif kind == "weights":
            doc.load_network_adapted(loaded, f"Open weights {name}")
        else:
            doc.set_sequence(loaded, text=f"Open {name}")
    except FileFormatError as error:
        raise ExportError(str(error)) from error
    except (EngineError, ValueError) as error:
        raise ExportError(f"{name}: {error}") from error
    except OSError as error:
        raise ExportError(f"{name}: cannot be read ({error.strerror or error})") from error


def _settle(app: QApplication, window: object) -> None:
    """Run the event loop until the trace is complete and the views have had time to paint."""
    doc = window.document  # type: ignore[attr-defined]
    deadline = time.monotonic() + SETTLE_TIMEOUT_S
    while doc.trace_steps_ready < doc.steps and time.monotonic() < deadline:
        _process_events(app, 0.02)
    _process_events(app, 0.3)


def _save(image: QImage, out: str) -> None:
    from ..io.atomic import atomic_path  # noqa: PLC0415

    try:
        with atomic_path(out) as temp:
            if not image.save(str(temp), "PNG"):
                raise OSError("Qt could not write the PNG")
    except OSError as error:
        raise ExportError(f"{out}: the screenshot could not be written ({error})") from error
