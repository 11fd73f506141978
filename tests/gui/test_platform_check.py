"""The check that names the system libraries Qt's X11 plugin lacks, with fake loaders and fake ldd output, and
once for real when this machine lacks some (then `lstmviz` must exit 2 with that one line, not Qt's abort)."""

from __future__ import annotations

import ast
import os
import subprocess
import sys
from pathlib import Path

import pytest

from lstmviz.gui import platform_check as pc

PLUGIN = Path("/opt/qt/plugins/platforms/libqxcb.so")
LDD_OUTPUT = """\tlinux-vdso.so.1 (0x00007ffd)
\tlibQt6XcbQpa.so.6 => /opt/qt/lib/libQt6XcbQpa.so.6 (0x00007f10)
\tlibxcb-cursor.so.0 => /lib/x86_64-linux-gnu/libxcb-cursor.so.0 (0x00007f20)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\tlibxcb.so.1 => /lib/x86_64-linux-gnu/libxcb.so.1 (0x00007f30)
\tlibxcb-icccm.so.4 => not found
\tlibxcb-keysyms.so.1 => not found
\t/lib64/ld-linux-x86-64.so.2 (0x00007f40)
"""


class FakeLoader:
    """dlopen that fails for the given names (and for the plugin when any of them is missing)."""

    def __init__(self, missing: set[str]) -> None:
        self.missing = missing
        self.calls: list[str] = []

    def __call__(self, name: str) -> object:
        self.calls.append(name)
        if name in self.missing or (name == str(PLUGIN) and self.missing):
            first = sorted(self.missing)[0]
            raise OSError(f"{first}: cannot open shared object file: No such file or directory")
        return object()


def no_ldd(_: Path) -> str | None:
    return None


