"""Householder reflectors: ``geqrf`` (LAPACK's packed QR), ``householder_product``
(``orgqr``: the first columns of ``Q = H_1 ... H_k``) and ``ormqr`` (a product with Q
or Q^T without forming it).

``H_i = I - tau_i v_i v_i^T`` with ``v_i`` the i-th column of the input below the
diagonal and a unit i-th entry (zeros above). The products are applied reflector by
reflector with differentiable Tensor ops (``x - tau v (v^T x)``), so gradients with
respect to the reflectors, ``tau`` and the other operand are exact, second ones too.
"""
import numpy as np

from .._tensor import Tensor, _torch_type_name
from ..autograd.functions import factorizations as _F
from ..autograd.functions.composite import named_composite
from . import linalg_impl as _linalg

__all__ = ["householder_product", "geqrf", "ormqr"]

_GeqrfResult = _linalg._named("geqrf", ("a", "tau"))


def _reflectors(A, count):
    """The Householder vectors as the columns of an ``(*, m, count)`` Tensor."""
    m = A.shape[-2]
    unit = Tensor._wrap(np.eye(m, count, dtype=A._data.dtype))
    return A[..., :, :count].tril(-1) + unit


def _check_tau(fn, A, tau):
    if tau.dtype != A.dtype:
        raise RuntimeError(f"{fn}: tau dtype {_dtype_word(tau)} does not match input dtype "
                           f"{_dtype_word(A)}")


def _dtype_word(t):
    return _torch_type_name(t._data.dtype)


def householder_product(A, tau):
    """The first ``n`` columns of ``H_1 H_2 ... H_k`` (``k = tau.shape[-1]``) from the
    reflectors stored below the diagonal of ``A`` (``geqrf``'s output): the Q of a QR
    factorization. Differentiable in ``A`` and ``tau``.

    Shape: ``A (*, m, n)`` with ``m >= n``, ``tau (*, k)`` with ``k <= n`` ->
    ``(*, m, n)``.

    Example::

        >>> a, tau = cynn.geqrf(cynn.randn(4, 3))
        >>> cynn.linalg.householder_product(a, tau).shape
        cynn.Size([4, 3])
    """
    fn = "torch.linalg.householder_product"
    if A.dim() < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    m, n = A.shape[-2], A.shape[-1]
    if m < n:
        raise RuntimeError(f"{fn}: input.shape[-2] must be greater than or equal to "
                           f"input.shape[-1]")
    if n < tau.shape[-1]:
        raise RuntimeError(f"{fn}: input.shape[-1] must be greater than or equal to "
                           f"tau.shape[-1]")
    if tau.dim() != A.dim() - 1 or tuple(tau.shape[:-1]) != tuple(A.shape[:-2]):
        raise RuntimeError(f"{fn}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    _check_tau(fn, A, tau)
    return named_composite("LinalgHouseholderProductBackward0").apply(_product, (), A, tau)


def _product(A, tau):
    m, n = A.shape[-2], A.shape[-1]
    k = tau.shape[-1]
    q = Tensor._wrap(np.broadcast_to(np.eye(m, n, dtype=A._data.dtype),
                                     tuple(A.shape[:-2]) + (m, n)).copy())
    V = _reflectors(A, k)
    # Q = H_1 (H_2 (... (H_k I))): the last reflector acts first
    for i in reversed(range(k)):
        q = _reflect(q, V[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1))
    return q


def _reflect(x, v, scale):
    """``(I - scale v v^T) x`` for a column ``v`` (``(*, m, 1)``)."""
    return x - scale * v @ (v.mT @ x)


def geqrf(input):  # noqa: A002
    """LAPACK's QR factorization in packed form: ``R`` on and above the diagonal of
    ``a``, the Householder vectors below it, their scales in ``tau`` (see
    :func:`householder_product`, :func:`ormqr`). Not differentiable, as in torch.

    Shape: ``(*, m, n)`` -> ``a (*, m, n)``, ``tau (*, min(m, n))``."""
    if input.dim() < 2:
        raise RuntimeError("torch.geqrf: input must have at least 2 dimensions.")
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f"\"geqrf_cpu\" not implemented for '{_dtype_word(input)}'")
    return _GeqrfResult(*_F.Geqrf.apply(input))


def ormqr(input, tau, other, left=True, transpose=False):  # noqa: A002
    """``Q other`` (``other Q`` when not ``left``; ``Q^T`` with ``transpose``) for the
    ``m x m`` Q whose reflectors ``input`` and ``tau`` hold (:func:`geqrf`'s output),
    without forming Q. Differentiable in all three.

    Shape: ``input (*, mn, k)``, ``tau (*, min(mn, k))``, ``other (*, m, n)`` with
    ``mn = m`` (left) or ``n`` (right) -> ``(*, m, n)``."""
    fn = "torch.ormqr"
    if input.dim() < 2:
        raise RuntimeError(f"{fn}: input must have at least 2 dimensions.")
    if other.dim() < 2:
        raise RuntimeError(f"{fn}: other must have at least 2 dimensions.")
    side = -2 if left else -1
    if other.shape[side] != input.shape[-2]:
        raise RuntimeError(f"{fn}: other.shape[{side}] must be equal to input.shape[-2]")
    if tau.shape[-1] != min(other.shape[side], input.shape[-1]):
        raise RuntimeError(f"{fn}: tau.shape[-1] must be equal to min(other.shape[{side}], "
                           f"input.shape[-1])")
    if tau.dim() != input.dim() - 1 or tuple(tau.shape[:-1]) != tuple(input.shape[:-2]):
        raise RuntimeError(f"{fn}: Expected batch dimensions of tau to be equal to "
                           f"input.shape[:-2], but got {list(tau.shape[:-1])}")
    if other.dim() != input.dim() or tuple(other.shape[:-2]) != tuple(input.shape[:-2]):
        raise RuntimeError(f"{fn}: Expected batch dimensions of other to be equal to "
                           f"input.shape[:-2], but got {list(other.shape[:-2])}")
    _check_tau(fn, input, tau)
    return named_composite("OrmqrBackward0").apply(
        lambda a, t, c: _multiply(a, t, c, left, transpose), (), input, tau, other)


def _multiply(input, tau, other, left, transpose):  # noqa: A002
    k = tau.shape[-1]
    V = _reflectors(input, k)
    x = other if left else other.mT
    # Q = H_1 ... H_k: Q x applies H_k first, Q^T x applies H_1 first; x Q = (Q^T x^T)^T
    order = range(k) if transpose == left else reversed(range(k))
    for i in order:
        x = _reflect(x, V[..., :, i:i + 1], tau[..., i:i + 1].unsqueeze(-1))
    return x if left else x.mT
