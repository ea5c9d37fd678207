"""Index-driven ops: gather/scatter along a dimension, index_select/add/copy/fill,
masked_select/scatter, take, index_put.

Indices reach these Functions already checked (dtype, rank, range) by ``cynn._ops.
indexing``; they are numpy int arrays here. The gradient of a gather is a scatter-add
and vice versa; positions overwritten by a scatter/copy get no gradient from the
overwritten input.
"""
import numpy as np

from ..function import Function


def along(index, dim):
    """The full index tuple that puts ``index`` at ``dim`` and every other position
    in place (``x[along(i, d)]`` is ``take_along_axis`` for index shapes smaller than x)."""
    grid = list(np.indices(index.shape, sparse=True))
    grid[dim] = index
    return tuple(grid)


def _head(src, shape):
    """The leading block of ``src`` with ``shape`` (torch lets a scatter index be
    smaller than its source: the rest of the source is not read); ``src`` itself when
    it has that shape, so that a saved source stays the argument's own array."""
    if src.shape == tuple(shape):
        return src
    return src[tuple(slice(0, n) for n in shape)]


class Gather(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.save_for_backward(index)
        ctx.meta = (x.shape, x.dtype, dim)
        if x.ndim == 0:
            return x.copy().reshape(index.shape)
        return x[along(index, dim)]

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        shape, dtype, dim = ctx.meta
        gx = np.zeros(shape, g.dtype)
        if gx.ndim == 0:
            return gx + g.sum(), None, None
        np.add.at(gx, along(index, dim), g)
        return gx, None, None


class Scatter(Function):
    """``out = x`` with ``out[along(index)] = src`` (or a number, or reduced into with
    ``reduce='add'/'multiply'``)."""
    fresh_gradients = True
    grad_fn_name = "ScatterBackward0"

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce):
        out = x.copy()
        ctx.save_for_backward(index)
        ctx.dim = dim
        ctx.src_is_array = isinstance(src, np.ndarray)
        ctx.src_shape = np.shape(src)
        if out.ndim == 0:
            out = out.reshape(1)
            index = index.reshape(-1)[:1] if index.size else index.reshape(0)
            src = np.asarray(src).reshape(-1)[:index.size] if ctx.src_is_array else src
            dim = 0
        where = along(index, dim)
        value = _head(src, index.shape) if ctx.src_is_array else src
        if reduce is None:
            out[where] = value
        elif reduce == "add":
            np.add.at(out, where, value)
        else:
            np.multiply.at(out, where, value)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        dim = ctx.dim
        gx = gsrc = None
        if g.ndim == 0:
            g1, index, dim = g.reshape(1), index.reshape(-1)[:1], 0
        else:
            g1 = g
        if ctx.needs_input_grad[0]:
            gx = g1.copy()
            gx[along(index, dim)] = 0
            gx = gx.reshape(g.shape)
        if ctx.src_is_array and ctx.needs_input_grad[3]:
            gsrc = _zero_padded(g1[along(index, dim)], ctx.src_shape)
        return gx, None, None, gsrc, None


class ScatterValue(Scatter):
    """``scatter`` of a number (torch's second overload)."""
    grad_fn_name = "ScatterBackward1"


class ScatterAdd(Function):
    fresh_gradients = False

    @staticmethod
    def forward(ctx, x, dim, index, src):
        out = x.copy()
        ctx.save_for_backward(index)
        ctx.meta = (dim, src.shape)
        if out.ndim == 0:
            return out + _head(src.reshape(-1), (index.size,)).sum()
        np.add.at(out, along(index, dim), _head(src, index.shape))
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        dim, src_shape = ctx.meta
        gsrc = None
        if ctx.needs_input_grad[3]:
            gsrc = np.zeros(src_shape, g.dtype)
            if g.ndim == 0:
                gsrc.reshape(-1)[:index.size] = g
            else:
                _head(gsrc, index.shape)[...] = g[along(index, dim)]
        return g, None, None, gsrc


_REDUCE_UFUNC = {"sum": np.add, "prod": np.multiply, "mean": np.add, "amax": np.maximum,
                 "amin": np.minimum}


