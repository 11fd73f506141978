"""Trace and gradient export to ``.npz`` and ``.csv`` (or CSV to a stream such as standard output).

``.npz`` (keys as in the notebook API, so ``np.load(path)["f_l0"]`` is ``trace["f_l0"]``):
  trace: ``x`` (T, D), ``t`` (T,), then every trace key (``i_l0``, ``f_l0``, ..., ``h_l0``, ``y``);
  gradients: every key of the record, 0-d ``loss`` and ``clip_scale`` included.

``.csv``, one row per step, one header row; column names:
  1. the time column, named by the sequence's ``time_label`` (``step`` without a sequence);
  2. the inputs, named by the sequence's input labels (``x`` or ``x0, x1, ...`` without one);
  3. one column per unit per quantity, ``<key>_<unit>``: ``i_l0_0, i_l0_1, ..., h_l0_7``, ``y_0``; a (T,) array
     such as ``grad_norm_h_l0`` is one column under its own key.
  Labels that would repeat a column name get ``_2``, ``_3``... appended; control characters in labels are escaped.
  Numbers are written with Python's shortest exact repr (float64) or 9 significant digits (float32), so reading
  the file back gives the same values; a whole-number time axis is written as integers.

Writes are atomic (a temp file beside the target, then replace); errors are :class:`ExportError` naming the file.
"""

from __future__ import annotations

import csv
import io
import os
import re
import sys
from collections.abc import Iterator, Mapping
from pathlib import Path
from typing import IO, Any, BinaryIO, cast

import numpy as np

from .atomic import atomic_open
from .errors import ExportError
from .sequence_data import SequenceData

__all__ = ["export_trace", "export_gradients", "EXPORT_SUFFIXES", "trace_columns"]

EXPORT_SUFFIXES: tuple[str, ...] = (".npz", ".csv")
_ROWS_PER_CHUNK = 2048
_PARAMETER = re.compile(r"^grad_((weight|bias)_(ih|hh)_l\d+|fc\.(weight|bias))$")

Block = tuple[list[str], np.ndarray]
"""Column names and the (T, k) values under them."""


def _fail(name: str, problem: str) -> ExportError:
    return ExportError(f"{name}: {problem}")


def _format_of(path: str | os.PathLike[str]) -> str:
    if os.fspath(path) == "-":
        return ".csv"
    suffix = Path(path).suffix.lower()
    if suffix not in EXPORT_SUFFIXES:
        raise _fail(os.fspath(path), f"cannot export to {suffix or '(no suffix)'!r}; use .npz or .csv")
    return suffix


def _label(text: str) -> str:
    """A label fit for a header cell: control characters (a one-hot ``\\n``) escaped, never empty."""
    text = "".join(ch if ch.isprintable() else ch.encode("unicode_escape").decode("ascii") for ch in text)
    return text if text else "' '"


def _unique(names: list[str]) -> list[str]:
    """Column names with repeats made distinct (``h``, ``h_2``), so every column can be addressed by name."""
    taken: set[str] = set()
    out = []
    for name in names:
        candidate, count = name, 1
        while candidate in taken:
            count += 1
            candidate = f"{name}_{count}"
        taken.add(candidate)
        out.append(candidate)
    return out


def _unit_block(key: str, array: np.ndarray) -> Block:
    if array.ndim == 1:
        return [key], array[:, None]
    return [f"{key}_{j}" for j in range(array.shape[1])], array.reshape(array.shape[0], -1)


def _time_block(steps: int, sequence: SequenceData | None) -> Block:
    if sequence is None:
        return ["step"], np.arange(steps, dtype=np.float64)[:, None]
    return [_label(sequence.time_label) if sequence.time_label else "step"], sequence.time_axis[:, None]


def trace_columns(trace: Mapping[str, np.ndarray], sequence: SequenceData | None = None) -> list[str]:
    """The CSV header :func:`export_trace` writes for this trace (for the GUI's column pickers and the docs)."""
    return [name for names, _ in _trace_blocks(trace, sequence) for name in names]


def _trace_blocks(trace: Mapping[str, np.ndarray], sequence: SequenceData | None) -> list[Block]:
    x = np.asarray(trace["x"])
    steps = x.shape[0]
    if sequence is not None and sequence.steps != steps:
        raise ValueError(f"the sequence has {sequence.steps} steps but the trace has {steps}")
    if sequence is not None and len(sequence.input_labels) == x.shape[1]:
        inputs = [_label(label) for label in sequence.input_labels]
    else:
        inputs = ["x"] if x.shape[1] == 1 else [f"x{k}" for k in range(x.shape[1])]
    blocks = [_time_block(steps, sequence), (inputs, x)]
    blocks += [_unit_block(key, np.asarray(trace[key])) for key in trace if key != "x"]
    names = _unique([name for block_names, _ in blocks for name in block_names])
    out, position = [], 0
    for block_names, values in blocks:
        out.append((names[position : position + len(block_names)], values))
        position += len(block_names)
    return out


