"""Start lstmviz: with no arguments the desktop app, otherwise the command line (``python main.py --help``)."""

import sys

from lstmviz.cli.main import main

if __name__ == "__main__":
    sys.exit(main())
