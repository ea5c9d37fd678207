"""Lookup tables: ``embedding``, ``embedding_bag`` and ``one_hot`` (torch's names,
defaults and errors).

Every index is checked here, before a kernel sees it: an embedding index outside
``[0, num_embeddings)`` raises PyTorch's IndexError (``embedding_bag``: its
RuntimeError), bag offsets must start at 0, never decrease and stay within the
input. Gradients are dense: ``sparse=True`` is refused, since cynn's autograd has
no sparse gradients (see docs/coverage.md).
"""
import operator

import numpy as np

from ... import _warnings
from ..._tensor import Tensor, _torch_type_name
from ...autograd.functions import embedding as E
from ...autograd.grad_mode import no_grad

__all__ = ["embedding", "embedding_bag", "one_hot"]

_MODES = {"sum": E.MODE_SUM, "mean": E.MODE_MEAN, "max": E.MODE_MAX}
_NO_PADDING = -1
# PyTorch's embedding_renorm_ divides by norm + 1e-7 so that a zero row stays finite
_RENORM_EPS = 1e-7


def _type_string(dtype):
    """A dtype as PyTorch's argument checks print it (``cynn.FloatTensor``)."""
    if np.dtype(dtype) == np.bool_:
        return "CPUBoolType"
    return f"cynn.{_torch_type_name(dtype)}Tensor"


def _check_tensor(value, name, position, fn):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _check_index_dtype(array, fn, position=1):
    if array.dtype != np.int64 and array.dtype != np.int32:
        raise RuntimeError(
            f"Expected tensor for argument #{position} 'indices' to have one of the following "
            f"scalar types: Long, Int; but got {_type_string(array.dtype)} instead (while checking "
            f"arguments for {fn})")


def _sparse_refused(fn):
    return NotImplementedError(
        f"{fn}(): sparse=True asks for a sparse weight gradient, and cynn computes dense "
        "gradients only (sparse gradients are excluded, see docs/coverage.md); use "
        "sparse=False, the default")


def _renorm_(weight, rows, max_norm, norm_type):
    """PyTorch's ``embedding_renorm_``: each row of ``weight`` named in ``rows`` (already
    checked) whose ``norm_type``-norm exceeds ``max_norm`` is scaled, in place, to norm
    ``max_norm``; the weight's version counter moves, as in PyTorch."""
    w = weight._data
    unique = np.unique(rows)
    if not unique.size:
        return
    norms = np.linalg.norm(w[unique].astype(np.float64), ord=norm_type, axis=1)
    over = norms > max_norm
    if not over.any():
        return
    scale = max_norm / (norms[over] + _RENORM_EPS)
    w[unique[over]] *= scale.astype(w.dtype)[:, None]
    weight._version[0] += 1


def _check_renorm_rows(rows, n_rows, shape):
    """``embedding_renorm_`` selects each row before the lookup runs: an index outside
    ``[-n_rows, n_rows)`` fails there, with ``select``'s message."""
    if rows.size:
        low, high = int(rows.min()), int(rows.max())
        bad = low if low < -n_rows else high if high >= n_rows else None
        if bad is not None:
            raise IndexError(f"select(): index {bad} out of range for tensor of size "
                             f"[{', '.join(map(str, shape))}] at dimension 0")


