"""The forward pass of a whole network, chunk by chunk, into one preallocated trace.

Why chunks: the GUI wants to draw the first steps of a long sequence before the last ones exist, and to cancel a
run that an edit has made stale. :func:`run_progressive` allocates every trace array full length, then runs all
layers (and the output layer) over steps [0, n1), yields, runs them over [n1, n2), yields, and so on. The yielded
:class:`Trace` is the same object every time; its read-only arrays are views of the buffers being filled, so rows
[0, steps_done) are final. Stopping the iteration cancels the run. ``Network.run`` is this generator driven to the
end, so both give identical numbers.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

import numpy as np

from . import kernels
from .errors import EngineError
from .trace import Trace, trace_key

if TYPE_CHECKING:
    from .network import Network

DEFAULT_CHUNK_STEPS = 2048


def run_progressive(
    network: Network,
    x: np.ndarray,
    h_init: list[np.ndarray],
    c_init: list[np.ndarray],
    chunk_steps: int = DEFAULT_CHUNK_STEPS,
) -> Iterator[tuple[Trace, int]]:
    """Yield ``(trace, steps_done)`` after each chunk of ``chunk_steps`` steps (x already prepared, (T, D))."""
    if chunk_steps < 1:
        raise EngineError(f"chunk_steps must be at least 1, not {chunk_steps}")
    steps = x.shape[0]
    spec = network.spec
    prepared = [
        kernels.prepare_layer(
            network.cell, spec.gate_keys, *network.layer_parameters(k), activation=network.nonlinearity
        )
        for k in range(network.num_layers)
    ]
    buffers = [kernels.allocate_layer(network.cell, steps, network.hidden_size, network.dtype) for _ in prepared]
    arrays: dict[str, np.ndarray] = {"x": _read_only_view(x)}
    for k, layer_arrays in enumerate(buffers):
        for quantity in spec.trace_keys():
            arrays[trace_key(quantity, k)] = _read_only_view(layer_arrays[quantity])
    y = None
    if network.has_output:
        y = np.empty((steps, network.output_size or 0), dtype=network.dtype)
        arrays["y"] = _read_only_view(y)
    trace = Trace(
        cell=network.cell,
        hidden_size=network.hidden_size,
        num_layers=network.num_layers,
        arrays=arrays,
        h0=tuple(h_init),
        c0=tuple(c_init) if spec.has_cell_state else (),
    )
    fc_weight, fc_bias = network.output_parameters()
    for start in range(0, steps, chunk_steps):
        stop = min(start + chunk_steps, steps)
        layer_input = x
        for k, (layer, layer_arrays) in enumerate(zip(prepared, buffers, strict=True)):
            h_prev = h_init[k] if start == 0 else layer_arrays["h"][start - 1]
            c_prev = None
            if spec.has_cell_state:
                c_prev = c_init[k] if start == 0 else layer_arrays["c"][start - 1]
            kernels.run_chunk(layer, layer_input, layer_arrays, start, stop, h_prev, c_prev)
            layer_input = layer_arrays["h"]
        if y is not None and fc_weight is not None:
            with np.errstate(over="ignore", invalid="ignore"):
                kernels.apply_output(
                    layer_input[start:stop], fc_weight, fc_bias, network.output_activation, out=y[start:stop]
                )
        yield trace, stop


def _read_only_view(array: np.ndarray) -> np.ndarray:
    """A view the Trace may freeze while the run keeps writing through the base array."""
    view = array.view()
    view.setflags(write=False)
    return view
