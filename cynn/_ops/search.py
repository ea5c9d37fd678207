"""Searching, counting and binning: ``bucketize``, ``searchsorted``, ``histc``,
``histogram``, ``histogramdd``, ``bincount``, ``unique_consecutive``, ``argwhere``,
``isin``, ``msort``.

None of them is differentiable (their outputs are indices or counts), except
``msort``, which is ``sort`` along dim 0.
"""
import builtins

import numpy as np

from .._tensor import Tensor
from ._checks import check_tensor

__all__ = ["bucketize", "searchsorted", "histc", "histogram", "histogramdd", "bincount",
           "unique_consecutive", "argwhere", "isin", "msort"]

_FUNCTIONS_ONLY = {"bucketize", "searchsorted", "isin", "histogramdd"}


def _index_dtype(out_int32):
    return np.int32 if out_int32 else np.int64


def _float_name(t):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}.get(str(t._data.dtype), str(t._data.dtype))


def searchsorted(sorted_sequence, input, *, out_int32=False, right=False, side=None,  # noqa: A002
                 sorter=None):
    """For each value of ``input``, the index at which it would be inserted into the
    innermost dim of ``sorted_sequence`` to keep it sorted (the leftmost such index,
    or the rightmost with ``right=True`` / ``side="right"``).
    Shape: ``input``'s; ``sorted_sequence`` is 1-d or matches ``input`` on all leading
    dims."""
    check_tensor("searchsorted", sorted_sequence, "sorted_sequence", 1)
    values = input._data if isinstance(input, Tensor) else np.asarray(input)
    if side is not None:
        if side not in ("left", "right"):
            raise RuntimeError(f"torch.searchsorted(): side can only be 'left' or 'right' but "
                               f"got {side}")
        if right and side == "left":
            raise RuntimeError("torch.searchsorted(): side and right can't be set to opposites, "
                               "got side of left while right was True")
        right = side == "right"
    seq = sorted_sequence._data
    if sorter is not None:
        if tuple(sorter.shape) != tuple(seq.shape):
            raise RuntimeError("torch.searchsorted(): boundary and sorter must have the same "
                               "size, but got boundary tensor " f"{list(seq.shape)}and got "
                               f"sorter tensor {list(sorter.shape)}")
        seq = np.take_along_axis(seq, sorter._data, axis=-1)
    kind = "right" if right else "left"
    if seq.ndim == 1:
        out = np.searchsorted(seq, values, side=kind)
    else:
        if seq.shape[:-1] != values.shape[:-1]:
            raise RuntimeError(
                "torch.searchsorted(): boundaries tensor should be 1 dimension or the first N-1 "
                "dimensions of boundaries tensor and input value tensor must match, but we got "
                f"boundaries tensor {list(seq.shape)} and input value tensor "
                f"{list(values.shape)}")
        flat_seq = seq.reshape(-1, seq.shape[-1])
        flat_val = values.reshape(-1, values.shape[-1])
        out = np.stack([np.searchsorted(s, v, side=kind) for s, v in zip(flat_seq, flat_val)])
        out = out.reshape(values.shape)
    return Tensor._wrap(np.asarray(out, _index_dtype(out_int32)))


def bucketize(input, boundaries, *, out_int32=False, right=False):  # noqa: A002
    """The bucket index of each value of ``input`` for the sorted 1-d ``boundaries``
    (``boundaries[i-1] < x <= boundaries[i]``, or ``<= x <`` with ``right=True``).
    Shape: ``input``'s."""
    check_tensor("bucketize", boundaries, "boundaries", 2)
    if boundaries.dim() != 1:
        raise RuntimeError(f"boundaries tensor must be 1 dimension, but got dim("
                           f"{boundaries.dim()})")
    return searchsorted(boundaries, input, out_int32=out_int32, right=right)