def embedding(input, weight, padding_idx=None, max_norm=None, norm_type=2.0,  # noqa: A002
              scale_grad_by_freq=False, sparse=False):
    r"""Looks up rows of ``weight``: ``out[..., :] = weight[input[...], :]``.

    Args:
        input: int64 or int32 indices, any shape ``(*)``, each in ``[0, num_embeddings)``.
        weight: ``(num_embeddings, embedding_dim)``.
        padding_idx (int, optional): this row (negative counts from the end) gets no
            gradient.
        max_norm (float, optional): before the lookup, every row named in ``input`` whose
            ``norm_type``-norm exceeds ``max_norm`` is rescaled to norm ``max_norm``
            **in place** in ``weight``.
        norm_type (float): the p of the norm for ``max_norm``. Default: ``2``.
        scale_grad_by_freq (bool): divide each row's gradient by how often the row
            occurs in ``input``. Default: ``False``.
        sparse (bool): must be ``False``: cynn's gradients are dense.

    Shape:
        output ``(*, embedding_dim)``.

    Raises IndexError for an index out of range. The grad_fn is ``EmbeddingBackward0``;
    ``input`` gets no gradient.

    Example::

        >>> weight = cynn.randn(10, 3)
        >>> F.embedding(cynn.tensor([[1, 2, 4], [4, 3, 9]]), weight).shape
        cynn.Size([2, 3, 3])
    """
    _check_tensor(weight, "weight", 1, "embedding")
    _check_tensor(input, "indices", 2, "embedding")
    n_rows = weight.shape[0] if weight._data.ndim else 0
    if padding_idx is not None:
        if padding_idx > 0:
            assert padding_idx < n_rows, "Padding_idx must be within num_embeddings"
        elif padding_idx < 0:
            assert padding_idx >= -n_rows, "Padding_idx must be within num_embeddings"
            padding_idx = n_rows + padding_idx
    else:
        padding_idx = _NO_PADDING
    idx, w = input._data, weight._data
    if max_norm is not None:
        _check_index_dtype(idx, "embedding_renorm_", 2)
        _check_renorm_rows(idx, n_rows, w.shape)
    _check_index_dtype(idx, "embedding")
    if w.ndim != 2:
        raise RuntimeError("'weight' must be 2-D")
    if sparse:
        raise _sparse_refused("embedding")
    if idx.size and (idx.min() < 0 or idx.max() >= n_rows):
        raise IndexError("index out of range in self")
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    indices = np.array(idx, dtype=np.int64, order="C", copy=True)
    return E.Embedding.apply(weight, indices=indices, padding_idx=padding_idx,
                             scale_grad_by_freq=bool(scale_grad_by_freq))


def _bag_bounds(input, offsets, include_last_offset):
    """The (n_bags + 1,) bounds of the bags in the flat index array ``input``, checked
    as PyTorch checks offsets, plus the check it lacks: offsets never decrease."""
    idx, off = input._data, offsets._data
    _check_index_dtype(off, "embedding_bag")
    n = idx.shape[0]
    if include_last_offset and off.shape[0] < 1:
        raise RuntimeError("include_last_offset: number of offset should be at least 1")
    if off.shape[0]:
        if off[0] != 0:
            raise RuntimeError(
                "offsets[0] has to be 0, i.e., the first sequence in the mini-batch has to "
                f"start from position 0. However, got {int(off[0])}\n"
                f"[ cynn.{_torch_type_name(off.dtype)}Tensor{{}} ]")
        if off[-1] > n:
            raise RuntimeError(f"offsets[-1] can not be greater than input's length {n} but "
                               f"got offsets[-1] of {int(off[-1])}")
        if off.min() < 0:
            raise IndexError("index out of range in self")
        steps = np.diff(off)
        if steps.size and steps.min() < 0:
            at = int(np.argmax(steps < 0)) + 1
            raise RuntimeError(f"offsets must be non-decreasing, but offsets[{at}] = "
                               f"{int(off[at])} follows offsets[{at - 1}] = {int(off[at - 1])}")
    if include_last_offset:
        # the last offset ends the last bag; entries after it belong to no bag (PyTorch's
        # documentation asks for offsets[-1] == n, and its kernels disagree otherwise)
        bounds = off
    else:
        bounds = np.append(off, n) if off.shape[0] else np.zeros(1)
    return np.ascontiguousarray(bounds, dtype=np.int64)


