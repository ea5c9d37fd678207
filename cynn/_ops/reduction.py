"""Reductions and scans beyond sum/mean/max: ``logsumexp``, ``amax``/``amin``/
``aminmax``, ``median``/``nanmedian``/``kthvalue``/``mode``, ``nansum``/``nanmean``,
``var_mean``/``std_mean``, ``count_nonzero``, ``cumprod``/``cummax``/``cummin``/
``logcumsumexp``, ``diff``.

Reductions accept numpy's keyword aliases (``axis``, ``keepdims``) as torch does.
"""
import numpy as np

from .._tensor import (Tensor, _canon_dim, _canon_dims, _numpy_names, _return_type)
from ..autograd.functions import scans as S
from ._checks import check_tensor

__all__ = ["logsumexp", "amax", "amin", "aminmax", "median", "nanmedian", "kthvalue", "mode",
           "nansum", "nanmean", "var_mean", "std_mean", "count_nonzero", "cumprod", "cummax",
           "cummin", "logcumsumexp", "diff", "hash_tensor"]

_Median = _return_type("median")
_Nanmedian = _return_type("nanmedian")
_Kthvalue = _return_type("kthvalue")
_Mode = _return_type("mode")
_Cummax = _return_type("cummax")
_Cummin = _return_type("cummin")


class _AminmaxResult(tuple):
    """``(min, max)`` with names, as ``torch.return_types.aminmax``."""
    __slots__ = ()

    def __new__(cls, lo, hi):
        return super().__new__(cls, (lo, hi))

    min = property(lambda self: self[0])
    max = property(lambda self: self[1])

    def __repr__(self):
        return f"cynn.return_types.aminmax(\nmin={self[0]!r},\nmax={self[1]!r})"


def _dims(x, dim):
    if dim is None or (isinstance(dim, (tuple, list)) and len(dim) == 0):
        return tuple(range(x.dim()))
    return tuple(_canon_dims(dim, x.dim())) if isinstance(dim, (tuple, list)) else \
        (_canon_dim(dim, x.dim()),)


def _check_float(fn, x):
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"{fn}(): Expected floating point type for result tensor, but got: "
                           f"{str(x.dtype).replace('cynn.', '').capitalize()}")


@_numpy_names("dim", "keepdim")
def logsumexp(input, dim=(), keepdim=False):  # noqa: A002
    """``log(sum(exp(input), dim))`` without overflow (the max is shifted out).
    Shape: ``dim`` removed (kept as 1 with ``keepdim``)."""
    check_tensor("logsumexp", input)
    x = input if input.dtype.is_floating_point else input.float()
    dims = _dims(x, dim)
    if x.dim() == 0:
        return x.clone()
    shift = x.detach().amax(dims, keepdim=True)
    shift = shift.masked_fill(shift.isinf(), 0.0)
    out = (x - shift).exp().sum(dims, keepdim=True).log() + shift
    return out if keepdim else out.squeeze(dims)


def _amax_amin(fn, fn_cls, largest):
    @_numpy_names("dim", "keepdim")
    def reduce(input, dim=(), keepdim=False):  # noqa: A002
        check_tensor(fn, input)
        dims = _dims(input, dim)
        if input.dim() == 0:
            return fn_cls.apply(input.unsqueeze(0), (0,), False, largest)
        for d in dims:
            if input.shape[d] == 0:
                raise IndexError(f"{fn}(): Expected reduction dim {d} to have non-zero size.")
        return fn_cls.apply(input, dims, bool(keepdim), largest)
    reduce.__name__ = reduce.__qualname__ = fn
    reduce.__doc__ = (f"The {'largest' if largest else 'smallest'} value over ``dim`` (all "
                      f"dims by default); ties share the gradient evenly. Shape: ``dim`` "
                      f"removed (kept as 1 with ``keepdim``).")
    return reduce


amax = _amax_amin("amax", S.Amax, True)
amin = _amax_amin("amin", S.Amin, False)


