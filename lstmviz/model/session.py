"""The app's models by name: the main network on its sequence, and any others shown beside it.

Why: the compare view shows an RNN, a GRU and an LSTM on one sequence, and an encoder-decoder shows two networks
on two time axes. Each of those is a :class:`~lstmviz.model.document.Document` (network, sequence, derived results,
selection, undo history), and every view is built for one Document, so the same gate diagram, heatmaps and numbers
panel show any of them. The session is what knows them all: views find a model by name and hear when one comes or
goes. No Qt here.
"""

from __future__ import annotations

from collections.abc import Iterator

from psygnal import Signal, SignalGroup

from .document import Document

MAIN = "main"
"""The name of the model the main window edits."""


class SessionEvents(SignalGroup):
    added = Signal(str)
    removed = Signal(str)


class Session:
    """Named documents; ``main`` is always there."""

    def __init__(self, main: Document) -> None:
        self.events = SessionEvents()
        self._models: dict[str, Document] = {MAIN: main}

    @property
    def main(self) -> Document:
        return self._models[MAIN]

    def __getitem__(self, name: str) -> Document:
        try:
            return self._models[name]
        except KeyError:
            raise KeyError(f"no model named {name!r}; the session has {', '.join(self._models)}") from None

    def __contains__(self, name: object) -> bool:
        return name in self._models

    def __iter__(self) -> Iterator[str]:
        return iter(self._models)

    def __len__(self) -> int:
        return len(self._models)

    def add(self, name: str, document: Document) -> None:
        """Show ``document`` under ``name`` (replacing a model of that name: its views hear ``removed`` first)."""
        if name == MAIN and document is not self.main:
            raise ValueError("the main model is replaced by loading into it, not by adding another")
        if name in self._models:
            self.remove(name)
        self._models[name] = document
        self.events.added.emit(name)

    def remove(self, name: str) -> None:
        """Forget a model (its derived computations are cancelled); the main model stays."""
        if name == MAIN:
            raise ValueError("the main model cannot be removed")
        document = self._models.pop(name, None)
        if document is not None:
            document.compute.cancel()
            self.events.removed.emit(name)

    def share_runner(self, document: Document) -> None:
        """Let ``document`` compute in the background through the main model's runner (one worker thread)."""
        document.set_runner(self.main.compute.runner)
