"""Opening and saving files: sequences, weights and workspaces, from menus, recent files and drag and drop.

Loading never changes the session until the file has been read completely: a failed load shows the loader's own
sentence in a dialog and leaves network, sequence and trace exactly as they were. Big files load in a worker thread
behind a cancellable progress dialog. Saves go through the io layer, which writes atomically.
"""

from __future__ import annotations

import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import numpy as np
from PySide6.QtCore import QMimeData, Qt
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QProgressDialog, QWidget

from ..engine.errors import EngineError
from ..engine.network import Network
from ..io.errors import FileFormatError
from ..io.open_any import FileKind, Opened, ReadOptions, file_kind, open_any, open_order, suffixes_of
from ..io.seq_values import KEEP_MISSING
from ..io.sequence_data import SequenceData
from ..io.weights import WeightsFile
from ..wording import plural
from .dialogs.activation_choice import ask_activations, needs_choice
from .dialogs.export_figure import file_stem
from .dialogs.input_mismatch import MismatchChoice, ask_input_mismatch
from .network_origin import note_origin
from .sequence_import import needs_dialog, open_sequence
from .window_actions import WindowActions

BACKGROUND_BYTES = 8 << 20
"""Files larger than this (together) load in a worker thread behind a progress dialog."""
LOAD_ERRORS = (FileFormatError, EngineError, OSError, ValueError)
_SETTING_WORDS = {"nonlinearity": "activation", "output_activation": "output activation"}

__all__ = ["FileActions", "file_kind", "generated_sequence", "load_file", "show_open_error"]


def workspace_suffix() -> str:
    return suffixes_of("workspace")[0]


def generated_sequence(width: int, steps: int) -> SequenceData:
    """Sine waves of ``width`` columns (distinct frequencies and phases), for weights that need that many inputs."""
    t = np.arange(steps, dtype=np.float64)
    columns = [np.sin(2 * np.pi * t / (25.0 + 7.0 * k) + 0.7 * k) for k in range(width)]
    return SequenceData(np.stack(columns, axis=1), source=f"generated: {width} sine waves")


def preload_reader(kind: FileKind) -> None:
    """Import the io reader for ``kind`` on the calling (GUI) thread, so a worker thread never imports."""
    import importlib

    module = {"workspace": "workspace", "weights": "weights", "sequence": "sequences"}[kind]
    importlib.import_module(f"lstmviz.io.{module}")


def load_file(kind: FileKind, path: str, options: ReadOptions | None = None) -> Opened:
    """Read one file through the io layer's one dispatcher, as ``kind``; empty cells of a table stay NaN for the
    open dialog to decide about."""
    return open_any(path, options or ReadOptions(missing=KEEP_MISSING), kind)


def assumed_note(loaded: WeightsFile) -> str:
    """``activation not stored in the file, tanh assumed`` (empty when the file or the user said)."""
    return "; ".join(
        f"{_SETTING_WORDS[key]} not stored in the file, {value} assumed" for key, value in loaded.assumed.items()
    )


def show_open_error(parent: QWidget, name: str, reason: str) -> None:
    """A short headline naming the file ("Cannot open broken.csv") and the loader's one-sentence reason
    underneath, instead of the full path and the reason crammed into one line."""
    box = QMessageBox(
        QMessageBox.Icon.Critical, "Cannot open the file", f"Cannot open {name}", QMessageBox.StandardButton.Ok, parent
    )
    box.setInformativeText(reason)
    box.exec()


