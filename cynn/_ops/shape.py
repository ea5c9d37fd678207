"""Shape and layout functions: ``roll``, ``rot90``, ``tile``, ``repeat_interleave``,
``broadcast_to``/``broadcast_tensors``, the ``*stack`` family, ``block_diag``,
``meshgrid``, ``movedim``, ``swapaxes``, ``fliplr``/``flipud``, ``tensor_split`` and
``h/v/dsplit``, ``ravel``, ``atleast_Nd``, ``tril``/``triu`` (+ ``_indices``),
``diag``/``diagonal``/``diag_embed``/``diagflat``/``trace``, the ``*_scatter`` ops,
``cartesian_prod``, ``combinations``.

Most are compositions of differentiable views and copies; the ones that move
elements in a pattern of their own have a Function in ``autograd/functions/layout.py``.
"""
import itertools
import numbers
import warnings

import numpy as np

from .._tensor import Tensor, _canon_dim
from ..autograd.functions import layout as L
from ._checks import check_tensor

__all__ = ["roll", "rot90", "tile", "repeat_interleave", "broadcast_to", "broadcast_tensors",
           "broadcast_shapes", "vstack", "hstack", "dstack", "column_stack", "row_stack",
           "block_diag", "meshgrid", "movedim", "moveaxis", "swapaxes", "swapdims", "fliplr",
           "flipud", "tensor_split", "hsplit", "vsplit", "dsplit", "ravel", "atleast_1d",
           "atleast_2d", "atleast_3d", "tril", "triu", "tril_indices", "triu_indices", "diag",
           "diagonal", "diag_embed", "diagflat", "trace", "diagonal_scatter", "select_scatter",
           "slice_scatter", "cartesian_prod", "combinations", "narrow_copy",
           "split_with_sizes"]

# module-level only (torch has no Tensor method of these names)
_FUNCTIONS_ONLY = {"broadcast_tensors", "broadcast_shapes", "vstack", "hstack", "dstack",
                   "column_stack", "row_stack", "block_diag", "meshgrid", "atleast_1d",
                   "atleast_2d", "atleast_3d", "tril_indices", "triu_indices", "cartesian_prod",
                   "combinations"}


def _as_tuple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def roll(input, shifts, dims=None):  # noqa: A002
    """Shift elements along ``dims`` cyclically (the flattened tensor without dims).
    Shape: as the input."""
    check_tensor("roll", input)
    shifts_t = _as_tuple(shifts)
    if dims is None:
        if len(shifts_t) != 1:
            raise RuntimeError(f"roll(): shifts and dims must align. shifts: {len(shifts_t)}, "
                               f"dims:0")
        return L.Roll.apply(input, int(shifts_t[0]), None)
    dims_t = tuple(_canon_dim(d, input.dim()) for d in _as_tuple(dims))
    if len(shifts_t) != len(dims_t):
        raise RuntimeError(f"shifts and dimensions must align. shifts: {len(shifts_t)}, "
                           f"dims:{len(dims_t)}")
    return L.Roll.apply(input, tuple(int(s) for s in shifts_t), dims_t)


def rot90(input, k=1, dims=(0, 1)):  # noqa: A002
    """Rotate by 90 degrees ``k`` times in the plane ``dims`` (from the first axis
    toward the second). Shape: the two dims swapped when ``k`` is odd."""
    check_tensor("rot90", input)
    dims = tuple(dims)
    if len(dims) != 2:
        raise RuntimeError(f"expected total rotation dims == 2, but got dims = {len(dims)}")
    if input.dim() < 2:
        raise RuntimeError(f"expected total dims >= 2, but got total dims = {input.dim()}")
    d0, d1 = (_canon_dim(d, input.dim()) for d in dims)
    if d0 == d1:
        raise RuntimeError(f"expected rotation dims to be different, but got dim0 = {d0} and "
                           f"dim1 = {d1}")
    return L.Rot90.apply(input, int(k) % 4, (d0, d1))


