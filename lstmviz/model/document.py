"""The Document: the one model every view observes.

It holds the network, the input sequence, the trace computed from them, the current step, the selection (layer and
units), view settings and the undo history. Views subscribe to ``document.events`` and write back only through the
Document's methods; no view knows another. No Qt here: the GUI injects a runner for heavy computations.

Path of a weight edit: a widget calls :meth:`Document.set_weight`; the Document validates, records an undo command,
bumps ``generation`` and recomputes the trace (directly when small, through the injected runner when large,
dropping stale generations); then it emits ``trace_changed`` and every view redraws.

Derived results (the trace, BPTT gradients, spectral radii, colour levels) live in one
:class:`~lstmviz.model.compute.ComputeService`, ``document.compute``: one cost rule decides inline or the injected
runner, results are keyed by ``generation``, and views read them there and subscribe to ``compute.events``.
"""

from __future__ import annotations

from typing import Any

import numpy as np
from psygnal import Signal, SignalGroup

from ..engine.errors import EngineError
from ..engine.network import Network
from ..engine.trace import Trace
from ..io.sequence_data import SequenceData
from ..wording import plural
from .adapt import adapt_input_size
from .changes import NetworkChange, SequenceChange
from .commands import Command, ReplaceNetwork, ReplaceSequence, SetWeight
from .compute import ComputeService, Runner
from .naming import element_label
from .view_settings import ViewSettings
from .workspaces import WorkspaceMixin

__all__ = ["Document", "DocumentEvents", "adapt_input_size"]


class DocumentEvents(SignalGroup):
    """Everything a view may want to hear about."""

    network_changed = Signal(object)
    """A :class:`~lstmviz.model.changes.NetworkChange`: the network's structure or parameters changed."""
    sequence_changed = Signal(object)
    """A :class:`~lstmviz.model.changes.SequenceChange`."""
    trace_changed = Signal()
    """A complete new trace is in ``document.trace``."""
    trace_progress = Signal(int)
    """Part of a new trace is ready: steps [0, n) of ``document.trace`` are filled."""
    step_changed = Signal(int)
    selection_changed = Signal()
    """The shown layer or the selected units changed."""
    view_settings_changed = Signal(tuple)
    """The names of the :class:`ViewSettings` fields that changed."""
    history_changed = Signal()
    """Undo/redo availability or the dirty flag changed."""
    path_changed = Signal()


