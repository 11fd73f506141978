"""Broken files whose third-party exceptions used to escape the loaders: each is now the io layer's own error,
one line naming the file."""

from __future__ import annotations

import io
import json
import struct
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest

from lstmviz.engine.network import Network
from lstmviz.io.errors import FileFormatError, SequenceError, WeightsError, WorkspaceError
from lstmviz.io.sequence_data import SequenceData
from lstmviz.io.sequences import load_sequence
from lstmviz.io.weights import load_weights, read_weights
from lstmviz.io.workspace import Workspace, load_workspace, save_workspace


def _safetensors(path: Path, header: str | dict, data: bytes = b"") -> Path:
    raw = (header if isinstance(header, str) else json.dumps(header)).encode("utf-8")
    path.write_bytes(struct.pack("<Q", len(raw)) + raw + data)
    return path


def _entry(dtype: object = "F32", shape: object = (2,), offsets: object = (0, 8)) -> dict:
    return {
        "dtype": dtype,
        "shape": list(shape) if isinstance(shape, tuple) else shape,
        "data_offsets": list(offsets) if isinstance(offsets, tuple) else offsets,
    }


SAFETENSORS_CASES = {
    "dtype-list": ({"w": _entry(dtype=["F32"])}, "data type"),
    "dtype-object": ({"w": _entry(dtype={"a": 1})}, "data type"),
    "zero-size-huge-shape": ({"w": _entry(shape=(0, 10**30), offsets=(0, 0))}, "invalid shape"),
    "zero-size-wide-shape": ({"w": _entry(shape=(0, 2**25, 2**25), offsets=(0, 0))}, "over the"),
    "negative-dim": ({"w": _entry(shape=(-2,))}, "invalid shape"),
    "offset-float": ({"w": _entry(offsets=(0.0, 8))}, "invalid data offsets"),
    "offset-5000-digits": (
        '{"w": {"dtype": "F32", "shape": [2], "data_offsets": [0, ' + "9" * 5000 + "]}}",
        "not valid JSON",
    ),
    "duplicate-name": (
        '{"weight_hh_l0": ' + json.dumps(_entry()) + ', "weight_hh_l0": ' + json.dumps(_entry()) + "}",
        "names tensor 'weight_hh_l0' twice",
    ),
}


@pytest.mark.parametrize("case", list(SAFETENSORS_CASES))
def test_hostile_safetensors_headers_are_refused(tmp_path: Path, case: str) -> None:
    header, expected = SAFETENSORS_CASES[case]
    path = _safetensors(tmp_path / "w.safetensors", header, b"\0" * 8)
    with pytest.raises(WeightsError) as caught:
        read_weights(path)
    message = str(caught.value)
    assert message.startswith(str(path)) and expected in message
    assert len(message) - len(str(path)) <= 300


def test_long_key_is_quoted_short(tmp_path: Path) -> None:
    path = _safetensors(tmp_path / "w.safetensors", {"k" * 5000 + "\x1b[31m": _entry(dtype="F8_E9")}, b"\0" * 8)
    with pytest.raises(WeightsError) as caught:
        read_weights(path)
    message = str(caught.value)
    assert "kkk…" in message and "\x1b" not in message and len(message) < len(str(path)) + 200


def _npz_bytes(**arrays: np.ndarray) -> bytes:
    buffer = io.BytesIO()
    np.savez_compressed(buffer, **arrays)
    return buffer.getvalue()


def _patch_zip(
    data: bytes, *, flag: int | None = None, method: int | None = None, corrupt_stream: bool = False
) -> bytes:
    """Edit every local and central header of a zip: the flag bits, the compression method, or the data."""
    out = bytearray(data)
    for signature, flag_at, method_at in ((b"PK\x03\x04", 6, 8), (b"PK\x01\x02", 8, 10)):
        start = 0
        while (start := out.find(signature, start)) >= 0:
            if flag is not None:
                struct.pack_into("<H", out, start + flag_at, struct.unpack_from("<H", out, start + flag_at)[0] | flag)
            if method is not None:
                struct.pack_into("<H", out, start + method_at, method)
            if corrupt_stream and signature == b"PK\x03\x04":
                name_len, extra_len = struct.unpack_from("<HH", out, start + 26)
                data_at = start + 30 + name_len + extra_len
                out[data_at : data_at + 4] = b"\xff\xff\xff\xff"
            start += 4
    return bytes(out)


ZIP_EDITS: dict[str, dict] = {
    "encrypted": {"flag": 0x1},
    "flag-bit-5": {"flag": 0x20},
    "unknown-method": {"method": 99},
    "lzma-method": {"method": 14},
    "corrupt-deflate": {"corrupt_stream": True},
}


