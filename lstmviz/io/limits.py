"""Size limits every loader enforces before reading, so a huge or hostile file is refused up front.

The limit is configurable: the ``LSTMVIZ_MAX_FILE_MB`` environment variable, or ``--max-file-mb`` on the command line
(which sets the same thing through :func:`set_max_file_bytes`).
"""

from __future__ import annotations

import os

DEFAULT_MAX_FILE_BYTES = 1 << 30  # 1 GiB
_override: int | None = None


def max_file_bytes() -> int:
    """The largest file (or decompressed archive member) any loader will read, in bytes."""
    if _override is not None:
        return _override
    env = os.environ.get("LSTMVIZ_MAX_FILE_MB")
    if env:
        try:
            return max(1, int(float(env) * (1 << 20)))
        except ValueError:
            pass
    return DEFAULT_MAX_FILE_BYTES


def set_max_file_bytes(limit: int | None) -> None:
    """Override the limit for this process (None restores the default/environment)."""
    global _override
    _override = None if limit is None else int(limit)


def describe_bytes(n: float) -> str:
    """``describe_bytes(1536) == '1.5 KB'``: sizes in messages people read."""
    for unit in ("bytes", "KB", "MB", "GB", "TB"):
        if n < 1024 or unit == "TB":
            return f"{n:.0f} {unit}" if unit == "bytes" else f"{n:.1f} {unit}"
        n /= 1024
    return f"{n:.1f} TB"
