"""Dropout functions (``torch.nn.functional`` names, defaults and warnings).

In training each element (or, for the ``*d`` / feature variants, each whole
channel) is zeroed with probability ``p`` and the survivors are scaled by
``1 / (1 - p)`` so that the expected value is unchanged; the result is
``input * mask`` (``grad_fn=MulBackward0``, as PyTorch). Out of training, or with
``p == 0``, the input itself is returned. Masks come from cynn's seeded generator.
"""
import math

import numpy as np

from ... import _warnings
from ... import _random
from ..._tensor import Tensor, _torch_type_name

__all__ = ["dropout", "dropout1d", "dropout2d", "dropout3d", "alpha_dropout",
           "feature_alpha_dropout"]

# SELU's fixed point: alpha_dropout sets dropped units to -SELU_alpha * SELU_scale.
_ALPHA = 1.7580993408473766


def _check(input, p, fn):  # noqa: A002 -- PyTorch's argument name
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")
    if p < 0.0 or p > 1.0:
        raise ValueError(f"dropout probability has to be between 0 and 1, but got {p}")


def _dropout_impl(input, p, training, inplace, mask_shape, alpha):  # noqa: A002
    """``input * mask`` (``+ shift`` for alpha dropout); ``mask_shape`` broadcasts
    against the input (per element, or one draw per channel)."""
    if p == 0 or not training or input.numel() == 0:
        return input
    dtype = input._data.dtype
    if dtype.kind != "f":
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_torch_type_name(dtype)}")
    if p == 1:
        mask = np.zeros((), dtype)
        shift = None
    else:
        keep = _random.generator().random(mask_shape, dtype=np.float32) < 1 - p
        if alpha:
            a = 1.0 / math.sqrt((_ALPHA * _ALPHA * p + 1) * (1 - p))
            # Dropped units take the value -alpha * a + alpha * a * p, kept ones keep x * a.
            shift = Tensor._wrap(((keep - 1.0) * (_ALPHA * a) + _ALPHA * a * p).astype(dtype))
            mask = (keep * a).astype(dtype)
        else:
            shift = None
            mask = keep.astype(dtype) * np.asarray(1.0 / (1 - p), dtype)
    mask = Tensor._wrap(mask)
    if inplace:
        input.mul_(mask)
        return input if shift is None else input.add_(shift)
    out = input * mask
    return out if shift is None else out + shift


def _feature_shape(input, batched):  # noqa: A002
    """One draw per (sample, channel): the input's leading dims, then ones."""
    lead = 2 if batched else 1
    return tuple(input.shape[:lead]) + (1,) * (input.dim() - lead)


def dropout(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero each element with probability ``p``; scale the rest by 1 / (1 - p).

    Shape: any; output as input.
    """
    _check(input, p, "dropout")
    return _dropout_impl(input, p, training, inplace, tuple(input.shape), alpha=False)


def dropout1d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels: input ``(N, C, L)`` or ``(C, L)``."""
    _check(input, p, "dropout1d")
    if input.dim() not in (2, 3):
        raise RuntimeError(f"dropout1d: Expected 2D or 3D input, but received a {input.dim()}D "
                           "input. Note that dropout1d exists to provide channel-wise dropout on "
                           "inputs with 1 spatial dimension, a channel dimension, and an optional "
                           "batch dimension (i.e. 2D or 3D inputs).")
    return _dropout_impl(input, p, training, inplace,
                         _feature_shape(input, input.dim() == 3), alpha=False)


def dropout2d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels: input ``(N, C, H, W)``; a 3-D input is read as
    ``(N, C, L)`` with PyTorch's warning."""
    _check(input, p, "dropout2d")
    ndim = input.dim()
    if ndim not in (3, 4):
        _warnings.warn(f"dropout2d: Received a {ndim}-D input to dropout2d, which is deprecated "
                       "and will result in an error in a future release. To retain the behavior "
                       "and silence this warning, please use dropout instead. Note that dropout2d "
                       "exists to provide channel-wise dropout on inputs with 2 spatial "
                       "dimensions, a channel dimension, and an optional batch dimension (i.e. 3D "
                       "or 4D inputs).")
    if ndim == 3:
        _warnings.warn("dropout2d: Received a 3D input to dropout2d and assuming that channel-wise "
                       "1D dropout behavior is desired - input is interpreted as shape (N, C, L), "
                       "where C is the channel dim. This behavior will change in a future release "
                       "to interpret the input as one without a batch dimension, i.e. shape "
                       "(C, H, W). To maintain the 1D channel-wise dropout behavior, please switch "
                       "to using dropout1d instead.")
    return _dropout_impl(input, p, training, inplace, _feature_shape(input, ndim >= 2),
                         alpha=False)


def dropout3d(input, p=0.5, training=True, inplace=False):  # noqa: A002
    """Zero whole channels: input ``(N, C, D, H, W)`` or ``(C, D, H, W)``."""
    _check(input, p, "dropout3d")
    ndim = input.dim()
    if ndim not in (4, 5):
        _warnings.warn(f"dropout3d: Received a {ndim}-D input to dropout3d, which is deprecated "
                       "and will result in an error in a future release. To retain the behavior "
                       "and silence this warning, please use dropout instead. Note that dropout3d "
                       "exists to provide channel-wise dropout on inputs with 3 spatial "
                       "dimensions, a channel dimension, and an optional batch dimension (i.e. 4D "
                       "or 5D inputs).")
    return _dropout_impl(input, p, training, inplace, _feature_shape(input, ndim == 5),
                         alpha=False)


def alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """Dropout for SELU networks: dropped units are set to SELU's negative saturation
    value and an affine correction keeps the mean and variance of the input."""
    _check(input, p, "alpha_dropout")
    return _dropout_impl(input, p, training, inplace, tuple(input.shape), alpha=True)


def feature_alpha_dropout(input, p=0.5, training=False, inplace=False):  # noqa: A002
    """``alpha_dropout`` with one draw per (sample, channel)."""
    _check(input, p, "feature_alpha_dropout")
    return _dropout_impl(input, p, training, inplace, _feature_shape(input, input.dim() >= 2),
                         alpha=True)
