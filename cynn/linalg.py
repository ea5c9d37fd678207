"""``cynn.linalg``: torch.linalg's basics -- determinants, inverses, solves, Cholesky,
vector and matrix norms, cross products, matrix powers and chains.

Every function takes batches of matrices in the last two dims and is differentiable
(the formulas are in ``autograd/functions/matrix.py``).
"""
import numpy as np

from ._ops import matrix as _matrix
from ._tensor import Tensor, _canon_dim, _canon_dims
from .autograd.functions import matrix as _M

__all__ = ["det", "slogdet", "inv", "inv_ex", "solve", "cholesky", "cholesky_ex", "norm",
           "vector_norm", "matrix_norm", "cross", "matrix_power", "multi_dot", "vecdot",
           "matmul", "diagonal", "svdvals"]

det = _matrix.det
cross = _matrix.linalg_cross
multi_dot = _matrix.multi_dot
slogdet = _matrix.slogdet
inv = _matrix.inverse
cholesky = _matrix.cholesky
matrix_power = _matrix.matrix_power


def inv_ex(A, *, check_errors=False):
    """``(inverse, info)``: info is 0 where the matrix was invertible (a singular
    matrix raises with ``check_errors=True``, else its result is undefined)."""
    try:
        return inv(A), Tensor._wrap(np.zeros(tuple(A.shape[:-2]), np.int32))
    except RuntimeError:
        if check_errors:
            raise
        return A.detach() * float("nan"), Tensor._wrap(np.ones(tuple(A.shape[:-2]), np.int32))


def cholesky_ex(A, *, upper=False, check_errors=False):
    """``(L, info)`` as :func:`cholesky`; info is 0 on success."""
    try:
        return cholesky(A, upper=upper), Tensor._wrap(np.zeros(tuple(A.shape[:-2]), np.int32))
    except RuntimeError:
        if check_errors:
            raise
        return A.detach() * 0, Tensor._wrap(np.ones(tuple(A.shape[:-2]), np.int32))


def solve(A, B, *, left=True):
    """``X`` with ``A X = B`` (``X A = B`` with ``left=False``); ``B`` may be a vector
    or a batch of vectors (``B.shape == A.shape[:-1]``).
    Shape: ``A (*, n, n)``, ``B (*, n, k)`` or ``(*, n)`` -> ``X`` like ``B``."""
    _matrix._square("linalg.solve", A)
    vector = B.dim() == 1 or (B.dim() == A.dim() - 1 and tuple(B.shape) == tuple(A.shape[:-1]))
    if not left:
        if vector:
            raise RuntimeError("linalg.solve: Vector broadcasting of the left hand side is not "
                               "supported for left=False. In this case linalg.solve is "
                               "equivalent to B / A.squeeze(-1)")
        return solve(A.mT, B.mT).mT
    n = A.shape[-1]
    rows = B.shape[-1] if vector else B.shape[-2]
    if rows != n:
        raise RuntimeError(f"linalg.solve: Incompatible shapes of A and B for the equation "
                           f"AX = B ({A.shape[-2]}x{n} and {rows}x"
                           f"{1 if vector else B.shape[-1]})")
    from . import _dtype
    dt = _dtype.from_numpy_dtype(_dtype.result_type(A._data, B._data))
    return _M.Solve.apply(A.to(dt), B.to(dt), vector)


