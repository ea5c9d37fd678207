"""``embedding`` and ``embedding_bag`` as autograd Functions (dense gradients only).

    embedding:      y[i] = W[idx[i]]                       y (*, d), W (n_rows, d)
                    gW[r] = sum over i with idx[i] = r of gy[i]   (/ count(r) when
                            scale_grad_by_freq; row padding_idx gets none)
    embedding_bag:  y[b] = reduce over j in bag b of  psw[j] * W[idx[j]]
                    sum:  gW[idx[j]] += psw[j] * gy[b]       gpsw[j] = W[idx[j]] . gy[b]
                    mean: gW[idx[j]] += gy[b] / size(b)
                    max:  gW[argmax[b, c], c] += gy[b, c]

The indices reach these Functions already checked (``cynn/nn/functional/sparse.py``)
and as private int64 arrays, so they are keyword arguments: the only graph edges are
the differentiable inputs, as in PyTorch (``EmbeddingBackward0`` has one).
float32/float64 run on ``pyx/embedding.pyx``, whose scatter-adds give every weight
row to one thread (the same bits at any thread count); other dtypes use numpy.

Second derivatives (``create_graph=True``): embedding's weight gradient is its own op,
``EmbeddingDenseBackward``, linear in ``gy``; its adjoint is the lookup again, times
each entry's coefficient (0 for padding, 1 / count(row) with scale_grad_by_freq), so
every order is exact. (torch's own double backward leaves out the 1 / count factor;
cynn's is the derivative.) embedding_bag's gradients have no derivative in torch: they
come out of nodes that raise torch's errors.
"""
import numpy as np

from ..._kernels import embedding as _kernel
from ..._threads import kernel_threads
from ..function import Function
from ..recorded_formulas import (DelayedError, NotImplementedDerivative,
                                  grad_graph_raising)

__all__ = ["Embedding", "EmbeddingDenseBackward", "EmbeddingBag", "MODE_SUM", "MODE_MEAN",
           "MODE_MAX"]

MODE_SUM, MODE_MEAN, MODE_MAX = _kernel.MODE_SUM, _kernel.MODE_MEAN, _kernel.MODE_MAX

_NO_ROW = -1


def _has_kernel(dtype):
    return dtype == np.float32 or dtype == np.float64


def _scatter_rows(src, dst, n_rows, skip_row, scale_by_count, src_row, coef=None):
    """``out[dst[j]] += coef[j] * src[src_row[j]]`` into a new (n_rows, d) array, entries
    with ``dst[j] == skip_row`` left out; with ``scale_by_count`` each row's sum is
    divided by how many entries reached it."""
    dtype = src.dtype
    out = np.zeros((n_rows, src.shape[1]), dtype)
    if _has_kernel(dtype):
        row_start = np.empty(n_rows + 1, np.int64)
        order = np.empty(dst.shape[0], np.int64)
        _kernel.group_by_row(dst, skip_row, row_start, order)
        _kernel.scatter_add_rows(
            src, src_row, np.empty(0, dtype) if coef is None else coef,
            row_start, order, scale_by_count, out, kernel_threads())
        return out
    keep = dst != skip_row
    rows = src[src_row[keep]]
    if coef is not None:
        rows = rows * coef[keep, None]
    np.add.at(out, dst[keep], rows)
    if scale_by_count:
        counts = np.bincount(dst[keep], minlength=n_rows)
        out /= np.maximum(counts, 1)[:, None]
    return out


