"""lstmviz --install-desktop-entry: a valid .desktop file and the icons, under XDG_DATA_HOME, written atomically."""

from __future__ import annotations

import configparser
import sys
from pathlib import Path

import pytest

from lstmviz.cli import desktop_entry as de
from lstmviz.cli.errors import CommandError

REPO_ICONS = Path(__file__).resolve().parents[2] / "resources" / "icons"


def _entry(path: Path) -> dict[str, str]:
    parser = configparser.ConfigParser(interpolation=None, delimiters=("=",))
    parser.optionxform = str  # type: ignore[assignment,method-assign]  (keys are case-sensitive)
    parser.read_string(path.read_text(encoding="utf-8"))
    return dict(parser["Desktop Entry"])


def _exec_arguments(value: str) -> list[str]:
    """Undo the spec's two layers the way a desktop does: string escapes (a doubled backslash is one), then the
    quoting rule (inside double quotes a backslash makes the next of  " ` $ \\  literal), then %% -> %."""
    text = value.replace("\\\\", "\\")
    arguments, current, quoted, index, started = [], "", False, 0, False
    while index < len(text):
        char = text[index]
        if quoted and char == "\\" and index + 1 < len(text) and text[index + 1] in '"`$\\':
            current, index = current + text[index + 1], index + 2
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char == " " and not quoted:
            if started or current:
                arguments.append(current)
            current, started = "", False
        else:
            current, started = current + char, True
        index += 1
    if started or current:
        arguments.append(current)
    assert not quoted, f"unbalanced quotes in {value!r}"
    return [argument.replace("%%", "%") for argument in arguments]


def test_the_entry_and_icons_land_under_xdg_data_home(tmp_path: Path, monkeypatch, cli) -> None:
    monkeypatch.setenv("XDG_DATA_HOME", str(tmp_path / "data"))
    result = cli("--install-desktop-entry")
    assert result.code == 0, result.err
    entry_path = tmp_path / "data" / "applications" / "lstmviz.desktop"
    assert str(entry_path) in result.out
    entry = _entry(entry_path)
    assert entry["Type"] == "Application" and entry["Name"] == "lstmviz" and entry["Icon"] == "lstmviz"
    assert entry["Terminal"] == "false" and "Education;" in entry["Categories"]
    assert _exec_arguments(entry["Exec"]) == [sys.executable, "-m", "lstmviz", "%f"]
    assert entry["TryExec"] == sys.executable
    for size in (16, 48, 256, 512):
        icon = tmp_path / "data" / "icons" / "hicolor" / f"{size}x{size}" / "apps" / "lstmviz.png"
        assert icon.read_bytes() == (REPO_ICONS / f"lstmviz-{size}.png").read_bytes()
    svg = tmp_path / "data" / "icons" / "hicolor" / "scalable" / "apps" / "lstmviz.svg"
    assert svg.read_bytes() == (REPO_ICONS / "lstmviz.svg").read_bytes()
    leftovers = [p for p in (tmp_path / "data").rglob("*") if p.name.startswith(".") or ".tmp" in p.name]
    assert leftovers == []


def test_a_second_run_replaces_the_files(tmp_path: Path) -> None:
    environ = {"XDG_DATA_HOME": str(tmp_path)}
    first = de.install_desktop_entry(environ, python="/old/venv/bin/python")
    second = de.install_desktop_entry(environ, python="/new/venv/bin/python")
    assert first == second
    assert _exec_arguments(_entry(second[0])["Exec"])[0] == "/new/venv/bin/python"
    assert len(list((tmp_path / "applications").iterdir())) == 1


@pytest.mark.parametrize(
    "environ",
    [
        {"HOME": "/home/ada"},
        {"HOME": "/home/ada", "XDG_DATA_HOME": ""},
        {"HOME": "/home/ada", "XDG_DATA_HOME": "relative/share"},
    ],
)
def test_without_an_absolute_xdg_data_home_it_is_the_home_folders(environ: dict[str, str]) -> None:
    assert de.data_home(environ) == Path("/home/ada/.local/share")


@pytest.mark.parametrize("python", ["/opt/my venv/bin/python3", "/home/a$b/100%/py`x`", '/q"uote\\d/python'])
def test_awkward_interpreter_paths_survive_the_exec_quoting(tmp_path: Path, python: str) -> None:
    (path, *_icons) = de.install_desktop_entry({"XDG_DATA_HOME": str(tmp_path)}, python=python)
    value = _entry(path)["Exec"]
    assert _exec_arguments(value) == [python, "-m", "lstmviz", "%f"]
    assert value.count("%f") == 1 and "%%f" not in value


def test_an_unwritable_folder_is_one_line_exit_2(tmp_path: Path, monkeypatch, cli) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder", encoding="utf-8")
    monkeypatch.setenv("XDG_DATA_HOME", str(blocker))
    result = cli("--install-desktop-entry")
    assert result.code == 2
    lines = result.err.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("lstmviz: ") and "desktop entry" in lines[0]


def test_missing_icons_are_refused(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setattr(de, "icon_sizes", dict)
    monkeypatch.setattr(de, "icons_dir", lambda: tmp_path / "nowhere")
    with pytest.raises(CommandError, match="icons are missing"):
        de.install_desktop_entry({"XDG_DATA_HOME": str(tmp_path)}, python="/usr/bin/python3")
    assert not (tmp_path / "applications").exists()
