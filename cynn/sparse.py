"""``cynn.sparse``: products and reductions of sparse COO tensors, as ``torch.sparse``
(see ``cynn._sparse_tensor``)."""
import contextlib

import numpy as np

from ._sparse_tensor import SparseTensor, sparse_coo, spmm
from ._tensor import Tensor

__all__ = ["mm", "addmm", "sum", "softmax", "log_softmax", "check_sparse_tensor_invariants",
           "as_sparse_gradcheck"]


def mm(mat1, mat2, reduce="sum"):
    """``mat1 @ mat2`` with ``mat1`` sparse (differentiable in its values and ``mat2``)."""
    if reduce != "sum":
        raise NotImplementedError("cynn's sparse.mm supports reduce='sum' only")
    return spmm(mat1, mat2)


def addmm(mat, mat1, mat2, *, beta=1.0, alpha=1.0):
    """``beta * mat + alpha * (mat1 @ mat2)`` with ``mat1`` sparse."""
    product = spmm(mat1, mat2)
    return beta * mat + alpha * product


def sum(input, dim=None, dtype=None):  # noqa: A001,A002
    """The sum of a sparse tensor's entries (all, or over ``dim``; a dense result)."""
    return input.sum(dim)


def _segments(input, dim):
    """For each stored entry, the id of its slice along ``dim`` (entries of one slice
    share every other index)."""
    coalesced = input.coalesce()
    others = [d for d in range(coalesced.dim()) if d != dim]
    keys = coalesced._indices[others] if others else np.zeros((1, coalesced._nnz()), np.int64)
    _, segment = np.unique(keys, axis=1, return_inverse=True)
    return coalesced, segment.reshape(-1)


def softmax(input, dim, *, dtype=None):
    """Softmax over the stored entries of each slice along ``dim`` (absent entries count
    as minus infinity, so they stay absent). Returns a sparse tensor."""
    return _log_or_softmax(input, dim, dtype, log=False)


def log_softmax(input, dim, *, dtype=None):
    """``log(softmax(input, dim))`` over the stored entries."""
    return _log_or_softmax(input, dim, dtype, log=True)


def _log_or_softmax(input, dim, dtype, log):
    coalesced, segment = _segments(input, dim % input.dim())
    values = coalesced._values if dtype is None else coalesced._values.to(dtype)
    n = int(segment.max()) + 1 if segment.size else 0
    index = Tensor._wrap(segment.astype(np.int64))
    shift = np.full(n, -np.inf, values._data.dtype)
    np.maximum.at(shift, segment, values._data)
    shifted = values - Tensor._wrap(shift[segment])
    exp = shifted.exp()
    totals = Tensor._wrap(np.zeros(n, values._data.dtype)).index_add(0, index, exp)
    out = shifted - totals.log().index_select(0, index) if log else \
        exp / totals.index_select(0, index)
    return SparseTensor(coalesced._indices, out, coalesced._shape, True)


@contextlib.contextmanager
def check_sparse_tensor_invariants(enable=True):
    """torch's switch for validating indices on construction: cynn always validates."""
    yield


def as_sparse_gradcheck(gradcheck):
    """Wrap ``gradcheck`` so sparse inputs are checked through their values."""
    def checker(func, inputs, **kwargs):
        return gradcheck(func, inputs, **kwargs)
    return checker
