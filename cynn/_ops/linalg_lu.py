"""The pivoted triangular factorizations of ``cynn.linalg``: LU (``lu_factor``,
``lu_factor_ex``, ``lu``, ``lu_solve``, and ``lu_unpack`` behind them) and LDL^T
(``ldl_factor``, ``ldl_factor_ex``, ``ldl_solve``).

Pivots follow torch (LAPACK): int32, 1-based, one row swap per column applied in order.
``lu_factor`` is differentiable (``autograd/functions/factorizations.py``);
``lu_unpack`` and ``lu_solve`` are built on it from differentiable ops (triangle
masks, permutation products and triangular solves), so their gradients, second ones
included, follow. LDL^T has no derivative, as in torch.
"""
import numpy as np

from .. import _dtype
from .._tensor import Tensor, _torch_type_name
from ..autograd.functions import factorizations as _F
from ..autograd.functions.composite import named_composite
from . import linalg_impl as _linalg

__all__ = ["lu_factor", "lu_factor_ex", "lu", "lu_unpack", "lu_solve", "ldl_factor",
           "ldl_factor_ex", "ldl_solve"]

_LuFactorResult = _linalg._named("linalg_lu_factor", ("LU", "pivots"))
_LuFactorExResult = _linalg._named("linalg_lu_factor_ex", ("LU", "pivots", "info"))
_LuResult = _linalg._named("linalg_lu", ("P", "L", "U"))
_LuUnpackResult = _linalg._named("lu_unpack", ("P", "L", "U"))
_LdlFactorResult = _linalg._named("linalg_ldl_factor", ("LD", "pivots"))
_LdlFactorExResult = _linalg._named("linalg_ldl_factor_ex", ("LD", "pivots", "info"))


def _dtype_name(t):
    return _torch_type_name(t._data.dtype)


def _check_lu_input(A, pivot):
    if A.dim() < 2:
        raise RuntimeError(f"torch.lu_factor: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(A.shape)} instead")
    if not A.dtype.is_floating_point:
        raise NotImplementedError(f"\"lu_cpu\" not implemented for '{_dtype_name(A)}'")
    if not pivot:
        raise RuntimeError("linalg.lu_factor: LU without pivoting is not implemented on the CPU")


def _raise_zero_pivot(fn, info):
    """torch's error for an exactly-zero U[i, i] (info = i, 1-based), naming the first
    failing matrix of a batch."""
    failed = np.flatnonzero(info.reshape(-1))
    if not failed.size:
        return
    first = int(failed[0])
    where = f"(Batch element {first}): " if info.ndim else ""
    i = int(info.reshape(-1)[first])
    raise RuntimeError(f"{fn}: {where}U[{i},{i}] is zero and using it on lu_solve would "
                       f"result in a division by zero. If you still want to perform the "
                       f"factorization, consider calling linalg.lu(A, pivot) or "
                       f"linalg.lu_factor_ex(A, pivot)")


def lu_factor_ex(A, *, pivot=True, check_errors=False):
    """The LU factorization with partial pivoting ``A = P L U`` in LAPACK's packed form,
    and ``info`` (0, or the 1-based index of the first exactly-zero ``U[i, i]``: the
    factorization is still complete; ``check_errors`` raises instead).

    Shape: ``A (*, m, n)`` -> ``LU (*, m, n)``, ``pivots (*, min(m, n))`` int32,
    ``info (*)`` int32.

    Example::

        >>> LU, pivots, info = cynn.linalg.lu_factor_ex(cynn.tensor([[1., 2.], [3., 4.]]))
        >>> pivots
        tensor([2, 2], dtype=cynn.int32)
    """
    _check_lu_input(A, pivot)
    lu, pivots, info = _F.LuFactor.apply(A)
    if check_errors:
        _raise_zero_pivot("torch.linalg.lu_factor_ex", info._data)
    return _LuFactorExResult(lu, pivots, info)


def lu_factor(A, *, pivot=True):
    """``(LU, pivots)`` of :func:`lu_factor_ex`; a matrix with an exactly-zero pivot
    (singular) raises. Shape: ``(*, m, n)`` -> ``(*, m, n)``, ``(*, min(m, n))``."""
    _check_lu_input(A, pivot)
    lu, pivots, info = _F.LuFactor.apply(A)
    _raise_zero_pivot("torch.linalg.lu_factor", info._data)
    return _LuFactorResult(lu, pivots)


