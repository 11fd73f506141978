"""Batched step kernels: one cell kind's forward recursion and backward recursion over (T, ., B) buffers.

The layer loop in :mod:`.batched` does everything that is the same for every cell (the input projection of all
steps, the weight gradients over all steps and rows, the chaining between layers); a :class:`CellKernel` holds
only what differs: the per-step update, the recursion-free backward factors and the backward per-step update.

All buffers are time-major and feature-major, (T, width, B): a step reads one contiguous (width, B) slab, every
gate block of it (rows j*H to (j+1)*H) is itself contiguous, and every per-step operation writes with ``out=`` into
preallocated memory. (Batch-major rows, (B, width), would make each gate block a strided slice, and NumPy's
elementwise loops over strided 2-D slices cost two to three times those over contiguous blocks: at H = 32 this was
most of a training step.) The recurrent products are W (G*H, H) @ h_{t-1} (H, B) forward and
W^T (H, G*H) @ dA_t (G*H, B) backward: one matrix product per step each way.

Rows are in the internal order of :mod:`.kernels` (LSTM o, i, f, g; GRU r, z, n; RNN h) with the sigmoid rows'
weights halved, so sigma(a) = 0.5 tanh(a / 2) + 0.5 costs one shared ``tanh`` over the whole gate block. The
backward pass works with gradients of the true (unhalved) pre-activations in the same internal order.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from .scratch import FRESH, Workspace, transient

HALF = 0.5


@dataclass(frozen=True)
class PreparedBatchLayer:
    """One layer's parameters in internal row order: halved for the forward pass, plain (and the recurrent ones
    transposed) for the backward pass."""

    cell: str
    hidden: int
    activation: str
    sigmoid_rows: int
    """Leading internal rows whose nonlinearity is the sigmoid (computed through the halved tanh)."""
    perm: np.ndarray
    """Internal row r is PyTorch row perm[r]."""
    w_ih_half: np.ndarray
    """(G*H, D): halved input weights (the input projection W x_t)."""
    w_hh_half: np.ndarray
    """(G*H, H): halved recurrent weights (the forward product W h_{t-1})."""
    bias_in: np.ndarray | None
    """(G*H, 1), added to the input projection: b_ih + b_hh (LSTM, RNN) or b_ih (GRU), halved where sigmoid."""
    bias_rec: np.ndarray | None
    """(G*H, 1), GRU only: b_hh, added to the recurrent product (b_hn sits inside the reset product)."""
    w_ih: np.ndarray
    """(G*H, D): unhalved input weights in internal row order (for dL/dx = W_ih^T dA)."""
    w_hh_t: np.ndarray
    """(H, G*H): unhalved recurrent weights in internal row order, transposed (for dL/dh_{t-1} = W_hh^T dA)."""


@dataclass
class LayerBuffers:
    """A layer's forward record, time-major and feature-major."""

    gates: np.ndarray
    """(T, G*H, B): the gate activations (RNN: h_t itself), internal order."""
    h: np.ndarray
    """(T + 1, H, B): h[0] = h0, h[t + 1] = h_t."""
    c: np.ndarray | None
    """(T + 1, H, B) for the LSTM: c[0] = c0, c[t + 1] = C_t."""
    aux: np.ndarray | None
    """LSTM: tanh(C_t) (T, H, B); GRU: the recurrent product W_hh h_{t-1} + b_hh (T, 3H, B); RNN: None."""


def _half(dtype: np.dtype) -> np.ndarray:
    return np.array(HALF, dtype=dtype)


