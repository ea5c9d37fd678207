"""A whole multi-layer (bidirectional) LSTM, GRU or Elman RNN as one autograd Function.

One graph node for the whole stack, with backpropagation through time in its
backward: a 100-step two-layer LSTM is one node, not thousands.

Sequences travel in the packed layout of ``nn.utils.rnn.PackedSequence``: ``x`` is
``(N, input_size)``, the ``batch_sizes[t]`` rows of step ``t`` after those of the steps
before, the batch sorted by decreasing length, so that step ``t`` updates the first
``batch_sizes[t]`` rows of the state only. A padded ``(T, B, *)`` input is the same
layout with every batch size ``B``.

Per layer and direction (``G`` the gate pre-activations, ``H`` the hidden size):

    G  (N, gates) = X (N, in) @ W_ih^T + b_ih [+ b_hh]      one product, all steps
    G[step] += h_prev @ W_hh^T                               one product per step
    h, c = cell(G[step], c_prev)                             one kernel (pyx/rnn.pyx)

and in backward, once the per-step kernels and ``dh_prev = dG[step] @ W_hh`` have
filled ``dG`` for every step:

    gW_ih = dG^T @ X,  gW_hh = dG^T @ H_prev,  gX = dG @ W_ih   one product each

(``dG`` of the hidden side for GRU, whose ``b_hn`` sits inside ``r * (...)``.)

A backward with ``create_graph=True`` (second derivatives: gradient penalties, Hessian
products through an RNN) instead differentiates ``_stack_composite``, the same
recurrence written step by step in differentiable Tensor ops, as torch's CPU RNNs are
built; only that recorded backward pays for the many small ops.
"""
import numpy as np

from ..._kernels import gemm as _gemm
from ..._kernels import rnn as _kernel
from ..._threads import kernel_threads
from ..function import Function
from ..recorded_formulas import grad_graph_via
from .elementwise import _const
from .shape import Cat, Stack

__all__ = ["RNNStack", "LSTMStack", "GRUStack", "RNNTanhStack", "RNNReluStack",
           "gate_count"]

_GATES = {"LSTM": 4, "GRU": 3, "RNN_TANH": 1, "RNN_RELU": 1}


def gate_count(mode):
    """How many ``hidden_size`` blocks a layer's ``weight_ih`` has for ``mode``."""
    return _GATES[mode]


def _mm(a, b, out, trans_a=False, trans_b=False, beta=0.0):
    """``out = op(a) @ op(b) + beta * out`` on the BLAS kernel (all C-contiguous)."""
    _gemm.gemm(a, b, out, trans_a, trans_b, 1.0, beta, kernel_threads())
    return out


# OpenBLAS multiplies a row-major (few rows) x (many columns) product slowly: with 16 rows
# (the batch) h @ W_hh^T ran 3x slower than W_hh @ h^T, which puts the batch on BLAS's
# short side; the two orders meet at about 64 rows (256 x 1024 and 512 x 2048 weights).
_TRANSPOSED_BELOW = 48


def _add_recurrent(h, w, out, scratch):
    """``out += h @ w^T`` for one step; ``scratch`` is a flat buffer of at least
    ``w.shape[0] * len(h)`` elements."""
    n = h.shape[0]
    if n < _TRANSPOSED_BELOW:
        product = scratch[:w.shape[0] * n].reshape(w.shape[0], n)
        _mm(w, h, product, trans_b=True)
        np.add(out, product.T, out=out)
    else:
        _mm(h, w, out, trans_b=True, beta=1.0)


def _steps(batch_sizes, reverse):
    """``(t, first row, rows)`` of each step in the order a direction visits them."""
    offsets = np.concatenate(([0], np.cumsum(batch_sizes)))
    order = range(len(batch_sizes) - 1, -1, -1) if reverse else range(len(batch_sizes))
    return [(t, int(offsets[t]), int(batch_sizes[t])) for t in order]


