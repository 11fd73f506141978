"""The main window's actions, menus and toolbar, built in one place so shortcuts and texts stay consistent.

Every action gets an objectName (``action_open``, ``action_undo``, ...) so tests and scripts can find and trigger
it; ``window.actions`` maps the short name to the QAction.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING

from PySide6.QtGui import QAction, QActionGroup, QIcon, QKeySequence
from PySide6.QtWidgets import QMenu, QStyle, QToolBar

from ..engine.spec import RNN_ACTIVATIONS, cell_kinds, spec_for
from ..io.bundled import action_icons_dir
from .dock_actions import dock_action
from .sample_menu import build_sample_menu
from .settings import PALETTES
from .views.gate_diagram import ZOOM_STEP

if TYPE_CHECKING:
    from .main_window import MainWindow


ACTION_ICONS = action_icons_dir()


ACTIVATION_MENU = "menu_rnn_activation"
"""The RNN Activation submenu's object name: the window finds it by name each time (a Python reference to a
submenu was seen to go stale while the C++ menu lived on, once a lazy dock was built)."""


def action_icon(name: str, fallback: QIcon) -> QIcon:
    """lstmviz's own SVG icon for ``name`` (one colour readable on light and dark palettes), else Qt's."""
    path = ACTION_ICONS / f"{name}.svg"
    return QIcon(str(path)) if path.is_file() else fallback


def _action(
    window: MainWindow,
    name: str,
    text: str,
    slot: Callable[[], object] | None = None,
    shortcut: QKeySequence | QKeySequence.StandardKey | str | None = None,
    tip: str = "",
    icon: QIcon | None = None,
    checkable: bool = False,
) -> QAction:
    action = QAction(text, window)
    action.setObjectName(f"action_{name}")
    if shortcut is not None:
        action.setShortcut(QKeySequence(shortcut))
    if tip:
        action.setToolTip(tip)
        action.setStatusTip(tip)
    if icon is not None:
        action.setIcon(icon)
    action.setCheckable(checkable)
    if slot is not None:
        action.triggered.connect(lambda _checked=False: slot())
    window.actions[name] = action
    return action


def _open_seq2seq(window: MainWindow) -> None:
    from .seq2seq_window import open_seq2seq_dialog  # the seq2seq mode only when asked for

    open_seq2seq_dialog(window)


def _open_tour(window: MainWindow) -> None:
    from .dialogs.guided_tour import show_tour

    show_tour(window)


def _open_compare(window: MainWindow) -> None:
    from .compare_window import open_compare_window

    open_compare_window(window, window.session)


def build_menus(window: MainWindow) -> None:
    """Create every action, the menu bar and the main toolbar of ``window``."""
    style = window.style()
    files, export, doc = window.file_actions, window.export_actions, window.document

    def icon(pixmap: QStyle.StandardPixmap, name: str = "") -> QIcon:
        return action_icon(name, style.standardIcon(pixmap))

    bar = window.menuBar()

    # File ----------------------------------------------------------------------------------------------------
    menu = bar.addMenu("&File")
    menu.addAction(
        _action(
            window,
            "open",
            "&Open...",
            files.open_dialog,
            QKeySequence.StandardKey.Open,
            "Open a sequence, weights or workspace file",
            icon(QStyle.StandardPixmap.SP_DialogOpenButton, "open"),
        )
    )
    window.recent_menu = QMenu("Open &Recent", window)
    window.recent_menu.setObjectName("menu_recent")
    window.recent_menu.aboutToShow.connect(window.rebuild_recent_menu)
    menu.addMenu(window.recent_menu)
    menu.addMenu(build_sample_menu(window))
    menu.addAction(
        _action(
            window,
            "generate",
            "&Generate Sequence...",
            window.generate_sequence,
            "Ctrl+G",
            "Make a sequence: waves, steps, noise, memory tasks, typed text",
        )
    )
    menu.addSeparator()
    menu.addAction(
        _action(
            window,
            "save",
            "&Save Workspace",
            files.save_workspace,
            QKeySequence.StandardKey.Save,
            "Save network, sequence, step and selection as a workspace",
            icon(QStyle.StandardPixmap.SP_DialogSaveButton, "save"),
        )
    )
    menu.addAction(
        _action(
            window,
            "save_as",
            "Save Workspace &As...",
            files.save_workspace_as,
            QKeySequence.StandardKey.SaveAs,
            "Save the workspace under a new name",
        )
    )
    menu.addSeparator()
    menu.addAction(
        _action(
            window,
            "open_weights",
            "Open &Weights...",
            files.open_weights_dialog,
            "Ctrl+Shift+O",
            "Load weights (.npz, .safetensors, .pt) into the current session",
        )
    )
    menu.addAction(
        _action(
            window,
            "open_seq2seq",
            "Open &Encoder-Decoder...",
            lambda: _open_seq2seq(window),
            None,
            "Open an encoder-decoder (seq2seq) weight file in its own window",
        )
    )
    menu.addAction(
        _action(
            window,
            "save_weights",
            "Save Weights As...",
            files.save_weights_as,
            None,
            "Write the network's weights under PyTorch's names (.npz or .safetensors)",
        )
    )
    menu.addSeparator()
    menu.addAction(
        _action(
            window,
            "export_figure",
            "&Export Figure...",
            export.export_figure,
            "Ctrl+E",
            "Export heatmaps of gates and states as PNG, SVG or PDF",
            icon(QStyle.StandardPixmap.SP_FileDialogDetailedView, "export"),
        )
    )
    menu.addAction(
        _action(
            window,
            "export_diagram",
            "Export Gate &Diagram...",
            export.export_diagram,
            "Ctrl+Shift+D",
            "Export the gate diagram at the current step as PNG or SVG",
        )
    )
    menu.addAction(
        _action(
            window,
            "export_trace",
            "Export &Trace...",
            export.export_trace,
            "Ctrl+Shift+T",
            "Export every gate and state at every step as CSV or NPZ",
        )
    )
    menu.addSeparator()
    quit_action = _action(window, "quit", "&Quit", window.close, None, "Quit lstmviz")
    # Some platforms (and the offscreen one) define no standard Quit key: Ctrl+Q then, as everywhere else.
    quit_action.setShortcuts(QKeySequence.keyBindings(QKeySequence.StandardKey.Quit) or [QKeySequence("Ctrl+Q")])
    menu.addAction(quit_action)

    # Edit ----------------------------------------------------------------------------------------------------
    menu = bar.addMenu("&Edit")
    menu.addAction(
        _action(
            window,
            "undo",
            "&Undo",
            doc.undo,
            QKeySequence.StandardKey.Undo,
            "Undo the last edit",
            icon(QStyle.StandardPixmap.SP_ArrowBack, "undo"),
        )
    )
    redo = _action(
        window,
        "redo",
        "&Redo",
        doc.redo,
        "Ctrl+Shift+Z",
        "Redo the edit just undone",
        icon(QStyle.StandardPixmap.SP_ArrowForward, "redo"),
    )
    redo.setShortcuts([QKeySequence("Ctrl+Shift+Z"), QKeySequence("Ctrl+Y")])
    menu.addAction(redo)

    # View ----------------------------------------------------------------------------------------------------
    menu = bar.addMenu("&View")
    menu.setObjectName("menu_view")
    for number, (key, dock) in enumerate(window.docks.items(), start=1):
        toggle = dock_action(window, key, dock, f"Ctrl+{number}" if number < 10 else None)
        window.actions[f"dock_{key}"] = toggle
        window.addAction(toggle)  # its shortcut works while the menu bar is hidden or a dock floats
        menu.addAction(toggle)
    menu.addSeparator()
    _add_zoom_actions(window, menu)
    menu.addSeparator()
    palette_menu = menu.addMenu("&Palette")
    group = QActionGroup(window)
    for name in PALETTES:
        action = _action(
            window,
            f"palette_{name}",
            name.capitalize(),
            lambda n=name: window.set_palette(n),
            tip=f"Use the {name} colour palette",
            checkable=True,
        )
        group.addAction(action)
        palette_menu.addAction(action)
    menu.addAction(
        _action(
            window, "reset_layout", "Reset &Layout", window.reset_layout, None, "Put every panel back where it started"
        )
    )

    # Model ---------------------------------------------------------------------------------------------------
    menu = bar.addMenu("&Model")
    cell_menu = menu.addMenu("&Cell Type")
    group = QActionGroup(window)
    for kind in cell_kinds():
        action = _action(
            window,
            f"cell_{kind}",
            spec_for(kind).title,
            lambda k=kind: window.model_actions.set_cell(k),
            tip=f"Switch to a fresh {spec_for(kind).title} of the same size",
            checkable=True,
        )
        group.addAction(action)
        cell_menu.addAction(action)
    menu.addAction(
        _action(
            window,
            "hidden_size",
            "&Hidden Size...",
            window.model_actions.ask_hidden_size,
            None,
            "Change the number of hidden units (fresh weights)",
        )
    )
    menu.addAction(
        _action(
            window,
            "num_layers",
            "&Layers...",
            window.model_actions.ask_num_layers,
            None,
            "Change the number of stacked layers (fresh weights)",
        )
    )
    act_menu = menu.addMenu("RNN &Activation")
    act_menu.setObjectName(ACTIVATION_MENU)
    group = QActionGroup(window)
    for name in RNN_ACTIVATIONS:
        action = _action(
            window,
            f"activation_{name}",
            name,
            lambda n=name: window.model_actions.set_activation(n),
            tip=f"Vanilla RNN with {name} (fresh weights)",
            checkable=True,
        )
        group.addAction(action)
        act_menu.addAction(action)
    menu.addSeparator()
    menu.addAction(
        _action(
            window,
            "randomise",
            "&Randomise Weights...",
            window.model_actions.ask_randomise,
            None,
            "New random weights from an initialiser and seed",
        )
    )
    menu.addAction(
        _action(
            window,
            "reset_weights",
            "Re&set Weights",
            doc.reset_network,
            None,
            "Back to the weights as last loaded or initialised",
        )
    )
    menu.addSeparator()
    menu.addAction(
        _action(
            window,
            "compare",
            "&Compare RNN, GRU, LSTM...",
            lambda: _open_compare(window),
            None,
            "Train an RNN, a GRU and an LSTM of one size on one task, side by side",
        )
    )

    # Playback (the controller's actions: their shortcuts work anywhere in the window) ---------------------
    menu = bar.addMenu("&Playback")
    playback = window.playback
    for action in (
        playback.play_action,
        playback.back_action,
        playback.forward_action,
        playback.start_action,
        playback.end_action,
    ):
        menu.addAction(action)
        window.addAction(action)
    menu.addSeparator()
    menu.addAction(playback.loop_action)

    # Help ----------------------------------------------------------------------------------------------------
    menu = bar.addMenu("&Help")
    menu.addAction(
        _action(
            window,
            "guide",
            "How to Read the &Diagram",
            window.show_guide,
            QKeySequence.StandardKey.HelpContents,
            "A short guide to the gate diagram and heatmaps",
        )
    )
    menu.addAction(
        _action(
            window,
            "guided_tour",
            "Guided &Tour",
            lambda: _open_tour(window),
            None,
            "One page per concept, each setting the app up for it: RNN, BPTT, gradients, LSTM, GRU",
        )
    )
    menu.addAction(_action(window, "about", "&About lstmviz", window.show_about, None, "Version and credits"))

    # Toolbar -------------------------------------------------------------------------------------------------
    toolbar = QToolBar("Main toolbar", window)
    toolbar.setObjectName("toolbar_main")
    toolbar.setMovable(True)
    for name in ("open", "save", "export_figure", "undo", "redo"):
        toolbar.addAction(window.actions[name])
    toolbar.addSeparator()
    toolbar.addWidget(window.playback.bar)
    window.addToolBar(toolbar)
    window.toolbar = toolbar


def _add_zoom_actions(window: MainWindow, menu: QMenu) -> None:
    """Zoom the gate diagram from the menu too (Ctrl + wheel is not something a new user finds by chance)."""
    diagram = window.diagram
    step = ZOOM_STEP  # the wheel's own step
    for name, text, keys, slot, tip in (
        ("zoom_in", "Zoom &In", ["Ctrl++", "Ctrl+="], lambda: diagram.zoom(step), "Enlarge the gate diagram"),
        ("zoom_out", "Zoom &Out", ["Ctrl+-"], lambda: diagram.zoom(1 / step), "Shrink the gate diagram"),
        ("zoom_fit", "&Fit Diagram", ["Ctrl+0"], diagram.reset_zoom, "Fit the whole gate diagram in its view again"),
    ):
        action = _action(window, name, text, slot, None, tip)
        action.setShortcuts([QKeySequence(k) for k in keys])
        menu.addAction(action)
