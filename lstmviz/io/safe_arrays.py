"""Read ``.npy`` and ``.npz`` files that may be hostile: no unpickling, no allocation the file cannot back.

``np.load`` trusts the file: a 100-byte ``.npy`` whose header claims a trillion elements makes it try to allocate
terabytes, and an ``.npz`` that is a zip bomb decompresses until memory runs out. Here every claim is checked
against what is really on disk before a byte of data is read:

- the file size against the limit (:func:`lstmviz.io.limits.max_file_bytes` unless given);
- the ``.npy`` header (parsed with :func:`ast.literal_eval`, never unpickled): an object dtype (even one nested
  in a record field) is refused before reading, as are sub-array, zero-size and field-less record types; shape x
  itemsize must equal the bytes that follow the header. Structured records and big-endian arrays are read (the
  latter swapped to native order in place); the sequence and weight readers then refuse records in one sentence;
- each ``.npz`` member's declared uncompressed size against the limit, the members' total against the limit, the
  compression ratio (a zip bomb), and the ``.npy`` header inside against the declared size;
- decompression is bounded by what really comes out, not by the directory's claims: members are read in 1 MiB
  chunks into a buffer whose pages are committed only as bytes arrive (a claim costs nothing until the data backs
  it), every inflated byte is counted against the archive's budget (the limit), at most the declared bytes are
  taken and then the stream must end (its CRC checked); only stored and deflate members are read, because
  zipfile inflates a bzip2 or lzma chunk whole, however large it grows.

Every refusal is a :class:`~lstmviz.io.errors.FileFormatError` whose message names the file and the problem.
"""

from __future__ import annotations

import ast
import contextlib
import io
import lzma
import os
import struct
import warnings
import zipfile
import zlib
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

import numpy as np

from .errors import FileFormatError
from .limits import describe_bytes, max_file_bytes
from .quoting import first_sentence, quote, shorten
from .special_files import open_regular
from .stored_tensor import StoredTensor

__all__ = [
    "MAX_COMPRESSION_RATIO",
    "describe_dtype",
    "load_npy",
    "load_npz",
    "read_npy_bytes",
    "read_npz_stream",
    "stored_npz",
]

NPY_MAGIC = b"\x93NUMPY"
MAX_HEADER_BYTES = 65536
"""numpy's own default is 10,000; structured dtypes with many fields need a little more."""
MAX_COMPRESSION_RATIO = 500
"""Deflate tops out near 1030:1 (all zeros); real arrays compress far less (a one-hot text: ~100-160:1)."""
RATIO_CHECK_MIN_BYTES = 16 << 20
"""Members smaller than this are harmless whatever their ratio, so a small compressed array of zeros still loads."""
MAX_MEMBERS = 10_000
MAX_EXTENT_BYTES = 1 << 62
"""Even an empty array's non-zero dimensions must multiply to something NumPy can index."""
_CHUNK = 1 << 20
_READ_METHODS = (zipfile.ZIP_STORED, zipfile.ZIP_DEFLATED)
"""zipfile inflates deflate with a cap per call; bzip2 and lzma chunks it inflates whole (a few KB can become GBs)."""
_METHOD_NAMES = {zipfile.ZIP_BZIP2: "bzip2", zipfile.ZIP_LZMA: "lzma", 9: "deflate64"}


def _fail(name: str, problem: str) -> FileFormatError:
    return FileFormatError(f"{name}: {problem}")


def _open_checked(path: Path, name: str, limit: int) -> tuple[IO[bytes], int]:
    """Open a regular file (never a FIFO or device) and check its size before reading anything."""
    try:
        stream, size = open_regular(path, lambda problem: _fail(name, problem))
    except FileNotFoundError:
        raise _fail(name, "no such file") from None
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None
    try:
        if size > limit:
            raise _fail(
                name,
                f"the file is {describe_bytes(size)}, over the {describe_bytes(limit)} limit (LSTMVIZ_MAX_FILE_MB)",
            )
        if size == 0:
            raise _fail(name, "the file is empty")
    except FileFormatError:
        stream.close()
        raise
    return stream, size


def _read_exact(stream: IO[bytes], count: int) -> bytes:
    data = stream.read(count)
    return data if data is not None else b""