class Embedding(Function):
    """``F.embedding``'s lookup; ``indices`` int64 in ``[0, n_rows)``, ``padding_idx``
    a row number or -1."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, w, *, indices, padding_idx, scale_grad_by_freq):
        y = np.take(w, indices, axis=0)
        if ctx.needs_input_grad and ctx.needs_input_grad[0]:
            ctx.save_for_backward(indices)
            ctx.n_rows = w.shape[0]
            ctx.padding_idx = padding_idx
            ctx.scale_grad_by_freq = scale_grad_by_freq
        return y

    @staticmethod
    def backward(ctx, gy):
        (indices,) = ctx.saved_tensors
        d = gy.shape[-1]
        gy2 = np.ascontiguousarray(gy).reshape(-1, d)
        dst = indices.reshape(-1)
        return _scatter_rows(gy2, dst, ctx.n_rows, ctx.padding_idx, ctx.scale_grad_by_freq,
                             src_row=np.arange(dst.shape[0], dtype=np.int64))

    @staticmethod
    def grad_graph(ctx, inputs, gy):
        (indices,) = ctx.saved_tensors
        return EmbeddingDenseBackward.apply(gy, indices=indices, n_rows=ctx.n_rows,
                                            padding_idx=ctx.padding_idx,
                                            scale_grad_by_freq=ctx.scale_grad_by_freq)


class EmbeddingDenseBackward(Function):
    """Embedding's weight gradient as an op of ``gy`` (*, d) -> (n_rows, d):
    ``gW[r] = coef_r * sum over i with idx[i] = r of gy[i]``, ``coef`` 0 for the
    padding row and 1 / count(r) with ``scale_grad_by_freq``. Its adjoint is
    ``u -> u[idx] * coef[idx]``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, gy, *, indices, n_rows, padding_idx, scale_grad_by_freq):
        d = gy.shape[-1]
        dst = indices.reshape(-1)
        if ctx.needs_input_grad and ctx.needs_input_grad[0]:
            ctx.save_for_backward(indices)
            ctx.coef = _entry_coefficients(dst, n_rows, padding_idx, scale_grad_by_freq,
                                           gy.dtype)
        return _scatter_rows(np.ascontiguousarray(gy).reshape(-1, d), dst, n_rows,
                             padding_idx, scale_grad_by_freq,
                             src_row=np.arange(dst.shape[0], dtype=np.int64))

    @staticmethod
    def backward(ctx, u):
        (indices,) = ctx.saved_tensors
        rows = np.take(u, indices, axis=0)
        return rows if ctx.coef is None else rows * ctx.coef.reshape(indices.shape + (1,))

    @staticmethod
    def grad_graph(ctx, inputs, u):
        (indices,) = ctx.saved_tensors
        rows = Embedding.apply(u, indices=indices, padding_idx=_NO_ROW, scale_grad_by_freq=False)
        if ctx.coef is None:
            return rows
        return rows * u._wrap(ctx.coef.reshape(indices.shape + (1,)))


def _entry_coefficients(dst, n_rows, padding_idx, scale_grad_by_freq, dtype):
    """Per entry of ``dst``, the factor its row's gradient carries: 0 for the padding
    row, 1 / count(row) with ``scale_grad_by_freq``; None when every factor is 1."""
    padded = padding_idx != _NO_ROW and bool(np.any(dst == padding_idx))
    if not padded and not scale_grad_by_freq:
        return None
    coef = np.ones(dst.shape[0], dtype)
    if scale_grad_by_freq:
        counts = np.bincount(dst, minlength=n_rows)
        coef = (coef / counts[dst]).astype(dtype)
    if padded:
        coef[dst == padding_idx] = 0
    return coef


