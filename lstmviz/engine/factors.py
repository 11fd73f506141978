"""The recursion-free backward factors of each built-in cell kind, for all steps at once.

BPTT (:mod:`.bptt`) and the Jacobian curve (:mod:`.jacobian`) share one backward recursion; what differs between
cell kinds is only how a layer's forward trace turns into the per-step factors that recursion multiplies by. Each
function here is one cell kind's part of its step kernel (:data:`lstmviz.engine.kernels.STEP_KERNELS`).

The factors are written with ``out=`` into few arrays: at T = 100,000 every fresh temporary costs page faults that
(on the benchmark machine) outweighed the arithmetic.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np

if TYPE_CHECKING:
    from .network import Network
    from .trace import Trace


@dataclass
class LayerFactors:
    """A layer's recursion-free factors for all steps, and how its pre-activation gradients map to parameters.

    A cell with a cell state (``spec.has_cell_state``) is read the LSTM's way: every gate block but the last is
    driven by dC_t, the last by dh_t. A cell without one is read the GRU's way: every block is driven by dh_t.
    """

    gates_in: np.ndarray
    """(T, G, H): dG_in[t] = dh_t or dC_t times this (LSTM: first 3 rows by dC, last by dh)."""
    gates_rec: np.ndarray | None
    """(T, G, H) when the hidden-side gradient differs from the input side (the GRU's n block, times r_t); None
    otherwise."""
    carry: np.ndarray | None
    """(T, H): LSTM f_t (dC_{t-1} += dC_t f_t) or GRU z_t (dh_{t-1} += dh_t z_t); None for the RNN."""
    cell_gain: np.ndarray | None
    """(T, H): LSTM o_t (1 - tanh^2 C_t), so dC_t += dh_t * cell_gain_t."""


def slope(value: np.ndarray, out: np.ndarray, kind: str) -> np.ndarray:
    """Derivative of a nonlinearity from its output, into ``out``: sigmoid s (1 - s), tanh 1 - t^2."""
    if kind == "sigmoid":
        np.subtract(1.0, value, out=out)
        np.multiply(out, value, out=out)
        return out
    np.multiply(value, value, out=out)
    np.subtract(1.0, out, out=out)
    return out


def times_previous(out: np.ndarray, current: np.ndarray, initial: np.ndarray) -> None:
    """out[t] *= state_{t-1}, with state_{-1} = initial, without building the shifted (T, H) copy."""
    out[1:] *= current[:-1]
    out[0] *= initial


def lstm_factors(network: Network, trace: Trace, k: int) -> LayerFactors:
    """A_i = g i (1 - i), A_f = C_{t-1} f (1 - f), A_g = i (1 - g^2), A_o = tanh(C) o (1 - o), K = o (1 - tanh^2 C)."""
    get = trace.get_quantity
    steps, hidden, dtype = trace.steps, network.hidden_size, network.dtype
    i, f, g, o, c = (get(q, k) for q in "ifgoc")
    gates = np.empty((steps, 4, hidden), dtype=dtype)
    a_i, a_f, a_g, a_o = (gates[:, j] for j in range(4))
    slope(i, a_i, "sigmoid")
    a_i *= g
    slope(f, a_f, "sigmoid")
    times_previous(a_f, c, trace.c0[k])
    slope(g, a_g, "tanh")
    a_g *= i
    tanh_c = np.tanh(c)
    slope(o, a_o, "sigmoid")
    a_o *= tanh_c
    gain = slope(tanh_c, tanh_c, "tanh")
    gain *= o
    return LayerFactors(gates, None, f, gain)


def gru_factors(network: Network, trace: Trace, k: int) -> LayerFactors:
    """A_n = (1 - z)(1 - n^2), A_r = A_n h_n r (1 - r) with h_n = W_hn h_{t-1} + b_hn, A_z = (h_{t-1} - n) z (1 - z);
    the hidden side's n block is A_n r."""
    get = trace.get_quantity
    steps, hidden, dtype = trace.steps, network.hidden_size, network.dtype
    r, z, n, h = (get(q, k) for q in "rznh")
    _, w_hh, _, b_hh = network.layer_parameters(k)
    gates_in = np.empty((steps, 3, hidden), dtype=dtype)
    a_r, a_z, a_n = (gates_in[:, j] for j in range(3))
    w_hn_t = w_hh[2 * hidden :].T
    h_n = np.empty((steps, hidden), dtype=dtype)
    np.matmul(h[:-1], w_hn_t, out=h_n[1:])
    h_n[0] = trace.h0[k] @ w_hn_t
    if b_hh is not None:
        h_n += b_hh[2 * hidden :]
    np.subtract(1.0, z, out=a_n)
    a_n *= slope(n, a_r, "tanh")  # a_r is scratch here
    np.multiply(a_n, h_n, out=a_r)
    a_r *= slope(r, h_n, "sigmoid")
    np.negative(n, out=a_z)
    a_z[1:] += h[:-1]
    a_z[0] += trace.h0[k]
    a_z *= slope(z, h_n, "sigmoid")
    gates_rec = gates_in.copy()
    gates_rec[:, 2] *= r
    return LayerFactors(gates_in, gates_rec, z, None)


def rnn_factors(network: Network, trace: Trace, k: int) -> LayerFactors:
    """act'(a_t) from h_t = act(a_t): the one block of a vanilla RNN."""
    h = trace.get_quantity("h", k)
    out = np.empty((trace.steps, 1, network.hidden_size), dtype=network.dtype)
    if network.nonlinearity == "relu":
        np.greater(h, 0.0, out=out[:, 0])
    else:
        slope(h, out[:, 0], network.nonlinearity)
    return LayerFactors(out, None, None, None)