def _read_npy_header(stream: IO[bytes], name: str) -> tuple[np.dtype, tuple[int, ...], bool, int]:
    """Parse the header without numpy's loader: (dtype, shape, fortran_order, header length in bytes)."""
    magic = _read_exact(stream, 8)
    if len(magic) < 8 or magic[:6] != NPY_MAGIC:
        raise _fail(name, "is not a NumPy .npy array (the file does not start with the .npy signature)")
    major, minor = magic[6], magic[7]
    if (major, minor) not in ((1, 0), (2, 0), (3, 0)):
        raise _fail(name, f"uses .npy format version {major}.{minor}, which lstmviz does not know")
    length_format = "<H" if major == 1 else "<I"
    raw_length = _read_exact(stream, struct.calcsize(length_format))
    if len(raw_length) < struct.calcsize(length_format):
        raise _fail(name, "the .npy header is cut short")
    (header_length,) = struct.unpack(length_format, raw_length)
    if header_length > MAX_HEADER_BYTES:
        raise _fail(name, f"the .npy header claims {header_length:,} bytes, more than any real array needs")
    raw_header = _read_exact(stream, header_length)
    if len(raw_header) < header_length:
        raise _fail(name, "the .npy header is cut short")
    try:
        header = ast.literal_eval(raw_header.decode("utf-8" if major == 3 else "latin-1"))
    except (SyntaxError, ValueError, UnicodeDecodeError, RecursionError, MemoryError, TypeError):
        raise _fail(name, "the .npy header is not a valid array description") from None
    if not isinstance(header, dict) or set(header) != {"descr", "fortran_order", "shape"}:
        raise _fail(name, "the .npy header is not a valid array description")
    shape = header["shape"]
    if (
        not isinstance(shape, tuple)
        or len(shape) > 32
        or not all(isinstance(n, int) and not isinstance(n, bool) and n >= 0 for n in shape)
    ):
        raise _fail(name, f"the .npy header has an invalid shape {quote(shape)}")
    if not isinstance(header["fortran_order"], bool):
        raise _fail(name, "the .npy header is not a valid array description")
    try:
        with warnings.catch_warnings():  # deprecated aliases ("a" for "S") warn: not the user's line
            warnings.simplefilter("ignore")
            dtype = np.lib.format.descr_to_dtype(header["descr"])
    except Exception:
        raise _fail(name, f"the .npy header names an unknown data type {quote(header['descr'])}") from None
    if dtype.hasobject:
        raise _fail(
            name, "holds Python objects (a pickled object array); lstmviz never unpickles files, save plain numbers"
        )
    if dtype.subdtype is not None or dtype.itemsize == 0:
        raise _fail(
            name,
            f"the .npy header names data type {quote(str(dtype))}, which holds no plain numbers "
            "(a sub-array or zero-size type)",
        )
    if dtype.fields is not None and not dtype.names:
        raise _fail(
            name,
            f"the .npy header names a record type of {dtype.itemsize:,} bytes with no fields, which holds no numbers",
        )
    extent = 1
    for n in shape:
        extent *= max(n, 1)  # an empty array's other dimensions must still be allocatable
    if extent * dtype.itemsize > MAX_EXTENT_BYTES:
        raise _fail(name, f"the .npy header claims shape {quote(shape)}, far larger than any file lstmviz reads")
    return dtype, shape, header["fortran_order"], 8 + len(raw_length) + header_length


def _claimed_bytes(dtype: np.dtype, shape: tuple[int, ...]) -> int:
    count = 1
    for n in shape:
        count *= n  # Python ints: a trillion-element claim cannot overflow
    return count * dtype.itemsize


def describe_dtype(dtype: np.dtype) -> str:
    """A data type as a message shows it: short, whatever the file declared (records by their first field names)."""
    if dtype.names:
        fields = ", ".join(quote(field, 20) for field in dtype.names[:3]) + (", ..." if len(dtype.names) > 3 else "")
        return f"structured records (fields {fields})"
    return shorten(str(dtype))


def _describe_claim(dtype: np.dtype, shape: tuple[int, ...]) -> str:
    return f"shape {shorten(str(shape))} of {describe_dtype(dtype)} ({describe_bytes(_claimed_bytes(dtype, shape))})"