def histc(input, bins=100, min=0, max=0):  # noqa: A002
    """Histogram of ``input`` with ``bins`` equal bins over ``[min, max]`` (the data's
    range when both are 0); values outside are ignored. Shape: ``(bins,)``."""
    check_tensor("histc", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_float_name(input)}'")
    if bins <= 0:
        raise RuntimeError(f"torch.histc(): bins must be > 0, but got {bins} for dimension 0")
    data = input._data.reshape(-1)
    lo, hi = float(min), float(max)
    if lo == hi and data.size:
        finite = data[np.isfinite(data)]
        lo, hi = (float(finite.min()), float(finite.max())) if finite.size else (lo, hi)
    if lo > hi:
        raise RuntimeError(f"torch.histc(): max must be larger than min, but got min {min} "
                           f"max {max}")
    if lo == hi:
        lo, hi = lo - 1, hi + 1
    inside = data[(data >= lo) & (data <= hi)]
    # torch puts x into bin floor((x - lo) * bins / (hi - lo)), the maximum into the last
    idx = np.floor((inside.astype(np.float64) - lo) * bins / (hi - lo)).astype(np.int64)
    idx = np.minimum(idx, bins - 1)
    counts = np.bincount(idx, minlength=bins).astype(input._data.dtype)
    return Tensor._wrap(counts)


