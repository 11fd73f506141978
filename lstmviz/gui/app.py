"""Start the desktop app: the QApplication (name, icon, Fusion palette), the default session, the main window."""

from __future__ import annotations

import logging
import sys
from pathlib import Path

import numpy as np
from PySide6.QtCore import QCoreApplication
from PySide6.QtWidgets import QApplication

from ..engine.network import Network
from ..io.sequence_data import SequenceData
from ..model.document import Document
from .settings import APPLICATION, ORGANIZATION, AppSettings, apply_palette

log = logging.getLogger(__name__)

RESOURCES = Path(__file__).resolve().parents[2] / "resources"
DEMO_WEIGHTS = ("sample_lstm.npz", "sine_lstm.npz")
"""Preferred demo weights in resources/weights (the first that exists and loads)."""
DEMO_SEQUENCES = ("sine.csv", "sample.csv")


def create_application(argv: list[str] | None = None) -> QApplication:
    """The one QApplication (reused when it exists), named so QSettings finds the right file."""
    app = QApplication.instance()
    if app is None:
        app = QApplication([sys.argv[0] if sys.argv else "lstmviz", *(argv or [])])
    QCoreApplication.setOrganizationName(ORGANIZATION)
    QCoreApplication.setApplicationName(APPLICATION)
    QCoreApplication.setApplicationVersion(_version())
    app.setApplicationDisplayName("lstmviz")  # type: ignore[union-attr]
    app.setDesktopFileName("lstmviz")  # type: ignore[union-attr]
    from .main_window import app_icon  # noqa: PLC0415

    app.setWindowIcon(app_icon())  # type: ignore[union-attr]
    return app  # type: ignore[return-value]


def _version() -> str:
    from .. import __version__  # noqa: PLC0415

    return __version__


def demo_sequence(steps: int = 300) -> SequenceData:
    """A sine with a slow amplitude swell: the gates visibly open and close on it."""
    t = np.linspace(0.0, 6.0 * np.pi, steps)
    values = np.sin(t) * (0.6 + 0.4 * np.sin(t / 5.0))
    return SequenceData(values, source="demo: sine wave")


def _first_existing(folder: Path, names: tuple[str, ...], pattern: str) -> list[Path]:
    preferred = [folder / n for n in names if (folder / n).is_file()]
    return preferred + sorted(p for p in folder.glob(pattern) if p not in preferred)


def default_document() -> Document:
    """A session that is alive at once: the sample LSTM and sequence from resources/ when they load, else a
    seeded random LSTM (H=8) on a sine."""
    network: Network | None = None
    sequence: SequenceData | None = None
    try:
        from ..io.weights import load_weights  # noqa: PLC0415

        for path in _first_existing(RESOURCES / "weights", DEMO_WEIGHTS, "*lstm*.npz"):
            try:
                network = load_weights(path)
                break
            except Exception as error:  # a broken demo file must not stop the app
                log.warning("demo weights %s not usable: %s", path, error)
    except ImportError:
        pass
    try:
        from ..io.sequences import load_sequence  # noqa: PLC0415

        for path in _first_existing(RESOURCES / "sequences", DEMO_SEQUENCES, "*.csv"):
            try:
                candidate = load_sequence(path)
            except Exception as error:
                log.warning("demo sequence %s not usable: %s", path, error)
                continue
            if network is None or candidate.input_size == network.input_size:
                sequence = candidate
                break
    except ImportError:
        pass
    if sequence is None:
        sequence = demo_sequence()
    if network is None or network.input_size != sequence.input_size:
        network = Network.random("lstm", sequence.input_size, 8, seed=0)
    return Document(network, sequence)


def run_app(files: list[str]) -> int:
    """Open the main window (on the given files, if any) and run the event loop; returns the exit code."""
    app = create_application()
    settings = AppSettings()
    apply_palette(settings.palette(), app)
    from .main_window import MainWindow  # noqa: PLC0415

    window = MainWindow(default_document(), settings)
    window.show()
    for path in files:
        if not window.file_actions.open_path(path):
            break
    return int(app.exec())
