"""The one entry point for sequences: any file (or stdin, or typed numbers) to :class:`SequenceData`, and back.

The app and every command call :func:`load_sequence`; it picks the reader from the suffix (or, for stdin and
unknown suffixes, from the content), and every failure is a :class:`~lstmviz.io.errors.SequenceError` whose one
sentence names the file and the problem. Loading is a pure function: a failed load changes nothing.
"""

from __future__ import annotations

import csv
import dataclasses
import io
import json
import os
import re
from pathlib import Path

import numpy as np

from .atomic import atomic_open
from .errors import SequenceError
from .file_kinds import file_kind
from .mapped import mapped_file
from .quoting import quote, shorten
from .seq_arrays import array_sequence, read_npy, read_npz
from .seq_cells import split_cells
from .seq_decode import STDIN_NAME, Source, decode_text, fail, read_source
from .seq_json import load_json
from .seq_json_numbers import SMALL_JSON_BYTES
from .seq_table import load_large_table, load_table, looks_like_table
from .seq_text import text_sequence
from .seq_values import MISSING_POLICIES, check_policy, finish, index_rows
from .sequence_data import SequenceData

__all__ = [
    "SEQUENCE_SUFFIXES",
    "MISSING_POLICIES",
    "load_sequence",
    "save_sequence",
    "parse_numbers",
    "text_sequence",
]

TABLE_SUFFIXES = (".csv", ".tsv", ".tab", ".dat")
SEQUENCE_SUFFIXES: tuple[str, ...] = (*TABLE_SUFFIXES, ".txt", ".json", ".npy", ".npz")
"""Suffixes :func:`load_sequence` reads; other names are read by their content."""
SAVE_SUFFIXES = (".csv", ".npy", ".json")


_SUFFIX_KINDS = {".npy": "npy", ".npz": "npz", ".json": "json", **{suffix: "table" for suffix in TABLE_SUFFIXES}}


def _kind(source: Source, text: bool) -> str:
    """Which reader: from the suffix, else from the first bytes (stdin, ``.txt``, unknown suffixes)."""
    if text:
        return "text"
    if source.suffix in _SUFFIX_KINDS:
        return _SUFFIX_KINDS[source.suffix]
    if source.data.startswith(b"\x93NUMPY"):
        return "npy"
    if source.data.startswith(b"PK\x03\x04"):
        return "npz"
    if source.data.lstrip(b"\xef\xbb\xbf \t\r\n")[:1] in (b"[", b"{"):
        return "json"
    return "table" if looks_like_table(source.data) else "text"