def histogram(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """``(hist, bin_edges)``: counts (or ``weight`` sums; normalised with ``density``)
    over ``bins`` equal bins in ``range`` (the data's by default), or over the given
    bin edges. Shape: ``hist (n_bins,)``, ``bin_edges (n_bins + 1,)``."""
    check_tensor("histogram", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogram_cpu\" not implemented for '{_float_name(input)}'")
    edges_arg = bins._data if isinstance(bins, Tensor) else int(bins)
    w = weight._data if weight is not None else None
    hist, edges = np.histogram(input._data.reshape(-1), edges_arg, range=range,
                               weights=None if w is None else w.reshape(-1), density=density)
    dt = input._data.dtype
    return _HistogramResult(Tensor._wrap(hist.astype(dt)), Tensor._wrap(edges.astype(dt)))


_HistogramResult = type("histogram", (tuple,), {
    "__slots__": (), "__new__": lambda cls, h, e: tuple.__new__(cls, (h, e)),
    "hist": property(lambda self: self[0]), "bin_edges": property(lambda self: self[1]),
    "__repr__": lambda self: f"cynn.return_types.histogram(\nhist={self[0]!r},\n"
                             f"bin_edges={self[1]!r})"})


def histogramdd(input, bins, *, range=None, weight=None, density=False):  # noqa: A002
    """``(hist, bin_edges)`` of the points in ``input``'s innermost dim: counts (or
    ``weight`` sums; normalised with ``density``) over a ``D``-dimensional grid of bins.

    ``bins`` is one int for every dim, a list of ``D`` ints (equal bins over ``range``,
    a flat list ``[lo_0, hi_0, lo_1, hi_1, ...]``, or the data's extent), or a list of
    ``D`` 1-d tensors of increasing bin edges. Not differentiable (counts).

    Shape: input ``(*, D)``; weight ``(*)``; hist ``(bins_0, ..., bins_{D-1})``; bin_edges
    a tuple of ``D`` tensors ``(bins_d + 1,)``.
    """
    check_tensor("histogramdd", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"histogramdd\" not implemented for '{_float_name(input)}'")
    if input.dim() < 2:
        raise RuntimeError("torch.histogramdd: input tensor should have at least 2 dimensions")
    dims = input.shape[-1]
    points = input._data.reshape(-1, dims)
    if isinstance(bins, int):
        bins = [bins] * dims
    bins = list(bins)
    if len(bins) != dims:
        raise RuntimeError("histogramdd: The size of bins must be equal to the innermost "
                           "dimension of the input.")
    edges_arg = [b._data.astype(np.float64) if isinstance(b, Tensor) else int(b) for b in bins]
    ranges = None
    if range is not None:
        range = list(range)
        if len(range) != 2 * dims:
            raise RuntimeError(f"torch.histogramdd: for a {dims}-dimensional histogram, range "
                               f"should have {2 * dims} elements, but got {len(range)}")
        ranges = [(range[2 * d], range[2 * d + 1]) for d in builtins.range(dims)]
    elif points.shape[0] == 0:
        ranges = [(0.0, 1.0)] * dims    # no data: unit bins, as torch
    w = None if weight is None else weight._data.reshape(-1)
    hist, edges = np.histogramdd(points, edges_arg, range=ranges, weights=w, density=density)
    dt = input._data.dtype
    return _HistogramddResult(Tensor._wrap(hist.astype(dt)),
                              tuple(Tensor._wrap(e.astype(dt)) for e in edges))

_HistogramddResult = type("histogramdd", (tuple,), {
    "__slots__": (), "__new__": lambda cls, h, e: tuple.__new__(cls, (h, e)),
    "hist": property(lambda self: self[0]), "bin_edges": property(lambda self: self[1]),
    "__repr__": lambda self: f"cynn.return_types.histogramdd(\nhist={self[0]!r},\n"
                             f"bin_edges={self[1]!r})"})


def bincount(input, weights=None, minlength=0):  # noqa: A002
    """How often each value ``0..max`` occurs in the 1-d non-negative integer
    ``input`` (the ``weights`` summed instead, when given).
    Shape: ``(max(max(input) + 1, minlength),)``."""
    check_tensor("bincount", input)
    data = input._data
    if data.ndim != 1 or data.dtype.kind not in "iu" or (data.size and data.min() < 0):
        raise RuntimeError("bincount only supports 1-d non-negative integral inputs.")
    if minlength < 0:
        raise RuntimeError("minlength should be >= 0")
    if weights is not None:
        if tuple(weights.shape) != tuple(input.shape):
            raise RuntimeError("weights should be 1-d and have the same length as input")
        w = weights._data
        out = np.bincount(data, w.astype(np.float64), minlength)
        return Tensor._wrap(out.astype(w.dtype if w.dtype.kind == "f" else np.float64))
    return Tensor._wrap(np.bincount(data, minlength=minlength).astype(np.int64))


def unique_consecutive(input, return_inverse=False, return_counts=False, dim=None):  # noqa: A002
    """Collapse runs of equal consecutive values (slices along ``dim``) to one; with
    ``return_inverse`` also each element's run index, with ``return_counts`` the
    run lengths."""
    check_tensor("unique_consecutive", input)
    data = input._data
    if dim is None:
        flat = data.reshape(-1)
        starts = np.ones(flat.size, np.bool_)
        starts[1:] = flat[1:] != flat[:-1]
        values = flat[starts]
        inverse = (np.cumsum(starts) - 1).reshape(data.shape)
    else:
        from .._tensor import _canon_dim
        d = _canon_dim(dim, data.ndim)
        moved = np.moveaxis(data, d, 0)
        starts = np.ones(moved.shape[0], np.bool_)
        if moved.shape[0] > 1:
            starts[1:] = np.any((moved[1:] != moved[:-1]).reshape(moved.shape[0] - 1, -1), 1)
        values = np.moveaxis(moved[starts], 0, d)
        inverse = np.cumsum(starts) - 1
    counts = np.diff(np.append(np.flatnonzero(starts), starts.size))
    out = [Tensor._wrap(np.ascontiguousarray(values))]
    if return_inverse:
        out.append(Tensor._wrap(inverse.astype(np.int64)))
    if return_counts:
        out.append(Tensor._wrap(counts.astype(np.int64)))
    return out[0] if len(out) == 1 else tuple(out)


def argwhere(input):  # noqa: A002
    """Indices of the non-zero elements, one row each. Shape: ``(n_nonzero, input.dim())``."""
    check_tensor("argwhere", input)
    return Tensor._wrap(np.argwhere(input._data).astype(np.int64))


def isin(elements, test_elements, *, assume_unique=False, invert=False):
    """Whether each of ``elements`` occurs in ``test_elements`` (bool, elements' shape)."""
    a = elements._data if isinstance(elements, Tensor) else np.asarray(elements)
    b = test_elements._data if isinstance(test_elements, Tensor) else np.asarray(test_elements)
    return Tensor._wrap(np.isin(a, b, assume_unique=assume_unique, invert=invert))


def msort(input):  # noqa: A002
    """``sort`` along dim 0 (values only)."""
    check_tensor("msort", input)
    return input.sort(0).values


METHODS = [n for n in __all__ if n not in _FUNCTIONS_ONLY]
INPLACE = []
