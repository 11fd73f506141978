"""A small, strict reader and writer for the ``.safetensors`` format (no dependency on the ``safetensors`` package).

Layout: an 8-byte little-endian header length N, then N bytes of JSON (``{name: {"dtype", "shape",
"data_offsets": [begin, end]}, "__metadata__": {str: str}}``), then the raw little-endian tensor bytes, offsets
relative to the end of the header. The format cannot carry code, but a corrupt or hostile header could still
claim absurd sizes, so everything is checked against the real file before any tensor is read: header length vs
file size, JSON shape and types, known dtype, shape x itemsize == span, offsets inside the data and not
overlapping. Then each tensor is read from its own offset, straight into its array, only when asked
(:func:`stored_safetensors`): the file is never read whole. Errors are :class:`~lstmviz.io.errors.WeightsError`
naming the file and the problem.
"""

from __future__ import annotations

import io
import json
import os
import struct
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any, BinaryIO, cast

import numpy as np

from .atomic import atomic_open
from .errors import WeightsError
from .json_keys import DuplicateKey, unique_keys
from .limits import describe_bytes, max_file_bytes
from .quoting import quote
from .special_files import open_regular
from .stored_tensor import StoredTensor

__all__ = ["DTYPES", "read_safetensors", "stored_safetensors", "write_safetensors"]

MAX_HEADER_BYTES = 100 << 20
"""The ``safetensors`` package's own cap on the JSON header."""
DTYPES: dict[str, np.dtype] = {
    "F64": np.dtype("<f8"),
    "F32": np.dtype("<f4"),
    "F16": np.dtype("<f2"),
    "BF16": np.dtype("<u2"),  # read as raw 16 bits, widened to float32 below
    "F8_E4M3": np.dtype("u1"),  # read as raw bytes, decoded to float32 below
    "F8_E5M2": np.dtype("u1"),
    "I64": np.dtype("<i8"),
    "I32": np.dtype("<i4"),
    "I16": np.dtype("<i2"),
    "I8": np.dtype("i1"),
    "U64": np.dtype("<u8"),
    "U32": np.dtype("<u4"),
    "U16": np.dtype("<u2"),
    "U8": np.dtype("u1"),
    "BOOL": np.dtype("?"),
}
_WRITE_CODES = {np.dtype("<f8"): "F64", np.dtype("<f4"): "F32", np.dtype("<f2"): "F16"}


def _fail(name: str, problem: str) -> WeightsError:
    return WeightsError(f"{name}: {problem}")


def _bf16_to_float32(raw: np.ndarray) -> np.ndarray:
    """bfloat16 is the top half of a float32: shift the 16 bits up and reinterpret."""
    return (raw.astype(np.uint32) << 16).view(np.float32)


def _float8_table(exponent_bits: int, bias: int, infinities: bool) -> np.ndarray:
    """The float32 value of each of the 256 float8 codes (every one exact in float32).

    E4M3 (the "fn" variant safetensors means) has no infinities and one NaN pattern (all exponent and mantissa
    bits set); E5M2 follows IEEE 754: a full exponent is infinity with a zero mantissa, else NaN.
    """
    mantissa_bits = 7 - exponent_bits
    codes = np.arange(256)
    exponent = (codes >> mantissa_bits) & ((1 << exponent_bits) - 1)
    fraction = (codes & ((1 << mantissa_bits) - 1)) / (1 << mantissa_bits)
    magnitude = np.where(
        exponent == 0, fraction * 2.0 ** (1 - bias), (1 + fraction) * 2.0 ** (exponent - bias).astype(np.float64)
    )
    top = exponent == (1 << exponent_bits) - 1
    if infinities:
        magnitude = np.where(top, np.where(fraction == 0, np.inf, np.nan), magnitude)
    else:
        magnitude = np.where(top & (fraction == 1 - 1 / (1 << mantissa_bits)), np.nan, magnitude)
    return np.where(codes >> 7, -magnitude, magnitude).astype(np.float32)


_FLOAT8 = {"F8_E4M3": _float8_table(4, 7, infinities=False), "F8_E5M2": _float8_table(5, 15, infinities=True)}
_WIDENED = {"BF16", *_FLOAT8}
"""Codes read as float32 (exactly): the loader's notice names the file's type."""


