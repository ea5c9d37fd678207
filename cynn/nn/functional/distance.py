"""Distances and similarities between vectors (``torch.nn.functional`` names and
errors, plus ``cdist``, which PyTorch keeps in ``torch``)."""
import numpy as np

from ..._broadcast import broadcast_shapes
from ..._dtype import from_numpy_dtype, result_type
from ..._tensor import _torch_type_name
from ...autograd.functions import loss as L
from ._arguments import check_tensor

__all__ = ["cosine_similarity", "pairwise_distance", "pdist", "cdist"]

_COMPUTE_MODES = ("use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                  "donot_use_mm_for_euclid_dist")
# With the default compute mode, p = 2 takes the matrix-product path above this many
# rows on either side (PyTorch's threshold: below it the direct differences are faster).
_MM_THRESHOLD = 25


def _as_dtype(t, dt):
    return t if t._data.dtype == dt else t.to(from_numpy_dtype(dt))


def cosine_similarity(x1, x2, dim=1, eps=1e-8):
    """Cosine of the angle between ``x1`` and ``x2`` along ``dim``:
    ``x1 . x2 / (max(||x1||, eps) max(||x2||, eps))``.

    Args:
        x1, x2 (Tensor): broadcastable to one shape, floating point.
        dim (int): the dimension (of the broadcast shape) reduced. Default: 1.
        eps (float): lower bound of each norm, against division by zero. Default: 1e-8.

    Shape:
        x1, x2: ``(*, D, *)`` (broadcastable); output ``(*, *)``: the broadcast shape
        without ``dim``.

    Example::

        >>> F.cosine_similarity(cynn.tensor([[1., 0.]]), cynn.tensor([[1., 1.]]))
        tensor([0.7071])
    """
    check_tensor(x1, "x1", 1, "cosine_similarity")
    check_tensor(x2, "x2", 2, "cosine_similarity")
    shape = broadcast_shapes(x1.shape, x2.shape)
    dt = result_type(x1._data, x2._data)
    if dt.kind != "f":
        raise RuntimeError(f"expected common dtype to be floating point, yet common dtype is "
                           f"{_torch_type_name(dt)}")
    ndim = max(len(shape), 1)
    if not -ndim <= dim < ndim:
        raise IndexError(f"Dimension out of range (expected to be in range of [{-ndim}, "
                         f"{ndim - 1}], but got {dim})")
    x1, x2 = _as_dtype(x1, dt), _as_dtype(x2, dt)
    if tuple(x1.shape) != shape:
        x1 = x1.expand(*shape)
    if tuple(x2.shape) != shape:
        x2 = x2.expand(*shape)
    if not shape:
        x1, x2 = x1.reshape(1), x2.reshape(1)
    return L.CosineSimilarity.apply(x1, x2, dim % ndim, float(eps))


def pairwise_distance(x1, x2, p=2.0, eps=1e-6, keepdim=False):
    """``||x1 - x2 + eps||_p`` over the last dimension (of the broadcast shape).

    Args:
        x1, x2 (Tensor): broadcastable to one shape.
        p (float): the norm degree (any real, ``inf`` included). Default: 2.
        eps (float): added to the difference, keeping the norm's gradient finite.
            Default: 1e-6.
        keepdim (bool): keep the reduced dimension with size 1. Default: False.

    Shape:
        x1, x2: ``(N, D)`` or ``(D,)`` (broadcastable); output ``(N,)`` or ``()``
        (``(N, 1)`` / ``(1,)`` with ``keepdim``).

    Example::

        >>> F.pairwise_distance(cynn.tensor([[0., 0.]]), cynn.tensor([[3., 4.]]), eps=0.0)
        tensor([5.])
    """
    check_tensor(x1, "x1", 1, "pairwise_distance")
    check_tensor(x2, "x2", 2, "pairwise_distance")
    broadcast_shapes(x1.shape, x2.shape)
    diff = x1 - x2 + eps
    return L.PairwiseNorm.apply(diff, float(p), bool(keepdim))


def pdist(input, p=2):  # noqa: A002 -- PyTorch's argument name
    """The ``p``-norm distance between every pair of rows of ``input``: the upper
    triangle (without the diagonal) of ``cdist(input, input, p)``, row by row.

    Args:
        input (Tensor): ``(N, M)``, floating point.
        p (float): the norm degree, ``p >= 0`` (``inf`` included). Default: 2.

    Shape:
        input ``(N, M)``; output ``(N * (N - 1) / 2,)``.

    Example::

        >>> F.pdist(cynn.tensor([[0., 0.], [3., 4.], [0., 1.]]))
        tensor([5.0000, 1.0000, 4.2426])
    """
    check_tensor(input, "input", 1, "pdist")
    if input.dim() != 2:
        raise RuntimeError(f"pdist only supports 2D tensors, got: {input.dim()}D")
    if input._data.dtype.kind != "f":
        raise RuntimeError("pdist only supports floating-point dtypes")
    if not p >= 0:
        raise RuntimeError("pdist only supports non-negative p values")
    if input._data.dtype == np.float16:
        raise NotImplementedError("\"pdist\" not implemented for 'Half'")
    return L.Pdist.apply(input, float(p))


def cdist(x1, x2, p=2.0, compute_mode="use_mm_for_euclid_dist_if_necessary"):
    """The ``p``-norm distance between each row of ``x1`` and each row of ``x2``, per
    batch (batch dimensions broadcast).

    Args:
        x1 (Tensor): ``(B..., P, M)``, floating point.
        x2 (Tensor): ``(B..., R, M)``, same dtype.
        p (float): the norm degree, ``p >= 0`` (``inf`` included). Default: 2.
        compute_mode (str): for ``p = 2``, ``'use_mm_for_euclid_dist'`` computes
            ``sqrt(|a|^2 + |b|^2 - 2 a.b)`` with a matrix product (fast, but loses
            precision for close points), ``'donot_use_mm_for_euclid_dist'`` the
            differences directly, and the default
            ``'use_mm_for_euclid_dist_if_necessary'`` the product when P > 25 or R > 25.

    Shape:
        x1 ``(B..., P, M)``, x2 ``(B..., R, M)``; output ``(B..., P, R)`` with the batch
        dimensions broadcast.

    Example::

        >>> cynn.cdist(cynn.tensor([[0., 0.]]), cynn.tensor([[3., 4.], [0., 1.]]))
        tensor([[5., 1.]])
    """
    check_tensor(x1, "x1", 1, "cdist")
    check_tensor(x2, "x2", 2, "cdist")
    if compute_mode not in _COMPUTE_MODES:
        raise ValueError(f"{compute_mode} is not a valid value for compute_mode")
    for t, name in ((x1, "X1"), (x2, "X2")):
        if t.dim() < 2:
            raise RuntimeError(f"cdist only supports at least 2D tensors, {name} got: "
                               f"{t.dim()}D")
    m = x1.shape[-1]
    if x2.shape[-1] != m:
        raise RuntimeError(f"X1 and X2 must have the same number of columns. X1: {m} X2: "
                           f"{x2.shape[-1]}")
    for t, name in ((x1, "X1"), (x2, "X2")):
        if t._data.dtype.kind != "f":
            raise RuntimeError(f"cdist only supports floating-point dtypes, {name} got: "
                               f"{_torch_type_name(t._data.dtype)}")
    if not p >= 0:
        raise RuntimeError("cdist only supports non-negative p values")
    if x1._data.dtype != x2._data.dtype:
        raise RuntimeError(f"expected scalar type {_torch_type_name(x1._data.dtype)} but found "
                           f"{_torch_type_name(x2._data.dtype)}")
    if x1._data.dtype == np.float16:
        raise NotImplementedError("\"cdist\" not implemented for 'Half'")
    batch = broadcast_shapes(x1.shape[:-2], x2.shape[:-2])
    n_p, n_r = x1.shape[-2], x2.shape[-2]
    n_batch = int(np.prod(batch, dtype=np.int64))
    a = x1.expand(*batch, n_p, m) if tuple(x1.shape[:-2]) != batch else x1
    b = x2.expand(*batch, n_r, m) if tuple(x2.shape[:-2]) != batch else x2
    a, b = a.reshape(n_batch, n_p, m), b.reshape(n_batch, n_r, m)
    use_mm = p == 2 and m > 0 and (
        compute_mode == "use_mm_for_euclid_dist"
        or (compute_mode == _COMPUTE_MODES[0] and (n_p > _MM_THRESHOLD or n_r > _MM_THRESHOLD)))
    out = L.EuclideanDist.apply(a, b) if use_mm else L.Cdist.apply(a, b, float(p))
    return out.reshape(*batch, n_p, n_r)
