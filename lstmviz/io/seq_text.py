"""Text read character by character: each character becomes one step, one-hot over the text's vocabulary.

This is how character-level language models see text, and it makes the input units nameable: unit k is "the
letter e", so plots label input rows with the vocabulary itself.
"""

from __future__ import annotations

import numpy as np

from .seq_decode import fail
from .sequence_data import SequenceData

MAX_ONE_HOT_CELLS = 1 << 26
"""64 Mi cells (512 MB as float64): refuse a text whose steps x vocabulary would need more."""

_PRINTABLE = {" ": "␣", "\n": "\\n", "\t": "\\t", "\r": "\\r"}


def printable(char: str) -> str:
    """A label a plot can show: space as '␣', newline as '\\n', other control characters escaped."""
    if char in _PRINTABLE:
        return _PRINTABLE[char]
    if not char.isprintable():
        return char.encode("unicode_escape").decode("ascii")
    return char


def _codes(text: str) -> np.ndarray:
    """Unicode code points of ``text`` as one array, so the work below is vectorised."""
    return np.frombuffer(text.encode("utf-32-le", errors="surrogatepass"), dtype=np.uint32)


CHUNK = 1 << 20
"""Characters looked at a time when finding the vocabulary, so memory stays a chunk's worth of indices."""


def _first_appearance(codes: np.ndarray) -> tuple[str, ...]:
    """The distinct characters in the order they first appear, a chunk at a time (``np.unique`` over the whole text
    with ``return_index`` sorts a copy and makes an 8-byte index per character: 240 MB for 20 million)."""
    seen: dict[int, None] = {}
    for start in range(0, len(codes), CHUNK):
        unique, first = np.unique(codes[start : start + CHUNK], return_index=True)
        for code in unique[np.argsort(first)].tolist():
            seen.setdefault(code)
    return tuple(chr(code) for code in seen)


def _vocabulary(name: str, codes: np.ndarray, vocab: str | None) -> tuple[str, ...]:
    if vocab is None:
        return _first_appearance(codes)
    if not vocab:
        raise fail(name, "the vocabulary is empty")
    duplicated = next((c for k, c in enumerate(vocab) if c in vocab[:k]), None)
    if duplicated is not None:
        raise fail(name, f"the vocabulary lists {printable(duplicated)!r} twice")
    outside = np.flatnonzero(~np.isin(codes, _codes(vocab)))
    if len(outside):
        k = int(outside[0])
        raise fail(
            name,
            f"character {printable(chr(codes[k]))!r} at position {k:,} is not in the "
            f"vocabulary {''.join(printable(c) for c in vocab)!r}",
        )
    return tuple(vocab)


def text_sequence(text: str, vocab: str | None = None, source: str = "typed text") -> SequenceData:
    """One-hot encode ``text``: step t has a 1 in the column of character ``text[t]``.

    Parameters
    ----------
    text
        The characters, one per step (newlines included).
    vocab
        Fixed vocabulary, one character per input unit in this order; None uses the characters of ``text`` in the
        order they first appear. A character outside a fixed vocabulary is an error naming it.
    source
        Name for titles and messages (the file name when read from a file).
    """
    if not text:
        raise fail(source, "there is no text to read")
    if len(text) > MAX_ONE_HOT_CELLS:  # refused before encoding: even a one-letter vocabulary would not fit
        raise fail(
            source,
            f"{len(text):,} characters is too long to one-hot encode (at most "
            f"{MAX_ONE_HOT_CELLS:,} cells); use a shorter text",
        )
    codes = _codes(text)
    vocabulary = _vocabulary(source, codes, vocab)
    if len(text) * len(vocabulary) > MAX_ONE_HOT_CELLS:
        raise fail(
            source,
            f"{len(text):,} characters x {len(vocabulary):,} vocabulary entries is too large to "
            f"one-hot encode (at most {MAX_ONE_HOT_CELLS:,} cells); use a shorter text or fewer characters",
        )
    # one column at a time: steps x vocabulary comparisons, at most MAX_ONE_HOT_CELLS, and no 8-byte index per
    # character (a 20-million-character text peaked at 700 MB with them, for 160 MB of values)
    values = np.zeros((len(codes), len(vocabulary)), dtype=np.float64)
    hits = np.empty(len(codes), dtype=np.bool_)
    for column, char in enumerate(vocabulary):
        np.equal(codes, ord(char), out=hits)
        values[:, column] = hits
    return SequenceData(
        values=values,
        input_labels=tuple(printable(c) for c in vocabulary),
        source=source,
        vocabulary=vocabulary,
        text=text,
    )