class ScatterReduce(Function):
    """torch's ``scatter_reduce``: each target position reduces the sources scattered
    to it (and itself when ``include_self``); ``mean`` divides by that count.

    The forward's count of sources per target (``touched``) is kept for backward;
    ``sum`` and ``mean`` save only the index, the others the values they compare or
    multiply (input, source, result)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, index, src, reduce, include_self):
        scalar = x.ndim == 0
        ctx.src_shape = src.shape
        if scalar:
            x, index, src, dim = x.reshape(1), index.reshape(-1), src.reshape(-1), 0
        src = _head(src, index.shape)
        where = along(index, dim)
        touched = np.zeros(x.shape, np.int64)
        np.add.at(touched, where, 1)
        out = x.copy()
        if not include_self:  # start touched positions from the reduction's identity
            identity = {"sum": 0, "mean": 0, "prod": 1}.get(reduce)
            if identity is None:
                identity = (-np.inf if reduce == "amax" else np.inf) if x.dtype.kind == "f" else \
                    (np.iinfo(x.dtype).min if reduce == "amax" else np.iinfo(x.dtype).max)
            out[touched > 0] = identity
        _REDUCE_UFUNC[reduce].at(out, where, src)
        if reduce == "mean":
            count = touched + (1 if include_self else 0)
            count = np.maximum(count, 1)
            out = out / count if x.dtype.kind == "f" else out // count
            out = out.astype(x.dtype, copy=False)
            if not include_self:
                out = np.where(touched > 0, out, x)
            ctx.count = count
        if reduce in ("sum", "mean"):
            ctx.save_for_backward(index)
        else:
            ctx.save_for_backward(index, x, src, out)
        ctx.touched = touched
        ctx.meta = (dim, reduce, include_self, scalar)
        return out.reshape(()) if scalar else out

    @staticmethod
    def backward(ctx, g):
        index = ctx.saved_tensors[0]
        dim, reduce, include_self, scalar = ctx.meta
        touched = ctx.touched
        g = g.reshape(touched.shape)
        where = along(index, dim)
        if reduce == "sum":
            gx = g.copy() if include_self else np.where(touched > 0, 0, g)
            gsrc = g[where]
        elif reduce == "mean":
            gx = g / ctx.count if include_self else np.where(touched > 0, 0, g)
            gsrc = (g / ctx.count)[where]
        elif reduce in ("amax", "amin"):
            _, x, src, out = ctx.saved_tensors
            hits_self, hits_src, n_hits = _extreme_hits(x, src, out, where, g.dtype)
            share = g / n_hits
            gx = np.where(hits_self & (include_self | (touched == 0)), share, 0)
            gsrc = np.where(hits_src, share[where], 0)
        else:
            _, x, src, out = ctx.saved_tensors
            gx, gsrc = _prod_grads(x, src, out, where, g, include_self, touched)
        gx = gx.astype(g.dtype, copy=False).reshape(() if scalar else touched.shape)
        gsrc_full = None
        if ctx.needs_input_grad[3]:
            gsrc_full = _zero_padded(np.asarray(gsrc, g.dtype), ctx.src_shape)
        return gx, None, None, gsrc_full, None, None


def _extreme_hits(x, src, out, where, dtype):
    """amax/amin share a target's gradient evenly among the values equal to the result:
    which input and source elements are, and how many per target (at least 1). torch
    counts the input's own value among them even with include_self=False (and then
    gives it no gradient), so the shares match torch's."""
    hits_self = x == out
    hits_src = src == out[where]
    n_hits = hits_self.astype(dtype)
    np.add.at(n_hits, where, hits_src.astype(dtype))
    return hits_self, hits_src, np.maximum(n_hits, 1)


def _zero_padded(head, shape):
    """``head`` placed at the start of a zero array of ``shape`` (sources beyond the
    index's extent get no gradient)."""
    if head.shape == tuple(shape):
        return head
    out = np.zeros(shape, head.dtype)
    if out.ndim == 0:
        return head.reshape(-1)[:1].reshape(()) if head.size else out
    if head.ndim != out.ndim:
        out.reshape(-1)[:head.size] = head.reshape(-1)
        return out
    out[tuple(slice(0, n) for n in head.shape)] = head
    return out