class InflateBudget:
    """Bytes an archive may still inflate: every byte that comes out of a member is counted, whatever was claimed."""

    def __init__(self, name: str, limit: int) -> None:
        self.name, self.limit, self.spent = name, limit, 0

    def spend(self, label: str, count: int) -> None:
        self.spent += count
        if self.spent > self.limit:
            raise _fail(
                label,
                f"inflates past the {describe_bytes(self.limit)} limit while reading (more than the "
                "archive's directory claims), which looks like a zip bomb",
            )


def _read_array_data(
    stream: IO[bytes],
    name: str,
    dtype: np.dtype,
    shape: tuple[int, ...],
    fortran: bool,
    nbytes: int,
    budget: InflateBudget | None = None,
) -> np.ndarray:
    """Read exactly ``nbytes`` in bounded chunks straight into the array, then make sure the stream has ended.

    ``np.empty`` of a large size is mapped, not written: its pages are committed only as the data fills them, so a
    header or directory that claims gigabytes costs only the bytes that really arrive before the refusal.
    """
    buffer = np.empty(nbytes, dtype=np.uint8)
    position = 0
    while position < nbytes:
        chunk = stream.read(min(_CHUNK, nbytes - position))
        if not chunk:
            raise _fail(name, f"the data ends after {position:,} of {nbytes:,} bytes (the file is truncated)")
        if budget is not None:
            budget.spend(name, len(chunk))
        buffer[position : position + len(chunk)] = np.frombuffer(chunk, dtype=np.uint8)
        position += len(chunk)
    if stream.read(1):
        raise _fail(name, f"there is more data after the {nbytes:,} bytes the header describes")
    array = buffer.view(dtype) if nbytes else np.empty(0, dtype=dtype)
    array = array.reshape(shape, order="F" if fortran else "C")
    if dtype.byteorder not in ("=", "|") and dtype.fields is None:
        array = array.byteswap(inplace=True).view(_native(dtype))  # native order, in place: no copy
    return array


def _check_claim(name: str, dtype: np.dtype, shape: tuple[int, ...], available: int, limit: int) -> int:
    claimed = _claimed_bytes(dtype, shape)
    if claimed > limit:
        raise _fail(name, f"the header claims {_describe_claim(dtype, shape)}, over the {describe_bytes(limit)} limit")
    if claimed != available:
        what = "is truncated" if claimed > available else "has extra data after the array"
        raise _fail(
            name,
            f"the header claims {_describe_claim(dtype, shape)} but {available:,} bytes follow it (the file {what})",
        )
    return claimed


def load_npy(path: str | os.PathLike[str], limit: int | None = None) -> np.ndarray:
    """Read one ``.npy`` array safely; raises :class:`FileFormatError` naming the file and the problem.

    Parameters
    ----------
    path
        The ``.npy`` file.
    limit
        Largest file size in bytes; :func:`lstmviz.io.limits.max_file_bytes` when None.
    """
    path = Path(path)
    name = os.fspath(path)
    limit = max_file_bytes() if limit is None else limit
    stream, size = _open_checked(path, name, limit)
    try:
        with stream:
            return _read_npy(stream, name, size, limit)
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None


def read_npy_bytes(data: bytes, name: str, limit: int | None = None) -> np.ndarray:
    """:func:`load_npy` for bytes already in memory (standard input); ``name`` is what messages call them."""
    limit = max_file_bytes() if limit is None else limit
    if len(data) > limit:
        raise _fail(name, f"the data is {describe_bytes(len(data))}, over the {describe_bytes(limit)} limit")
    if not data:
        raise _fail(name, "the data is empty")
    return _read_npy(io.BytesIO(data), name, len(data), limit)


def _read_npy(stream: IO[bytes], name: str, size: int, limit: int) -> np.ndarray:
    dtype, shape, fortran, header_bytes = _read_npy_header(stream, name)
    nbytes = _check_claim(name, dtype, shape, size - header_bytes, limit)
    return _read_array_data(stream, name, dtype, shape, fortran, nbytes)