def tile(input, dims):  # noqa: A002
    """Repeat ``input`` ``dims[i]`` times along each dim (missing leading dims are 1).
    Shape: ``input.shape * dims`` elementwise, after left-padding the shorter one."""
    check_tensor("tile", input)
    dims = tuple(dims) if isinstance(dims, (tuple, list)) else (dims,)
    reps = (1,) * (input.dim() - len(dims)) + dims
    return input.repeat(*reps)


def repeat_interleave(input, repeats=None, dim=None, *, output_size=None):  # noqa: A002
    """Repeat each element (or slice along ``dim``) ``repeats`` times in place.
    ``repeat_interleave(repeats)`` alone gives the indices ``0..n-1`` repeated.
    Shape: ``dim`` (the flattened input without dim) grows to ``sum(repeats)``."""
    if repeats is None:  # repeat_interleave(repeats_tensor)
        counts = input._data
        if counts.ndim != 1:
            raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
        return Tensor._wrap(np.repeat(np.arange(counts.size), counts).astype(np.int64))
    check_tensor("repeat_interleave", input)
    x = input.reshape(-1) if dim is None else input
    d = 0 if dim is None else _canon_dim(dim, x.dim())
    n = x.shape[d] if x.dim() else 1
    counts = repeats._data if isinstance(repeats, Tensor) else np.asarray(repeats)
    if counts.ndim == 1 and counts.size == 1:
        counts = counts.reshape(())
    if counts.ndim > 1:
        raise RuntimeError("repeat_interleave only accept 1D vector as repeat")
    if counts.ndim == 1 and counts.size != n:
        raise RuntimeError("repeats must have the same size as input along dim, but got "
                           f"repeats.size(0) = {counts.size} and input.size({d}) = {n}")
    if np.any(counts < 0):
        raise RuntimeError("repeats can not be negative")
    index = np.repeat(np.arange(n), counts if counts.ndim else int(counts))
    if x.dim() == 0:
        x = x.reshape(1)
    return x.index_select(d, Tensor._wrap(index.astype(np.int64)))


def broadcast_to(input, size):  # noqa: A002
    """``input.expand(size)``."""
    check_tensor("broadcast_to", input)
    return input.expand(*size)


def broadcast_shapes(*shapes):
    """The shape that all ``shapes`` broadcast to (a ``cynn.Size``)."""
    from .._tensor import Size
    try:
        return Size(np.broadcast_shapes(*[_as_tuple(s) for s in shapes]))
    except ValueError:
        raise RuntimeError(f"Shape mismatch: objects cannot be broadcast to a single shape") \
            from None


def broadcast_tensors(*tensors):
    """Every tensor expanded to the common broadcast shape (views)."""
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        tensors = tuple(tensors[0])
    shape = broadcast_shapes(*[t.shape for t in tensors])
    return tuple(t.expand(*shape) for t in tensors)


def _cat(tensors, dim):
    from .._creation import cat
    return cat(list(tensors), dim)


def atleast_1d(*tensors):
    """Each tensor with at least one dim (0-d become shape ``(1,)``)."""
    out = [t.reshape(1) if t.dim() == 0 else t for t in _flat_args(tensors)]
    return out[0] if len(out) == 1 and not _was_sequence(tensors) else tuple(out)


def atleast_2d(*tensors):
    """Each tensor with at least two dims (``(n,)`` becomes ``(1, n)``)."""
    out = [t.reshape(1, 1) if t.dim() == 0 else t.unsqueeze(0) if t.dim() == 1 else t
           for t in _flat_args(tensors)]
    return out[0] if len(out) == 1 and not _was_sequence(tensors) else tuple(out)


def atleast_3d(*tensors):
    """Each tensor with at least three dims (``(n,)`` -> ``(1, n, 1)``, ``(m, n)`` ->
    ``(m, n, 1)``)."""
    def lift(t):
        if t.dim() == 0:
            return t.reshape(1, 1, 1)
        if t.dim() == 1:
            return t.reshape(1, t.shape[0], 1)
        if t.dim() == 2:
            return t.unsqueeze(-1)
        return t
    out = [lift(t) for t in _flat_args(tensors)]
    return out[0] if len(out) == 1 and not _was_sequence(tensors) else tuple(out)


