"""Shape ops: views (view, permute, transpose, squeeze, expand, basic indexing),
copies (reshape of a non-contiguous tensor, advanced indexing, cat, stack), split."""
import numpy as np

from ..function import Function


class View(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return x.reshape(shape, copy=False)

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class UnsafeView(Function):
    """``reshape`` of a tensor whose strides do not allow a view (copies)."""

    @staticmethod
    def forward(ctx, x, shape):
        ctx.shape = x.shape
        return np.reshape(x, shape).copy()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class Permute(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, dims):
        ctx.inverse = tuple(np.argsort(dims))
        return np.transpose(x, dims)

    @staticmethod
    def backward(ctx, g):
        return np.transpose(g, ctx.inverse), None


class Transpose(Function):
    grad_fn_name = "TransposeBackward0"
    output_is_view = True

    @staticmethod
    def forward(ctx, x, dim0, dim1):
        ctx.dims = (dim0, dim1)
        return np.swapaxes(x, dim0, dim1) if x.ndim else x.view()

    @staticmethod
    def backward(ctx, g):
        return np.swapaxes(g, *ctx.dims) if g.ndim else g, None, None


class T(Transpose):
    grad_fn_name = "TBackward0"


class Squeeze(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, dims=None):
        ctx.shape = x.shape
        if dims is None:
            return np.squeeze(x)
        dims = tuple(d for d in dims if x.shape[d] == 1)
        return np.squeeze(x, axis=dims) if dims else x.view()

    @staticmethod
    def backward(ctx, g):
        return g.reshape(ctx.shape), None


class SqueezeDim(Squeeze):
    grad_fn_name = "SqueezeBackward1"


class SqueezeDims(Squeeze):
    grad_fn_name = "SqueezeBackward2"


class SqueezeInplace(Squeeze):
    grad_fn_name = "SqueezeBackward3"


class SqueezeDimInplace(Squeeze):
    grad_fn_name = "SqueezeBackward4"


class SqueezeDimsInplace(Squeeze):
    grad_fn_name = "SqueezeBackward5"


class Unsqueeze(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.expand_dims(x, dim)

    @staticmethod
    def backward(ctx, g):
        return np.squeeze(g, axis=ctx.dim), None


class UnsqueezeInplace(Unsqueeze):
    grad_fn_name = "UnsqueezeBackward1"


class Expand(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums the broadcast dimensions


class Repeat(Function):
    @staticmethod
    def forward(ctx, x, repeats):
        x = x.reshape((1,) * (len(repeats) - x.ndim) + x.shape)
        ctx.shape, ctx.repeats = x.shape, repeats
        return np.tile(x, repeats)

    @staticmethod
    def backward(ctx, g):
        # out[r0*s0 + i0, ...] = x[i0, ...]: split each dim into (repeat, size), sum repeats.
        split = [n for r, s in zip(ctx.repeats, ctx.shape) for n in (r, s)]
        return g.reshape(split).sum(axis=tuple(range(0, len(split), 2))), None


class Flip(Function):
    @staticmethod
    def forward(ctx, x, dims):
        ctx.dims = dims
        return np.flip(x, dims).copy()

    @staticmethod
    def backward(ctx, g):
        return np.flip(g, ctx.dims), None


class Index(Function):
    """Advanced (integer-array or mask) indexing: a copy."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        out = np.asarray(x[index])
        # advanced indexing already made a new array; copy only what still aliases x
        return out.copy() if np.may_share_memory(out, x) else out

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, g.dtype)
        np.add.at(gx, ctx.index, g)
        return gx, None


class Sort(Index):
    """The values of ``sort``: the input gathered at the sorted indices."""


class Topk(Index):
    pass


class AsStrided(Index):
    """A view re-read from its base after an in-place op on it (see Tensor._rebase_view)."""


class Slice(Function):
    """Basic indexing (ints, slices, None, Ellipsis): a view."""
    output_is_view = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.index = x.shape, index
        out = x[index]
        return out if isinstance(out, np.ndarray) else np.asarray(out)

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, g.dtype)
        gx[ctx.index] = g
        return gx, None


class Select(Slice):
    pass


class UnsqueezeIndex(Slice):
    grad_fn_name = "UnsqueezeBackward0"


class Alias(Slice):
    pass


_FULL_SLICE = slice(None)


def index_function(index):
    """The Function for ``tensor[index]``; basic indexes are named, as in PyTorch, after
    the last item that does something (int: select, slice: slice, None: unsqueeze)."""
    if isinstance(index, slice):
        return Slice  # PyTorch skips its no-op-slice shortcut for a lone slice
    items = index if isinstance(index, tuple) else (index,)
    fn = Alias
    for item in items:
        if isinstance(item, (np.ndarray, list)):
            return Index
        if item is None:
            fn = UnsqueezeIndex
        elif isinstance(item, slice):
            if item != _FULL_SLICE:
                fn = Slice
        elif item is not Ellipsis:
            fn = Select
    return fn


class IndexPut(Function):
    """``x[index] = value`` by integer arrays or masks, recorded out of place (the tensor
    then adopts the result)."""
    grad_fn_name = "IndexPutBackward0"

    @staticmethod
    def forward(ctx, x, index, value):
        out = x.copy()
        out[index] = value
        ctx.index = index
        ctx.value_shape = np.shape(value)
        return out

    @staticmethod
    def backward(ctx, g):
        gx = g.copy()
        gx[ctx.index] = 0
        gv = None
        if ctx.needs_input_grad[2]:
            gv = g[ctx.index]
            if gv.shape != ctx.value_shape:  # value was broadcast into the selection
                extra = gv.ndim - len(ctx.value_shape)
                gv = gv.sum(axis=tuple(range(extra))) if extra > 0 else gv
                axes = tuple(i for i, s in enumerate(ctx.value_shape)
                             if s == 1 and gv.shape[i] != 1)
                gv = gv.sum(axis=axes, keepdims=True) if axes else gv
        return gx, None, gv


class CopySlices(IndexPut):
    """``x[basic index] = value`` (ints, slices)."""
    grad_fn_name = "torch::autograd::CopySlices"


def setitem_function(index):
    return IndexPut if index_function(index) is Index else CopySlices


class Cat(Function):
    """``cat(tensors, dim)``; called as ``Cat.apply(dim, *tensors)``."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        ctx.sizes = [x.shape[dim] for x in xs]
        return np.concatenate(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        bounds = np.cumsum(ctx.sizes)[:-1]
        return (None, *np.split(g, bounds, axis=ctx.dim))


class Stack(Function):
    """``stack(tensors, dim)``; called as ``Stack.apply(dim, *tensors)``."""

    @staticmethod
    def forward(ctx, dim, *xs):
        ctx.dim = dim
        return np.stack(xs, axis=dim)

    @staticmethod
    def backward(ctx, g):
        return (None, *(np.take(g, i, axis=ctx.dim) for i in range(g.shape[ctx.dim])))


class Split(Function):
    """``split(int)``/``chunk``: several view outputs of one input."""
    output_is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.dim = dim
        bounds = np.cumsum(sizes)[:-1]
        return tuple(np.split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim), None, None


class SplitWithSizes(Split):
    """``split(list_of_sizes)``."""


class Unbind(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return tuple(np.moveaxis(x, dim, 0))

    @staticmethod
    def backward(ctx, *grads):
        return np.stack(grads, axis=ctx.dim), None


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _scatter_into_zeros(g, shape, index, accumulate):
    """``zeros(shape)`` with ``g`` written (added) at ``index``, differentiable in ``g``."""
    from .indexing import IndexPut as IndexPutAdd
    key = index if isinstance(index, tuple) else (index,)
    return IndexPutAdd.apply(g._wrap(np.zeros(shape, g._data.dtype)), key, g, accumulate)


def _attach():
    View.grad_graph = staticmethod(lambda ctx, inputs, g: (g.reshape(*ctx.shape), None))
    UnsafeView.grad_graph = staticmethod(lambda ctx, inputs, g: (g.reshape(*ctx.shape), None))
    Permute.grad_graph = staticmethod(lambda ctx, inputs, g: (g.permute(*ctx.inverse), None))
    Transpose.grad_graph = staticmethod(lambda ctx, inputs, g: (
        g.transpose(*ctx.dims) if g.dim() else g, None, None))
    Squeeze.grad_graph = staticmethod(lambda ctx, inputs, g: (g.reshape(*ctx.shape), None))
    Unsqueeze.grad_graph = staticmethod(lambda ctx, inputs, g: (g.squeeze(ctx.dim), None))
    Expand.grad_graph = staticmethod(lambda ctx, inputs, g: (g, None))
    Flip.grad_graph = staticmethod(lambda ctx, inputs, g: (g.flip(ctx.dims), None))

    def repeat(ctx, inputs, g):
        split = [n for r, s in zip(ctx.repeats, ctx.shape) for n in (r, s)]
        return g.reshape(*split).sum(tuple(range(0, len(split), 2))), None
    Repeat.grad_graph = staticmethod(repeat)
    Index.grad_graph = staticmethod(lambda ctx, inputs, g: (
        _scatter_into_zeros(g, ctx.shape, ctx.index, True), None))
    Slice.grad_graph = staticmethod(lambda ctx, inputs, g: (
        _scatter_into_zeros(g, ctx.shape, ctx.index, False), None))

    def index_put(ctx, inputs, g):
        keep = np.ones(g.shape, np.bool_)
        keep[ctx.index] = False
        gx = g * g._wrap(keep)
        gv = g[ctx.index] if ctx.needs_input_grad[2] else None
        return gx, None, gv
    IndexPut.grad_graph = staticmethod(index_put)

    def cat(ctx, inputs, g):
        out, start = [None], 0
        for n in ctx.sizes:
            out.append(g.narrow(ctx.dim, start, n))
            start += n
        return tuple(out)
    Cat.grad_graph = staticmethod(cat)
    Stack.grad_graph = staticmethod(lambda ctx, inputs, g: (None, *g.unbind(ctx.dim)))

    def split(ctx, inputs, *grads):
        return Cat.apply(ctx.dim, *grads), None, None
    Split.grad_graph = staticmethod(split)

    def unbind(ctx, inputs, *grads):
        return Stack.apply(ctx.dim, *grads), None
    Unbind.grad_graph = staticmethod(unbind)


_attach()
