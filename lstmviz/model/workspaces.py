"""Document <-> Workspace: save a whole session, and reopen it exactly as a fresh, clean history.

A restore goes through the same state path as every undo command (``Document.apply_state``).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from ..wording import plural
from .view_settings import ViewSettings

if TYPE_CHECKING:
    from ..io.workspace import Workspace
    from .document import Document


class WorkspaceMixin:
    """Workspace conversion for :class:`~lstmviz.model.document.Document` (kept apart to keep modules short)."""

    def to_workspace(self: Document) -> Workspace:  # type: ignore[misc]  # a mixin of Document only
        """Everything needed to reopen this session exactly: network, sequence, step, layer, units, view settings."""
        from ..io.workspace import Workspace  # io.workspace is only needed to save

        return Workspace(
            network=self._network,
            sequence=self._sequence,
            step=self._step,
            layer=self._layer,
            selected_units=tuple(self._selected_units),
            view_settings=self.view_settings.to_dict(),
        )

    def restore(self: Document, workspace: Workspace, path: str | None = None) -> None:  # type: ignore[misc]
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
        before: dict[str, Any] = {
            "network": self._network,
            "sequence": self._sequence,
            "reference": self.reference_network,
            "step": self._step,
            "layer": self._layer,
            "units": self._selected_units,
            "view_settings": self.view_settings,
        }
        try:
            self.apply_state(
                network=network,
                sequence=sequence,
                reference=network,
                step=int(workspace.step),
                layer=int(workspace.layer),
                units=tuple(workspace.selected_units) or (0,),
                view_settings=ViewSettings.from_dict(workspace.view_settings),
            )
        except Exception:
            self.apply_state(**before)  # the engine refused it (memory, say): the session stays as it was
            raise
        self._undo.clear()
        self._redo.clear()
        self._clean_index = 0
        self.events.history_changed.emit()
        self.set_path(path)