def _flat_args(tensors):
    if len(tensors) == 1 and isinstance(tensors[0], (list, tuple)):
        return list(tensors[0])
    return list(tensors)


def _was_sequence(tensors):
    return len(tensors) == 1 and isinstance(tensors[0], (list, tuple))


def hstack(tensors):
    """Concatenate along dim 1 (dim 0 for 1-d tensors)."""
    ts = atleast_1d(list(tensors))
    return _cat(ts, 0 if ts[0].dim() == 1 else 1)


def vstack(tensors):
    """Concatenate along dim 0 after making each at least 2-d."""
    return _cat(atleast_2d(list(tensors)), 0)


row_stack = vstack


def dstack(tensors):
    """Concatenate along dim 2 after making each at least 3-d."""
    return _cat(atleast_3d(list(tensors)), 2)


def column_stack(tensors):
    """1-d and 0-d tensors become columns, then everything is concatenated along dim 1."""
    cols = [t.reshape(-1, 1) if t.dim() <= 1 else t for t in tensors]
    return _cat(cols, 1)


def block_diag(*tensors):
    """The tensors (0-, 1- or 2-d) as blocks on the diagonal of a 2-d tensor of zeros.
    Shape: ``(sum of rows, sum of columns)``."""
    from .._creation import zeros
    blocks = []
    for i, t in enumerate(tensors):
        if t.dim() > 2:
            raise RuntimeError(f"torch.block_diag: Input tensors must have 2 or fewer "
                               f"dimensions. Input {i} has {t.dim()} dimensions")
        blocks.append(t.reshape(1, 1) if t.dim() == 0 else t.reshape(1, -1) if t.dim() == 1
                      else t)
    if not blocks:
        return zeros(1, 0)
    from .. import _dtype
    dtype = _dtype.from_numpy_dtype(_dtype.result_type(*[b._data for b in blocks]))
    n_cols = sum(b.shape[1] for b in blocks)
    rows, left = [], 0
    for b in blocks:
        r, c = b.shape
        parts = []
        if left:
            parts.append(zeros(r, left, dtype=dtype))
        parts.append(b.to(dtype))
        if n_cols - left - c:
            parts.append(zeros(r, n_cols - left - c, dtype=dtype))
        rows.append(_cat(parts, 1))
        left += c
    return _cat(rows, 0)


def meshgrid(*tensors, indexing=None):
    """Coordinate grids from 1-d tensors: ``indexing='ij'`` (matrix, the default,
    with torch's warning when not given) or ``'xy'`` (Cartesian: first two swapped).
    Shape: every output is ``(len(t0), len(t1), ...)`` (``'xy'``: first two swapped)."""
    ts = _flat_args(tensors)
    if indexing is None:
        warnings.warn("torch.meshgrid: in an upcoming release, it will be required to pass the "
                      "indexing argument.", UserWarning, stacklevel=2)
        indexing = "ij"
    if indexing not in ("ij", "xy"):
        raise RuntimeError(f"torch.meshgrid: indexing must be one of \"xy\" or \"ij\", but "
                           f"received: {indexing}")
    for t in ts:
        if t.dim() > 1:
            raise RuntimeError(f"torch.meshgrid: Expected 0D or 1D tensor in the tensor list "
                               f"but got: {t}")
    flat = [t.reshape(-1) for t in ts]
    swap = indexing == "xy" and len(flat) >= 2
    if swap:
        flat[0], flat[1] = flat[1], flat[0]
    shape = [t.shape[0] for t in flat]
    grids = []
    for i, t in enumerate(flat):
        view = [1] * len(flat)
        view[i] = shape[i]
        grids.append(t.reshape(*view).expand(*shape))
    if swap:
        grids[0], grids[1] = grids[1], grids[0]
    return tuple(grids)


