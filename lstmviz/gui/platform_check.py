"""Name the system libraries Qt's X11 (xcb) platform plugin needs and cannot find, before Qt aborts.

Without them Qt prints "Could not load the Qt platform plugin xcb" and a paragraph about reinstalling, and names at
most one library (often not the only one missing). This module asks the dynamic loader instead: it loads the
plugin the way Qt will, and only when that fails lists every missing library (from ``ldd``, or by loading the
known ones) with the packages that provide them. No Qt is imported here, so the check runs before any window.
"""

from __future__ import annotations

import ctypes
import importlib.util
import os
import re
import shutil
import subprocess
import sys
from collections.abc import Callable, Iterable, Mapping
from pathlib import Path

# soname -> (Debian/Ubuntu package, Fedora package): what libqxcb.so links (ldd, PySide6 6.6 to 6.11), in the
# order a reader expects, the X11 libraries first.
XCB_LIBRARIES: dict[str, tuple[str, str]] = {
    "libxcb-cursor.so.0": ("libxcb-cursor0", "xcb-util-cursor"),
    "libxcb-icccm.so.4": ("libxcb-icccm4", "xcb-util-wm"),
    "libxcb-keysyms.so.1": ("libxcb-keysyms1", "xcb-util-keysyms"),
    "libxcb-image.so.0": ("libxcb-image0", "xcb-util-image"),
    "libxcb-util.so.1": ("libxcb-util1", "xcb-util"),
    "libxcb-render-util.so.0": ("libxcb-render-util0", "xcb-util-renderutil"),
    "libxcb-randr.so.0": ("libxcb-randr0", "libxcb"),
    "libxcb-shape.so.0": ("libxcb-shape0", "libxcb"),
    "libxcb-shm.so.0": ("libxcb-shm0", "libxcb"),
    "libxcb-sync.so.1": ("libxcb-sync1", "libxcb"),
    "libxcb-xfixes.so.0": ("libxcb-xfixes0", "libxcb"),
    "libxcb-render.so.0": ("libxcb-render0", "libxcb"),
    "libxcb-xkb.so.1": ("libxcb-xkb1", "libxcb"),
    "libxcb.so.1": ("libxcb1", "libxcb"),
    "libxkbcommon-x11.so.0": ("libxkbcommon-x11-0", "libxkbcommon-x11"),
    "libxkbcommon.so.0": ("libxkbcommon0", "libxkbcommon"),
    "libX11-xcb.so.1": ("libx11-xcb1", "libX11-xcb"),
    "libX11.so.6": ("libx11-6", "libX11"),
    "libEGL.so.1": ("libegl1", "libglvnd-egl"),
    "libGL.so.1": ("libgl1", "libglvnd-glx"),
    "libfontconfig.so.1": ("libfontconfig1", "fontconfig"),
    "libfreetype.so.6": ("libfreetype6", "freetype"),
    "libdbus-1.so.3": ("libdbus-1-3", "dbus-libs"),
    "libglib-2.0.so.0": ("libglib2.0-0", "glib2"),
    "libgthread-2.0.so.0": ("libglib2.0-0", "glib2"),
}

Loader = Callable[[str], object]
Ldd = Callable[[Path], "str | None"]


class PlatformLibrariesMissing(RuntimeError):
    """The window cannot open: system libraries are missing. The message is one line naming them and the fix."""


def platform_is_xcb(environ: Mapping[str, str], system: str = sys.platform) -> bool:
    """True when Qt will pick its X11 plugin: asked for by QT_QPA_PLATFORM (its first choice), or Linux's
    default outside a Wayland session. Offscreen, wayland, minimal, vnc, ... need none of these libraries."""
    if not system.startswith("linux"):
        return False
    requested = environ.get("QT_QPA_PLATFORM", "").strip()
    if requested:
        first = requested.split(";")[0].split(":")[0].strip().lower()
        return first == "xcb"
    wayland_session = environ.get("XDG_SESSION_TYPE", "").lower() == "wayland"
    return not (wayland_session and environ.get("WAYLAND_DISPLAY"))