@pytest.mark.parametrize("edit", list(ZIP_EDITS))
def test_broken_npz_members_are_refused(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "seq.npz"
    path.write_bytes(_patch_zip(_npz_bytes(x=np.arange(50.0)), **ZIP_EDITS[edit]))
    with pytest.raises(SequenceError) as caught:
        load_sequence(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def _workspace_bytes(tmp_path: Path) -> bytes:
    seq = SequenceData(
        values=np.arange(8.0).reshape(4, 2), time=None, time_label="step", input_labels=("a", "b"), source="t"
    )
    path = tmp_path / "ok.lstmviz"
    save_workspace(Workspace(network=Network.random("gru", 2, 3, 1, seed=1), sequence=seq), path)
    return path.read_bytes()


@pytest.mark.parametrize("edit", list(ZIP_EDITS))
def test_broken_workspace_members_are_refused(tmp_path: Path, edit: str) -> None:
    path = tmp_path / "bad.lstmviz"
    path.write_bytes(_patch_zip(_workspace_bytes(tmp_path), **ZIP_EDITS[edit]))
    with pytest.raises(WorkspaceError) as caught:
        load_workspace(path)
    assert str(caught.value).startswith(str(path)) and "\n" not in str(caught.value)


def _npy(descr: object, shape: tuple, data: bytes = b"") -> bytes:
    header = repr({"descr": descr, "fortran_order": False, "shape": shape}).encode("latin-1")
    header += b" " * (-(len(header) + 11) % 64) + b"\n"
    return b"\x93NUMPY\x01\x00" + struct.pack("<H", len(header)) + header + data


NPY_CASES = {
    "subarray-dtype": (_npy(("<f8", (2,)), (3,), b"\0" * 48), "sub-array"),
    "structured-zero-size": (_npy([("a", "|V0")], (7,)), "zero-size"),
    "void-zero": (_npy("|V0", (5,)), "zero-size"),
    "str-zero": (_npy("<U0", (5,)), "zero-size"),
    "bytes-zero": (_npy("|S0", (10**30,)), "zero-size"),
    "huge-empty-shape": (_npy("<f8", (0, 2**40, 2**40)), "far larger"),
}


@pytest.mark.parametrize("case", list(NPY_CASES))
def test_hostile_npy_headers_are_refused(tmp_path: Path, case: str) -> None:
    data, expected = NPY_CASES[case]
    path = tmp_path / "x.npy"
    path.write_bytes(data)
    with pytest.raises(SequenceError, match=expected):
        load_sequence(path)


def test_csv_field_over_the_csv_module_limit_is_a_short_refusal(tmp_path: Path) -> None:
    path = tmp_path / "big.csv"
    path.write_text('a,b\n1,2\n3,"' + "x" * 200_000 + '"\n', encoding="utf-8")
    try:
        seq = load_sequence(path, columns=["b"])
    except SequenceError as error:
        message = str(error)
        assert message.startswith(str(path)) and "xxx…" in message
        assert len(message) - len(str(path)) <= 300
    else:  # pragma: no cover - the column cannot be numeric
        pytest.fail(f"accepted {seq!r}")


def test_lone_surrogate_labels_are_replaced_and_said(tmp_path: Path) -> None:
    path = tmp_path / "s.json"
    path.write_text('{"x": [[1, 2], [3, 4]], "labels": ["a\\ud800", "b"]}', encoding="utf-8")
    seq = load_sequence(path)
    assert seq.input_labels == ("a\ufffd", "b")
    assert any("surrogate" in notice for notice in seq.notices)
    "\n".join(seq.notices).encode("utf-8")  # printable


def test_control_characters_in_labels_are_escaped_and_said(tmp_path: Path) -> None:
    """A JSON label may spell an escape sequence (\\u001b[31m): printed as it is by info or on a plot's legend, it
    recolours the terminal. It is kept, written out, with a notice."""
    path = tmp_path / "s.json"
    path.write_text('{"x": [[1, 2]], "labels": ["\\u001b[31mred", "tab\\there"], "t": [0], "time_label": "a\\nb"}')
    seq = load_sequence(path)
    assert seq.input_labels == ("\\x1b[31mred", "tab\\there") and seq.time_label == "a\\nb"
    assert [n for n in seq.notices if "control characters" in n] == [
        "the labels held control characters (such as \\x1b, which recolours a terminal); they are shown escaped"
    ]
    (tmp_path / "plain.json").write_text('{"x": [[1, 2]], "labels": ["a", "b"]}')
    assert load_sequence(tmp_path / "plain.json").notices == ()


def test_npz_weights_metadata_with_a_huge_number_is_refused(tmp_path: Path) -> None:
    net = Network.random("rnn", 2, 3, 1, seed=0)
    path = tmp_path / "w.npz"
    np.savez(path, **net.params, __lstmviz__=np.array('{"cell": ' + "9" * 5000 + "}"))
    with pytest.raises(WeightsError, match="not valid JSON"):
        load_weights(path)


LOADERS: dict[str, Callable[[Path], object]] = {".npz": load_sequence, ".lstmviz": load_workspace}


def test_every_message_is_one_of_ours(tmp_path: Path) -> None:
    """A truncated copy of each valid archive: always our error, never zipfile's."""
    for suffix, data in ((".npz", _npz_bytes(x=np.arange(20.0))), (".lstmviz", _workspace_bytes(tmp_path))):
        for cut in range(0, len(data), max(1, len(data) // 40)):
            path = tmp_path / f"cut{suffix}"
            path.write_bytes(data[:cut])
            with pytest.raises(FileFormatError):
                LOADERS[suffix](path)


def _npz_with_corrupt_second_member(path: Path) -> Path:
    """Two members; the second one's deflate stream is garbage, so inflating it would fail."""
    data = bytearray(_npz_bytes(a=np.arange(30.0), b=np.arange(40.0)))
    second = data.find(b"PK\x03\x04", 4)
    name_len, extra_len = struct.unpack_from("<HH", data, second + 26)
    start = second + 30 + name_len + extra_len
    data[start : start + 8] = b"\xff" * 8
    path.write_bytes(bytes(data))
    return path


def test_pick_one_is_decided_before_any_member_is_inflated(tmp_path: Path) -> None:
    path = _npz_with_corrupt_second_member(tmp_path / "two.npz")
    with pytest.raises(SequenceError, match=r"holds 2 arrays \('a', 'b'\); pick one with --key"):
        load_sequence(path)
    assert load_sequence(path, key="a").values[:, 0].tolist() == list(range(30))  # b is never inflated
    with pytest.raises(SequenceError, match="member 'b' is corrupt"):
        load_sequence(path, key="b")
    with pytest.raises(SequenceError, match="there is no array 'c'"):
        load_sequence(path, key="c")