class _Layout:
    """Where a layer-direction's weights sit in the flat weight list (torch's order:
    w_ih, w_hh, [b_ih, b_hh], [w_hr])."""

    def __init__(self, has_bias, proj_size):
        self.per = 2 + 2 * has_bias + (proj_size > 0)
        self.has_bias, self.proj = has_bias, proj_size > 0

    def unpack(self, weights, k):
        w = weights[k * self.per:(k + 1) * self.per]
        b_ih, b_hh = (w[2], w[3]) if self.has_bias else (None, None)
        return w[0], w[1], b_ih, b_hh, (w[-1] if self.proj else None)

    def index(self, k, which):
        slot = {"w_ih": 0, "w_hh": 1, "b_ih": 2, "b_hh": 3}.get(which)
        return k * self.per + (self.per - 1 if which == "w_hr" else slot)


def _contiguous(a, dtype):
    return None if a is None else np.ascontiguousarray(a, dtype=dtype)


class RNNStack(Function):
    """``forward(x, h0, c0, *weights, mode, num_layers, bidirectional, batch_sizes,
    has_bias, proj_size, dropout_masks)`` -> ``(y, h_n)``, or ``(y, h_n, c_n)`` for LSTM.

    ``x`` (N, input_size) packed; ``h0`` (layers * directions, B, H_out) or None
    (zeros); ``c0`` likewise (LSTM) or None; ``weights`` in torch's flat order;
    ``batch_sizes`` a non-increasing int64 array; ``dropout_masks`` one (N, D * H_out)
    array per layer but the last (training dropout between layers), or None.
    """
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, h0, c0, *weights, mode, num_layers, bidirectional, batch_sizes,
                has_bias, proj_size, dropout_masks=None):
        dtype = x.dtype
        D = 2 if bidirectional else 1
        lay = _Layout(has_bias, proj_size)
        G_n = gate_count(mode)
        H = weights[1].shape[0] // G_n if proj_size == 0 else weights[lay.per - 1].shape[1]
        H_out = proj_size or H
        B = int(batch_sizes[0]) if len(batch_sizes) else 0
        N = x.shape[0]
        weights = [_contiguous(w, dtype) for w in weights]
        threads = kernel_threads()
        recording = bool(ctx.needs_input_grad) and any(ctx.needs_input_grad)

        h_n = np.empty((num_layers * D, B, H_out), dtype)
        c_n = np.empty((num_layers * D, B, H), dtype) if mode == "LSTM" else None
        X = np.ascontiguousarray(x)
        saved = []     # per layer: (X, [per direction: dict of buffers])
        for layer in range(num_layers):
            outs, records = [], []
            for d in range(D):
                k = layer * D + d
                w_ih, w_hh, b_ih, b_hh, w_hr = lay.unpack(weights, k)
                G = np.empty((N, G_n * H), dtype)
                if has_bias:
                    G[...] = b_ih if mode == "GRU" else b_ih + b_hh
                _mm(X, w_ih, G, trans_b=True, beta=1.0 if has_bias else 0.0)
                h = (np.zeros((B, H_out), dtype) if h0 is None
                     else np.array(h0[k], dtype=dtype, order="C"))
                Y = np.empty((N, H_out), dtype)
                Hprev = np.empty((N, H_out), dtype)
                rec = {"G": G, "Y": Y, "Hprev": Hprev}
                if mode == "LSTM":
                    c = (np.zeros((B, H), dtype) if c0 is None
                         else np.array(c0[k], dtype=dtype, order="C"))
                    rec["C"] = C = np.empty((N, H), dtype)
                    rec["Cprev"] = Cprev = np.empty((N, H), dtype)
                    if proj_size:
                        rec["R"] = R = np.empty((N, H), dtype)
                elif mode == "GRU":
                    rec["GH"] = GH = np.empty((N, 3 * H), dtype)
                scratch = np.empty(G_n * H * B, dtype)
                for _, o, n in _steps(batch_sizes, reverse=d == 1):
                    rows = slice(o, o + n)
                    Hprev[rows] = h[:n]
                    if mode == "LSTM":
                        _add_recurrent(h[:n], w_hh, G[rows], scratch)
                        Cprev[rows] = c[:n]
                        h_raw = R[rows] if proj_size else Y[rows]
                        _kernel.lstm_cell_forward(G[rows], Cprev[rows], C[rows], h_raw, threads)
                        c[:n] = C[rows]
                        if proj_size:
                            _mm(h_raw, w_hr, Y[rows], trans_b=True)
                    elif mode == "GRU":
                        GH[rows] = b_hh if has_bias else 0
                        _add_recurrent(h[:n], w_hh, GH[rows], scratch)
                        _kernel.gru_cell_forward(G[rows], GH[rows], Hprev[rows], Y[rows], threads)
                    else:
                        _add_recurrent(h[:n], w_hh, G[rows], scratch)
                        _kernel.rnn_cell_forward(G[rows], mode == "RNN_RELU", threads)
                        Y[rows] = G[rows]
                    h[:n] = Y[rows]
                h_n[k] = h
                if mode == "LSTM":
                    c_n[k] = c
                outs.append(Y)
                records.append(rec)
            saved.append((X, records))
            out = outs[0] if D == 1 else np.concatenate(outs, axis=1)
            if dropout_masks is not None and layer < num_layers - 1:
                out = out * dropout_masks[layer]
            X = out

        if recording:
            # weights and x first and as given: in-place checks match them by identity
            # (the rest too, so that backward frees it)
            ctx.save_for_backward(*weights, saved[0][0], tuple(saved), dropout_masks)
            ctx.setup = (mode, num_layers, D, lay, H, H_out, B, np.asarray(batch_sizes),
                         dtype, len(weights))
        return (X, h_n, c_n) if mode == "LSTM" else (X, h_n)

    @staticmethod
    def backward(ctx, gy, ghn, gcn=None):
        mode, num_layers, D, lay, H, H_out, B, batch_sizes, dtype, n_weights = ctx.setup
        saved = ctx.saved_tensors
        weights, layers, dropout_masks = saved[:n_weights], saved[n_weights + 1], saved[-1]
        needs = ctx.needs_input_grad
        need_x, need_h0, need_c0, need_w = needs[0], needs[1], needs[2], needs[3:]
        threads = kernel_threads()
        g_weights = [None] * n_weights
        g_h0 = np.empty((num_layers * D, B, H_out), dtype) if need_h0 else None
        g_c0 = np.empty((num_layers * D, B, H), dtype) if need_c0 else None
        ghn = np.asarray(ghn, dtype)
        gcn = None if gcn is None else np.asarray(gcn, dtype)

        g_out = np.asarray(gy, dtype)
        for layer in range(num_layers - 1, -1, -1):
            X, records = layers[layer]
            if dropout_masks is not None and layer < num_layers - 1:
                g_out = g_out * dropout_masks[layer]
            # the input's gradient is needed below layer 0 always, at layer 0 if asked
            want_gx = layer > 0 or need_x
            gX = np.zeros(X.shape, dtype) if want_gx else None
            for d in range(D):
                k = layer * D + d
                rec = records[d]
                w_ih, w_hh, _, _, w_hr = lay.unpack(weights, k)
                gY = np.ascontiguousarray(g_out[:, d * H_out:(d + 1) * H_out])
                dG, dGH, gR_h = _through_time(mode, rec, gY, ghn[k], gcn, k, w_hh, w_hr,
                                              batch_sizes, d == 1, B, H, H_out, g_h0, g_c0,
                                              threads, dtype)
                dG_h = dGH if mode == "GRU" else dG
                i = lay.index(k, "w_ih")
                if need_w[i]:
                    g_weights[i] = _mm(dG, X, np.empty(w_ih.shape, dtype), trans_a=True)
                i = lay.index(k, "w_hh")
                if need_w[i]:
                    g_weights[i] = _mm(dG_h, rec["Hprev"], np.empty(w_hh.shape, dtype),
                                       trans_a=True)
                if lay.has_bias:
                    i = lay.index(k, "b_ih")
                    if need_w[i]:
                        g_weights[i] = dG.sum(axis=0)
                    i = lay.index(k, "b_hh")
                    if need_w[i]:
                        g_weights[i] = dG_h.sum(axis=0)
                if lay.proj:
                    i = lay.index(k, "w_hr")
                    if need_w[i]:
                        g_weights[i] = _mm(gR_h, rec["R"], np.empty(w_hr.shape, dtype),
                                           trans_a=True)
                if want_gx:
                    _mm(dG, w_ih, gX, beta=1.0)
            g_out = gX
        gx = g_out if need_x else None
        return (gx, g_h0, g_c0, *g_weights)


