"""Safe .npy/.npz reading: benign files match np.load, hostile ones are refused without running or allocating."""

from __future__ import annotations

import io
import re
import struct
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from lstmviz.io.errors import FileFormatError
from lstmviz.io.safe_arrays import load_npy, load_npz, read_npz_stream

# --- payloads that would leave a trace if they were ever unpickled ---------------------------------------------------
MARKER: Path | None = None


def _touch(path: str) -> None:  # called by pickle only if a payload runs
    Path(path).write_text("payload ran")


class Payload:
    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (_touch, (str(self.marker),))


def _npy_bytes(header: dict, data: bytes = b"", version: int = 1) -> bytes:
    text = repr(header).encode("latin-1")
    text += b" " * (-(len(text) + 11) % 64) + b"\n"
    length = struct.pack("<H" if version == 1 else "<I", len(text))
    return b"\x93NUMPY" + bytes([version, 0]) + length + text + data


# --- benign files: the same arrays np.load gives --------------------------------------------------------------------
BENIGN = [
    np.arange(12.0).reshape(3, 4),
    np.asfortranarray(np.arange(6, dtype=np.float32).reshape(2, 3)),
    np.arange(5, dtype=">f8"),
    np.array(3.5),
    np.zeros((0, 3)),
    np.array([True, False]),
    np.arange(7, dtype=np.int16),
    np.array("a unicode string"),
    np.array([(1, 2.0)], dtype=[("a", "<i4"), ("b", "<f8")]),
]


@pytest.mark.parametrize("array", BENIGN, ids=lambda a: f"{a.dtype}{a.shape}")
def test_npy_matches_np_load(tmp_path: Path, array: np.ndarray) -> None:
    path = tmp_path / "a.npy"
    np.save(path, array)
    got = load_npy(path)
    expected = np.load(path, allow_pickle=False)
    assert got.shape == expected.shape
    assert got.dtype.newbyteorder("=") == expected.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, expected)
    assert got.dtype.byteorder in "=|" or got.dtype.fields is not None


@pytest.mark.parametrize("saver", [np.savez, np.savez_compressed])
def test_npz_matches_np_load(tmp_path: Path, saver) -> None:
    path = tmp_path / "a.npz"
    arrays = {f"k{i}": a for i, a in enumerate(BENIGN)}
    saver(path, **arrays)
    got = load_npz(path)
    assert list(got) == list(arrays)
    with np.load(path, allow_pickle=False) as expected:
        for key in arrays:
            np.testing.assert_array_equal(got[key], expected[key])


def test_npz_in_memory_stream() -> None:
    buffer = io.BytesIO()
    np.savez(buffer, x=np.linspace(0, 1, 5))
    buffer.seek(0)
    np.testing.assert_array_equal(read_npz_stream(buffer, "inner.npz")["x"], np.linspace(0, 1, 5))


def test_small_compressed_zeros_still_load(tmp_path: Path) -> None:
    """A highly compressible but small array (e.g. zero weights) is not mistaken for a zip bomb."""
    path = tmp_path / "zeros.npz"
    np.savez_compressed(path, w=np.zeros((256, 256)))
    np.testing.assert_array_equal(load_npz(path)["w"], np.zeros((256, 256)))


# --- hostile .npy ----------------------------------------------------------------------------------------------------
def test_pickled_npy_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "evil.npy"
    np.save(path, np.array([Payload(marker)], dtype=object), allow_pickle=True)
    with pytest.raises(FileFormatError, match=r"evil\.npy.*objects"):
        load_npy(path)
    assert not marker.exists()


def test_trillion_element_header_is_refused_at_once(tmp_path: Path) -> None:
    path = tmp_path / "huge.npy"
    path.write_bytes(_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (10**12,)}, b"\0" * 64))
    from lstmviz.io import safe_arrays

    reads: list[int] = []
    real_open = safe_arrays.open_regular

    class Counting(io.RawIOBase):
        def __init__(self, stream) -> None:
            self.stream = stream

        def read(self, size: int = -1) -> bytes:
            data = self.stream.read(size)
            reads.append(len(data))
            return data

        def close(self) -> None:
            self.stream.close()

    def counting_open(path, fail):
        stream, size = real_open(path, fail)
        return Counting(stream), size

    tracemalloc.start()
    try:
        with pytest.MonkeyPatch.context() as patch:
            patch.setattr(safe_arrays, "open_regular", counting_open)
            with pytest.raises(FileFormatError, match=r"huge\.npy.*claims"):
                load_npy(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20
    assert 0 < sum(reads) <= path.stat().st_size - 64  # the header only: not even the 64 bytes that follow it


def test_claim_within_limit_but_larger_than_file_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "short.npy"
    path.write_bytes(_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (1000,)}, b"\0" * 80))
    with pytest.raises(FileFormatError, match="truncated"):
        load_npy(path)


