"""The bundled files are found through importlib.resources, and they are the repository's resources/ folder."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from lstmviz.io import bundled
from lstmviz.io.sequences import load_sequence
from lstmviz.io.weights import load_weights

REPO_RESOURCES = Path(__file__).resolve().parents[2] / "resources"


def test_the_bundled_folder_is_the_repositorys_resources() -> None:
    assert bundled.resources_dir().resolve() == REPO_RESOURCES.resolve()
    assert (bundled.icons_dir() / "lstmviz.svg").is_file()
    assert (bundled.action_icons_dir() / "open.svg").is_file()


def test_samples_are_every_data_file_and_nothing_else() -> None:
    expected_sequences = sorted(p.name for p in (REPO_RESOURCES / "sequences").iterdir() if p.name != "make_samples.py")
    expected_weights = sorted(p.name for p in (REPO_RESOURCES / "weights").iterdir() if p.name != "README.md")
    assert [p.name for p in bundled.sample_sequences()] == expected_sequences
    assert [p.name for p in bundled.sample_weights()] == expected_weights
    assert "sine.csv" in expected_sequences and "sine_lstm_h8.npz" in expected_weights


@pytest.mark.parametrize("path", bundled.sample_sequences(), ids=lambda p: p.name)
def test_every_sample_sequence_loads(path: Path) -> None:
    missing = "interpolate" if "gaps" in path.name else "error"
    assert load_sequence(path, missing=missing).values.shape[0] > 1


@pytest.mark.parametrize("path", [p for p in bundled.sample_weights() if p.suffix != ".pt"], ids=lambda p: p.name)
def test_every_sample_model_loads(path: Path) -> None:
    assert load_weights(path).hidden_size in (8, 16)


def test_icon_sizes_follow_the_file_names() -> None:
    sizes = bundled.icon_sizes()
    assert sorted(sizes) == [16, 24, 32, 48, 64, 128, 256, 512]
    assert sizes[48].name == "lstmviz-48.png"
    assert bundled.app_icon_files()[-1].suffix == ".svg"


def test_a_checkout_without_the_link_falls_back_to_the_top_level_folder(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Git without symlink support writes lstmviz/resources as a small text file: the repository folder is used."""
    package = tmp_path / "lstmviz"
    package.mkdir()
    (package / "resources").write_text("../resources", encoding="utf-8")
    (tmp_path / "resources" / "icons").mkdir(parents=True)
    monkeypatch.setattr(bundled, "files", lambda name: package)
    assert bundled.resources_dir() == tmp_path / "resources"


def test_python_dash_m_lstmviz_is_the_command() -> None:
    env = {**os.environ, "QT_QPA_PLATFORM": "offscreen"}
    result = subprocess.run(
        [sys.executable, "-m", "lstmviz", "--version"], capture_output=True, text=True, env=env, timeout=60, check=False
    )
    assert result.returncode == 0, result.stderr
    from lstmviz import __version__

    assert result.stdout.strip() == f"lstmviz {__version__}"
