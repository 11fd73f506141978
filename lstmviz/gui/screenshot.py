"""Render the main window offscreen exactly as a person would see it, and save it as a PNG.

Used by ``lstmviz screenshot --out FILE.png [FILE] [--step N] [--size WxH] [--view NAME]`` and for the README's
screenshot. The window is built, shown with ``WA_DontShowOnScreen`` (so nothing flashes on a real desktop), given
the file and step, and the event loop runs until every view has painted and any background recompute has
finished. The picture is exactly the size asked for: a window that cannot be that small is refused, never scaled.
"""

from __future__ import annotations

import os
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from pathlib import Path

from PySide6.QtCore import QCoreApplication, QEvent, QSettings, QSize, Qt, QtMsgType, qInstallMessageHandler
from PySide6.QtGui import QImage
from PySide6.QtWidgets import QApplication, QWidget

from ..io.errors import ExportError

SETTLE_TIMEOUT_S = 30.0
VIEW_NAMES: tuple[str, ...] = (
    "diagram",
    "model",
    "sequence",
    "numbers",
    "weights",
    "heatmaps",
    "unit-plots",
    "gradients",
    "train",
)
"""What ``--view`` accepts: the gate diagram and each dock (``unit-plots`` for the Unit plots dock)."""


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
    files: Sequence[str | os.PathLike[str]] = (),
    step: int | None = None,
    size: tuple[int, int] = (1600, 1000),
    palette: str = "light",
    *,
    file: str | os.PathLike[str] | None = None,
    activations: Mapping[str, str] | None = None,
    view: str | None = None,
) -> None:
    """Write a PNG of the main window at ``size`` (logical pixels) showing ``files`` (or one ``file``) at ``step``.

    ``view`` (one of VIEW_NAMES) brings that view to the front in the window of ``size`` and pictures it alone.

    Several files open as in the app (workspace, then weights, then sequence). ``activations`` fill in what a
    weight file does not store (``{"nonlinearity": "relu"}``); no dialog is shown. The user's saved layout and
    recent files are neither read nor changed. Raises ExportError (a file that cannot be opened, a PNG that
    cannot be written) with a sentence for the user.
    """
    paths = [os.fspath(f) for f in files] + ([os.fspath(file)] if file is not None else [])
    from .app import create_application
    from .settings import apply_palette

    app = create_application()
    apply_palette(palette, app)
    previous_handler = qInstallMessageHandler(_quiet_offscreen_noise)
    try:
        _render(app, out, paths, step, size, dict(activations or {}), view)
    finally:
        qInstallMessageHandler(previous_handler)


def _quiet_offscreen_noise(kind: QtMsgType, context: object, message: str) -> None:
    """Drop the offscreen platform's "does not support propagateSizeHints()" (noise in every run); print the rest."""
    if "propagateSizeHints" not in message:
        print(message, file=sys.stderr)


def _render(
    app: QApplication,
    out: str | os.PathLike[str],
    paths: list[str],
    step: int | None,
    size: tuple[int, int],
    activations: dict[str, str],
    view: str | None = None,
) -> None:
    from .app import default_document
    from .main_window import MainWindow
    from .settings import AppSettings

    with tempfile.TemporaryDirectory(prefix="lstmviz-shot-") as folder:
        scratch = QSettings(str(Path(folder) / "settings.ini"), QSettings.Format.IniFormat)
        window = MainWindow(default_document(), AppSettings(scratch), persist=False)
        window.setAttribute(Qt.WidgetAttribute.WA_DontShowOnScreen, True)
        window.resize(QSize(*size))
        window.show()
        try:
            if paths:
                _open(window, paths, activations)
            if step is not None:
                window.document.set_step(int(step))
            target = _front_view(window, view) if view is not None else window
            _settle(app, window)
            if window.size() != QSize(*size):
                least = window.minimumSizeHint().expandedTo(window.minimumSize())
                raise ExportError(
                    f"the window cannot be {size[0]}x{size[1]}: its smallest size here is "
                    f"{least.width()}x{least.height()}"
                )
            wanted = target.size()
            image = target.grab().toImage()
            if image.size() != wanted:  # a high-DPI screen grabs more device pixels than asked for
                image = image.scaled(
                    wanted, Qt.AspectRatioMode.IgnoreAspectRatio, Qt.TransformationMode.SmoothTransformation
                )
            _save(image, os.fspath(out))
        finally:
            window.document.mark_clean()
            window.close()
            window.deleteLater()
            app.processEvents()


def _front_view(window: object, name: str) -> QWidget:
    """Bring the view called ``name`` to the front (showing its dock) and return the widget to picture."""
    from .dock_actions import show_and_raise

    if name not in VIEW_NAMES:
        raise ExportError(f"{name!r} is not a view; choose one of {', '.join(VIEW_NAMES)}")
    if name == "diagram":
        return window.diagram  # type: ignore[attr-defined, no-any-return]
    dock = window.docks[name.replace("-", "_")]  # type: ignore[attr-defined]
    show_and_raise(dock)
    return dock  # type: ignore[no-any-return]


def _open(window: object, paths: list[str], activations: dict[str, str]) -> None:
    """Load the files into the window's session without any dialog (weights that do not fit the open sequence
    get their input layer adapted); every failure becomes an ExportError with the loader's sentence."""
    from ..engine.errors import EngineError
    from ..io.errors import FileFormatError
    from ..io.open_any import ReadOptions, open_any, open_order
    from .file_actions import assumed_note
    from .network_origin import note_origin

    doc = window.document  # type: ignore[attr-defined]
    name = ", ".join(os.path.basename(p) for p in paths)
    try:
        options = ReadOptions(activations=activations)
        opened = {item.kind: item for item in (open_any(p, options, k) for p, k in open_order(paths, options))}
        if "workspace" in opened:
            workspace = opened["workspace"].workspace
            doc.restore(workspace, path=os.path.abspath(opened["workspace"].path))
            note_origin(workspace.network, f"from {opened['workspace'].name}")
        weights, sequence = opened.get("weights"), opened.get("sequence")
        if weights is not None:
            note = assumed_note(weights.weights)
            note_origin(weights.weights.network, f"from {weights.name} ({note})" if note else f"from {weights.name}")
        if weights is not None and sequence is not None:
            doc.load_network_with_sequence(
                weights.weights.network, sequence.sequence, f"Open {weights.name} with {sequence.name}"
            )
        elif weights is not None:
            doc.load_network_adapted(weights.weights.network, f"Open weights {weights.name}")
        elif sequence is not None:
            doc.set_sequence(sequence.sequence, text=f"Open {sequence.name}")
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
    from ..io.atomic import atomic_path

    try:
        with atomic_path(out) as temp:
            if not image.save(str(temp), "PNG"):
                raise OSError("Qt could not write the PNG")
    except OSError as error:
        raise ExportError(f"{out}: the screenshot could not be written ({error})") from error