def xcb_plugin_path() -> Path | None:
    """PySide6's libqxcb.so, found without importing Qt (None when PySide6 or the plugin is not where we look)."""
    spec = importlib.util.find_spec("PySide6")
    if spec is None or not spec.submodule_search_locations:
        return None
    for location in spec.submodule_search_locations:
        plugin = Path(location) / "Qt" / "plugins" / "platforms" / "libqxcb.so"
        if plugin.is_file():
            return plugin
    return None


def not_found_in_ldd(output: str) -> list[str]:
    """The sonames ``ldd`` reports as "not found", each once, in the order listed."""
    names: list[str] = []
    for match in re.finditer(r"^\s*(\S+)\s+=>\s+not found\s*$", output, re.MULTILINE):
        if match.group(1) not in names:
            names.append(match.group(1))
    return names


def run_ldd(library: Path) -> str | None:
    """``ldd library``'s output, or None when there is no ldd or it fails."""
    ldd = shutil.which("ldd")
    if ldd is None:
        return None
    try:
        result = subprocess.run([ldd, str(library)], capture_output=True, text=True, timeout=10, check=False)
    except (OSError, subprocess.SubprocessError):
        return None
    return result.stdout


def _can_load(name: str, load: Loader) -> bool:
    try:
        load(name)
    except OSError:
        return False
    return True


def missing_libraries(plugin: Path, load: Loader = ctypes.CDLL, ldd: Ldd = run_ldd) -> list[str]:
    """The libraries the plugin cannot find; empty when it loads. Loading it is the test (exactly what Qt will
    do next); only when that fails are the missing ones listed, by ``ldd`` (the whole tree) or else by loading
    each known library, or else from the loader's own message."""
    try:
        load(str(plugin))
    except OSError as error:
        reason = str(error)
    else:
        return []
    output = ldd(plugin)
    missing = not_found_in_ldd(output) if output else []
    if not missing:
        missing = [name for name in XCB_LIBRARIES if not _can_load(name, load)]
    if not missing:
        named = re.search(r"(lib[\w.+-]+\.so[\w.]*): cannot open shared object file", reason)
        missing = [named.group(1)] if named else []
    return missing


def install_hint(missing: list[str]) -> str:
    """One line: the missing libraries and the apt (and dnf) command that installs them."""
    apt = _unique(XCB_LIBRARIES[name][0] for name in missing if name in XCB_LIBRARIES)
    dnf = _unique(XCB_LIBRARIES[name][1] for name in missing if name in XCB_LIBRARIES)
    names = missing[0] if len(missing) == 1 else f"{', '.join(missing[:-1])} and {missing[-1]}"
    line = (
        f"the window cannot open: Qt's X11 platform plugin needs {names}, "
        f"{'which is' if len(missing) == 1 else 'which are'} not installed"
    )
    if apt:
        line += f"; on Debian/Ubuntu: sudo apt install {' '.join(apt)} (Fedora: sudo dnf install {' '.join(dnf)})"
    else:
        line += "; install them with your system's package manager"
    return line + "; or run a headless command (lstmviz --help)"


def _unique(items: Iterable[str]) -> list[str]:
    result: list[str] = []
    for item in items:
        if item not in result:
            result.append(item)
    return result


def require_window_libraries(
    environ: Mapping[str, str] | None = None,
    system: str = sys.platform,
    plugin: Path | None = None,
    load: Loader = ctypes.CDLL,
    ldd: Ldd = run_ldd,
) -> None:
    """Raise PlatformLibrariesMissing when Qt is about to use xcb and its plugin cannot load; else do nothing."""
    if not platform_is_xcb(os.environ if environ is None else environ, system):
        return
    plugin = plugin if plugin is not None else xcb_plugin_path()
    if plugin is None:
        return  # a Qt we do not know the layout of: let Qt speak for itself
    missing = missing_libraries(plugin, load, ldd)
    if missing:
        raise PlatformLibrariesMissing(install_hint(missing))
