"""Document <-> Workspace: save a whole session, and reopen it exactly as a fresh, clean history."""

from __future__ import annotations

import dataclasses
from typing import TYPE_CHECKING

from ..wording import plural
from .view_settings import ViewSettings

if TYPE_CHECKING:
    from ..io.workspace import Workspace
    from .document import Document


class WorkspaceMixin:
    """Workspace conversion for :class:`~lstmviz.model.document.Document` (kept apart to keep modules short)."""

    def to_workspace(self: Document) -> Workspace:
        """Everything needed to reopen this session exactly: network, sequence, step, layer, units, view settings."""
        from ..io.workspace import Workspace  # noqa: PLC0415  (io.workspace is only needed to save)

        return Workspace(
            network=self._network,
            sequence=self._sequence,
            step=self._step,
            layer=self._layer,
            selected_units=tuple(self._selected_units),
            view_settings=self.view_settings.to_dict(),
        )

    def restore(self: Document, workspace: Workspace, path: str | None = None) -> None:
        """Replace the whole session with a workspace's content, as a fresh, clean history.

        Opening a workspace is opening a document, not an edit of the current one, so it is not undoable; the
        caller asks about unsaved changes first. Nothing changes if the workspace is inconsistent.
        """
        network, sequence = workspace.network, workspace.sequence
        if network.input_size != sequence.input_size:
            raise ValueError(
                f"the workspace's network expects {plural(network.input_size, 'input')} but its sequence has "
                f"{sequence.input_size}"
            )
        self._network = network
        self.reference_network = network
        self._sequence = sequence
        self._step = int(min(max(int(workspace.step), 0), sequence.steps - 1))
        self._layer = int(min(max(int(workspace.layer), 0), network.num_layers - 1))
        units = tuple(sorted({int(u) for u in workspace.selected_units if 0 <= int(u) < network.hidden_size}))
        self._selected_units = units or (0,)
        self.view_settings = ViewSettings.from_dict(workspace.view_settings)
        self._undo.clear()
        self._redo.clear()
        self._clean_index = 0
        self.path = path
        inline = self._begin_recompute()
        self.events.network_changed.emit()
        self.events.sequence_changed.emit()
        if inline:
            self.events.trace_changed.emit()
        self.events.step_changed.emit(self._step)
        self.events.selection_changed.emit()
        self.events.view_settings_changed.emit(tuple(f.name for f in dataclasses.fields(ViewSettings)))
        self.events.history_changed.emit()
        self.events.path_changed.emit()

