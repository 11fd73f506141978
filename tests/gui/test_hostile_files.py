"""Hostile files through the real window: File > Open, a drop and Open Recent each show one readable sentence in
the error dialog and leave the session (network, sequence, trace, step, undo history, recent files) as it was.

One family per test (CSV, JSON, text, npy/npz, safetensors, weights); each opens its files by all three routes.
The files are built on the fly: a multi-MB field, FIFOs (which must not block), bombs and lying headers, a pickle
that would run a command if it were ever unpickled.
"""

from __future__ import annotations

import json
import os
import pickle
import struct
import zipfile
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QFileDialog

from lstmviz.gui.file_actions import BACKGROUND_BYTES

Make = Callable[[Path], None]
MAX_REASON = 300
"""Characters of the reason beside the file's name (the issue's bound for every refusal)."""


def _bytes(data: bytes) -> Make:
    return lambda path: path.write_bytes(data)


def _fifo(path: Path) -> None:
    os.mkfifo(path)


def _lying_npy(path: Path) -> None:
    header = "{'descr': '<f8', 'fortran_order': False, 'shape': (1000000000000,), }"
    header += " " * (118 - len(header)) + "\n"
    path.write_bytes(b"\x93NUMPY\x01\x00" + len(header).to_bytes(2, "little") + header.encode() + b"\0" * 64)


def _lying_npz(path: Path) -> None:
    """The zip directory says the member inflates to 4 GiB."""
    with zipfile.ZipFile(path, "w") as archive:
        archive.writestr("x.npy", b"\x93NUMPY" + b"\0" * 100)
    data = bytearray(path.read_bytes())
    struct.pack_into("<I", data, data.find(b"PK\x01\x02") + 24, 0xFFFFFFF0)
    path.write_bytes(bytes(data))


def _safetensors(header: str, data: bytes = b"") -> Make:
    return lambda path: path.write_bytes(struct.pack("<Q", len(header)) + header.encode() + data)


_HUGE_SHAPE = json.dumps({"weight_ih_l0": {"dtype": "F32", "shape": [0, 2**31, 2**31], "data_offsets": [0, 0]}})
_TWICE = (
    '{"weight_hh_l0": {"dtype": "F32", "shape": [4, 1], "data_offsets": [0, 16]}, '
    '"weight_hh_l0": {"dtype": "F32", "shape": [4, 1], "data_offsets": [16, 32]}}'
)


def _wrong_shape_weights(path: Path) -> None:
    np.savez(
        path,
        weight_ih_l0=np.zeros((3, 2)),
        weight_hh_l0=np.zeros((4, 1)),
        bias_ih_l0=np.zeros(4),
        bias_hh_l0=np.zeros(4),
    )


class _Payload:
    """Unpickling this would create a file: the test checks it never appears."""

    def __init__(self, marker: Path) -> None:
        self.marker = marker

    def __reduce__(self) -> tuple[object, tuple[str]]:
        return (os.system, (f"touch {self.marker}",))


def _payload(path: Path) -> None:
    path.write_bytes(pickle.dumps({"weight_ih_l0": _Payload(path.with_suffix(".ran"))}))


FAMILIES: dict[str, list[tuple[str, Make, str]]] = {
    "csv": [
        ("field.csv", _bytes(b"a,b\n1," + b"x" * (3 << 20) + b"\n2,3\n"), "line 2 is over 1.0 MB long"),
        ("pipe.csv", _fifo, "is a FIFO (named pipe), not a regular file"),
        ("odd16.csv", _bytes(b"\xff\xfe" + "a,b\n1,2\n".encode("utf-16-le") + b"\x00"), "not valid UTF-16 text"),
        ("wide.csv", _bytes(b",".join([b"1"] * 200_000) + b"\n"), "200,000 columns; lstmviz reads at most 10,000"),
    ],
    "json": [
        ("deep.json", _bytes(b"[" * 100_000 + b"]" * 100_000), "nested more than 16 levels deep"),
        ("strings.json", _bytes(json.dumps({"x": ["w"] * 4_000_000}).encode()), "other than lists of numbers"),
        (
            "ragged.json",
            _bytes(json.dumps([[1.5, 2.5]] * 100_000 + [[1.0]]).encode()),
            "the list[100000] has 1 values, but the list[0] has 2",
        ),
        ("pipe.json", _fifo, "is a FIFO (named pipe)"),
    ],
    "text": [
        ("binary.txt", _bytes(b"hello\x00\x01\x02world\n" * 10), "is a binary file, not text (byte 0x00 at offset 5)"),
        ("pipe.txt", _fifo, "is a FIFO (named pipe)"),
    ],
    "npy-npz": [
        ("liar.npy", _lying_npy, "the header claims shape (1000000000000,) of float64"),
        ("lying.npz", _lying_npz, "unpacks to 4.0 GB, over the 1.0 GB limit"),
        ("pipe.npy", _fifo, "is a FIFO (named pipe)"),
    ],
    "safetensors": [
        ("huge.safetensors", _safetensors(_HUGE_SHAPE), "has an invalid shape [0, 2147483648, 2147483648]"),
        ("twice.safetensors", _safetensors(_TWICE, b"\0" * 32), "names tensor 'weight_hh_l0' twice"),
        ("pipe.safetensors", _fifo, "is a FIFO (named pipe)"),
    ],
    "weights": [
        ("wrong.npz", _wrong_shape_weights, "weight_ih_l0 has shape (3, 2), expected (4, D)"),
        (
            "payload.pt",
            _payload,
            "holds Python objects or code, not just tensors|is not a PyTorch zip archive|needs PyTorch",
        ),
    ],
}
"""Per family: (file name, how to make it, text the reason must contain; "|" separates alternatives)."""
ROUTES = ("menu", "drop", "recent")


