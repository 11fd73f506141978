"""README.md is the assembly of docs/readme/*.md (scripts/build_readme.py), and the files it shows exist."""

from __future__ import annotations

import re
import runpy
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def test_readme_is_up_to_date() -> None:
    build = runpy.run_path(str(ROOT / "scripts" / "build_readme.py"))["build"]
    assert (ROOT / "README.md").read_text(encoding="utf-8") == build(), "run: python scripts/build_readme.py"


def test_readme_images_and_the_two_commands() -> None:
    text = (ROOT / "README.md").read_text(encoding="utf-8")
    for image in re.findall(r"!\[[^\]]*\]\(([^)]+)\)", text):
        assert (ROOT / image).is_file(), image
    assert ".venv/bin/lstmviz" in text
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    test_command = "python3 -m venv .venv && .venv/bin/pip install -e '.[test]' && .venv/bin/python -m pytest"
    assert test_command in text and test_command in ci