@np.errstate(over="ignore", invalid="ignore", divide="ignore", under="ignore")  # results are checked, not warned
def load_sequence(
    path_or_dash: str | os.PathLike[str],
    *,
    columns: list[str] | None = None,
    missing: str = "error",
    key: str | None = None,
    text: bool = False,
    vocab: str | None = None,
    stdin_bytes: bytes | None = None,
    decimal: str | None = None,
    thousands: str | None = None,
) -> SequenceData:
    """Read a sequence file: csv/tsv/txt tables, .npy, .npz, .json, or text as one-hot characters.

    Parameters
    ----------
    path_or_dash
        The file, or ``"-"`` for standard input (whose bytes the caller passes as ``stdin_bytes``).
    columns
        Table columns to use as inputs, by header name or 0-based number; default: every numeric column except the
        time column. A named column that is not numeric is an error.
    missing
        ``error`` (default), ``interpolate``, ``ffill`` or ``drop``: what to do with empty cells, NA and NaN.
    key
        The array to take from an ``.npz`` holding several.
    text, vocab
        Read the file as characters (``.txt`` files that are not tables are read so anyway), one-hot over ``vocab``
        or, when None, over the characters in order of first appearance.
    decimal, thousands
        Tables only: force the decimal mark (``"."`` or ``","``) and the thousands separator (``""`` for none,
        ``"."``, ``","``, ``" "`` or ``"'"``); by default the mark is found per file and the separator per column.

    Raises
    ------
    SequenceError
        One sentence naming the file and the problem.
    """
    name = os.fspath(path_or_dash)
    check_policy(STDIN_NAME if name == "-" else name, missing)
    suffix = Path(name).suffix.lower()
    if name != "-" and suffix in (".npy", ".npz") and not (text or vocab is not None):
        if suffix == ".npz" and key is None and file_kind(name) == "weights":  # the one dispatcher decides
            raise fail(
                name,
                "holds network weights (weight_ih_l0, weight_hh_l0, ...), not a sequence; open it as "
                "weights (--weights), or pick an array with --key",
            )
        # safe_arrays checks the size and reads the file itself
        return _pick(_load_array(None, name, suffix.lstrip("."), key, missing), columns, name)
    if (
        name != "-"
        and suffix in (*TABLE_SUFFIXES, ".txt")
        and decimal is None
        and thousands is None
        and not text
        and vocab is None
    ):
        # A .txt file is a table only if its first bytes say so, as _kind decides for a file read whole.
        def is_table(head: bytes) -> bool:
            return _kind(Source(head, name, suffix), False) == "table"

        large = load_large_table(
            name, name, columns=columns, missing=missing, is_table=None if suffix in TABLE_SUFFIXES else is_table
        )
        if large is not None:  # None: small, or not plain numbers: read whole below
            return _with(large, source=Path(name).name)
    if name != "-" and suffix == ".json" and not text and vocab is None:
        with mapped_file(name, SMALL_JSON_BYTES + 1) as mapped:  # None: small, or read_source words the problem
            if mapped is not None:
                return _pick(_with(load_json(mapped, name, missing=missing), source=Path(name).name), columns, name)
    source = read_source(path_or_dash, stdin_bytes)
    if not source.data:
        raise fail(source.name, "the file is empty")
    kind = _kind(source, text or vocab is not None)
    display = Path(source.name).name if source.name != STDIN_NAME else source.name
    if kind == "text":
        decoded, notices = decode_text(source.data, source.name)
        return _with(text_sequence(decoded, vocab, source=source.name), source=display, notices=notices)
    if kind == "json":
        return _pick(_with(load_json(source.data, source.name, missing=missing), source=display), columns, name)
    if kind in ("npy", "npz"):
        return _pick(_load_array(source, source.name, kind, key, missing), columns, name)
    path = None if source.name == STDIN_NAME else source.name
    return _with(
        load_table(
            source.data, source.name, columns=columns, missing=missing, path=path, decimal=decimal, thousands=thousands
        ),
        source=display,
    )


def _load_array(source: Source | None, name: str, kind: str, key: str | None, missing: str) -> SequenceData:
    """``.npy``/``.npz`` from a path (``source`` None: safe_arrays reads it) or from bytes already read."""
    data = None if source is None else source.data
    path = name if source is None or source.name != STDIN_NAME else None
    display = Path(name).name if name != STDIN_NAME else name
    if kind == "npy":
        array, label = read_npy(data, path, name), display
    else:
        array, member = read_npz(data, path, name, key)
        label = f"{display} [{member}]"
    return array_sequence(array, name, missing=missing, source=label)


def _pick(seq: SequenceData, columns: list[str] | None, name: str) -> SequenceData:
    """``columns`` for arrays and JSON: inputs by label (``x1``, or JSON ``labels``) or 0-based number."""
    if not columns:
        return seq
    labels = seq.input_labels
    chosen = []
    for wanted in columns:
        if wanted in labels:
            chosen.append(labels.index(wanted))
        elif wanted.strip().isdigit() and int(wanted) < len(labels):
            chosen.append(int(wanted))
        else:
            listed = ", ".join(quote(label) for label in labels[:20])
            raise fail(name, f'there is no column "{shorten(wanted)}"; the columns are {listed}')
    return dataclasses.replace(seq, values=seq.values[:, chosen], input_labels=tuple(labels[k] for k in chosen))


