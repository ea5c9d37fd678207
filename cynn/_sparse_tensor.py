"""Sparse COO matrices and vectors: ``cynn.sparse_coo_tensor``, ``Tensor.to_sparse``.

A ``SparseTensor`` holds ``indices`` (ndim, nnz) int64 and ``values`` (nnz,), a Tensor
that carries autograd: products with dense tensors (``torch.sparse.mm``,
``torch.spmm``, ``@``) run on the CSR kernel of ``pyx/sparse.pyx`` and differentiate
into both the dense operand and the values. It supports what graph networks and
sparse-feature models use -- construction, ``coalesce``, ``to_dense``, transposes,
products, scaling, sums, ``softmax`` over the stored entries -- and raises for the rest
(convert with ``to_dense()`` first).
"""
import numpy as np

from . import _dtype
from ._tensor import Tensor

__all__ = ["SparseTensor", "sparse_coo_tensor", "spmm", "to_sparse"]


def _as_tensor(value, dtype=None):
    if isinstance(value, Tensor):
        return value if dtype is None else value.to(dtype)
    from ._creation import tensor
    return tensor(value, dtype=dtype)


class SparseTensor:
    """A COO sparse tensor (``layout == cynn.sparse_coo``); see the module docstring.

    Shape: any number of sparse dims; products need 2 (a matrix).
    """

    is_sparse = True

    def __init__(self, indices, values, shape, coalesced=False):
        self._indices = indices            # np.ndarray (ndim, nnz) int64
        self._values = values              # Tensor (nnz,)
        self._shape = tuple(int(n) for n in shape)
        self._coalesced = coalesced

    # -- what a tensor has -------------------------------------------------------
    @property
    def shape(self):
        from ._tensor import Size
        return Size(self._shape)

    def size(self, dim=None):
        return self.shape if dim is None else self._shape[dim]

    def dim(self):
        return len(self._shape)

    ndim = property(dim)

    @property
    def dtype(self):
        return self._values.dtype

    @property
    def layout(self):
        return sparse_coo

    @property
    def device(self):
        return self._values.device

    @property
    def requires_grad(self):
        return self._values.requires_grad

    def requires_grad_(self, requires_grad=True):
        self._values.requires_grad_(requires_grad)
        return self

    @property
    def grad(self):
        """The values' gradient as a sparse tensor at the same indices (None before)."""
        g = self._values.grad
        return None if g is None else SparseTensor(self._indices, g, self._shape,
                                                   self._coalesced)

    @property
    def grad_fn(self):
        return self._values.grad_fn

    def _nnz(self):
        return self._indices.shape[1]

    def indices(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get indices on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return Tensor._wrap(self._indices)

    def values(self):
        if not self._coalesced:
            raise RuntimeError("Cannot get values on an uncoalesced tensor, please call "
                               ".coalesce() first")
        return self._values

    def _indices_tensor(self):
        return Tensor._wrap(self._indices)

    def is_coalesced(self):
        return self._coalesced

    def coalesce(self):
        """Entries sorted by index with duplicates summed (differentiably)."""
        if self._coalesced:
            return self
        if self._nnz() == 0:
            return SparseTensor(self._indices, self._values, self._shape, True)
        flat = np.ravel_multi_index(tuple(self._indices), self._shape)
        unique, inverse = np.unique(flat, return_inverse=True)
        zeros = Tensor._wrap(np.zeros(len(unique), self._values._data.dtype))
        values = zeros.index_add(0, Tensor._wrap(inverse.astype(np.int64)), self._values)
        indices = np.stack(np.unravel_index(unique, self._shape)).astype(np.int64)
        return SparseTensor(indices, values, self._shape, True)

    def to_dense(self, dtype=None, *, masked_grad=None):
        """The dense tensor (differentiable in the values)."""
        n = int(np.prod(self._shape)) if self._shape else 1
        flat = np.ravel_multi_index(tuple(self._indices), self._shape) if self._nnz() else \
            np.zeros(0, np.int64)
        zeros = Tensor._wrap(np.zeros(n, self._values._data.dtype))
        dense = zeros.index_add(0, Tensor._wrap(flat.astype(np.int64)),
                                self._values).reshape(*self._shape)
        return dense if dtype is None else dense.to(dtype)

    def t(self):
        if self.dim() != 2:
            raise RuntimeError(f"t() expects a tensor with <= 2 sparse and 0 dense dimensions, "
                               f"but self is {self.dim()}D")
        return self.transpose(0, 1)

    def transpose(self, dim0, dim1):
        order = list(range(self.dim()))
        order[dim0], order[dim1] = order[dim1], order[dim0]
        shape = [self._shape[d] for d in order]
        return SparseTensor(self._indices[order], self._values, shape, False)

    def detach(self):
        return SparseTensor(self._indices, self._values.detach(), self._shape, self._coalesced)

    def to(self, dtype=None, *args, **kwargs):
        if dtype is None or not isinstance(dtype, _dtype.dtype):
            return self
        return SparseTensor(self._indices, self._values.to(dtype), self._shape, self._coalesced)

    def float(self):
        return self.to(_dtype.float32)

    def double(self):
        return self.to(_dtype.float64)

    # -- arithmetic ----------------------------------------------------------------
    def mm(self, other):
        return spmm(self, other)

    matmul = mm

    def __matmul__(self, other):
        return spmm(self, other)

    def __mul__(self, other):
        if isinstance(other, (int, float)) or (isinstance(other, Tensor) and other.dim() == 0):
            return SparseTensor(self._indices, self._values * other, self._shape,
                                self._coalesced)
        raise NotImplementedError("cynn: a sparse tensor multiplies only by a scalar here; "
                                  "call to_dense() first")

    __rmul__ = __mul__

    def __truediv__(self, other):
        return self * (1.0 / other)

    def __neg__(self):
        return self * -1.0

    def __add__(self, other):
        if isinstance(other, SparseTensor):
            if other._shape != self._shape:
                raise RuntimeError("add: expected 'self' and 'other' to have same size, but "
                                   f"self has size {list(self._shape)} while other has size "
                                   f"{list(other._shape)}")
            from ._creation import cat
            indices = np.concatenate([self._indices, other._indices], axis=1)
            return SparseTensor(indices, cat([self._values, other._values.to(self.dtype)]),
                                self._shape, False).coalesce()
        return self.to_dense() + other

    def sum(self, dim=None, keepdim=False, dtype=None):
        """Sum of every entry (a 0-d tensor), or over ``dim`` (a dense tensor)."""
        if dim is None:
            return self._values.sum()
        return self.to_dense().sum(dim, keepdim=keepdim)

    def __repr__(self):
        return (f"tensor(indices={Tensor._wrap(self._indices)!r},\n       values="
                f"{self._values.detach()!r},\n       size={self._shape}, "
                f"nnz={self._nnz()}, layout=cynn.sparse_coo)")

    def __getattr__(self, name):
        # an AttributeError, so that hasattr(), copy and pickle probe as usual
        raise AttributeError(f"cynn's sparse tensors do not support '{name}'; call "
                             f"to_dense() first")


class _Layout:
    def __init__(self, name):
        self.name = name

    def __repr__(self):
        return f"torch.{self.name}"


sparse_coo = _Layout("sparse_coo")


def sparse_coo_tensor(indices, values, size=None, *, dtype=None, device=None, pin_memory=False,
                      requires_grad=False, check_invariants=None, is_coalesced=None):
    """A sparse COO tensor with ``values[k]`` at ``indices[:, k]`` (duplicates add up on
    ``coalesce``). ``size`` defaults to one past the largest index per dim.
    Shape: ``indices`` (ndim, nnz), ``values`` (nnz,)."""
    idx = _as_tensor(indices)._data
    if idx.ndim != 2:
        raise RuntimeError(f"indices must be sparse_dim x nnz, but got: {list(idx.shape)}")
    if idx.dtype.kind not in "iu":
        raise RuntimeError(f"indices must be an int64 tensor")
    vals = _as_tensor(values, dtype)
    if vals.dim() != 1:
        raise NotImplementedError("cynn's sparse tensors hold scalar values (hybrid sparse "
                                  "tensors with dense dimensions are not supported)")
    if vals.shape[0] != idx.shape[1]:
        raise RuntimeError(f"indices and values must have same nnz, but got nnz from indices: "
                           f"{idx.shape[1]}, nnz from values: {vals.shape[0]}")
    if size is None:
        size = tuple(int(m) + 1 for m in idx.max(axis=1)) if idx.shape[1] else (0,) * idx.shape[0]
    size = tuple(size)
    if len(size) != idx.shape[0]:
        raise RuntimeError(f"number of dimensions must be sparse_dim ({idx.shape[0]}) + "
                           f"dense_dim (0), but got {len(size)}")
    if idx.shape[1]:
        if idx.min() < 0:
            raise RuntimeError(f"found negative index {int(idx.min())} for dim "
                               f"{int(np.argmin(idx.min(axis=1)))}")
        for d, n in enumerate(size):
            if idx[d].max() >= n:
                raise RuntimeError(f"size is inconsistent with indices: for dim {d}, size is {n} "
                                   f"but found index {int(idx[d].max())}")
    if requires_grad:
        vals = vals.detach().requires_grad_()
    return SparseTensor(idx.astype(np.int64), vals, size, bool(is_coalesced))


def to_sparse(dense, sparse_dim=None, *, layout=None):
    """The COO form of a dense tensor (its non-zero entries)."""
    if layout is not None and layout is not sparse_coo:
        raise NotImplementedError("cynn supports only the sparse COO layout")
    idx = np.stack(np.nonzero(dense._data)).astype(np.int64) if dense.dim() else \
        np.zeros((0, 1), np.int64)
    flat = np.ravel_multi_index(tuple(idx), dense._data.shape) if idx.size else \
        np.zeros(0, np.int64)
    values = dense.reshape(-1).index_select(0, Tensor._wrap(flat.astype(np.int64)))
    return SparseTensor(idx, values, dense.shape, True)


def spmm(sparse, dense):
    """``sparse @ dense`` for a 2-d sparse matrix and a dense matrix or vector,
    differentiable in both the values and ``dense``. Shape: (m, k) @ (k, n) -> (m, n)."""
    from .autograd.functions.sparse_mm import SparseMm
    if not isinstance(sparse, SparseTensor):
        raise TypeError(f"spmm(): argument 'input' must be a sparse tensor, not "
                        f"{type(sparse).__name__}")
    if sparse.dim() != 2:
        raise RuntimeError(f"sparse_mm: expected a 2-d sparse matrix, got {sparse.dim()}-d")
    if isinstance(dense, SparseTensor):
        dense = dense.to_dense()
    if dense.dim() not in (1, 2) or dense.shape[0] != sparse._shape[1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({sparse._shape[0]}x"
                           f"{sparse._shape[1]} and {'x'.join(map(str, dense.shape))})")
    if sparse.dtype != dense.dtype:
        raise RuntimeError(f"expected mat1 and mat2 to have the same dtype, but got: "
                           f"{sparse.dtype} != {dense.dtype}")
    return SparseMm.apply(sparse._values, dense, sparse._indices[0], sparse._indices[1],
                          sparse._shape)