def _number_format(values: np.ndarray) -> str:
    if values.dtype == np.float32:
        return "%.9g"
    if values.dtype.kind in "iub":
        return "%d"
    finite = values.size and np.all(np.isfinite(values))
    if finite and np.all(values == np.round(values)) and np.abs(values).max() < 2**53:
        return "%d"
    return "%r"


def _csv_lines(blocks: list[Block]) -> Iterator[str]:
    """The data rows, a chunk of steps at a time, so a 100,000-step trace never exists as one big string."""
    steps = blocks[0][1].shape[0]
    row_format = ",".join(",".join([_number_format(values)] * values.shape[1]) for _, values in blocks) + "\n"
    for start in range(0, steps, _ROWS_PER_CHUNK):
        stop = min(start + _ROWS_PER_CHUNK, steps)
        columns = [values[start:stop].tolist() for _, values in blocks]
        rows = ([value for part in parts for value in part] for parts in zip(*columns, strict=True))
        yield "".join(row_format % tuple(row) for row in rows)


def _write_csv(blocks: list[Block], out: IO[str]) -> None:
    csv.writer(out, lineterminator="\n").writerow([name for names, _ in blocks for name in names])
    for lines in _csv_lines(blocks):
        out.write(lines)


def _emit_csv(blocks: list[Block], path: str | os.PathLike[str], stream: IO[Any] | None) -> None:
    if os.fspath(path) == "-":
        target = stream if stream is not None else sys.stdout
        if isinstance(target, (io.RawIOBase, io.BufferedIOBase)):
            text = io.TextIOWrapper(cast(BinaryIO, target), encoding="utf-8", newline="", write_through=True)
            _write_csv(blocks, text)
            text.detach()
        else:
            _write_csv(blocks, target)
        target.flush()
        return
    with atomic_open(path, "w", encoding="utf-8", newline="") as out:
        _write_csv(blocks, out)


def _emit_npz(arrays: Mapping[str, np.ndarray], path: str | os.PathLike[str]) -> None:
    """Uncompressed: numpy streams each array into the zip in chunks, so memory stays near the arrays' own size."""
    with atomic_open(path, "wb") as out:
        np.savez(out, **cast("dict[str, Any]", {key: np.asarray(value) for key, value in arrays.items()}))


def _run(name: str, action: Any) -> None:
    try:
        action()
    except BrokenPipeError:
        raise _fail(name, "the reading end of the pipe closed before the export finished") from None
    except OSError as exc:
        raise _fail(name, f"cannot be written ({exc.strerror or exc})") from None
    except ValueError as exc:
        if isinstance(exc, ExportError):
            raise
        raise _fail(name, str(exc)) from None


def export_trace(
    trace: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    sequence: SequenceData | None = None,
    stream: IO[Any] | None = None,
) -> None:
    """Write a trace to ``.npz`` or ``.csv`` (``path == "-"``: CSV to ``stream``, standard output by default).

    ``t`` / the time column is ``sequence.time_axis`` when a sequence is given, else 0..T-1; the column scheme is
    in the module docstring.
    """
    name = "standard output" if os.fspath(path) == "-" else os.fspath(path)
    if "x" not in trace:
        raise _fail(name, "the trace has no input x to export")
    if _format_of(path) == ".csv":
        _run(name, lambda: _emit_csv(_trace_blocks(trace, sequence), path, stream))
        return
    steps = np.asarray(trace["x"]).shape[0]
    if sequence is not None and sequence.steps != steps:
        raise _fail(name, f"the sequence has {sequence.steps} steps but the trace has {steps}")
    time = sequence.time_axis if sequence is not None else np.arange(steps, dtype=np.float64)
    arrays = {"x": trace["x"], "t": time, **{key: trace[key] for key in trace if key != "x"}}
    _run(name, lambda: _emit_npz(arrays, path))


def _parameter_keys(grads: Mapping[str, np.ndarray]) -> set[str]:
    method = getattr(grads, "parameter_gradients", None)
    if callable(method):
        return {"grad_" + key for key in method()}
    return {key for key in grads if _PARAMETER.match(key)}


def export_gradients(
    grads: Mapping[str, np.ndarray],
    path: str | os.PathLike[str],
    stream: IO[Any] | None = None,
    sequence: SequenceData | None = None,
) -> None:
    """Write a BPTT record: every key to ``.npz``; to ``.csv`` the per-step arrays (first dimension T) only."""
    name = "standard output" if os.fspath(path) == "-" else os.fspath(path)
    if _format_of(path) == ".npz":
        _run(name, lambda: _emit_npz(dict(grads), path))
        return
    parameters = _parameter_keys(grads)
    per_step = {k: np.asarray(v) for k, v in grads.items() if k not in parameters and np.ndim(v) in (1, 2)}
    if not per_step:
        raise _fail(name, "the gradient record has no per-step arrays to write as CSV; export to .npz instead")
    steps = sequence.steps if sequence is not None else next(iter(per_step.values())).shape[0]
    blocks = [_time_block(steps, sequence)]
    blocks += [_unit_block(key, value) for key, value in per_step.items() if value.shape[0] == steps]
    _run(name, lambda: _emit_csv(blocks, path, stream))
