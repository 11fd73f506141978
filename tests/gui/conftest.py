"""GUI test fixtures: QSettings isolated in tmp_path, modal message boxes answered, a real MainWindow offscreen.

Every GUI test gets its own settings folder (so no test reads or writes the user's real settings, and tests do
not see each other's recent files or layouts), and QMessageBox's static dialogs are replaced by a recorder that
answers at once (a modal dialog in an offscreen test would otherwise wait forever). Tests that want a particular
answer set ``message_boxes.answer``.
"""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from app_checks import sine_document
from PySide6.QtCore import QCoreApplication, QSettings
from PySide6.QtWidgets import QMessageBox

from lstmviz.model.document import Document


@pytest.fixture(autouse=True)
def isolated_settings(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """QSettings() anywhere in the test writes to a fresh INI folder under tmp_path."""
    folder = tmp_path_factory.mktemp("settings")
    QSettings.setDefaultFormat(QSettings.Format.IniFormat)
    for scope in (QSettings.Scope.UserScope, QSettings.Scope.SystemScope):
        QSettings.setPath(QSettings.Format.IniFormat, scope, str(folder))
    QCoreApplication.setOrganizationName("lstmviz-tests")
    QCoreApplication.setApplicationName("lstmviz-tests")
    yield folder


@pytest.fixture(autouse=True)
def restore_app_look(qapp: Any) -> Iterator[None]:
    """Tests that switch the palette or style (View > Palette, run_app) leave the application as they found it."""
    style, palette = qapp.style().name(), qapp.palette()
    yield
    if qapp.style().name() != style:
        qapp.setStyle(style)
    if qapp.palette() != palette:
        qapp.setPalette(palette)
    qapp.setProperty("lstmviz_palette", None)


@dataclass
class MessageBoxRecorder:
    """What the app asked or told the user; ``answer`` is what ``question`` returns."""

    calls: list[tuple[str, str, str]] = field(default_factory=list)
    answer: QMessageBox.StandardButton = QMessageBox.StandardButton.Discard
    boxes: list[QMessageBox] = field(default_factory=list)

    def kinds(self) -> list[str]:
        return [kind for kind, _title, _text in self.calls]

    def texts(self, kind: str | None = None) -> list[str]:
        return [text for k, _title, text in self.calls if kind is None or k == kind]


@pytest.fixture(autouse=True)
def message_boxes(monkeypatch: pytest.MonkeyPatch) -> MessageBoxRecorder:
    recorder = MessageBoxRecorder()

    def make(kind: str, returns: Any) -> Any:
        def fake(_parent: Any, title: str, text: str, *args: Any, **kwargs: Any) -> Any:
            recorder.calls.append((kind, title, text))
            return recorder.answer if returns is None else returns

        return staticmethod(fake)

    monkeypatch.setattr(QMessageBox, "question", make("question", None))
    monkeypatch.setattr(QMessageBox, "critical", make("critical", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "warning", make("warning", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "information", make("information", QMessageBox.StandardButton.Ok))
    monkeypatch.setattr(QMessageBox, "about", make("about", None))

    kinds = {
        QMessageBox.Icon.Critical: "critical",
        QMessageBox.Icon.Warning: "warning",
        QMessageBox.Icon.Question: "question",
        QMessageBox.Icon.Information: "information",
    }

    real_exec = QMessageBox.exec

    def fake_exec(box: QMessageBox) -> int:
        """A telling box built by hand: record its headline and its informative text (the reason) as one text;
        boxes that ask (custom buttons, e.g. the input-mismatch choice) still run for real."""
        if box.icon() not in (QMessageBox.Icon.Critical, QMessageBox.Icon.Warning, QMessageBox.Icon.Information):
            return real_exec(box)
        text = "\n".join(part for part in (box.text(), box.informativeText()) if part)
        recorder.calls.append((kinds.get(box.icon(), "message"), box.windowTitle(), text))
        recorder.boxes.append(box)
        return int(QMessageBox.StandardButton.Ok.value)

    monkeypatch.setattr(QMessageBox, "exec", fake_exec)
    return recorder


@pytest.fixture
def document() -> Document:
    return sine_document()


@pytest.fixture
def main_window(qtbot: Any, document: Document) -> Iterator[Any]:
    """A real MainWindow over ``document``, shown offscreen; closed without questions at the end."""
    from lstmviz.gui.main_window import MainWindow

    window = MainWindow(document)
    qtbot.addWidget(window)
    window.resize(1200, 800)
    window.show()
    qtbot.waitExposed(window)
    yield window
    document.mark_clean()
