"""Normalisation functions: ``batch_norm``, ``instance_norm``, ``layer_norm``,
``group_norm``, ``normalize`` (``torch.nn.functional`` names, defaults, errors)."""
import numbers

import numpy as np

from ..._tensor import Tensor, _canon_dim, _torch_type_name
from ...autograd.functions import norm as N

__all__ = ["batch_norm", "instance_norm", "layer_norm", "group_norm", "normalize", "rms_norm",
           "local_response_norm"]


def _check_input(input, fn):  # noqa: A002 -- PyTorch's argument name
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument 'input' (position 1) must be Tensor, not "
                        f"{type(input).__name__}")


def _verify_batch_size(size):
    values_per_channel = size[0]
    for s in size[2:]:
        values_per_channel *= s
    if values_per_channel == 1:
        raise ValueError(f"Expected more than 1 value per channel when training, got input size "
                         f"{size}")


def _verify_spatial_size(size):
    spatial = 1
    for s in size[2:]:
        spatial *= s
    if spatial == 1:
        raise ValueError(f"Expected more than 1 spatial element when training, got input size "
                         f"{size}")


def _require_float(input, kernel):  # noqa: A002
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_torch_type_name(input._data.dtype)}'")


def _check_same_dtype(input, *others):  # noqa: A002
    for other in others:
        if other is not None and other._data.dtype != input._data.dtype:
            raise RuntimeError("mixed dtype (CPU): all inputs must share same datatype.")


def _bump(*tensors):
    """Tell version tracking that these buffers were written in place."""
    for t in tensors:
        if t is not None:
            t._version[0] += 1


def batch_norm(input, running_mean, running_var, weight=None, bias=None,  # noqa: A002
               training=False, momentum=0.1, eps=1e-5):
    """Normalise each channel of ``input`` over the batch (and spatial) dimensions,
    then scale by ``weight`` and shift by ``bias``.

    In training the batch statistics are used, and ``running_mean`` /
    ``running_var`` (when given) are updated in place with ``momentum``
    (``running_var`` with the unbiased batch variance). In eval the running
    statistics are used and must be given.

    Shape: input ``(N, C)`` or ``(N, C, *)``; running stats, weight, bias ``(C,)``;
    output as input.
    """
    _check_input(input, "batch_norm")
    if training:
        _verify_batch_size(input.shape)
    if training and eps <= 0.0:
        raise ValueError(f"batch_norm eps must be positive during training, but got {eps}")
    if eps < 0.0:
        raise ValueError(f"batch_norm eps must be non-negative, but got {eps}")
    if input.dim() < 2:
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-max(input.dim(), 1)}, {max(input.dim(), 1) - 1}], but got 1)")
    channels = input.shape[1]
    for name, t in (("running_mean", running_mean), ("running_var", running_var),
                    ("weight", weight), ("bias", bias)):
        if t is not None and t.numel() != channels:
            raise RuntimeError(f"{name} should contain {channels} elements not {t.numel()}")
    if not training and (running_mean is None or running_var is None):
        raise RuntimeError(f"running_{'mean' if running_mean is None else 'var'} must be "
                           f"defined in evaluation mode")
    _require_float(input, "batch_norm")
    _check_same_dtype(input, weight, bias, running_mean, running_var)
    rm = None if running_mean is None else running_mean._data.reshape(-1)
    rv = None if running_var is None else running_var._data.reshape(-1)
    out = N.BatchNorm.apply(input, weight, bias, rm, rv, bool(training), momentum, eps)
    if training:
        _bump(running_mean, running_var)
    return out


def instance_norm(input, running_mean=None, running_var=None, weight=None,  # noqa: A002
                  bias=None, use_input_stats=True, momentum=0.1, eps=1e-5):
    """Normalise each channel of each sample over its spatial positions; as PyTorch,
    this is ``batch_norm`` of the input viewed as ``(1, N * C, *)``, and the
    running statistics (when given) are updated with the mean over the batch.

    Shape: input ``(N, C, *)``; weight, bias, running stats ``(C,)``; output as input.
    """
    _check_input(input, "instance_norm")
    if use_input_stats:
        _verify_spatial_size(input.shape)
    n, c = input.shape[0], input.shape[1]
    shape = (1, n * c) + tuple(input.shape[2:])
    repeated_mean = None if running_mean is None else Tensor._wrap(np.tile(running_mean._data, n))
    repeated_var = None if running_var is None else Tensor._wrap(np.tile(running_var._data, n))
    out = batch_norm(input.contiguous().view(shape), repeated_mean, repeated_var,
                     None if weight is None else weight.repeat(n),
                     None if bias is None else bias.repeat(n),
                     use_input_stats, momentum, eps)
    if use_input_stats:
        for running, repeated in ((running_mean, repeated_mean), (running_var, repeated_var)):
            if running is not None:
                running._data[...] = repeated._data.reshape(n, c).mean(axis=0)
                _bump(running)
    return out.view(input.shape)


def _normalized_shape(normalized_shape):
    if isinstance(normalized_shape, numbers.Integral):
        raise TypeError("layer_norm(): argument 'normalized_shape' (position 2) must be tuple "
                        "of ints, not int")
    return tuple(int(s) for s in normalized_shape)