def _with(seq: SequenceData, *, source: str, notices: tuple[str, ...] = ()) -> SequenceData:
    """The same sequence with its display source (the file's name, not its folder) and extra notices."""
    return dataclasses.replace(seq, source=source, notices=(*seq.notices, *notices))


_TYPED_SPLIT = re.compile(r"[\s,]+")


def parse_numbers(text: str) -> SequenceData:
    """Numbers a person types: ``"0.1, 0.5 -1"`` is three steps; several lines (``"1 2\\n3 4"``) are rows.

    Separators are commas, semicolons and spaces; with semicolons, commas are decimal commas (``"0,5; 1,5"``).
    Empty cells are not allowed here (there is nothing to interpolate a typed value from).
    """
    name = "typed numbers"
    lines = [line for line in text.replace("\r", "\n").split("\n") if line.strip()]
    if not lines:
        raise fail(name, "nothing was typed")
    semicolons = ";" in text
    rows: list[list[str]] = []
    for line in lines:
        cells = (
            split_cells(line.replace(";", " "), None)
            if semicolons
            else [c for c in _TYPED_SPLIT.split(line.strip()) if c]
        )
        rows.append([c.replace(",", ".") for c in cells] if semicolons else cells)
    if len(rows) == 1:
        rows = [[cell] for cell in rows[0]]
    width = len(rows[0])
    values = np.empty((len(rows), width))
    for r, cells in enumerate(rows):
        if len(cells) != width:
            raise fail(name, f"line {r + 1} has {len(cells)} numbers, but line 1 has {width}")
        for c, cell in enumerate(cells):
            try:
                values[r, c] = float(cell) if "_" not in cell else float("x")
            except ValueError:
                raise fail(name, f"{quote(cell)} is not a number") from None
    if np.isnan(values).any():
        raise fail(name, "NaN is not a number lstmviz can use here")
    labels = ("x",) if width == 1 else tuple(f"x{k}" for k in range(width))
    return finish(name, values, labels, index_rows(len(values)), "error", source="typed numbers")


def _csv_text(seq: SequenceData) -> str:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\n")
    header = ([seq.time_label] if seq.time is not None else []) + list(seq.input_labels)
    writer.writerow(header)
    matrix = seq.values if seq.time is None else np.column_stack([seq.time, seq.values])
    buffer.write("\n".join(",".join(map(repr, row)) for row in matrix.tolist()))
    buffer.write("\n")
    return buffer.getvalue()


def _json_text(seq: SequenceData) -> str:
    document: dict[str, object] = {"x": seq.values.tolist(), "labels": list(seq.input_labels)}
    if seq.time is not None:
        document["t"] = seq.time.tolist()
        document["time_label"] = seq.time_label
    return json.dumps(document, allow_nan=False)


def save_sequence(seq: SequenceData, path: str | os.PathLike[str]) -> None:
    """Write ``seq`` atomically as ``.csv`` (header, time column first when there is one), ``.npy`` (values only)
    or ``.json`` (``x``, ``t``, ``labels``, ``time_label``: reloads exactly).

    Raises
    ------
    SequenceError
        Unsupported suffix, or the file cannot be written (the message names it).
    """
    name = os.fspath(path)
    suffix = Path(name).suffix.lower()
    if suffix not in SAVE_SUFFIXES:
        raise fail(
            name, f"cannot save a sequence as {suffix or 'a file without suffix'}; use {', '.join(SAVE_SUFFIXES)}"
        )
    try:
        if suffix == ".npy":
            with atomic_open(name, "wb") as stream:
                np.save(stream, np.asarray(seq.values), allow_pickle=False)
        else:
            content = _csv_text(seq) if suffix == ".csv" else _json_text(seq)
            with atomic_open(name, "w", encoding="utf-8", newline="") as stream:
                stream.write(content)
    except OSError as exc:
        raise fail(name, f"cannot be written ({exc.strerror or exc})") from None
    except ValueError as exc:  # NaN/inf in values cannot go into JSON
        raise SequenceError(f"{name}: cannot be written ({exc})") from None
