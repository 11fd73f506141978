"""How the app names one weight, in the undo history and in the weights panel alike: ``weight_hh_l0[f: 3, 5]``.

PyTorch stacks the gates' rows (an LSTM's ``weight_hh_l0`` is 4H x H, rows i, f, g, o); a person thinks of "row 3
of the forget gate's block", so the name gives the gate and the row inside its block.
"""

from __future__ import annotations

from ..engine.network import OUTPUT_BIAS, OUTPUT_WEIGHT, Network


def element_text(name: str, gate: str, row: int, col: int | None) -> str:
    """``weight_hh_l0[f: 3, 5]``, ``bias_ih_l0[f: 3]``, ``fc.weight[2, 5]`` (no gate for the output layer)."""
    where = str(row) if col is None else f"{row}, {col}"
    return f"{name}[{gate + ': ' if gate else ''}{where}]"


def block_symbols(network: Network) -> tuple[str, ...]:
    """The gate symbol of each row block of a recurrent parameter; a vanilla RNN's one block is its state."""
    spec = network.spec
    return tuple(g.key for g in spec.gates) if spec.gates else (spec.states[-1].key,)


def element_label(network: Network, name: str, index: tuple[int, ...]) -> str:
    """The name of element ``index`` of parameter ``name`` of ``network`` (see :func:`element_text`)."""
    col = index[1] if len(index) > 1 else None
    if name in (OUTPUT_WEIGHT, OUTPUT_BIAS) or not index:
        return element_text(name, "", index[0] if index else 0, col)
    hidden = network.hidden_size
    symbols = block_symbols(network)
    block = min(index[0] // hidden, len(symbols) - 1)
    return element_text(name, symbols[block], index[0] - block * hidden, col)
