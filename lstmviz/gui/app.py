"""Start the desktop app: the QApplication (name, icon, Fusion palette), the default session, the main window."""

from __future__ import annotations

import logging
import sys
from typing import Any

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ..engine.errors import EngineError
from ..engine.network import Network
from ..io.bundled import resources_dir
from ..io.errors import FileFormatError
from ..io.sequence_data import SequenceData
from ..io.sequences import load_sequence
from ..io.weights import load_weights
from ..model.document import Document
from .network_origin import note_origin
from .platform_check import require_window_libraries
from .settings import APPLICATION, ORGANIZATION, AppSettings, apply_palette

log = logging.getLogger(__name__)

RESOURCES = resources_dir()
DEMO_WEIGHTS = ("sine_lstm_h8.npz", "sine_lstm_h8.safetensors")
"""Demo weights in resources/weights: an LSTM trained to predict the next value of a sine (the first that loads)."""
DEMO_SEQUENCES = ("sine.csv", "sample.csv")
DEMO_UNITS = (0, 2, 5)


def create_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused when it exists), named so QSettings finds the right file."""
    app = QApplication.instance()
    if app is None:
        require_window_libraries()  # one line naming missing system libraries, not Qt's abort
        app = QApplication([sys.argv[0] if sys.argv else "lstmviz", *(argv or [])])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(_version())
    app.setApplicationDisplayName("lstmviz")  # type: ignore[union-attr]
    app.setDesktopFileName("lstmviz")  # type: ignore[union-attr]
    from .main_window import app_icon

    app.setWindowIcon(app_icon())  # type: ignore[union-attr]
    return app  # type: ignore[return-value]


def _version() -> str:
    from .. import __version__

    return __version__


def demo_sequence(steps: int = 240) -> SequenceData:
    """A sine whose frequency rises from 0.15 to 0.45 rad/step (inside the range the demo LSTM was trained on),
    so the gates and the cell state visibly change their rhythm along the sequence."""
    frequency = np.linspace(0.15, 0.45, steps)
    values = np.sin(np.cumsum(frequency))
    return SequenceData(values, source="demo: sine of rising frequency")


def default_document() -> Document:
    """A session that is alive at once: the trained sample LSTM (resources/weights) on a sine, or a sample
    sequence from resources/sequences when one is there; else a seeded random LSTM (H=8)."""
    network: Network | None = None
    sequence: SequenceData | None = None
    for path in [RESOURCES / "weights" / name for name in DEMO_WEIGHTS]:
        if not path.is_file():
            continue
        try:
            network = load_weights(path)
            note_origin(network, f"from {path.name} (sample model)")
            break
        except (FileFormatError, EngineError, OSError) as error:  # a broken demo file must not stop the app
            log.warning("demo weights %s not usable: %s", path, error)
    for path in [RESOURCES / "sequences" / name for name in DEMO_SEQUENCES]:
        if not path.is_file():
            continue
        try:
            candidate = load_sequence(path)
        except (FileFormatError, OSError) as error:
            log.warning("demo sequence %s not usable: %s", path, error)
            continue
        if network is None or candidate.input_size == network.input_size:
            sequence = candidate
            break
    if sequence is None:
        sequence = demo_sequence()
    if network is None or network.input_size != sequence.input_size:
        network = Network.random("lstm", sequence.input_size, 8, seed=0)
    document = Document(network, sequence)
    document.select_units(DEMO_UNITS)  # a few line plots at once show that units do different jobs
    return document


def run_app(files: list[str]) -> int:
    """Open the main window (on the given files, if any), run the event loop, then shut down in order.

    The order matters: the window closes, every worker thread is joined, the window is deleted, and only then
    does the interpreter finalise the QApplication (see :mod:`lstmviz.gui.workers`).
    """
    app = create_application()
    settings = AppSettings()
    apply_palette(settings.palette(), app)
    from .main_window import MainWindow
    from .session_exit import SignalQuitter
    from .workers import shutdown_workers

    window = MainWindow(default_document(), settings)
    quitter = SignalQuitter(on_interrupt=window.close, on_terminate=window.terminate)
    window.destroyed.connect(app.quit)  # a window destroyed by the window manager ends the process too
    window.show()
    offer_recovery(window)
    if files:
        window.file_actions.open_paths(list(files))
    try:
        code = int(app.exec())
    finally:
        quitter.uninstall()
        shutdown_workers()
        window.deleteLater()
        app.sendPostedEvents(None, 0)  # the deferred delete, while the QApplication is still there
        app.processEvents()
    return code


def offer_recovery(window: Any) -> bool:
    """After SIGTERM ended a session with unsaved work, offer that work back (and forget the file either way)."""
    from PySide6.QtWidgets import QMessageBox

    from .session_exit import recovery_path, remove_recovery_file

    path = recovery_path()
    if not path.is_file():
        return False
    answer = QMessageBox.question(
        window,
        "Restore unsaved work?",
        "lstmviz was stopped with unsaved changes, which were kept. Restore them?",
        QMessageBox.StandardButton.Yes | QMessageBox.StandardButton.No,
        QMessageBox.StandardButton.Yes,
    )
    restored = False
    if answer == QMessageBox.StandardButton.Yes:
        restored = bool(window.file_actions.open_path(str(path), "workspace"))
        if restored:
            window.document.set_path(None)  # not a file of the user's: Save asks where
            window.document.mark_unsaved()
    remove_recovery_file()
    return restored