def _through_time(mode, rec, gY, ghn_k, gcn, k, w_hh, w_hr, batch_sizes, reverse, B, H,
                  H_out, g_h0, g_c0, threads, dtype):
    """Backpropagation through time of one layer-direction: the gradient of every step's
    gate pre-activations (input side ``dG``; GRU's hidden side ``dGH``), of every step's
    projected output (``gR_h``, for ``W_hr``), and of its initial state into
    ``g_h0[k]`` / ``g_c0[k]``."""
    N = gY.shape[0]
    G, Hprev = rec["G"], rec["Hprev"]
    dG = np.empty(G.shape, dtype)
    dGH = np.empty(G.shape, dtype) if mode == "GRU" else None
    gR_h = np.empty((N, H_out), dtype) if "R" in rec else None
    dh = np.array(ghn_k, dtype=dtype, order="C")           # (B, H_out) dL/d(state)
    if mode == "LSTM":
        dc = (np.zeros((B, H), dtype) if gcn is None
              else np.array(gcn[k], dtype=dtype, order="C"))
        gr = np.empty((B, H), dtype) if gR_h is not None else None
    gh = np.empty((B, H_out), dtype)
    # backward visits the steps in the opposite order to forward
    for _, o, n in _steps(batch_sizes, reverse=not reverse):
        rows = slice(o, o + n)
        np.add(gY[rows], dh[:n], out=gh[:n])
        if mode == "LSTM":
            if gR_h is not None:
                gR_h[rows] = gh[:n]
                g_cell = _mm(gh[:n], w_hr, gr[:n])
            else:
                g_cell = gh[:n]
            _kernel.lstm_cell_backward(G[rows], rec["Cprev"][rows], rec["C"][rows], g_cell,
                                       dc[:n], dG[rows], threads)
            _mm(dG[rows], w_hh, dh[:n])
        elif mode == "GRU":
            _kernel.gru_cell_backward(G[rows], rec["GH"][rows], Hprev[rows], gh[:n],
                                      dG[rows], dGH[rows], dh[:n], threads)
            _mm(dGH[rows], w_hh, dh[:n], beta=1.0)
        else:
            _kernel.rnn_cell_backward(rec["Y"][rows], gh[:n], dG[rows], mode == "RNN_RELU",
                                      threads)
            _mm(dG[rows], w_hh, dh[:n])
    if g_h0 is not None:
        g_h0[k] = dh
    if g_c0 is not None:
        g_c0[k] = dc
    return dG, dGH, gR_h


