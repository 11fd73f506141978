"""Export from the app, each format read back: figures (PNG pixels, SVG text, PDF header and fonts), the gate
diagram (PNG/SVG), the trace (NPZ/CSV against the engine's numbers)."""

from __future__ import annotations

import csv

import numpy as np
import pytest
from PySide6.QtGui import QImage

from lstmviz.gui.dialogs.export_figure import ExportFigureDialog, FigureOptions, parse_units


def image_is_not_blank(image: QImage) -> bool:
    small = image.scaled(64, 40)
    colours = {small.pixel(x, y) for x in range(small.width()) for y in range(small.height())}
    return len(colours) > 20


@pytest.mark.parametrize("fmt", ["png", "svg", "pdf"])
def test_export_figure_each_format(qtbot, main_window, document, tmp_path, fmt: str) -> None:
    path = tmp_path / f"figure.{fmt}"
    options = FigureOptions(path=str(path), show="gates", units=(0, 2), dpi=80)
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000) as blocker:
        assert main_window.export_actions.export_figure_to(options)
    assert blocker.args == [str(path)]
    data = path.read_bytes()
    if fmt == "png":
        image = QImage(str(path))
        assert not image.isNull()
        assert image.width() == 800  # 10 inches at 80 dpi
        assert image_is_not_blank(image)
    elif fmt == "svg":
        text = data.decode("utf-8")
        assert "<svg" in text and "<text" in text  # vector text, not outlines
        assert "forget" in text or "f_t" in text or "f<" in text
    else:
        assert data.startswith(b"%PDF-")
        assert b"/FontFile2" in data or b"/Type /Font" in data or b"/Type/Font" in data


def test_export_figure_gradients_and_size(qtbot, main_window, tmp_path) -> None:
    path = tmp_path / "grads.png"
    options = FigureOptions(path=str(path), show="grad", dpi=100, size=(900, 700))
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000):
        main_window.export_actions.export_figure_to(options)
    image = QImage(str(path))
    assert (image.width(), image.height()) == (900, 700)


def test_export_error_shows_dialog_and_leaves_no_file(qtbot, main_window, message_boxes, tmp_path) -> None:
    path = tmp_path / "missing-folder" / "figure.png"
    main_window.export_actions.export_figure_to(FigureOptions(path=str(path)))
    qtbot.waitUntil(lambda: message_boxes.calls != [], timeout=30_000)
    assert message_boxes.kinds() == ["critical"]
    assert "figure.png" in message_boxes.texts()[0]
    assert not path.exists()


def test_export_figure_dialog_options(qtbot, main_window, document, tmp_path) -> None:
    document.select_units([1, 3])
    dialog = ExportFigureDialog(document, str(tmp_path), main_window)
    qtbot.addWidget(dialog)
    assert dialog.units_edit.text() == "1, 3"
    dialog.show_combo.setCurrentIndex(dialog.show_combo.findData("cell"))
    dialog.first_spin.setValue(10)
    dialog.last_spin.setValue(59)
    dialog.format_combo.setCurrentText("SVG")
    assert dialog.path_edit.text().endswith(".svg")
    dialog.path_edit.setText(str(tmp_path / "out.png"))
    assert dialog.format_combo.currentText() == "PNG"
    dialog.auto_size.setChecked(False)
    options = dialog.options()
    assert options.show == "cell"
    assert options.units == (1, 3)
    assert options.steps == slice(10, 60)
    assert options.size == (1500, 1000)
    assert options.format == "png"
    dialog.last_spin.setValue(5)
    with pytest.raises(ValueError, match="comes before"):
        dialog.options()


def test_parse_units() -> None:
    assert parse_units("0, 3-5", 8) == (0, 3, 4, 5)
    assert parse_units("", 8) == ()
    with pytest.raises(ValueError, match="unit 9 does not exist"):
        parse_units("1, 9", 8)


@pytest.mark.parametrize("fmt", ["png", "svg"])
def test_export_gate_diagram(qtbot, main_window, document, tmp_path, fmt: str) -> None:
    document.set_step(30)
    path = tmp_path / f"diagram.{fmt}"
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=10_000):
        assert main_window.export_actions.export_diagram_to(str(path))
    if fmt == "png":
        image = QImage(str(path))
        assert not image.isNull() and image_is_not_blank(image)
    else:
        assert "<svg" in path.read_text(encoding="utf-8")


def test_export_trace_npz(qtbot, main_window, document, tmp_path) -> None:
    path = tmp_path / "trace.npz"
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000):
        main_window.export_actions.export_trace_to(str(path))
    reference = document.network.run(document.sequence.values)
    with np.load(path, allow_pickle=False) as data:
        for key in ("h_l0", "c_l0", "f_l0", "x"):
            np.testing.assert_allclose(data[key], reference[key], rtol=0, atol=0)


