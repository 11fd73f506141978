"""A stacked recurrent network whose parameters live under PyTorch's names.

``Network`` is plain data (cell kind, sizes, a dict of parameters) plus pure methods: ``run`` returns a
:class:`~lstmviz.engine.trace.Trace`, ``bptt`` a gradient record. Nothing is cached on the network, so results never
depend on call history (the trap numpy-ml's cells fall into).

Parameter names follow ``torch.nn.RNN/GRU/LSTM``: ``weight_ih_l{k}`` (G*H x D_k), ``weight_hh_l{k}`` (G*H x H),
``bias_ih_l{k}``, ``bias_hh_l{k}`` (G*H), gate rows in the order i, f, g, o (LSTM) or r, z, n (GRU). The optional
output layer is ``fc.weight`` (O x H) and ``fc.bias`` (O), as in a typical ``self.fc = nn.Linear(H, O)``.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from typing import Any

import numpy as np

from . import forward as _forward
from . import trace_compact as _compact
from .bptt import Gradients
from .bptt import bptt as _bptt
from .errors import EngineError
from .forward import DEFAULT_CHUNK_STEPS
from .init import init_parameters
from .spec import OUTPUT_ACTIVATIONS, RNN_ACTIVATIONS, CellSpec, spec_for
from .trace import Trace
from .trace_compact import CompactTrace

OUTPUT_WEIGHT = "fc.weight"
OUTPUT_BIAS = "fc.bias"
RECURRENT_PARAMETERS: tuple[str, ...] = ("weight_ih", "weight_hh", "bias_ih", "bias_hh")


def parameter_name(kind: str, layer: int) -> str:
    """``parameter_name("weight_hh", 0) == "weight_hh_l0"`` (PyTorch's naming)."""
    return f"{kind}_l{layer}"


@dataclass(frozen=True)
class Network:
    """A stack of ``num_layers`` recurrent layers of one cell kind, with an optional output layer.

    Use :meth:`random` to make one, :func:`lstmviz.load_weights` to read one, :meth:`run` to trace a sequence.
    The network is immutable: edits return a new network (:meth:`with_parameter`), which keeps undo trivial.
    """

    cell: str
    input_size: int
    hidden_size: int
    num_layers: int = 1
    nonlinearity: str = "tanh"
    """Activation of a vanilla RNN (tanh, relu, sigmoid); ignored by GRU and LSTM."""
    bias: bool = True
    output_activation: str = "identity"
    params: Mapping[str, np.ndarray] = field(default_factory=dict)

    def __post_init__(self) -> None:
        object.__setattr__(self, "cell", spec_for(self.cell).kind)
        if self.input_size < 1 or self.hidden_size < 1 or self.num_layers < 1:
            raise EngineError("input size, hidden size and layer count must all be at least 1")
        if self.nonlinearity not in RNN_ACTIVATIONS:
            raise EngineError(
                f"unknown RNN activation {self.nonlinearity!r}; choose one of {', '.join(RNN_ACTIVATIONS)}"
            )
        if self.output_activation not in OUTPUT_ACTIVATIONS:
            raise EngineError(
                f"unknown output activation {self.output_activation!r}; choose one of {', '.join(OUTPUT_ACTIVATIONS)}"
            )
        params = dict(self.params)
        expected = self.expected_shapes(output_size=self._output_size(params))
        missing = [name for name in expected if name not in params]
        if missing:
            raise EngineError(f"missing parameter {missing[0]}")
        extra = [name for name in params if name not in expected]
        if extra:
            raise EngineError(f"unexpected parameter {extra[0]}")
        dtype = np.result_type(*params.values()) if params else np.dtype(np.float64)
        if dtype not in (np.float32, np.float64):
            dtype = np.dtype(np.float64)
        frozen: dict[str, np.ndarray] = {}
        for name, shape in expected.items():
            value = np.ascontiguousarray(params[name], dtype=dtype)
            if value.shape != shape:
                raise EngineError(f"parameter {name} has shape {value.shape}, expected {shape}")
            if not np.all(np.isfinite(value)):
                raise EngineError(f"parameter {name} contains NaN or infinite values")
            value.setflags(write=False)
            frozen[name] = value
        object.__setattr__(self, "params", frozen)

    # Construction ----------------------------------------------------------------------------------------
    @classmethod
    def random(
        cls,
        cell: str = "lstm",
        input_size: int = 1,
        hidden_size: int = 8,
        num_layers: int = 1,
        *,
        seed: int | None = 0,
        init: str = "pytorch",
        nonlinearity: str = "tanh",
        bias: bool = True,
        output_size: int | None = None,
        output_activation: str = "identity",
        dtype: Any = np.float64,
    ) -> Network:
        """A network with freshly initialised parameters (``init`` in pytorch, xavier, orthogonal, zeros)."""
        shell = cls._shapes(cell, input_size, hidden_size, num_layers, bias, output_size)
        params = init_parameters(shell, hidden_size, scheme=init, seed=seed, dtype=dtype)
        return cls(cell, input_size, hidden_size, num_layers, nonlinearity, bias, output_activation, params)

    @staticmethod
    def _shapes(
        cell: str, input_size: int, hidden_size: int, num_layers: int, bias: bool, output_size: int | None
    ) -> dict[str, tuple[int, ...]]:
        rows = spec_for(cell).gate_count * hidden_size
        shapes: dict[str, tuple[int, ...]] = {}
        for layer in range(num_layers):
            fan_in = input_size if layer == 0 else hidden_size
            shapes[parameter_name("weight_ih", layer)] = (rows, fan_in)
            shapes[parameter_name("weight_hh", layer)] = (rows, hidden_size)
            if bias:
                shapes[parameter_name("bias_ih", layer)] = (rows,)
                shapes[parameter_name("bias_hh", layer)] = (rows,)
        if output_size is not None:
            shapes[OUTPUT_WEIGHT] = (output_size, hidden_size)
            shapes[OUTPUT_BIAS] = (output_size,)
        return shapes

    @staticmethod
    def _output_size(params: Mapping[str, np.ndarray]) -> int | None:
        weight = params.get(OUTPUT_WEIGHT)
        return None if weight is None else int(np.shape(weight)[0])

    def expected_shapes(self, output_size: int | None = None) -> dict[str, tuple[int, ...]]:
        """Name -> shape of every parameter this configuration needs."""
        return self._shapes(self.cell, self.input_size, self.hidden_size, self.num_layers, self.bias, output_size)

    # Properties ------------------------------------------------------------------------------------------
    @property
    def spec(self) -> CellSpec:
        return spec_for(self.cell)

    @property
    def dtype(self) -> np.dtype:
        return next(iter(self.params.values())).dtype

    @property
    def output_size(self) -> int | None:
        return self._output_size(self.params)

    @property
    def has_output(self) -> bool:
        return OUTPUT_WEIGHT in self.params

    def layer_parameters(self, layer: int) -> tuple[np.ndarray, np.ndarray, np.ndarray | None, np.ndarray | None]:
        """(weight_ih, weight_hh, bias_ih, bias_hh) of one layer; biases are None when ``bias=False``."""
        p = self.params
        return (
            p[parameter_name("weight_ih", layer)],
            p[parameter_name("weight_hh", layer)],
            p.get(parameter_name("bias_ih", layer)),
            p.get(parameter_name("bias_hh", layer)),
        )

    def describe(self) -> str:
        """One line for titles and status bars, e.g. ``LSTM, D=1, H=8, 1 layer``."""
        layers = f"{self.num_layers} layer" + ("s" if self.num_layers != 1 else "")
        text = f"{self.spec.title}, D={self.input_size}, H={self.hidden_size}, {layers}"
        if self.spec.activation_choice:
            text += f", {self.nonlinearity}"
        if self.has_output:
            text += f", output {self.output_size} ({self.output_activation})"
        return text

    # Edits (each returns a new network) --------------------------------------------------------------------
    def replace(self, **changes: Any) -> Network:
        """A copy with some fields changed (parameters must still fit)."""
        fields: dict[str, Any] = dict(
            cell=self.cell,
            input_size=self.input_size,
            hidden_size=self.hidden_size,
            num_layers=self.num_layers,
            nonlinearity=self.nonlinearity,
            bias=self.bias,
            output_activation=self.output_activation,
            params=self.params,
        )
        fields.update(changes)
        return type(self)(**fields)

    def with_parameter(self, name: str, value: np.ndarray) -> Network:
        """A copy with one parameter replaced."""
        if name not in self.params:
            raise EngineError(f"this network has no parameter {name}")
        params = dict(self.params)
        params[name] = np.asarray(value, dtype=self.dtype)
        return self.replace(params=params)

    def with_parameters(self, updates: Mapping[str, np.ndarray]) -> Network:
        params = dict(self.params)
        for name, value in updates.items():
            if name not in params:
                raise EngineError(f"this network has no parameter {name}")
            params[name] = np.asarray(value, dtype=self.dtype)
        return self.replace(params=params)

    def astype(self, dtype: Any) -> Network:
        """The same network in float32 or float64."""
        return self.replace(params={k: v.astype(dtype) for k, v in self.params.items()})

    # Running ---------------------------------------------------------------------------------------------
    def prepare_input(self, x: Any) -> np.ndarray:
        """x as a contiguous (T, D) array of the network's dtype; (T,) is read as D = 1."""
        array = np.asarray(x, dtype=self.dtype)
        if array.ndim == 1:
            array = array[:, None]
        if array.ndim != 2:
            raise EngineError(f"the input must have shape (T,) or (T, D), not {array.shape}")
        if array.shape[0] < 1:
            raise EngineError("the input sequence is empty")
        if array.shape[1] != self.input_size:
            raise EngineError(
                f"the sequence has {array.shape[1]} input column(s) but the network expects {self.input_size}"
            )
        if not np.all(np.isfinite(array)):
            raise EngineError("the input contains NaN or infinite values")
        return np.ascontiguousarray(array)

    def trace_nbytes(self, steps: int) -> int:
        """Bytes a full trace of ``steps`` steps needs (every gate and state of every layer)."""
        per_layer = len(self.spec.trace_keys()) * self.hidden_size
        per_step = self.input_size + self.num_layers * per_layer + (self.output_size or 0)
        return int(steps * per_step * self.dtype.itemsize)

    def check_fits_in_memory(self, steps: int, need: int | None = None) -> None:
        """Refuse up front a trace that would not fit in the machine's memory, naming the size it needs
        (``need`` bytes, by default those of a full trace)."""
        need = self.trace_nbytes(steps) if need is None else need
        available = _available_memory()
        if available is not None and need > 0.8 * available:
            raise EngineError(
                f"a trace of {steps:,} steps needs {need / 1e9:.1f} GB but only {available / 1e9:.1f} GB of memory "
                "is available; shorten the sequence or use fewer units"
            )

    def _initial_states(self, h0: Any | None, c0: Any | None) -> tuple[list[np.ndarray], list[np.ndarray]]:
        shape = (self.num_layers, self.hidden_size)
        try:
            h = np.zeros(shape, self.dtype) if h0 is None else np.asarray(h0, dtype=self.dtype).reshape(shape)
            c = np.zeros(shape, self.dtype) if c0 is None else np.asarray(c0, dtype=self.dtype).reshape(shape)
        except ValueError:
            raise EngineError(f"the initial states h0 and c0 must have shape {shape} (layers, hidden units)") from None
        if not (np.all(np.isfinite(h)) and np.all(np.isfinite(c))):
            raise EngineError("the initial states h0 and c0 contain NaN or infinite values")
        return [h[k].copy() for k in range(self.num_layers)], [c[k].copy() for k in range(self.num_layers)]

    def output_parameters(self) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(fc.weight, fc.bias) of the output layer, or (None, None) without one."""
        return self.params.get(OUTPUT_WEIGHT), self.params.get(OUTPUT_BIAS)

    def run(self, x: Any, h0: Any | None = None, c0: Any | None = None) -> Trace:
        """Run the network over ``x`` (T, D) or (T,) and record every gate and state.

        ``h0``/``c0`` are (num_layers, H) initial states (zeros by default), as PyTorch's ``(h_0, c_0)`` with batch 1.
        Equations: see :mod:`lstmviz.engine.spec`; the kernels are in :mod:`lstmviz.engine.kernels`.
        """
        trace: Trace | None = None
        for so_far, _ in self.run_progressive(x, h0, c0):
            trace = so_far
        assert trace is not None
        return trace

    def run_progressive(
        self, x: Any, h0: Any | None = None, c0: Any | None = None, chunk_steps: int = DEFAULT_CHUNK_STEPS
    ) -> Iterator[tuple[Trace, int]]:
        """Run chunk by chunk, yielding ``(trace, steps_done)`` after each chunk; stop iterating to cancel.

        ``trace`` is the same object every time, its arrays allocated full length up front; rows
        [0, steps_done) of every layer (and ``y``) are final. The input, memory, initial states and
        ``chunk_steps`` are checked by this call itself, before any chunk runs.
        """
        if chunk_steps < 1:
            raise EngineError(f"chunk_steps must be at least 1, not {chunk_steps}")
        prepared = self.prepare_input(x)
        if isinstance(x, np.ndarray) and np.shares_memory(prepared, x):
            prepared = prepared.copy()  # the trace owns its input: later edits of the caller's array must not leak in
        self.check_fits_in_memory(prepared.shape[0])
        h_init, c_init = self._initial_states(h0, c0)
        return _forward.run_progressive(self, prepared, h_init, c_init, chunk_steps)

    def run_compact_progressive(
        self, x: Any, h0: Any | None = None, c0: Any | None = None
    ) -> Iterator[tuple[CompactTrace, int]]:
        """As :meth:`run_progressive`, into a :class:`~lstmviz.engine.trace_compact.CompactTrace`: float32 arrays
        for drawing, exact float64 rows replayed from checkpoints (for traces too long to hold in float64)."""
        prepared = self.prepare_input(x)
        if isinstance(x, np.ndarray) and np.shares_memory(prepared, x):
            prepared = prepared.copy()
        self.check_fits_in_memory(prepared.shape[0], _compact.compact_nbytes(self, prepared.shape[0]))
        h_init, c_init = self._initial_states(h0, c0)
        return _compact.run_compact_progressive(self, prepared, h_init, c_init)

    def bptt(
        self,
        x: Any,
        loss: str = "h-last-sum",
        *,
        target: Any | None = None,
        unit: int = 0,
        step: int = -1,
        layer: int | None = None,
        clip: float | None = None,
        h0: Any | None = None,
        c0: Any | None = None,
        trace: Trace | None = None,
        jacobian: str = "auto",
    ) -> Gradients:
        """Backpropagation through time for a scalar loss on the trace; see :func:`lstmviz.engine.bptt.bptt`."""
        return _bptt(
            self,
            x,
            loss,
            target=target,
            unit=unit,
            step=step,
            layer=layer,
            clip=clip,
            h0=h0,
            c0=c0,
            trace=trace,
            jacobian=jacobian,
        )


def _available_memory() -> int | None:
    """Physical memory available to this process in bytes, or None where the platform does not say."""
    try:
        with open("/proc/meminfo", encoding="ascii") as meminfo:
            for line in meminfo:
                if line.startswith("MemAvailable:"):
                    return int(line.split()[1]) * 1024
    except OSError:
        pass
    try:
        return int(os.sysconf("SC_AVPHYS_PAGES") * os.sysconf("SC_PAGE_SIZE"))
    except (ValueError, OSError, AttributeError):
        return None
