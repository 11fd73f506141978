"""NumPy sequences: ``.npy`` of shape (T,) or (T, D), ``.npz`` holding one such array (or several, ``key`` picks).

The bytes are read by :mod:`lstmviz.io.safe_arrays`, which never unpickles and checks every header against the
file; this module only decides whether the array is a sequence.
"""

from __future__ import annotations

import io
import os
import tempfile

import numpy as np

from . import safe_arrays
from .errors import FileFormatError, SequenceError
from .quoting import quote
from .seq_decode import fail
from .seq_values import finish, index_rows
from .sequence_data import SequenceData


def _as_sequence_error(exc: FileFormatError) -> SequenceError:
    return exc if isinstance(exc, SequenceError) else SequenceError(str(exc))


def _npy_bytes(data: bytes, name: str) -> np.ndarray:
    """safe_arrays reads .npy from a path; bytes from stdin go through a private temp file, renamed in messages."""
    handle, temp = tempfile.mkstemp(suffix=".npy")
    try:
        with os.fdopen(handle, "wb") as stream:
            stream.write(data)
        try:
            return safe_arrays.load_npy(temp)
        except FileFormatError as exc:
            raise SequenceError(str(exc).replace(temp, name)) from None
    finally:
        os.unlink(temp)


def read_npy(data: bytes | None, path: str | None, name: str) -> np.ndarray:
    try:
        return safe_arrays.load_npy(path) if path is not None else _npy_bytes(data or b"", name)
    except FileFormatError as exc:
        raise _as_sequence_error(exc) from None


def read_npz(data: bytes | None, path: str | None, name: str, key: str | None) -> tuple[np.ndarray, str]:
    """The chosen member and its key: the only one, or ``key``; several without a key is an error listing them."""

    def choose(keys: list[str]) -> str:
        """Decided from the zip directory, before any member is inflated."""
        listed = ", ".join(quote(k) for k in keys[:10]) + (", ..." if len(keys) > 10 else "")
        if key is not None:
            if key not in keys:
                raise fail(name, f"there is no array {quote(key)}; the arrays are {listed}")
            return key
        if len(keys) > 1:
            raise fail(name, f"holds {len(keys)} arrays ({listed}); pick one with --key")
        return keys[0]

    try:
        arrays = (
            safe_arrays.load_npz(path, choose=choose)
            if path is not None
            else safe_arrays.read_npz_stream(io.BytesIO(data or b""), name, choose=choose)
        )
    except FileFormatError as exc:
        raise _as_sequence_error(exc) from None
    ((chosen, array),) = arrays.items()
    return array, chosen


def array_sequence(array: np.ndarray, name: str, *, missing: str = "error", source: str | None = None) -> SequenceData:
    """Check that an array is a numeric (T,) or (T, D) sequence and turn it into SequenceData."""
    if array.dtype.kind not in "biuf":
        what = safe_arrays.describe_dtype(array.dtype)
        if array.dtype.names:
            raise fail(name, f"holds {what}; a sequence needs plain real numbers: save one numeric array")
        raise fail(name, f"holds {what} values; a sequence needs real numbers")
    if array.ndim not in (1, 2):
        raise fail(name, f"has shape {array.shape}; a sequence is (steps,) or (steps, inputs)")
    if array.size == 0:
        raise fail(name, f"has shape {array.shape}, which holds no values")
    values = array.astype(np.float64, copy=False).reshape(array.shape[0], -1)
    d = values.shape[1]
    labels = ("x",) if d == 1 else tuple(f"x{k}" for k in range(d))
    return finish(name, values, labels, index_rows(len(values)), missing, source=source)
