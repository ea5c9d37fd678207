"""Index-driven tensor functions: ``gather``, ``scatter`` (+ ``_add``, ``_reduce``),
``index_select``/``index_add``/``index_copy``/``index_fill``, ``masked_select``,
``masked_scatter``, ``take``, ``take_along_dim``, ``put``, ``index_put``.

Every index is checked here (dtype, rank, sizes, range) with torch's exception and
message before numpy sees it: a wrong index never reads or writes outside a tensor,
and negative indices are refused where torch refuses them (gather, scatter).
"""
import numbers

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _canon_dim, _operand
from ..autograd.functions import indexing as I
from ._checks import check_tensor

__all__ = ["gather", "scatter", "scatter_add", "scatter_reduce", "index_select", "index_add",
           "index_copy", "index_fill", "masked_select", "masked_scatter", "take",
           "take_along_dim", "put", "index_put"]

_INT_KINDS = (np.int64, np.int32)


def _index_array(fn, index, kinds=(np.int64,), what="int64"):
    check_tensor(fn, index, "index", 3)
    array = index._data
    if array.dtype.type not in kinds:
        raise RuntimeError(f"{fn}(): Expected dtype {what} for index")
    return array.astype(np.int64, copy=False)


def _check_in_range(index, size, dim):
    if index.size and (index.min() < 0 or index.max() >= size):
        bad = index.min() if index.min() < 0 else index.max()
        raise RuntimeError(f"index {bad} is out of bounds for dimension {dim} with size {size}")


def _shape_list(shape):
    return "[" + ", ".join(str(n) for n in shape) + "]"


def _check_gather_sizes(x_shape, index, dim, src_shape=None):
    if index.ndim != len(x_shape) and not (index.ndim <= 1 and len(x_shape) <= 1):
        raise RuntimeError("Index tensor must have the same number of dimensions as "
                           f"{'input' if src_shape is None else 'self'} tensor")
    if src_shape is not None and index.ndim != len(src_shape) and len(x_shape) > 0:
        raise RuntimeError("Index tensor must have the same number of dimensions as src tensor")
    if len(x_shape) == 0:
        return
    too_big = any(index.shape[d] > x_shape[d] for d in range(index.ndim) if d != dim)
    if src_shape is None:
        if too_big:
            raise RuntimeError(f"Size does not match at dimension "
                               f"{next(d for d in range(index.ndim) if d != dim and index.shape[d] > x_shape[d])}"
                               f" expected index {_shape_list(index.shape)} to be no larger "
                               f"than self {_shape_list(x_shape)} apart from dimension {dim}")
        return
    if too_big or any(index.shape[d] > src_shape[d] for d in range(index.ndim)):
        raise RuntimeError(f"Expected index {_shape_list(index.shape)} to be no larger than self "
                           f"{_shape_list(x_shape)} apart from dimension {dim} and to be no "
                           f"larger size than src {_shape_list(src_shape)}")


def gather(input, dim, index, *, sparse_grad=False):  # noqa: A002
    """``out[i][j][k] = input[i][index[i][j][k]][k]`` for ``dim == 1`` (and likewise
    for other dims).

    Shape: ``index`` has ``input``'s number of dimensions and is no larger than
    ``input`` on every dimension but ``dim``; the output has ``index``'s shape.
    """
    check_tensor("gather", input)
    d = _canon_dim(dim, input.dim())
    idx = _index_array("gather", index, _INT_KINDS, "int64")
    _check_gather_sizes(input.shape, idx, d)
    _check_in_range(idx, input.shape[d] if input.dim() else 1, d)
    return I.Gather.apply(input, d, idx)


def _scatter_checks(fn, input, dim, index, src):
    check_tensor(fn, input)
    d = _canon_dim(dim, input.dim())
    idx = _index_array(fn, index)
    src_shape = src.shape if isinstance(src, Tensor) else None
    if isinstance(src, Tensor) and src.dtype != input.dtype:
        raise RuntimeError(f"{fn}(): Expected self.dtype to be equal to src.dtype")
    _check_gather_sizes(tuple(input.shape), idx, d,
                        tuple(src_shape) if src_shape is not None else tuple(
                            n if i == d else max(n, idx.shape[i]) for i, n in enumerate(
                                input.shape)) if input.dim() else ())
    _check_in_range(idx, input.shape[d] if input.dim() else 1, d)
    return d, idx


