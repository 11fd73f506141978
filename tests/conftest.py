"""Test-wide setup: headless Qt, and no test writes to the user's real settings."""

from __future__ import annotations

import os

# Must be set before any Qt module creates the QApplication; CI has no display.
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")
os.environ.setdefault("MPLBACKEND", "Agg")
