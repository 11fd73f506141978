"""Where things sit in each cell's diagram, as data (no Qt).

One small :class:`CellLayout` per cell kind lists nodes (gate blocks, pointwise-operation circles, value strips,
junctions, the cell's frame) in grid units and the edges between them; :mod:`diagram_scene` interprets any of them
with one builder. Labels of gates and states are not written here: the builder reads them from the engine's spec,
so this file says only *where*, never *what a gate is called*.

Grid units: ``x`` counts slots (one gate column, as wide as the widest strip plus a gap), ``y`` counts rows (one
strip plus room for an arrow). The pictures follow Olah's "Understanding LSTM Networks" figures: state line across
the top, gates fed by [h_{t-1}, x_t] from the bottom, the new state leaving to the right.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field

Point = tuple[float, float]


@dataclass(frozen=True)
class Node:
    """One drawable thing at grid position (x, y) (its centre)."""

    id: str
    kind: str
    """``strip`` (a vector, one cell per unit), ``block`` (a gate's nonlinearity), ``op`` (pointwise operation),
    ``output`` (the output layer's block), or ``junction`` (where a line splits)."""
    x: float
    y: float
    key: str = ""
    """Strip: the vector it shows (``x``, ``h_prev``, ``c_prev``, a gate key, ``c``, ``h``, ``y``). Block: gate key."""
    text: str = ""
    """Op: the symbol drawn in the circle (HTML)."""
    label: str = "above"
    """Strip: where its name goes (``above``, ``above-left``/``above-right`` beside a vertical arrow, ``below``)."""
    equation: str = ""
    """Op: what it computes, for its tooltip."""
    value: str = ""
    """Op: its result as an expression over the step's vectors (``f * c_prev``), evaluated for the tooltip."""


@dataclass(frozen=True)
class Edge:
    """A line through nodes and grid points; the last segment ends in an arrow head unless ``arrow`` is False."""

    points: tuple[str | Point, ...]
    label: str = ""
    """HTML shown beside the longest segment (the arrow's role)."""
    arrow: bool = True
    main: bool = False
    """The state line (C or h): drawn thicker."""
    side: str = "right"
    """Where the label goes relative to a vertical segment (``left``/``right``) or horizontal (``above``/``below``)."""
    role: str = ""
    """Plain-text role for the tooltip."""


@dataclass(frozen=True)
class CellLayout:
    """A cell kind's diagram: nodes, edges and the frame drawn around the cell (grid units)."""

    kind: str
    nodes: tuple[Node, ...]
    edges: tuple[Edge, ...]
    frame: tuple[float, float, float, float]
    """(x0, y0, x1, y1) of the cell's rounded box."""
    output: tuple[Node, ...] = field(default=())
    output_edges: tuple[Edge, ...] = field(default=())
    """Drawn only when the network has an output layer and the top layer is shown."""

    def node(self, node_id: str) -> Node:
        for n in self.nodes + self.output:
            if n.id == node_id:
                return n
        raise KeyError(node_id)


X_BELOW_BUS = 0.85
"""How far (rows) the input strip x_t sits under the [h_{t-1}, x_t] bus: just room for its arrow."""
TIMES = "×"
PLUS = "+"
NEXT = "to t+1 and the layer above"


def _bus(y: float, start: str, columns: dict[str, float]) -> tuple[list[Node], list[Edge]]:
    """The [h_{t-1}, x_t] bus: a line at height y from ``start`` through one junction under each column."""
    nodes = [Node(f"bus_{name}", "junction", x, y) for name, x in columns.items()]
    chain: list[str | Point] = [start] + [n.id for n in nodes]
    edges = [
        Edge(
            (chain[k], chain[k + 1]),
            arrow=False,
            label="[h<sub>t−1</sub>, x<sub>t</sub>]" if k == 0 else "",
            side="below",
            role="the concatenated inputs [h_{t-1}, x_t] fed to every gate",
        )
        for k in range(len(chain) - 1)
    ]
    return nodes, edges


def _output(x: float, y_block: float, y_strip: float, source: str) -> tuple[tuple[Node, ...], tuple[Edge, ...]]:
    nodes = (
        Node("out_block", "output", x, y_block),
        Node("y", "strip", x, y_strip, key="y", label="above" if y_strip < y_block else "below"),
    )
    edges = (
        Edge((source, "out_block"), role="h_t into the output layer"),
        Edge(("out_block", "y"), role="the network's output O_t"),
    )
    return nodes, edges


def lstm_layout() -> CellLayout:
    gate_x = {"f": 1.0, "i": 2.0, "g": 3.0, "o": 4.0}
    bus_y, strip_y, block_y, mul_y = 4.55, 2.75, 3.7, 1.8
    nodes = [
        Node("c_prev", "strip", 0.0, 0.0, key="c_prev"),
        Node(
            "mul_f",
            "op",
            1.0,
            0.0,
            text=TIMES,
            equation="f_t * C_{t-1}: the forget gate scales the old cell state",
            value="f * c_prev",
        ),
        Node("add_c", "op", 2.5, 0.0, text=PLUS, equation="C_t = f_t * C_{t-1} + i_t * C~_t", value="c"),
        Node("split_c", "junction", 4.0, 0.0),
        Node("c", "strip", 5.1, 0.0, key="c"),
        Node(
            "tanh_c",
            "op",
            4.0,
            0.9,
            text="tanh",
            equation="tanh(C_t): the cell state squashed to [-1, 1]",
            value="tanh(c)",
        ),
        Node("mul_o", "op", 4.0, mul_y, text=TIMES, equation="h_t = o_t * tanh(C_t)", value="h"),
        Node(
            "mul_i",
            "op",
            2.5,
            mul_y,
            text=TIMES,
            equation="i_t * C~_t: the input gate scales the candidate",
            value="i * g",
        ),
        Node("h", "strip", 5.1, mul_y, key="h"),
        Node("h_prev", "strip", 0.0, bus_y, key="h_prev"),
        Node("join_x", "junction", 0.55, bus_y),
        Node("x", "strip", 0.55, bus_y + X_BELOW_BUS, key="x", label="below"),
    ]
    for key, x in gate_x.items():
        nodes.append(Node(f"block_{key}", "block", x, block_y, key=key))
        nodes.append(Node(f"strip_{key}", "strip", x, strip_y, key=key, label="above-left"))
    bus_nodes, bus_edges = _bus(bus_y, "join_x", gate_x)
    nodes += bus_nodes
    edges = [
        Edge(("c_prev", "mul_f"), main=True, role="the old cell state C_{t-1}"),
        Edge(("mul_f", "add_c"), main=True, role="what the cell keeps of C_{t-1}"),
        Edge(("add_c", "split_c"), main=True, arrow=False, role="the new cell state C_t"),
        Edge(("split_c", "c"), main=True, role="the new cell state C_t, to the next step"),
        Edge(("c", (5.8, 0.0)), label="t+1", side="above", role="C_t carried to the next step"),
        Edge(("split_c", "tanh_c"), role="C_t to the output path"),
        Edge(("tanh_c", "mul_o"), label="tanh(C<sub>t</sub>)", role="tanh(C_t)"),
        Edge(("strip_i", (2.0, mul_y), "mul_i"), role="the input gate i_t"),
        Edge(("strip_g", (3.0, mul_y), "mul_i"), role="the candidate C~_t"),
        Edge(("mul_i", "add_c"), label="i<sub>t</sub>·C̃<sub>t</sub>", role="what is written to the cell: i_t * C~_t"),
        Edge(("strip_f", "mul_f"), role="the forget gate f_t"),
        Edge(("strip_o", "mul_o"), role="the output gate o_t"),
        Edge(("mul_o", "h"), role="the new hidden state h_t"),
        Edge(("h_prev", "join_x"), arrow=False, role="the previous hidden state h_{t-1}"),
        Edge(("x", "join_x"), arrow=False, role="the input x_t"),
        *bus_edges,
    ]
    for key in gate_x:
        edges.append(Edge((f"bus_{key}", f"block_{key}"), role="[h_{t-1}, x_t] into the gate"))
        edges.append(Edge((f"block_{key}", f"strip_{key}"), role="the gate's activation"))
    out_nodes, out_edges = _output(5.1, mul_y + 1.1, mul_y + 2.2, "h")
    next_edge = Edge(("h", (5.8, mul_y)), label="t+1", side="below", role="h_t carried to the next step")
    return CellLayout(
        "lstm", tuple(nodes), tuple(edges) + (next_edge,), (0.45, -0.6, 4.55, bus_y + 0.45), out_nodes, out_edges
    )


def gru_layout() -> CellLayout:
    top, bus_y, strip_y, block_y, mix_y = 0.0, 4.55, 2.75, 3.7, 1.6
    nodes = [
        Node("h_prev", "strip", 0.0, top, key="h_prev"),
        Node("split_h", "junction", 0.5, top),
        Node(
            "mul_z",
            "op",
            1.0,
            top,
            text=TIMES,
            equation="z_t * h_{t-1}: the update gate keeps part of the old state",
            value="z * h_prev",
        ),
        Node("add_h", "op", 3.8, top, text=PLUS, equation="h_t = (1 - z_t) * n_t + z_t * h_{t-1}", value="h"),
        Node("h", "strip", 5.1, top, key="h"),
        Node("block_z", "block", 1.0, block_y, key="z"),
        Node("strip_z", "strip", 1.0, strip_y, key="z", label="above-right"),
        Node("split_z", "junction", 1.0, mix_y),
        Node(
            "one_minus",
            "op",
            2.0,
            mix_y,
            text="1−",
            equation="1 - z_t: how much of the candidate gets in",
            value="1 - z",
        ),
        Node("mul_n", "op", 3.8, mix_y, text=TIMES, equation="(1 - z_t) * n_t", value="(1 - z) * n"),
        Node("block_r", "block", 2.0, block_y, key="r"),
        Node("strip_r", "strip", 2.0, strip_y, key="r", label="above-left"),
        Node(
            "mul_r",
            "op",
            2.9,
            block_y,
            text=TIMES,
            equation="r_t * (W_hn h_{t-1} + b_hn): the reset gate scales the recurrent part, bias b_hn included",
            value="r * hn",
        ),
        Node("block_n", "block", 3.8, block_y, key="n"),
        Node("strip_n", "strip", 3.8, strip_y, key="n", label="above-left"),
        Node("join_x", "junction", 0.5, bus_y),
        Node("x", "strip", 0.5, bus_y + X_BELOW_BUS, key="x", label="below"),
    ]
    bus_nodes, bus_edges = _bus(bus_y, "join_x", {"z": 1.0, "r": 2.0, "hn": 2.9, "n": 3.8})
    nodes += bus_nodes
    edges = [
        Edge(("h_prev", "split_h"), main=True, arrow=False, role="the previous hidden state h_{t-1}"),
        Edge(("split_h", "mul_z"), main=True, role="h_{t-1}"),
        Edge(
            ("mul_z", "add_h"),
            main=True,
            label="z<sub>t</sub>·h<sub>t−1</sub>",
            side="above",
            role="what the cell keeps of h_{t-1}",
        ),
        Edge(("add_h", "h"), main=True, role="the new hidden state h_t"),
        Edge(("h", (5.85, top)), label="t+1", side="above", role="h_t carried to the next step"),
        Edge(("split_h", "join_x"), arrow=False, role="h_{t-1} down to the gates"),
        Edge(("x", "join_x"), arrow=False, role="the input x_t"),
        *bus_edges,
        Edge(("block_z", "strip_z"), role="the update gate's activation"),
        Edge(("strip_z", "split_z"), arrow=False, role="the update gate z_t"),
        Edge(("split_z", "mul_z"), label="z<sub>t</sub>", role="z_t"),
        Edge(("split_z", "one_minus"), role="z_t"),
        Edge(("one_minus", "mul_n"), label="1 − z<sub>t</sub>", side="above", role="1 - z_t"),
        Edge(("block_r", "strip_r"), role="the reset gate's activation"),
        Edge(
            ("strip_r", (2.0, strip_y - 0.7), (2.9, strip_y - 0.7), "mul_r"),
            label="r<sub>t</sub>",
            side="right",
            role="the reset gate r_t",
        ),
        Edge(
            ("bus_hn", "mul_r"),
            label="W<sub>hn</sub>h<sub>t−1</sub> + b<sub>hn</sub>",
            side="left",
            role="the recurrent part of the candidate, W_hn h_{t-1} + b_hn",
        ),
        Edge(("mul_r", "block_n"), role="r_t * (W_hn h_{t-1} + b_hn)"),
        Edge(("bus_z", "block_z"), role="[h_{t-1}, x_t] into the gate"),
        Edge(("bus_r", "block_r"), role="[h_{t-1}, x_t] into the gate"),
        Edge(
            ("bus_n", "block_n"),
            label="W<sub>in</sub>x<sub>t</sub> + b<sub>in</sub>",
            side="right",
            role="the input part of the candidate, W_in x_t + b_in",
        ),
        Edge(("block_n", "strip_n"), role="the candidate's activation"),
        Edge(("strip_n", "mul_n"), label="n<sub>t</sub>", role="the candidate n_t"),
        Edge(("mul_n", "add_h"), label="(1 − z<sub>t</sub>)·n<sub>t</sub>", role="(1 - z_t) * n_t"),
    ]
    out_nodes, out_edges = _output(5.1, 1.35, 2.6, "h")
    return CellLayout("gru", tuple(nodes), tuple(edges), (0.4, -0.6, 4.4, bus_y + 0.45), out_nodes, out_edges)


def rnn_layout() -> CellLayout:
    """h_t leaves the block to the right (towards t+1) and the output layer sits above it: a wide, low picture
    like the gated cells', so it fills the same wide view."""
    bus_y, block_y, h_x = 4.55, 3.6, 2.75
    nodes = [
        Node("h_prev", "strip", 0.0, bus_y, key="h_prev"),
        Node("join_x", "junction", 0.6, bus_y),
        Node("x", "strip", 0.6, bus_y + X_BELOW_BUS, key="x", label="below"),
        Node("bus_h", "junction", 1.5, bus_y),
        Node("block_h", "block", 1.5, block_y, key="h"),
        Node("h", "strip", h_x, block_y, key="h"),
    ]
    edges = (
        Edge(("h_prev", "join_x"), arrow=False, role="the previous hidden state h_{t-1}"),
        Edge(("x", "join_x"), arrow=False, role="the input x_t"),
        Edge(
            ("join_x", "bus_h"),
            arrow=False,
            label="[h<sub>t−1</sub>, x<sub>t</sub>]",
            side="below",
            role="the concatenated inputs [h_{t-1}, x_t]",
        ),
        Edge(
            ("bus_h", "block_h"),
            label="W<sub>ih</sub>x<sub>t</sub> + W<sub>hh</sub>h<sub>t−1</sub> + b",
            side="right",
            role="the pre-activation",
        ),
        Edge(("block_h", "h"), role="the new hidden state h_t"),
        Edge(("h", (h_x + 0.8, block_y)), label="t+1", side="above", role="h_t carried to the next step"),
    )
    out_nodes, out_edges = _output(h_x, block_y - 1.05, block_y - 2.0, "h")
    return CellLayout("rnn", tuple(nodes), edges, (0.45, block_y - 0.6, 2.25, bus_y + 0.45), out_nodes, out_edges)


LAYOUTS: dict[str, Callable[[], CellLayout]] = {"lstm": lstm_layout, "gru": gru_layout, "rnn": rnn_layout}
"""Cell kind -> its layout; a cell kind added at run time adds its own entry beside its spec and kernel."""


def layout_for(kind: str) -> CellLayout:
    """The diagram layout of a cell kind (a clear error for a kind that has none)."""
    try:
        return LAYOUTS[kind]()
    except KeyError:
        raise ValueError(f"the {kind!r} cell has no diagram layout") from None