def test_export_trace_csv(qtbot, main_window, document, tmp_path) -> None:
    path = tmp_path / "trace.csv"
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000):
        main_window.export_actions.export_trace_to(str(path))
    with path.open(encoding="utf-8") as stream:
        rows = list(csv.reader(line for line in stream if not line.startswith("#")))
    header, body = rows[0], rows[1:]
    assert len(body) == document.steps
    reference = document.network.run(document.sequence.values)
    for unit in (0, 7):
        column = header.index(f"h_l0_{unit}")  # the documented column scheme <key>_<unit>
        np.testing.assert_array_equal([float(r[column]) for r in body], reference["h_l0"][:, unit])


def test_heatmap_export_request_presets_one_quantity(qtbot, main_window, document, tmp_path, monkeypatch) -> None:
    """A heatmap's own export (its context menu) opens the dialog preset to that quantity alone."""
    chosen = []

    def fake_exec(dialog) -> int:
        dialog.path_edit.setText(str(tmp_path / "forget.png"))
        chosen.append(dialog.options())
        return 1

    monkeypatch.setattr(ExportFigureDialog, "exec", fake_exec)
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000):
        heatmaps = main_window.views["heatmaps"]
        heatmaps.export_requested.emit("f")
    assert chosen[0].show == ("f",)
    assert image_is_not_blank(QImage(str(tmp_path / "forget.png")))


def test_file_stem_is_safe() -> None:
    from lstmviz.gui.dialogs.export_figure import file_stem

    assert file_stem("demo: sine of rising frequency") == "demo-sine-of-rising-frequency"
    assert file_stem("/data/prices.csv") == "prices"
    assert file_stem("", "trace") == "trace"


def test_cancelled_export_writes_nothing(qtbot, main_window, tmp_path) -> None:
    import threading

    from PySide6.QtWidgets import QProgressDialog, QPushButton

    path = tmp_path / "cancelled.pdf"
    written = []
    main_window.export_actions.finished.connect(written.append)
    main_window.export_actions.export_figure_to(FigureOptions(path=str(path), show="all"))
    progress = main_window.findChild(QProgressDialog, "dialog_export_progress")
    cancel_button = next(b for b in progress.findChildren(QPushButton) if b.text() == "Cancel")
    cancel_button.click()  # what a person does; the dialog's canceled signal drops the job
    qtbot.waitUntil(lambda: not any(t.name == "lstmviz-job" for t in threading.enumerate()), timeout=30_000)
    qtbot.wait(20)  # let a (dropped) queued result arrive, if any
    assert written == []
    assert not path.exists()
    assert not list(tmp_path.iterdir())


def test_exported_diagram_has_no_ui_hint_but_the_screen_keeps_it(qtbot, main_window, document, tmp_path) -> None:
    path = tmp_path / "diagram.svg"
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=10_000):
        assert main_window.export_actions.export_diagram_to(str(path))
    text = path.read_text(encoding="utf-8")
    assert "signed scales" in text and "click a cell" not in text and "Ctrl+wheel" not in text
    assert "click a cell" in main_window.diagram.diagram.legend_note.toPlainText()


@pytest.mark.parametrize("show", ["all", "output"])
def test_export_everything_of_a_trained_model_with_the_default_units(
    qtbot, main_window, document, tmp_path, message_boxes, show: str
) -> None:
    """Units 0, 2, 5 are selected (the demo default) and the model has one output: the output panel shows its
    own unit, the selected units apply to the hidden layer."""
    from pathlib import Path as _Path

    resources = _Path(__file__).resolve().parents[2] / "resources"
    assert main_window.file_actions.open_paths([str(resources / "weights" / "sine_lstm_h8.npz")])
    document.select_units([0, 2, 5])
    document.set_weight("weight_hh_l0", (0, 0), 0.5)
    path = tmp_path / f"{show}.png"
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=60_000):
        main_window.export_actions.export_figure_to(FigureOptions(path=str(path), show=show, units=(0, 2, 5), dpi=40))
    assert message_boxes.calls == []
    assert image_is_not_blank(QImage(str(path)))


def test_edited_model_figure_says_so(main_window, document, monkeypatch) -> None:
    import matplotlib.figure

    from lstmviz.gui.export_actions import render_figure_bytes

    titles: list[str] = []
    original = matplotlib.figure.Figure.suptitle
    monkeypatch.setattr(
        matplotlib.figure.Figure, "suptitle", lambda self, text, **kw: titles.append(text) or original(self, text, **kw)
    )
    state = {"network": document.network, "sequence": document.sequence, "trace": document.trace}
    for edited in (True, False):
        render_figure_bytes({**state, "edited": edited}, FigureOptions(path="x.png", show="hidden", dpi=40))
    assert ", edited" in titles[0] and "edited" not in titles[1]


def test_slide_preset_sets_a_16_by_9_size(qtbot, main_window, document, tmp_path) -> None:
    dialog = ExportFigureDialog(document, str(tmp_path), main_window)
    qtbot.addWidget(dialog)
    dialog.dpi_spin.setValue(120)
    dialog.use_slide_size()
    options = dialog.options()
    assert options.size == (1600, 900)
