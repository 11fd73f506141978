"""The seq2seq mode: playback through both sides, the teacher-forcing/free-running toggle, a context edit."""

from __future__ import annotations

import numpy as np
import pytest

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.views.seq2seq_view import SLIDER_SCALE, Seq2SeqView
from lstmviz.model.seq2seq_session import Seq2SeqSession

SOURCE = [3, 1, 4, 1, 5]
TARGET = [5, 1, 4, 1, 3]


def _view(qtbot) -> Seq2SeqView:
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=7, embed_size=3, seed=2)
    view = Seq2SeqView(Seq2SeqSession(model, SOURCE, TARGET))
    qtbot.addWidget(view)
    view.resize(1400, 800)
    return view


def test_playback_runs_through_the_encoder_then_the_decoder(qtbot) -> None:
    view = _view(qtbot)
    session = view.session
    assert view.step.maximum() == len(SOURCE) + len(TARGET) - 1
    view.step.setValue(3)
    assert (session.encoder_doc.step, session.decoder_doc.step, session.active_side) == (3, 0, "encoder")
    view.step.setValue(7)
    assert (session.encoder_doc.step, session.decoder_doc.step, session.active_side) == (4, 2, "decoder")
    assert "decoder step 2" in view.play_label.text()
    # the views draw the side documents: the decoder's heatmap holds the decoder's h, not the encoder's
    np.testing.assert_array_equal(session.decoder_doc.trace["h_l0"], session.trace["dec_h_l0"])
    np.testing.assert_array_equal(session.encoder_doc.trace["h_l0"], session.trace["enc_h_l0"])


def test_the_toggle_switches_the_decoders_inputs_and_names_where_outputs_part(qtbot) -> None:
    view = _view(qtbot)
    session = view.session
    teacher_inputs = np.array(session.decoder_doc.trace["x"])
    view.mode.setCurrentIndex(view.mode.findData("free"))
    assert session.mode == "free"
    free = session.trace
    np.testing.assert_array_equal(free["dec_tokens"][1:], free["dec_pred"][:-1])
    np.testing.assert_array_equal(session.decoder_doc.trace["x"], free["dec_x"])
    assert not np.array_equal(session.decoder_doc.trace["x"], teacher_inputs)
    expected = next((t for t in range(5) if free["dec_pred"][t] != session.other["dec_pred"][t]), None)
    text = view.difference.text()
    assert (f"part at decoder step {expected}" in text) if expected is not None else ("same outputs" in text)


def test_a_context_edit_reruns_the_decoder_at_once(qtbot) -> None:
    view = _view(qtbot)
    session = view.session
    before = np.array(session.decoder_doc.trace["h_l0"])
    encoder_before = np.array(session.encoder_doc.trace["h_l0"])
    view.sliders[("h", 0, 1)].setValue(int(0.9 * SLIDER_SCALE))
    assert session.trace.edited_context
    assert abs(session.trace.context_h[0, 1] - 0.9) < 1e-12
    np.testing.assert_array_equal(session.decoder_doc.trace.h0[0], session.trace.context_h[0])
    assert not np.allclose(session.decoder_doc.trace["h_l0"], before)
    np.testing.assert_array_equal(session.encoder_doc.trace["h_l0"], encoder_before)
    view.reset.click()
    np.testing.assert_allclose(session.decoder_doc.trace["h_l0"], before, rtol=0, atol=0)


def test_file_menu_opens_an_encoder_decoder_window(main_window, tmp_path, monkeypatch) -> None:
    from PySide6.QtWidgets import QFileDialog

    from lstmviz.io.seq2seq_weights import save_seq2seq

    path = tmp_path / "reverse.safetensors"
    save_seq2seq(Seq2Seq.random("gru", 5, 2, vocab_size=6, seed=1), path)
    monkeypatch.setattr(QFileDialog, "getOpenFileName", lambda *a, **k: (str(path), ""))
    window = main_window
    window.actions["open_seq2seq"].trigger()
    opened = window._seq2seq_windows[-1]
    view = opened.centralWidget()
    assert isinstance(view, Seq2SeqView)
    assert view.session.model.decoder.cell == "gru" and view.session.has_target
    assert len(view.sliders) == 10  # h of 2 layers x 5 units (a GRU hands over no C)
    opened.close()


