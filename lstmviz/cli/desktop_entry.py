"""``lstmviz --install-desktop-entry``: put lstmviz in the Linux desktop's application menu.

Writes, for the current user only (no root, no system folders), following the freedesktop.org specifications:

- ``$XDG_DATA_HOME/applications/lstmviz.desktop`` (``~/.local/share`` when XDG_DATA_HOME is unset or relative),
  whose Exec line runs *this* Python with ``-m lstmviz``, so it works from a virtual environment or pipx that is
  not on the desktop session's PATH;
- the icon in every bundled size under ``$XDG_DATA_HOME/icons/hicolor/<n>x<n>/apps/lstmviz.png`` and as
  ``scalable/apps/lstmviz.svg``.

Every file is written atomically, so a second run (say after moving the virtual environment) replaces them.
"""

from __future__ import annotations

import os
import re
import sys
from collections.abc import Mapping
from pathlib import Path

from ..io.atomic import atomic_write_bytes, atomic_write_text
from ..io.bundled import icon_sizes, icons_dir
from .errors import CommandError

APP_ID = "lstmviz"
"""The desktop file's name, the icon's name and the window class Qt gives the app (its application name)."""


def data_home(environ: Mapping[str, str] | None = None) -> Path:
    """XDG_DATA_HOME, or ~/.local/share when it is unset, empty or not absolute (as the spec says)."""
    environ = os.environ if environ is None else environ
    value = environ.get("XDG_DATA_HOME", "")
    if value and os.path.isabs(value):
        return Path(value)
    home = environ.get("HOME") or str(Path.home())
    return Path(home) / ".local" / "share"


def quote_exec_argument(argument: str) -> str:
    """One Exec argument, quoted as the Desktop Entry spec asks: reserved characters inside double quotes, with
    ``"``, backtick, ``$`` and backslash escaped; ``%`` doubled (a single % starts a field code)."""
    argument = argument.replace("%", "%%")
    if re.search(r"[\s\"'\\><~|&;$*?#()`]", argument) or not argument:
        escaped = re.sub(r'(["`$\\])', r"\\\1", argument)
        return f'"{escaped}"'
    return argument


def desktop_entry_text(python: str) -> str:
    """The .desktop file that starts lstmviz with ``python -m lstmviz``, opening a file when one is given."""
    exec_line = " ".join([quote_exec_argument(python), "-m", "lstmviz", "%f"])
    exec_value = exec_line.replace("\\", "\\\\")  # the string-level escape, applied before the quoting rule
    return "\n".join(
        [
            "[Desktop Entry]",
            "Type=Application",
            "Version=1.5",
            "Name=lstmviz",
            "GenericName=Recurrent Network Viewer",
            "Comment=See inside RNN, GRU and LSTM cells: every gate and state at every step",
            f"Exec={exec_value}",
            "TryExec=" + python.replace("\\", "\\\\"),
            f"Icon={APP_ID}",
            "Terminal=false",
            "Categories=Education;Science;ArtificialIntelligence;",
            "Keywords=LSTM;GRU;RNN;recurrent;neural network;gates;machine learning;",
            f"StartupWMClass={APP_ID}",
            "StartupNotify=true",
            "",
        ]
    )


def install_desktop_entry(environ: Mapping[str, str] | None = None, python: str | None = None) -> list[Path]:
    """Write the desktop entry and the icons; returns the files written, the .desktop file first."""
    root = data_home(environ)
    python = python or sys.executable
    if not python:
        raise CommandError("cannot tell which Python runs lstmviz, so the desktop entry would not start it")
    sizes = icon_sizes()
    svg = icons_dir() / f"{APP_ID}.svg"
    if not sizes and not svg.is_file():
        raise CommandError(f"the lstmviz icons are missing from this installation ({icons_dir()})")
    written: list[Path] = []
    try:
        entry = root / "applications" / f"{APP_ID}.desktop"
        entry.parent.mkdir(parents=True, exist_ok=True)
        atomic_write_text(entry, desktop_entry_text(python))
        written.append(entry)
        icons: list[tuple[Path, Path]] = [
            (root / "icons" / "hicolor" / f"{n}x{n}" / "apps" / f"{APP_ID}.png", png)
            for n, png in sorted(sizes.items())
        ]
        if svg.is_file():
            icons.append((root / "icons" / "hicolor" / "scalable" / "apps" / f"{APP_ID}.svg", svg))
        for target, source in icons:
            target.parent.mkdir(parents=True, exist_ok=True)
            atomic_write_bytes(target, source.read_bytes())
            written.append(target)
    except OSError as error:
        where = error.filename if error.filename is not None else root
        raise CommandError(f"{where}: cannot write the desktop entry: {error.strerror or error}") from None
    return written


def run_install_desktop_entry() -> int:
    """The command-line action: install, then say where (and how to undo it)."""
    written = install_desktop_entry()
    print(f"lstmviz is now in the application menu: {written[0]}")
    print(f"icons: {len(written) - 1} files under {data_home() / 'icons' / 'hicolor'}")
    print(f"to remove it, delete that file and every {APP_ID}.png and {APP_ID}.svg under those icon folders")
    return 0
