"""The kinds of derived result the compute service knows: what each costs, how long it is, and how it is computed.

A kind is data (:class:`ComputeKind`): ``cost`` in multiply-adds feeds the service's one inline-or-background rule,
``total`` is the unit of progress (time steps), ``needs`` names the results it reads, and ``work`` returns a plain
function of a :data:`Report` that runs on any thread. Adding a derived result is adding an entry here.
"""

from __future__ import annotations

import hashlib
from collections import deque
from collections.abc import Callable, Hashable, Iterator
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any, cast

import numpy as np

from ..engine.jacobian import EXACT_BUDGET, POWER_ITERATIONS
from ..engine.network import parameter_name
from ..engine.progress import reporting
from ..engine.trace_compact import CompactTrace

if TYPE_CHECKING:
    from ..engine.network import Network
    from ..engine.trace import Trace
    from ..io.sequence_data import SequenceData

Report = Callable[[int, Any], None]
"""``report(done, partial)``: ``done`` units of ``total`` are finished and ``partial`` (or None) is usable so far.
It raises :class:`Cancelled` when the job was cancelled, which ends the work at that point."""

Work = Callable[[Report | None], Any]
"""Computes a result; called with None when it runs inline (no progress, never cancelled)."""

FIRST_DELIVERY_STEPS = 512
"""Steps of a background trace filled before its first delivery; later ones at least double the filled part."""
SECOND_DELIVERY_STEPS = 2048
TRACE_CHUNK_STEPS = 256
"""The engine chunk of a background trace: how soon a cancelled trace stops."""
COMPACT_TRACE_BYTES = 96 * 2**20
"""A trace whose float64 arrays would exceed this is kept compact (:mod:`lstmviz.engine.trace_compact`): float32
arrays for drawing, exact float64 rows replayed from checkpoints. 96 MB is 8,000 steps x 256 LSTM units; below it
the full float64 trace costs less than the replays would."""
EIGEN_COST_FACTOR = 10
"""np.linalg.eigvals of an n x n matrix costs about 10 n^3 multiply-adds (Hessenberg reduction + QR)."""


class Cancelled(Exception):
    """Raised by a report when its job has been cancelled (never seen outside a runner)."""


@dataclass(frozen=True)
class ComputeKind:
    name: str
    cost: Callable[[Network, SequenceData, Hashable], int]
    total: Callable[[Network, SequenceData, Hashable], int]
    work: Callable[[Network, SequenceData, Hashable, dict[str, Any]], Work]
    needs: tuple[str, ...] = ()


# The trace --------------------------------------------------------------------------------------------------
def trace_cost(network: Network, sequence: SequenceData, params: Hashable = None) -> int:
    """Multiply-adds of a full forward run: T x layers x (G*H) x (H + inputs)."""
    rows = network.spec.gate_count * network.hidden_size
    return sequence.steps * network.num_layers * rows * (network.hidden_size + network.input_size)


def _steps(network: Network, sequence: SequenceData, params: Hashable = None) -> int:
    return sequence.steps


def keeps_compact(network: Network, steps: int) -> bool:
    """Whether a trace of ``steps`` steps is kept compact (see :data:`COMPACT_TRACE_BYTES`)."""
    return network.trace_nbytes(steps) > COMPACT_TRACE_BYTES


def trace_work(network: Network, sequence: SequenceData, params: Hashable, needs: dict[str, Any]) -> Work:
    values = sequence.values
    compact = keeps_compact(network, sequence.steps)

    def runs() -> Iterator[tuple[Trace, int]]:
        if compact:
            return iter(network.run_compact_progressive(values))
        return network.run_progressive(values, chunk_steps=TRACE_CHUNK_STEPS)

    def work(report: Report | None) -> Any:
        if report is None:
            if not compact:
                return network.run(values)
            return deque(runs(), maxlen=1)[0][0]  # the last yield holds every step
        total, target, trace = int(values.shape[0]), FIRST_DELIVERY_STEPS, None
        for trace, done in runs():
            if done >= target and done < total:  # coalesced deliveries: 512, 2048, then doubling
                report(done, trace)
                target = max(SECOND_DELIVERY_STEPS, 2 * done) if target < SECOND_DELIVERY_STEPS else 2 * done
            elif done < total:
                report(done, None)  # a cancellation point, and progress without a redraw
        return trace

    return work


# BPTT gradients ---------------------------------------------------------------------------------------------
def _jacobian_passes(network: Network, steps: int) -> int:
    exact = steps * network.hidden_size**3 <= EXACT_BUDGET or network.hidden_size == 1
    return 1 if exact else POWER_ITERATIONS + 1


def gradients_total(network: Network, sequence: SequenceData, params: Hashable = None) -> int:
    """Time steps the backward loops walk: per layer, the Jacobian curves' passes plus the backward pass."""
    return sequence.steps * network.num_layers * (1 + _jacobian_passes(network, sequence.steps))