def aminmax(input, *, dim=None, keepdim=False):  # noqa: A002
    """``(min, max)`` over ``dim`` (or everything)."""
    check_tensor("aminmax", input)
    if input.numel() == 0 and dim is None:
        raise RuntimeError("aminmax(): cannot compute aminmax over an empty dimension as the "
                           "operation has no identity.")
    d = () if dim is None else dim
    return _AminmaxResult(amin(input, d, keepdim), amax(input, d, keepdim))


def _lower_median_index(moved, ignore_nan):
    """Index of the lower median along the last axis (nan sorts last, as torch)."""
    order = np.argsort(moved, axis=-1, kind="stable")
    n = moved.shape[-1]
    if ignore_nan:
        valid = (~np.isnan(moved)).sum(axis=-1, keepdims=True)
        k = np.maximum(valid - 1, 0) // 2
    else:
        has_nan = np.isnan(moved).any(axis=-1, keepdims=True)
        first_nan = np.argmax(np.isnan(moved), axis=-1)[..., None]
        k = np.full(moved.shape[:-1] + (1,), (n - 1) // 2)
        return np.where(has_nan, first_nan, np.take_along_axis(order, k, axis=-1))[..., 0]
    return np.take_along_axis(order, k, axis=-1)[..., 0]


def _median(fn, input, dim, keepdim, ignore_nan, result_type, all_cls, dim_cls):
    check_tensor(fn, input)
    if dim is None:
        flat = input._data.reshape(-1)
        if flat.size == 0:
            return all_cls.apply(input, np.nan)
        if ignore_nan:
            valid = flat[~np.isnan(flat)]
            value = np.sort(valid)[(valid.size - 1) // 2] if valid.size else np.nan
        else:
            value = np.nan if np.isnan(flat).any() else np.sort(flat)[(flat.size - 1) // 2]
        return all_cls.apply(input, value)
    d = _canon_dim(dim, input.dim())
    x = input if input.dim() else input.unsqueeze(0)
    if x.shape[d] == 0:
        raise IndexError(f"{fn}(): Expected reduction dim {d} to have non-zero size.")
    moved = np.moveaxis(x._data, d, -1)
    idx = np.moveaxis(_lower_median_index(moved, ignore_nan)[..., None], -1, d)
    keep = bool(keepdim) and input.dim() > 0
    indices = idx if keep else np.squeeze(idx, axis=d)
    values = dim_cls.apply(x, d, indices, keep)
    if input.dim() == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return result_type(values, Tensor._wrap(np.asarray(indices, np.int64)))


@_numpy_names("dim", "keepdim")
def median(input, dim=None, keepdim=False):  # noqa: A002
    """The lower median (of the two middle values, the smaller); nan if any is nan.
    No ``dim``: a 0-d tensor. With ``dim``: ``(values, indices)``."""
    return _median("median", input, dim, keepdim, False, _Median, S.Median, S.MedianDim)


@_numpy_names("dim", "keepdim")
def nanmedian(input, dim=None, keepdim=False):  # noqa: A002
    """``median`` ignoring nan values (nan only where every value is nan)."""
    return _median("nanmedian", input, dim, keepdim, True, _Nanmedian, S.Nanmedian,
                   S.NanmedianDim)


@_numpy_names("dim", "keepdim")
def kthvalue(input, k, dim=-1, keepdim=False):  # noqa: A002
    """The ``k``-th smallest value (1-based) along ``dim``, as ``(values, indices)``."""
    check_tensor("kthvalue", input)
    d = _canon_dim(dim, input.dim())
    x = input if input.dim() else input.unsqueeze(0)
    n = x.shape[d]
    if not 1 <= k <= n:
        raise RuntimeError(f"kthvalue(): selected number k out of range for dimension {d}")
    moved = np.moveaxis(x._data, d, -1)
    order = np.argsort(moved, axis=-1, kind="stable")
    idx = np.moveaxis(order[..., k - 1:k], -1, d)
    keep = bool(keepdim) and input.dim() > 0
    indices = idx if keep else np.squeeze(idx, axis=d)
    values = S.KthvalueDim.apply(x, d, indices, keep)
    if input.dim() == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return _Kthvalue(values, Tensor._wrap(np.asarray(indices, np.int64)))


def mode(input, dim=-1, keepdim=False):  # noqa: A002
    """The most frequent value along ``dim`` (the smallest among equally frequent
    ones) and the index of its last occurrence, as ``(values, indices)``."""
    check_tensor("mode", input)
    d = _canon_dim(dim, input.dim())
    x = input if input.dim() else input.unsqueeze(0)
    if x.shape[d] == 0:
        raise IndexError(f"mode(): Expected reduction dim {d} to have non-zero size.")
    moved = np.moveaxis(x._data, d, -1)
    lead, n = moved.shape[:-1], moved.shape[-1]
    rows = moved.reshape(-1, n)
    best = np.empty(rows.shape[0], np.int64)
    for r, row in enumerate(rows):
        values, counts = np.unique(row, return_counts=True)
        winner = values[np.argmax(counts)]  # unique sorts: the first max is the smallest
        best[r] = n - 1 - np.flatnonzero(row[::-1] == winner)[0]
    idx = np.moveaxis(best.reshape(lead + (1,)), -1, d)
    keep = bool(keepdim) and input.dim() > 0
    indices = idx if keep else np.squeeze(idx, axis=d)
    values = S.ModeDim.apply(x, d, indices, keep)
    if input.dim() == 0:
        values, indices = values.reshape(()), indices.reshape(())
    return _Mode(values, Tensor._wrap(np.asarray(indices, np.int64)))


@_numpy_names("dim", "keepdim")
def nansum(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``sum`` treating nan as 0. Shape: as ``sum``."""
    check_tensor("nansum", input)
    x = input.to(dtype) if dtype is not None else input
    if x.dtype.is_floating_point:
        x = x.masked_fill(x.detach().isnan(), 0.0)
    return x.sum() if dim is None else x.sum(dim, keepdim=keepdim)


@_numpy_names("dim", "keepdim")
def nanmean(input, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``mean`` over the non-nan values. Shape: as ``mean``."""
    check_tensor("nanmean", input)
    x = input.to(dtype) if dtype is not None else input
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"nanmean(): expected input to have floating point or complex "
                           f"dtype but got {str(x.dtype).replace('cynn.', '').capitalize()}")
    valid = ~x.detach().isnan()
    count = valid.sum() if dim is None else valid.sum(dim, keepdim=keepdim)
    return nansum(x, dim, keepdim) / count


def var_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """``(var, mean)`` over ``dim`` (see ``Tensor.var`` for ``correction``)."""
    check_tensor("var_mean", input)
    return (input.var(dim, unbiased, keepdim, correction=correction),
            input.mean() if dim is None else input.mean(dim, keepdim=keepdim))


def std_mean(input, dim=None, unbiased=None, keepdim=False, *, correction=None):  # noqa: A002
    """``(std, mean)`` over ``dim``."""
    check_tensor("std_mean", input)
    return (input.std(dim, unbiased, keepdim, correction=correction),
            input.mean() if dim is None else input.mean(dim, keepdim=keepdim))


def count_nonzero(input, dim=None):  # noqa: A002
    """The number of non-zero values over ``dim`` (int64)."""
    check_tensor("count_nonzero", input)
    dims = None if dim is None else _dims(input, dim)
    return Tensor._wrap(np.asarray(np.count_nonzero(input._data, axis=dims), np.int64))


def cumprod(input, dim, *, dtype=None):  # noqa: A002
    """Running product along ``dim``; the gradient is exact where the input has zeros.
    Shape: as the input."""
    check_tensor("cumprod", input)
    x = input.to(dtype) if dtype is not None else input
    if x._data.dtype.kind in "biu" and dtype is None:
        x = x.long()
    if x.dim() == 0:
        return S.Cumprod.apply(x.unsqueeze(0), 0).reshape(())
    return S.Cumprod.apply(x, _canon_dim(dim, x.dim()))


def _running(fn, result_type, fn_cls, largest):
    def running(input, dim):  # noqa: A002
        check_tensor(fn, input)
        x = input if input.dim() else input.unsqueeze(0)
        d = _canon_dim(dim, x.dim())
        idx = S.running_extreme_indices(x._data, d, largest)
        values = fn_cls.apply(x, d, idx)
        if input.dim() == 0:
            values, idx = values.reshape(()), idx.reshape(())
        return result_type(values, Tensor._wrap(idx))
    running.__name__ = running.__qualname__ = fn
    running.__doc__ = (f"Running {'maximum' if largest else 'minimum'} along ``dim`` and the "
                       f"index each value came from, as ``(values, indices)``.")
    return running


cummax = _running("cummax", _Cummax, S.Cummax, True)
cummin = _running("cummin", _Cummin, S.Cummin, False)


def logcumsumexp(input, dim):  # noqa: A002
    """``log(cumsum(exp(input), dim))`` computed stably. Shape: as the input."""
    check_tensor("logcumsumexp", input)
    x = input if input.dtype.is_floating_point else input.float()
    if x.dim() == 0:
        return S.Logcumsumexp.apply(x.unsqueeze(0), 0).reshape(())
    return S.Logcumsumexp.apply(x, _canon_dim(dim, x.dim()))


def diff(input, n=1, dim=-1, prepend=None, append=None):  # noqa: A002
    """The ``n``-th forward difference along ``dim`` (after concatenating ``prepend``
    and ``append``). Shape: ``dim`` shortened by ``n``."""
    from .._creation import cat
    check_tensor("diff", input)
    if input.dim() == 0:
        raise RuntimeError("diff expects input to be at least one-dimensional")
    d = _canon_dim(dim, input.dim())
    x = input
    if prepend is not None or append is not None:
        x = cat([t for t in (prepend, x, append) if t is not None], d)
    for _ in range(n):
        length = x.shape[d]
        if length == 0:
            break
        x = x.narrow(d, 1, length - 1) - x.narrow(d, 0, length - 1) \
            if x.dtype != _bool_dtype() else \
            x.narrow(d, 1, length - 1).logical_xor(x.narrow(d, 0, length - 1))
    return x


def _bool_dtype():
    from .. import _dtype
    return _dtype.bool


def hash_tensor(input, dim=None, *, keepdim=False, mode=0):  # noqa: A002
    """The xor of the elements' bit patterns, each element first widened to float64
    (floating inputs) or int64 (integers, bools) and read as uint64; over ``dim`` (an int
    or a tuple; all dims when None). Not differentiable.

    Shape: ``input``'s without ``dim`` (kept as size 1 with ``keepdim``); dtype uint64.
    """
    check_tensor("hash_tensor", input)
    if mode != 0:
        raise RuntimeError(f"hash_tensor: Expected mode to be 0 (xor reduction) but got {mode}")
    data = input._data
    if dim is None and data.size == 0:
        raise RuntimeError("hash_tensor: Expected reduction dim to be specified for "
                           "input.numel() == 0. Specify the reduction dim with the 'dim' "
                           "argument.")
    axes = None if dim is None else _canon_dims(dim, data.ndim)
    for axis in () if axes is None else (axes if isinstance(axes, tuple) else (axes,)):
        if data.shape[axis] == 0:
            raise IndexError(f"hash_tensor: Expected reduction dim {axis} to have non-zero "
                             "size.")
    wide = data.astype(np.float64 if data.dtype.kind == "f" else np.int64).view(np.uint64)
    out = np.bitwise_xor.reduce(wide, axis=axes, keepdims=keepdim)
    return Tensor._wrap(np.asarray(out, dtype=np.uint64))


METHODS = list(__all__)
INPLACE = ["cumprod"]
