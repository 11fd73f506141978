"""Small wording helpers shared by every layer, so messages read as sentences ("2 inputs", not "2 input(s)")."""

from __future__ import annotations


def plural(count: int, noun: str) -> str:
    """``plural(1, "input") == "1 input"``, ``plural(1440, "step") == "1,440 steps"``."""
    return f"{count:,} {noun}" + ("" if count == 1 else "s")