def scatter(input, dim, index, src=None, *, value=None, reduce=None):  # noqa: A002
    """``input`` with ``out[i][index[i][j]] = src[i][j]`` for ``dim == 1`` (``src`` a
    tensor, or ``value`` a number); ``reduce='add'/'multiply'`` combines instead of
    overwriting. Where an index repeats, the last write wins.

    Shape: output has ``input``'s shape; ``index`` no larger than ``src`` anywhere and
    than ``input`` apart from ``dim``.
    """
    if src is None:
        src = value
    if src is None:
        raise TypeError("scatter() missing 1 required positional arguments: \"src\" or \"value\"")
    if reduce is not None and reduce not in ("add", "multiply"):
        raise RuntimeError(f"reduce argument must be either add or multiply, got {reduce}")
    d, idx = _scatter_checks("scatter", input, dim, index, src)
    if isinstance(src, Tensor):
        return I.Scatter.apply(input, d, idx, src, reduce)
    return I.ScatterValue.apply(input, d, idx, _scalar(src, input), reduce)


def _scalar(value, like):
    if isinstance(value, Tensor):
        value = value.item()
    return np.asarray(value).astype(like._data.dtype).item()


def scatter_add(input, dim, index, src):  # noqa: A002
    """``input`` with ``src`` added at ``index`` along ``dim`` (repeats accumulate).
    Shape: as :func:`scatter`."""
    check_tensor("scatter_add", src, "src", 4)
    d, idx = _scatter_checks("scatter_add", input, dim, index, src)
    return I.ScatterAdd.apply(input, d, idx, src)


def scatter_reduce(input, dim, index, src, reduce, *, include_self=True):  # noqa: A002
    """Reduce every ``src`` value into ``input`` at ``index`` along ``dim`` with
    ``reduce`` in ``"sum"``, ``"prod"``, ``"mean"``, ``"amax"``, ``"amin"``;
    ``include_self=False`` leaves ``input``'s own value out where something lands.
    Shape: as :func:`scatter`."""
    if reduce not in ("sum", "prod", "mean", "amax", "amin"):
        raise RuntimeError(f"reduce argument must be either sum, prod, mean, amax or amin, "
                           f"got {reduce}")
    check_tensor("scatter_reduce", src, "src", 4)
    d, idx = _scatter_checks("scatter_reduce", input, dim, index, src)
    return I.ScatterReduce.apply(input, d, idx, src, reduce, bool(include_self))


def _vector_index(fn, index, size, d, scalar_input):
    check_tensor(fn, index, "index", 3)
    if index._data.dtype.type not in _INT_KINDS:
        raise RuntimeError(f"{fn}(): Expected dtype int32 or int64 for index")
    if index.dim() > 1:
        raise IndexError(f"{fn}(): Index is supposed to be a vector")
    idx = index._data.astype(np.int64, copy=False).reshape(-1)
    if scalar_input and idx.size > 1:
        raise RuntimeError(f"{fn}(): Index to scalar can have only 1 value, got {idx.size} "
                           f"value(s)")
    if idx.size and (idx.min() < 0 or idx.max() >= size):
        bad = idx.max() if idx.max() >= size else idx.min()
        if fn == "index_select":
            raise RuntimeError(f"INDICES element is out of DATA bounds, id={bad} axis_dim={size}")
        if fn == "index_copy_":
            raise IndexError(f"index_copy_(): index {bad} is out of bounds for dimension {d} "
                             f"with size {size}")
        if fn == "index_fill_":
            raise IndexError(f"index {bad} is out of bounds for dimension {d} with size {size}")
        raise RuntimeError(f"index {bad} is out of bounds for dimension {d} with size {size}")
    return idx


def index_select(input, dim, index):  # noqa: A002
    """The slices of ``input`` at the positions ``index`` (a vector) along ``dim``.
    Shape: ``input``'s with ``dim`` of size ``len(index)``."""
    check_tensor("index_select", input)
    d = _canon_dim(dim, input.dim())
    size = input.shape[d] if input.dim() else 1
    idx = _vector_index("index_select", index, size, d, input.dim() == 0)
    return I.IndexSelect.apply(input, d, idx.reshape(index.shape) if input.dim() == 0 else idx)


