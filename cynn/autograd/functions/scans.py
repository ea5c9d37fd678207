"""Reductions that pick values (amax/amin, median/kthvalue/mode by index) and scans
along a dimension (cumprod, cummax/cummin, logcumsumexp).

Gradients follow torch: amax/amin and the all-element median share the gradient
evenly among the elements equal to the result; reductions that return indices send
it to the indexed element; cumprod's gradient is exact where the input has zeros.
"""
import numpy as np

from ..function import Function


class AmaxAmin(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dims, keepdim, largest):
        out = (np.amax if largest else np.amin)(x, axis=dims, keepdims=True)
        ctx.save_for_backward(x, out)
        ctx.meta = (dims, keepdim)
        return out if keepdim else np.squeeze(out, axis=dims)

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dims, keepdim = ctx.meta
        g = g if keepdim else np.expand_dims(g, dims)
        hits = (x == out) | (np.isnan(x) & np.isnan(out))
        count = hits.sum(axis=dims, keepdims=True)
        return np.where(hits, g / count, 0).astype(g.dtype, copy=False), None, None, None


class Amax(AmaxAmin):
    pass


class Amin(AmaxAmin):
    pass


class EvenlyShared(Function):
    """The all-element median (or nanmedian): a value of ``x`` chosen by ``pick``;
    the gradient is shared by every element equal to it."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, value):
        ctx.save_for_backward(x)
        ctx.value = value
        return np.asarray(value, x.dtype)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        v = ctx.value
        hits = np.isnan(x) if np.isnan(v) else x == v
        return np.where(hits, g / max(int(hits.sum()), 1), 0).astype(g.dtype), None


class Median(EvenlyShared):
    pass


class Nanmedian(EvenlyShared):
    pass


class ValuesAtIndices(Function):
    """``x`` taken at ``indices`` along ``dim`` (median/kthvalue/mode/nanmedian with a
    dim); the gradient goes to the indexed elements."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, indices, keepdim):
        idx = indices if keepdim else np.expand_dims(indices, dim)
        ctx.save_for_backward(idx)
        ctx.meta = (x.shape, dim, keepdim)
        out = np.take_along_axis(x, idx, axis=dim)
        return out if keepdim else np.squeeze(out, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (idx,) = ctx.saved_tensors
        shape, dim, keepdim = ctx.meta
        gx = np.zeros(shape, g.dtype)
        np.put_along_axis(gx, idx, g if keepdim else np.expand_dims(g, dim), axis=dim)
        return gx, None, None, None


class MedianDim(ValuesAtIndices):
    grad_fn_name = "MedianBackward1"


class KthvalueDim(ValuesAtIndices):
    grad_fn_name = "KthvalueBackward0"


class ModeDim(ValuesAtIndices):
    grad_fn_name = "ModeBackward0"


class NanmedianDim(ValuesAtIndices):
    grad_fn_name = "NanmedianBackward1"


class CummaxCummin(Function):
    """Values of a running max/min along ``dim``; the indices are computed with them
    and the gradient goes to the element each running value came from."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, indices):
        ctx.save_for_backward(indices)
        ctx.meta = (x.shape, dim)
        return np.take_along_axis(x, indices, axis=dim)

    @staticmethod
    def backward(ctx, g):
        (indices,) = ctx.saved_tensors
        shape, dim = ctx.meta
        gx = np.zeros(shape, g.dtype)
        np.add.at(gx, _along(indices, dim), g)
        return gx, None, None


class Cummax(CummaxCummin):
    pass


class Cummin(CummaxCummin):
    pass


def _along(index, dim):
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def running_extreme_indices(x, dim, largest):
    """torch's cummax/cummin indices: the latest position holding the running value
    (ties move the index forward; once a nan is seen it is the running value, and
    each later nan takes over)."""
    moved = np.moveaxis(x, dim, -1)
    ufunc = np.maximum if largest else np.minimum  # both propagate nan, as torch
    running = ufunc.accumulate(moved, axis=-1) if moved.size else moved
    n = moved.shape[-1] if moved.ndim else 1
    positions = np.broadcast_to(np.arange(n), moved.shape)
    takes_over = (moved == running) | np.isnan(moved)
    idx = np.maximum.accumulate(np.where(takes_over, positions, 0), axis=-1) if moved.size \
        else np.zeros(moved.shape, np.int64)
    return np.moveaxis(idx.astype(np.int64), -1, dim)


class Cumprod(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim):
        out = np.cumprod(x, axis=dim)
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        dim = ctx.dim
        xs, ys, gs = (np.moveaxis(a, dim, -1) for a in (x, out, g))
        lead = xs.shape[:-1]
        n = xs.shape[-1]
        xs, ys, gs = (a.reshape(-1, n) for a in (xs, ys, gs))
        gx = np.empty_like(gs)
        for row in range(xs.shape[0]):
            gx[row] = _cumprod_row_grad(xs[row], ys[row], gs[row])
        return np.moveaxis(gx.reshape(lead + (n,)), -1, dim), None


def _cumprod_row_grad(x, y, g):
    """d/dx_i of sum_j g_j prod_{m<=j} x_m. Before the first zero k it is
    sum_{j>=i} g_j y_j / x_i restricted to j < k (later terms hold x_k = 0); at k it is
    sum_{j>=k} g_j y_{k-1} prod_{k<m<=j} x_m; after k every term holds x_k: zero."""
    zeros = np.flatnonzero(x == 0)
    k = zeros[0] if zeros.size else x.shape[0]
    grad = np.zeros_like(g)
    if k > 0:
        tail = np.cumsum((g[:k] * y[:k])[::-1])[::-1]
        grad[:k] = tail / x[:k]
    if k < x.shape[0]:
        before = y[k - 1] if k > 0 else np.ones((), y.dtype)
        rest = np.cumprod(np.concatenate([[1], x[k + 1:]]).astype(x.dtype))
        grad[k] = np.sum(g[k:] * before * rest)
    return grad


class Logcumsumexp(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim):
        out = np.logaddexp.accumulate(x, axis=dim) if x.size else x.copy()
        ctx.save_for_backward(x, out)
        ctx.dim = dim
        return out

    @staticmethod
    def backward(ctx, g):
        # grad_i = sum_{j>=i} g_j exp(x_i - out_j), summed in log space separately for
        # the positive and negative g so that nothing overflows
        x, out = ctx.saved_tensors
        dim = ctx.dim
        with np.errstate(divide="ignore"):
            log_pos = np.where(g > 0, np.log(np.abs(g)), -np.inf) - out
            log_neg = np.where(g < 0, np.log(np.abs(g)), -np.inf) - out

        def reverse_lse(a):
            flipped = np.flip(a, dim)
            return np.flip(np.logaddexp.accumulate(flipped, axis=dim), dim)

        grad = np.exp(x + reverse_lse(log_pos)) - np.exp(x + reverse_lse(log_neg))
        return grad.astype(g.dtype, copy=False), None


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True): the
# selections route g by constants (masks, indices), so their formulas are linear in g.

def _attach():
    from .elementwise import _const
    from .indexing import ScatterAdd

    def amax_amin(ctx, inputs, g):
        x = inputs[0]
        dims, keepdim = ctx.meta
        out = np.asarray((np.amax if inputs[3] else np.amin)(x._data, axis=dims, keepdims=True))
        hits = (x._data == out) | (np.isnan(x._data) & np.isnan(out))
        share = hits / hits.sum(axis=dims, keepdims=True)
        g = g if keepdim else _unsqueeze_all(g, dims)
        return g * _const(share.astype(g._data.dtype)), None, None, None

    def evenly(ctx, inputs, g):
        x = inputs[0]
        v = ctx.value
        hits = np.isnan(x._data) if np.isnan(v) else x._data == v
        return g * _const((hits / max(int(hits.sum()), 1)).astype(g._data.dtype)), None

    def at_indices(ctx, inputs, g):
        (idx,) = ctx.saved_tensors
        shape, dim, keepdim = ctx.meta
        g = g if keepdim else g.unsqueeze(dim)
        zeros = g._wrap(np.zeros(shape, g._data.dtype))
        return ScatterAdd.apply(zeros, dim, idx, g), None, None, None

    def running(ctx, inputs, g):
        (indices,) = ctx.saved_tensors
        shape, dim = ctx.meta
        zeros = g._wrap(np.zeros(shape, g._data.dtype))
        return ScatterAdd.apply(zeros, dim, indices, g), None, None

    AmaxAmin.grad_graph = staticmethod(amax_amin)
    EvenlyShared.grad_graph = staticmethod(evenly)
    ValuesAtIndices.grad_graph = staticmethod(at_indices)
    CummaxCummin.grad_graph = staticmethod(running)


def _unsqueeze_all(g, dims):
    for d in sorted(dims):
        g = g.unsqueeze(d)
    return g


_attach()