def test_extra_bytes_after_array_are_refused(tmp_path: Path) -> None:
    path = tmp_path / "long.npy"
    path.write_bytes(_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (2,)}, b"\0" * 24))
    with pytest.raises(FileFormatError, match="extra data"):
        load_npy(path)


@pytest.mark.parametrize(
    "content, problem",
    [
        (b"", "empty"),
        (b"just some text, not an array\n", "signature"),
        (_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (2,)})[:20], "cut short"),
        (b"\x93NUMPY\x01\x00\x10\x00__import__('os')\n", "not a valid array description"),
        (_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (-1,)}), "invalid shape"),
        (_npy_bytes({"descr": "nonsense", "fortran_order": False, "shape": (1,)}), "unknown data type"),
        (_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (1,), "x": 1}), "not a valid array"),
        (b"\x93NUMPY\x09\x00\x00\x00", "version 9.0"),
        (b"\x93NUMPY\x02\x00\xff\xff\xff\x7f", "claims"),
    ],
)
def test_bad_npy_files_name_file_and_problem(tmp_path: Path, content: bytes, problem: str) -> None:
    path = tmp_path / "bad.npy"
    path.write_bytes(content)
    with pytest.raises(FileFormatError, match=problem) as info:
        load_npy(path)
    assert str(info.value).startswith(str(path))
    assert "\n" not in str(info.value)


def test_file_over_limit_is_refused_before_reading(tmp_path: Path) -> None:
    path = tmp_path / "big.npy"
    np.save(path, np.zeros(1000))
    with pytest.raises(FileFormatError, match="over the"):
        load_npy(path, limit=1000)
    with pytest.raises(FileFormatError, match="over the"):
        load_npz(path, limit=1000)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(FileFormatError, match="no such file"):
        load_npy(tmp_path / "absent.npy")


# --- hostile .npz ----------------------------------------------------------------------------------------------------
def test_pickled_npz_member_is_refused_without_running(tmp_path: Path) -> None:
    marker = tmp_path / "marker"
    path = tmp_path / "evil.npz"
    np.savez(path, ok=np.arange(3), bad=np.array([Payload(marker)], dtype=object))
    with pytest.raises(FileFormatError, match=r"evil\.npz: member 'bad'.*objects"):
        load_npz(path)
    assert not marker.exists()


def test_zip_bomb_is_refused_from_directory(tmp_path: Path) -> None:
    path = tmp_path / "bomb.npz"
    with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED) as archive, archive.open("x.npy", "w") as member:
        member.write(_npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (4 << 20,)}))
        chunk = bytes(1 << 20)
        for _ in range(32):
            member.write(chunk)
    assert path.stat().st_size < 100_000
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError, match="zip bomb"):
            load_npz(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 1 << 20


def _patch_sizes(data: bytes, real: int, declared: int) -> bytes:
    """Make the zip's local and central headers claim ``declared`` uncompressed bytes instead of ``real``."""
    out = bytearray(data)
    for signature, offset in ((b"PK\x03\x04", 22), (b"PK\x01\x02", 24)):
        position = out.find(signature)
        assert struct.unpack_from("<I", out, position + offset)[0] == real
        struct.pack_into("<I", out, position + offset, declared)
    return bytes(out)


def test_member_larger_than_declared_is_cut_off(tmp_path: Path) -> None:
    """A member that lies about its size: decompression stops at the declared size and the archive is refused."""
    header = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (10,)})
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("x.npy", header + bytes(8 << 20))
    path = tmp_path / "liar.npz"
    path.write_bytes(_patch_sizes(buffer.getvalue(), len(header) + (8 << 20), len(header) + 80))
    tracemalloc.start()
    try:
        with pytest.raises(FileFormatError, match=r"liar\.npz: member 'x'"):
            load_npz(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 4 << 20


@pytest.mark.parametrize("method, word", [(zipfile.ZIP_BZIP2, "bzip2"), (zipfile.ZIP_LZMA, "lzma")])
def test_bzip2_and_lzma_members_are_refused_from_the_directory(tmp_path: Path, method: int, word: str) -> None:
    """zipfile inflates a bzip2/lzma chunk whole, so a few KB could become GBs at once: never read them."""
    path = tmp_path / "packed.npz"
    with zipfile.ZipFile(path, "w", method) as archive:
        archive.writestr("x.npy", _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (4,)}, bytes(32)))
    with pytest.raises(FileFormatError, match=rf"packed\.npz: member 'x' is compressed with {word}; .*np\.savez"):
        load_npz(path)


