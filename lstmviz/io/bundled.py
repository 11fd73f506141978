"""The files lstmviz ships: icons, sample sequences, sample (trained) weights.

They live in ``resources/`` at the top of the repository; ``lstmviz/resources`` points there, and the wheel
carries them as package data under that name, so ``importlib.resources`` finds the same files in a source
checkout, an editable install and an installed wheel. Every part of lstmviz asks here, never for a path relative
to its own source file (which exists only in a checkout).
"""

from __future__ import annotations

from importlib.resources import files
from pathlib import Path

SEQUENCE_SUFFIXES = (".csv", ".tsv", ".txt", ".dat", ".npy", ".npz", ".json")
WEIGHT_SUFFIXES = (".npz", ".safetensors", ".pt", ".pth")


def resources_dir() -> Path:
    """The folder of bundled files (``lstmviz/resources`` as importlib.resources sees it).

    A checkout whose ``lstmviz/resources`` link was written as a plain file (git on Windows without symlinks)
    falls back to the repository's ``resources/`` beside the package.
    """
    bundled = Path(str(files("lstmviz") / "resources"))
    if bundled.is_dir():
        return bundled
    return Path(str(files("lstmviz"))).parent / "resources"


def icons_dir() -> Path:
    """The application icon in several PNG sizes (``lstmviz-<size>.png``) and as ``lstmviz.svg``."""
    return resources_dir() / "icons"


def action_icons_dir() -> Path:
    """The toolbar's own SVG icons (``open.svg``, ``save.svg``, ...)."""
    return icons_dir() / "actions"


def app_icon_files() -> list[Path]:
    """The application icon's files: PNGs by increasing size, then the SVG."""
    pngs = sorted(icons_dir().glob("lstmviz-*.png"), key=lambda path: _icon_size(path) or 0)
    svg = icons_dir() / "lstmviz.svg"
    return [*pngs, *([svg] if svg.is_file() else [])]


def _icon_size(path: Path) -> int | None:
    """48 for ``lstmviz-48.png``; None for a name without a size."""
    tail = path.stem.rpartition("-")[2]
    return int(tail) if tail.isdigit() else None


def icon_sizes() -> dict[int, Path]:
    """Pixel size -> PNG of the application icon (for the desktop's hicolor theme)."""
    return {size: path for path in app_icon_files() if (size := _icon_size(path)) is not None}


def sample_sequences() -> list[Path]:
    """The bundled sequence files, by name (what File > Open Sample lists)."""
    folder = resources_dir() / "sequences"
    return sorted(path for path in folder.glob("*") if path.is_file() and path.suffix in SEQUENCE_SUFFIXES)


def sample_weights() -> list[Path]:
    """The bundled trained models, by name."""
    folder = resources_dir() / "weights"
    return sorted(path for path in folder.glob("*") if path.is_file() and path.suffix in WEIGHT_SUFFIXES)


def sample_sequence(name: str) -> Path:
    """One bundled sequence by file name (it may not exist: callers check)."""
    return resources_dir() / "sequences" / name


def sample_weight(name: str) -> Path:
    """One bundled weight file by file name (it may not exist: callers check)."""
    return resources_dir() / "weights" / name
