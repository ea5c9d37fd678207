"""Reductions (sum, mean, var, std, max, min) and softmax / log_softmax."""
import numpy as np

from ..._dtype import get_default_dtype
from ..function import Function


def _expand_back(g, shape, dims, keepdim):
    """Broadcast a reduced gradient back over the reduced ``dims`` of ``shape``."""
    if not keepdim and dims is not None:
        for d in sorted(dims):
            g = np.expand_dims(g, d)
    return np.broadcast_to(g, shape)


def _sum_dtype(x):
    return np.int64 if x.dtype.kind in "biu" else None


class Sum(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, dtype=None):
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        return np.asarray(np.sum(x, axis=dims, keepdims=keepdim, dtype=dtype or _sum_dtype(x)))

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None


class SumDim(Sum):
    grad_fn_name = "SumBackward1"


class Mean(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError(
                "mean(): could not infer output dtype. Input dtype must be either a floating "
                f"point or complex dtype. Got: {_torch_name(x.dtype)}")
        ctx.shape, ctx.dims, ctx.keepdim = x.shape, dims, keepdim
        n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
        ctx.count = n
        if n == 0:  # the mean of nothing is nan, silently (numpy would warn)
            shape = np.sum(x, axis=dims, keepdims=keepdim).shape
            return np.full(shape, np.nan, x.dtype)
        return np.asarray(np.mean(x, axis=dims, keepdims=keepdim))

    @staticmethod
    def backward(ctx, g):
        return _expand_back(g / ctx.count, ctx.shape, ctx.dims, ctx.keepdim), None, None


class MeanDim(Mean):
    grad_fn_name = "MeanBackward1"


class Prod(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False):
        ctx.dims, ctx.keepdim = dims, keepdim
        ctx.save_for_backward(x)
        return np.asarray(np.prod(x, axis=dims, keepdims=keepdim, dtype=_sum_dtype(x)))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g = _expand_back(g, x.shape, ctx.dims, ctx.keepdim)
        if ctx.dims is None:
            others = _product_of_others(x.reshape(-1), 0).reshape(x.shape)
        elif ctx.dims:
            others = _product_of_others(x, ctx.dims[0])
        else:  # a 0-d input
            others = np.ones_like(x)
        return g * others, None, None


class ProdDim(Prod):
    grad_fn_name = "ProdBackward1"


def _product_of_others(x, axis):
    """For each element, the product of the other elements along ``axis`` (exact with
    zeros, unlike prod / x): exclusive cumulative products from both ends."""
    x = np.moveaxis(x, axis, -1)
    ones = np.ones(x.shape[:-1] + (1,), x.dtype)
    left = np.cumprod(np.concatenate([ones, x[..., :-1]], axis=-1), axis=-1)
    right = np.cumprod(np.concatenate([ones, x[..., :0:-1]], axis=-1), axis=-1)[..., ::-1]
    return np.moveaxis(left * right, -1, axis)


class Cumsum(Function):
    @staticmethod
    def forward(ctx, x, dim):
        ctx.dim = dim
        if x.ndim == 0:
            return x.astype(_sum_dtype(x) or x.dtype)
        return np.cumsum(x, axis=dim, dtype=_sum_dtype(x))

    @staticmethod
    def backward(ctx, g):
        if g.ndim == 0:
            return g, None
        # d(out_j)/d(x_i) = 1 for j >= i: a cumulative sum from the end
        return np.flip(np.cumsum(np.flip(g, ctx.dim), axis=ctx.dim), ctx.dim), None


def _centered(x, dims):
    """``x - mean(x)`` over ``dims`` and the mean, in float64 for half and single
    precision: squares of float32 values near 1e19 overflow float32 even where the
    variance (or its root) is representable, as PyTorch's accumulation avoids."""
    if x.dtype.kind != "f":
        raise RuntimeError("std and var only support floating point and complex dtypes")
    if x.dtype.itemsize < 8:
        x = x.astype(np.float64)
    mean = np.mean(x, axis=dims, keepdims=True)
    return x - mean, mean


def _variance(ctx, x, dims, keepdim, correction):
    """The variance in the accumulation dtype (see ``_centered``); sets what
    ``Var.backward`` needs on ``ctx``."""
    n = x.size if dims is None else int(np.prod([x.shape[d] for d in dims]))
    centered, mean = _centered(x, dims)
    var = np.sum(centered * centered, axis=dims, keepdims=keepdim) / max(n - correction, 0)
    ctx.save_for_backward(x)
    ctx.mean, ctx.dims, ctx.keepdim, ctx.denom = mean, dims, keepdim, n - correction
    return np.asarray(var)


class Var(Function):
    """Variance with ``correction`` (1 = unbiased, Bessel); ``Std`` takes its root."""

    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, correction=1):
        return _variance(ctx, x, dims, keepdim, correction).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        g = _expand_back(g, x.shape, ctx.dims, ctx.keepdim)
        gx = g * 2.0 * (x - ctx.mean) / ctx.denom
        return gx.astype(x.dtype, copy=False), None, None, None