def test_the_fed_back_outputs_are_drawn_as_arrows_into_the_next_input(qtbot) -> None:
    view = _view(qtbot)
    strip = view.feedback
    view.mode.setCurrentIndex(view.mode.findData("free"))
    rows = strip.rows()
    names = [row.name for row in rows]
    assert names == ["target", "output (free-running)", "output (teacher forcing)", "decoder input"]
    feeding, fed = rows[strip.feeding_row()], rows[-1]
    assert strip.feeding_row() == 1 and fed.texts[0] == "<s>"
    assert strip.arrows() == [(t, t + 1) for t in range(len(TARGET) - 1)]
    for start, end in strip.arrows():  # free-running: the decoder's own argmax is its next input
        assert feeding.texts[start] == fed.texts[end] == str(int(view.session.trace["dec_pred"][start]))
    view.mode.setCurrentIndex(view.mode.findData("teacher"))
    rows = strip.rows()
    assert strip.feeding_row() == 0 and rows[0].texts == [str(t) for t in TARGET]
    assert [rows[-1].texts[end] for _, end in strip.arrows()] == [str(t) for t in TARGET[:-1]]
    assert not strip.grab().isNull()


def test_token_sequences_show_their_tokens_on_both_time_axes(qtbot) -> None:
    view = _view(qtbot)
    trace = view.session.trace
    for side, key in ((view.encoder, "enc_tokens"), (view.decoder, "dec_pred")):
        ticks = side.heatmaps.time_ticks()
        assert [label for _, label in ticks] == [f"{t}\n{int(v)}" for t, v in enumerate(trace[key])]
        last = list(side.heatmaps.rows.values())[-1].plot.getAxis("bottom")
        assert last._tickLevels == [ticks]
    assert list(SOURCE) == [int(v) for v in trace["enc_tokens"]]


def test_numbers_feed_back_their_values_and_keep_numeric_axes(qtbot) -> None:
    model = Seq2Seq.random("gru", 3, 1, input_size=1, seed=4)
    source = np.sin(np.arange(12) / 3.0)
    view = Seq2SeqView(Seq2SeqSession(model, source, steps=5))
    qtbot.addWidget(view)
    rows = view.feedback.rows()
    assert [row.name for row in rows] == ["output (free-running)", "decoder input"]
    y = view.session.trace["dec_y"][:, 0]
    assert rows[0].texts == [f"{v:.2f}" for v in y]
    assert rows[1].texts[0] == f"{source[-1]:.2f}" and rows[1].texts[1:] == rows[0].texts[:-1]
    # whole step numbers on a short side (no half steps on a 5-step decoder), one label per 2 steps up to 24
    assert [label for _, label in view.decoder.heatmaps.time_ticks()] == ["0", "1", "2", "3", "4"]
    last = list(view.decoder.heatmaps.rows.values())[-1].plot.getAxis("bottom")
    assert last._tickLevels == [view.decoder.heatmaps.time_ticks()]
    long = Seq2SeqView(Seq2SeqSession(model, np.sin(np.arange(100) / 3.0), steps=24))
    qtbot.addWidget(long)
    assert [label for _, label in long.decoder.heatmaps.time_ticks()] == [str(t) for t in range(0, 24, 2)]
    assert long.encoder.heatmaps.time_ticks() is None  # 100 steps: pyqtgraph's own ticks, which follow a zoom


def _warnings(monkeypatch) -> list[str]:
    from PySide6.QtWidgets import QMessageBox

    shown: list[str] = []
    monkeypatch.setattr(QMessageBox, "warning", lambda parent, title, text, *a, **k: shown.append(text))
    return shown


