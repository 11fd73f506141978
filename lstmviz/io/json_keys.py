"""JSON objects that name a key twice are refused, not read with the last value silently winning.

``json.loads`` keeps the last of two equal keys, so ``{"x": [1, 2], "x": [3, 4]}`` would be read as something
other than what half the file says (the ``safetensors`` package refuses such a header too). Pass
:func:`unique_keys` as ``object_pairs_hook`` and catch :class:`DuplicateKey`, whose ``key`` is the one named twice.
"""

from __future__ import annotations

from typing import Any

__all__ = ["DuplicateKey", "unique_keys"]


class DuplicateKey(ValueError):
    """A JSON object with the same key twice."""

    def __init__(self, key: str) -> None:
        super().__init__(key)
        self.key = key


def unique_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    """The object as a dict, or :class:`DuplicateKey` for the first key it names twice."""
    result: dict[str, Any] = {}
    for key, value in pairs:
        if key in result:
            raise DuplicateKey(key)
        result[key] = value
    return result
