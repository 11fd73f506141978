"""Thousands separators, detected per column as spreadsheet importers do: "1.234,5", "1.234.567", "1 234,5", "1,234".

A column is read with a separator only when plain parsing leaves words in it and every present cell fits one
style (grouped in threes, or plain digits with that style's decimal mark), at least one of them grouped. A column
of "0.125" and "1.500" parses as plain numbers and is never touched, so three-decimal data keeps its values.
"""

from __future__ import annotations

import re

from .seq_cells import is_missing

__all__ = ["STYLES", "detect_thousands", "fits", "strip_thousands", "describe_style"]

_SPACES = " \u00a0\u202f"
STYLES: dict[str, tuple[re.Pattern[str], re.Pattern[str], str]] = {
    # separator: (grouped cell, plain cell, decimal mark)
    ".": (re.compile(r"[-+]?\d{1,3}(?:\.\d{3})+(?:,\d+)?"), re.compile(r"[-+]?\d+(?:,\d+)?"), ","),
    " ": (re.compile(r"[-+]?\d{1,3}(?:[ \u00a0\u202f]\d{3})+(?:,\d+)?"), re.compile(r"[-+]?\d+(?:,\d+)?"), ","),
    ",": (re.compile(r"[-+]?\d{1,3}(?:,\d{3})+(?:\.\d+)?"), re.compile(r"[-+]?\d+(?:\.\d+)?"), "."),
    "'": (re.compile(r"[-+]?\d{1,3}(?:'\d{3})+(?:\.\d+)?"), re.compile(r"[-+]?\d+(?:\.\d+)?"), "."),
}


def detect_thousands(cells: list[str]) -> str | None:
    """The one style every present cell fits, with at least one grouped cell; None when there is none."""
    present = [cell for cell in cells if cell and not is_missing(cell)]
    if not present:
        return None
    for separator, (grouped, plain, _) in STYLES.items():
        if any(grouped.fullmatch(c) for c in present) and all(
            grouped.fullmatch(c) or plain.fullmatch(c) for c in present
        ):
            return separator
    return None


def fits(cells: list[str], separator: str) -> bool:
    """Every present cell is grouped or plain in this style (a later chunk of a column already detected)."""
    grouped, plain, _ = STYLES[separator]
    return all(grouped.fullmatch(c) or plain.fullmatch(c) for c in cells if c and not is_missing(c))


def strip_thousands(cells: list[str], separator: str, decimal: str | None = None) -> list[str]:
    """Cells rewritten as plain numbers: separators dropped, the decimal mark made a point."""
    mark = STYLES[separator][2] if decimal is None and separator in STYLES else (decimal or ".")
    drop = _SPACES if separator == " " else separator
    table = str.maketrans({**{ch: None for ch in drop}, **({mark: "."} if mark != "." else {})})
    return [cell.translate(table) for cell in cells]


def describe_style(separator: str) -> str:
    """``'"." for thousands and "," for decimals'``: how the notice names what was read."""
    mark = STYLES[separator][2] if separator in STYLES else "."
    name = "spaces" if separator == " " else f'"{separator}"'
    return f'{name} for thousands and "{mark}" for decimals'