def gradients_cost(network: Network, sequence: SequenceData, params: Hashable = None) -> int:
    """The backward pass costs about twice the forward one; the exact Jacobian curves one pass with H rows."""
    passes = _jacobian_passes(network, sequence.steps)
    jacobian_rows = network.hidden_size if passes == 1 else passes
    per_row = sequence.steps * network.num_layers * network.spec.gate_count * network.hidden_size**2
    return 2 * trace_cost(network, sequence) + jacobian_rows * per_row


def gradients_work(network: Network, sequence: SequenceData, params: Hashable, needs: dict[str, Any]) -> Work:
    """``params``: (loss, unit, step, layer) as the Gradients view asks (see :func:`gradients_request`)."""
    loss, unit, step, layer = cast("tuple[Any, Any, Any, Any]", params)
    values, trace = sequence.values, needs["trace"]
    # BPTT reads every step in float64: a compact trace's float32 arrays would not do, so it runs the forward pass
    kwargs: dict[str, Any] = {"loss": loss, "trace": None if isinstance(trace, CompactTrace) else trace}
    if loss == "unit":
        kwargs.update(unit=unit, step=step, layer=layer)
    total = gradients_total(network, sequence)

    def work(report: Report | None) -> Any:
        if report is None:
            return network.bptt(values, **kwargs)
        walked = [0]

        def on_tick(steps: int) -> None:
            walked[0] += steps
            report(min(walked[0], total - 1), None)

        with reporting(on_tick):
            return network.bptt(values, **kwargs)

    return work


def gradients_request(loss: str, unit: int = 0, step: int = -1, layer: int = 0) -> tuple[str, int, int, int]:
    """The gradients kind's parameters: a loss on Σ h_T ignores unit, step and layer, so they do not key it."""
    return (loss, unit, step, layer) if loss == "unit" else (loss, 0, -1, 0)


# Spectral radii ---------------------------------------------------------------------------------------------
def _blocks(network: Network, layer: int) -> list[np.ndarray]:
    w_hh = network.params[parameter_name("weight_hh", layer)]
    hidden = network.hidden_size
    return [w_hh[k * hidden : (k + 1) * hidden] for k in range(w_hh.shape[0] // hidden)]


def radii_cost(network: Network, sequence: SequenceData, params: Hashable = 0) -> int:
    return EIGEN_COST_FACTOR * network.spec.gate_count * network.hidden_size**3


def _blocks_total(network: Network, sequence: SequenceData, params: Hashable = 0) -> int:
    return network.spec.gate_count


_RADII_MEMO: dict[bytes, float] = {}
"""Spectral radius by block content: undo, redo and a scale drag's return visit cost nothing (bounded below)."""
RADII_MEMO_LIMIT = 256


def spectral_radius(block: np.ndarray) -> float:
    """Largest |eigenvalue|: how much the recurrent path can stretch h per step (memoised on the numbers)."""
    digest = hashlib.blake2b(np.ascontiguousarray(block).tobytes(), digest_size=16).digest() + bytes(
        str(block.shape), "ascii"
    )
    radius = _RADII_MEMO.get(digest)
    if radius is None:
        radius = float(np.max(np.abs(np.linalg.eigvals(block))))
        if len(_RADII_MEMO) >= RADII_MEMO_LIMIT:
            _RADII_MEMO.clear()
        _RADII_MEMO[digest] = radius
    return radius


def radii_work(network: Network, sequence: SequenceData, params: Hashable, needs: dict[str, Any]) -> Work:
    """``params``: the layer; the result is one radius per gate block of its weight_hh."""
    blocks = [block.copy() for block in _blocks(network, int(params or 0))]  # type: ignore[call-overload]

    def work(report: Report | None) -> list[float]:
        radii = []
        for k, block in enumerate(blocks):
            radii.append(spectral_radius(block))
            if report is not None:
                report(k + 1, None)
        return radii

    return work


# What an update learns from (the compare view) ------------------------------------------------------------
def shares_cost(network: Network, sequence: SequenceData, params: Hashable = None) -> int:
    """``params`` is a :class:`~lstmviz.model.compare.CompareSetup`: forward and backward over its batch."""
    rows = network.spec.gate_count * network.hidden_size
    per_step = network.num_layers * rows * (network.hidden_size + network.input_size)
    return 3 * int(params.batch) * int(params.steps) * per_step  # type: ignore[attr-defined]


def _one(network: Network, sequence: SequenceData, params: Hashable = None) -> int:
    return 1


def shares_work(network: Network, sequence: SequenceData, params: Hashable, needs: dict[str, Any]) -> Work:
    """share_t of the update on the compare setup's first training batch (the sequence is not used)."""
    from ..engine.update_sources import update_shares
    from .compare import update_batch

    def work(report: Report | None) -> Any:
        task = params.make_task()  # type: ignore[attr-defined]
        return update_shares(network, update_batch(params, task), task.loss)  # type: ignore[arg-type]

    return work


KINDS: dict[str, ComputeKind] = {
    kind.name: kind
    for kind in (
        ComputeKind("trace", trace_cost, _steps, trace_work),
        ComputeKind("gradients", gradients_cost, gradients_total, gradients_work, needs=("trace",)),
        ComputeKind("radii", radii_cost, _blocks_total, radii_work),
        ComputeKind("shares", shares_cost, _one, shares_work),
    )
}