def _parse_entry(
    name: str, key: str, entry: object, data_bytes: int, limit: int
) -> tuple[str, tuple[int, ...], int, int]:
    """Every field's type and range checked before any is used (a dtype may be a list, a shape 10**5000)."""
    if not isinstance(entry, dict) or set(entry) != {"dtype", "shape", "data_offsets"}:
        raise _fail(name, f"corrupt safetensors header: entry {quote(key)} is not a tensor description")
    code, shape, offsets = entry["dtype"], entry["shape"], entry["data_offsets"]
    if not isinstance(code, str) or code not in DTYPES:
        raise _fail(
            name,
            f"tensor {quote(key)} has data type {quote(code)}, which lstmviz cannot read (use F32, F64, F16 or BF16)",
        )
    if not isinstance(shape, list) or not all(type(n) is int and 0 <= n <= limit for n in shape) or len(shape) > 32:
        raise _fail(name, f"corrupt safetensors header: tensor {quote(key)} has an invalid shape {quote(shape)}")
    extent = 1
    for n in shape:
        extent *= max(n, 1)  # even an empty tensor's other dimensions must be allocatable
    if extent * DTYPES[code].itemsize > limit:
        raise _fail(
            name, f"tensor {quote(key)} claims shape {quote(tuple(shape))}, over the {describe_bytes(limit)} limit"
        )
    if not isinstance(offsets, list) or len(offsets) != 2 or not all(type(n) is int for n in offsets):
        raise _fail(name, f"corrupt safetensors header: tensor {quote(key)} has invalid data offsets {quote(offsets)}")
    begin, end = offsets
    if not 0 <= begin <= end <= data_bytes:
        raise _fail(
            name,
            f"corrupt safetensors header: tensor {quote(key)} lies at bytes {quote(begin)}-{quote(end)} "
            f"but the file holds only {data_bytes:,} bytes of data",
        )
    count = 1
    for n in shape:
        count *= n
    if count * DTYPES[code].itemsize != end - begin:
        raise _fail(
            name,
            f"corrupt safetensors header: tensor {quote(key)} of shape {tuple(shape)} and type {code} needs "
            f"{count * DTYPES[code].itemsize:,} bytes but its offsets span {end - begin:,}",
        )
    return code, tuple(shape), begin, end


def _read_header(stream: BinaryIO, name: str, size: int) -> tuple[dict[str, Any], int]:
    raw_length = stream.read(8)
    if len(raw_length) < 8:
        raise _fail(name, "is not a safetensors file (too short for a header)")
    (length,) = struct.unpack("<Q", raw_length)
    if length > size - 8 or length > MAX_HEADER_BYTES:
        raise _fail(
            name, f"corrupt safetensors header: it claims {length:,} bytes of header but the file is {size:,} bytes"
        )
    try:
        header = json.loads(stream.read(length).decode("utf-8"), object_pairs_hook=unique_keys)
    except DuplicateKey as exc:
        raise _fail(name, f"corrupt safetensors header: it names tensor {quote(exc.key)} twice") from None
    except (UnicodeDecodeError, ValueError, RecursionError):  # ValueError: JSON syntax, or a 5,000-digit number
        raise _fail(name, "corrupt safetensors header: it is not valid JSON") from None
    if not isinstance(header, dict):
        raise _fail(name, "corrupt safetensors header: it is not a JSON object")
    return header, 8 + length


def _read_span(path: Path, name: str, key: str, size: int, start: int, code: str, shape: tuple[int, ...]) -> np.ndarray:
    """One tensor, read from its own offset straight into its array (the file reopened: nothing else is read)."""
    stream, now = open_regular(path, lambda problem: _fail(name, problem))
    with stream:
        if now != size:
            raise _fail(name, f"the file changed while it was read (it was {size:,} bytes, now {now:,})")
        array = np.empty(shape, dtype=DTYPES[code])
        stream.seek(start)
        view = memoryview(array.reshape(-1).view(np.uint8))  # type: ignore[arg-type]
        got = 0
        while got < array.nbytes:
            count = cast(io.BufferedReader, stream).readinto(view[got:])
            if not count:
                raise _fail(name, f"tensor {quote(key)} is cut short (the file is truncated)")
            got += count
    if code == "BF16":
        return _bf16_to_float32(array)
    if code in _FLOAT8:
        return _FLOAT8[code][array]
    return (
        array
        if array.dtype.isnative or array.dtype.itemsize == 1
        else array.byteswap(inplace=True).view(array.dtype.newbyteorder("="))
    )