def _check_source(fn, input, d, idx, source):
    check_tensor(fn, source, "source", 4)
    if input.dim() and source.dim() != input.dim() and source.dim():
        raise IndexError(f"{fn}(): Source/destination tensor must have same slice shapes. "
                         f"Destination slice shape: {tuple(input.shape)} at dimension {d} "
                         f"and source slice shape: {tuple(source.shape)} at dimension 0.")
    n_src = source.shape[d] if source.dim() else 1
    if idx.size != n_src:
        raise RuntimeError(f"{fn}(): Number of indices ({idx.size}) should be equal to "
                           f"source.size(dim): ({n_src}), for dim: {d}")
    if source.dtype != input.dtype:
        raise RuntimeError(f"{fn}(): self ({input.dtype}) and source ({source.dtype}) must "
                           f"have the same scalar type")


def index_add(input, dim, index, source, *, alpha=1):  # noqa: A002
    """``input`` with ``alpha * source`` added at the positions ``index`` along ``dim``
    (repeated indices accumulate). Shape: as ``input``."""
    check_tensor("index_add", input)
    d = _canon_dim(dim, input.dim())
    idx = _vector_index("index_add_", index, input.shape[d] if input.dim() else 1, d, False)
    _check_source("index_add_", input, d, idx, source)
    return I.IndexAdd.apply(input, d, idx, source, alpha)


def index_copy(input, dim, index, source):  # noqa: A002
    """``input`` with the slices at ``index`` along ``dim`` replaced by ``source``'s.
    Shape: as ``input``."""
    check_tensor("index_copy", input)
    d = _canon_dim(dim, input.dim())
    idx = _vector_index("index_copy_", index, input.shape[d] if input.dim() else 1, d, False)
    _check_source("index_copy_", input, d, idx, source)
    return I.IndexCopy.apply(input, d, idx, source)


def index_fill(input, dim, index, value):  # noqa: A002
    """``input`` with the slices at ``index`` along ``dim`` set to ``value``.
    Shape: as ``input``."""
    check_tensor("index_fill", input)
    d = _canon_dim(dim, input.dim())
    idx = _vector_index("index_fill_", index, input.shape[d] if input.dim() else 1, d, False)
    if isinstance(value, Tensor) and value.dim() != 0:
        raise RuntimeError(f"index_fill_ only supports a 0-dimensional value tensor, but got "
                           f"tensor with {value.dim()} dimension(s).")
    return I.IndexFill.apply(input, d, idx, _scalar(value, input))


def _bool_mask(fn, mask):
    if not isinstance(mask, Tensor) or mask._data.dtype != np.bool_:
        raise RuntimeError(f"{fn}: expected BoolTensor for mask")
    return mask._data


def masked_select(input, mask):  # noqa: A002
    """The elements of ``input`` where ``mask`` (broadcast) is True, as a 1-d tensor."""
    check_tensor("masked_select", input)
    m = _bool_mask("masked_select", mask)
    try:
        np.broadcast_shapes(input.shape, m.shape)
    except ValueError:
        from ..autograd.functions.elementwise import broadcast_error
        raise broadcast_error(input._data, m) from None
    return I.MaskedSelect.apply(input, m)


def masked_scatter(input, mask, source):  # noqa: A002
    """``input`` with the positions where ``mask`` is True filled, in order, from the
    leading elements of ``source``. Shape: as ``input``."""
    check_tensor("masked_scatter", input)
    m = _bool_mask("masked_scatter_", mask)
    try:
        m = np.broadcast_to(m, input.shape)
    except ValueError:
        raise RuntimeError(f"masked_scatter_: expected mask of shape {tuple(input.shape)} "
                           f"broadcastable, got {tuple(mask.shape)}") from None
    if source.dtype != input.dtype:
        raise RuntimeError(f"masked_scatter_: expected self and source to have same dtypes "
                           f"but got {input.dtype} and {source.dtype}")
    if int(m.sum()) > source.numel():
        raise RuntimeError("Number of elements of source < number of ones in mask")
    return I.MaskedScatter.apply(input, m, source)


def _flat_index(fn, index, n):
    check_tensor(fn, index, "index", 2)
    if index._data.dtype != np.int64:
        raise RuntimeError(f"{fn}(): Expected a long tensor for index, but got "
                           f"{index.dtype}")
    idx = index._data
    if idx.size and (idx.min() < -n or idx.max() >= n):
        bad = idx.max() if idx.max() >= n else idx.min()
        raise IndexError(f"out of range: tried to access index {bad} on a tensor of {n} "
                         f"elements.")
    return np.where(idx < 0, idx + n, idx)