class Std(Function):
    @staticmethod
    def forward(ctx, x, dims=None, keepdim=False, correction=1):
        # the root of the wide variance: finite even where the float32 variance is inf
        out = np.sqrt(_variance(ctx, x, dims, keepdim, correction)).astype(x.dtype, copy=False)
        ctx.out = out
        return out

    @staticmethod
    def backward(ctx, g):
        return Var.backward(ctx, g / (2.0 * ctx.out))


class Norm(Function):
    """The vector ``p``-norm ``(sum |x|^p)^(1/p)`` over ``dims`` (``inf``: max |x|)."""
    grad_fn_name = "LinalgVectorNormBackward0"

    @staticmethod
    def forward(ctx, x, p, dims=None, keepdim=False):
        if x.dtype.kind != "f":
            raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor "
                               f"as input. Got {_torch_name(x.dtype)}")
        ax = np.abs(x)
        if p == 2.0:
            out = np.sqrt(np.sum(x * x, axis=dims, keepdims=keepdim))
        elif p == 1.0:
            out = np.sum(ax, axis=dims, keepdims=keepdim)
        elif p == np.inf:
            out = np.max(ax, axis=dims, keepdims=keepdim)
        elif p == -np.inf:
            out = np.min(ax, axis=dims, keepdims=keepdim)
        elif p == 0.0:
            out = np.sum(x != 0, axis=dims, keepdims=keepdim).astype(x.dtype)
        else:
            out = np.sum(ax ** p, axis=dims, keepdims=keepdim) ** (1.0 / p)
        out = np.asarray(out, dtype=x.dtype)
        ctx.save_for_backward(x, out)
        ctx.p, ctx.dims, ctx.keepdim = p, dims, keepdim
        return out

    @staticmethod
    def backward(ctx, g):
        x, out = ctx.saved_tensors
        g = _expand_back(g, x.shape, ctx.dims, ctx.keepdim)
        out = _expand_back(out, x.shape, ctx.dims, ctx.keepdim)
        p = ctx.p
        zero = np.zeros((), x.dtype)
        if p == 0.0:
            return np.zeros_like(x), None, None, None
        if p == 1.0:
            return g * np.sign(x), None, None, None
        if p in (np.inf, -np.inf):
            # ties at the extreme share the gradient evenly
            hit = np.abs(x) == out
            count = _expand_back(np.sum(hit, axis=ctx.dims, keepdims=True), x.shape,
                                 ctx.dims, True)
            return g * np.sign(x) * hit / count, None, None, None
        if p == 2.0:
            gx = g * x / out
        else:
            gx = g * x * np.abs(x) ** (p - 2) / out ** (p - 1)
        return np.where(out == 0, zero, gx), None, None, None


def _all_reduction(name, reduce):
    """``max()`` / ``min()`` over all elements; ties share the gradient evenly."""

    def forward(ctx, x):
        if x.size == 0:
            raise RuntimeError(
                f"{name.lower()}(): Expected reduction dim to be specified for input.numel() "
                "== 0. Specify the reduction dim with the 'dim' argument.")
        out = np.asarray(reduce(x))
        ctx.save_for_backward(x, out)
        return out

    def backward(ctx, g):
        x, out = ctx.saved_tensors
        mask = x == out
        return g * mask / mask.sum()

    return type(f"{name}All", (Function,), {"grad_fn_name": f"{name}Backward1",
                                            "forward": staticmethod(forward),
                                            "backward": staticmethod(backward)})