def stored_safetensors(
    path: str | os.PathLike[str], limit: int | None = None
) -> tuple[dict[str, StoredTensor], dict[str, str]]:
    """Every tensor of a ``.safetensors`` file by its header only, and its ``__metadata__``; nothing else is read.

    The whole header is checked first (types, sizes, spans inside the data, no overlaps, no name twice); each
    :class:`StoredTensor` then reads its own span when asked, so a tensor nobody uses costs nothing.
    """
    path = Path(path)
    name = os.fspath(path)
    limit = max_file_bytes() if limit is None else limit
    try:
        stream, size = open_regular(path, lambda problem: _fail(name, problem))
        with stream:
            if size > limit:
                raise _fail(name, f"the file is {describe_bytes(size)}, over the {describe_bytes(limit)} limit")
            header, data_start = _read_header(stream, name, size)
    except FileNotFoundError:
        raise _fail(name, "no such file") from None
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None
    metadata = header.pop("__metadata__", None) or {}
    if not isinstance(metadata, dict) or not all(
        isinstance(k, str) and isinstance(v, str) for k, v in metadata.items()
    ):
        raise _fail(name, "corrupt safetensors header: __metadata__ must map text to text")
    data_bytes = size - data_start
    entries = {key: _parse_entry(name, key, entry, data_bytes, limit) for key, entry in header.items()}
    spans = sorted((begin, end, key) for key, (_, _, begin, end) in entries.items() if end > begin)
    for (_, prev_end, prev_key), (begin, _, key) in zip(spans, spans[1:], strict=False):
        if begin < prev_end:
            raise _fail(name, f"corrupt safetensors header: tensors {quote(prev_key)} and {quote(key)} overlap")

    def reader(key: str, code: str, shape: tuple[int, ...], begin: int) -> Callable[[], np.ndarray]:
        def read() -> np.ndarray:
            try:
                return _read_span(path, name, key, size, data_start + begin, code, shape)
            except FileNotFoundError:
                raise _fail(name, "no such file (it was removed while it was read)") from None
            except OSError as exc:
                raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None

        return read

    stored = {
        key: StoredTensor(
            shape,
            np.dtype(np.float32) if code in _WIDENED else DTYPES[code].newbyteorder("="),
            reader(key, code, shape, begin),
            f"{code}, widened to float32" if code in _WIDENED else None,
        )
        for key, (code, shape, begin, _) in entries.items()
    }
    return stored, dict(metadata)


def read_safetensors(
    path: str | os.PathLike[str], limit: int | None = None
) -> tuple[dict[str, np.ndarray], dict[str, str]]:
    """Every tensor of a ``.safetensors`` file (BF16 and float8 widened to float32) and its ``__metadata__``, each
    read by offset."""
    stored, metadata = stored_safetensors(path, limit)
    return {key: tensor.read() for key, tensor in stored.items()}, metadata


def write_safetensors(
    path: str | os.PathLike[str], tensors: Mapping[str, np.ndarray], metadata: Mapping[str, str] | None = None
) -> None:
    """Write float16/32/64 arrays as ``.safetensors``, atomically (tensors in the given order, header 8-aligned)."""
    header: dict[str, object] = {}
    if metadata:
        header["__metadata__"] = {str(k): str(v) for k, v in metadata.items()}
    blobs: list[bytes] = []
    offset = 0
    for key, value in tensors.items():
        array = np.asarray(value)
        little = array.dtype.newbyteorder("<")
        if little not in _WRITE_CODES:
            raise WeightsError(f"{os.fspath(path)}: parameter {key} has type {array.dtype}, not a float")
        blob = np.ascontiguousarray(array, dtype=little).tobytes()
        header[key] = {
            "dtype": _WRITE_CODES[little],
            "shape": list(array.shape),
            "data_offsets": [offset, offset + len(blob)],
        }
        blobs.append(blob)
        offset += len(blob)
    text = json.dumps(header, separators=(",", ":")).encode("utf-8")
    text += b" " * (-len(text) % 8)
    with atomic_open(path, "wb") as stream:
        stream.write(struct.pack("<Q", len(text)))
        stream.write(text)
        for blob in blobs:
            stream.write(blob)