def _member_key(info: zipfile.ZipInfo) -> str:
    return info.filename.removesuffix(".npy")


def _check_members(name: str, members: list[zipfile.ZipInfo], limit: int, archive_bytes: int) -> None:
    """Refuse, from the zip directory alone, anything that would need more memory than the file can justify."""
    if not members:
        raise _fail(name, "the archive holds no arrays")
    if len(members) > MAX_MEMBERS:
        raise _fail(name, f"the archive holds {len(members):,} members, more than the {MAX_MEMBERS:,} allowed")
    seen: set[str] = set()
    total = 0
    for info in members:
        key = _member_key(info)
        if not info.filename.endswith(".npy") or info.is_dir():
            raise _fail(name, f"member {quote(info.filename)} is not a .npy array, so this is not a NumPy .npz archive")
        if key in seen:
            raise _fail(name, f"the archive holds member {quote(info.filename)} twice")
        seen.add(key)
        if info.flag_bits & 0x1:
            raise _fail(name, f"member {quote(info.filename)} is encrypted")
        if info.compress_type not in _READ_METHODS:
            method = _METHOD_NAMES.get(info.compress_type, f"method {info.compress_type}")
            raise _fail(
                name,
                f"member {quote(key)} is compressed with {method}; NumPy writes .npz members stored or "
                "deflated only, so re-save it with np.savez or np.savez_compressed",
            )
        if info.header_offset + info.compress_size > archive_bytes:
            raise _fail(
                name,
                f"member {quote(key)} claims {describe_bytes(info.compress_size)} of packed data but "
                f"the archive is {describe_bytes(archive_bytes)} (the file is truncated or altered)",
            )
        if info.file_size > limit:
            raise _fail(
                name,
                f"member {quote(key)} unpacks to {describe_bytes(info.file_size)}, over the "
                f"{describe_bytes(limit)} limit",
            )
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > RATIO_CHECK_MIN_BYTES and ratio > MAX_COMPRESSION_RATIO:
            raise _fail(
                name,
                f"member {quote(key)} would unpack {ratio:,.0f} times larger than it is stored "
                f"({describe_bytes(info.compress_size)} to {describe_bytes(info.file_size)}), "
                "which looks like a zip bomb",
            )
        total += info.file_size
    if total > limit:
        raise _fail(
            name, f"the arrays unpack to {describe_bytes(total)} in all, over the {describe_bytes(limit)} limit"
        )


def _read_member(
    archive: zipfile.ZipFile, info: zipfile.ZipInfo, name: str, limit: int, budget: InflateBudget
) -> np.ndarray:
    label = f"{name}: member {quote(_member_key(info))}"
    with archive.open(info) as stream:
        dtype, shape, fortran, header_bytes = _read_npy_header(stream, label)
        budget.spend(label, header_bytes)
        nbytes = _check_claim(label, dtype, shape, info.file_size - header_bytes, limit)
        return _read_array_data(stream, label, dtype, shape, fortran, nbytes, budget)


def load_npz(
    path: str | os.PathLike[str], limit: int | None = None, choose: Callable[[list[str]], str] | None = None
) -> dict[str, np.ndarray]:
    """Read every array of a ``.npz`` archive safely, keyed as ``np.savez`` named them (in archive order).

    ``choose`` gets the member keys from the zip directory and returns the one to read (or raises): then only that
    member is inflated, so refusing "several arrays, pick one" costs nothing. Raises :class:`FileFormatError`
    naming the file and the problem; nothing is returned half read.
    """
    path = Path(path)
    name = os.fspath(path)
    limit = max_file_bytes() if limit is None else limit
    stream, _ = _open_checked(path, name, limit)
    try:
        with stream:
            return read_npz_stream(stream, name, limit, choose)
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None


def _stream_size(stream: IO[bytes]) -> int:
    """The archive's length (the stream is seekable: zipfile needs that too), leaving the position as it was."""
    here = stream.tell()
    try:
        return stream.seek(0, io.SEEK_END)
    finally:
        stream.seek(here)