MaxAll = _all_reduction("Max", np.max)
MinAll = _all_reduction("Min", np.min)


def _dim_reduction(name, arg):
    """``max(dim)`` / ``min(dim)`` -> (values, indices); the gradient goes to the index."""

    def forward(ctx, x, dim, keepdim=False):
        if x.shape[dim] == 0:
            raise IndexError(f"{name.lower()}(): Expected reduction dim {dim} to have "
                             "non-zero size.")
        idx = np.expand_dims(arg(x, axis=dim), dim)
        values = np.take_along_axis(x, idx, axis=dim)
        if not keepdim:
            values, idx = values.squeeze(dim), idx.squeeze(dim)
        idx = idx.astype(np.int64)
        ctx.mark_non_differentiable(idx)
        ctx.shape, ctx.dim, ctx.keepdim = x.shape, dim, keepdim
        ctx.save_for_backward(idx)
        return values, idx

    def backward(ctx, g, g_idx):
        (idx,) = ctx.saved_tensors
        if not ctx.keepdim:
            g, idx = np.expand_dims(g, ctx.dim), np.expand_dims(idx, ctx.dim)
        gx = np.zeros(ctx.shape, g.dtype)
        np.put_along_axis(gx, idx, g, axis=ctx.dim)
        return gx, None, None

    return type(f"{name}Dim", (Function,), {"grad_fn_name": f"{name}Backward0",
                                            "forward": staticmethod(forward),
                                            "backward": staticmethod(backward)})


MaxDim = _dim_reduction("Max", np.argmax)
MinDim = _dim_reduction("Min", np.argmin)


def _softmax(x, dim):
    if x.ndim and x.shape[dim] == 0:  # nothing to normalise over (torch returns it)
        return x.copy()
    shifted = x - np.max(x, axis=dim, keepdims=True)
    e = np.exp(shifted)
    return e / np.sum(e, axis=dim, keepdims=True)


class Softmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype().numpy)
        y = _softmax(x, dim)
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return y * (g - np.sum(g * y, axis=ctx.dim, keepdims=True)), None


class LogSoftmax(Function):
    @staticmethod
    def forward(ctx, x, dim):
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype().numpy)
        if x.ndim and x.shape[dim] == 0:
            y = x.copy()
        else:
            shifted = x - np.max(x, axis=dim, keepdims=True)
            y = shifted - np.log(np.sum(np.exp(shifted), axis=dim, keepdims=True))
        ctx.dim = dim
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        return g - np.exp(y) * np.sum(g, axis=ctx.dim, keepdims=True), None


def _torch_name(np_dtype):
    from ..._dtype import from_numpy_dtype
    names = {"int64": "Long", "int32": "Int", "bool": "Bool", "uint8": "Byte",
             "int16": "Short", "int8": "Char"}
    return names.get(from_numpy_dtype(np_dtype).name, from_numpy_dtype(np_dtype).name)


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _expand_back_graph(g, shape, dims, keepdim):
    if not keepdim and dims is not None:
        for d in sorted(dims):
            g = g.unsqueeze(d)
    return g.expand(*shape)