def test_member_claiming_more_packed_bytes_than_the_archive_holds(tmp_path: Path) -> None:
    path = tmp_path / "short.npz"
    np.savez(path, x=np.arange(1000.0))
    data = bytearray(path.read_bytes())
    central = data.find(b"PK\x01\x02")
    struct.pack_into("<I", data, central + 20, 50_000_000)  # compressed size in the central directory
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"short\.npz: member 'x' claims 47\.7 MB of packed data but the archive"):
        load_npz(path)


def test_inflate_budget_counts_every_byte_against_the_limit() -> None:
    from lstmviz.io.safe_arrays import InflateBudget

    budget = InflateBudget("a.npz", 100)
    budget.spend("a.npz: member 'x'", 60)
    budget.spend("a.npz: member 'y'", 40)
    with pytest.raises(FileFormatError, match=r"^a\.npz: member 'y': inflates past the 100 bytes limit"):
        budget.spend("a.npz: member 'y'", 1)


def test_member_over_limit_and_total_over_limit(tmp_path: Path) -> None:
    path = tmp_path / "two.npz"
    np.savez_compressed(path, a=np.zeros(100), b=np.zeros(100))
    with pytest.raises(FileFormatError, match="member 'a' unpacks"):
        load_npz(path, limit=900)
    with pytest.raises(FileFormatError, match="in all"):
        load_npz(path, limit=1200)


def test_member_whose_header_disagrees_with_zip_size(tmp_path: Path) -> None:
    path = tmp_path / "mismatch.npz"
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (10**9,)}, bytes(8)))
    with pytest.raises(FileFormatError, match="claims"):
        load_npz(path)


@pytest.mark.parametrize(
    "build, problem",
    [
        (lambda p: p.write_bytes(b"PK\x03\x04 not really a zip"), "not a NumPy .npz"),
        (lambda p: p.write_bytes(b"hello"), "not a NumPy .npz"),
        (lambda p: zipfile.ZipFile(p, "w").close(), "no arrays"),
        (lambda p: zipfile.ZipFile(p, "w").writestr("readme.txt", "hi"), "not a .npy array"),
    ],
)
def test_bad_npz_archives(tmp_path: Path, build, problem: str) -> None:
    path = tmp_path / "bad.npz"
    build(path)
    with pytest.raises(FileFormatError, match=problem):
        load_npz(path)


def test_corrupted_member_data(tmp_path: Path) -> None:
    path = tmp_path / "flipped.npz"
    np.savez_compressed(path, x=np.random.default_rng(0).standard_normal(2000))
    data = bytearray(path.read_bytes())
    middle = len(data) // 2
    data[middle : middle + 16] = bytes(16)
    path.write_bytes(bytes(data))
    with pytest.raises(FileFormatError, match=r"flipped\.npz"):
        load_npz(path)


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(max_size=300))
def test_fuzzed_npy_bodies_never_crash(tmp_path: Path, body: bytes) -> None:
    path = tmp_path / "fuzz.npy"
    path.write_bytes(b"\x93NUMPY\x01\x00" + body)
    try:
        load_npy(path)
    except FileFormatError as exc:
        assert str(exc).startswith(str(path))


def test_header_info_reads_only_the_header(tmp_path: Path) -> None:
    from lstmviz.io.safe_arrays import npy_header_info

    path = tmp_path / "huge.npy"
    path.write_bytes(_npy_bytes({"descr": "<f4", "fortran_order": True, "shape": (10**12, 3)}))
    with open(path, "rb") as stream:
        info = npy_header_info(stream, str(path))
    assert info == {"dtype": np.dtype("<f4"), "shape": (10**12, 3), "fortran_order": True}


def test_npy_from_bytes_matches_file_reader(tmp_path: Path) -> None:
    from lstmviz.io.safe_arrays import read_npy_bytes

    buffer = io.BytesIO()
    np.save(buffer, np.arange(6.0).reshape(2, 3))
    np.testing.assert_array_equal(read_npy_bytes(buffer.getvalue(), "standard input"), np.arange(6.0).reshape(2, 3))
    huge = _npy_bytes({"descr": "<f8", "fortran_order": False, "shape": (10**12,)})
    with pytest.raises(FileFormatError, match="^standard input: the header claims"):
        read_npy_bytes(huge, "standard input")
    with pytest.raises(FileFormatError, match="^standard input: the data is empty"):
        read_npy_bytes(b"", "standard input")


# --- data types that hold no plain numbers, alone and inside an .npz ------------------------------------------------
ODD_TYPES = [
    (("<f8", (3,)), r"names data type '\('<f8', \(3,\)\)', which holds no plain numbers \(a sub-array"),
    ([("", "<f8", (3,))], r"names a record type of 24 bytes with no fields, which holds no numbers"),
    ([("a", [("b", "O")])], r"holds Python objects \(a pickled object array\); lstmviz never unpickles"),
    ("V0", r"names data type '\|V0', which holds no plain numbers"),
    ("a", r"names data type '\|S0'"),  # numpy's deprecated alias: refused, and its warning never escapes
    ("<M8[bogus]", r"names an unknown data type '<M8\[bogus\]'"),
]