class FileActions(WindowActions):
    """The File menu's open/save commands for one main window."""

    # Dialog filters ----------------------------------------------------------------------------------------
    def _open_filter(self) -> str:
        seq = " ".join(f"*{s}" for s in suffixes_of("sequence"))
        wts = " ".join(f"*{s}" for s in suffixes_of("weights"))
        ws = " ".join(f"*{s}" for s in suffixes_of("workspace"))
        everything = " ".join(dict.fromkeys(f"{seq} {wts} {ws}".split()))
        return (
            f"All supported files ({everything});;Sequences ({seq});;Weights ({wts});;"
            f"lstmviz workspaces ({ws});;All files (*)"
        )

    def _ask_open(self, title: str, filters: str) -> str:
        path, _ = QFileDialog.getOpenFileName(self.window, title, self.window.settings.last_folder(), filters)
        return path

    def _ask_save(self, title: str, filters: str, suggestion: str) -> str:
        start = os.path.join(self.window.settings.save_folder(), suggestion)
        path, _ = QFileDialog.getSaveFileName(self.window, title, start, filters)
        return path

    # Opening -----------------------------------------------------------------------------------------------
    def open_dialog(self) -> bool:
        path = self._ask_open("Open a sequence, weights or workspace", self._open_filter())
        return bool(path) and self.open_path(path)

    def open_weights_dialog(self) -> bool:
        wts = " ".join(f"*{s}" for s in suffixes_of("weights"))
        path = self._ask_open("Open weights", f"Weights ({wts});;All files (*)")
        return bool(path) and self.open_path(path, kind="weights")

    def open_path(self, path: str, kind: FileKind | None = None) -> bool:
        """Open ``path`` as what :func:`lstmviz.io.open_any.file_kind` says it is (or as ``kind``).

        True when the session now shows it, or, for a big file, when its background load has started (the
        session changes when the load completes; a failure then shows the same error dialog).
        """
        path = os.fspath(path)
        return self._open([(path, kind or file_kind(path))])

    def open_paths(self, paths: list[str]) -> bool:
        """Open several files together (a drop, ``lstmviz data.csv model.pt``), in the order that makes sense:
        the workspace first, then the weights onto it, then the sequence fed to them (weights and sequence as one
        undo step). Two files of one kind are refused with a dialog."""
        paths = [os.fspath(p) for p in paths]
        try:
            order = open_order(paths)
        except FileFormatError as error:
            show_open_error(self.window, ", ".join(os.path.basename(p) for p in paths), str(error))
            return False
        return bool(order) and self._open(order)

    def _open(self, order: list[tuple[str, FileKind]]) -> bool:
        if any(kind == "workspace" for _, kind in order) and not self.confirm_discard("opening another workspace"):
            return False
        total = 0
        for path, _ in order:
            try:
                total += os.path.getsize(path)
            except OSError:
                pass
        if total > BACKGROUND_BYTES:
            self._load_in_background(order)
            return True
        QApplication.setOverrideCursor(Qt.CursorShape.WaitCursor)
        opened: list[Opened] = []
        try:
            for path, kind in order:
                opened.append(load_file(kind, path))
        except LOAD_ERRORS as error:
            QApplication.restoreOverrideCursor()
            self.show_load_error(path, error)
            return False
        QApplication.restoreOverrideCursor()
        return self.apply_opened(opened)

    def _load_in_background(self, order: list[tuple[str, FileKind]]) -> None:
        from .main_jobs import start_job

        names = ", ".join(os.path.basename(path) for path, _ in order)
        progress = QProgressDialog(f"Reading {names}...", "Cancel", 0, 0, self.window)
        progress.setObjectName("dialog_load_progress")
        progress.setWindowTitle("Opening file")
        progress.setWindowModality(Qt.WindowModality.WindowModal)
        progress.setMinimumDuration(300)
        current = {"path": order[0][0]}

        def read_all() -> list[Opened]:
            opened = []
            for path, kind in order:
                current["path"] = path
                opened.append(load_file(kind, path))
            return opened

        def done(opened: list[Opened]) -> None:
            progress.reset()
            progress.deleteLater()
            self.apply_opened(opened)

        def failed(error: BaseException) -> None:
            progress.reset()
            progress.deleteLater()
            self.show_load_error(current["path"], error)

        for _, kind in order:
            preload_reader(kind)
        job = start_job(read_all, done, failed, parent=self)
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

    def apply_opened(self, opened: list[Opened]) -> bool:
        """Put what was read into the session (on the GUI thread); False when the user cancelled or it failed."""
        pristine = not self.document.dirty and self.document.path is None  # nothing here that a save would keep
        by_kind = {item.kind: item for item in opened}
        workspace, weights, sequence = by_kind.get("workspace"), by_kind.get("weights"), by_kind.get("sequence")
        name = ", ".join(item.name for item in opened)
        messages: list[str] = []
        if weights is not None and weights.weights is not None and sequence is not None and sequence.sequence:
            width, wanted = sequence.sequence.input_size, weights.weights.network.input_size
            if width != wanted:  # refused before anything changes
                show_open_error(
                    self.window,
                    name,
                    f"{sequence.name} has {plural(width, 'input column')} but "
                    f"{weights.name} expects {plural(wanted, 'input')}; open a sequence that fits these "
                    "weights",
                )
                return False
        try:
            network, note = None, ""
            if weights is not None and weights.weights is not None:
                settled = self._settle_activations(weights.name, weights.weights)
                if settled is None:
                    return False
                network, note = settled
            if workspace is not None and workspace.workspace is not None:
                self.document.restore(workspace.workspace, path=os.path.abspath(workspace.path))
                note_origin(workspace.workspace.network, f"from {workspace.name}")
                messages.append(f"Opened workspace {workspace.name}")
            pair = sequence is not None and sequence.sequence is not None and not needs_dialog(sequence.sequence)
            if network is not None and pair:
                assert weights is not None and sequence is not None and sequence.sequence is not None
                self._apply_pair(weights.name, network, sequence)
                messages.append(self._weights_message(weights.name, network, note))
                data = sequence.sequence
                messages.append(
                    f"opened {sequence.name}: {plural(data.steps, 'step')} \u00d7 {plural(data.input_size, 'input')}"
                )
            else:
                if network is not None:
                    assert weights is not None
                    if not self._apply_weights(weights.name, network):
                        return False
                    messages.append(self._weights_message(weights.name, network, note))
                if sequence is not None and sequence.sequence is not None:
                    message = self._apply_sequence(sequence.name, sequence.sequence)
                    if message is None:  # the open dialog or the width question was cancelled
                        return False
                    messages.append(message)
        except (EngineError, ValueError) as error:
            show_open_error(self.window, name, f"{name}: {error}")
            return False
        if pristine and workspace is None:  # opening a file and touching nothing leaves nothing unsaved
            self.document.mark_clean()
        for item in opened:
            self._remember(item.path)
        self.window.statusBar().showMessage("; ".join(messages), 8000)
        return True

    def apply_loaded(self, kind: FileKind, path: str, loaded: Any) -> bool:
        """One file already read by its loader (a Workspace, WeightsFile, Network or SequenceData)."""
        if isinstance(loaded, Network):
            loaded = WeightsFile(network=loaded, source=path)
        field = {"workspace": "workspace", "weights": "weights", "sequence": "sequence"}[kind]
        return self.apply_opened([Opened(path, kind, **{field: loaded})])

    def _settle_activations(self, name: str, loaded: WeightsFile) -> tuple[Network, str] | None:
        """The network with the activations the user chose when the file does not store them, and a note saying
        what was assumed or chosen (None: the user cancelled the open)."""
        network = loaded.network
        if not needs_choice(loaded):
            note = assumed_note(loaded)
        else:
            choices = ask_activations(self.window, name, loaded)
            if choices is None:
                return None
            network = network.replace(**choices)
            note = "; ".join(f"{_SETTING_WORDS[key]} {value} chosen on opening" for key, value in choices.items())
        note = "; ".join(part for part in (note, *loaded.notices) if part)  # e.g. a float8 tensor widened
        note_origin(network, f"from {name} ({note})" if note else f"from {name}")
        return network, note

    @staticmethod
    def _weights_message(name: str, network: Network, note: str) -> str:
        return f"Loaded weights {name}: {network.describe()}" + (f" ({note})" if note else "")

    def _apply_pair(self, weights_name: str, network: Network, sequence: Opened) -> None:
        """Weights and a sequence opened together: both at once, one undo step; they must fit each other."""
        assert sequence.sequence is not None
        data = sequence.sequence
        self.document.load_network_with_sequence(network, data, f"Open {weights_name} with {sequence.name}")

    def _apply_sequence(self, name: str, sequence: SequenceData) -> str | None:
        """The open dialog when the file needs decisions, the width question when it does not fit; the message."""
        return open_sequence(self.window, self.document, name, sequence)

    def _apply_weights(self, name: str, network: Network) -> bool:
        """Load ``network`` onto the open sequence, asking what to do when its input size does not fit."""
        doc = self.document
        if doc.fits(network):
            doc.load_network(network, f"Open weights {name}")
            return True
        choice = ask_input_mismatch(self.window, name, network, doc.sequence)
        if choice is MismatchChoice.ADAPT_WEIGHTS:
            doc.load_network_adapted(network, f"Open weights {name} (input layer adapted)")
            note_origin(doc.reference_network, f"from {name} (input layer adapted)")
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
        # Special files (FIFOs, devices) are taken too, so the loader refuses them with its sentence, as File >
        # Open does, instead of the drop being silently ignored; folders are not files to open.
        return [
            url.toLocalFile()
            for url in mime.urls()
            if url.isLocalFile() and os.path.exists(url.toLocalFile()) and not os.path.isdir(url.toLocalFile())
        ]

    # Saving ------------------------------------------------------------------------------------------------
    def save_workspace(self) -> bool:
        path = self.document.path
        if path and Path(path).suffix.lower() in suffixes_of("workspace"):
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
        from ..io.workspace import save_workspace

        if not self._save(lambda: save_workspace(self.document.to_workspace(), path), path):
            return False
        self.document.set_path(os.path.abspath(path))
        self.document.mark_clean()
        self._remember(path)
        self.window.statusBar().showMessage(f"Saved workspace {os.path.basename(path)}", 5000)
        return True

    def save_weights_as(self) -> bool:
        from ..io.weights import SAVE_SUFFIXES

        filters = ";;".join(f"{s[1:]} weights (*{s})" for s in SAVE_SUFFIXES)
        path = self._ask_save("Save weights", filters, "weights" + SAVE_SUFFIXES[0])
        if not path:
            return False
        if Path(path).suffix.lower() not in SAVE_SUFFIXES:
            path += SAVE_SUFFIXES[0]
        return self.save_weights_to(path)

    def save_weights_to(self, path: str) -> bool:
        from ..io.weights import save_weights

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


def _origin_text(name: str, note: str) -> str:
    return f"{name} ({note})" if note else name