class CellKernel:
    """The per-step parts of one cell kind; subclasses fill in forward and backward."""

    carries_cell: bool = False
    separate_rec: bool = False
    """True when the hidden-side pre-activation gradient differs from the input side (the GRU's n block)."""

    def allocate(
        self, steps: int, batch: int, hidden: int, blocks: int, dtype: np.dtype, space: Workspace = FRESH, tag: str = ""
    ) -> LayerBuffers:
        """The layer's record buffers, from ``space`` under roles prefixed with ``tag`` (one tag per layer)."""
        h = space.empty(tag + "h", (steps + 1, hidden, batch), dtype)
        return LayerBuffers(space.empty(tag + "gates", (steps, blocks * hidden, batch), dtype), h, None, None)

    def forward(self, layer: PreparedBatchLayer, buffers: LayerBuffers) -> None:
        """Run the recursion; ``buffers.gates`` holds the input projection on entry, h[0] (and c[0]) the initial
        states."""
        raise NotImplementedError

    def backward(
        self,
        layer: PreparedBatchLayer,
        buffers: LayerBuffers,
        external: np.ndarray | None,
        dh_last: np.ndarray,
        dc_last: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        """``(d_in, d_rec, dh0, dc0)``: the pre-activation gradients of the input side and of the hidden side
        (T, G*H, B; the same array unless ``separate_rec``), dL/dh0 and dL/dc0 (LSTM, else None) (H, B).

        ``external`` (T, H, B) is the direct dL/dh_t (None: zero); ``dh_last``/``dc_last`` (H, B) the gradient
        arriving at the final states. The gate buffers are read, never written. ``d_in``/``d_rec`` are transient
        buffers (:func:`.scratch.transient`): valid until the next backward call on this thread."""
        raise NotImplementedError


def external_rows(external: np.ndarray | None, steps: int) -> list[np.ndarray | None]:
    """The slabs of dL/dh_t from t = T-1 down to 0, None where a slab is all zero (a loss on the last step only
    leaves the rest zero), so the loop skips adding them."""
    if external is None:
        return [None] * steps
    nonzero = np.asarray(external.reshape(steps, -1).any(axis=1))
    return [row if keep else None for row, keep in zip(external[::-1], nonzero[::-1], strict=True)]


def _slope_sigmoid(s: np.ndarray, out: np.ndarray) -> np.ndarray:
    """s (1 - s) into out."""
    np.subtract(1.0, s, out=out)
    np.multiply(out, s, out=out)
    return out


def _slope_tanh(t: np.ndarray, out: np.ndarray) -> np.ndarray:
    """1 - t^2 into out."""
    np.multiply(t, t, out=out)
    np.subtract(1.0, out, out=out)
    return out


class LSTMKernel(CellKernel):
    """C_t = f_t C_{t-1} + i_t g_t, h_t = o_t tanh(C_t); internal gate order o, i, f, g."""

    carries_cell = True

    def allocate(
        self, steps: int, batch: int, hidden: int, blocks: int, dtype: np.dtype, space: Workspace = FRESH, tag: str = ""
    ) -> LayerBuffers:
        buffers = super().allocate(steps, batch, hidden, blocks, dtype, space, tag)
        buffers.c = space.empty(tag + "c", (steps + 1, hidden, batch), dtype)
        buffers.aux = space.empty(tag + "aux", (steps, hidden, batch), dtype)
        return buffers

    def forward(self, layer: PreparedBatchLayer, buffers: LayerBuffers) -> None:
        hid = layer.hidden
        gates, h, c, tanh_c = buffers.gates, buffers.h, buffers.c, buffers.aux
        assert c is not None and tanh_c is not None
        batch = gates.shape[2]
        half = _half(gates.dtype)
        rec = np.empty((4 * hid, batch), dtype=gates.dtype)
        tmp = np.empty((hid, batch), dtype=gates.dtype)
        matmul, add, multiply, tanh = np.matmul, np.add, np.multiply, np.tanh
        w_hh = layer.w_hh_half
        for a, sig, o, i, f, g, h_prev, h_t, c_prev, c_t, tc in zip(
            gates,
            gates[:, : 3 * hid],
            gates[:, :hid],
            gates[:, hid : 2 * hid],
            gates[:, 2 * hid : 3 * hid],
            gates[:, 3 * hid :],
            h[:-1],
            h[1:],
            c[:-1],
            c[1:],
            tanh_c,
            strict=True,
        ):
            matmul(w_hh, h_prev, out=rec)
            add(a, rec, out=a)
            tanh(a, out=a)
            multiply(sig, half, out=sig)
            add(sig, half, out=sig)
            multiply(f, c_prev, out=c_t)
            multiply(i, g, out=tmp)
            add(c_t, tmp, out=c_t)
            tanh(c_t, out=tc)
            multiply(o, tc, out=h_t)

    def backward(
        self,
        layer: PreparedBatchLayer,
        buffers: LayerBuffers,
        external: np.ndarray | None,
        dh_last: np.ndarray,
        dc_last: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        hid = layer.hidden
        gates, c, tanh_c = buffers.gates, buffers.c, buffers.aux
        assert c is not None and tanh_c is not None
        steps, _, batch = gates.shape
        dtype = gates.dtype
        o, i, f, g = (gates[:, k * hid : (k + 1) * hid] for k in range(4))
        # recursion-free factors, all steps at once; d_in is overwritten step by step with dA
        d_in = transient().empty("d_in", gates.shape, dtype)
        a_o, a_i, a_f, a_g = (d_in[:, k * hid : (k + 1) * hid] for k in range(4))
        _slope_sigmoid(gates[:, : 3 * hid], d_in[:, : 3 * hid])  # s (1 - s) for o, i, f: one contiguous run a step
        _slope_tanh(g, a_g)  # 1 - g^2
        a_o *= tanh_c  # A_o = tanh(C) o (1 - o)
        a_i *= g  # A_i = g i (1 - i)
        a_f *= c[:-1]  # A_f = C_{t-1} f (1 - f)
        a_g *= i  # A_g = i (1 - g^2)
        gain = _slope_tanh(tanh_c, transient().empty("gain", tanh_c.shape, dtype))
        gain *= o  # K = o (1 - tanh^2 C)
        rec = dh_last.copy()
        dc_next = np.zeros((hid, batch), dtype=dtype) if dc_last is None else dc_last.copy()
        dh = np.empty((hid, batch), dtype=dtype)
        dc = np.empty((hid, batch), dtype=dtype)
        add, multiply, matmul = np.add, np.multiply, np.matmul
        w_hh_t = layer.w_hh_t
        ext_rows = external_rows(external, steps)
        back = slice(None, None, -1)
        for da, da_o, da_ifg, k_t, f_t, ext in zip(
            d_in[back],
            a_o[back],
            d_in.reshape(steps, 4, hid, batch)[back, 1:],
            gain[back],
            f[back],
            ext_rows,
            strict=True,
        ):
            # dh_t is rec itself when nothing enters from outside: every use comes before rec is overwritten
            d = rec if ext is None else add(rec, ext, out=dh)
            multiply(d, k_t, out=dc)
            add(dc, dc_next, out=dc)  # dC_t = dC_{t+1} f_{t+1} + dh_t K_t
            multiply(da_o, d, out=da_o)
            multiply(da_ifg, dc, out=da_ifg)
            multiply(dc, f_t, out=dc_next)
            matmul(w_hh_t, da, out=rec)  # dh_{t-1} through the recurrence
        return d_in, d_in, rec, dc_next


class GRUKernel(CellKernel):
    """n_t = tanh(W_in x + b_in + r_t (W_hn h_{t-1} + b_hn)), h_t = n_t + z_t (h_{t-1} - n_t); order r, z, n."""

    separate_rec = True

    def allocate(
        self, steps: int, batch: int, hidden: int, blocks: int, dtype: np.dtype, space: Workspace = FRESH, tag: str = ""
    ) -> LayerBuffers:
        buffers = super().allocate(steps, batch, hidden, blocks, dtype, space, tag)
        buffers.aux = space.empty(tag + "aux", (steps, 3 * hidden, batch), dtype)
        return buffers

    def forward(self, layer: PreparedBatchLayer, buffers: LayerBuffers) -> None:
        hid = layer.hidden
        gates, h, recs = buffers.gates, buffers.h, buffers.aux
        assert recs is not None
        batch = gates.shape[2]
        half = _half(gates.dtype)
        tmp = np.empty((hid, batch), dtype=gates.dtype)
        matmul, add, subtract, multiply, tanh = np.matmul, np.add, np.subtract, np.multiply, np.tanh
        w_hh, bias_rec = layer.w_hh_half, layer.bias_rec
        if bias_rec is not None:  # as a contiguous (3H, B) block: a long inner loop instead of one of B per row
            bias_rec = np.ascontiguousarray(np.broadcast_to(bias_rec, (3 * hid, batch)))
        for rz, r, z, n, rec, rec_rz, rec_n, h_prev, h_t in zip(
            gates[:, : 2 * hid],
            gates[:, :hid],
            gates[:, hid : 2 * hid],
            gates[:, 2 * hid :],
            recs,
            recs[:, : 2 * hid],
            recs[:, 2 * hid :],
            h[:-1],
            h[1:],
            strict=True,
        ):
            matmul(w_hh, h_prev, out=rec)
            if bias_rec is not None:
                add(rec, bias_rec, out=rec)
            add(rz, rec_rz, out=rz)
            tanh(rz, out=rz)
            multiply(rz, half, out=rz)
            add(rz, half, out=rz)
            multiply(r, rec_n, out=tmp)
            add(n, tmp, out=n)
            tanh(n, out=n)
            subtract(h_prev, n, out=h_t)
            multiply(h_t, z, out=h_t)
            add(h_t, n, out=h_t)

    def backward(
        self,
        layer: PreparedBatchLayer,
        buffers: LayerBuffers,
        external: np.ndarray | None,
        dh_last: np.ndarray,
        dc_last: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        hid = layer.hidden
        gates, h, recs = buffers.gates, buffers.h, buffers.aux
        assert recs is not None
        steps, _, batch = gates.shape
        dtype = gates.dtype
        r, z, n = (gates[:, k * hid : (k + 1) * hid] for k in range(3))
        h_n = recs[:, 2 * hid :]  # W_hn h_{t-1} + b_hn
        d_in = transient().empty("d_in", gates.shape, dtype)
        a_r, a_z, a_n = (d_in[:, k * hid : (k + 1) * hid] for k in range(3))
        np.subtract(1.0, z, out=a_n)
        a_n *= _slope_tanh(n, a_r)  # A_n = (1 - z)(1 - n^2); a_r is scratch here
        np.multiply(a_n, h_n, out=a_r)
        a_r *= _slope_sigmoid(r, a_z)  # A_r = A_n h_n r (1 - r); a_z is scratch here
        np.subtract(h[:-1], n, out=a_z)
        a_z *= _slope_sigmoid(z, transient().empty("gain", z.shape, dtype))  # A_z = (h_{t-1} - n) z (1 - z)
        d_rec = transient().empty("d_rec", d_in.shape, dtype)
        d_rec[...] = d_in
        d_rec[:, 2 * hid :] *= r  # the hidden side of the n block is inside the reset product
        rec = dh_last.copy()
        dh = np.empty((hid, batch), dtype=dtype)
        tmp = np.empty((hid, batch), dtype=dtype)
        add, multiply, matmul = np.add, np.multiply, np.matmul
        w_hh_t = layer.w_hh_t
        ext_rows = external_rows(external, steps)
        back = slice(None, None, -1)
        for da, da_rec, da_rec_flat, z_t, ext in zip(
            d_in.reshape(steps, 3, hid, batch)[back],
            d_rec.reshape(steps, 3, hid, batch)[back],
            d_rec[back],
            z[back],
            ext_rows,
            strict=True,
        ):
            if ext is None:
                dh[...] = rec
            else:
                add(rec, ext, out=dh)
            multiply(da, dh, out=da)
            multiply(da_rec, dh, out=da_rec)
            matmul(w_hh_t, da_rec_flat, out=rec)
            multiply(dh, z_t, out=tmp)
            add(rec, tmp, out=rec)  # dh_{t-1} also gets dh_t z_t directly
        return d_in, d_rec, rec, None


class RNNKernel(CellKernel):
    """h_t = act(W_ih x_t + b_ih + W_hh h_{t-1} + b_hh), act in tanh, relu, sigmoid."""

    def forward(self, layer: PreparedBatchLayer, buffers: LayerBuffers) -> None:
        gates, h = buffers.gates, buffers.h
        batch = gates.shape[2]
        half, zero = _half(gates.dtype), np.array(0.0, dtype=gates.dtype)
        rec = np.empty((layer.hidden, batch), dtype=gates.dtype)
        matmul, add, multiply = np.matmul, np.add, np.multiply
        w_hh, activation = layer.w_hh_half, layer.activation
        for a, h_prev, h_t in zip(gates, h[:-1], h[1:], strict=True):
            matmul(w_hh, h_prev, out=rec)
            add(a, rec, out=a)
            if activation == "relu":
                np.maximum(a, zero, out=a)
            else:
                np.tanh(a, out=a)
                if activation == "sigmoid":
                    multiply(a, half, out=a)
                    add(a, half, out=a)
            h_t[...] = a

    def backward(
        self,
        layer: PreparedBatchLayer,
        buffers: LayerBuffers,
        external: np.ndarray | None,
        dh_last: np.ndarray,
        dc_last: np.ndarray | None,
    ) -> tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray | None]:
        gates = buffers.gates
        steps, hid, batch = gates.shape
        d_in = transient().empty("d_in", gates.shape, gates.dtype)
        if layer.activation == "relu":
            np.greater(gates, 0.0, out=d_in)
        elif layer.activation == "sigmoid":
            _slope_sigmoid(gates, d_in)
        else:
            _slope_tanh(gates, d_in)
        rec = dh_last.copy()
        dh = np.empty((hid, batch), dtype=gates.dtype)
        add, multiply, matmul = np.add, np.multiply, np.matmul
        w_hh_t = layer.w_hh_t
        ext_rows = external_rows(external, steps)
        for da, ext in zip(d_in[::-1], ext_rows, strict=True):
            if ext is None:
                multiply(da, rec, out=da)
            else:
                add(rec, ext, out=dh)
                multiply(da, dh, out=da)
            matmul(w_hh_t, da, out=rec)
        return d_in, d_in, rec, None
