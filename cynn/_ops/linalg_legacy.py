"""torch's top-level linear-algebra names (and their Tensor methods) that predate or sit
beside ``torch.linalg``: the legacy ``svd`` (returns V, not Vh), ``qr`` (``some``),
``lu``/``lu_solve`` (argument orders of their own), ``triangular_solve`` (returns the
solution and a copy of A), ``cholesky_solve``/``cholesky_inverse``, the Householder
trio ``geqrf``/``orgqr``/``ormqr``, ``pinverse``, ``matrix_exp`` and the
``frobenius_norm``/``nuclear_norm`` shorthands. Each is a thin layer over
``cynn.linalg`` with torch's legacy signature, result names and messages.
"""
import warnings

import numpy as np

from .._tensor import Tensor, _torch_type_name
from ..autograd.functions.composite import named_composite
from . import linalg_householder as _householder
from . import linalg_impl as _linalg
from . import linalg_lu as _lu

__all__ = ["lu", "lu_solve", "lu_unpack", "triangular_solve", "cholesky_solve",
           "cholesky_inverse", "geqrf", "orgqr", "ormqr", "svd", "qr", "pinverse",
           "matrix_exp", "frobenius_norm", "nuclear_norm"]
METHODS = ["lu", "lu_solve", "triangular_solve", "cholesky_solve", "cholesky_inverse",
           "geqrf", "orgqr", "ormqr", "svd", "qr", "pinverse", "matrix_exp",
           "eig", "lstsq", "solve", "symeig"]
INPLACE = []

_LuWithInfo = _linalg._named("_lu_with_info", ("LU", "pivots", "info"))
_TriangularSolveResult = _linalg._named("triangular_solve", ("solution", "cloned_coefficient"))
_SvdResult = _linalg._named("svd", ("U", "S", "V"))
_QrResult = _linalg._named("qr", ("Q", "R"))


def _deprecated(message):
    # torch's first sentence (its missing spaces included); Python's default filter
    # shows it once per calling line, as torch warns once
    warnings.warn(message, UserWarning, stacklevel=3)


lu_unpack = _lu.lu_unpack
geqrf = _householder.geqrf
ormqr = _householder.ormqr
matrix_exp = _linalg.matrix_exp


def lu(A, pivot=True, get_infos=False):
    """``(LU, pivots)`` of :func:`cynn.linalg.lu_factor`, plus ``info`` with
    ``get_infos``; a singular matrix does not raise (its info is > 0).
    Shape: ``(*, m, n)`` -> ``(*, m, n)``, ``(*, min(m, n))`` int32, ``(*)`` int32."""
    _deprecated("torch.lu is deprecated in favor of torch.linalg.lu_factor / "
                "torch.linalg.lu_factor_ex and will be removed in a future PyTorch release. "
                "Use cynn.linalg.lu_factor(A) (or lu_factor_ex with get_infos).")
    packed, pivots, info = _lu.lu_factor_ex(A, pivot=pivot)
    return _LuWithInfo(packed, pivots, info) if get_infos else (packed, pivots)


def lu_solve(b, LU_data, LU_pivots):
    """``X`` with ``A X = b`` from A's :func:`lu` (``cynn.linalg.lu_solve`` with the
    right-hand side first). Shape: ``b (*, n, k)`` -> ``(*, n, k)``."""
    _deprecated("torch.lu_solve is deprecated in favor of torch.linalg.lu_solveand will be "
                "removed in a future PyTorch release. Note that cynn.linalg.lu_solve takes "
                "(LU, pivots, B).")
    return _lu.lu_solve(LU_data, LU_pivots, b)


def orgqr(input, tau):  # noqa: A002
    """:func:`cynn.linalg.householder_product`."""
    return _householder.householder_product(input, tau)


def _broadcast_batch(a, b):
    """``a`` and ``b`` expanded to their common batch shape (matrices kept)."""
    batch = np.broadcast_shapes(tuple(a.shape[:-2]), tuple(b.shape[:-2]))
    return a.expand(*batch, *a.shape[-2:]), b.expand(*batch, *b.shape[-2:])


