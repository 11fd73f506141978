"""Check an installed lstmviz (a wheel in a clean virtual environment) has its bundled files: the trained demo,
the icons and the samples. Run with that environment's Python from outside the source tree, as .ci/run does:

    cd / && QT_QPA_PLATFORM=offscreen /path/to/venv/bin/python /path/to/scripts/check_installed.py

Exits 1 with one line per problem, 0 with a summary when everything is found inside the installed package.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path


def problems() -> list[str]:
    os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
    import lstmviz
    from lstmviz.io import bundled

    found: list[str] = []
    package = Path(lstmviz.__file__).resolve().parent
    source_tree = Path(__file__).resolve().parents[1]
    if source_tree in package.parents or package.parent == source_tree:
        found.append(f"lstmviz was imported from the source tree ({package}), not from the installed wheel")
    resources = bundled.resources_dir().resolve()
    if package not in resources.parents:
        found.append(f"the bundled files are at {resources}, outside the installed package {package}")
    if not bundled.icon_sizes() or not (bundled.icons_dir() / "lstmviz.svg").is_file():
        found.append(f"application icons missing under {bundled.icons_dir()}")
    for name in ("open", "save", "export", "undo", "redo"):
        if not (bundled.action_icons_dir() / f"{name}.svg").is_file():
            found.append(f"toolbar icon {name}.svg missing")
    if "sine.csv" not in [p.name for p in bundled.sample_sequences()]:
        found.append("sample sequences missing")
    if "sine_lstm_h8.npz" not in [p.name for p in bundled.sample_weights()]:
        found.append("sample weights missing")

    from PySide6.QtWidgets import QMenu

    from lstmviz.gui.app import create_application, default_document
    from lstmviz.gui.main_window import MainWindow

    app = create_application()
    document = default_document()
    network = document.network
    if not (network.cell == "lstm" and network.hidden_size == 8 and network.output_size == 1):
        found.append(f"the demo is not the trained sine LSTM but {network.describe()}")
    window = MainWindow(document, persist=False)
    if window.windowIcon().isNull() or app.windowIcon().isNull():
        found.append("the window has no icon")
    if window.actions["open"].icon().isNull():
        found.append("the Open action has no icon")
    samples = window.findChild(QMenu, "menu_samples")
    names = [a.objectName() for a in samples.actions()] if samples is not None else []
    if "action_sample_sine.csv" not in names or "action_sample_sine_lstm_h8.npz" not in names:
        found.append(f"File > Open Sample does not list the samples: {names}")
    window.close()
    return found


def main() -> int:
    found = problems()
    for line in found:
        print(f"check_installed: {line}", file=sys.stderr)
    if not found:
        from lstmviz.io import bundled

        print(f"check_installed: demo, icons and samples found in {bundled.resources_dir()}")
    return 1 if found else 0


if __name__ == "__main__":
    sys.exit(main())
