"""The issue's 'done when', driven through the real window: load a CSV by drop, play, drag the forget bias and
watch the cell state respond (checked against the engine), undo it, export a PDF figure."""

from __future__ import annotations

import numpy as np
from app_checks import assert_trace_matches_engine
from PySide6.QtCore import QMimeData, QPointF, Qt, QUrl
from PySide6.QtGui import QDropEvent
from PySide6.QtWidgets import QSlider, QWidget

from lstmviz.gui.dialogs.export_figure import ExportFigureDialog


def drop_file(window, path) -> None:
    mime = QMimeData()
    mime.setUrls([QUrl.fromLocalFile(str(path))])
    window.dropEvent(
        QDropEvent(
            QPointF(300, 300), Qt.DropAction.CopyAction, mime, Qt.MouseButton.LeftButton, Qt.KeyboardModifier.NoModifier
        )
    )


def forget_bias_mean(network) -> float:
    rows = network.spec.gate_slice("f", network.hidden_size)
    return float((network.params["bias_ih_l0"][rows] + network.params["bias_hh_l0"][rows]).mean())


def test_a_first_session(qtbot, main_window, document, tmp_path, monkeypatch) -> None:
    # 1. The person's own CSV, dropped onto the window.
    values = np.sin(np.linspace(0, 20, 150)) + 0.2 * np.cos(np.linspace(0, 55, 150))
    csv = tmp_path / "mine.csv"
    csv.write_text("value\n" + "\n".join(repr(float(v)) for v in values) + "\n", encoding="utf-8")
    drop_file(main_window, csv)
    np.testing.assert_array_equal(document.sequence.values[:, 0], values)

    # 2. Play: the step advances by itself; pause.
    playback = main_window.playback
    playback.play_action.setChecked(True)
    qtbot.waitUntil(lambda: document.step >= 3, timeout=5_000)
    playback.play_action.setChecked(False)
    assert main_window.status.step_label.text().startswith(f"t = {document.step} / 149")

    # 3. Drag the forget-gate bias slider in the Weights panel: one drag, one undo step, C_t responds.
    holder = main_window.findChild(QWidget, "biasSlider_f")
    assert holder is not None, "the Weights panel has a forget-gate bias slider"
    slider = holder.findChild(QSlider)
    before_network, before_c = document.network, document.trace["c_l0"].copy()
    slider.setSliderDown(True)
    for position in np.linspace(slider.value(), slider.maximum(), 6).astype(int)[1:]:
        slider.setValue(int(position))
    slider.setSliderDown(False)
    qtbot.waitUntil(lambda: forget_bias_mean(document.network) > forget_bias_mean(before_network) + 1.0, timeout=5_000)
    assert_trace_matches_engine(document)
    assert not np.allclose(document.trace["c_l0"], before_c)
    heatmaps = main_window.views["heatmaps"]
    # what the heatmap shows is the engine's new C_t
    np.testing.assert_allclose(heatmaps.image_array("c"), document.trace["c_l0"].T, rtol=1e-6, atol=1e-6)
    assert "bias" in main_window.actions["undo"].text()
    main_window.actions["undo"].trigger()
    np.testing.assert_array_equal(document.network.params["bias_ih_l0"], before_network.params["bias_ih_l0"])
    np.testing.assert_array_equal(document.trace["c_l0"], before_c)

    # 4. Export a PDF figure through the Export Figure dialog.
    pdf = tmp_path / "figure.pdf"

    def fill_and_accept(dialog) -> int:
        dialog.path_edit.setText(str(pdf))
        dialog.show_combo.setCurrentIndex(dialog.show_combo.findData("all"))
        return 1

    monkeypatch.setattr(ExportFigureDialog, "exec", fill_and_accept)
    with qtbot.waitSignal(main_window.export_actions.finished, timeout=30_000):
        main_window.actions["export_figure"].trigger()
    assert pdf.read_bytes().startswith(b"%PDF-")
