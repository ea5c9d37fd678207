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
        return np.swapaxes(x, dim0, dim1)

    @staticmethod
    def backward(ctx, g):
        return np.swapaxes(g, *ctx.dims), None, None


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


class Unsqueeze(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        return np.expand_dims(x, dim)

    @staticmethod
    def backward(ctx, g):
        return np.squeeze(g, axis=ctx.dim), None


class Expand(Function):
    output_is_view = True

    @staticmethod
    def forward(ctx, x, shape):
        return np.broadcast_to(x, shape)

    @staticmethod
    def backward(ctx, g):
        return g, None  # the engine sums the broadcast dimensions


def _index_kind(index):
    items = index if isinstance(index, tuple) else (index,)
    if any(isinstance(i, (np.ndarray, list)) for i in items):
        return "advanced"
    if all(isinstance(i, (int, np.integer)) for i in items):
        return "select"
    return "slice"


class Index(Function):
    """Advanced (integer-array or mask) indexing: a copy."""

    @staticmethod
    def forward(ctx, x, index):
        ctx.shape, ctx.dtype, ctx.index = x.shape, x.dtype, index
        return np.asarray(x[index]).copy()

    @staticmethod
    def backward(ctx, g):
        gx = np.zeros(ctx.shape, g.dtype)
        np.add.at(gx, ctx.index, g)
        return gx, None


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


def index_function(index):
    kind = _index_kind(index)
    return Index if kind == "advanced" else Select if kind == "select" else Slice


class IndexPut(Function):
    """``x[index] = value`` recorded out of place (the tensor then adopts the result)."""
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
                axes = tuple(i for i, s in enumerate(ctx.value_shape) if s == 1 and gv.shape[i] != 1)
                gv = gv.sum(axis=axes, keepdims=True) if axes else gv
        return gx, None, gv


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
    """``split``/``chunk``: several view outputs of one input."""
    grad_fn_name = "SplitWithSizesBackward0"
    output_is_view = True

    @staticmethod
    def forward(ctx, x, sizes, dim):
        ctx.shape, ctx.dim, ctx.sizes = x.shape, dim, sizes
        bounds = np.cumsum(sizes)[:-1]
        return tuple(np.split(x, bounds, axis=dim))

    @staticmethod
    def backward(ctx, *grads):
        return np.concatenate(grads, axis=ctx.dim), None, None