class EmbeddingBag(Function):
    """``F.embedding_bag``'s reduction; ``indices`` (n,) int64 rows, ``bag_start``
    (n_bags + 1,) non-decreasing bounds into them, ``psw`` the per-sample weights (sum
    mode) or None, ``padding_idx`` a row number or -1."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, w, psw, *, indices, bag_start, mode, padding_idx, scale_grad_by_freq):
        n_bags, d = bag_start.shape[0] - 1, w.shape[1]
        used = indices[:bag_start[-1]]
        if _has_kernel(w.dtype):
            w_c = np.ascontiguousarray(w)
            y = np.zeros((n_bags, d), w.dtype)
            argmax = np.empty((n_bags, d) if mode == MODE_MAX else (0, 0), np.int64)
            bag_size = np.empty(n_bags, np.int64)
            _kernel.bag_reduce(w_c, used, bag_start,
                               np.empty(0, w.dtype) if psw is None else _flat(psw),
                               padding_idx, mode, y, argmax, bag_size, kernel_threads())
        else:
            y, argmax, bag_size = _bag_reduce_numpy(w, None if psw is None else _flat(psw), used,
                                                    bag_start, mode, padding_idx)
        needs = ctx.needs_input_grad
        if needs and needs[0]:
            ctx.n_rows = w.shape[0]
            ctx.argmax = argmax
        if needs and (needs[0] or needs[1]):
            ctx.save_for_backward(used, w if needs[1] else None, psw if needs[0] else None)
            ctx.bag_start = bag_start
            ctx.n_entries = indices.shape[0]
            ctx.psw_shape = None if psw is None else psw.shape
            ctx.bag_size = bag_size
            ctx.mode = mode
            ctx.padding_idx = padding_idx
            ctx.scale_grad_by_freq = scale_grad_by_freq
        return y

    @staticmethod
    def backward(ctx, gy):
        used, w, psw = ctx.saved_tensors
        gy = np.ascontiguousarray(gy)
        bag_of = np.repeat(np.arange(ctx.bag_size.shape[0]), np.diff(ctx.bag_start))
        gw = gpsw = None
        if ctx.needs_input_grad[0]:
            gw = _bag_weight_grad(ctx, gy, used, psw, bag_of)
        if ctx.needs_input_grad[1]:
            gpsw = _per_sample_weights_grad(ctx, gy, used, w, bag_of).reshape(ctx.psw_shape)
        return gw, gpsw


class EmbeddingBagBackward(DelayedError):
    """torch's node for embedding_bag's weight gradient, whose derivative it lacks."""
    grad_fn_name = "EmbeddingBagBackwardBackward0"


EmbeddingBag.grad_graph = staticmethod(grad_graph_raising(
    (EmbeddingBagBackward, NotImplementedError,
     "the derivative for '_embedding_bag_backward' is not implemented."),
    (NotImplementedDerivative, RuntimeError,
     "derivative for aten::_embedding_bag_per_sample_weights_backward is not implemented")))


def _flat(psw):
    """The per-sample weights as the (n,) array the index list is (a 2-d input's are 2-d)."""
    return np.ascontiguousarray(psw).reshape(-1)


def _bag_weight_grad(ctx, gy, used, psw, bag_of):
    if ctx.mode == MODE_MAX:
        gw = np.zeros((ctx.n_rows, gy.shape[1]), gy.dtype)
        if _has_kernel(gy.dtype):
            _kernel.bag_max_backward(gy, ctx.argmax, gw, kernel_threads())
        else:
            bag, col = np.nonzero(ctx.argmax >= 0)
            np.add.at(gw, (ctx.argmax[bag, col], col), gy[bag, col])
        return gw
    coef = None if psw is None else _flat(psw)[:used.shape[0]]
    if ctx.mode == MODE_MEAN:
        # a bag of only padding has size 0 but passes nothing on: its entries are skipped
        coef = (1.0 / np.maximum(ctx.bag_size, 1)).astype(gy.dtype)[bag_of]
    if ctx.scale_grad_by_freq:
        counts = np.bincount(used[used != ctx.padding_idx], minlength=ctx.n_rows)
        coef = (np.ones(used.shape[0], gy.dtype) if coef is None else coef) / counts[used].clip(1)
        coef = coef.astype(gy.dtype)
    return _scatter_rows(gy, used, ctx.n_rows, ctx.padding_idx, False, src_row=bag_of,
                         coef=None if coef is None else np.ascontiguousarray(coef))


def _per_sample_weights_grad(ctx, gy, used, w, bag_of):
    """``gpsw[j] = W[idx[j]] . gy[bag(j)]``; 0 for padding and for entries in no bag
    (after the last offset when ``include_last_offset``)."""
    gpsw = np.zeros(ctx.n_entries, gy.dtype)
    keep = used != ctx.padding_idx
    rows = np.nonzero(keep)[0]
    gpsw[rows] = np.einsum("ij,ij->i", w[used[rows]], gy[bag_of[rows]])
    return gpsw


def _bag_reduce_numpy(w, psw, used, bag_start, mode, padding_idx):
    """The kernel's ``bag_reduce`` for dtypes it does not cover."""
    n_bags, d = bag_start.shape[0] - 1, w.shape[1]
    y = np.zeros((n_bags, d), w.dtype)
    argmax = np.full((n_bags, d) if mode == MODE_MAX else (0, 0), _NO_ROW, np.int64)
    bag_size = np.zeros(n_bags, np.int64)
    for b in range(n_bags):
        entries = np.arange(bag_start[b], bag_start[b + 1])
        entries = entries[used[entries] != padding_idx]
        bag_size[b] = entries.shape[0]
        if not entries.shape[0]:
            continue
        rows = w[used[entries]]
        if mode == MODE_MAX:
            first = np.argmax(rows, axis=0)
            argmax[b] = used[entries][first]
            y[b] = rows[first, np.arange(d)]
            continue
        if psw is not None:
            rows = rows * psw[entries, None]
        y[b] = rows.sum(axis=0)
        if mode == MODE_MEAN:
            y[b] /= entries.shape[0]
    return y, argmax, bag_size
