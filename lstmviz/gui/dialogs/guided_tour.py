"""Help > Guided Tour: one page per concept, each setting the main window up for it, with Back and Next.

The pages and the state each sets up are data (:mod:`lstmviz.model.tour`); this dialog shows a page's text and
puts its network and sequence into the window's Document as one undo step ("Guided tour: ..."), moves to its
step and brings its view forward. The dialog is not modal, so the user can try things between pages; Edit > Undo
goes back through the pages to their own session.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QDialog, QHBoxLayout, QLabel, QMainWindow, QPushButton, QTextBrowser, QVBoxLayout

from ...engine.errors import EngineError
from ...engine.seq2seq import Seq2Seq
from ...io.errors import FileFormatError
from ...model.tour import TOUR, TourPage, TourState

if TYPE_CHECKING:
    from ..main_window import MainWindow


def page_html(page: TourPage) -> str:
    """A page as the dialog shows it: the concept with its equation, what to look at, what to try."""
    return f"<h3>{page.title}</h3><p>{page.concept}</p><p><b>Look at.</b> {page.look}</p><p><b>Try.</b> {page.try_}</p>"


class GuidedTour(QDialog):
    """The tour over one main window."""

    page_shown = Signal(int)
    """The index of the page just shown (its state is in place)."""

    def __init__(self, window: MainWindow) -> None:
        super().__init__(window)
        self.setObjectName("guidedTour")
        self.setWindowTitle("Guided Tour - lstmviz")
        self.setModal(False)
        self.window_ = window
        self.index = -1
        self.seq2seq_window: QMainWindow | None = None
        self.text = QTextBrowser(self)
        self.text.setObjectName("tourText")
        self.text.setOpenExternalLinks(False)
        self.counter = QLabel(self)
        self.counter.setObjectName("tourCounter")
        self.back_button = QPushButton("< &Back", self)
        self.back_button.setObjectName("tourBack")
        self.back_button.clicked.connect(lambda: self.show_page(self.index - 1))
        self.next_button = QPushButton("&Next >", self)
        self.next_button.setObjectName("tourNext")
        self.next_button.clicked.connect(lambda: self.show_page(self.index + 1))
        close = QPushButton("&Close", self)
        close.clicked.connect(self.close)
        buttons = QHBoxLayout()
        buttons.addWidget(self.counter)
        buttons.addStretch(1)
        for button in (self.back_button, self.next_button, close):
            buttons.addWidget(button)
        layout = QVBoxLayout(self)
        layout.addWidget(self.text, 1)
        layout.addLayout(buttons)
        self.resize(560, 520)

    def show_page(self, index: int) -> None:
        """Set the window up for page ``index`` and show its text; a page that cannot be set up says why."""
        if not 0 <= index < len(TOUR):
            return
        page = TOUR[index]
        self.index = index
        self.back_button.setEnabled(index > 0)
        self.next_button.setEnabled(index < len(TOUR) - 1)
        self.counter.setText(f"Page {index + 1} of {len(TOUR)}")
        try:
            state = page.setup()
            self._apply(page, state)
        except (FileFormatError, EngineError) as error:
            self.text.setHtml(f"<h3>{page.title}</h3><p>This page could not set the app up: {error}</p>")
            return
        self.text.setHtml(page_html(page))
        self.page_shown.emit(index)

    def _apply(self, page: TourPage, state: TourState) -> None:
        window = self.window_
        document = window.document
        document.load_network_with_sequence(state.network, state.sequence, f"Guided tour: {page.title}")
        document.set_step(state.step)
        dock = window.docks.get(state.view)
        if dock is not None:
            dock.show()
            dock.raise_()
        if state.seq2seq:
            self._open_seq2seq()

    def _open_seq2seq(self) -> None:
        from ..seq2seq_window import seq2seq_window

        if self.seq2seq_window is None:
            model = Seq2Seq.random("lstm", 16, vocab_size=10, seed=0)
            self.seq2seq_window = seq2seq_window(model, "Guided tour (untrained)", self.window_)
        self.seq2seq_window.show()
        self.seq2seq_window.raise_()


def show_tour(window: MainWindow) -> GuidedTour:
    """Show the window's tour (made on first use), starting at the first page."""
    tour = window.findChild(GuidedTour, "guidedTour")
    if tour is None:
        tour = GuidedTour(window)
    tour.show()
    tour.raise_()
    if tour.index < 0:
        tour.show_page(0)
    return tour