def test_a_typed_source_and_target_are_encoded_and_decoded(qtbot, monkeypatch) -> None:
    from PySide6.QtCore import Qt

    view = _view(qtbot)
    shown = _warnings(monkeypatch)
    view.source_edit.clear()
    qtbot.keyClicks(view.source_edit, "2, 6 6 1")
    view.target_edit.clear()
    qtbot.keyClicks(view.target_edit, "1 6 6 2")
    qtbot.mouseClick(view.apply_source, Qt.MouseButton.LeftButton)
    trace = view.session.trace
    assert shown == [] and trace["enc_tokens"].tolist() == [2, 6, 6, 1] and trace["dec_target"].tolist() == [1, 6, 6, 2]
    assert view.step.maximum() == 7 and view.feedback.rows()[0].texts == ["1", "6", "6", "2"]
    assert [label for _, label in view.encoder.heatmaps.time_ticks()] == ["0\n2", "1\n6", "2\n6", "3\n1"]
    # no target: free-running only, for the number of steps asked for
    view.target_edit.clear()
    view.decode_steps.setValue(3)
    qtbot.keyClick(view.source_edit, Qt.Key.Key_Return)
    assert view.session.mode == "free" and not view.mode.isEnabled()
    assert view.session.trace.decoder_steps == 3 and view.difference.text().startswith("Free-running (no target")


def test_a_source_the_model_cannot_read_is_explained_and_changes_nothing(qtbot, monkeypatch) -> None:
    view = _view(qtbot)
    shown = _warnings(monkeypatch)
    before = view.session.trace
    for text, message in (
        ("3 x 1", "'x' is not a whole-number token id"),
        ("3 9 1", "token ids outside 0 to 6"),
        ("", "type a source"),
    ):
        view.source_edit.setText(text)
        view.apply_source.click()
        assert message in shown[-1]
        assert view.session.trace is before and view.session.source == SOURCE
    assert len(shown) == 3


def test_random_picks_a_fresh_source_with_its_reverse_as_target(qtbot) -> None:
    view = _view(qtbot)
    view.random_source.click()
    trace = view.session.trace
    assert trace.encoder_steps == len(SOURCE) and trace["dec_target"].tolist() == trace["enc_tokens"].tolist()[::-1]
    assert view.source_edit.text() == " ".join(str(v) for v in trace["enc_tokens"])


def test_numbers_are_typed_as_values_per_step(qtbot, monkeypatch) -> None:
    model = Seq2Seq.random("lstm", 3, 1, input_size=2, seed=4)
    view = Seq2SeqView(Seq2SeqSession(model, np.zeros((4, 2)), steps=2))
    qtbot.addWidget(view)
    shown = _warnings(monkeypatch)
    view.source_edit.setText("0.5 1; -1 2; 0 0")
    view.target_edit.setText("1 1; 2 2")
    view.apply_source.click()
    np.testing.assert_array_equal(view.session.trace["enc_x"], [[0.5, 1], [-1, 2], [0, 0]])
    assert view.session.mode == "teacher" and view.session.trace.decoder_steps == 2
    view.source_edit.setText("0.5 1; 2")
    view.apply_source.click()
    assert shown == ["the source: step 1 has 1 value(s) but the model reads 2; separate steps with ';'"]


def test_dragging_a_context_unit_changes_the_output_and_marks_the_edit(qtbot) -> None:
    from PySide6.QtCore import Qt

    view = _view(qtbot)
    view.show()
    session = view.session
    outputs = np.array(session.trace["dec_y"])
    own = float(session.trace.context_c[0, 2])
    slider = view.sliders[("c", 0, 2)]
    slider.setFocus()
    for _ in range(4):  # Page Up from the keyboard, as a user nudges the slider
        qtbot.keyClick(slider, Qt.Key.Key_PageUp)
    expected = round(own * SLIDER_SCALE) / SLIDER_SCALE + 4 * slider.pageStep() / SLIDER_SCALE
    assert abs(session.trace.context_c[0, 2] - expected) < 1e-12
    assert not np.allclose(session.trace["dec_y"], outputs)
    label = view.context_values[("c", 0, 2)]
    assert label.text() == f"{expected:.3f}" and "edited" in label.toolTip()
    assert view.context_box.title().endswith("(edited)")
    assert view.context_values[("h", 0, 0)].toolTip().startswith("the encoder's own final value")
    view.reset.click()
    assert not view.context_box.title().endswith("(edited)") and label.text() == f"{own:.3f}"


