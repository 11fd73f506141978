"""Export from the seq2seq window: the figure in three formats and the numbers, from the window's Export menu."""

from __future__ import annotations

import csv

import numpy as np
import pytest

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.seq2seq_window import seq2seq_window
from lstmviz.io.seq2seq_export import seq2seq_trace_arrays

MAGIC = {"png": b"\x89PNG", "pdf": b"%PDF", "svg": b"<?xml"}


@pytest.fixture
def window(qtbot):
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=7, embed_size=3, seed=2)
    window = seq2seq_window(model, "demo")
    qtbot.addWidget(window)
    return window


def _menu_action(window, name: str):
    menu = window.menuBar().actions()[0].menu()
    assert window.menuBar().actions()[0].text() == "&Export"
    return next(a for a in menu.actions() if a.objectName() == name)


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_the_figure_is_exported_from_the_windows_menu(qtbot, window, tmp_path, monkeypatch, fmt) -> None:
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / f"figure.{fmt}"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), ""))
    with qtbot.waitSignal(window.exports.finished, timeout=60_000) as blocker:
        _menu_action(window, "export_figure").trigger()
    assert blocker.args == [str(path)]
    assert path.read_bytes().startswith(MAGIC[fmt]) and path.stat().st_size > 5_000
    assert "Exported figure" in window.statusBar().currentMessage()


def test_the_figure_shows_the_edited_context(qtbot, window, tmp_path) -> None:
    window.view.sliders[("h", 0, 1)].setValue(2000)
    path = tmp_path / "edited.svg"
    with qtbot.waitSignal(window.exports.finished, timeout=60_000):
        window.exports.export_seq2seq_figure_to(str(path))
    assert "h_T (edited)" in path.read_text()


def test_the_numbers_of_both_sides_go_to_npz(qtbot, window, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    window.view.mode.setCurrentIndex(window.view.mode.findData("free"))
    window.view.sliders[("c", 0, 0)].setValue(-1500)
    path = tmp_path / "run"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "Both sides, every key (*.npz)"))
    with qtbot.waitSignal(window.exports.finished, timeout=30_000):
        _menu_action(window, "export_numbers").trigger()
    expected = seq2seq_trace_arrays(window.session.trace)
    with np.load(tmp_path / "run.npz") as data:
        assert set(data.files) == set(expected)
        for key in expected:
            np.testing.assert_array_equal(data[key], expected[key])
        assert str(data["decode_mode"]) == "free" and data["context_c"][0, 0] == -1.5


def test_one_side_goes_to_a_csv_table(qtbot, window, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    path = tmp_path / "decoder.csv"
    monkeypatch.setattr(QFileDialog, "getSaveFileName", lambda *a, **k: (str(path), "Decoder side as a table (*.csv)"))
    with qtbot.waitSignal(window.exports.finished, timeout=30_000):
        _menu_action(window, "export_numbers").trigger()
    with path.open() as handle:
        rows = list(csv.reader(handle))
    header, body = rows[0], [r for r in rows[1:] if r and not r[0].startswith("#")]
    trace = window.session.trace
    assert len(body) == trace.decoder_steps
    column = header.index("h_l0_2")
    np.testing.assert_allclose([float(r[column]) for r in body], trace["dec_h_l0"][:, 2], rtol=1e-9)


def test_a_bad_figure_name_is_one_line_in_a_dialog(qtbot, window, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "critical", lambda parent, title, text, *a, **k: shown.append(text))
    assert not window.exports.export_seq2seq_figure_to(str(tmp_path / "figure.bmp"))
    assert shown == [f"{tmp_path / 'figure.bmp'}: cannot write a .bmp figure; use .png, .svg or .pdf"]
    assert not (tmp_path / "figure.bmp").exists()


@pytest.mark.parametrize("side", ["encoder", "decoder"])
def test_each_sides_gate_diagram_is_exported_at_its_step(qtbot, window, tmp_path, monkeypatch, side) -> None:
    from PySide6.QtWidgets import QFileDialog

    session = window.session
    window.view.step.setValue(session.trace.encoder_steps + 2)  # encoder on its last step, decoder on step 2
    doc = session.encoder_doc if side == "encoder" else session.decoder_doc
    path = tmp_path / f"{side}.svg"
    asked: list[str] = []

    def save_name(parent, caption, start, filters):
        asked.append(start)
        return str(path), ""

    monkeypatch.setattr(QFileDialog, "getSaveFileName", save_name)
    with qtbot.waitSignal(window.exports.finished, timeout=30_000) as blocker:
        _menu_action(window, f"export_{side}_diagram").trigger()
    assert blocker.args == [str(path)] and asked[0].endswith(f"{side}-diagram-lstm-t{doc.step}.png")
    text = path.read_text()
    assert text.startswith("<?xml") and f"t = {doc.step} / {doc.trace.steps - 1}" in text
    png = tmp_path / f"{side}.png"
    assert window.exports.export_side_diagram_to(str(png), side)
    assert png.read_bytes().startswith(MAGIC["png"])
