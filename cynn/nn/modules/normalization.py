"""Normalisation layers: ``BatchNorm1d/2d/3d``, ``InstanceNorm1d/2d/3d``,
``LayerNorm``, ``GroupNorm``.

BatchNorm keeps ``running_mean``, ``running_var`` and ``num_batches_tracked`` as
buffers (in ``state_dict``), updates them in training and uses them in eval.
"""
import numbers

import numpy as np

from ... import _warnings
from ... import _creation
from ..._tensor import Tensor
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["BatchNorm1d", "BatchNorm2d", "BatchNorm3d", "InstanceNorm1d", "InstanceNorm2d",
           "InstanceNorm3d", "LayerNorm", "GroupNorm", "RMSNorm", "LocalResponseNorm", "CrossMapLRN2d"]


class _NormBase(Module):
    """Parameters, buffers, reset and ``repr`` shared by batch and instance norm."""

    _version = 2

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, device=None, dtype=None, *, bias=True):
        super().__init__()
        self.num_features = num_features
        self.eps = eps
        self.momentum = momentum
        self.affine = affine
        self.track_running_stats = track_running_stats
        if self.affine:
            self.weight = Parameter(_creation.empty(num_features, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(_creation.empty(num_features, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        if self.track_running_stats:
            self.register_buffer("running_mean", _creation.zeros(num_features, dtype=dtype))
            self.register_buffer("running_var", _creation.ones(num_features, dtype=dtype))
            self.register_buffer("num_batches_tracked", Tensor._wrap(np.array(0, np.int64)))
        else:
            self.register_buffer("running_mean", None)
            self.register_buffer("running_var", None)
            self.register_buffer("num_batches_tracked", None)
        self.reset_parameters()

    def reset_running_stats(self):
        """Running mean 0, running variance 1, no batch seen."""
        if self.track_running_stats:
            self.running_mean.zero_()
            self.running_var.fill_(1)
            self.num_batches_tracked.zero_()

    def reset_parameters(self):
        """Reset the running statistics; weight to 1 and bias to 0."""
        self.reset_running_stats()
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def _check_input_dim(self, input):  # noqa: A002 -- PyTorch's argument name
        raise NotImplementedError

    def extra_repr(self):
        return ("{num_features}, eps={eps}, momentum={momentum}, affine={affine}, "
                "bias={use_bias}, track_running_stats={track_running_stats}"
                .format(**self.__dict__, use_bias=self.bias is not None))

    def _load_from_state_dict(self, state_dict, prefix, local_metadata, strict, missing_keys,
                              unexpected_keys, error_msgs):
        version = local_metadata.get("version", None)
        # Checkpoints from before num_batches_tracked existed load with a zero count.
        if (version is None or version < 2) and self.track_running_stats:
            key = prefix + "num_batches_tracked"
            if key not in state_dict:
                state_dict[key] = (self.num_batches_tracked if self.num_batches_tracked is not None
                                   else Tensor._wrap(np.array(0, np.int64)))
        super()._load_from_state_dict(state_dict, prefix, local_metadata, strict, missing_keys,
                                      unexpected_keys, error_msgs)


class _BatchNorm(_NormBase):
    def forward(self, input):  # noqa: A002
        self._check_input_dim(input)
        # momentum None: a cumulative moving average (factor 1 / batches seen).
        exponential_average_factor = 0.0 if self.momentum is None else self.momentum
        if self.training and self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                exponential_average_factor = 1.0 / float(self.num_batches_tracked)
        # Batch statistics in training, and in eval when there are no running ones.
        bn_training = self.training or (self.running_mean is None and self.running_var is None)
        use_buffers = not self.training or self.track_running_stats
        return F.batch_norm(input, self.running_mean if use_buffers else None,
                            self.running_var if use_buffers else None, self.weight, self.bias,
                            bn_training, exponential_average_factor, self.eps)


class BatchNorm1d(_BatchNorm):
    """Batch normalisation over ``(N, C)`` or ``(N, C, L)``: each channel normalised
    with the batch's mean and (biased) variance in training, with the running
    estimates in eval, then scaled by ``weight`` and shifted by ``bias``.

    Args:
        num_features (int): C.
        eps (float): added to the variance. Default: 1e-5.
        momentum (float or None): running-estimate update factor; ``None`` for a
            cumulative average. Default: 0.1.
        affine (bool): learn ``weight`` and ``bias``. Default: ``True``.
        track_running_stats (bool): keep running estimates (else use batch statistics
            in eval too). Default: ``True``.

    Attributes:
        weight, bias: ``(C,)``, initialised to 1 and 0.
        running_mean, running_var: ``(C,)`` buffers, 0 and 1 initially.
        num_batches_tracked: int64 scalar buffer.

    Example::

        >>> m = nn.BatchNorm1d(100)
        >>> m(cynn.randn(20, 100)).shape
        cynn.Size([20, 100])
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.dim() != 2 and input.dim() != 3:
            raise ValueError(f"expected 2D or 3D input (got {input.dim()}D input)")


class BatchNorm2d(_BatchNorm):
    """Batch normalisation over ``(N, C, H, W)``, per channel; arguments and
    attributes as ``BatchNorm1d``.

    Example::

        >>> m = nn.BatchNorm2d(100, affine=False)
        >>> m(cynn.randn(20, 100, 35, 45)).shape
        cynn.Size([20, 100, 35, 45])
    """

    def _check_input_dim(self, input):  # noqa: A002
        if input.dim() != 4:
            raise ValueError(f"expected 4D input (got {input.dim()}D input)")


class BatchNorm3d(_BatchNorm):
    """Batch normalisation over ``(N, C, D, H, W)``, per channel."""

    def _check_input_dim(self, input):  # noqa: A002
        if input.dim() != 5:
            raise ValueError(f"expected 5D input (got {input.dim()}D input)")


class _InstanceNorm(_NormBase):
    _no_batch_dim = 0

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=False,
                 track_running_stats=False, device=None, dtype=None, *, bias=True):
        super().__init__(num_features, eps, momentum, affine, track_running_stats, device,
                         dtype, bias=bias)

    def _check_input_dim(self, input):  # noqa: A002
        low = self._no_batch_dim
        if input.dim() not in (low, low + 1):
            raise ValueError(f"expected {low}D or {low + 1}D input (got {input.dim()}D input)")

    def _apply_instance_norm(self, input):  # noqa: A002
        return F.instance_norm(input, self.running_mean, self.running_var, self.weight,
                               self.bias, self.training or not self.track_running_stats,
                               self.momentum if self.momentum is not None else 0.0, self.eps)

    def forward(self, input):  # noqa: A002
        self._check_input_dim(input)
        feature_dim = input.dim() - self._no_batch_dim
        if input.size(feature_dim) != self.num_features:
            if self.affine:
                raise ValueError(f"expected input's size at dim={feature_dim} to match "
                                 f"num_features ({self.num_features}), but got: "
                                 f"{input.size(feature_dim)}.")
            _warnings.warn(f"input's size at dim={feature_dim} does not match num_features. You "
                           "can silence this warning by not passing in num_features, which is "
                           "not used because affine=False")
        if input.dim() == self._no_batch_dim:
            return self._apply_instance_norm(input.unsqueeze(0)).squeeze(0)
        return self._apply_instance_norm(input)


class InstanceNorm1d(_InstanceNorm):
    """Normalise each channel of each sample of ``(N, C, L)`` or ``(C, L)`` over L."""

    _no_batch_dim = 2


class InstanceNorm2d(_InstanceNorm):
    """Normalise each channel of each sample of ``(N, C, H, W)`` or ``(C, H, W)`` over
    its H x W positions (no affine map and no running statistics by default).

    Example::

        >>> m = nn.InstanceNorm2d(100, affine=True)
        >>> m(cynn.randn(20, 100, 35, 45)).shape
        cynn.Size([20, 100, 35, 45])
    """

    _no_batch_dim = 3


class InstanceNorm3d(_InstanceNorm):
    """Normalise each channel of each sample of ``(N, C, D, H, W)`` over D x H x W."""

    _no_batch_dim = 4


class LayerNorm(Module):
    """Normalise every sample over its trailing ``normalized_shape`` dimensions, then
    apply an elementwise affine map.

    Args:
        normalized_shape (int or tuple): the trailing shape to normalise over.
        eps (float): Default: 1e-5.
        elementwise_affine (bool): learn ``weight`` (ones) and ``bias`` (zeros) of
            shape ``normalized_shape``. Default: ``True``.
        bias (bool): learn the bias (with ``elementwise_affine``). Default: ``True``.

    Example::

        >>> m = nn.LayerNorm(10)
        >>> m(cynn.randn(20, 5, 10)).shape
        cynn.Size([20, 5, 10])
    """

    def __init__(self, normalized_shape, eps=1e-5, elementwise_affine=True, bias=True,
                 device=None, dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if self.elementwise_affine:
            self.weight = Parameter(_creation.empty(self.normalized_shape, dtype=dtype,
                                                    device=device))
            if bias:
                self.bias = Parameter(_creation.empty(self.normalized_shape, dtype=dtype,
                                                      device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        return F.layer_norm(input, self.normalized_shape, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, elementwise_affine={elementwise_affine}, "
                "bias={use_bias}".format(**self.__dict__, use_bias=self.bias is not None))


class GroupNorm(Module):
    """Normalise each of ``num_groups`` channel groups of every sample, then apply a
    per-channel affine map.

    Attributes:
        weight, bias: ``(num_channels,)``, ones and zeros.

    Example::

        >>> m = nn.GroupNorm(3, 6)
        >>> m(cynn.randn(20, 6, 10, 10)).shape
        cynn.Size([20, 6, 10, 10])
    """

    def __init__(self, num_groups, num_channels, eps=1e-5, affine=True, device=None,
                 dtype=None, *, bias=True):
        super().__init__()
        if num_channels % num_groups != 0:
            raise ValueError(f"num_channels ({num_channels}) must be divisible by num_groups "
                             f"({num_groups})")
        self.num_groups = num_groups
        self.num_channels = num_channels
        self.eps = eps
        self.affine = affine
        if self.affine:
            self.weight = Parameter(_creation.empty(num_channels, dtype=dtype, device=device))
            if bias:
                self.bias = Parameter(_creation.empty(num_channels, dtype=dtype, device=device))
            else:
                self.register_parameter("bias", None)
        else:
            self.register_parameter("weight", None)
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.affine:
            init.ones_(self.weight)
            if self.bias is not None:
                init.zeros_(self.bias)

    def forward(self, input):  # noqa: A002
        return F.group_norm(input, self.num_groups, self.weight, self.bias, self.eps)

    def extra_repr(self):
        return ("{num_groups}, {num_channels}, eps={eps}, affine={affine}, bias={use_bias}"
                .format(**self.__dict__, use_bias=self.bias is not None))


class RMSNorm(Module):
    """Divide every sample by its root mean square over the trailing
    ``normalized_shape`` dims, then scale elementwise.

    Args:
        normalized_shape (int or tuple): the trailing shape to normalise over.
        eps (float, optional): added to the mean square; default the dtype's epsilon.
        elementwise_affine (bool): learn ``weight`` (ones) of shape ``normalized_shape``.

    Shape: input ``(*, *normalized_shape)``; output as input.

    Example::

        >>> m = nn.RMSNorm([2, 3])
        >>> m(cynn.randn(2, 2, 3)).shape
        cynn.Size([2, 2, 3])
    """

    def __init__(self, normalized_shape, eps=None, elementwise_affine=True, device=None,
                 dtype=None):
        super().__init__()
        if isinstance(normalized_shape, numbers.Integral):
            normalized_shape = (normalized_shape,)
        self.normalized_shape = tuple(normalized_shape)
        self.eps = eps
        self.elementwise_affine = elementwise_affine
        if elementwise_affine:
            self.weight = Parameter(_creation.empty(self.normalized_shape, dtype=dtype,
                                                    device=device))
        else:
            self.register_parameter("weight", None)
        self.reset_parameters()

    def reset_parameters(self):
        if self.elementwise_affine:
            init.ones_(self.weight)

    def forward(self, x):
        return F.rms_norm(x, self.normalized_shape, self.weight, self.eps)

    def extra_repr(self):
        return ("{normalized_shape}, eps={eps}, "
                "elementwise_affine={elementwise_affine}".format(**self.__dict__))


class LocalResponseNorm(Module):
    """Normalise each channel by its neighbours' energy (AlexNet's LRN).

    Args: size (channels in the window), alpha (default 1e-4), beta (0.75), k (1).

    Shape: ``(N, C, *)``; output as input.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size, self.alpha, self.beta, self.k = size, alpha, beta, k

    def forward(self, input):  # noqa: A002
        return F.local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return "{size}, alpha={alpha}, beta={beta}, k={k}".format(**self.__dict__)


class CrossMapLRN2d(LocalResponseNorm):
    """Torch7's cross-channel LRN over 4-d input, as torch keeps it: the squares are
    summed by a running window whose recurrence (kept for parity) never drops channel
    0 once the window has passed it; ``x * (k + alpha / size * sum) ** -beta``.

    Shape: ``(N, C, H, W)``; output as input.
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1):
        super().__init__(size, alpha, beta, k)

    def forward(self, input):  # noqa: A002
        if input.dim() != 4:
            raise ValueError(f"CrossMapLRN2d: Expected input to be 4D, got {input.dim()}D "
                             f"instead.")
        channels = input.shape[1]
        if channels == 0:
            return input
        pre_pad = (self.size - 1) // 2 + 1
        prefix = (input * input).cumsum(1)  # prefix[c] = sum of squares 0..c
        parts = []
        for c in range(channels):
            total = prefix.select(1, min(c + pre_pad, channels) - 1)
            if c > pre_pad:  # the recurrence subtracts channels 1 .. c - pre_pad
                total = total - (prefix.select(1, c - pre_pad) - prefix.select(1, 0))
            parts.append(total)
        scale = _creation.stack(parts, 1) * (self.alpha / self.size) + self.k
        return input * scale ** -self.beta
