"""Cell kinds as data.

One :class:`CellSpec` per recurrent cell says which gates it has, in PyTorch's row order, and which
nonlinearity each gate uses. The network, the trace, BPTT, the loaders, the diagram legend and the plots read
the spec instead of branching on the kind, so a new cell kind touches this file, its step kernel
(:data:`lstmviz.engine.kernels.STEP_KERNELS`) and its diagram layout, and nothing else. A cell kind can also be
added at run time (:func:`lstmviz.engine.kernels.register_cell_kind`), as ``tests/test_toy_cell.py`` does.
"""

from __future__ import annotations

from dataclasses import dataclass

CELL_KINDS: tuple[str, ...] = ("rnn", "gru", "lstm")
"""The built-in cell kinds; :func:`cell_kinds` also lists kinds registered at run time."""
RNN_ACTIVATIONS: tuple[str, ...] = ("tanh", "relu", "sigmoid")
OUTPUT_ACTIVATIONS: tuple[str, ...] = ("identity", "sigmoid", "tanh", "softmax")


@dataclass(frozen=True)
class GateInfo:
    """One gate (or recurrent state) of a cell: its trace key, nonlinearity, and how to present it."""

    key: str
    """Short symbol used in trace keys (``i`` -> ``i_l0``)."""
    nonlinearity: str
    """``sigmoid`` or ``tanh`` (``relu``/``sigmoid`` for a vanilla RNN, set per network)."""
    title: str
    """Human name, e.g. ``forget gate``."""
    symbol: str
    """Plain-text symbol for labels, e.g. ``f_t`` or ``C~_t``."""
    equation: str
    """Plain-text equation in the textbook notation."""
    recurrent_scale: str | None = None
    """The gate whose value multiplies this gate's recurrent part W_h h_{t-1} + b_h (the GRU's n: r), if any."""


@dataclass(frozen=True)
class StateInfo:
    """A recurrent state carried from step to step (``h``, and ``c`` for the LSTM)."""

    key: str
    title: str
    symbol: str
    equation: str
    working: str = ""
    """How the state is made from the step's other vectors, with ``{key}`` placeholders (``{key}_prev`` for a
    state one step earlier), for tooltips that show the numbers; empty when the equation says all."""
    value: str = ""
    """The same as a Python expression over those names (``tanh`` allowed), which the numbers panel evaluates to
    recompute the state by hand and check the engine; empty for a gateless cell, whose state is its block."""


@dataclass(frozen=True)
class CellSpec:
    """Everything that distinguishes one cell kind from another, as data."""

    kind: str
    title: str
    gates: tuple[GateInfo, ...]
    """Gates in PyTorch's row order of ``weight_ih`` / ``weight_hh``."""
    states: tuple[StateInfo, ...]
    """States carried between steps; ``h`` is always last."""
    row_blocks: int
    """G in PyTorch's ``gate_size = G * hidden_size``: 4 for LSTM, 3 for GRU, 1 for RNN (whose one block is h)."""
    activation_choice: bool = False
    """True when the nonlinearity is chosen per network (the vanilla RNN's tanh, relu or sigmoid)."""

    @property
    def gate_count(self) -> int:
        """Number of row blocks G in ``weight_ih`` (G*H x D)."""
        return self.row_blocks

    @property
    def gate_keys(self) -> tuple[str, ...]:
        return tuple(g.key for g in self.gates)

    @property
    def state_keys(self) -> tuple[str, ...]:
        return tuple(s.key for s in self.states)

    @property
    def has_cell_state(self) -> bool:
        return "c" in self.state_keys

    @property
    def recurrent_bias_apart(self) -> bool:
        """True when some gate's recurrent part is scaled by another gate, so b_hh cannot be folded into b_ih."""
        return any(g.recurrent_scale for g in self.gates)

    def trace_keys(self) -> tuple[str, ...]:
        """Per-layer quantities recorded in a trace, gates first then states, without duplicates."""
        keys: list[str] = []
        for k in self.gate_keys + self.state_keys:
            if k not in keys:
                keys.append(k)
        return tuple(keys)

    def gate(self, key: str) -> GateInfo:
        for g in self.gates:
            if g.key == key:
                return g
        raise KeyError(f"{self.kind} has no gate {key!r}")

    def gate_slice(self, key: str, hidden_size: int) -> slice:
        """Rows of ``weight_ih``/``weight_hh``/biases that belong to gate ``key``."""
        index = self.gate_keys.index(key) if self.gates else 0
        return slice(index * hidden_size, (index + 1) * hidden_size)

    def describe(self, key: str) -> tuple[str, str, str]:
        """(title, symbol, equation) for any trace key of this cell (gate or state)."""
        for g in self.gates:
            if g.key == key:
                return g.title, g.symbol, g.equation
        for s in self.states:
            if s.key == key:
                return s.title, s.symbol, s.equation
        raise KeyError(f"{self.kind} has no quantity {key!r}")


