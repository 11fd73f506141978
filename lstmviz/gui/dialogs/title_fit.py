"""Message boxes wide enough for their title: "Cannot open the file" is shown whole, not "Cannot ope…".

A QMessageBox takes the width of its text, and allows its title only that width plus 50 px. The window manager's
title bar also holds the window icon and the minimise, maximise and close buttons, often in a bold font, and Qt
adds " — lstmviz" to the title, so a short message ("the file is empty") cut its own title. Every message box the
app shows (error, warning, confirmation; the static helpers and hand-built boxes alike) is widened here, once,
by an application-wide filter of its show event, before the box sizes itself.
"""

from __future__ import annotations

from PySide6.QtCore import QCoreApplication, QEvent, QObject
from PySide6.QtGui import QFont, QFontMetrics, QGuiApplication
from PySide6.QtWidgets import QDialogButtonBox, QMessageBox, QWidget

TITLE_BAR_CONTROLS_EM = 7
"""Room for the window manager's icon and buttons beside the title, in lines of the dialog's font (about 120 px
at the usual 17 px line: openbox's icon and three buttons take about 100)."""
SEPARATOR = " \N{EM DASH} "
"""What Qt puts between a window's title and the application's name on the title bar."""


def shown_title(widget: QWidget) -> str:
    """The title as the title bar shows it: Qt appends the application's name unless the title ends with it."""
    title = widget.windowTitle()
    name = QGuiApplication.applicationDisplayName()
    if not title or not name or title.endswith(SEPARATOR + name) or title == name:
        return title
    return f"{title}{SEPARATOR}{name}"


def title_width(widget: QWidget) -> int:
    """The width the title bar needs for ``widget``'s whole title: the text in a bold font, and the controls."""
    font = QFont(widget.font())
    font.setBold(True)
    metrics = QFontMetrics(font)
    return metrics.horizontalAdvance(shown_title(widget)) + TITLE_BAR_CONTROLS_EM * metrics.height()


def fit_title(box: QMessageBox) -> int:
    """Make ``box`` at least as wide as its title needs (never wider than its screen); returns that width.

    Call before the box is shown: the box fixes its own size when shown, from its layout's minimum, so the
    minimum is raised (on the button row, which spans the box) rather than the size set.
    """
    screen = box.screen() or QGuiApplication.primaryScreen()
    room = screen.availableGeometry().width() if screen is not None else 1024
    need = min(title_width(box), room)
    layout = box.layout()
    buttons = box.findChild(QDialogButtonBox)
    if layout is None or buttons is None:
        box.setMinimumWidth(need)
        return need
    margins = layout.contentsMargins()
    buttons.setMinimumWidth(max(0, need - margins.left() - margins.right()))
    return need


class TitleFit(QObject):
    """The application's filter that fits every message box to its title just before the box first shows."""

    def eventFilter(self, watched: QObject, event: QEvent) -> bool:
        if event.type() == QEvent.Type.Show and isinstance(watched, QMessageBox):
            fit_title(watched)
        return False


def install_title_fit() -> None:
    """Fit every message box the application shows from now on (once per application; later calls do nothing)."""
    app = QCoreApplication.instance()
    if app is None or app.findChild(TitleFit, "lstmviz_title_fit") is not None:
        return
    fit = TitleFit(app)
    fit.setObjectName("lstmviz_title_fit")
    app.installEventFilter(fit)
