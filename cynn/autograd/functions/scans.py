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
        return _cumprod_grad(x, out, g, ctx.dim), None


def _cumprod_grad(x, y, g, dim):
    """d/dx_i of sum_j g_j y_j, y = cumprod(x), zero-aware (torch's gradient).

    With z the first zero along ``dim``: before it, sum_{j>=i} g_j y_j / x_i (terms
    j >= z vanish with y_j); at z, y_{z-1} sum_{j>=z} g_j prod_{z<m<=j} x_m, whose
    terms past the second zero vanish; after z every term holds x_z = 0."""
    zeros_seen = np.cumsum(x == 0, axis=dim)
    before = zeros_seen == 0
    one = np.ones((), x.dtype)
    tail = np.flip(np.cumsum(np.flip(np.where(before, g * y, 0), dim), axis=dim), dim)
    gx = np.where(before, tail / np.where(before, x, one), 0).astype(g.dtype, copy=False)
    if before.all():
        return gx
    # position z: y_{z-1} times sum_j g_j prod_{z<m<=j} x_m, the products running
    # only up to the second zero (later g are masked out, as torch does)
    first = zeros_seen == 1
    at_zero = first & (x == 0)
    after = first & ~at_zero       # strictly between the first and the second zero
    run = np.cumprod(np.where(after, x, one), axis=dim)
    through = np.sum(np.where(first, g, 0) * run, axis=dim, keepdims=True)
    # y_{z-1}: the product before the first zero, 1 when the row starts with it
    exclusive = np.concatenate([np.ones_like(np.take(y, [0], axis=dim)),
                                np.delete(y, -1, axis=dim)], axis=dim)
    return np.where(at_zero, exclusive * through, gx).astype(g.dtype, copy=False)


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
# selections route g by constants (masks, indices), so their formulas are linear in g;
# the scans' formulas call the scan again, so every order of derivative is exact.

def _attach():
    from .elementwise import _const, where
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

    def cumprod(ctx, inputs, g):
        x, dim = inputs
        n = x.shape[dim]
        if n <= 1:
            return g, None
        if not np.any(x._data == 0):
            y = Cumprod.apply(x, dim)
            return (y * g).flip(dim).cumsum(dim).flip(dim) / x, None
        # a zero factor: sum_{j>=k} g_j prod_{i<=j, i!=k} x_i, whose products are a
        # cumprod of x with x_k set to 1, one row per k (n^2 terms, as torch's
        # differentiable formula; the quotient form above would divide by zero)
        last = x.dim() - 1
        xs, gs = x.transpose(dim, last), g.transpose(dim, last)
        eye = np.eye(n, dtype=x._data.dtype)
        omitted = xs.unsqueeze(-2) * _const(1 - eye) + _const(eye)   # [..., k, i]
        partial = Cumprod.apply(omitted, last + 1)
        from_k = _const(np.triu(np.ones((n, n), x._data.dtype)))      # j >= k
        gx = (partial * from_k * gs.unsqueeze(-2)).sum(-1)
        return gx.transpose(dim, last), None

    def logcumsumexp(ctx, inputs, g):
        # torch's formula: sum_{j>=i} g_j exp(x_i - out_j), the positive and negative
        # g summed apart in log space, log|g| where g is 0 replaced by the lowest finite
        # value (-inf would make x - out nan). Unlike torch, log is never taken of 0,
        # even in the branch where() drops: its derivative there, 0 * (1 / 0), would be
        # nan -- torch's third derivatives (where the g here has zeros) are nan
        x, dim = inputs
        if g.numel() == 0:
            return g, None
        out = Logcumsumexp.apply(x, dim)
        lowest = float(np.finfo(g._data.dtype).min)
        positive, negative = g._data > 0, g._data < 0
        log_g = where(positive | negative, g, 1.0).abs().log()

        def reverse_lse(a):
            return Logcumsumexp.apply(a.flip(dim), dim).flip(dim)

        pos = reverse_lse(where(positive, log_g, lowest) - out)
        neg = reverse_lse(where(negative, log_g, lowest) - out)
        return (pos + x).exp() - (neg + x).exp(), None

    Cumprod.grad_graph = staticmethod(cumprod)
    Logcumsumexp.grad_graph = staticmethod(logcumsumexp)
    AmaxAmin.grad_graph = staticmethod(amax_amin)
    EvenlyShared.grad_graph = staticmethod(evenly)
    ValuesAtIndices.grad_graph = staticmethod(at_indices)
    CummaxCummin.grad_graph = staticmethod(running)


def _unsqueeze_all(g, dims):
    for d in sorted(dims):
        g = g.unsqueeze(d)
    return g


_attach()
