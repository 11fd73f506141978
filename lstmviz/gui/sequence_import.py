"""Opening a sequence file in the app: read it once with its gaps kept, ask when it needs a decision, feed it.

The command line takes ``--columns`` and ``--missing``; the app offers the same choices (and a time axis and a
normalisation) in :class:`~lstmviz.gui.dialogs.sequence_import.SequenceImportDialog` when a file has gaps, dates
written as YYYYMMDD, year + quarter/month columns or columns the loader skipped; a plain file opens at once, as
on the command line. The table read is remembered per document, so the Sequence panel can change those choices
later without reading the file again. A sequence whose width differs from the network's inputs asks the same
question as weights that do not fit the sequence.
"""

from __future__ import annotations

import os
import weakref
from dataclasses import dataclass, replace

import numpy as np
from PySide6.QtWidgets import QDialog, QWidget

from ..engine.network import Network
from ..io.seq_prepare import Choice, Scaling, Table, needs_decision, prepare, suggest
from ..io.seq_values import KEEP_MISSING
from ..io.sequence_data import SequenceData
from ..model.document import Document
from ..model.view_settings import InputScaling
from ..wording import plural
from .dialogs.input_mismatch import MismatchChoice, ask_input_mismatch
from .dialogs.sequence_import import SequenceImportDialog

SATURATION_LIMIT = 4.6
"""|pre-activation| beyond which a sigmoid is within 1% of 0 or 1."""


@dataclass(frozen=True)
class Imported:
    """A table as read, the choices that made the document's sequence from it, and that sequence."""

    table: Table
    choice: Choice
    sequence: SequenceData
    scaling: Scaling


_imports: weakref.WeakKeyDictionary[Document, list[Imported]] = weakref.WeakKeyDictionary()
"""Per document, the sequences opened from tables (newest last), so undo back to one finds its table again."""
KEPT_IMPORTS = 20


def load_for_app(path: str) -> SequenceData:
    """The loader the app uses for sequence files: like the command line's, but empty cells stay NaN for the
    open dialog to decide about (safe to call in a worker thread: no Qt)."""
    from ..io.sequences import load_sequence

    return load_sequence(path, missing=KEEP_MISSING)


def needs_dialog(raw: SequenceData) -> bool:
    """Whether opening ``raw`` asks the open dialog (gaps, dates, year/period columns, skipped columns)."""
    return raw.vocabulary is None and needs_decision(Table.from_sequence(raw, raw.source or ""))


def current_import(document: Document) -> Imported | None:
    """The table behind the document's current sequence, when it was opened in this session."""
    return next((i for i in reversed(_imports.get(document, ())) if i.sequence is document.sequence), None)


def ask_choice(parent: QWidget | None, table: Table, choice: Choice, expected: int | None) -> Choice | None:
    """Run the open dialog; the user's choice, or None when cancelled (tests replace this function)."""
    dialog = SequenceImportDialog(table, choice, expected, parent)
    accepted = dialog.exec() == QDialog.DialogCode.Accepted
    result = dialog.choice() if accepted else None
    dialog.deleteLater()
    return result


def ask_width(parent: QWidget | None, name: str, network: Network, sequence: SequenceData) -> bool:
    """The weights-do-not-fit question, asked from the sequence's side; True to adapt the input layer."""
    return ask_input_mismatch(parent, name, network, sequence, opening="sequence") is MismatchChoice.ADAPT_WEIGHTS


def open_sequence(parent: QWidget | None, document: Document, name: str, raw: SequenceData) -> str | None:
    """Feed a sequence read by :func:`load_for_app`; the status-bar message, or None when the user cancelled.

    Raises
    ------
    SequenceError
        The choices cannot make a sequence (the dialog normally prevents this).
    """
    if raw.vocabulary is not None:  # text as one-hot characters: nothing to choose
        return apply_sequence(parent, document, name, raw, f"Open {name}")
    table = Table.from_sequence(raw, name)
    choice, sequence, scaling = suggest(table), raw, Scaling("none")
    if needs_decision(table):
        picked = ask_choice(parent, table, choice, document.network.input_size)
        if picked is None:
            return None
        choice = picked
        sequence, scaling = prepare(table, choice)
    return apply_sequence(parent, document, name, sequence, f"Open {name}", Imported(table, choice, sequence, scaling))