_H = StateInfo("h", "hidden state", "h_t", "h_t = o_t * tanh(C_t)", "{o}·tanh({c})", "o * tanh(c)")

LSTM = CellSpec(
    kind="lstm",
    title="LSTM",
    gates=(
        GateInfo("i", "sigmoid", "input gate", "i_t", "i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi)"),
        GateInfo("f", "sigmoid", "forget gate", "f_t", "f_t = sigma(W_if x_t + b_if + W_hf h_{t-1} + b_hf)"),
        GateInfo("g", "tanh", "candidate", "C~_t", "C~_t = tanh(W_ig x_t + b_ig + W_hg h_{t-1} + b_hg)"),
        GateInfo("o", "sigmoid", "output gate", "o_t", "o_t = sigma(W_io x_t + b_io + W_ho h_{t-1} + b_ho)"),
    ),
    states=(
        StateInfo(
            "c", "cell state", "C_t", "C_t = f_t * C_{t-1} + i_t * C~_t", "{f}·{c_prev} + {i}·{g}", "f * c_prev + i * g"
        ),
        _H,
    ),
    row_blocks=4,
)

GRU = CellSpec(
    kind="gru",
    title="GRU",
    gates=(
        GateInfo("r", "sigmoid", "reset gate", "r_t", "r_t = sigma(W_ir x_t + b_ir + W_hr h_{t-1} + b_hr)"),
        GateInfo("z", "sigmoid", "update gate", "z_t", "z_t = sigma(W_iz x_t + b_iz + W_hz h_{t-1} + b_hz)"),
        GateInfo(
            "n",
            "tanh",
            "candidate",
            "n_t",
            "n_t = tanh(W_in x_t + b_in + r_t * (W_hn h_{t-1} + b_hn))",
            recurrent_scale="r",
        ),
    ),
    states=(
        StateInfo(
            "h",
            "hidden state",
            "h_t",
            "h_t = (1 - z_t) * n_t + z_t * h_{t-1}",
            "(1 − {z})·{n} + {z}·{h_prev}",
            "(1 - z) * n + z * h_prev",
        ),
    ),
    row_blocks=3,
)

RNN = CellSpec(
    kind="rnn",
    title="RNN",
    gates=(),
    states=(StateInfo("h", "hidden state", "h_t", "h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh)"),),
    row_blocks=1,
    activation_choice=True,
)

# The vanilla RNN has one row block (G = 1) but no gate to record: its single "gate" is h itself.
SPECS: dict[str, CellSpec] = {"rnn": RNN, "gru": GRU, "lstm": LSTM}


def cell_kinds() -> tuple[str, ...]:
    """Every cell kind known now: the built-in ones, then any registered at run time (menus and choices read this)."""
    return tuple(SPECS)


def spec_for(kind: str) -> CellSpec:
    """Return the spec of ``kind`` (``lstm``, ``gru``, ``rnn`` or a registered kind), with a clear error otherwise."""
    try:
        return SPECS[kind.lower()]
    except KeyError:
        raise ValueError(f"unknown cell type {kind!r}; choose one of {', '.join(cell_kinds())}") from None