def movedim(input, source, destination):  # noqa: A002
    """Move the dims ``source`` to the positions ``destination`` (a view).
    Shape: the input's dims permuted."""
    check_tensor("movedim", input)
    src = [_canon_dim(d, input.dim()) for d in _as_tuple(source)]
    dst = [_canon_dim(d, input.dim()) for d in _as_tuple(destination)]
    if len(src) != len(dst):
        raise RuntimeError(f"movedim: Invalid source or destination dims: source ({src} dims) "
                           f"should contain the same number of dims as destination ({dst} dims)")
    if len(set(src)) != len(src):
        raise RuntimeError(f"movedim: repeated dim in `source` ({list(_as_tuple(source))})")
    if len(set(dst)) != len(dst):
        raise RuntimeError(f"movedim: repeated dim in `destination` "
                           f"({list(_as_tuple(destination))})")
    order = [d for d in range(input.dim()) if d not in src]
    for d, s in sorted(zip(dst, src)):
        order.insert(d, s)
    return input.permute(*order)


moveaxis = movedim


def swapaxes(input, axis0, axis1):  # noqa: A002
    """``transpose(axis0, axis1)``."""
    check_tensor("swapaxes", input)
    return input.transpose(axis0, axis1)


swapdims = swapaxes


def fliplr(input):  # noqa: A002
    """Flip dim 1 (left/right). Shape: as the input (at least 2-d)."""
    check_tensor("fliplr", input)
    if input.dim() < 2:
        raise RuntimeError("Input must be >= 2-d.")
    return input.flip(1)


def flipud(input):  # noqa: A002
    """Flip dim 0 (up/down). Shape: as the input (at least 1-d)."""
    check_tensor("flipud", input)
    if input.dim() < 1:
        raise RuntimeError("Input must be >= 1-d.")
    return input.flip(0)


def tensor_split(input, indices_or_sections, dim=0):  # noqa: A002
    """Split into ``n`` nearly equal parts (an int: the first ``size % n`` get one
    more) or at the given indices (views). Shape: each part keeps the other dims."""
    check_tensor("tensor_split", input)
    if input.dim() == 0:
        raise RuntimeError("tensor_split expected at least a 1-dimensional tensor, but got a "
                           "tensor with 0 dims")
    d = _canon_dim(dim, input.dim())
    size = input.shape[d]
    spec = indices_or_sections
    if isinstance(spec, Tensor):
        spec = spec.item() if spec.dim() == 0 else spec.tolist()
    if isinstance(spec, numbers.Integral):
        n = int(spec)
        if n <= 0:
            raise RuntimeError(f"number of sections must be larger than 0, got {n}")
        base, extra = divmod(size, n)
        bounds = [0]
        for i in range(n):
            bounds.append(bounds[-1] + base + (1 if i < extra else 0))
    else:
        bounds = [0] + [min(max(int(i), 0), size) for i in spec] + [size]
    parts = []
    for start, stop in zip(bounds[:-1], bounds[1:]):
        start = min(start, size)
        parts.append(input.narrow(d, start, max(stop - start, 0)))
    return tuple(parts)


def _split_dim(fn, input, spec, dim, min_dim):  # noqa: A002
    check_tensor(fn, input)
    if input.dim() < min_dim:
        raise RuntimeError(f"torch.{fn} requires a tensor with at least {min_dim} dimension, but "
                           f"got a tensor with {input.dim()} dimensions!")
    if isinstance(spec, numbers.Integral) and spec and input.shape[dim] % spec:
        raise RuntimeError(f"torch.{fn} attempted to split along dimension {dim}, but the size "
                           f"of the dimension {input.shape[dim]} is not divisible by the split_"
                           f"size {spec}!")
    return tensor_split(input, spec, dim)


def hsplit(input, indices_or_sections):  # noqa: A002
    """``tensor_split`` along dim 1 (dim 0 for 1-d)."""
    check_tensor("hsplit", input)
    return _split_dim("hsplit", input, indices_or_sections, 0 if input.dim() == 1 else 1, 1)


def vsplit(input, indices_or_sections):  # noqa: A002
    """``tensor_split`` along dim 0 of an at least 2-d tensor."""
    return _split_dim("vsplit", input, indices_or_sections, 0, 2)


