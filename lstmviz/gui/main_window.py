"""The main window: the gate diagram in the centre, every other view in a dock, menus, toolbar and status bar.

The window owns no state of its own beyond layout: everything a view shows comes from the Document. It wires the
pieces (views, file and export actions, the playback controller, the background runner of the compute service) and
persists the layout, recent files and palette through :class:`~lstmviz.gui.settings.AppSettings`.
"""

from __future__ import annotations

import logging
import os

from PySide6.QtCore import QCoreApplication, QEvent, Qt, QTimer
from PySide6.QtGui import (
    QAction,
    QCloseEvent,
    QDragEnterEvent,
    QDragMoveEvent,
    QDropEvent,
    QIcon,
    QShowEvent,
)
from PySide6.QtWidgets import QDockWidget, QMainWindow, QMenu, QMessageBox, QToolBar, QWidget

from ..engine.errors import EngineError
from ..io.bundled import icons_dir
from ..io.errors import FileFormatError
from ..model.document import Document
from ..model.session import Session
from .dialogs.about import show_about, show_guide
from .dialogs.title_fit import install_title_fit
from .dock_actions import sync_dock_actions
from .dock_fit import bring_floating_docks_back, column_width, dock_content, place_docks_when_floated
from .document_binding import DocumentBinding
from .export_actions import ExportActions
from .file_actions import FileActions
from .focus_chain import order_focus
from .main_menus import ACTIVATION_MENU, build_menus
from .main_model_actions import ModelActions
from .main_status import MainStatusBar
from .main_views import CENTRAL, DOCKS, build_view
from .menu_escape import escape_leaves_menus
from .playback import PlaybackController
from .session_exit import NativeWindowWatch
from .settings import AppSettings, apply_palette, current_palette_name
from .window_size import initial_size
from .workers import BackgroundRunner

log = logging.getLogger(__name__)

ICON_DIR = icons_dir()
LAZY_DOCKS: tuple[str, ...] = ("gradients", "train")
"""Docks that start as a tab behind another: their view is built when first shown (BPTT costs nothing until then)."""
STATE_VERSION = 2
"""Bump when the dock layout changes incompatibly, so an old saved state is ignored."""


def app_icon() -> QIcon:
    """The lstmviz icon: the SVG plus pre-rendered PNG sizes (crisp at every size the desktop asks for)."""
    icon = QIcon()
    for png in sorted(ICON_DIR.glob("lstmviz-*.png")):
        icon.addFile(str(png))
    svg = ICON_DIR / "lstmviz.svg"
    if svg.exists():
        icon.addFile(str(svg))
    return icon


def source_name(source: str) -> str:
    """A sequence's source as a title shows it: a file's basename, a description as written.

    Only a real path is cut to its name: a generated sequence's "frequency 0.05/step" holds a slash too, and
    cutting there left "step, amplitude 1, ..." in the title.
    """
    if not source:
        return "Untitled"
    if os.path.isabs(source) or os.path.isfile(source):
        return os.path.basename(source) or source
    return source


