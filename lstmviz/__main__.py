"""``python -m lstmviz``: the same as the ``lstmviz`` command (the app, or a subcommand)."""

import sys

from .cli.main import main

if __name__ == "__main__":
    sys.exit(main())