def take(input, index):  # noqa: A002
    """``input`` read as 1-d at ``index`` (negative counts from the end).
    Shape: ``index``'s shape."""
    check_tensor("take", input)
    return I.Take.apply(input, _flat_index("take", index, input.numel()))


def take_along_dim(input, indices, dim=None):  # noqa: A002
    """``gather`` after broadcasting ``input`` and ``indices`` on every dimension but
    ``dim``; with ``dim=None`` both are flattened first. Shape: the broadcast shape."""
    check_tensor("take_along_dim", input)
    check_tensor("take_along_dim", indices, "indices", 2)
    if indices._data.dtype != np.int64:
        raise RuntimeError(f"torch.take_along_dim(): dtype of indices should be Long but got "
                           f"{str(indices.dtype).replace('cynn.', '')}")
    if dim is None:
        return gather(input.reshape(-1), 0, indices.reshape(-1))
    d = _canon_dim(dim, input.dim())
    if input.dim() != indices.dim():
        raise RuntimeError("torch.take_along_dim(): input and indices should have the same "
                           f"number of dimensions, but got {input.dim()} dimensions for input, "
                           f"and {indices.dim()} dimensions for indices")
    shape_x, shape_i = list(input.shape), list(indices.shape)
    shape_x[d] = shape_i[d] = 1
    common = np.broadcast_shapes(tuple(shape_x), tuple(shape_i))
    x_shape = list(common)
    x_shape[d] = input.shape[d]
    i_shape = list(common)
    i_shape[d] = indices.shape[d]
    return gather(input.expand(*x_shape), d, indices.expand(*i_shape))


def put(input, index, source, accumulate=False):  # noqa: A002
    """``input`` read as 1-d with ``source``'s elements written (or added, with
    ``accumulate``) at ``index``. Shape: as ``input``."""
    check_tensor("put", input)
    flat = _flat_index("put", index, input.numel())
    if source.numel() != index.numel():
        raise IndexError(f"put_(): Expected source and index to have the same number of "
                         f"elements, but got source.numel() = {source.numel()}, "
                         f"index.numel() = {index.numel()}")
    return I.Put.apply(input, flat, source.to(input.dtype), bool(accumulate))


def index_put(input, indices, values, accumulate=False):  # noqa: A002
    """``input`` with ``input[indices] = values`` (or ``+=`` with ``accumulate``, where
    repeated positions add up); ``indices`` is a tuple of index tensors (None for a
    full slice). Shape: as ``input``."""
    check_tensor("index_put", input)
    index = tuple(slice(None) if i is None else
                  (i._data if isinstance(i, Tensor) else np.asarray(i)) for i in indices)
    for i in index:
        if isinstance(i, np.ndarray) and i.dtype.kind not in "biu":
            raise IndexError("tensors used as indices must be long, int, byte or bool tensors")
    probe = np.empty(input.shape, np.bool_)
    try:
        target_shape = probe[index].shape
    except IndexError as err:
        raise IndexError(str(err)) from None
    values = _operand(values)
    if not isinstance(values, Tensor):
        values = Tensor._wrap(np.asarray(values, input._data.dtype))
    try:
        np.broadcast_shapes(values.shape, target_shape)
    except ValueError:
        raise RuntimeError(f"shape mismatch: value tensor of shape {list(values.shape)} cannot "
                           f"be broadcast to indexing result of shape "
                           f"{list(target_shape)}") from None
    if values.dtype != input.dtype:
        raise RuntimeError(f"Index put requires the source and destination dtypes match, got "
                           f"{_dtype_name(input)} for the destination and {_dtype_name(values)}"
                           f" for the source.")
    return I.IndexPut.apply(input, index, values, bool(accumulate))


def _dtype_name(t):
    return {"float32": "Float", "float64": "Double", "int64": "Long", "int32": "Int",
            "bool": "Bool", "float16": "Half", "uint8": "Byte", "int8": "Char",
            "int16": "Short"}[str(t._data.dtype)]


METHODS = list(__all__)
INPLACE = ["scatter", "scatter_add", "scatter_reduce", "index_add", "index_copy", "index_fill",
           "masked_scatter", "put", "index_put"]

del numbers, _dtype