def change_choice(parent: QWidget | None, document: Document, choice: Choice | None = None) -> str | None:
    """Re-read the current file's table with other choices (the dialog when ``choice`` is None)."""
    imported = current_import(document)
    if imported is None:
        return None
    if choice is None:
        choice = ask_choice(parent, imported.table, imported.choice, document.network.input_size)
        if choice is None:
            return None
    sequence, scaling = prepare(imported.table, choice)
    sequence = replace(sequence, source=imported.sequence.source)
    what = describe_change(imported.choice, choice)
    return apply_sequence(
        parent,
        document,
        imported.table.name,
        sequence,
        f"Read {imported.table.name}: {what}",
        Imported(imported.table, choice, sequence, scaling),
    )


def describe_change(old: Choice, new: Choice) -> str:
    """Undo text for a change of choices: "z-score", "gaps: ffill", "2 inputs", ..."""
    parts = []
    if new.normalise != old.normalise:
        parts.append(f"normalise {new.normalise}")
    if new.missing != old.missing:
        parts.append(f"empty cells {new.missing}")
    if new.inputs != old.inputs:
        parts.append(plural(len(new.inputs), "input"))
    if new.time != old.time:
        parts.append(f"time axis {new.time or 'step'}")
    return ", ".join(parts) or "same choices"


def apply_sequence(
    parent: QWidget | None,
    document: Document,
    name: str,
    sequence: SequenceData,
    text: str,
    imported: Imported | None = None,
) -> str | None:
    """Feed ``sequence``, asking first when its width does not fit the network; the status-bar message."""
    inputs = plural(sequence.input_size, "input")
    adapted = sequence.input_size != document.network.input_size
    if adapted and not ask_width(parent, os.path.basename(name), document.network, sequence):
        return None
    if imported is not None:  # before the edit, so views that ask current_import() while redrawing find it
        _imports[document] = [*_imports.get(document, [])[-KEPT_IMPORTS + 1 :], imported]
    document.set_sequence(sequence, text=text)
    if imported is not None:
        scaling = imported.scaling
        document.set_view_settings(
            input_scaling=None
            if scaling.method == "none"
            else InputScaling(scaling.method, tuple(scaling.offset), tuple(scaling.scale))
        )
    message = f"Opened {name}: {plural(sequence.steps, 'step')} \u00d7 {inputs}"
    if adapted:
        message += f"; the network's input layer was re-initialised for {inputs}"
    if sequence.notices:
        message += " — " + "; ".join(sequence.notices)
    hint = saturation_hint(document.network, sequence)
    if hint:
        message += " — " + hint
    return message


def saturation_hint(network: Network, sequence: SequenceData) -> str:
    """One line when the inputs are so large that the first layer's gates sit at 0 or 1, else "".

    Looks at the input sums W_ih x_t (+ biases) of up to 2,000 evenly spaced steps: when most are beyond ±4.6, the
    sigmoid gates are within 1% of 0 or 1 whatever the recurrent weights do.
    """
    weight = network.params.get("weight_ih_l0")
    if weight is None or sequence.vocabulary is not None or sequence.steps == 0:
        return ""
    x = sequence.values[:: max(1, sequence.steps // 2000)]
    with np.errstate(over="ignore", invalid="ignore"):
        sums = x @ np.asarray(weight, dtype=np.float64).T
        for bias in ("bias_ih_l0", "bias_hh_l0"):
            if bias in network.params:
                sums = sums + np.asarray(network.params[bias], dtype=np.float64)
        share = float(np.mean(np.abs(sums) > SATURATION_LIMIT))
    peak = float(np.nanmax(np.abs(sequence.values)))
    if share < 0.5 or peak <= 3.0:
        return ""
    return (
        f"Inputs up to {peak:.3g} saturate the gates ({share:.0%} of the input sums are beyond ±4.6, so the "
        "gates sit at 0 or 1): normalise them (z-score) in the Sequence panel."
    )
