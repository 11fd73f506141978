"""Opening and saving files: sequences, weights and workspaces, from menus, recent files and drag and drop.

Loading never changes the session until the file has been read completely: a failed load shows the loader's own
sentence in a dialog and leaves network, sequence and trace exactly as they were. Big files load in a worker thread
behind a cancellable progress dialog. Saves go through the io layer, which writes atomically.
"""

from __future__ import annotations

import os
import re
import zipfile
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog, QWidget

from ..engine.errors import EngineError
from ..engine.network import Network
from ..io.errors import FileFormatError
from ..io.sequence_data import SequenceData
from .dialogs.export_figure import file_stem
from .dialogs.input_mismatch import MismatchChoice, ask_input_mismatch
from .window_actions import WindowActions


WORKSPACE_SUFFIX = ".lstmviz"
WEIGHT_ONLY_SUFFIXES = (".safetensors", ".pt", ".pth")
SEQUENCE_FALLBACK_SUFFIXES = (".csv", ".tsv", ".txt", ".npy", ".npz", ".json")
BACKGROUND_BYTES = 8 << 20
"""Files larger than this load in a worker thread behind a progress dialog."""
LOAD_ERRORS = (FileFormatError, EngineError, OSError, ValueError)
_PARAMETER = re.compile(r"^(weight|bias)_(ih|hh)_l\d+|^fc\.(weight|bias)$")


def workspace_suffix() -> str:
    try:
        from ..io import workspace  # noqa: PLC0415
    except ImportError:
        return WORKSPACE_SUFFIX
    return str(getattr(workspace, "WORKSPACE_SUFFIX", WORKSPACE_SUFFIX))


def sequence_suffixes() -> tuple[str, ...]:
    try:
        from ..io.sequences import SEQUENCE_SUFFIXES  # noqa: PLC0415
    except ImportError:
        return SEQUENCE_FALLBACK_SUFFIXES
    return tuple(SEQUENCE_SUFFIXES)


def weight_suffixes() -> tuple[str, ...]:
    from ..io.weights import WEIGHT_SUFFIXES  # noqa: PLC0415

    return tuple(WEIGHT_SUFFIXES)


def npz_holds_weights(path: str) -> bool:
    """True when an .npz archive's members are named like network parameters (read from the zip index only)."""
    try:
        with zipfile.ZipFile(path) as archive:
            names = [n[:-4] if n.endswith(".npy") else n for n in archive.namelist()]
    except (OSError, zipfile.BadZipFile):
        return False
    return any(_PARAMETER.match(name) for name in names)


def file_kind(path: str) -> str:
    """``workspace``, ``weights`` or ``sequence``, from the suffix (and, for .npz, the member names)."""
    suffix = Path(path).suffix.lower()
    if suffix == workspace_suffix():
        return "workspace"
    if suffix in WEIGHT_ONLY_SUFFIXES:
        return "weights"
    if suffix == ".npz" and npz_holds_weights(path):
        return "weights"
    return "sequence"


def generated_sequence(width: int, steps: int) -> SequenceData:
    """Sine waves of ``width`` columns (distinct frequencies and phases), for weights that need that many inputs."""
    t = np.arange(steps, dtype=np.float64)
    columns = [np.sin(2 * np.pi * t / (25.0 + 7.0 * k) + 0.7 * k) for k in range(width)]
    return SequenceData(np.stack(columns, axis=1), source=f"generated: {width} sine waves")


def loader_for(kind: str) -> Callable[[str], Any]:
    """The io layer's loader for ``kind``, imported on the calling (GUI) thread so a worker never imports."""
    if kind == "workspace":
        from ..io.workspace import load_workspace  # noqa: PLC0415

        return load_workspace
    if kind == "weights":
        from ..io.weights import load_weights  # noqa: PLC0415

        return load_weights
    from .sequence_import import load_for_app  # noqa: PLC0415  (gaps kept for the open dialog to decide)

    return load_for_app


def load_file(kind: str, path: str) -> Any:
    """Read one file with the io layer's loader for ``kind``."""
    return loader_for(kind)(path)



def show_open_error(parent: QWidget, name: str, reason: str) -> None:
    """A short headline naming the file ("Cannot open broken.csv") and the loader's one-sentence reason
    underneath, instead of the full path and the reason crammed into one line."""
    box = QMessageBox(QMessageBox.Icon.Critical, "Cannot open the file", f"Cannot open {name}",
                      QMessageBox.StandardButton.Ok, parent)
    box.setInformativeText(reason)
    box.exec()