class MainWindow(QMainWindow):
    """lstmviz's main window over one :class:`Document`.

    ``persist=False`` neither reads nor writes settings (screenshots, embedding).
    """

    def __init__(
        self,
        document: Document,
        settings: AppSettings | None = None,
        parent: QWidget | None = None,
        persist: bool = True,
    ) -> None:
        super().__init__(parent)
        self.document = document
        self.settings = settings if settings is not None else AppSettings()
        self.persist = persist
        self.actions: dict[str, QAction] = {}
        self.docks: dict[str, QDockWidget] = {}
        self.views: dict[str, QWidget] = {}
        self.recent_menu: QMenu
        self.toolbar: QToolBar
        self._lazy: set[str] = set()
        self._terminating = False
        self._floating_later: list[QDockWidget] = []
        self._native_watch: NativeWindowWatch | None = None
        self.setObjectName("MainWindow")
        install_title_fit()  # error and confirmation boxes show their whole title
        self.setWindowIcon(app_icon())
        self.setAcceptDrops(True)
        self.setDockNestingEnabled(True)
        self.setDockOptions(
            QMainWindow.DockOption.AnimatedDocks
            | QMainWindow.DockOption.AllowTabbedDocks
            | QMainWindow.DockOption.AllowNestedDocks
        )

        self.diagram = build_view(CENTRAL, document, self)
        self.views[CENTRAL.key] = self.diagram
        self.setCentralWidget(self.diagram)
        self._build_docks()
        place_docks_when_floated(self)
        self.playback = PlaybackController(document, self)
        self.file_actions = FileActions(self)
        self.export_actions = ExportActions(self)
        self.model_actions = ModelActions(self)
        build_menus(self)
        escape_leaves_menus(self.menuBar())
        self.status = MainStatusBar(document, self)
        self.setStatusBar(self.status)
        self._install_runner()
        self.session = Session(document)
        """Every model the window shows: the main one, and those compare and encoder-decoder views add."""
        # A heatmap's context menu asks for a figure of it.
        self.views["heatmaps"].export_requested.connect(  # type: ignore[attr-defined]
            lambda quantity: self.export_actions.export_figure(str(quantity))
        )

        events = document.events
        self._binding = DocumentBinding(
            self,
            [
                (events.history_changed, self._update_history),
                (events.path_changed, self._update_title),
                (events.sequence_changed, self._update_title),
                (events.network_changed, self._update_model_menu),
                (events.network_changed, self._reorder_focus_soon),
                (self.document.compute.events.failed, self._compute_failed),
            ],
        )
        self._update_history()
        self._update_model_menu()
        order_focus(self)
        self._default_state = self.saveState(STATE_VERSION)
        self._sizes_pending = True
        self.resize(initial_size(self))
        palette = self.settings.palette() if persist else current_palette_name()
        self.actions[f"palette_{palette}"].setChecked(True)
        if persist:
            self._restore_settings()

    # Construction -----------------------------------------------------------------------------------------
    def _build_docks(self) -> None:
        for spec in DOCKS:
            dock = QDockWidget(spec.title, self)
            dock.setObjectName(f"dock_{spec.key}")
            dock.setToolTip(spec.tooltip)
            dock.setFeatures(
                QDockWidget.DockWidgetFeature.DockWidgetClosable
                | QDockWidget.DockWidgetFeature.DockWidgetMovable
                | QDockWidget.DockWidgetFeature.DockWidgetFloatable
            )
            if spec.key in LAZY_DOCKS:
                view = QWidget(dock)  # built the first time the dock is shown (see _show_lazy)
                view.setObjectName(f"view_{spec.key}")
                self._lazy.add(spec.key)
                dock.visibilityChanged.connect(lambda visible, key=spec.key: visible and self._show_lazy(key))
            else:
                view = build_view(spec, self.document, dock)
            dock.setWidget(dock_content(spec.key, view))
            self.views[spec.key] = view
            self.docks[spec.key] = dock
        d = self.docks
        for spec in DOCKS:  # placement as each view's spec states it
            if spec.split_from:
                self.splitDockWidget(d[spec.split_from], d[spec.key], Qt.Orientation.Horizontal)
            elif spec.tab_with:
                self.tabifyDockWidget(d[spec.tab_with], d[spec.key])
            else:
                self.addDockWidget(spec.area, d[spec.key])
        for spec in DOCKS:  # the first tab of each tab group is the one shown
            if spec.tab_with and not next(s for s in DOCKS if s.key == spec.tab_with).tab_with:
                d[spec.tab_with].raise_()
        self.setCorner(Qt.Corner.BottomLeftCorner, Qt.DockWidgetArea.LeftDockWidgetArea)
        self.setCorner(Qt.Corner.BottomRightCorner, Qt.DockWidgetArea.RightDockWidgetArea)

    def _show_lazy(self, key: str) -> None:
        """Build a view that started hidden, now that it is shown (start-up does not pay for tabs behind others)."""
        if key not in self._lazy:
            return
        self._lazy.discard(key)
        spec = next(s for s in DOCKS if s.key == key)
        dock = self.docks[key]
        old = dock.widget()
        view = build_view(spec, self.document, dock)
        dock.setWidget(dock_content(key, view))
        self.views[key] = view
        if old is not None:
            old.deleteLater()
        order_focus(self)

    def _apply_default_sizes(self) -> None:
        """Dock sizes as shares of the window, so the default layout fits any window size."""
        d, w, h = self.docks, max(self.width(), 800), max(self.height(), 600)
        horizontal, vertical = Qt.Orientation.Horizontal, Qt.Orientation.Vertical
        v = self.views
        left = column_width([v["model"], v["sequence"]], int(0.19 * w), int(0.25 * w))
        right = column_width([v["numbers"], v["weights"]], int(0.22 * w), int(0.27 * w))
        self.resizeDocks([d["model"], d["numbers"]], [left, right], horizontal)
        self.resizeDocks([d["heatmaps"]], [int(0.46 * h)], vertical)
        self.resizeDocks([d["model"], d["sequence"]], [int(0.27 * h), int(0.63 * h)], vertical)
        self.resizeDocks([d["numbers"], d["weights"]], [int(0.37 * h), int(0.53 * h)], vertical)
        middle = int(0.59 * w)
        self.resizeDocks([d["heatmaps"], d["unit_plots"]], [int(0.6 * middle), int(0.4 * middle)], horizontal)

    def showEvent(self, event: QShowEvent) -> None:
        """The first show sizes the docks for the real window size, unless a saved layout was restored."""
        super().showEvent(event)
        if self._sizes_pending:
            self._sizes_pending = False
            self._apply_default_sizes()
            # Once more when the dock layout has its real geometry (a tabbed group ignores the first request).
            QTimer.singleShot(0, self._apply_default_sizes)
        # Floating docks restored with the layout: on a screen, and above the window now that it is mapped.
        QTimer.singleShot(0, self._bring_docks_back)
        app = QCoreApplication.instance()
        if self._native_watch is None and app is not None:
            self._native_watch = NativeWindowWatch(int(self.winId()), self._window_lost)
            app.installNativeEventFilter(self._native_watch)

    def _window_lost(self) -> None:
        """The X window was destroyed from outside: end as on SIGTERM (unsaved work to the recovery file)."""
        log.warning("the main window was destroyed from outside; quitting")
        self.terminate()
        QCoreApplication.quit()

    def changeEvent(self, event: QEvent) -> None:
        """Maximising or activating the window raised it over its floating docks (openbox): raise them again."""
        super().changeEvent(event)
        if event.type() == QEvent.Type.WindowStateChange or (
            event.type() == QEvent.Type.ActivationChange and self.isActiveWindow()
        ):
            QTimer.singleShot(0, self._bring_docks_back)

    def _reorder_focus_soon(self) -> None:
        """A new network rebuilds panel widgets (the weight sliders): they join the Tab order in their place."""
        QTimer.singleShot(0, self._reorder_focus)

    def _reorder_focus(self) -> None:
        order_focus(self)

    def _bring_docks_back(self) -> None:
        for dock in self._floating_later:
            dock.show()
        self._floating_later = []
        bring_floating_docks_back(self)
        sync_dock_actions(self, self.actions)

    def _install_runner(self) -> None:
        """Large computations run off the GUI thread through one BackgroundRunner (shut down when the window
        closes); a failed trace is worth a dialog, the other kinds say so in their own view."""
        self._runner = BackgroundRunner(self)
        self.document.set_runner(self._runner)

    def _compute_failed(self, kind: str, message: str) -> None:
        if kind == "trace":
            QMessageBox.warning(self, "Recompute failed", message)

    # Document -> window -------------------------------------------------------------------------------------
    def display_name(self) -> str:
        """The name shown in the title: the workspace file's name, else the sequence's source, else Untitled."""
        doc = self.document
        if doc.path:
            return os.path.basename(doc.path)
        return source_name(doc.sequence.source)

    def _update_title(self) -> None:
        star = "*" if self.document.dirty else ""
        self.setWindowTitle(f"{self.display_name()}{star} — lstmviz")

    def _update_history(self) -> None:
        doc = self.document
        undo, redo = self.actions["undo"], self.actions["redo"]
        undo.setEnabled(doc.can_undo)
        redo.setEnabled(doc.can_redo)
        undo.setText(f"&Undo {doc.undo_text}" if doc.can_undo else "&Undo")
        redo.setText(f"&Redo {doc.redo_text}" if doc.can_redo else "&Redo")
        undo.setToolTip(f"Undo: {doc.undo_text}" if doc.can_undo else "Nothing to undo")
        redo.setToolTip(f"Redo: {doc.redo_text}" if doc.can_redo else "Nothing to redo")
        self._update_title()

    def _update_model_menu(self) -> None:
        net = self.document.network
        self.actions[f"cell_{net.cell}"].setChecked(True)
        self.actions[f"activation_{net.nonlinearity}"].setChecked(True)
        menu = self.findChild(QMenu, ACTIVATION_MENU)
        if menu is not None:
            menu.setEnabled(net.spec.activation_choice)

    def rebuild_recent_menu(self) -> None:
        menu = self.recent_menu
        menu.clear()
        files = self.settings.recent_files()
        for index, path in enumerate(files):
            action = menu.addAction(f"&{index + 1} {os.path.basename(path)}" if index < 9 else os.path.basename(path))
            action.setToolTip(path)
            action.setStatusTip(path)
            action.triggered.connect(lambda _c=False, p=path: self.file_actions.open_path(p))
        if files:
            menu.addSeparator()
            menu.addAction("Clear Recent Files", self.settings.clear_recent_files)
        else:
            menu.addAction("(no recent files)").setEnabled(False)

    # View menu ----------------------------------------------------------------------------------------------
    def set_palette(self, name: str) -> None:
        apply_palette(name)
        if self.persist:
            self.settings.set_palette(name)
        self.actions[f"palette_{name}"].setChecked(True)

    def reset_layout(self) -> None:
        for dock in self.docks.values():
            dock.setFloating(False)
            dock.show()
        self.restoreState(self._default_state, STATE_VERSION)
        self._apply_default_sizes()

    def generate_sequence(self) -> bool:
        """The generator dialog (waves, steps, noise, memory tasks); its sequence is one undoable edit."""
        from .dialogs.generate import ask_generate

        try:
            return ask_generate(self.document, self)
        except (FileFormatError, EngineError, ValueError) as error:
            QMessageBox.warning(self, "Cannot generate the sequence", str(error))
            return False

    def show_about(self) -> None:
        show_about(self)

    def show_guide(self) -> None:
        show_guide(self, self.document.network.spec)

    # Settings -----------------------------------------------------------------------------------------------
    def _restore_settings(self) -> None:
        geometry = self.settings.window_geometry()
        if geometry is not None:
            self.restoreGeometry(geometry)
        state = self.settings.window_state()
        if state is not None and self.restoreState(state, STATE_VERSION):
            self._sizes_pending = False
            # Shown now, a floating dock would be mapped before its main window, and the window manager then
            # keeps it under the window (openbox): it is shown once the window is.
            self._floating_later = [d for d in self.docks.values() if d.isFloating() and not d.isHidden()]
            for dock in self._floating_later:
                dock.hide()

    def save_settings(self) -> None:
        if self.persist:
            self.settings.save_window(self.saveGeometry(), self.saveState(STATE_VERSION))
            self.settings.sync()

    # Events ------------------------------------------------------------------------------------------------
    def closeEvent(self, event: QCloseEvent) -> None:
        if not self._terminating and not self.file_actions.confirm_discard("closing"):
            event.ignore()
            return
        self.save_settings()
        self.release_document()
        event.accept()

    def terminate(self) -> None:
        """Close without asking (SIGTERM: logout or shutdown): unsaved work goes to the recovery file first."""
        if self.document.dirty:
            from ..io.workspace import save_workspace
            from .session_exit import recovery_path

            target = recovery_path()
            try:
                target.parent.mkdir(parents=True, exist_ok=True)
                save_workspace(self.document.to_workspace(), target)
            except (OSError, FileFormatError) as error:
                log.error("could not write the recovery file %s: %s", target, error)
        self._terminating = True
        self.close()

    def release_document(self) -> None:
        """Stop listening to the document and take our runner back, so a closed window is never called."""
        if self.document.compute.runner is self._runner:
            self.document.compute.cancel()
            self.document.set_runner(None)
        self._runner.shutdown()
        self._binding.release()
        app = QCoreApplication.instance()
        if self._native_watch is not None and app is not None:
            app.removeNativeEventFilter(self._native_watch)
            self._native_watch = None

    def dragEnterEvent(self, event: QDragEnterEvent) -> None:
        if self.file_actions.paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dragMoveEvent(self, event: QDragMoveEvent) -> None:
        if self.file_actions.paths_from_mime(event.mimeData()):
            event.acceptProposedAction()
        else:
            event.ignore()

    def dropEvent(self, event: QDropEvent) -> None:
        paths = self.file_actions.paths_from_mime(event.mimeData())
        if not paths:
            event.ignore()
            return
        event.acceptProposedAction()
        self.file_actions.open_paths(paths)