class LSTMStack(RNNStack):
    grad_fn_name = "LSTMBackward0"


class GRUStack(RNNStack):
    grad_fn_name = "GRUBackward0"


class RNNTanhStack(RNNStack):
    grad_fn_name = "RNNTanhBackward0"


class RNNReluStack(RNNStack):
    grad_fn_name = "RNNReluBackward0"


def _stack_composite(ctx, x, h0, c0, *weights):
    """``RNNStack``'s forward (the arguments and keywords the node was given) in
    differentiable Tensor ops, one step at a time: the recorded backward's formula."""
    kw = ctx._kwargs
    mode, num_layers, batch_sizes = kw["mode"], kw["num_layers"], kw["batch_sizes"]
    masks = kw.get("dropout_masks")
    D = 2 if kw["bidirectional"] else 1
    lay = _Layout(kw["has_bias"], kw["proj_size"])
    weights = [w if w.dtype == x.dtype else w.to(x.dtype) for w in weights]
    H = weights[lay.per - 1].shape[1] if lay.proj else weights[1].shape[0] // gate_count(mode)
    H_out = kw["proj_size"] or H
    B = int(batch_sizes[0]) if len(batch_sizes) else 0
    zeros = x._wrap(np.zeros((B, H_out), x._data.dtype))
    X, h_n, c_n = x, [], []
    for layer in range(num_layers):
        outs = []
        for d in range(D):
            k = layer * D + d
            h = zeros if h0 is None else h0[k]
            c = None
            if mode == "LSTM":
                c = x._wrap(np.zeros((B, H), x._data.dtype)) if c0 is None else c0[k]
            Y, h, c = _direction(mode, X, h, c, lay.unpack(weights, k), batch_sizes, d == 1, H)
            outs.append(Y)
            h_n.append(h)
            c_n.append(c)
        X = outs[0] if D == 1 else Cat.apply(1, *outs)
        if masks is not None and layer < num_layers - 1:
            X = X * _const(masks[layer])
    if mode == "LSTM":
        return X, Stack.apply(0, *h_n), Stack.apply(0, *c_n)
    return X, Stack.apply(0, *h_n)