def embedding_bag(input, weight, offsets=None, max_norm=None, norm_type=2,  # noqa: A002
                  scale_grad_by_freq=False, mode="mean", sparse=False,
                  per_sample_weights=None, include_last_offset=False, padding_idx=None):
    r"""Sums, averages or takes the maximum of bags of rows of ``weight``, without
    building the ``(n, embedding_dim)`` lookup in between.

    Args:
        input: int64 or int32 indices: ``(B, N)`` for ``B`` bags of ``N`` indices each
            (``offsets`` must be None), or a flat ``(n,)`` index list cut into bags by
            ``offsets``.
        weight: ``(num_embeddings, embedding_dim)``, floating point.
        offsets: ``(B,)`` start of each bag in a 1-d ``input`` (``offsets[0] == 0``,
            non-decreasing); with ``include_last_offset=True`` it has ``B + 1`` entries
            and the last one ends the last bag. A bag may be empty: its row is 0.
        max_norm, norm_type: as in ``embedding`` (in-place renormalisation of the rows
            named in ``input``).
        scale_grad_by_freq (bool): divide each row's gradient by how often the row
            occurs in ``input``; not with ``mode='max'``.
        mode (str): ``'sum'``, ``'mean'`` (default) or ``'max'`` (per column).
        sparse (bool): must be ``False``: cynn's gradients are dense.
        per_sample_weights: same shape as ``input``, the weight's dtype; scales each
            row before the sum (``mode='sum'`` only). It gets a gradient.
        include_last_offset (bool): see ``offsets``.
        padding_idx (int, optional): entries equal to this row (negative counts from the
            end) are left out of their bag: not summed, not counted in the mean, no
            gradient.

    Shape:
        output ``(B, embedding_dim)``.

    Raises RuntimeError for an index out of range, as PyTorch's ``embedding_bag``
    does. The grad_fn is ``EmbeddingBagBackward0``.

    Example::

        >>> weight = cynn.randn(10, 3)
        >>> input = cynn.tensor([1, 2, 4, 5, 4, 3, 2, 9])
        >>> F.embedding_bag(input, weight, cynn.tensor([0, 4]), mode="sum").shape
        cynn.Size([2, 3])
    """
    _check_tensor(input, "input", 1, "embedding_bag")
    _check_tensor(weight, "weight", 2, "embedding_bag")
    if offsets is not None:
        _check_tensor(offsets, "offsets", 3, "embedding_bag")
    if per_sample_weights is not None:
        _check_tensor(per_sample_weights, "per_sample_weights", 9, "embedding_bag")
    if weight._data.dtype == np.int64 and input._data.dtype.kind == "f":
        _warnings.warn("Argument order of nn.functional.embedding_bag was changed. Usage "
                       "`embedding_bag(weight, input, ...)` is deprecated, and should now be "
                       "`embedding_bag(input, weight, ...)`.")
        weight, input = input, weight
    if per_sample_weights is not None and input.shape != per_sample_weights.shape:
        raise ValueError(f"embedding_bag: If per_sample_weights ({per_sample_weights.shape}) "
                         f"is not None, then it must have the same shape as the input "
                         f"({input.shape})")
    if weight.dim() != 2:
        raise ValueError(f"weight has to be a 2D Tensor, but got Tensor of dimension "
                         f"{weight.dim()}")
    if input.dim() == 2:
        if offsets is not None:
            raise ValueError("if input is 2D, then offsets has to be None, as input is "
                             "treated is a mini-batch of fixed length sequences. However, "
                             f"found offsets of type {type(offsets)}")
        if input.shape[1] == 0:
            raise RuntimeError("step must be nonzero")
        flat = Tensor._wrap(input._data.reshape(-1))
        bounds = np.arange(0, input._data.size + 1, input.shape[1], dtype=np.int64)
        _check_index_dtype(flat._data, "embedding_bag")
    elif input.dim() == 1:
        if offsets is None:
            raise ValueError("offsets has to be a 1D Tensor but got None")
        if offsets.dim() != 1:
            raise ValueError("offsets has to be a 1D Tensor")
        flat, bounds = input, None
    else:
        raise ValueError(f"input has to be 1D or 2D Tensor, but got Tensor of dimension "
                         f"{input.dim()}")
    if mode not in _MODES:
        raise ValueError("mode has to be one of sum, mean or max")
    if mode == "max":
        if scale_grad_by_freq:
            raise ValueError("max mode does not support scaling the gradient by the frequency")
        if sparse:
            raise ValueError("max mode does not support sparse weights")
    n_rows = weight.shape[0]
    if max_norm is not None:
        _check_index_dtype(flat._data, "embedding_renorm_", 2)
        _check_renorm_rows(flat._data, n_rows, weight.shape)
        # PyTorch renormalises here, then checks the remaining arguments; cynn checks
        # them all first, so that a call that fails leaves the weight as it was
    if per_sample_weights is not None and mode != "sum":
        raise NotImplementedError(
            "embedding_bag: per_sample_weights was not None. per_sample_weights is only "
            f"supported for mode='sum' (got mode='{mode}'). Please open a feature request "
            "on GitHub.")
    if sparse:
        raise _sparse_refused("embedding_bag")
    idx, w = flat._data, weight._data
    _check_index_dtype(idx, "embedding_bag")
    if w.dtype.kind != "f":
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have one of the following scalar "
            f"types: Half, BFloat16, Float, Double; but got {_type_string(w.dtype)} instead "
            "(while checking arguments for embedding_bag)")
    if per_sample_weights is not None and per_sample_weights._data.dtype != w.dtype:
        raise RuntimeError(
            "Expected tensor for argument #1 'weight' to have the same type as tensor for "
            f"argument #1 'per_sample_weights'; but type {_type_string(w.dtype)} does not "
            f"equal {_type_string(per_sample_weights._data.dtype)} (while checking arguments "
            "for embedding_bag)")
    if padding_idx is None:
        padding_idx = _NO_PADDING
    else:
        if not -n_rows <= padding_idx < n_rows:
            raise RuntimeError(f"padding_idx must be within the number of embeddings, "
                               f"{-n_rows} through {n_rows - 1}, but got {padding_idx}")
        padding_idx = padding_idx % n_rows
    if bounds is None:
        bounds = _bag_bounds(flat, offsets, include_last_offset)
    used = idx[:bounds[-1]]
    bad = np.nonzero((used < 0) | (used >= n_rows))[0]
    if bad.size:
        raise RuntimeError(f"Index {int(bad[0])} of input takes value {int(used[bad[0]])} "
                           f"which is not in the valid range [0, {n_rows})")
    if max_norm is not None:
        with no_grad():
            _renorm_(weight, idx, max_norm, norm_type)
    indices = np.array(idx, dtype=np.int64, order="C", copy=True)
    return E.EmbeddingBag.apply(weight, per_sample_weights, indices=indices, bag_start=bounds,
                                mode=_MODES[mode], padding_idx=padding_idx,
                                scale_grad_by_freq=bool(scale_grad_by_freq))