def _prod_grads(x, src, out, where, g, include_self, touched):
    """Each factor's gradient is the product of the other factors of its group: the
    group's product over the non-zero factors, with the zero count deciding (none:
    out / v; one: only the zero gets the product of the rest; more: all zero)."""
    one = np.ones((), x.dtype)
    self_in = include_self | (touched == 0)
    nonzero_prod = np.where(self_in & (x != 0), x, one).astype(x.dtype)
    zeros = (self_in & (x == 0)).astype(np.int64)
    np.multiply.at(nonzero_prod, where, np.where(src != 0, src, one))
    np.add.at(zeros, where, (src == 0).astype(np.int64))

    def factor_grad(v, nz_prod, n_zero):
        return np.where(n_zero == 0, nz_prod / np.where(v == 0, one, v),
                        np.where((n_zero == 1) & (v == 0), nz_prod, 0))

    gx = np.where(self_in, g * factor_grad(x, nonzero_prod, zeros), 0)
    gsrc = g[where] * factor_grad(src, nonzero_prod[where], zeros[where])
    return gx, gsrc


class IndexSelect(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, index):
        ctx.save_for_backward(index)
        ctx.meta = (x.shape, dim)
        if x.ndim == 0:
            return x.copy()  # torch: a 0-d input gives a 0-d result
        return np.take(x, index.reshape(-1), axis=dim).reshape(
            x.shape[:dim] + (index.size,) + x.shape[dim + 1:])

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        shape, dim = ctx.meta
        gx = np.zeros(shape, g.dtype)
        if gx.ndim == 0:
            return gx + g.sum(), None, None
        np.add.at(np.moveaxis(gx, dim, 0), index.reshape(-1), np.moveaxis(g, dim, 0))
        return gx, None, None


class IndexAdd(Function):
    @staticmethod
    def forward(ctx, x, dim, index, source, alpha):
        out = x.copy()
        ctx.save_for_backward(index)
        ctx.meta = (dim, alpha, source.shape)
        if out.ndim == 0:
            return out + alpha * source.sum()
        np.add.at(np.moveaxis(out, dim, 0), index.reshape(-1),
                  np.moveaxis(source if alpha == 1 else source * alpha, dim, 0))
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        dim, alpha, source_shape = ctx.meta
        gsrc = None
        if ctx.needs_input_grad[3]:
            if g.ndim == 0:
                gsrc = np.broadcast_to(g * alpha, source_shape).copy()
            else:
                gsrc = np.take(g, index.reshape(-1), axis=dim).reshape(source_shape)
                gsrc = gsrc * alpha if alpha != 1 else gsrc
        return g, None, None, gsrc, None


class IndexCopy(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, index, source):
        out = x.copy()
        ctx.save_for_backward(index)
        ctx.meta = (dim, source.shape)
        if out.ndim == 0:
            return source.reshape(()).copy() if index.size else out
        np.moveaxis(out, dim, 0)[index.reshape(-1)] = np.moveaxis(source, dim, 0)
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        dim, source_shape = ctx.meta
        if g.ndim == 0:
            return (np.zeros_like(g) if index.size else g.copy()), None, None, \
                g.reshape(source_shape).copy()
        gx = g.copy()
        np.moveaxis(gx, dim, 0)[index.reshape(-1)] = 0
        gsrc = np.take(g, index.reshape(-1), axis=dim).reshape(source_shape)
        return gx, None, None, gsrc


class IndexFill(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, dim, index, value):
        out = x.copy()
        ctx.save_for_backward(index)
        ctx.dim = dim
        if out.ndim == 0:
            return np.full_like(out, value) if index.size else out
        np.moveaxis(out, dim, 0)[index.reshape(-1)] = value
        return out

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = g.copy()
        if gx.ndim == 0:
            return (np.zeros_like(g) if index.size else gx), None, None, None
        np.moveaxis(gx, ctx.dim, 0)[index.reshape(-1)] = 0
        return gx, None, None, None


