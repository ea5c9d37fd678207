"""``SyncBatchNorm``: batch normalisation whose batch statistics cover every rank's part
of the batch, so that N ranks of ``B / N`` samples train as one process of B.

Forward: each rank reduces its channels to ``(count, mean, M2)`` (M2 = sum of squared
deviations), all ranks exchange them, and each combines them (Chan et al.):

    n = sum n_r,   mean = sum n_r mean_r / n,   M2 = sum (M2_r + n_r (mean_r - mean)^2)

in float64, so the global statistics do not depend on how the batch was split beyond
rounding. Backward: the input gradient of a normalisation (see autograd/functions/norm.py)

    gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))

needs its two means over the global batch: the per-channel sums of ``gxhat`` and
``gxhat * xhat`` are summed over ranks. ``weight`` and ``bias`` gradients stay local
sums; DistributedDataParallel averages them like any other gradient.
"""
import numpy as np

from ... import distributed
from ...autograd.function import Function
from ...distributed import _mpi
from ...distributed import process_group as _pg
from ..functional.normalization import _bump, _check_same_dtype, _require_float
from .normalization import _BatchNorm

__all__ = ["SyncBatchNorm"]


class SyncBatchNorm(_BatchNorm):
    """Batch normalisation over ``(N, C, *)`` with statistics over the whole batch of all
    ranks in training (when a process group of more than one rank is initialized);
    elsewhere (eval, one rank, no process group) exactly ``BatchNorm``.

    Args:
        num_features (int): C.
        eps (float): added to the variance. Default: 1e-5.
        momentum (float or None): running-estimate update factor; ``None`` for a
            cumulative average. Default: 0.1.
        affine (bool): learn ``weight`` and ``bias``. Default: ``True``.
        track_running_stats (bool): keep running estimates. Default: ``True``.
        process_group: the ranks to share statistics with (default: the world).

    Attributes:
        weight, bias: ``(C,)``, initialised to 1 and 0.
        running_mean, running_var: ``(C,)`` buffers, updated with the global batch
            statistics (the same on every rank).
        num_batches_tracked: int64 scalar buffer.

    Shape:
        Input ``(N, C, *)`` (at least 2-D; N may differ between ranks), output the same.

    Example (each of 2 ranks normalises with the statistics of both)::

        >>> bn = SyncBatchNorm(16)
        >>> bn(cynn.randn(8, 16, 5, 5)).shape
        cynn.Size([8, 16, 5, 5])
        >>> model = SyncBatchNorm.convert_sync_batchnorm(model)   # every BatchNorm*d
    """

    def __init__(self, num_features, eps=1e-5, momentum=0.1, affine=True,
                 track_running_stats=True, process_group=None, device=None, dtype=None):
        super().__init__(num_features, eps, momentum, affine, track_running_stats,
                         device=device, dtype=dtype)
        self.process_group = process_group

    def _check_input_dim(self, input):  # noqa: A002 -- PyTorch's argument name
        if input.dim() < 2:
            raise ValueError(f"expected at least 2D input (got {input.dim()}D input)")

    def forward(self, input):  # noqa: A002
        self._check_input_dim(input)
        if input.shape[1] == 0:
            raise ValueError("SyncBatchNorm number of input channels should be non-zero")
        group = self._group_to_sync()
        if group is None:
            return super().forward(input)
        factor = 0.0 if self.momentum is None else self.momentum
        if self.track_running_stats and self.num_batches_tracked is not None:
            self.num_batches_tracked.add_(1)
            if self.momentum is None:
                factor = 1.0 / float(self.num_batches_tracked)
        use_buffers = self.track_running_stats
        running_mean = self.running_mean._data if use_buffers else None
        running_var = self.running_var._data if use_buffers else None
        _check_same_dtype(input, self.weight, self.bias, self.running_mean, self.running_var)
        _require_float(input, "batch_norm")
        out = _SyncBatchNormFunction.apply(input, self.weight, self.bias, running_mean,
                                           running_var, self.eps, factor, group)
        if use_buffers:
            _bump(self.running_mean, self.running_var)
        return out

    def _group_to_sync(self):
        """The process group to share batch statistics with, or None when this forward
        is plain BatchNorm (eval, no process group, or a group of one)."""
        if not self.training or not distributed.is_initialized():
            return None
        group = _pg._resolve(self.process_group)
        return group if group.size() > 1 else None

    @classmethod
    def convert_sync_batchnorm(cls, module, process_group=None):
        """``module`` with every ``BatchNorm1d/2d/3d`` inside (or ``module`` itself)
        replaced by a ``SyncBatchNorm`` sharing its parameters and buffers.

        Example::

            >>> net = nn.Sequential(nn.Conv2d(3, 8, 3), nn.BatchNorm2d(8))
            >>> SyncBatchNorm.convert_sync_batchnorm(net)
            Sequential(
              (0): Conv2d(3, 8, kernel_size=(3, 3), stride=(1, 1))
              (1): SyncBatchNorm(8, eps=1e-05, momentum=0.1, affine=True, bias=True, track_running_stats=True)
            )
        """
        converted = module
        if isinstance(module, _BatchNorm):
            converted = cls(module.num_features, module.eps, module.momentum, module.affine,
                            module.track_running_stats, process_group)
            # the same Parameter and buffer objects: optimizers and references still hold
            for name, param in module._parameters.items():
                converted._parameters[name] = param
            for name, buffer in module._buffers.items():
                converted._buffers[name] = buffer
            converted.training = module.training
        for name, child in module.named_children():
            converted.add_module(name, cls.convert_sync_batchnorm(child, process_group))
        return converted


