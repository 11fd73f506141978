"""Quoting a file's own content in a message: short, one line, printable, whatever the file holds.

A refusal that echoes a 140,000-character CSV cell, a newline, an ANSI escape or a lone surrogate (which cannot
even be printed) is not one clear line. Every io message that quotes the file goes through :func:`quote`, and every
third-party message through :func:`first_sentence`.
"""

from __future__ import annotations

import re

__all__ = [
    "QUOTE_CHARS",
    "MESSAGE_CHARS",
    "quote",
    "shorten",
    "first_sentence",
    "one_line",
    "replace_surrogates",
    "surrogate_notice",
    "escape_controls",
    "CONTROL_NOTICE",
]

QUOTE_CHARS = 40
"""How much of a value from the file a message shows."""
MESSAGE_CHARS = 300
"""The longest message the command line prints beside the file's name."""
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ud800-\udfff]")
_SURROGATE = re.compile(r"[\ud800-\udfff]")
_CONTROL_ONLY = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029]")
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+(?=[A-Z(\[\"'])|\n")


def _escape(match: re.Match[str]) -> str:
    char = match.group()
    code = ord(char)
    return {"\n": "\\n", "\r": "\\r", "\t": "\\t"}.get(char, f"\\x{code:02x}" if code < 0x100 else f"\\u{code:04x}")


def shorten(text: str, limit: int = QUOTE_CHARS) -> str:
    """Control characters (and lone surrogates) escaped, then cut to ``limit`` characters with an ellipsis."""
    clean = _CONTROL.sub(_escape, text[: limit * 8])
    return clean if len(clean) <= limit and len(text) <= limit * 8 else clean[: limit - 1] + "…"


def quote(value: object, limit: int = QUOTE_CHARS) -> str:
    """A value from the file in quotes, fit for a one-line message: ``quote("a" * 500) == "'aaa…'"``."""
    text = value if isinstance(value, str) else repr(value)
    return f"'{shorten(text, limit)}'" if isinstance(value, str) else shorten(text, limit)


def first_sentence(message: object, limit: int = 160) -> str:
    """A third-party exception's text, cut to its first sentence (torch's and zipfile's run to paragraphs)."""
    text = str(message).strip() or type(message).__name__
    text = _SENTENCE_END.split(text, maxsplit=1)[0].rstrip(" .:")
    return shorten(text, limit)


def one_line(message: str, path: str = "", limit: int = MESSAGE_CHARS) -> str:
    """Whitespace folded to single spaces, control characters escaped, at most ``limit`` characters beside ``path``.

    ``path`` is the file's name when the message starts with it: the name is never cut, the rest is.
    """
    text = _CONTROL.sub(_escape, " ".join(message.split()))
    if path and text.startswith(path):
        rest = text[len(path) :]
        return path + (rest if len(rest) <= limit else rest[: limit - 1] + "…")
    return text if len(text) <= limit else text[: limit - 1] + "…"


def replace_surrogates(text: str) -> tuple[str, bool]:
    """Lone surrogates (``"\\ud800"`` in JSON is legal but not text) replaced by U+FFFD; True when any were."""
    cleaned = _SURROGATE.sub("\ufffd", text)
    return cleaned, cleaned != text


def surrogate_notice(what: str) -> str:
    """The notice a loader gives after :func:`replace_surrogates` changed ``what`` (``"the labels"``)."""
    return f"{what} held lone surrogates (\\ud800-\\udfff escapes that are not text); they were replaced by \ufffd"


CONTROL_NOTICE = (
    "the labels held control characters (such as \\x1b, which recolours a terminal); they are shown escaped"
)


def escape_controls(text: str) -> tuple[str, bool]:
    """Control characters written out (``\\x1b``, ``\\n``): a label printed as it is could move the cursor or
    recolour the terminal it is printed on. True when any were."""
    cleaned = _CONTROL_ONLY.sub(_escape, text)
    return cleaned, cleaned != text