class MaskedSelect(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, mask):
        shape = np.broadcast_shapes(x.shape, mask.shape)
        mask = np.broadcast_to(mask, shape)
        ctx.save_for_backward(mask)
        ctx.dtype = x.dtype
        return np.broadcast_to(x, shape)[mask]

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        gx = np.zeros(mask.shape, g.dtype)
        gx[mask] = g
        return gx, None


class MaskedScatter(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, mask, source):
        mask = np.broadcast_to(mask, x.shape)
        out = x.copy()
        n = int(mask.sum())
        out[mask] = source.reshape(-1)[:n]
        ctx.save_for_backward(mask)
        ctx.meta = (source.shape, n)
        return out

    @staticmethod
    def backward(ctx, g):
        (mask,) = ctx.saved_tensors
        source_shape, n = ctx.meta
        gx = np.where(mask, 0, g).astype(g.dtype, copy=False)
        gsrc = np.zeros(int(np.prod(source_shape)), g.dtype)
        gsrc[:n] = g[mask]
        return gx, None, gsrc.reshape(source_shape)


class Take(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, index):
        ctx.save_for_backward(index)
        ctx.shape = x.shape
        return x.reshape(-1)[index]

    @staticmethod
    def backward(ctx, g):
        (index,) = ctx.saved_tensors
        gx = np.zeros(int(np.prod(ctx.shape)), g.dtype)
        np.add.at(gx, index, g)
        return gx.reshape(ctx.shape), None


class Put(Function):
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, index, source, accumulate):
        out = x.copy().reshape(-1)
        flat = index.reshape(-1)
        if accumulate:
            np.add.at(out, flat, source.reshape(-1))
        else:
            out[flat] = source.reshape(-1)
        ctx.save_for_backward(flat)
        ctx.meta = (source.shape, accumulate)
        return out.reshape(x.shape)

    @staticmethod
    def backward(ctx, g):
        (flat,) = ctx.saved_tensors
        source_shape, accumulate = ctx.meta
        gx = g.copy()
        if not accumulate:
            gx.reshape(-1)[flat] = 0
        gsrc = g.reshape(-1)[flat].reshape(source_shape)
        return gx, None, gsrc, None