class _SyncBatchNormFunction(Function):
    """Batch norm in training with statistics reduced over ``group``'s ranks."""

    grad_fn_name = "SyncBatchNormBackward"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, eps, momentum, group):
        axes = (0,) + tuple(range(2, x.ndim))
        view = (1, -1) + (1,) * (x.ndim - 2)
        channels = x.shape[1]
        count, mean, m2 = _global_moments(x, axes, channels, group)
        if count <= 1:
            raise ValueError(f"Expected more than 1 value per channel when training, got input "
                             f"size {list(x.shape)} on this rank and {count} values per channel "
                             f"over all ranks")
        var = m2 / count
        invstd64 = 1.0 / np.sqrt(var + eps)
        xhat = ((x - mean.reshape(view)) * invstd64.reshape(view)).astype(x.dtype, copy=False)
        if running_mean is not None:
            running_mean *= 1 - momentum
            running_mean += (momentum * mean).astype(running_mean.dtype)
        if running_var is not None:
            running_var *= 1 - momentum
            running_var += (momentum * m2 / (count - 1)).astype(running_var.dtype)
        ctx.axes, ctx.count, ctx.group = axes, count, group
        ctx.save_for_backward(xhat, invstd64.astype(x.dtype).reshape(view), weight)
        y = xhat if weight is None else xhat * weight.reshape(view)
        y = y if bias is None else y + bias.reshape(view)
        return y.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, weight = ctx.saved_tensors
        axes = ctx.axes
        view = invstd.shape
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gxhat = gy if weight is None else gy * weight.reshape(view)
            sums = np.concatenate([gxhat.sum(axis=axes, dtype=np.float64),
                                   (gxhat * xhat).sum(axis=axes, dtype=np.float64)])
            mpi = _mpi.MPI()
            ctx.group.comm.Allreduce(mpi.IN_PLACE, sums, op=mpi.SUM)
            mean_g, mean_gxhat = np.split(sums / ctx.count, 2)
            gx = (invstd * (gxhat - mean_g.reshape(view).astype(gy.dtype)
                            - xhat * mean_gxhat.reshape(view).astype(gy.dtype)))
        if ctx.needs_input_grad[1]:
            gw = (gy * xhat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            gb = gy.sum(axis=axes)
        return gx, gw, gb, None, None, None, None, None


def _global_moments(x, axes, channels, group):
    """``(count, mean, M2)`` per channel over every rank's ``x`` (float64)."""
    n = x.size // channels if channels else 0
    if n:
        mean = x.mean(axis=axes, dtype=np.float64)
        centred = x - mean.reshape((1, -1) + (1,) * (x.ndim - 2))
        m2 = (centred * centred).sum(axis=axes)
    else:
        mean = m2 = np.zeros(channels)
    mine = np.concatenate([[float(n)], mean, m2])
    everyone = np.empty((group.size(), mine.size))
    group.comm.Allgather(mine, everyone)
    counts, means, m2s = everyone[:, 0], everyone[:, 1:1 + channels], everyone[:, 1 + channels:]
    count = counts.sum()
    if count == 0:
        return 0, np.zeros(channels), np.zeros(channels)
    mean = (counts[:, None] * means).sum(axis=0) / count
    m2 = (m2s + counts[:, None] * (means - mean) ** 2).sum(axis=0)
    return int(count), mean, m2