def triangular_solve(b, A, upper=True, transpose=False, unitriangular=False):
    """``X`` with ``A X = b`` (``A^T X = b`` with ``transpose``) reading only A's upper
    (lower when not ``upper``) triangle, its diagonal as ones with ``unitriangular``;
    also returns A broadcast to the batch and copied (``cloned_coefficient``).
    Differentiable in both; A's gradient lies in the triangle read.

    Shape: ``b (*, n, k)``, ``A (*, n, n)`` -> ``(*, n, k)``, ``(*, n, n)``."""
    for name, t in (("b", b), ("A", A)):
        if t.dim() < 2:
            raise RuntimeError(f"torch.triangular_solve: Expected {name} to have at least 2 "
                               f"dimensions, but it has {t.dim()} dimensions instead")
    n = A.shape[-1]
    if A.shape[-2] != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{A.shape[-2]} by {n} matrices")
    if b.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for triangular_solve: each A matrix is "
                           f"{n} by {n} but each b matrix is {b.shape[-2]} by {b.shape[-1]}")
    _deprecated("torch.triangular_solve is deprecated in favor of "
                "torch.linalg.solve_triangularand will be removed in a future PyTorch release. "
                "cynn.linalg.solve_triangular(A, B, upper=...) takes A first and returns only "
                "the solution.")
    def composite(b, A):
        A_full, b_full = _broadcast_batch(A, b)
        coefficient = A_full.mT if transpose else A_full
        solution = _linalg.solve_triangular(coefficient, b_full,
                                            upper=upper != bool(transpose),
                                            unitriangular=unitriangular)
        return solution, A_full.clone()
    return _TriangularSolveResult(
        *named_composite("TriangularSolveBackward0").apply(composite, (), b, A))


def _factor_product(L, upper):
    """``A = L L^T`` (``U^T U`` when ``upper``) from the triangle of the factor, with
    the gradient flowing to every entry of it as torch's does (torch differentiates the
    product of the full factor)."""
    tri = L.triu() if upper else L.tril()
    other = L - tri
    factor = tri + (other - other.detach())
    return factor.mT @ factor if upper else factor @ factor.mT


def cholesky_solve(input, input2, upper=False):  # noqa: A002
    """``X`` with ``A X = input`` given A's Cholesky factor ``input2`` (lower, or upper
    with ``upper``); batch dims broadcast. Differentiable in both.

    Shape: ``input (*, n, k)``, ``input2 (*, n, n)`` -> ``(*, n, k)``."""
    for name, t in (("b", input), ("u", input2)):
        if t.dim() < 2:
            raise RuntimeError(f"{name} should have at least 2 dimensions, but has {t.dim()} "
                               f"dimensions instead")
    n = input2.shape[-1]
    if input2.shape[-2] != n:
        raise RuntimeError(f"A must be batches of square matrices, but they are "
                           f"{input2.shape[-2]} by {n} matrices")
    if input.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for cholesky_solve: each A matrix is "
                           f"{n} by {n} but each b matrix is {input.shape[-2]} by "
                           f"{input.shape[-1]}")
    return named_composite("CholeskySolveBackward0").apply(
        lambda b, factor: _linalg.solve(_factor_product(factor, upper), b), (), input, input2)


def cholesky_inverse(input, upper=False):  # noqa: A002
    """``A^-1`` from A's Cholesky factor ``input`` (lower, or upper with ``upper``).
    Shape: ``(*, n, n)`` -> ``(*, n, n)``."""
    if input.dim() < 2:
        raise RuntimeError("cholesky_inverse: The input tensor A must have at least 2 "
                           "dimensions.")
    if input.shape[-1] != input.shape[-2]:
        raise RuntimeError(f"cholesky_inverse: A must be batches of square matrices, but they "
                           f"are {input.shape[-2]} by {input.shape[-1]} matrices")
    return named_composite("CholeskyInverseBackward0").apply(
        lambda factor: _linalg.inv(_factor_product(factor, upper)), (), input)