def layer_norm(input, normalized_shape, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalise over the trailing ``normalized_shape`` dimensions of every sample,
    then apply the elementwise ``weight`` and ``bias`` (both of that shape).

    Shape: input ``(*, *normalized_shape)``; output as input.
    """
    _check_input(input, "layer_norm")
    shape = _normalized_shape(normalized_shape)
    if len(shape) == 0:
        raise RuntimeError("Expected normalized_shape to be at least 1-dimensional, i.e., "
                           "containing at least one element, but got normalized_shape = []")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and tuple(t.shape) != shape:
            raise RuntimeError(f"Expected {name} to be of same shape as normalized_shape, but got "
                               f"{name} of shape {list(t.shape)} and normalized_shape = "
                               f"{list(shape)}")
    if input.dim() < len(shape) or tuple(input.shape[input.dim() - len(shape):]) != shape:
        expected = "[*, " + ", ".join(str(s) for s in shape) + "]"
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"{expected}, but got input of size{list(input.shape)}")
    _require_float(input, "LayerNormKernelImpl")
    _check_same_dtype(input, weight, bias)
    return N.LayerNorm.apply(input, weight, bias, len(shape), eps)


def group_norm(input, num_groups, weight=None, bias=None, eps=1e-5):  # noqa: A002
    """Normalise each of ``num_groups`` channel groups of every sample over its
    channels and spatial positions; per-channel ``weight`` and ``bias``.

    Shape: input ``(N, C, *)`` with C divisible by ``num_groups``; output as input.
    """
    _check_input(input, "group_norm")
    if input.dim() < 2:
        raise RuntimeError(f"Expected at least 2 dimensions for input tensor but received "
                           f"{input.dim()}")
    channels = input.shape[1]
    if channels % num_groups:
        raise RuntimeError(f"Expected number of channels in input to be divisible by num_groups, "
                           f"but got input of shape {list(input.shape)} and num_groups="
                           f"{num_groups}")
    for name, t in (("weight", weight), ("bias", bias)):
        if t is not None and (t.dim() != 1 or t.numel() != channels):
            raise RuntimeError(f"Expected {name} to be a vector of size equal to the number of "
                               f"channels in input, but got {name} of shape {list(t.shape)} and "
                               f"input of shape {list(input.shape)}")
    _require_float(input, "GroupNormKernelImpl")
    _check_same_dtype(input, weight, bias)
    return N.GroupNorm.apply(input, weight, bias, int(num_groups), eps)


def normalize(input, p=2.0, dim=1, eps=1e-12, out=None):  # noqa: A002
    """``input / max(||input||_p, eps)`` along ``dim``."""
    _check_input(input, "normalize")
    if out is not None:
        raise NotImplementedError("normalize(out=...) is not supported by cynn")
    dim = _canon_dim(dim, input.dim())
    norm = input.norm(p, dim, keepdim=True)
    return input / norm.clamp(min=eps).expand_as(input)


def rms_norm(input, normalized_shape, weight=None, eps=None):  # noqa: A002
    """Divide every sample by the root mean square over its trailing
    ``normalized_shape`` dims (``eps`` added to the mean square; default the dtype's
    machine epsilon), then scale by ``weight``. Shape: as the input."""
    _check_input(input, "rms_norm")
    shape = _normalized_shape(normalized_shape)
    if input.dim() < len(shape) or tuple(input.shape[input.dim() - len(shape):]) != shape:
        expected = "[*, " + ", ".join(str(s) for s in shape) + "]"
        raise RuntimeError(f"Given normalized_shape={list(shape)}, expected input with shape "
                           f"{expected}, but got input of size{list(input.shape)}")
    if weight is not None and tuple(weight.shape) != shape:
        raise RuntimeError(f"Expected weight to be of same shape as normalized_shape, but got "
                           f"weight of shape {list(weight.shape)} and normalized_shape = "
                           f"{list(shape)}")
    _require_float(input, "rms_norm")
    if eps is None:
        eps = float(np.finfo(input._data.dtype).eps)
    dims = tuple(range(input.dim() - len(shape), input.dim()))
    out = input * ((input * input).mean(dims, keepdim=True) + eps).rsqrt()
    return out * weight if weight is not None else out


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):  # noqa: A002
    """Divide each channel by ``(k + alpha * mean of squares over the ``size``
    neighbouring channels) ** beta`` (the window is zero-padded at the ends: ``size // 2``
    channels before, ``(size - 1) // 2`` after). Shape: ``(N, C, *)``; output as input."""
    _check_input(input, "local_response_norm")
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} "
                         f"dimensions)")
    if input.numel() == 0:
        return input
    from .padding import pad
    squares = (input * input).transpose(1, -1)
    padded = pad(squares, (size // 2, (size - 1) // 2))
    channels = input.shape[1]
    window = padded.narrow(-1, 0, channels)
    for shift in range(1, size):
        window = window + padded.narrow(-1, shift, channels)
    div = (window.transpose(1, -1) * (alpha / size) + k) ** beta
    return input / div
