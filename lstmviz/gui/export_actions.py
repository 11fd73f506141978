"""Export from the app: figures (the same renderer as ``lstmviz plot``), the gate diagram, the trace.

Figures and traces are produced in a worker thread behind a cancellable progress dialog. The worker renders into
memory; the file is written atomically on the GUI thread only when the user did not cancel, so a cancelled export
leaves no file behind.
"""

from __future__ import annotations

import io
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from PySide6.QtCore import QBuffer, QIODevice, QRectF, QSize, Qt, Signal
from PySide6.QtGui import QPainter
from PySide6.QtWidgets import QFileDialog, QMessageBox, QProgressDialog, QWidget

from ..engine.errors import EngineError
from ..io.errors import ExportError, FileFormatError
from .dialogs.export_figure import ExportFigureDialog, FigureOptions, file_stem
from .network_origin import is_edited
from .window_actions import WindowActions

TRACE_FORMATS: tuple[str, ...] = ("csv", "npz")
DIAGRAM_FORMATS: tuple[str, ...] = ("png", "svg")


def preload_renderer(fmt: str) -> None:
    """Import matplotlib and the backend for ``fmt`` on the GUI thread, before the worker starts.

    A first import inside a worker thread takes Python's import locks while the GUI thread keeps running Qt code
    that may need them (and the GIL); importing here once, up front, keeps the worker to pure computation.
    """
    import importlib

    import matplotlib.figure  # noqa: F401

    backend = {"png": "agg", "svg": "svg", "pdf": "pdf"}.get(fmt)
    if backend is not None:
        importlib.import_module(f"matplotlib.backends.backend_{backend}")
    importlib.import_module("lstmviz.io.figures")
    importlib.import_module("lstmviz.engine.bptt")


def render_figure_bytes(document_state: dict[str, Any], options: FigureOptions) -> bytes:
    """Render the figure into memory (worker thread: no widgets, only plain data captured on the GUI thread)."""
    from ..io.figures import render_trace_figure

    network, sequence, trace = document_state["network"], document_state["sequence"], document_state["trace"]
    grads = None
    if options.needs_grads:
        grads = network.bptt(sequence.values, trace=trace, **document_state.get("bptt", {}))
    buffer = io.BytesIO()
    render_trace_figure(
        trace,
        sequence,
        network,
        buffer,
        show=options.show,
        units=options.units,
        layer=options.layer,
        steps=options.steps,
        grads=grads,
        dpi=options.dpi,
        size=options.size,
        format=options.format,
        include_input=not isinstance(options.show, tuple),
        edited=bool(document_state.get("edited")),
    )
    return buffer.getvalue()


def write_file_atomically(path: str, data: bytes) -> None:
    from ..io.atomic import atomic_write_bytes

    try:
        atomic_write_bytes(path, data)
    except OSError as error:
        raise ExportError(f"{os.path.basename(path)}: cannot be written ({error.strerror or error})") from error


def export_widget_image(widget: QWidget, path: str) -> None:
    """Fallback when a view has no ``export_image``: PNG from ``grab()``, SVG by painting into QSvgGenerator."""
    fmt = Path(path).suffix.lower()
    if fmt == ".svg":
        from PySide6.QtSvg import QSvgGenerator

        buffer = QBuffer()
        buffer.open(QIODevice.OpenModeFlag.WriteOnly)
        generator = QSvgGenerator()
        generator.setOutputDevice(buffer)
        generator.setSize(widget.size())
        generator.setViewBox(QRectF(0, 0, widget.width(), widget.height()))
        generator.setTitle(widget.windowTitle() or "lstmviz")
        painter = QPainter(generator)
        widget.render(painter)
        painter.end()
        buffer.close()
        write_file_atomically(path, bytes(buffer.data().data()))
        return
    from ..io.atomic import atomic_path

    try:
        with atomic_path(path) as temp:
            if not widget.grab().save(str(temp), "PNG"):
                raise OSError("Qt could not write the PNG")
    except OSError as error:
        raise ExportError(f"{os.path.basename(path)}: the image could not be written ({error})") from error