def _attach():
    from .elementwise import _const

    Sum.grad_graph = staticmethod(lambda ctx, inputs, g: (
        _expand_back_graph(g, ctx.shape, ctx.dims, ctx.keepdim), None, None, None))
    Mean.grad_graph = staticmethod(lambda ctx, inputs, g: (
        _expand_back_graph(g / ctx.count, ctx.shape, ctx.dims, ctx.keepdim), None, None))

    def cumsum(ctx, inputs, g):
        if g.dim() == 0:
            return g, None
        return g.flip(ctx.dim).cumsum(ctx.dim).flip(ctx.dim), None
    Cumsum.grad_graph = staticmethod(cumsum)

    def var(ctx, inputs, g, root=False):
        x, dims, keepdim = inputs[0], ctx.dims, ctx.keepdim
        out = None
        if root:
            out = Std.apply(*inputs)
            g = g / (2.0 * out)
        g = _expand_back_graph(g, x.shape, dims, keepdim)
        mean = x.mean() if dims is None else x.mean(dims, keepdim=True)
        return g * 2.0 * (x - mean) / ctx.denom, None, None, None
    Var.grad_graph = staticmethod(var)
    Std.grad_graph = staticmethod(lambda ctx, inputs, g: var(ctx, inputs, g, root=True))

    def norm(ctx, inputs, g):
        x, p = inputs[0], ctx.p
        out = _expand_back_graph(Norm.apply(*inputs), x.shape, ctx.dims, ctx.keepdim)
        g = _expand_back_graph(g, x.shape, ctx.dims, ctx.keepdim)
        if p == 0.0:
            return g * 0, None, None, None
        if p == 1.0:
            return g * _const(np.sign(x._data)), None, None, None
        if p in (np.inf, -np.inf):
            hit = np.abs(x._data) == out._data
            count = _expand_back(np.sum(hit, axis=ctx.dims, keepdims=True), x.shape,
                                 ctx.dims, True)
            return g * _const(np.sign(x._data) * hit / count), None, None, None
        safe = _const(out._data != 0)
        # where the norm is 0 the gradient is 0 (torch's subgradient): divide by 1 there
        denom = out + _const(out._data == 0)
        if p == 2.0:
            return g * x / denom * safe, None, None, None
        return g * x * x.abs() ** (p - 2) / denom ** (p - 1) * safe, None, None, None
    Norm.grad_graph = staticmethod(norm)

    def extreme_all(ctx, inputs, g):
        x = inputs[0]
        mask = x._data == np.asarray(ctx._function.forward(FunctionCtx_(), x._data))
        return g * _const(mask / mask.sum())
    MaxAll.grad_graph = staticmethod(extreme_all)
    MinAll.grad_graph = staticmethod(extreme_all)

    def extreme_dim(ctx, inputs, g, g_idx):
        (idx,) = ctx.saved_tensors
        if not ctx.keepdim:
            g, idx = g.unsqueeze(ctx.dim), np.expand_dims(idx, ctx.dim)
        hot = np.zeros(ctx.shape, np.bool_)
        np.put_along_axis(hot, idx, True, axis=ctx.dim)
        return g.expand(*ctx.shape) * _const(hot), None, None
    MaxDim.grad_graph = staticmethod(extreme_dim)
    MinDim.grad_graph = staticmethod(extreme_dim)

    def softmax(ctx, inputs, g):
        y = Softmax.apply(*inputs)
        return y * (g - (g * y).sum(ctx.dim, keepdim=True)), None
    Softmax.grad_graph = staticmethod(softmax)

    def log_softmax(ctx, inputs, g):
        y = LogSoftmax.apply(*inputs)
        return g - y.exp() * g.sum(ctx.dim, keepdim=True), None
    LogSoftmax.grad_graph = staticmethod(log_softmax)

    def prod(ctx, inputs, g):
        x = inputs[0]
        g = _expand_back_graph(g, x.shape, ctx.dims, ctx.keepdim)
        if ctx.dims is None:
            flat = x.reshape(-1)
            return g * _others_graph(flat, 0).reshape(*x.shape), None, None
        if ctx.dims:
            return g * _others_graph(x, ctx.dims[0]), None, None
        return g, None, None
    Prod.grad_graph = staticmethod(prod)


def FunctionCtx_():
    from ..function import FunctionCtx
    return FunctionCtx()


def _others_graph(x, axis):
    """``_product_of_others`` in differentiable ops (exclusive cumulative products)."""
    from .elementwise import _const
    from .shape import Cat
    x = x.movedim(axis, -1)
    one = _const(np.ones(tuple(x.shape[:-1]) + (1,), x._data.dtype))
    n = x.shape[-1]
    last = x.dim() - 1
    left = Cat.apply(last, one, x.narrow(-1, 0, n - 1)).cumprod(-1)
    right = Cat.apply(last, one, x.flip(-1).narrow(-1, 0, n - 1)).cumprod(-1).flip(-1)
    return (left * right).movedim(-1, axis)


_attach()