def test_play_steps_through_the_encoder_then_the_decoder_and_stops_at_the_end(qtbot) -> None:
    view = _view(qtbot)
    session = view.session
    sides: list[tuple[str, int]] = []
    session.events.step_changed.connect(lambda step: sides.append((session.active_side, step)))
    view.step.setValue(view.step.maximum())
    sides.clear()
    view.play_button.click()  # at the end: starts again from the first source step
    assert view.play_button.text() == "Pause"
    qtbot.waitUntil(lambda: not view.play_button.isChecked(), timeout=20_000)
    steps = [step for _, step in sides]
    assert steps == list(range(len(SOURCE) + len(TARGET)))
    assert [side for side, _ in sides] == ["encoder"] * len(SOURCE) + ["decoder"] * len(TARGET)
    assert view.step.value() == view.step.maximum() and view.play_button.text() == "Play"


def test_a_click_drag_on_a_context_value_edits_it_and_re_runs_the_decoder(qtbot) -> None:
    from PySide6.QtCore import QPoint, Qt

    from lstmviz.gui.views.seq2seq_view import DRAG_PER_PIXEL

    view = _view(qtbot)
    view.show()
    session = view.session
    own = float(session.trace.context_c[0, 1])
    before = np.array(session.decoder_doc.trace["h_l0"])
    label = view.context_values[("c", 0, 1)]
    qtbot.mousePress(label, Qt.MouseButton.LeftButton, pos=QPoint(5, 5))
    qtbot.mouseMove(label, QPoint(55, 5))  # 50 pixels to the right
    qtbot.mouseRelease(label, Qt.MouseButton.LeftButton, pos=QPoint(55, 5))
    expected = round(own + 50 * DRAG_PER_PIXEL, 3)
    assert session.context is not None and session.context[1][0, 1] == pytest.approx(expected)
    np.testing.assert_array_equal(session.decoder_doc.trace.c0[0], session.context[1][0])  # the decoder re-ran
    assert not np.allclose(session.decoder_doc.trace["h_l0"], before)
    assert label.text() == f"{expected:.3f}" and "d62728" in label.styleSheet()  # shown, and marked as edited
    assert view.sliders[("c", 0, 1)].value() == round(expected * SLIDER_SCALE)  # the slider follows
    assert view.context_box.title().endswith("(edited)")
    qtbot.mouseMove(label, QPoint(5, 5))  # moving without the button held changes nothing
    assert session.context[1][0, 1] == pytest.approx(expected)


def test_an_edited_context_keeps_its_values_in_view_on_a_small_screen(qtbot) -> None:
    from lstmviz.gui.seq2seq_window import seq2seq_window

    model = Seq2Seq.random("lstm", 48, 2, vocab_size=11, embed_size=16, seed=0)  # a context of 192 numbers
    window = seq2seq_window(model, "small")
    qtbot.addWidget(window)
    window.resize(1000, 600)
    window.show()
    qtbot.waitExposed(window)
    view = window.view
    label = view.context_values[("h", 0, 2)]
    view.sliders[("h", 0, 2)].setValue(1500)
    qtbot.wait(50)
    assert view.context_box.title().endswith("(edited)")
    scroll = view.context_scroll
    assert view.context_box.width() <= scroll.viewport().width()  # no sideways scroll: the values are in view
    right = label.mapTo(scroll.viewport(), label.rect().topRight()).x()
    assert right <= scroll.viewport().width()
    window.close()