def dsplit(input, indices_or_sections):  # noqa: A002
    """``tensor_split`` along dim 2 of an at least 3-d tensor."""
    return _split_dim("dsplit", input, indices_or_sections, 2, 3)


def ravel(input):  # noqa: A002
    """The elements as a 1-d tensor (a view when possible)."""
    check_tensor("ravel", input)
    return input.reshape(-1)


def _triangle(fn, fn_cls, lower):
    def triangle(input, diagonal=0):  # noqa: A002
        check_tensor(fn, input)
        if input.dim() < 2:
            raise RuntimeError(f"{fn}: input tensor must have at least 2 dimensions")
        return fn_cls.apply(input, int(diagonal), lower)
    triangle.__name__ = triangle.__qualname__ = fn
    triangle.__doc__ = (f"The {'lower' if lower else 'upper'} triangle of the last two dims "
                        f"(on and {'below' if lower else 'above'} the ``diagonal``-th "
                        f"diagonal; the rest 0). Shape: as the input.")
    return triangle


tril = _triangle("tril", L.Tril, True)
triu = _triangle("triu", L.Triu, False)


def _tri_indices(fn, lower):
    def indices(row, col, offset=0, *, dtype=None, device=None, layout=None):
        if row < 0:
            raise RuntimeError(f"row must be non-negative, got{row}")
        if col < 0:
            raise RuntimeError(f"col must be non-negative, got{col}")
        mask = np.tri(row, col, offset, dtype=np.bool_) if lower else \
            ~np.tri(row, col, offset - 1, dtype=np.bool_)
        r, c = np.nonzero(mask)
        out = np.stack([r, c]).astype(np.int64)
        t = Tensor._wrap(out)
        return t.to(dtype) if dtype is not None else t
    indices.__name__ = indices.__qualname__ = fn
    indices.__doc__ = (f"The ``(2, N)`` row/column indices of the {'lower' if lower else 'upper'}"
                       f" triangle of a ``row x col`` matrix, row by row.")
    return indices


tril_indices = _tri_indices("tril_indices", True)
triu_indices = _tri_indices("triu_indices", False)


def diagonal(input, offset=0, dim1=0, dim2=1):  # noqa: A002
    """The diagonal at ``offset`` of the plane ``(dim1, dim2)``, as the last dim.
    Shape: the other dims, then the diagonal's length."""
    check_tensor("diagonal", input)
    d1, d2 = _canon_dim(dim1, input.dim()), _canon_dim(dim2, input.dim())
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return L.Diagonal.apply(input, int(offset), d1, d2)


def diag_embed(input, offset=0, dim1=-2, dim2=-1):  # noqa: A002
    """The last dim of ``input`` placed on the diagonal ``offset`` of a new plane
    ``(dim1, dim2)`` of zeros. Shape: one more dim than the input."""
    check_tensor("diag_embed", input)
    d1, d2 = _canon_dim(dim1, input.dim() + 1), _canon_dim(dim2, input.dim() + 1)
    if d1 == d2:
        raise RuntimeError(f"diagonal dimensions cannot be identical {dim1}, {dim2}")
    return L.DiagEmbed.apply(input, int(offset), d1, d2)


def diag(input, diagonal=0):  # noqa: A002
    """1-d input: a square matrix with it on the ``diagonal``-th diagonal. 2-d input:
    its ``diagonal``-th diagonal as a 1-d tensor."""
    check_tensor("diag", input)
    if input.dim() == 1:
        return diag_embed(input, diagonal, 0, 1)
    if input.dim() == 2:
        return L.Diagonal.apply(input, int(diagonal), 0, 1)
    raise RuntimeError("diag(): Supports 1D or 2D tensors. Got " f"{input.dim()}D")


def diagflat(input, offset=0):  # noqa: A002
    """The flattened input on the ``offset``-th diagonal of a square matrix."""
    check_tensor("diagflat", input)
    return diag_embed(input.reshape(-1), offset, 0, 1)


def trace(input):  # noqa: A002
    """The sum of the main diagonal of a 2-d tensor (0-d result)."""
    check_tensor("trace", input)
    if input.dim() != 2:
        raise RuntimeError("trace: expected a matrix, but got tensor with dim "
                           f"{input.dim()}")
    return L.Diagonal.apply(input, 0, 0, 1).sum()