def _direction(mode, X, h, c, layer_weights, batch_sizes, reverse, H):
    """One layer-direction over the packed rows of ``X``: its output rows (in packed
    order) and final ``h`` (and ``c``); rows past a step's batch size keep their state."""
    w_ih, w_hh, b_ih, b_hh, w_hr = layer_weights
    G = X @ w_ih.t()
    if b_ih is not None:
        G = G + b_ih if mode == "GRU" else G + b_ih + b_hh
    rows = {}
    for _, o, n in _steps(batch_sizes, reverse):
        g, h_prev = G[o:o + n], h[:n]
        if mode == "LSTM":
            gates = g + h_prev @ w_hh.t()
            i, f = gates[:, :H].sigmoid(), gates[:, H:2 * H].sigmoid()
            cell, out = gates[:, 2 * H:3 * H].tanh(), gates[:, 3 * H:].sigmoid()
            c_new = f * c[:n] + i * cell
            h_new = out * c_new.tanh()
            if w_hr is not None:
                h_new = h_new @ w_hr.t()
            c = _keep_rest(c_new, c, n)
        elif mode == "GRU":
            gh = h_prev @ w_hh.t()
            if b_hh is not None:
                gh = gh + b_hh
            r = (g[:, :H] + gh[:, :H]).sigmoid()
            z = (g[:, H:2 * H] + gh[:, H:2 * H]).sigmoid()
            cand = (g[:, 2 * H:] + r * gh[:, 2 * H:]).tanh()
            h_new = (1 - z) * cand + z * h_prev
        else:
            pre = g + h_prev @ w_hh.t()
            h_new = pre.relu() if mode == "RNN_RELU" else pre.tanh()
        rows[o] = h_new
        h = _keep_rest(h_new, h, n)
    Y = Cat.apply(0, *(rows[o] for o in sorted(rows)))
    return Y, h, c


def _keep_rest(new, state, n):
    """``state`` with its first ``n`` rows replaced by ``new``."""
    return new if n == state.shape[0] else Cat.apply(0, new, state[n:])


RNNStack.grad_graph = staticmethod(grad_graph_via(_stack_composite))