def snapshot(document) -> tuple:
    return (
        document.network,
        document.sequence,
        document.trace,
        document.step,
        document.generation,
        document.can_undo,
        document.dirty,
        document.path,
    )


def _open(qtbot, window, path: Path, route: str, monkeypatch: pytest.MonkeyPatch, message_boxes) -> None:
    """Open ``path`` the way a user would: File > Open's dialog, a drop onto the window, or File > Open Recent."""
    if route == "menu":
        monkeypatch.setattr(QFileDialog, "getOpenFileName", staticmethod(lambda *a, **k: (str(path), "")))
        window.actions["open"].trigger()
    elif route == "drop":
        mime = QMimeData()
        mime.setUrls([QUrl.fromLocalFile(str(path))])
        assert window.file_actions.paths_from_mime(mime) == [str(path)]
        # Qt delivers a drop only inside a real drag, so the synthetic event goes to the window's handler.
        window.dropEvent(
            QDropEvent(
                QPointF(200, 200),
                Qt.DropAction.CopyAction,
                mime,
                Qt.MouseButton.LeftButton,
                Qt.KeyboardModifier.NoModifier,
            )
        )
    else:  # a file that opened once and has since been replaced by a hostile one
        window.settings.add_recent_file(str(path))
        window.rebuild_recent_menu()
        next(a for a in window.recent_menu.actions() if path.name in a.text()).trigger()
    if path.stat().st_size > BACKGROUND_BYTES:  # read by a worker: the dialog comes when it fails
        qtbot.waitUntil(lambda: message_boxes.calls != [], timeout=120_000)


@pytest.mark.skipif(not hasattr(os, "mkfifo"), reason="FIFOs")
@pytest.mark.parametrize("family", list(FAMILIES))
def test_hostile_files_show_one_sentence_and_change_nothing(
    qtbot, main_window, document, message_boxes, tmp_path, monkeypatch, family: str
) -> None:
    document.set_step(7)
    before = snapshot(document)
    trace = {key: value.copy() for key, value in document.trace.items()}
    recent = main_window.settings.recent_files()
    for name, make, fragment in FAMILIES[family]:
        path = tmp_path / name
        make(path)
        for route in ROUTES:
            message_boxes.calls.clear()
            _open(qtbot, main_window, path, route, monkeypatch, message_boxes)
            assert message_boxes.kinds() == ["critical"], (name, route, message_boxes.calls)
            _kind, title, text = message_boxes.calls[0]
            headline, reason = text.split("\n")  # the file's name in bold, the reason in one line below
            assert title == "Cannot open the file" and headline == f"Cannot open {name}", (name, route)
            assert reason.startswith(f"{name}: ") and any(part in reason for part in fragment.split("|")), (
                name,
                route,
                reason,
            )
            assert len(reason) <= len(name) + 2 + MAX_REASON, (name, route, len(reason))
            assert snapshot(document) == before, (name, route)
            if route == "recent":
                main_window.settings.remove_recent_file(str(path))
            assert main_window.settings.recent_files() == recent, (name, route)
    for key, value in trace.items():
        np.testing.assert_array_equal(document.trace[key], value)
    assert not list(tmp_path.glob("*.ran")), "a pickle in a weights file ran"