@pytest.mark.parametrize("descr, problem", ODD_TYPES, ids=lambda v: repr(v)[:20])
def test_odd_data_types_are_refused_alone_and_inside_an_npz(tmp_path: Path, descr, problem: str) -> None:
    content = _npy_bytes({"descr": descr, "fortran_order": False, "shape": (2,)}, bytes(48))
    alone = tmp_path / "odd.npy"
    alone.write_bytes(content)
    with pytest.raises(
        FileFormatError,
        match=rf"^{re.escape(str(alone))}: the \.npy header {problem}|"
        rf"^{re.escape(str(alone))}: {problem}",
    ):
        load_npy(alone)
    inside = tmp_path / "odd.npz"
    with zipfile.ZipFile(inside, "w") as archive:
        archive.writestr("x.npy", content)
    with pytest.raises(FileFormatError, match=rf"^{re.escape(str(inside))}: member 'x': .*{problem}"):
        load_npz(inside)


def test_a_record_type_of_2000_fields_is_named_in_a_short_line(tmp_path: Path) -> None:
    path = tmp_path / "wide.npy"
    descr = [(f"f{k}", "<f8") for k in range(2000)]
    path.write_bytes(_npy_bytes({"descr": descr, "fortran_order": False, "shape": (2,)}, bytes(64), version=2))
    with pytest.raises(FileFormatError) as info:
        load_npy(path)
    message = str(info.value)[len(str(path)) :]
    assert "structured records (fields 'f0', 'f1', 'f2', ...)" in message and len(message) < 300


@pytest.mark.parametrize(
    "array",
    [
        np.arange(6, dtype=">f8").reshape(2, 3),
        np.asfortranarray(np.arange(6, dtype=">i4").reshape(2, 3)),
        np.array(["ab", "c"], dtype=">U2"),
        np.array([1 + 2j], dtype=">c16"),
    ],
    ids=lambda a: a.dtype.str,
)
def test_big_endian_arrays_come_back_native_with_their_values(tmp_path: Path, array: np.ndarray) -> None:
    path = tmp_path / "be.npz"
    np.savez_compressed(path, x=array)
    got = load_npz(path)["x"]
    assert got.dtype.isnative and got.dtype == array.dtype.newbyteorder("=")
    np.testing.assert_array_equal(got, array)
    assert got.flags.writeable


def test_structured_records_are_refused_as_a_sequence_and_as_weights(tmp_path: Path) -> None:
    from lstmviz.io.errors import SequenceError, WeightsError
    from lstmviz.io.sequences import load_sequence
    from lstmviz.io.weights import load_weights

    records = np.zeros(4, dtype=[("t", "<f8"), ("x", ">f4")])
    np.save(tmp_path / "records.npy", records)
    with pytest.raises(
        SequenceError,
        match=r"records\.npy: holds structured records \(fields 't', 'x'\); a sequence "
        r"needs plain real numbers: save one numeric array",
    ):
        load_sequence(tmp_path / "records.npy")
    np.savez(
        tmp_path / "w.npz",
        weight_ih_l0=np.zeros((4, 1)),
        weight_hh_l0=np.zeros((4, 1)),
        **{"fc.weight": np.zeros((1, 1), dtype=[("a", "<f8")])},
    )
    with pytest.raises(
        WeightsError,
        match=r"w\.npz: parameter fc\.weight holds structured records \(fields 'a'\), "
        r"not numbers",
    ):
        load_weights(tmp_path / "w.npz")


def test_numpy_never_loads_with_pickles_allowed_anywhere_in_lstmviz() -> None:
    """Every np.load in the package (there should be none: safe_arrays reads) passes allow_pickle=False."""
    import ast

    package = Path(__file__).resolve().parents[2] / "lstmviz"
    offenders = []
    for source in package.rglob("*.py"):
        for node in ast.walk(ast.parse(source.read_text(encoding="utf-8"))):
            if (
                isinstance(node, ast.Call)
                and isinstance(node.func, ast.Attribute)
                and node.func.attr == "load"
                and isinstance(node.func.value, ast.Name)
                and node.func.value.id in ("np", "numpy")
            ):
                allowed = [k for k in node.keywords if k.arg == "allow_pickle"]
                if not (allowed and isinstance(allowed[0].value, ast.Constant) and allowed[0].value.value is False):
                    offenders.append(f"{source.relative_to(package)}:{node.lineno}")
    assert offenders == []