def svd(input, some=True, compute_uv=True):  # noqa: A002
    """Legacy SVD: ``(U, S, V)`` with ``input = U diag(S) V^T`` (V, not Vh), reduced
    unless ``some=False``. Without ``compute_uv`` only S is computed and U, V are
    zero-filled ``(*, m, m)`` and ``(*, n, n)``.

    Shape: ``(*, m, n)`` -> ``(*, m, k|m)``, ``(*, k)``, ``(*, n, k|n)``, k = min(m, n)."""
    if input.dim() < 2:
        raise RuntimeError(f"linalg.svd: input should have at least 2 dimensions, but has "
                           f"{input.dim()} dimensions instead")
    if not compute_uv:
        m, n = input.shape[-2], input.shape[-1]
        batch = tuple(input.shape[:-2])
        dtype = input._data.dtype
        return _SvdResult(Tensor._wrap(np.zeros(batch + (m, m), dtype)),
                          _linalg.svdvals(input),
                          Tensor._wrap(np.zeros(batch + (n, n), dtype)))
    U, S, Vh = _linalg.svd(input, full_matrices=not some)
    return _SvdResult(U, S, Vh.mT)


def qr(input, some=True):  # noqa: A002
    """Legacy QR: reduced (``some``) or complete ``(Q, R)``."""
    _deprecated("torch.qr is deprecated in favor of torch.linalg.qr and will be removed in a "
                "future PyTorch release. Use cynn.linalg.qr(A, 'reduced' if some else "
                "'complete').")
    return _QrResult(*_linalg.qr(input, "reduced" if some else "complete"))


def pinverse(input, rcond=1e-15):  # noqa: A002
    """:func:`cynn.linalg.pinv` with relative cutoff ``rcond``."""
    if input.dim() < 2:
        kind = _torch_type_name(input._data.dtype)
        raise RuntimeError(f"linalg.pinv({kind}{{{list(input.shape)}}}): expected a tensor "
                           f"with 2 or more dimensions of float, double, cfloat or cdouble "
                           f"types")
    return _linalg.pinv(input, rtol=rcond)


def frobenius_norm(input, dim, keepdim=False):  # noqa: A002
    """The 2-norm of the entries over ``dim`` (one or two dims).
    Shape: ``dim`` removed (kept as 1 with ``keepdim``)."""
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) > 2:
        raise RuntimeError(f"Expected at most 2 dimensions, but got {len(dims)} dimensions "
                           f"instead.")
    _deprecated("at::frobenius_norm is deprecated and it is just left for JIT compatibility. "
                "It will be removed in a future PyTorch release. Please use "
                "`linalg.vector_norm(A, 2., dim, keepdim)` instead")
    return _linalg.vector_norm(input, 2, dims, keepdim)


def nuclear_norm(input, dim=None, keepdim=False):  # noqa: A002
    """The sum of the singular values of each matrix over the two dims ``dim`` (the
    last two by default; ``nuclear_norm(input, keepdim)`` is accepted as torch's).
    Shape: the two dims removed (kept as 1 with ``keepdim``)."""
    if isinstance(dim, bool):
        dim, keepdim = None, dim
    if dim is None:
        dim = (-2, -1)
    dims = (dim,) if isinstance(dim, int) else tuple(dim)
    if len(dims) != 2:
        raise RuntimeError(f"linalg.matrix_norm: dim must be a 2-tuple. Got "
                           f"{' '.join(str(d) for d in dims)}")
    _deprecated("at::nuclear_norm is deprecated and it is just left for JIT compatibility. "
                "It will be removed in a future PyTorch release. Please use "
                "`linalg.matrix_norm(A, 'nuc', dim, keepdim)` instead")
    return _linalg.matrix_norm(input, "nuc", dims, keepdim)


# -- Tensor methods torch removed in 1.9 but still defines, to raise a pointer onward ------

def _removed(name, advice):
    def method(self, *args, **kwargs):
        raise RuntimeError(f"This function was deprecated since version 1.9 and is now removed. "
                           f"{advice}")
    method.__name__ = method.__qualname__ = name
    method.__doc__ = "Removed from torch in 1.9: raises RuntimeError naming the replacement."
    return method


eig = _removed("eig", "Its replacement, torch.linalg.eig, returns complex tensors, which "
               "cynn lacks; for symmetric matrices use cynn.linalg.eigh.")
lstsq = _removed("lstsq", "`torch.lstsq` is deprecated in favor of `torch.linalg.lstsq` "
                 "(arguments reversed: linalg.lstsq(A, B)).")
solve = _removed("solve", "`torch.solve` is deprecated in favor of `torch.linalg.solve` "
                 "(arguments reversed: linalg.solve(A, B)).")
symeig = _removed("symeig", "Use cynn.linalg.eigvalsh(A, UPLO='U' if upper else 'L') or "
                  "cynn.linalg.eigh.")