class FileActions(WindowActions):
    """The File menu's open/save commands for one main window."""

    # Dialog filters ----------------------------------------------------------------------------------------
    def _open_filter(self) -> str:
        seq = " ".join(f"*{s}" for s in sequence_suffixes())
        wts = " ".join(f"*{s}" for s in weight_suffixes())
        ws = f"*{workspace_suffix()}"
        everything = " ".join(dict.fromkeys(f"{seq} {wts} {ws}".split()))
        return (
            f"All supported files ({everything});;Sequences ({seq});;Weights ({wts});;"
            f"lstmviz workspaces ({ws});;All files (*)"
        )

    def _ask_open(self, title: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, title, self.window.settings.last_folder(), filters)
        return path

    def _ask_save(self, title: str, filters: str, suggestion: str) -> str:
        start = os.path.join(self.window.settings.last_folder(), suggestion)
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filters)
        return path

    # Opening -----------------------------------------------------------------------------------------------
    def open_dialog(self) -> bool:
        path = self._ask_open("Open a sequence, weights or workspace", self._open_filter())
        return bool(path) and self.open_path(path)

    def open_weights_dialog(self) -> bool:
        wts = " ".join(f"*{s}" for s in weight_suffixes())
        path = self._ask_open("Open weights", f"Weights ({wts});;All files (*)")
        return bool(path) and self.open_path(path, kind="weights")

    def open_path(self, path: str, kind: str | None = None) -> bool:
        """Open ``path`` as what its suffix says.

        True when the session now shows it, or, for a big file, when its background load has started (the
        session changes when the load completes; a failure then shows the same error dialog).
        """
        path = os.fspath(path)
        kind = kind or file_kind(path)
        if kind == "workspace" and not self.confirm_discard("opening another workspace"):
            return False
        try:
            size = os.path.getsize(path)
        except OSError:
            size = 0
        if size > BACKGROUND_BYTES:
            self._load_in_background(kind, path)
            return True
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        try:
            loaded = load_file(kind, path)
        except LOAD_ERRORS as error:
            QApplication.restoreOverrideCursor()
            self.show_load_error(path, error)
            return False
        QApplication.restoreOverrideCursor()
        return self.apply_loaded(kind, path, loaded)

    def _load_in_background(self, kind: str, path: str) -> None:
        from .main_jobs import start_job  # noqa: PLC0415

        progress = QProgressDialog(f"Reading {os.path.basename(path)}...", "Cancel", 0, 0, self.window)
        progress.setObjectName("dialog_load_progress")
        progress.setWindowTitle("Opening file")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)

        def done(loaded: Any) -> None:
            progress.reset()
            progress.deleteLater()
            self.apply_loaded(kind, path, loaded)

        def failed(error: BaseException) -> None:
            progress.reset()
            progress.deleteLater()
            self.show_load_error(path, error)

        loader = loader_for(kind)
        job = start_job(lambda: loader(path), done, failed, parent=self)
        progress.canceled.connect(job.cancel)
        progress.canceled.connect(progress.deleteLater)
        self._job = job

    def show_load_error(self, path: str, error: BaseException) -> None:
        if isinstance(error, FileFormatError):
            message = str(error)
        elif isinstance(error, FileNotFoundError):
            message = f"{os.path.basename(path)}: the file does not exist"
        elif isinstance(error, OSError):
            message = f"{os.path.basename(path)}: cannot be read ({error.strerror or error})"
        else:
            message = f"{os.path.basename(path)}: {error}"
        if not os.path.exists(path):  # a recent file that has gone: drop it from the list
            self.window.settings.remove_recent_file(os.path.abspath(path))
        # the loader names the file by its full path; the headline already names it, so the short name will do
        message = message.replace(os.path.abspath(path), os.path.basename(path)).replace(path, os.path.basename(path))
        show_open_error(self.window, os.path.basename(path), message)

    def apply_loaded(self, kind: str, path: str, loaded: Any) -> bool:
        """Put what was read into the session (on the GUI thread); False when the user cancelled or it failed."""
        name = os.path.basename(path)
        pristine = not self.document.dirty and self.document.path is None  # nothing here that a save would keep
        try:
            if kind == "workspace":
                self.document.restore(loaded, path=os.path.abspath(path))
                message = f"Opened workspace {name}"
            elif kind == "weights":
                if not self._apply_weights(name, loaded):
                    return False
                message = f"Loaded weights {name}: {loaded.describe()}"
            else:
                message = self._apply_sequence(name, loaded)
                if message is None:  # the open dialog or the width question was cancelled
                    return False
        except (EngineError, ValueError) as error:
            show_open_error(self.window, name, f"{name}: {error}")
            return False
        if pristine and kind != "workspace":  # opening a file and touching nothing leaves nothing unsaved
            self.document.mark_clean()
        self._remember(path)
        self.window.statusBar().showMessage(message, 8000)
        return True

    def _apply_sequence(self, name: str, sequence: SequenceData) -> str | None:
        from .sequence_import import open_sequence  # noqa: PLC0415

        return open_sequence(self.window, self.document, name, sequence)

    def _apply_weights(self, name: str, network: Network) -> bool:
        doc = self.document
        if doc.fits(network):
            doc.load_network(network, f"Open weights {name}")
            return True
        choice = ask_input_mismatch(self.window, name, network, doc.sequence)
        if choice is MismatchChoice.ADAPT_WEIGHTS:
            doc.load_network_adapted(network, f"Open weights {name} (input layer adapted)")
            return True
        if choice is MismatchChoice.GENERATE_SEQUENCE:
            sequence = generated_sequence(network.input_size, doc.steps)
            doc.load_network_with_sequence(network, sequence, f"Open weights {name} with a generated sequence")
            return True
        return False

    def _remember(self, path: str) -> None:
        self.window.settings.add_recent_file(path)
        self.window.settings.set_last_folder_from(path)

    # Drag and drop -------------------------------------------------------------------------------------------
    @staticmethod
    def paths_from_mime(mime: QMimeData | None) -> list[str]:
        if mime is None or not mime.hasUrls():
            return []
        return [url.toLocalFile() for url in mime.urls() if url.isLocalFile() and os.path.isfile(url.toLocalFile())]

    # Saving ------------------------------------------------------------------------------------------------
    def save_workspace(self) -> bool:
        path = self.document.path
        if path and Path(path).suffix.lower() == workspace_suffix():
            return self.save_workspace_to(path)
        return self.save_workspace_as()

    def save_workspace_as(self) -> bool:
        suffix = workspace_suffix()
        stem = file_stem(self.window.display_name(), "session")
        path = self._ask_save("Save workspace", f"lstmviz workspaces (*{suffix})", stem + suffix)
        if not path:
            return False
        if not path.lower().endswith(suffix):
            path += suffix
        return self.save_workspace_to(path)

    def save_workspace_to(self, path: str) -> bool:
        from ..io.workspace import save_workspace  # noqa: PLC0415

        if not self._save(lambda: save_workspace(self.document.to_workspace(), path), path):
            return False
        self.document.set_path(os.path.abspath(path))
        self.document.mark_clean()
        self._remember(path)
        self.window.statusBar().showMessage(f"Saved workspace {os.path.basename(path)}", 5000)
        return True

    def save_weights_as(self) -> bool:
        from ..io.weights import SAVE_SUFFIXES, save_weights  # noqa: PLC0415

        filters = ";;".join(f"{s[1:]} weights (*{s})" for s in SAVE_SUFFIXES)
        path = self._ask_save("Save weights", filters, "weights" + SAVE_SUFFIXES[0])
        if not path:
            return False
        if Path(path).suffix.lower() not in SAVE_SUFFIXES:
            path += SAVE_SUFFIXES[0]
        return self.save_weights_to(path)

    def save_weights_to(self, path: str) -> bool:
        from ..io.weights import save_weights  # noqa: PLC0415

        network = self.document.network
        if not self._save(lambda: save_weights(network, path), path):
            return False
        self._remember(path)
        self.window.statusBar().showMessage(f"Saved weights {os.path.basename(path)}", 5000)
        return True

    def _save(self, write: Callable[[], None], path: str) -> bool:
        try:
            write()
        except (FileFormatError, OSError, EngineError) as error:
            message = str(error) if isinstance(error, FileFormatError) else f"{os.path.basename(path)}: {error}"
            QMessageBox.critical(self.window, "Cannot save", message)
            return False
        return True

    # Unsaved changes -----------------------------------------------------------------------------------------
    def confirm_discard(self, reason: str = "closing") -> bool:
        """True when it is fine to drop the session (saved, or the user chose Save or Discard)."""
        if not self.document.dirty:
            return True
        answer = QMessageBox.question(
            self.window,
            "Unsaved changes",
            f"This session has unsaved changes ({self.document.undo_text or 'edits'}). Save them before {reason}?",
            QMessageBox.StandardButton.Save | QMessageBox.StandardButton.Discard | QMessageBox.StandardButton.Cancel,
            QMessageBox.StandardButton.Save,
        )
        if answer == QMessageBox.StandardButton.Save:
            return self.save_workspace()
        return answer == QMessageBox.StandardButton.Discard