def one_hot(input, num_classes=-1):  # noqa: A002 -- PyTorch's argument name
    r"""int64 tensor with a 1 in column ``input[...]`` of each row and 0 elsewhere.

    Args:
        input: int64 class indices, any shape ``(*)``, each in ``[0, num_classes)``.
        num_classes (int): number of classes; ``-1`` (default) uses ``input.max() + 1``.

    Shape:
        output ``(*, num_classes)``.

    Example::

        >>> F.one_hot(cynn.arange(0, 5) % 3)
        tensor([[1, 0, 0],
                [0, 1, 0],
                [0, 0, 1],
                [1, 0, 0],
                [0, 1, 0]])
    """
    _check_tensor(input, "input", 1, "one_hot")
    if isinstance(num_classes, bool):
        raise TypeError("one_hot(): argument 'num_classes' (position 2) must be int, not bool")
    try:
        num_classes = operator.index(num_classes)
    except TypeError:
        raise TypeError(f"one_hot(): argument 'num_classes' (position 2) must be int, not "
                        f"{type(num_classes).__name__}") from None
    idx = input._data
    if idx.dtype != np.int64:
        raise RuntimeError("one_hot is only applicable to index tensor of type LongTensor.")
    if idx.size == 0:
        if num_classes <= 0:
            raise RuntimeError("Can not infer total number of classes from empty tensor.")
    else:
        if idx.min() < 0:
            raise RuntimeError("Class values must be non-negative.")
        if num_classes == -1:
            num_classes = int(idx.max()) + 1
        elif idx.max() >= num_classes:
            raise RuntimeError("Class values must be smaller than num_classes.")
    out = np.zeros(idx.shape + (num_classes,), np.int64)
    np.put_along_axis(out, idx[..., None], 1, axis=-1)
    return Tensor._wrap(out)