class Document(WorkspaceMixin):
    """The session: network + sequence + trace + step + selection + undo history."""

    def __init__(self, network: Network, sequence: SequenceData) -> None:
        self.events = DocumentEvents()
        self._network = network
        self._sequence = sequence
        self._last_trace: Trace | None = None
        """The latest trace delivered, kept while a newer generation is computed (``trace_steps_ready`` is 0)."""
        self._step = 0
        self._layer = 0
        self._selected_units: tuple[int, ...] = (0,)
        self.view_settings = ViewSettings()
        self._undo: list[Command] = []
        self._redo: list[Command] = []
        self._clean_index: int | None = 0
        self.generation = 0
        self.reference_network = network
        self.path: str | None = None
        self.compute = ComputeService(self)
        self.compute.events.progress.connect(self._on_compute_progress)
        self.compute.events.ready.connect(self._on_compute_ready)
        self.recompute()

    # Read access -------------------------------------------------------------------------------------------
    @property
    def network(self) -> Network:
        return self._network

    @property
    def sequence(self) -> SequenceData:
        return self._sequence

    @property
    def trace(self) -> Trace | None:
        """The current generation's trace (maybe still filling: see ``trace_steps_ready``), else the last one."""
        current = self.compute.value("trace")
        if current is not None:
            self._last_trace = current
        return self._last_trace

    @property
    def trace_steps_ready(self) -> int:
        """Steps [0, trace_steps_ready) of ``trace`` hold values of the current generation."""
        result = self.compute.result("trace")
        return 0 if result is None else result.done

    @property
    def trace_stopped(self) -> bool:
        """The current trace was cancelled part way: steps from ``trace_steps_ready`` on will not come."""
        result = self.compute.result("trace")
        return result is None and not self.compute.busy("trace") or result is not None and result.stopped

    def set_runner(self, runner: Runner | None) -> None:
        """Where computations above the inline cost run (the GUI's worker thread); None computes everything inline."""
        self.compute.runner = runner

    @property
    def step(self) -> int:
        return self._step

    @property
    def steps(self) -> int:
        return self._sequence.steps

    @property
    def layer(self) -> int:
        return self._layer

    @property
    def selected_units(self) -> tuple[int, ...]:
        return self._selected_units

    @property
    def dirty(self) -> bool:
        return self._clean_index != len(self._undo)

    @property
    def can_undo(self) -> bool:
        return bool(self._undo)

    @property
    def can_redo(self) -> bool:
        return bool(self._redo)

    @property
    def undo_text(self) -> str:
        return self._undo[-1].text if self._undo else ""

    @property
    def redo_text(self) -> str:
        return self._redo[-1].text if self._redo else ""

    # Navigation (not undoable) --------------------------------------------------------------------------------
    def set_step(self, step: int) -> None:
        self.apply_state(step=step)

    def set_layer(self, layer: int) -> None:
        self.apply_state(layer=layer)

    def select_units(self, units: tuple[int, ...] | list[int]) -> None:
        """Select these units (those outside the network are ignored)."""
        self.apply_state(units=tuple(units))

    def set_view_settings(self, **changes: Any) -> None:
        """Change how the session is shown (``hidden_heatmaps=(...)``, ``playback_speed=60``, ...); not undoable.
        ``view_settings_changed`` carries the names of the fields that changed."""
        new = self.view_settings.replace(**changes)
        changed = new.changed_fields(self.view_settings)
        if changed:
            self.view_settings = new
            self.events.view_settings_changed.emit(changed)

    # Edits (undoable) ----------------------------------------------------------------------------------------
    def set_weight(self, name: str, index: tuple[int, ...] | int, value: float, merge_key: Any = None) -> None:
        """Set one element of parameter ``name`` (e.g. ``("weight_hh_l0", (3, 5))``) and recompute.

        Successive edits with the same ``merge_key`` (one slider drag) merge into one undo step.
        """
        index = (index,) if isinstance(index, int) else tuple(int(i) for i in index)
        old = float(self._network.params[name][index])
        label = element_label(self._network, name, index)
        self.push(SetWeight(name=name, index=index, old=old, new=float(value), merge_key=merge_key, label=label))

    def set_network(self, network: Network, text: str = "Change network", merge_key: Any = None) -> None:
        """Replace the whole network (randomise, scale, bias slider with a ``merge_key`` per drag, ...)."""
        self._check_fits(network)
        self.push(ReplaceNetwork(old=self._network, new=network, text=text, merge_key=merge_key))

    def load_network(self, network: Network, text: str = "Load weights") -> None:
        """Replace the network with one from a file or initialiser; it becomes the target of :meth:`reset_network`.

        Undo restores the previous network and the previous reset target together.
        """
        self._check_fits(network)
        self.push(
            ReplaceNetwork(
                old=self._network,
                new=network,
                text=text,
                old_reference=self.reference_network,
                new_reference=network,
            )
        )

    def fits(self, network: Network) -> bool:
        """True when ``network`` reads as many inputs as the sequence has columns."""
        return network.input_size == self._sequence.input_size

    def load_network_adapted(self, network: Network, text: str = "Load weights (input layer adapted)") -> None:
        """Load weights whose input width differs from the sequence: ``weight_ih_l0`` is re-initialised to fit,
        every recurrent weight is kept (see :func:`adapt_input_size`)."""
        if not self.fits(network):
            network = adapt_input_size(network, self._sequence.input_size)
        self.load_network(network, text)

    def load_network_with_sequence(
        self, network: Network, sequence: SequenceData, text: str = "Load weights with a new sequence"
    ) -> None:
        """Load weights together with a sequence of the width they expect, as one undo step."""
        require_fit(network, sequence)
        self.push(
            ReplaceSequence(
                old=self._sequence,
                new=sequence,
                text=text,
                old_network=self._network,
                new_network=network,
                old_reference=self.reference_network,
                new_reference=network,
            )
        )

    def reset_network(self) -> None:
        """Back to the weights as last loaded or initialised (undoable).

        If the sequence's width changed since, the reset target's input layer is adapted the same way.
        """
        target = self.reference_network
        if not self.fits(target):
            target = adapt_input_size(target, self._sequence.input_size)
        self.set_network(target, "Reset weights")

    def _check_fits(self, network: Network) -> None:
        require_fit(network, self._sequence)

    def set_parameter(self, name: str, value: np.ndarray, text: str | None = None, merge_key: Any = None) -> None:
        """Replace one whole parameter array (bias sliders, scaling); one drag = one undo step via ``merge_key``."""
        self.set_network(self._network.with_parameter(name, value), text or f"Change {name}", merge_key)

    def set_rnn_activation(self, name: str) -> None:
        """A vanilla RNN's activation, weights kept (what a state_dict cannot tell): the one path for the menu and
        the Model panel. Reset Weights keeps the choice; other cells have no such choice."""
        net = self._network
        if not net.spec.activation_choice:
            raise EngineError(f"only a vanilla RNN has an activation to choose; this is a {net.spec.title}")
        if name == net.nonlinearity:
            return
        reference = self.reference_network
        self.push(
            ReplaceNetwork(
                old=net,
                new=net.replace(nonlinearity=name),
                text=f"RNN activation {name}",
                old_reference=reference,
                new_reference=reference.replace(nonlinearity=name) if reference.spec.activation_choice else reference,
            )
        )

    def reconfigure(
        self,
        cell: str | None = None,
        hidden_size: int | None = None,
        num_layers: int | None = None,
        nonlinearity: str | None = None,
        init: str = "pytorch",
        seed: int | None = 0,
        output_size: int | None = None,
        output_activation: str | None = None,
    ) -> None:
        """A fresh network of another cell type or size; the input size follows the sequence."""
        net = self._network
        new = Network.random(
            cell or net.cell,
            input_size=self._sequence.input_size,
            hidden_size=hidden_size or net.hidden_size,
            num_layers=num_layers or net.num_layers,
            seed=seed,
            init=init,
            nonlinearity=nonlinearity or net.nonlinearity,
            output_size=output_size if output_size is not None else net.output_size,
            output_activation=output_activation or net.output_activation,
            dtype=net.dtype,
        )
        self.load_network(new, f"New {new.describe()}")

    def set_sequence(self, sequence: SequenceData, text: str = "Change sequence") -> None:
        """Feed a new sequence. If its width differs, the first layer's input weights are re-initialised to fit."""
        new_network = None
        if sequence.input_size != self._network.input_size:
            new_network = adapt_input_size(self._network, sequence.input_size)
        self.push(
            ReplaceSequence(
                old=self._sequence,
                new=sequence,
                text=text,
                old_network=self._network if new_network is not None else None,
                new_network=new_network,
            )
        )

    def push(self, command: Command) -> None:
        """Apply ``command`` and record it for undo (merging with the previous one where it allows).

        If applying fails (say the engine refuses the new trace), the command is reverted and the error re-raised,
        so a failed edit leaves the session as it was.
        """
        try:
            command.apply(self)
        except Exception:
            command.revert(self)
            raise
        merged = bool(self._undo) and self._clean_index != len(self._undo) and self._undo[-1].merge(command)
        if self._clean_index is not None and self._clean_index > len(self._undo):
            self._clean_index = None  # the saved state was in the redo stack, which this edit discards
        if not merged:
            self._undo.append(command)
        self._redo.clear()
        self.events.history_changed.emit()

    def undo(self) -> None:
        if not self._undo:
            return
        command = self._undo.pop()
        command.revert(self)
        self._redo.append(command)
        self.events.history_changed.emit()

    def redo(self) -> None:
        if not self._redo:
            return
        command = self._redo.pop()
        command.apply(self)
        self._undo.append(command)
        self.events.history_changed.emit()

    def mark_clean(self) -> None:
        """The session has just been saved."""
        self._clean_index = len(self._undo)
        self.events.history_changed.emit()

    def mark_unsaved(self) -> None:
        """The session holds work no file has (restored from a recovery file): quitting asks about it."""
        self._clean_index = None
        self.events.history_changed.emit()

    def set_path(self, path: str | None) -> None:
        """The workspace file this session is saved in (None: never saved)."""
        if path != self.path:
            self.path = path
            self.events.path_changed.emit()

    # The one state path (undo commands and a workspace restore) ---------------------------------------------
    def apply_state(
        self,
        *,
        network: Network | None = None,
        sequence: SequenceData | None = None,
        reference: Network | None = None,
        step: int | None = None,
        layer: int | None = None,
        units: tuple[int, ...] | None = None,
        view_settings: ViewSettings | None = None,
    ) -> None:
        """Put the given parts in place without recording an undo step, then announce what changed.

        Undo commands apply and revert through this, and so does a workspace restore: one path, so clamping the
        step and the selection, recomputing and the order of events are decided once. A new network or sequence
        starts a new generation; each event fires once, only for what changed, in the order network, sequence,
        selection, step, trace, view settings (a view reading the trace while handling the first finds one that
        matches the new network, or ``trace_steps_ready == 0`` while the runner works).
        """
        old_network, old_sequence = self._network, self._sequence
        old_selection, old_step = (self._layer, self._selected_units), self._step
        if reference is not None:
            self.reference_network = reference
        if network is not None:
            self._network = network
        if sequence is not None:
            self._sequence = sequence
        net = self._network
        self._step = int(min(max(self._step if step is None else int(step), 0), self.steps - 1))
        self._layer = int(min(max(self._layer if layer is None else int(layer), 0), net.num_layers - 1))
        if units is None:  # kept, inside the (maybe smaller) network
            self._selected_units = tuple(u for u in self._selected_units if u < net.hidden_size) or (0,)
        else:
            self._selected_units = tuple(sorted({int(u) for u in units if 0 <= int(u) < net.hidden_size}))
        settings_changed: tuple[str, ...] = ()
        if view_settings is not None:
            settings_changed = view_settings.changed_fields(self.view_settings)
            self.view_settings = view_settings
        network_changed = self._network is not old_network
        sequence_changed = self._sequence is not old_sequence
        inline = self._begin_recompute() if network_changed or sequence_changed else False
        if network_changed:
            self.events.network_changed.emit(NetworkChange(old_network, self._network))
        if sequence_changed:
            self.events.sequence_changed.emit(SequenceChange(old_sequence, self._sequence))
        if (self._layer, self._selected_units) != old_selection:
            self.events.selection_changed.emit()
        if self._step != old_step:
            self.events.step_changed.emit(self._step)
        if inline:
            self.events.trace_changed.emit()
        if settings_changed:
            self.events.view_settings_changed.emit(settings_changed)

    # Recompute ---------------------------------------------------------------------------------------------
    def recompute_cost(self) -> int:
        """Multiply-adds of a full trace, to decide between inline and background recompute."""
        return self.compute.cost("trace")

    def recompute(self) -> None:
        """Recompute the trace for the current network and sequence (inline, or through the runner)."""
        if self._begin_recompute():
            self.events.trace_changed.emit()

    def _begin_recompute(self) -> bool:
        """Start a new generation: compute it inline (True; the caller emits ``trace_changed`` after its other
        events) or hand it to the runner (False).

        Structural events (``network_changed``) are emitted after this, so a view that reads the trace while
        handling them finds one that matches the new network, or ``trace_steps_ready == 0`` while the runner
        works: never the previous network's trace posing as current.
        """
        self.generation += 1
        self.compute.invalidate()
        return self.compute.request("trace") is not None

    def recompute_stopped(self) -> None:
        """Compute again a trace that was cancelled part way (the status bar's Recompute)."""
        if self.compute.request("trace", force=True) is not None:
            self.events.trace_changed.emit()

    def deliver_trace(self, generation: int, trace: Trace, steps_done: int | None = None) -> bool:
        """Accept a (possibly partial) trace computed for ``generation``; stale generations are dropped.

        Returns False when the result was stale, so a worker can stop early.
        """
        return self.compute.deliver(
            "trace", generation, trace, trace.steps if steps_done is None else steps_done, trace.steps
        )

    def _on_compute_progress(self, kind: str, done: int, total: int) -> None:
        if kind == "trace":
            self.events.trace_progress.emit(done)

    def _on_compute_ready(self, kind: str) -> None:
        if kind == "trace":
            self.events.trace_changed.emit()


def require_fit(network: Network, sequence: SequenceData) -> None:
    """Refuse a network that does not read as many inputs as ``sequence`` has columns, saying both widths."""
    if network.input_size != sequence.input_size:
        raise ValueError(
            f"the network expects {plural(network.input_size, 'input')} but the sequence has {sequence.input_size}"
        )