def diagonal_scatter(input, src, offset=0, dim1=0, dim2=1):  # noqa: A002
    """``input`` with its diagonal (as :func:`diagonal` reads it) replaced by ``src``."""
    check_tensor("diagonal_scatter", input)
    d1, d2 = _canon_dim(dim1, input.dim()), _canon_dim(dim2, input.dim())
    expected = np.diagonal(np.empty(input.shape, np.bool_), offset, d1, d2).shape
    if tuple(src.shape) != expected:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expected)}")
    return L.DiagonalScatter.apply(input, src.to(input.dtype), int(offset), d1, d2)


def select_scatter(input, src, dim, index):  # noqa: A002
    """``input`` with ``input.select(dim, index)`` replaced by ``src``."""
    check_tensor("select_scatter", input)
    d = _canon_dim(dim, input.dim())
    n = input.shape[d]
    if not -n <= index < n:
        raise IndexError(f"select(): index {index} out of range for tensor of size "
                         f"{list(input.shape)} at dimension {d}")
    key = tuple(index % n if i == d else slice(None) for i in range(input.dim()))
    expected = np.empty(input.shape, np.bool_)[key].shape
    if tuple(src.shape) != expected:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expected)}")
    return L.SliceScatter.apply(input, src.to(input.dtype), key)


def slice_scatter(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    """``input`` with ``input[..., start:end:step, ...]`` (at ``dim``) replaced by ``src``."""
    check_tensor("slice_scatter", input)
    d = _canon_dim(dim, input.dim())
    key = tuple(slice(start, end, step) if i == d else slice(None) for i in range(input.dim()))
    expected = np.empty(input.shape, np.bool_)[key].shape
    if tuple(src.shape) != expected:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src size = "
                           f"{list(src.shape)}, slice size = {list(expected)}")
    return L.SliceScatter.apply(input, src.to(input.dtype), key)


def cartesian_prod(*tensors):
    """Every combination of one element from each 1-d tensor, as rows.
    Shape: ``(prod of lengths, number of tensors)`` (1-d for a single tensor)."""
    ts = _flat_args(tensors)
    if len(ts) == 1:
        return ts[0]
    from .._creation import stack
    grids = meshgrid(*ts, indexing="ij")
    return stack([g.reshape(-1) for g in grids], 1)


def combinations(input, r=2, with_replacement=False):  # noqa: A002
    """Every length-``r`` combination of the elements of a 1-d tensor, as rows (as
    ``itertools.combinations``). Shape: ``(number of combinations, r)``."""
    check_tensor("combinations", input)
    if input.dim() != 1:
        raise RuntimeError(f"Expect a 1D vector, but got shape {list(input.shape)}")
    if r < 0:
        raise RuntimeError(f"Expect a non-negative number, but got {r}")
    if r == 0:
        return Tensor._wrap(np.empty(0, input._data.dtype))
    pick = itertools.combinations_with_replacement if with_replacement else \
        itertools.combinations
    rows = list(pick(range(input.shape[0]), r))
    index = np.asarray(rows, np.int64).reshape(len(rows), r)
    return input[Tensor._wrap(index)]


def narrow_copy(input, dim, start, length):  # noqa: A002
    """``narrow`` as a copy."""
    check_tensor("narrow_copy", input)
    return input.narrow(dim, start, length).clone()


def split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    """``split`` with an explicit list of sizes that must add up to the dim's size."""
    check_tensor("split_with_sizes", input)
    d = _canon_dim(dim, input.dim())
    if sum(split_sizes) != input.shape[d]:
        raise RuntimeError(f"split_with_sizes expects split_sizes to sum exactly to "
                           f"{input.shape[d]} (input tensor's size at dimension {d}), but got "
                           f"split_sizes={list(split_sizes)}")
    return input.split(list(split_sizes), d)


METHODS = [n for n in __all__ if n not in _FUNCTIONS_ONLY]
INPLACE = ["tril", "triu"]
