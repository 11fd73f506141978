"""The ``lstmviz`` command: the desktop app with no subcommand, headless subcommands otherwise.

(Stub: the subcommands land with the command-line work; this starts the app.)
"""

from __future__ import annotations

import sys


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    from ..gui.app import run_app  # noqa: PLC0415  (Qt only when the app is wanted)

    return run_app(argv)
