"""Step kernels: pure functions that run one layer of one cell kind over a whole sequence.

Each kernel takes the layer's input (T, D), its parameters in PyTorch's layout and the initial state, and returns
the per-step arrays named by the cell's spec. Nothing is cached anywhere: the same inputs give the same outputs.
The input projection W_ih x_t + b_ih for all steps is one matrix product; per step only the recurrent product and
elementwise work remain.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np


def sigmoid(x: np.ndarray) -> np.ndarray:
    """sigma(x) = 1 / (1 + exp(-x)), computed without overflow warnings for large |x|."""
    with np.errstate(over="ignore"):
        return 1.0 / (1.0 + np.exp(-x))


def relu(x: np.ndarray) -> np.ndarray:
    return np.maximum(x, 0.0)


ACTIVATIONS: dict[str, Callable[[np.ndarray], np.ndarray]] = {"tanh": np.tanh, "relu": relu, "sigmoid": sigmoid}


def _input_projection(x: np.ndarray, weight_ih: np.ndarray, bias_ih: np.ndarray | None) -> np.ndarray:
    """W_ih x_t + b_ih for every t at once: (T, D) @ (D, G*H) -> (T, G*H)."""
    projected = x @ weight_ih.T
    if bias_ih is not None:
        projected += bias_ih
    return projected


def run_lstm_layer(
    x: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None,
    bias_hh: np.ndarray | None,
    h0: np.ndarray,
    c0: np.ndarray,
) -> dict[str, np.ndarray]:
    """LSTM over a sequence.

    i_t = sigma(W_ii x_t + b_ii + W_hi h_{t-1} + b_hi), f_t = sigma(...), g_t = tanh(...), o_t = sigma(...),
    C_t = f_t * C_{t-1} + i_t * g_t, h_t = o_t * tanh(C_t).
    """
    steps, hidden = x.shape[0], h0.shape[0]
    projected = _input_projection(x, weight_ih, bias_ih)
    if bias_hh is not None:
        projected += bias_hh
    gates = np.empty((steps, 4 * hidden), dtype=x.dtype)
    c = np.empty((steps, hidden), dtype=x.dtype)
    h = np.empty((steps, hidden), dtype=x.dtype)
    h_prev, c_prev = h0, c0
    recurrent_t = np.ascontiguousarray(weight_hh.T)
    for t in range(steps):
        pre = projected[t] + h_prev @ recurrent_t
        i = sigmoid(pre[:hidden])
        f = sigmoid(pre[hidden : 2 * hidden])
        g = np.tanh(pre[2 * hidden : 3 * hidden])
        o = sigmoid(pre[3 * hidden :])
        c[t] = f * c_prev + i * g
        h[t] = o * np.tanh(c[t])
        gates[t] = np.concatenate([i, f, g, o])
        h_prev, c_prev = h[t], c[t]
    out = {key: gates[:, k * hidden : (k + 1) * hidden] for k, key in enumerate("ifgo")}
    out["c"] = c
    out["h"] = h
    return out


def run_gru_layer(
    x: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None,
    bias_hh: np.ndarray | None,
    h0: np.ndarray,
) -> dict[str, np.ndarray]:
    """GRU over a sequence, PyTorch's form with b_hn inside the reset product.

    r_t = sigma(W_ir x + b_ir + W_hr h + b_hr), z_t = sigma(W_iz x + b_iz + W_hz h + b_hz),
    n_t = tanh(W_in x + b_in + r_t * (W_hn h + b_hn)), h_t = (1 - z_t) * n_t + z_t * h_{t-1}.
    """
    steps, hidden = x.shape[0], h0.shape[0]
    projected = _input_projection(x, weight_ih, bias_ih)
    gates = np.empty((steps, 3 * hidden), dtype=x.dtype)
    h = np.empty((steps, hidden), dtype=x.dtype)
    h_prev = h0
    recurrent_t = np.ascontiguousarray(weight_hh.T)
    for t in range(steps):
        rec = h_prev @ recurrent_t
        if bias_hh is not None:
            rec = rec + bias_hh
        r = sigmoid(projected[t, :hidden] + rec[:hidden])
        z = sigmoid(projected[t, hidden : 2 * hidden] + rec[hidden : 2 * hidden])
        n = np.tanh(projected[t, 2 * hidden :] + r * rec[2 * hidden :])
        h[t] = (1.0 - z) * n + z * h_prev
        gates[t] = np.concatenate([r, z, n])
        h_prev = h[t]
    out = {key: gates[:, k * hidden : (k + 1) * hidden] for k, key in enumerate("rzn")}
    out["h"] = h
    return out


def run_rnn_layer(
    x: np.ndarray,
    weight_ih: np.ndarray,
    weight_hh: np.ndarray,
    bias_ih: np.ndarray | None,
    bias_hh: np.ndarray | None,
    h0: np.ndarray,
    nonlinearity: str = "tanh",
) -> dict[str, np.ndarray]:
    """Vanilla RNN: h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act in tanh, relu, sigmoid."""
    act = ACTIVATIONS[nonlinearity]
    steps, hidden = x.shape[0], h0.shape[0]
    projected = _input_projection(x, weight_ih, bias_ih)
    if bias_hh is not None:
        projected += bias_hh
    h = np.empty((steps, hidden), dtype=x.dtype)
    h_prev = h0
    recurrent_t = np.ascontiguousarray(weight_hh.T)
    for t in range(steps):
        h[t] = act(projected[t] + h_prev @ recurrent_t)
        h_prev = h[t]
    return {"h": h}


def apply_output(h: np.ndarray, weight: np.ndarray, bias: np.ndarray | None, activation: str) -> np.ndarray:
    """O_t = g(W_o h_t + b_o) for all t, g in identity, sigmoid, tanh, softmax (over the output units)."""
    y = h @ weight.T
    if bias is not None:
        y = y + bias
    if activation == "identity":
        return y
    if activation == "sigmoid":
        return sigmoid(y)
    if activation == "tanh":
        return np.tanh(y)
    if activation == "softmax":
        shifted = y - y.max(axis=1, keepdims=True)
        e = np.exp(shifted)
        return e / e.sum(axis=1, keepdims=True)
    raise ValueError(f"unknown output activation {activation!r}")
