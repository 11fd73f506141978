"""Export from the seq2seq window: the figure (PNG/SVG/PDF) and the numbers (both sides to .npz, one side to CSV).

The commands are the main window's :class:`~lstmviz.gui.export_actions.ExportActions` (the same worker thread,
progress dialog, atomic write, error dialog and status-bar message) pointed at the encoder-decoder: the figure is
:func:`~lstmviz.io.seq2seq_figures.render_seq2seq_figure`, what ``lstmviz plot`` draws for a seq2seq model; the
numbers are :func:`~lstmviz.io.seq2seq_export.export_seq2seq_trace` (every key of the run, as ``lstmviz trace``
writes it) or, since one CSV table holds one time axis, one side's trace through the single-network CSV writer.
"""

from __future__ import annotations

import io
import os
from pathlib import Path
from typing import TYPE_CHECKING

from PySide6.QtWidgets import QFileDialog

from ..io.figures import FIGURE_FORMATS
from ..model.seq2seq_session import Seq2SeqSession
from .export_actions import DIAGRAM_FORMATS, ExportActions, preload_renderer

if TYPE_CHECKING:
    from .seq2seq_bottleneck import BottleneckPanel

NUMBER_FILTERS: dict[str, str] = {
    "both": "Both sides, every key (*.npz)",
    "encoder": "Encoder side as a table (*.csv)",
    "decoder": "Decoder side as a table (*.csv)",
}


class Seq2SeqExportActions(ExportActions):
    """File > Export of one seq2seq window (``window.session`` is what is exported)."""

    @property
    def session(self) -> Seq2SeqSession:
        return self.window.session  # type: ignore[return-value]  # this window's session is a Seq2SeqSession

    @property
    def bottleneck(self) -> BottleneckPanel:
        return self.window.bottleneck  # type: ignore[attr-defined, no-any-return]  # this window's Bottleneck tab

    def _stem(self) -> str:
        model = self.session.model
        return f"seq2seq-{model.encoder.cell}-{self.session.mode}"

    # Figure ------------------------------------------------------------------------------------------------
    def export_seq2seq_figure(self) -> bool:
        path = self._ask_save_path("Export encoder-decoder figure", f"{self._stem()}.png", FIGURE_FORMATS)
        return path is not None and self.export_seq2seq_figure_to(path)

    def export_seq2seq_figure_to(self, path: str, layer: int = 0) -> bool:
        """Both sides' heatmaps, the context strip (edited or not) and the outputs, as the window shows them."""
        from ..io.seq2seq_figures import render_seq2seq_figure

        fmt = self._figure_format(path)
        if fmt is None:
            return False
        trace, model = self.session.trace, self.session.model

        def render() -> bytes:
            buffer = io.BytesIO()
            render_seq2seq_figure(trace, model, buffer, show="all", layer=layer, format=fmt)
            return buffer.getvalue()

        self._run(f"Rendering {os.path.basename(path)}...", render, path)
        return True

    # Gate diagrams -----------------------------------------------------------------------------------------
    def export_side_diagram(self, side: str) -> bool:
        """Ask where, then write the ``encoder``'s or ``decoder``'s gate diagram at the step it shows."""
        doc = self.session.encoder_doc if side == "encoder" else self.session.decoder_doc
        name = f"{side}-diagram-{doc.network.cell}-t{doc.step}.png"
        path = self._ask_save_path(f"Export {side} gate diagram", name, DIAGRAM_FORMATS, "image")
        return path is not None and self.export_side_diagram_to(path, side)

    def export_side_diagram_to(self, path: str, side: str) -> bool:
        """One side's gate diagram through the main window's diagram export (PNG or SVG)."""
        view = self.window.view  # type: ignore[attr-defined]  # this window's Seq2SeqView
        return self.export_diagram_to(path, (view.encoder if side == "encoder" else view.decoder).diagram)

    # Bottleneck --------------------------------------------------------------------------------------------
    def export_bottleneck(self) -> bool:
        if self.bottleneck.curve is None:
            return False
        path = self._ask_save_path(
            "Export bottleneck curve", f"bottleneck-{self.session.task_name}.png", FIGURE_FORMATS
        )
        return path is not None and self.export_bottleneck_to(path)

    def export_bottleneck_to(self, path: str) -> bool:
        """The measured curve through the renderer of ``lstmviz train --bottleneck``."""
        from ..io.seq2seq_figures import render_bottleneck_figure

        fmt = self._figure_format(path)
        curve = self.bottleneck.curve
        if fmt is None or curve is None:
            return False

        def render() -> bytes:
            buffer = io.BytesIO()
            render_bottleneck_figure(curve, buffer, format=fmt)
            return buffer.getvalue()

        self._run(f"Rendering {os.path.basename(path)}...", render, path)
        return True

    def _figure_format(self, path: str) -> str | None:
        """``png``/``svg``/``pdf`` from the name, the renderer preloaded; None (after a dialog) for anything else."""
        from ..io.errors import ExportError
        from ..io.figures import figure_format

        try:
            fmt = figure_format(path)
        except ExportError as error:
            self._error(path, error)
            return None
        preload_renderer(fmt)
        return fmt

    # Numbers -----------------------------------------------------------------------------------------------
    def export_numbers(self) -> bool:
        start = os.path.join(self._folder(), f"{self._stem()}-trace.npz")
        path, chosen = QFileDialog.getSaveFileName(
            self.window, "Export encoder-decoder numbers", start, ";;".join(NUMBER_FILTERS.values())
        )
        if not path:
            return False
        side = next((key for key, text in NUMBER_FILTERS.items() if text == chosen), "both")
        suffix = ".npz" if side == "both" else ".csv"
        if Path(path).suffix.lower() != suffix:
            path += suffix
        return self.export_numbers_to(path, side)

    def export_numbers_to(self, path: str, side: str = "both") -> bool:
        """``both``: the whole run to .npz; ``encoder``/``decoder``: that side's trace (CSV or .npz)."""
        from ..io.export import export_trace
        from ..io.seq2seq_export import export_seq2seq_trace

        session = self.session
        run, doc = session.trace, (session.encoder_doc if side == "encoder" else session.decoder_doc)
        trace, sequence = doc.trace, doc.sequence
        if trace is None:  # a side is traced from the window's first moment; nothing to write otherwise
            return False

        def work() -> None:
            if side == "both":
                export_seq2seq_trace(run, path)
            else:
                export_trace(trace, path, sequence=sequence)

        self._run(f"Writing {os.path.basename(path)}...", work, path, write=False)
        return True
