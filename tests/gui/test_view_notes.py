"""Every view has a "?" button in its header row; clicking it shows that view's "what to try" note."""

from __future__ import annotations

from typing import Any

from app_checks import sine_document
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QWidget

from lstmviz.engine.seq2seq import Seq2Seq
from lstmviz.gui.note_button import NoteButton
from lstmviz.gui.views.compare_view import CompareView
from lstmviz.gui.views.seq2seq_view import Seq2SeqView
from lstmviz.model.seq2seq_session import Seq2SeqSession
from lstmviz.model.session import Session
from lstmviz.model.view_notes import VIEW_NOTES

MAIN_WINDOW_VIEWS = ("diagram", "heatmaps", "numbers", "gradients", "unit_plots", "weights", "train", "prediction")


def _click_and_read(qtbot: Any, root: QWidget, key: str) -> str:
    button = root.findChild(NoteButton, f"viewNote_{key}")
    assert button is not None, f"no note button on the {key} view"
    assert button.isVisible() and button.text() == "?"
    assert button.width() <= 3 * button.fontMetrics().height()  # it costs no room
    qtbot.mouseClick(button, Qt.MouseButton.LeftButton)
    popup = button.popup
    assert popup is not None
    qtbot.waitUntil(popup.isVisible, timeout=2_000)
    shown = popup.label.text()
    popup.close()
    return shown


def test_each_main_window_view_shows_its_own_note(qtbot: Any, main_window: Any) -> None:
    main_window.docks["train"].raise_()  # built when first shown, like the tabs behind others
    qtbot.waitUntil(lambda: hasattr(main_window.views["train"], "settings"), timeout=5_000)
    for key in MAIN_WINDOW_VIEWS:
        dock = main_window.docks.get("train" if key == "prediction" else key)
        if dock is not None:
            dock.raise_()
        target = main_window if dock is None else dock  # the gate diagram is the central view
        qtbot.waitUntil(lambda t=target, k=key: t.findChild(NoteButton, f"viewNote_{k}") is not None, timeout=5_000)
        shown = _click_and_read(qtbot, target, key)
        note = VIEW_NOTES[key]
        assert shown == note.html()
        assert note.title in shown and "Try:" in shown
    texts = [VIEW_NOTES[key].html() for key in MAIN_WINDOW_VIEWS]
    assert len(set(texts)) == len(texts)  # each its own


def test_the_compare_and_seq2seq_views_show_their_notes(qtbot: Any) -> None:
    compare = CompareView(Session(sine_document()))
    model = Seq2Seq.random("lstm", 4, 1, vocab_size=7, embed_size=3, seed=2)
    seq2seq = Seq2SeqView(Seq2SeqSession(model, [3, 1, 4], [4, 1, 3]))
    for key, view in (("compare", compare), ("seq2seq", seq2seq)):
        qtbot.addWidget(view)
        view.resize(1400, 800)
        view.show()
        qtbot.waitExposed(view)
        assert _click_and_read(qtbot, view, key) == VIEW_NOTES[key].html()


def test_every_note_says_what_to_look_at_and_what_to_try_in_a_sentence_or_two() -> None:
    for key, note in VIEW_NOTES.items():
        plain = note.plain()
        assert "<" not in plain, key
        assert 60 <= len(note.look) and 40 <= len(note.try_), key
        assert plain.count(". ") <= 5, key  # short: a sentence or two each