class IndexPut(Function):
    """``out = x; out[indices] = values`` (or ``+=`` with ``accumulate``); ``indices``
    is a tuple of int/bool arrays, as advanced indexing takes them."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, indices, values, accumulate):
        out = x.copy()
        if accumulate:
            target_shape = out[indices].shape
            np.add.at(out, indices, np.broadcast_to(values, target_shape))
        else:
            out[indices] = values
        ctx.indices = indices
        ctx.meta = (values.shape, accumulate)
        return out

    @staticmethod
    def backward(ctx, g):
        indices = ctx.indices
        values_shape, accumulate = ctx.meta
        gx = g.copy()
        if not accumulate:
            gx[indices] = 0
        gvalues = g[indices]  # the engine sums a broadcast value's gradient back
        if gvalues.shape != tuple(values_shape):
            gvalues = _sum_to(gvalues, values_shape)
        return gx, None, gvalues, None


def _padded_to(head, shape):
    """A differentiable ``_zero_padded``: ``head`` (Tensor) at the start of zeros of
    ``shape``."""
    full = head._wrap(np.zeros(shape, head._data.dtype))
    if full.dim() == 0:
        return head.reshape(-1)[0] if head.numel() else full
    flat = head.reshape(-1) if head.dim() != full.dim() else head
    if flat is not head:
        return IndexPut.apply(full.reshape(-1), (np.arange(head.numel()),), flat,
                              False).reshape(*shape)
    region = tuple(np.arange(n).reshape((-1,) + (1,) * (head.dim() - 1 - i))
                   for i, n in enumerate(head.shape))
    return IndexPut.apply(full, region, head, False)


def _sum_to(g, shape):
    lead = g.ndim - len(shape)
    g = g.sum(axis=tuple(range(lead))) if lead > 0 else g
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True): a gather's
# gradient is a scatter-add and the other way round, so each is the other's formula.

def _zeros_like_meta(g, shape):
    return g._wrap(np.zeros(shape, g._data.dtype))


def _gather_grad(ctx, inputs, g):
    x, dim, index = inputs
    if x.dim() == 0:
        return NotImplemented
    return ScatterAdd.apply(_zeros_like_meta(g, tuple(x.shape)), dim, index, g), None, None


def _scatter_add_grad(ctx, inputs, g):
    x, dim, index, src = inputs
    if x.dim() == 0 or tuple(index.shape) != tuple(src.shape):
        return NotImplemented
    gsrc = Gather.apply(g, dim, index) if ctx.needs_input_grad[3] else None
    return g, None, None, gsrc


def _index_select_grad(ctx, inputs, g):
    x, dim, index = inputs
    if x.dim() == 0:
        return NotImplemented
    return IndexAdd.apply(_zeros_like_meta(g, tuple(x.shape)), dim, index, g, 1), None, None


def _index_add_grad(ctx, inputs, g):
    x, dim, index, source, alpha = inputs
    if x.dim() == 0:
        return NotImplemented
    gsrc = None
    if ctx.needs_input_grad[3]:
        gsrc = IndexSelect.apply(g, dim, index).reshape(*source.shape)
        gsrc = gsrc * alpha if alpha != 1 else gsrc
    return g, None, None, gsrc, None


def _take_grad(ctx, inputs, g):
    x, index = inputs
    flat = IndexPut.apply(_zeros_like_meta(g, (int(np.prod(x.shape)),)), (index.reshape(-1),),
                          g.reshape(-1), True)
    return flat.reshape(*x.shape), None


def _masked_select_grad(ctx, inputs, g):
    x, mask = inputs
    shape = np.broadcast_shapes(tuple(x.shape), np.shape(mask))
    full = np.broadcast_to(mask, shape)
    return IndexPut.apply(_zeros_like_meta(g, shape), (full,), g, False), None


Gather.grad_graph = staticmethod(_gather_grad)
ScatterAdd.grad_graph = staticmethod(_scatter_add_grad)
IndexSelect.grad_graph = staticmethod(_index_select_grad)
IndexAdd.grad_graph = staticmethod(_index_add_grad)
Take.grad_graph = staticmethod(_take_grad)
MaskedSelect.grad_graph = staticmethod(_masked_select_grad)


def _attach_writes():
    from ..recorded_formulas import DelayedError
    from .elementwise import _const, where

    def scatter(ctx, inputs, g):
        (index,) = ctx.saved_tensors
        if g.dim() == 0:
            return NotImplemented
        keep = np.ones(g.shape, np.bool_)
        keep[along(index, ctx.dim)] = False
        gsrc = None
        if ctx.src_is_array and ctx.needs_input_grad[3]:
            if tuple(index.shape) != tuple(ctx.src_shape):
                return NotImplemented
            gsrc = Gather.apply(g, ctx.dim, index)
        return g * _const(keep), None, None, gsrc, None

    def index_fill(ctx, inputs, g):
        (index,) = ctx.saved_tensors
        if g.dim() == 0:
            return NotImplemented
        keep = np.ones(g.shape, np.bool_)
        np.moveaxis(keep, ctx.dim, 0)[index.reshape(-1)] = False
        return g * _const(keep), None, None, None

    def index_copy(ctx, inputs, g):
        (index,) = ctx.saved_tensors
        dim, source_shape = ctx.meta
        if g.dim() == 0:
            return NotImplemented
        keep = np.ones(g.shape, np.bool_)
        np.moveaxis(keep, dim, 0)[index.reshape(-1)] = False
        gsrc = IndexSelect.apply(g, dim, index.reshape(-1)).reshape(*source_shape)
        return g * _const(keep), None, None, gsrc

    def index_put(ctx, inputs, g):
        values_shape, accumulate = ctx.meta
        gx = g
        if not accumulate:
            keep = np.ones(g.shape, np.bool_)
            keep[ctx.indices] = False
            gx = g * _const(keep)
        gv = g[tuple(g._wrap(i) if isinstance(i, np.ndarray) else i for i in ctx.indices)]
        from ..graph_backward import sum_to
        return gx, None, sum_to(gv, values_shape, g._data.dtype), None

    def scatter_reduce(ctx, inputs, g):
        # torch's formulas (scatter_reduce_backward): sum, mean, amax and amin route g
        # by constants; prod divides the result by each factor, with masks for zeros
        x, _, _, src, reduce, include_self = inputs
        index = ctx.saved_tensors[0]
        dim, _, _, scalar = ctx.meta
        touched = ctx.touched
        if scalar:
            x, g = x.reshape(1), g.reshape(1)
            src = src.reshape(-1)
        if tuple(src.shape) != index.shape:  # only the leading block is read
            src = src[tuple(slice(0, n) for n in index.shape)]
        untouched = _const(touched == 0)
        if reduce == "sum":
            gx = g if include_self else g * untouched
            gsrc = Gather.apply(g, dim, index)
        elif reduce == "mean":
            g_mean = g / _const(ctx.count.astype(g._data.dtype))
            gx = g_mean if include_self else g * untouched
            gsrc = Gather.apply(g_mean, dim, index)
        elif reduce in ("amax", "amin"):
            _, x_a, src_a, out_a = ctx.saved_tensors
            hits_self, hits_src, n_hits = _extreme_hits(x_a, src_a, out_a, along(index, dim),
                                                        g._data.dtype)
            share = g / _const(n_hits)
            gx = share * _const(hits_self & (include_self | (touched == 0)))
            gsrc = Gather.apply(share, dim, index) * _const(hits_src)
        else:
            gx, gsrc = _prod_grad_graph(x, dim, index, src, include_self, g)
            if not include_self:
                gx = gx * untouched
        if scalar:
            gx = gx.reshape(())
        if not ctx.needs_input_grad[3]:
            gsrc = None
        elif scalar or tuple(src.shape) != tuple(ctx.src_shape):
            gsrc = _padded_to(gsrc, ctx.src_shape)
        return gx, None, None, gsrc, None, None

    def _prod_grad_graph(x, dim, index, src, include_self, g):
        """A factor's gradient is g times the product of the other factors of its
        target: result / factor where it is not 0; where it is, the product with that
        zero replaced by 1 (only one zero: with more, the product is 0 anyway, and its
        derivative in the sources is not defined by this formula -- torch raises)."""
        x_a, src_a = x._data, src._data
        x_zero = _const(x_a == 0)
        masked_self = where(x_zero, 1.0, x)
        gx = g * ScatterReduce.apply(masked_self, dim, index, src, "prod", include_self) \
            / masked_self
        src_zero = src_a == 0
        n_zeros = np.zeros(x_a.shape, np.int64)
        np.add.at(n_zeros, along(index, dim), src_zero)
        n_zeros = n_zeros[along(index, dim)]
        single_zero = _const(src_zero & (n_zeros == 1))
        result = ScatterReduce.apply(x, dim, index, src, "prod", include_self)
        masked_src_result = ScatterReduce.apply(x, dim, index, where(single_zero, 1.0, src),
                                                "prod", include_self)
        gsrc = where(single_zero, Gather.apply(g * masked_src_result, dim, index),
                     Gather.apply(g * result, dim, index) / where(_const(src_zero), 1.0, src))
        if np.any(n_zeros > 1):
            gsrc = DelayedError.apply(
                gsrc, error_type=RuntimeError,
                message="scatter_reduce(): Double backward is unsupported for src when >1 "
                        "zeros in src are scattered to the same position in self")
        return gx, gsrc

    Scatter.grad_graph = staticmethod(scatter)
    ScatterReduce.grad_graph = staticmethod(scatter_reduce)
    IndexFill.grad_graph = staticmethod(index_fill)
    IndexCopy.grad_graph = staticmethod(index_copy)
    IndexPut.grad_graph = staticmethod(index_put)


_attach_writes()