class ExportActions(WindowActions):
    """The File menu's export commands for one main window."""

    finished = Signal(str)
    """Emitted with the path once an export file has been written (tests wait on it)."""

    def _folder(self) -> str:
        return self.window.settings.save_folder()

    def _ask_save_path(self, title: str, file_name: str, formats: tuple[str, ...], kind: str = "") -> str | None:
        """Ask where to save (starting in the save folder at ``file_name``); a name without one of ``formats``'
        suffixes gets ``file_name``'s. None when the user cancels."""
        label = f" {kind}" if kind else ""
        filters = ";;".join(f"{f.upper()}{label} (*.{f})" for f in formats)
        start = os.path.join(self._folder(), file_name)
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filters)
        if not path:
            return None
        if Path(path).suffix.lower().lstrip(".") not in formats:
            path += Path(file_name).suffix
        return path

    def _trace_ready(self) -> bool:
        doc = self.document
        if doc.trace is None or doc.trace_steps_ready < doc.steps:
            QMessageBox.information(
                self.window,
                "Still computing",
                "The trace is still being computed; export it once the progress bar is done.",
            )
            return False
        return True

    # Figure ------------------------------------------------------------------------------------------------
    def export_figure(self, quantity: str | None = None) -> bool:
        """Ask for the figure's options (preset to one quantity when a heatmap's export was asked for)."""
        if not self._trace_ready():
            return False
        dialog = ExportFigureDialog(self.document, self._folder(), self.window, quantity=quantity)
        if not dialog.exec():
            return False
        return self.export_figure_to(dialog.options())

    def export_figure_to(self, options: FigureOptions) -> bool:
        """Render ``options`` off the GUI thread and write the file; False if it could not start."""
        preload_renderer(options.format)
        doc = self.document
        state = {
            "network": doc.network,
            "sequence": doc.sequence,
            "trace": doc.trace,
            "bptt": self._bptt_request(),
            "edited": is_edited(doc.network, doc.reference_network),
        }
        self._run(
            f"Rendering {os.path.basename(options.path)}...", lambda: render_figure_bytes(state, options), options.path
        )
        return True

    def _bptt_request(self) -> dict[str, Any]:
        """The loss the Gradients view shows, so an exported gradient figure matches what is on screen."""
        view = self.window.views.get("gradients")
        request = getattr(view, "bptt_kwargs", None) or getattr(view, "_request", None)
        if callable(request):
            try:
                return dict(request())
            except Exception:  # the view's own state is no reason to fail an export: use the default loss
                return {}
        return {}

    # Gate diagram ------------------------------------------------------------------------------------------
    def export_diagram(self) -> bool:
        name = f"diagram-{self.document.network.cell}-t{self.document.step}.png"
        path = self._ask_save_path("Export gate diagram", name, DIAGRAM_FORMATS, "image")
        return path is not None and self.export_diagram_to(path)

    def export_diagram_to(self, path: str, diagram: QWidget | None = None) -> bool:
        """``diagram`` (the window's own by default: a seq2seq window has one per side) to PNG or SVG."""
        diagram = self.window.diagram if diagram is None else diagram
        export = getattr(diagram, "export_image", None)
        try:
            if callable(export):
                export(path)
            else:
                export_widget_image(diagram, path)
        except (FileFormatError, OSError) as error:
            self._error(path, error)
            return False
        self._done(path)
        return True

    # Trace -------------------------------------------------------------------------------------------------
    def export_trace(self) -> bool:
        if not self._trace_ready():
            return False
        stem = file_stem(self.document.sequence.source, "trace")
        path = self._ask_save_path("Export trace", f"{stem}-trace.npz", TRACE_FORMATS)
        return path is not None and self.export_trace_to(path)

    def export_trace_to(self, path: str) -> bool:
        """The trace is written by the io layer (atomically) in a worker thread."""
        from ..engine.trace_compact import exact_trace
        from ..io.export import export_trace  # imported here, on the GUI thread: see preload_renderer

        doc = self.document
        trace, sequence = doc.trace, doc.sequence
        self._run(
            f"Writing {os.path.basename(path)}...",
            lambda: export_trace(exact_trace(trace), path, sequence=sequence),  # float64, even from a compact trace
            path,
            write=False,
        )
        return True

    # Shared machinery ----------------------------------------------------------------------------------------
    def _run(self, label: str, work: Callable[[], Any], path: str, write: bool = True) -> None:
        from .main_jobs import start_job

        progress = QProgressDialog(label, "Cancel", 0, 0, self.window)
        progress.setObjectName("dialog_export_progress")
        progress.setWindowTitle("Exporting")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(400)
        progress.setMinimumSize(QSize(360, 0))

        def done(result: Any) -> None:
            progress.reset()
            progress.deleteLater()
            try:
                if write:
                    write_file_atomically(path, result)
            except FileFormatError as error:
                self._error(path, error)
                return
            self._done(path)

        def failed(error: BaseException) -> None:
            progress.reset()
            progress.deleteLater()
            self._error(path, error)

        job = start_job(work, done, failed, parent=self)
        progress.canceled.connect(job.cancel)
        progress.canceled.connect(progress.deleteLater)
        self._job = job

    def _done(self, path: str) -> None:
        self.window.settings.set_last_folder_from(path)
        self.window.statusBar().showMessage(f"Exported {os.path.basename(path)}", 6000)
        self.finished.emit(path)

    def _error(self, path: str, error: BaseException) -> None:
        if isinstance(error, FileFormatError):
            message = str(error)
        elif isinstance(error, (OSError, EngineError)):
            message = f"{os.path.basename(path)}: {error}"
        else:
            message = f"{os.path.basename(path)}: unexpected error ({type(error).__name__}: {error})"
        QMessageBox.critical(self.window, "Export failed", message)