def read_npz_stream(
    stream: IO[bytes], name: str, limit: int | None = None, choose: Callable[[list[str]], str] | None = None
) -> dict[str, np.ndarray]:
    """:func:`load_npz` for an open, seekable binary stream (e.g. an ``.npz`` held inside a workspace zip).

    ``name`` is what error messages call the source.
    """
    limit = max_file_bytes() if limit is None else limit
    arrays: dict[str, np.ndarray] = {}
    budget = InflateBudget(name, limit)
    archive, members = _open_archive(stream, name, limit)
    with archive:
        if choose is not None:
            wanted = choose([_member_key(info) for info in members])
            members = [info for info in members if _member_key(info) == wanted]
        for info in members:
            with _member_errors(name, info):
                arrays[_member_key(info)] = _read_member(archive, info, name, limit, budget)
    return arrays


def _open_archive(stream: IO[bytes], name: str, limit: int) -> tuple[zipfile.ZipFile, list[zipfile.ZipInfo]]:
    """The zip and its members, every member checked from the directory before anything is inflated."""
    try:
        archive = zipfile.ZipFile(stream)
    except (zipfile.BadZipFile, zipfile.LargeZipFile, ValueError, EOFError, NotImplementedError, OverflowError):
        raise _fail(name, "is not a NumPy .npz archive (not a valid zip file)") from None
    try:
        _check_members(name, archive.infolist(), limit, _stream_size(stream))
    except BaseException:
        archive.close()
        raise
    return archive, archive.infolist()


@contextlib.contextmanager
def _member_errors(name: str, info: zipfile.ZipInfo) -> Iterator[None]:
    """zipfile's, zlib's and lzma's exceptions while a member is read, as one sentence naming the member."""
    try:
        yield
    except FileFormatError:
        raise
    except (
        zipfile.BadZipFile,
        zlib.error,
        lzma.LZMAError,
        NotImplementedError,
        RuntimeError,
        EOFError,
        ValueError,
        OSError,
    ) as exc:
        raise _fail(name, f"member {quote(_member_key(info))} is corrupt ({first_sentence(exc)})") from None


def stored_npz(path: str | os.PathLike[str], limit: int | None = None) -> dict[str, StoredTensor]:
    """Every array of an ``.npz`` by its ``.npy`` header only (a few hundred bytes inflated each).

    Each :class:`~lstmviz.io.stored_tensor.StoredTensor` reads its own member when asked (through :func:`load_npz`
    with every check again), so a member nobody uses is never inflated.
    """
    path = Path(path)
    name = os.fspath(path)
    limit = max_file_bytes() if limit is None else limit
    described: dict[str, tuple[np.dtype, tuple[int, ...]]] = {}
    try:
        stream, _ = _open_checked(path, name, limit)
        with stream:
            archive, members = _open_archive(stream, name, limit)
            with archive:
                for info in members:
                    label = f"{name}: member {quote(_member_key(info))}"
                    with _member_errors(name, info), archive.open(info) as member:
                        dtype, shape, _, header_bytes = _read_npy_header(member, label)
                        _check_claim(label, dtype, shape, info.file_size - header_bytes, limit)
                    described[_member_key(info)] = (dtype, shape)
    except OSError as exc:
        raise _fail(name, f"cannot be read ({exc.strerror or exc})") from None

    def reader(key: str) -> Callable[[], np.ndarray]:
        def choose(keys: list[str]) -> str:
            if key not in keys:
                raise _fail(name, f"the file changed while it was read (member {quote(key)} is gone)")
            return key

        return lambda: load_npz(path, limit, choose)[key]

    return {key: StoredTensor(shape, _native(dtype), reader(key)) for key, (dtype, shape) in described.items()}


def _native(dtype: np.dtype) -> np.dtype:
    """The dtype :func:`_read_array_data` returns for ``dtype``: plain types in native byte order, records as they
    are."""
    return dtype.newbyteorder("=") if dtype.byteorder not in ("=", "|") and dtype.fields is None else dtype


def npy_header_info(stream: IO[bytes], name: str) -> dict[str, Any]:
    """dtype, shape and fortran order of an open ``.npy`` stream, for ``lstmviz info`` (reads the header only)."""
    dtype, shape, fortran, _ = _read_npy_header(stream, name)
    return {"dtype": dtype, "shape": shape, "fortran_order": fortran}
