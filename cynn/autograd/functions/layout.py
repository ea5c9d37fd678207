"""Ops that move elements without arithmetic: roll, rot90, triangular masks,
diagonals (read and written), repeat_interleave."""
import numpy as np

from ..function import Function


class Roll(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, shifts, dims):
        ctx.meta = (shifts, dims)
        if dims is None:
            return np.roll(x.reshape(-1), shifts).reshape(x.shape)
        return np.roll(x, shifts, dims)

    @staticmethod
    def backward(ctx, g):
        shifts, dims = ctx.meta
        back = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        if dims is None:
            return np.roll(g.reshape(-1), back).reshape(g.shape), None, None
        return np.roll(g, back, dims), None, None


class Rot90(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, k, dims):
        ctx.meta = (k, dims)
        return np.ascontiguousarray(np.rot90(x, k, dims))

    @staticmethod
    def backward(ctx, g):
        k, dims = ctx.meta
        return np.ascontiguousarray(np.rot90(g, -k, dims)), None, None


class Triangle(Function):
    """``tril``/``triu``: the last two dims keep one side of a diagonal, the rest is 0."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, diagonal, lower):
        rows, cols = x.shape[-2:]
        keep = np.tri(rows, cols, diagonal, dtype=np.bool_) if lower else \
            ~np.tri(rows, cols, diagonal - 1, dtype=np.bool_)
        ctx.save_for_backward(keep)
        return np.where(keep, x, np.zeros((), x.dtype))

    @staticmethod
    def backward(ctx, g):
        (keep,) = ctx.saved_tensors
        return np.where(keep, g, np.zeros((), g.dtype)), None, None


class Tril(Triangle):
    pass


class Triu(Triangle):
    pass


class Diagonal(Function):
    """The diagonal at ``offset`` of the plane ``(dim1, dim2)``, moved to the last dim
    (a copy; torch returns a view)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        ctx.meta = (x.shape, offset, dim1, dim2)
        return np.diagonal(x, offset, dim1, dim2).copy()

    @staticmethod
    def backward(ctx, g):
        shape, offset, dim1, dim2 = ctx.meta
        gx = np.zeros(shape, g.dtype)
        writable_diagonal(gx, offset, dim1, dim2)[...] = g
        return gx, None, None, None


def writable_diagonal(a, offset, dim1, dim2):
    """A writable view of ``a``'s diagonal (numpy's ``diagonal`` view is read-only),
    with the diagonal as the last axis, like ``np.diagonal``."""
    n1, n2 = a.shape[dim1], a.shape[dim2]
    length = max(0, min(n1, n2 - offset) if offset >= 0 else min(n1 + offset, n2))
    start = [0] * a.ndim
    if offset >= 0:
        start[dim2] = offset
    else:
        start[dim1] = -offset
    if length == 0:
        return np.empty(tuple(n for i, n in enumerate(a.shape) if i not in (dim1, dim2)) + (0,),
                        a.dtype)
    base = a[tuple(slice(s, None) for s in start)]
    strides = [st for i, st in enumerate(base.strides) if i not in (dim1, dim2)]
    shape = [n for i, n in enumerate(base.shape) if i not in (dim1, dim2)]
    return np.lib.stride_tricks.as_strided(
        base, shape + [length], strides + [a.strides[dim1] + a.strides[dim2]], writeable=True)


class DiagEmbed(Function):
    """The last dim of ``x`` written on the diagonal at ``offset`` of a new plane
    ``(dim1, dim2)`` of zeros."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, offset, dim1, dim2):
        n = x.shape[-1] + abs(offset)
        out_ndim = x.ndim + 1
        lead = list(x.shape[:-1])
        shape = []
        it = iter(lead)
        for i in range(out_ndim):
            shape.append(n if i in (dim1, dim2) else next(it))
        out = np.zeros(shape, x.dtype)
        writable_diagonal(out, offset, dim1, dim2)[...] = x
        ctx.meta = (offset, dim1, dim2)
        return out

    @staticmethod
    def backward(ctx, g):
        offset, dim1, dim2 = ctx.meta
        return np.diagonal(g, offset, dim1, dim2).copy(), None, None, None


class DiagonalScatter(Function):
    """``x`` with its diagonal at ``offset`` of ``(dim1, dim2)`` replaced by ``src``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, src, offset, dim1, dim2):
        out = x.copy()
        writable_diagonal(out, offset, dim1, dim2)[...] = src
        ctx.meta = (offset, dim1, dim2)
        return out

    @staticmethod
    def backward(ctx, g):
        offset, dim1, dim2 = ctx.meta
        gx = g.copy()
        writable_diagonal(gx, offset, dim1, dim2)[...] = 0
        return gx, np.diagonal(g, offset, dim1, dim2).copy(), None, None, None


class SliceScatter(Function):
    """``x`` with ``x[index] = src`` for a basic-slicing ``index`` tuple."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, src, index):
        out = x.copy()
        out[index] = src
        ctx.index = index
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g.copy()
        gx[ctx.index] = 0
        return gx, g[ctx.index].copy(), None


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _attach():
    from .elementwise import _const

    def roll(ctx, inputs, g):
        shifts, dims = ctx.meta
        back = tuple(-s for s in shifts) if isinstance(shifts, tuple) else -shifts
        return Roll.apply(g, back, dims), None, None

    def rot90(ctx, inputs, g):
        k, dims = ctx.meta
        return Rot90.apply(g, (-k) % 4, dims), None, None

    def triangle(ctx, inputs, g):
        (keep,) = ctx.saved_tensors
        return g * _const(keep), None, None

    def diagonal(ctx, inputs, g):
        shape, offset, dim1, dim2 = ctx.meta
        zeros = g._wrap(np.zeros(shape, g._data.dtype))
        return DiagonalScatter.apply(zeros, g, offset, dim1, dim2), None, None, None

    def diag_embed(ctx, inputs, g):
        offset, dim1, dim2 = ctx.meta
        return Diagonal.apply(g, offset, dim1, dim2), None, None, None

    def diagonal_scatter(ctx, inputs, g):
        offset, dim1, dim2 = ctx.meta
        keep = np.ones(g.shape, np.bool_)
        writable_diagonal(keep, offset, dim1, dim2)[...] = False
        return g * _const(keep), Diagonal.apply(g, offset, dim1, dim2), None, None, None

    def slice_scatter(ctx, inputs, g):
        keep = np.ones(g.shape, np.bool_)
        keep[ctx.index] = False
        return g * _const(keep), g[ctx.index], None

    Roll.grad_graph = staticmethod(roll)
    Rot90.grad_graph = staticmethod(rot90)
    Triangle.grad_graph = staticmethod(triangle)
    Diagonal.grad_graph = staticmethod(diagonal)
    DiagEmbed.grad_graph = staticmethod(diag_embed)
    DiagonalScatter.grad_graph = staticmethod(diagonal_scatter)
    SliceScatter.grad_graph = staticmethod(slice_scatter)


_attach()