def lu_unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` from the packed ``LU_data`` and ``LU_pivots`` of :func:`lu_factor`;
    a part not asked for is an empty tensor. Differentiable in ``LU_data``.

    Shape: ``LU_data (*, m, n)`` -> ``P (*, m, m)``, ``L (*, m, k)``, ``U (*, k, n)``,
    ``k = min(m, n)``."""
    if LU_data.dim() < 2:
        raise RuntimeError(f"torch.lu_unpack: Expected tensor with 2 or more dimensions. Got "
                           f"size: {list(LU_data.shape)} instead")
    if LU_pivots.dtype != _dtype.int32:
        raise RuntimeError("torch.lu_unpack: LU_pivots is expected to be a contiguous tensor "
                           "of torch.int32 dtype.")
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    piv = LU_pivots._data
    if unpack_pivots and (piv.shape[-1:] != (min(m, n),) or np.any((piv < 1) | (piv > m))):
        raise RuntimeError("pivots passed to lu_unpack must be between 1 and LU.size(-2) "
                           "inclusive.Did you properly pass the result of lu_factor?")
    unpacked = named_composite("LuUnpackBackward0").apply(
        lambda lu, pivots: _unpack(lu, pivots, unpack_data, unpack_pivots), (0,),
        LU_data, LU_pivots)
    return _LuUnpackResult(*unpacked)


def _unpack(LU_data, LU_pivots, unpack_data=True, unpack_pivots=True):
    """``(P, L, U)`` in differentiable ops, after :func:`lu_unpack`'s checks."""
    m, n = LU_data.shape[-2], LU_data.shape[-1]
    k = min(m, n)
    # torch's empty L and U stay attached to LU_data's graph (a zero gradient)
    L = U = LU_data.reshape(-1)[:0]
    P = Tensor._wrap(np.empty(0, LU_data._data.dtype))
    if unpack_data:
        eye = Tensor._wrap(np.eye(m, k, dtype=LU_data._data.dtype))
        L = LU_data[..., :, :k].tril(-1) + eye
        U = LU_data[..., :k, :].triu()
    if unpack_pivots:
        P = Tensor._wrap(_F.pivots_to_permutation(LU_pivots._data, m, LU_data._data.dtype))
    return P, L, U


def lu(A, *, pivot=True):
    """The LU factorization with partial pivoting, unpacked: ``A = P L U``, L unit lower
    triangular (trapezoidal), U upper. Differentiable in A.

    Shape: ``A (*, m, n)`` -> ``P (*, m, m)``, ``L (*, m, k)``, ``U (*, k, n)``,
    ``k = min(m, n)``."""
    _check_lu_input(A, pivot)
    return _LuResult(*named_composite("LinalgLuBackward0").apply(_lu_composite, (0,), A))


def _lu_composite(A):
    packed, pivots, _ = _F.LuFactor.apply(A)
    return _unpack(packed, pivots)


def lu_solve(LU, pivots, B, *, left=True, adjoint=False):
    """``X`` with ``A X = B`` from A's :func:`lu_factor` (``X A = B`` with
    ``left=False``; ``A^T`` in place of A with ``adjoint``). Batch dims broadcast;
    differentiable in ``LU`` and ``B``.

    Shape: ``LU (*, n, n)``, ``pivots (*, n)``, ``B (*, n, k)`` (``(*, k, n)`` when not
    ``left``) -> ``X`` like the broadcast B."""
    if LU.dim() < 2:
        raise RuntimeError("torch.linalg.lu_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    n = LU.shape[-1]
    if LU.shape[-2] != n:
        raise RuntimeError(f"torch.linalg.lu_solve: A must be batches of square matrices, but "
                           f"they are {LU.shape[-2]} by {n} matrices")
    if B.dim() < 2:
        raise RuntimeError("linalg.lu_solve: The input tensor B must have at least 2 "
                           "dimensions.")
    rows = B.shape[-2] if left else B.shape[-1]
    if rows != n:
        raise RuntimeError(f"linalg.lu_solve: Incompatible shapes of A and B for the equation "
                           f"{'AX = B' if left else 'XA = B'} ({n}x{n} and "
                           f"{B.shape[-2]}x{B.shape[-1]})")
    if pivots.dtype != _dtype.int32:
        raise RuntimeError("linalg.lu_solve: pivots should be a Tensor of scalar type "
                           "torch.int32")
    if pivots.shape[-1:] != (n,) and pivots.dim() >= 1:
        raise RuntimeError("linalg.lu_solve: Number of pivots per batch should be same as the "
                           "dimension of the matrix")
    if tuple(pivots.shape) != tuple(LU.shape[:-1]):
        raise RuntimeError(f"linalg.lu_solve: Expected LU.shape[:-1] and pivots.shape to be the "
                           f"same, but got pivots with shape {list(pivots.shape)} instead")
    return named_composite("LinalgLuSolveBackward0").apply(
        lambda lu, piv, b: _lu_solve(lu, piv, b, left, adjoint), (), LU, pivots, B)


def _lu_solve(LU, pivots, B, left, adjoint):
    P, L, U = _unpack(LU, pivots)
    # X A = B  <=>  A^T X^T = B^T: a right solve is a left one with the adjoint flipped
    rhs = B if left else B.mT
    transposed = adjoint if left else not adjoint
    if transposed:
        # A^T X = B with A = P L U:  X = P L^-T U^-T B
        y = _linalg.solve_triangular(U.mT, rhs, upper=False)
        x = P @ _linalg.solve_triangular(L.mT, y, upper=True, unitriangular=True)
    else:
        y = _linalg.solve_triangular(L, P.mT @ rhs, upper=False, unitriangular=True)
        x = _linalg.solve_triangular(U, y, upper=True)
    return x if left else x.mT


def _check_ldl_input(fn, A):
    if A.dim() < 2:
        raise RuntimeError(f"torch.linalg.{fn}: The input tensor A must have at least 2 "
                           f"dimensions.")
    if A.shape[-1] != A.shape[-2]:
        raise RuntimeError(f"torch.linalg.{fn}: A must be batches of square matrices, but they "
                           f"are {A.shape[-2]} by {A.shape[-1]} matrices")
    if not A.dtype.is_floating_point:
        raise RuntimeError(f"torch.linalg.{fn}: Expected a floating point or complex tensor as "
                           f"input. Got {_dtype_name(A)}")


def ldl_factor_ex(A, *, hermitian=False, check_errors=False):
    """The LDL^T factorization of symmetric ``A`` (its lower triangle read) with
    Bunch-Kaufman pivoting, packed as LAPACK's ``sytrf`` leaves it: D's 1x1 and 2x2
    blocks on the (sub)diagonal, the unit lower L below. ``pivots`` are 1-based
    (a negative pair marks a 2x2 block); ``info`` > 0 names an exactly-zero D[i, i].
    ``hermitian`` matters for complex input only. Not differentiable, as in torch.

    Shape: ``A (*, n, n)`` -> ``LD (*, n, n)``, ``pivots (*, n)`` int32, ``info (*)``."""
    _check_ldl_input("ldl_factor_ex", A)
    ld, pivots, info = _F.LdlFactor.apply(A)
    if check_errors:
        _raise_ldl_error(info._data)
    return _LdlFactorExResult(ld, pivots, info)


def _raise_ldl_error(info):
    failed = info.reshape(-1)[info.reshape(-1) != 0]
    if failed.size:
        # torch reaches its internal "unknown error code" branch for a zero D[i, i]
        raise RuntimeError(f"torch.linalg.ldl_factor: Unknown error code: {int(failed[0])}.")


def ldl_factor(A, *, hermitian=False):
    """``(LD, pivots)`` of :func:`ldl_factor_ex`, raising where D has an exactly-zero
    diagonal entry. Shape: ``(*, n, n)`` -> ``(*, n, n)``, ``(*, n)``."""
    _check_ldl_input("ldl_factor_ex", A)
    ld, pivots, info = _F.LdlFactor.apply(A)
    _raise_ldl_error(info._data)
    return _LdlFactorResult(ld, pivots)


def ldl_solve(LD, pivots, B, *, hermitian=False):
    """``X`` with ``A X = B`` from A's :func:`ldl_factor`; batch dims broadcast. Not
    differentiable, as in torch.

    Shape: ``LD (*, n, n)``, ``pivots (*, n)``, ``B (*, n, k)`` -> ``(*, n, k)``."""
    if LD.dim() < 2:
        raise RuntimeError("torch.linalg.ldl_solve: The input tensor A must have at least 2 "
                           "dimensions.")
    n = LD.shape[-1]
    if LD.shape[-2] != n:
        raise RuntimeError(f"torch.linalg.ldl_solve: A must be batches of square matrices, but "
                           f"they are {LD.shape[-2]} by {n} matrices")
    if B.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(B.dim(), 1)}, {max(B.dim(), 1) - 1}], but got -2)")
    if tuple(pivots.shape) != tuple(LD.shape[:-1]):
        raise RuntimeError(f"torch.linalg.ldl_solve: Expected LD.shape[:-1] and pivots.shape to "
                           f"be the same, but got pivots with shape {list(pivots.shape)} instead")
    if B.shape[-2] != n:
        raise RuntimeError(f"Incompatible matrix sizes for torch.linalg.ldl_solve: each A matrix "
                           f"is {n} by {n} but each b matrix is {B.shape[-2]} by {B.shape[-1]}")
    return _F.LdlSolve.apply(LD, pivots.to(_dtype.int32), B)
