"""What persists between runs (QSettings): window layout, recent files, palette, last folder.

One small class over QSettings so the keys live in one place; tests isolate QSettings into a temp folder with
``QSettings.setDefaultFormat(IniFormat)`` + ``QSettings.setPath(...)``. Also the light and dark Fusion palettes.
"""

from __future__ import annotations

import os
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings
from PySide6.QtGui import QColor, QPalette
from PySide6.QtWidgets import QApplication

from ..io.bundled import resources_dir

ORGANIZATION = "lstmviz"
APPLICATION = "lstmviz"
MAX_RECENT = 10
PALETTES: tuple[str, ...] = ("light", "dark")


class AppSettings:
    """Typed access to the app's QSettings keys."""

    def __init__(self, settings: QSettings | None = None) -> None:
        self.qsettings = settings if settings is not None else QSettings()

    # Recent files -------------------------------------------------------------------------------------------
    def recent_files(self) -> list[str]:
        value = self.qsettings.value("files/recent", [])
        if isinstance(value, str):  # QSettings gives a lone string for a one-element list in INI files
            value = [value]
        return [str(v) for v in (value or []) if v]

    def add_recent_file(self, path: str) -> list[str]:
        """Put ``path`` first in the list (absolute, no duplicates, at most MAX_RECENT)."""
        path = os.path.abspath(path)
        files = [path] + [f for f in self.recent_files() if f != path]
        files = files[:MAX_RECENT]
        self.qsettings.setValue("files/recent", files)
        return files

    def remove_recent_file(self, path: str) -> list[str]:
        files = [f for f in self.recent_files() if f != path]
        self.qsettings.setValue("files/recent", files)
        return files

    def clear_recent_files(self) -> None:
        self.qsettings.setValue("files/recent", [])

    def last_folder(self) -> str:
        """The folder a file dialog starts in: the last one used, else (the first time) the bundled samples."""
        folder = str(self.qsettings.value("files/last_folder", "") or "")
        if folder and Path(folder).is_dir():
            return folder
        samples = resources_dir() / "sequences"
        return str(samples) if samples.is_dir() else str(Path.home())

    def save_folder(self) -> str:
        """The folder a save or export dialog starts in: the last one used, but never the bundled samples (inside
        an installed app, a folder of the package that may not even be writable): the home folder instead."""
        folder = Path(self.last_folder())
        bundled = resources_dir().resolve()
        if folder.resolve() == bundled or bundled in folder.resolve().parents:
            return str(Path.home())
        return str(folder)

    def set_last_folder_from(self, path: str) -> None:
        self.qsettings.setValue("files/last_folder", str(Path(path).resolve().parent))

    # Window ---------------------------------------------------------------------------------------------------
    def window_geometry(self) -> QByteArray | None:
        value = self.qsettings.value("window/geometry")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def window_state(self) -> QByteArray | None:
        value = self.qsettings.value("window/state")
        return value if isinstance(value, QByteArray) and not value.isEmpty() else None

    def save_window(self, geometry: QByteArray, state: QByteArray) -> None:
        self.qsettings.setValue("window/geometry", geometry)
        self.qsettings.setValue("window/state", state)

    # Palette --------------------------------------------------------------------------------------------------
    def palette(self) -> str:
        value = str(self.qsettings.value("view/palette", "light") or "light")
        return value if value in PALETTES else "light"

    def set_palette(self, name: str) -> None:
        self.qsettings.setValue("view/palette", name)

    def sync(self) -> None:
        self.qsettings.sync()


def make_palette(name: str) -> QPalette:
    """The Fusion palette for ``light`` or ``dark``; both keep text contrast above WCAG AA."""
    palette = QPalette()
    if name == "dark":
        window, base, alt, text = "#2b2f36", "#1f2328", "#2f343c", "#e6e9ef"
        button, highlight, link, mid = "#353a42", "#3d8fd6", "#6cb6ff", "#4a505a"
        disabled = "#7d8590"
    else:
        window, base, alt, text = "#f3f4f6", "#ffffff", "#f6f8fa", "#1f2328"
        button, highlight, link, mid = "#e9ebef", "#2f6fb3", "#0a58ca", "#c8ccd3"
        disabled = "#8c959f"
    roles = {
        QPalette.ColorRole.Window: window,
        QPalette.ColorRole.WindowText: text,
        QPalette.ColorRole.Base: base,
        QPalette.ColorRole.AlternateBase: alt,
        QPalette.ColorRole.ToolTipBase: base,
        QPalette.ColorRole.ToolTipText: text,
        QPalette.ColorRole.PlaceholderText: disabled,
        QPalette.ColorRole.Text: text,
        QPalette.ColorRole.Button: button,
        QPalette.ColorRole.ButtonText: text,
        QPalette.ColorRole.BrightText: "#ff6b6b",
        QPalette.ColorRole.Highlight: highlight,
        QPalette.ColorRole.HighlightedText: "#ffffff",
        QPalette.ColorRole.Link: link,
        QPalette.ColorRole.Mid: mid,
        QPalette.ColorRole.Midlight: alt,
        QPalette.ColorRole.Dark: mid,
        QPalette.ColorRole.Light: base,
    }
    for role, color in roles.items():
        palette.setColor(role, QColor(color))
    for role in (QPalette.ColorRole.Text, QPalette.ColorRole.WindowText, QPalette.ColorRole.ButtonText):
        palette.setColor(QPalette.ColorGroup.Disabled, role, QColor(disabled))
    return palette


def apply_palette(name: str, app: QApplication | None = None) -> None:
    """Switch the whole application to the light or dark palette (widgets repaint themselves)."""
    app = app or QApplication.instance()  # type: ignore[assignment]
    if app is None:
        return
    app.setStyle("Fusion")
    app.setPalette(make_palette(name))
    app.setProperty("lstmviz_palette", name)


def current_palette_name() -> str:
    """The palette the application shows now (views may use it to pick plot backgrounds)."""
    app = QApplication.instance()
    name = app.property("lstmviz_palette") if app is not None else None
    return str(name) if name in PALETTES else "light"