def vector_norm(x, ord=2, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``(sum |x|^ord)^(1/ord)`` over ``dim`` (all elements by default); ``inf``/``-inf``
    are the max/min of ``|x|``, 0 counts the non-zeros.
    Shape: ``dim`` removed (kept as 1 with ``keepdim``)."""
    if not x.dtype.is_floating_point:
        raise RuntimeError(f"linalg.vector_norm: Expected a floating point or complex tensor "
                           f"as input. Got {str(x.dtype).replace('cynn.', '').capitalize()}")
    x = x.to(dtype) if dtype is not None else x
    dims = _canon_dims(dim, x.dim()) if dim is not None else None
    if ord in (float("inf"), -float("inf")):
        a = x.abs()
        reduce = a.amax if ord > 0 else a.amin
        return reduce(() if dims is None else dims, keepdim)
    if ord == 0:
        return _M.CountNonzeroNorm.apply(x, dims, bool(keepdim))
    return x.norm(float(ord), dims, keepdim)


def matrix_norm(A, ord="fro", dim=(-2, -1), keepdim=False, *, dtype=None):  # noqa: A002
    """Matrix norms over the two dims ``dim``: ``'fro'``, ``'nuc'`` (sum of singular
    values), ``2``/``-2`` (largest/smallest singular value), ``1``/``-1`` (max/min
    column sum of |A|), ``inf``/``-inf`` (max/min row sum).
    Shape: the two dims removed (kept as 1 with ``keepdim``)."""
    if A.dim() < 2:
        raise RuntimeError(f"linalg.matrix_norm: The input tensor A must have at least 2 "
                           f"dimensions.")
    A = A.to(dtype) if dtype is not None else A
    d0, d1 = (_canon_dim(d, A.dim()) for d in dim)
    if ord == "fro":
        return vector_norm(A, 2, (d0, d1), keepdim)
    if ord in ("nuc", 2, -2):
        moved = A.movedim((d0, d1), (-2, -1))
        s = _M.Svdvals.apply(moved)
        out = s.sum(-1) if ord == "nuc" else (s.amax(-1) if ord == 2 else s.amin(-1))
        if keepdim:
            for d in sorted((d0, d1)):
                out = out.unsqueeze(d)
        return out
    if ord in (1, -1, float("inf"), -float("inf")):
        summed, other = (d0, d1) if abs(ord) == 1 else (d1, d0)
        sums = A.abs().sum(summed, keepdim=True)
        out = sums.amax(other, keepdim=True) if ord > 0 else sums.amin(other, keepdim=True)
        return out if keepdim else out.squeeze((d0, d1))
    raise RuntimeError(f"linalg.matrix_norm: Order {ord} not supported.")


def norm(A, ord=None, dim=None, keepdim=False, *, dtype=None):  # noqa: A002
    """``vector_norm`` for 1-d input or an int ``dim``; ``matrix_norm`` for 2-d input
    or a 2-tuple ``dim``; with neither ``ord`` nor ``dim`` the 2-norm of everything."""
    if isinstance(dim, int):
        dim = (dim,)
    if ord is None:
        return vector_norm(A, 2, dim, keepdim, dtype=dtype)
    if (dim is not None and len(dim) == 2) or (dim is None and A.dim() == 2):
        return matrix_norm(A, ord, dim or (-2, -1), keepdim, dtype=dtype)
    if dim is None and A.dim() != 1:
        raise RuntimeError(f"linalg.norm: If dim is not specified but ord is, the input must be "
                           f"1D or 2D. Got {A.dim()}D.")
    if isinstance(ord, str):
        raise RuntimeError(f"linalg.vector_norm: Order {ord} not supported.")
    return vector_norm(A, ord, dim, keepdim, dtype=dtype)


def vecdot(x, y, *, dim=-1):
    """Dot products along ``dim`` (broadcast). Shape: the broadcast shape without dim."""
    return (x * y).sum(dim)


def matmul(input, other):  # noqa: A002
    """``input @ other``."""
    return input.matmul(other)


def diagonal(A, *, offset=0, dim1=-2, dim2=-1):
    """The diagonal of each matrix in the last two dims (as ``cynn.diagonal``)."""
    return A.diagonal(offset, dim1, dim2)


def svdvals(A):
    """Singular values of each matrix, descending. Shape: ``(*, min(m, n))``."""
    if A.dim() < 2:
        raise RuntimeError("linalg.svd: The input tensor A must have at least 2 dimensions.")
    return _M.Svdvals.apply(A)
