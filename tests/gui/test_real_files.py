"""Real files in the window: gaps, YYYYMMDD dates, year + quarter columns, normalisation, the column picker and
the Sequence panel's controls, driven through the real open dialog; expected numbers are worked out here with
Python's datetime and plain arithmetic, not with the code under test."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import numpy as np
import pytest
from PySide6.QtCore import QTimer
from PySide6.QtWidgets import QApplication, QDialogButtonBox

from lstmviz.engine.network import Network
from lstmviz.gui import sequence_import
from lstmviz.gui.dialogs.sequence_import import SequenceImportDialog
from lstmviz.gui.main_window import MainWindow
from lstmviz.io.sequence_data import SequenceData
from lstmviz.model.document import Document


def fractional_year(day: dt.date) -> float:
    start = dt.date(day.year, 1, 1)
    return day.year + (day - start).days / (dt.date(day.year + 1, 1, 1) - start).days


def co2_file(path: Path) -> tuple[Path, list[dt.date], list[float | None]]:
    """Weekly readings with dates as YYYYMMDD integers and two empty cells, one across a month boundary."""
    days = [dt.date(1994, 3, 5) + dt.timedelta(days=7 * k) for k in range(12)]
    values: list[float | None] = [358.0 + 0.3 * k + 0.5 * float(np.sin(k)) for k in range(12)]
    values[3] = None  # 1994-03-26, between 03-19 and 04-02: linear in the digits would be far off
    values[8] = None
    lines = ["date,co2"] + [f"{d:%Y%m%d},{'' if v is None else repr(v)}" for d, v in zip(days, values, strict=True)]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path, days, values


def make_window(qtbot, inputs: int = 1) -> MainWindow:
    document = Document(
        Network.random("lstm", inputs, 6, 1, seed=0),
        SequenceData(np.sin(np.linspace(0, 6, 40 * inputs)).reshape(40, inputs), source="start"),
    )
    window = MainWindow(document)
    qtbot.addWidget(window)
    window.resize(1280, 800)
    window.show()
    qtbot.waitExposed(window)
    return window


def answer_dialog(qtbot, action) -> list[SequenceImportDialog]:
    """Run ``action(dialog)`` on the open dialog as soon as it is shown (the real dialog, modal)."""
    seen: list[SequenceImportDialog] = []

    def act() -> None:
        dialog = QApplication.activeModalWidget()
        if not isinstance(dialog, SequenceImportDialog):
            QTimer.singleShot(10, act)
            return
        seen.append(dialog)
        action(dialog)

    QTimer.singleShot(0, act)
    return seen


def press_ok(dialog: SequenceImportDialog) -> None:
    dialog.buttons.button(QDialogButtonBox.StandardButton.Ok).click()


def test_gaps_and_yyyymmdd_dates_open_through_the_dialog(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    doc = window.document
    path, days, values = co2_file(tmp_path / "co2.csv")

    def choose(dialog: SequenceImportDialog) -> None:
        assert dialog.time_combo.currentData() == "date"
        assert dialog.missing_combo.isEnabled() and dialog.missing_combo.currentData() == "interpolate"
        assert "2 empty cells" in dialog.findChild(type(dialog.summary), "importHeadline").text()
        press_ok(dialog)

    seen = answer_dialog(qtbot, choose)
    assert window.file_actions.open_path(str(path))
    assert seen, "a file with gaps asks how to read it"
    years = [fractional_year(d) for d in days]
    np.testing.assert_allclose(doc.sequence.time, years, rtol=0, atol=1e-12)
    assert doc.sequence.time_label == "date (year)"
    for k in (3, 8):  # linear in time between the neighbours
        w = (years[k] - years[k - 1]) / (years[k + 1] - years[k - 1])
        expected = values[k - 1] * (1 - w) + values[k + 1] * w
        assert doc.sequence.values[k, 0] == pytest.approx(expected, abs=1e-9)
    doc.set_step(3)
    assert window.status.step_label.text().endswith("date 1994-03-26")
    assert doc.sequence.input_labels == ("co2",)


def test_cancelling_the_dialog_changes_nothing(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    before = (window.document.sequence, window.document.network, window.document.dirty)
    path, _, _ = co2_file(tmp_path / "co2.csv")
    answer_dialog(qtbot, lambda dialog: dialog.reject())
    assert not window.file_actions.open_path(str(path))
    assert (window.document.sequence, window.document.network, window.document.dirty) == before


def test_normalisation_is_computed_on_the_data_kept_with_the_session_and_labelled(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    doc = window.document
    path, _, _ = co2_file(tmp_path / "co2.csv")

    def choose(dialog: SequenceImportDialog) -> None:
        dialog.normalise_combo.setCurrentIndex(dialog.normalise_combo.findData("z-score"))
        press_ok(dialog)

    answer_dialog(qtbot, choose)
    assert window.file_actions.open_path(str(path))
    panel = window.views["sequence"]
    heatmaps = window.views["heatmaps"]
    x = doc.sequence.values[:, 0]
    assert x.mean() == pytest.approx(0.0, abs=1e-12) and x.std() == pytest.approx(1.0, abs=1e-12)
    assert doc.sequence.input_labels == ("co2 (z-score)",)
    scaling = doc.view_settings.input_scaling
    assert scaling is not None and scaling.method == "z-score"
    filled = x * scaling.scale[0] + scaling.offset[0]  # back to the file's values
    assert 357.0 < filled.min() and filled.max() < 362.0
    assert "(z-score)" in heatmaps.input_row.plot.getAxis("left").labelText
    # The Sequence panel's controls follow, and change the reading (one undo step each).
    assert panel.normalise_combo.currentData() == "z-score"
    panel.normalise_combo.setCurrentIndex(panel.normalise_combo.findData("min-max"))
    panel.normalise_combo.activated.emit(panel.normalise_combo.currentIndex())
    x = doc.sequence.values[:, 0]
    assert x.min() == pytest.approx(0.0) and x.max() == pytest.approx(1.0)
    assert "min-max" in window.actions["undo"].text()
    panel.missing_combo.setCurrentIndex(panel.missing_combo.findData("drop"))
    panel.missing_combo.activated.emit(panel.missing_combo.currentIndex())
    assert doc.steps == 10
    doc.undo()
    assert doc.steps == 12
    assert panel.missing_combo.isEnabled() and panel.normalise_combo.currentData() == "min-max", (
        "undo goes back to a reading of the same file: its controls stay usable"
    )
    doc.mark_clean()


def test_year_and_quarter_become_a_fractional_year_axis_and_big_values_get_a_hint(qtbot, tmp_path) -> None:
    window = make_window(qtbot)
    doc = window.document
    rows = [(1990 + k // 4, k % 4 + 1, 4000.0 + 37.0 * k) for k in range(24)]
    path = tmp_path / "macro.csv"
    path.write_text("year,quarter,gdp\n" + "".join(f"{y},{q},{v}\n" for y, q, v in rows), encoding="utf-8")
    seen = answer_dialog(qtbot, press_ok)
    assert window.file_actions.open_path(str(path))
    assert seen and seen[0].time_combo.currentData() == "year + quarter"
    np.testing.assert_allclose(doc.sequence.time, [y + (q - 1) / 4 for y, q, _ in rows])
    assert doc.sequence.input_labels == ("gdp",), "year and quarter are the time axis, not inputs"
    np.testing.assert_array_equal(doc.sequence.values[:, 0], [v for _, _, v in rows])
    panel = window.views["sequence"]
    assert panel.hint.isVisibleTo(panel) and "saturate the gates" in panel.hint.text()
    assert "normalise" in window.statusBar().currentMessage()
    panel.normalise_combo.setCurrentIndex(panel.normalise_combo.findData("z-score"))
    panel.normalise_combo.activated.emit(panel.normalise_combo.currentIndex())
    assert not panel.hint.isVisibleTo(panel)
    doc.mark_clean()


def test_the_column_picker_chooses_inputs_and_time(qtbot, tmp_path, monkeypatch) -> None:
    window = make_window(qtbot, inputs=3)
    doc = window.document
    path = tmp_path / "wide.csv"
    path.write_text("t,a,b,c\n" + "".join(f"{k * 0.5},{k},{k * k},{-k}\n" for k in range(30)), encoding="utf-8")
    assert window.file_actions.open_path(str(path)), "a plain file opens at once, as on the command line"
    panel = window.views["sequence"]
    assert doc.sequence.input_labels == ("a", "b", "c") and panel.columns_button.isEnabled()
    asked = []
    monkeypatch.setattr(sequence_import, "ask_width", lambda *args, **kwargs: asked.append(args[1]) or True)

    def pick(dialog: SequenceImportDialog) -> None:
        dialog.set_inputs(["b"])
        assert "network reads 3 inputs" in dialog.summary.text()
        press_ok(dialog)

    answer_dialog(qtbot, pick)
    panel.columns_button.click()
    assert asked == ["wide.csv"], "one input instead of three: the width question is asked"
    assert doc.sequence.input_labels == ("b",) and doc.network.input_size == 1
    np.testing.assert_array_equal(doc.sequence.values[:, 0], [k * k for k in range(30)])
    np.testing.assert_array_equal(doc.sequence.time, [k * 0.5 for k in range(30)])
    doc.undo()
    assert doc.sequence.input_labels == ("a", "b", "c") and doc.network.input_size == 3
    doc.mark_clean()