@pytest.mark.parametrize(
    ("environ", "system", "expected"),
    [
        ({"QT_QPA_PLATFORM": "xcb"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb:display=:1"}, "linux", True),
        ({"QT_QPA_PLATFORM": "XCB;wayland"}, "linux", True),
        ({"QT_QPA_PLATFORM": "offscreen"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland"}, "linux", False),
        ({"QT_QPA_PLATFORM": "wayland;xcb"}, "linux", False),
        ({}, "linux", True),
        ({"DISPLAY": ":0"}, "linux", True),
        ({"XDG_SESSION_TYPE": "wayland", "WAYLAND_DISPLAY": "wayland-0"}, "linux", False),
        ({"XDG_SESSION_TYPE": "wayland"}, "linux", True),
        ({"QT_QPA_PLATFORM": "xcb"}, "darwin", False),
        ({}, "win32", False),
    ],
)
def test_only_the_xcb_platform_is_checked(environ: dict[str, str], system: str, expected: bool) -> None:
    assert pc.platform_is_xcb(environ, system) is expected


def test_ldd_not_found_lines_are_parsed_once_each() -> None:
    assert pc.not_found_in_ldd(LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]
    assert pc.not_found_in_ldd("\tlibxcb.so.1 => /lib/libxcb.so.1 (0x1)\n") == []


def test_a_plugin_that_loads_reports_nothing_and_runs_no_ldd() -> None:
    loader = FakeLoader(set())

    def ldd(_: Path) -> str:
        raise AssertionError("ldd must not run when the plugin loads")

    assert pc.missing_libraries(PLUGIN, loader, ldd) == []
    assert loader.calls == [str(PLUGIN)]


def test_every_missing_library_comes_from_ldd() -> None:
    loader = FakeLoader({"libxcb-icccm.so.4", "libxcb-keysyms.so.1"})
    assert pc.missing_libraries(PLUGIN, loader, lambda _: LDD_OUTPUT) == ["libxcb-icccm.so.4", "libxcb-keysyms.so.1"]


def test_without_ldd_the_known_libraries_are_probed_one_by_one() -> None:
    loader = FakeLoader({"libxcb-cursor.so.0", "libxkbcommon-x11.so.0"})
    assert pc.missing_libraries(PLUGIN, loader, no_ldd) == ["libxcb-cursor.so.0", "libxkbcommon-x11.so.0"]


def test_a_library_outside_the_known_list_is_named_from_the_loader_message() -> None:
    loader = FakeLoader({"libxcb-future.so.9"})
    assert pc.missing_libraries(PLUGIN, loader, no_ldd) == ["libxcb-future.so.9"]


def test_the_message_is_one_line_with_the_apt_and_dnf_packages() -> None:
    line = pc.install_hint(["libxcb-cursor.so.0", "libxcb-icccm.so.4", "libxcb-keysyms.so.1"])
    assert "\n" not in line
    assert "libxcb-cursor.so.0, libxcb-icccm.so.4 and libxcb-keysyms.so.1, which are not installed" in line
    assert "sudo apt install libxcb-cursor0 libxcb-icccm4 libxcb-keysyms1" in line
    assert "sudo dnf install xcb-util-cursor xcb-util-wm xcb-util-keysyms" in line
    single = pc.install_hint(["libxcb-cursor.so.0"])
    assert "needs libxcb-cursor.so.0, which is not installed" in single and "apt install libxcb-cursor0 (" in single
    assert "package manager" in pc.install_hint(["libunknown.so.1"])


def test_require_raises_only_for_xcb_with_missing_libraries() -> None:
    missing = FakeLoader({"libxcb-cursor.so.0"})
    with pytest.raises(pc.PlatformLibrariesMissing, match="apt install libxcb-cursor0"):
        pc.require_window_libraries({"QT_QPA_PLATFORM": "xcb"}, "linux", PLUGIN, missing, no_ldd)
    offscreen = FakeLoader({"libxcb-cursor.so.0"})
    pc.require_window_libraries({"QT_QPA_PLATFORM": "offscreen"}, "linux", PLUGIN, offscreen, no_ldd)
    assert offscreen.calls == []  # not even probed
    pc.require_window_libraries({"QT_QPA_PLATFORM": "xcb"}, "linux", PLUGIN, FakeLoader(set()), no_ldd)


def test_every_library_maps_to_real_package_names() -> None:
    for soname, (apt, dnf) in pc.XCB_LIBRARIES.items():
        assert soname.startswith("lib") and ".so." in soname
        assert apt and " " not in apt and dnf and " " not in dnf


def test_the_module_imports_no_qt() -> None:
    tree = ast.parse(Path(pc.__file__).read_text(encoding="utf-8"))
    imported = {
        alias.name.split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.Import) for alias in node.names
    }
    imported |= {(node.module or "").split(".")[0] for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)}
    assert not imported & {"PySide6", "pyqtgraph", "shiboken6"}


def test_this_machine_for_real(tmp_path: Path) -> None:
    """Where this machine lacks some of the plugin's libraries, `lstmviz` on xcb says so in one line, exit 2."""
    plugin = pc.xcb_plugin_path()
    if plugin is None or not sys.platform.startswith("linux"):
        pytest.skip("no PySide6 xcb plugin here")
    missing = pc.missing_libraries(plugin)
    if not missing:
        pytest.skip("every library of the xcb plugin is installed here")
    env = {**os.environ, "QT_QPA_PLATFORM": "xcb", "DISPLAY": ":99"}
    for argv in ([], ["screenshot", "--out", str(tmp_path / "shot.png")]):
        result = subprocess.run(
            [sys.executable, "-m", "lstmviz", *argv], env=env, capture_output=True, text=True, timeout=60, check=False
        )
        assert result.returncode == 2, result.stderr
        lines = result.stderr.strip().splitlines()
        assert len(lines) == 1 and lines[0].startswith("lstmviz: the window cannot open")
        assert all(name in lines[0] for name in missing)
    assert not (tmp_path / "shot.png").exists()
