"""``make_tensor``: a tensor of random values in a range, for tests."""
import math
import warnings

import numpy as np

from .. import _dtype
from .._device import device as _device
from .._random import generator as _rng
from .._tensor import Tensor

__all__ = ["make_tensor"]


def _default_range(np_dtype):
    if np_dtype == np.bool_:
        return 0, 2
    if np_dtype.kind == "u":
        return 0, 10
    if np_dtype.kind == "i":
        return -9, 10
    return -9, 9


def _representable(np_dtype):
    info = np.finfo(np_dtype) if np_dtype.kind in "fc" else np.iinfo(np_dtype)
    return float(info.min), float(info.max)


def _check_range(low, high, cynn_dtype):
    """``[low, high)`` with the defaults filled in, clamped to what the dtype can hold."""
    np_dtype = np.dtype(cynn_dtype.numpy)
    default_low, default_high = _default_range(np_dtype)
    low = default_low if low is None else low
    high = default_high if high is None else high
    if math.isnan(low) or math.isnan(high):
        raise ValueError(f"`low` and `high` cannot be NaN, but got low={low} and high={high}")
    if np_dtype == np.bool_:
        if not (0 <= low < high <= 2):
            raise ValueError(f"The value interval specified by `low` and `high` is "
                             f"[{low}, {high}), but {cynn_dtype} only supports [0, 2)")
        return low, high
    if np_dtype.kind in "fc" and low == high:
        warnings.warn("Passing `low==high` to `torch.testing.make_tensor` for floating or "
                      "complex types is deprecated since 2.1 and will be removed in 2.3. Use "
                      "`torch.full(...)` instead.", FutureWarning, stacklevel=3)
    elif low >= high:
        raise ValueError(f"`low` must be less than `high`, but got {low} >= {high}")
    lowest, highest = _representable(np_dtype)
    # an integer range is exclusive of high: clamping there keeps the largest value drawable
    high_limit = highest + 1 if np_dtype.kind in "iu" else highest
    return min(max(low, lowest), highest), min(max(high, lowest), high_limit)


def make_tensor(*shape, dtype, device, low=None, high=None, requires_grad=False,
                noncontiguous=False, exclude_zero=False):
    r"""A tensor of ``shape`` filled with values drawn uniformly from ``[low, high)``.

    Without ``low`` / ``high`` the range depends on ``dtype``: ``[0, 2)`` for bool,
    ``[0, 10)`` for unsigned integers, ``[-9, 10)`` for signed integers and ``[-9, 9)``
    for floating types. Given bounds are clamped to the dtype's finite range; for
    integer dtypes the values are the integers in ``[ceil(low), ceil(high))``.

    Args:
        *shape (int or sequence of ints): the shape, as ``make_tensor(2, 3, ...)`` or
            ``make_tensor((2, 3), ...)``.
        dtype (cynn.dtype): the dtype of the result.
        device (str or cynn.device): ``"cpu"``, the only device cynn has.
        low (number, optional): inclusive lower bound.
        high (number, optional): exclusive upper bound.
        requires_grad (bool): record operations on the result; floating dtypes only.
            Default: False.
        noncontiguous (bool): return a non-contiguous view (ignored for fewer than two
            elements). Default: False.
        exclude_zero (bool): replace zeros with the dtype's smallest positive normal
            number (one for integer and bool dtypes). Default: False.

    Raises:
        ValueError: ``low`` or ``high`` is NaN, ``low >= high`` (``low == high`` only
            warns for floating dtypes), the range leaves ``[0, 2)`` for bool, or
            ``requires_grad`` is set for an integer or bool dtype.

    Example::

        >>> import cynn
        >>> x = cynn.testing.make_tensor(2, 3, dtype=cynn.float32, device="cpu", low=-1, high=1)
        >>> x.shape, bool(((x >= -1) & (x < 1)).all())
        (cynn.Size([2, 3]), True)
    """
    if len(shape) == 1 and isinstance(shape[0], (tuple, list)):
        shape = tuple(shape[0])
    shape = tuple(int(s) for s in shape)
    dtype = _dtype.to_dtype(dtype)
    _device(device)
    np_dtype = np.dtype(dtype.numpy)
    if requires_grad and np_dtype.kind not in "fc":
        raise ValueError(f"`requires_grad=True` is not supported for boolean and integral "
                         f"dtypes, but got dtype={dtype}")
    low, high = _check_range(low, high, dtype)

    # a non-contiguous result is every other element along a doubled last dimension
    spread = noncontiguous and math.prod(shape) > 1
    draw_shape = shape[:-1] + (2 * shape[-1],) if spread else shape
    if np_dtype == np.bool_:
        values = _rng().integers(int(low), int(high), size=draw_shape).astype(np.bool_)
    elif np_dtype.kind in "iu":
        values = _rng().integers(math.ceil(low), math.ceil(high), size=draw_shape,
                                 dtype=np.int64).astype(np_dtype)
    elif low == high:
        values = np.full(draw_shape, low, dtype=np_dtype)
    else:
        values = _rng().uniform(low, high, size=draw_shape).astype(np_dtype)
    if exclude_zero:
        values[values == 0] = np.finfo(np_dtype).tiny if np_dtype.kind in "fc" else 1
    if spread:
        values = values[..., ::2]
    return Tensor._wrap(values, requires_grad=requires_grad)
