"""Graph nodes of the normalisation layers (``cynn.nn.functional.normalization``).

All three normalise ``x`` to ``xhat = (x - mean) * invstd`` over some axes and
then apply a per-feature affine map ``y = xhat * w + b``. With ``gxhat = gy * w``
the input gradient of a normalisation whose statistics come from the same
elements is, with means over the normalised axes,

    gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))

(the two subtracted terms are the paths through the mean and the variance).

The arithmetic is in ``pyx/norm.pyx`` (float32 and float64; other float dtypes go
through float32 and back). Forward keeps ``x`` (not ``xhat``: the kernels recompute
it while they stream ``gy``) and the per-group ``mean`` and ``invstd`` in float64;
``x`` and ``weight`` only when a requested gradient reads them.
"""
import numpy as np

from ..._kernels import norm as _kernel
from ..._threads import kernel_threads
from ..function import Function

__all__ = ["BatchNorm", "LayerNorm", "GroupNorm"]

# Batch norm over segments shorter than this (``(N, C)`` input, tiny maps) runs on the
# column kernels: a call per segment would cost more than its arithmetic.
_SHORT_SEGMENT = 16


def _kernel_input(a):
    """``a`` as a C-contiguous float32 or float64 array (float16 and others widen to
    float32, the precision torch computes them in on the CPU)."""
    if a.dtype != np.float32 and a.dtype != np.float64:
        a = a.astype(np.float32)
    return np.ascontiguousarray(a)


def _per_channel(values, channels, fill):
    """``values`` as ``(C,)`` float64, or ``fill`` everywhere when absent."""
    if values is None:
        return np.full(channels, fill)
    return np.ascontiguousarray(values.reshape(-1), dtype=np.float64)


def _rows_of_segments(x):
    """``(N, C, S)`` view of ``(N, C, *)`` (S = 1 for 2-d input)."""
    n, c = x.shape[0], x.shape[1]
    return x.reshape(n, c, x.size // (n * c))


class BatchNorm(Function):
    """Normalise each channel (dimension 1) of ``x`` ``(N, C, *)`` over the batch
    and spatial dimensions. In training the batch statistics are used and the
    running estimates (when given) are updated in place with
    ``running = (1 - momentum) * running + momentum * batch_stat`` (the unbiased
    variance, as PyTorch); in eval the running estimates are used.

    ``x`` is seen as ``(N, C, S)``; with S below ``_SHORT_SEGMENT`` (``(N, C)``
    input) as ``(N, C * S)`` columns instead, which the column kernels sweep row by
    row."""

    grad_fn_name = "NativeBatchNormBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        ctx.axes = (0,) + tuple(range(2, x.ndim))
        ctx.training = training
        ctx.shape, ctx.dtype = x.shape, x.dtype
        needs = ctx.needs_input_grad or (False,) * 3
        channels = x.shape[1]
        if x.size == 0:
            # an empty batch: nothing to normalise, and the running estimates stay as they
            # are (as PyTorch's do); the gradients are zeros
            ctx.save_for_backward()
            return x.copy()
        x3 = _rows_of_segments(_kernel_input(x))
        ctx.columns = x3.shape[2] < _SHORT_SEGMENT and x3.shape[0] > 1
        w64, b64 = _per_channel(weight, channels, 1.0), _per_channel(bias, channels, 0.0)
        threads = kernel_threads()
        if training:
            mean, var, invstd = np.empty(channels), np.empty(channels), np.empty(channels)
            y3 = np.empty_like(x3)
            if ctx.columns:
                n, size = x3.shape[0], x3.shape[2]
                parts = np.empty((2, _row_blocks(n), channels * size))
                _kernel.batch_norm_columns_train_forward(
                    x3.reshape(n, -1), size, w64, b64, eps, mean, var, invstd,
                    y3.reshape(n, -1), parts[0], parts[1],
                    np.empty((4, channels * size), x3.dtype), threads)
            else:
                _kernel.batch_norm_train_forward(x3, w64, b64, eps, mean, var, invstd, y3,
                                                 threads)
            count = x.size // channels
            if running_mean is not None:
                running_mean *= 1 - momentum
                running_mean += (momentum * mean).astype(running_mean.dtype)
            if running_var is not None:
                unbiased = var * (count / (count - 1))  # count > 1: checked by the caller
                running_var *= 1 - momentum
                running_var += (momentum * unbiased).astype(running_var.dtype)
        else:
            mean = running_mean.astype(np.float64)
            invstd = 1.0 / np.sqrt(running_var.astype(np.float64) + eps)
            y3 = _channel_affine(ctx, x3, mean, invstd * w64, b64, threads)
        # gx reads weight (and, in training, x); gw reads x; gb reads neither. x itself,
        # not its kernel view, so that an in-place change of it raises
        keep_x = needs[1] or (training and needs[0])
        ctx.save_for_backward(x if keep_x else None, weight if needs[0] else None, mean,
                              invstd)
        return y3.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        gx = gw = gb = None
        needs = ctx.needs_input_grad
        channels = ctx.shape[1]
        if int(np.prod(ctx.shape)) == 0:
            return (np.zeros(ctx.shape, ctx.dtype) if needs[0] else None,
                    np.zeros(channels, ctx.dtype) if needs[1] else None,
                    np.zeros(channels, ctx.dtype) if needs[2] else None,
                    None, None, None, None, None)
        x, weight, mean, invstd = ctx.saved_tensors
        gy3 = _rows_of_segments(_kernel_input(gy))
        w64 = _per_channel(weight, channels, 1.0)
        threads = kernel_threads()
        train_gx = ctx.training and needs[0]
        if needs[1] or train_gx:
            x3 = _rows_of_segments(_kernel_input(x))
            gx3 = np.empty_like(gy3)
            sum_gy, sum_gy_xhat = _batch_norm_sums(ctx, x3, gy3, mean, invstd, w64, gx3,
                                                   train_gx, threads)
            if needs[1]:
                gw = sum_gy_xhat.astype(ctx.dtype)
            if needs[2]:
                gb = sum_gy.astype(ctx.dtype)
            if train_gx:
                gx = gx3.reshape(ctx.shape).astype(ctx.dtype, copy=False)
        elif needs[2]:
            gb = gy.sum(axis=ctx.axes, dtype=np.float64).astype(ctx.dtype)
        if needs[0] and not ctx.training:
            # eval: the normalisation is an affine map with constant statistics
            zeros = np.zeros(channels)
            gx = _channel_affine(ctx, gy3, zeros, invstd * w64, zeros, threads)
            gx = gx.reshape(ctx.shape).astype(ctx.dtype, copy=False)
        return gx, gw, gb, None, None, None, None, None


def _row_blocks(rows):
    return -(-rows // _kernel.ROWS_PER_PARTIAL)


def _channel_affine(ctx, x3, mean, scale, shift, threads):
    """``(x3 - mean) * scale + shift`` per channel (float64 parameters)."""
    y3 = np.empty_like(x3)
    if not ctx.columns:
        _kernel.channel_affine(x3, mean, scale, shift, y3, threads)
        return y3
    size = x3.shape[2]
    mean = np.repeat(mean, size)
    hi = mean.astype(x3.dtype)
    _kernel.column_affine(x3.reshape(x3.shape[0], -1), hi, (mean - hi).astype(x3.dtype),
                          np.repeat(scale, size).astype(x3.dtype),
                          np.repeat(shift, size).astype(x3.dtype),
                          y3.reshape(x3.shape[0], -1), threads)
    return y3


def _batch_norm_sums(ctx, x3, gy3, mean, invstd, w64, gx3, want_gx, threads):
    """Per-channel sums of gy and gy * xhat (float64); the training input gradient
    into ``gx3`` when ``want_gx`` (else ``gx3`` is scratch)."""
    channels = x3.shape[1]
    if ctx.columns:
        n, size = x3.shape[0], x3.shape[2]
        sum_gy, sum_gy_xhat = np.empty(channels), np.empty(channels)
        parts = np.empty((2, _row_blocks(n), channels * size))
        _kernel.batch_norm_columns_backward(
            x3.reshape(n, -1), gy3.reshape(n, -1), size, mean, invstd, w64, sum_gy,
            sum_gy_xhat, gx3.reshape(n, -1), want_gx, parts[0], parts[1],
            np.empty(channels * size), np.empty((5, channels * size), x3.dtype), threads)
        return sum_gy, sum_gy_xhat
    per_sample = np.empty((2, x3.shape[0], channels))
    _kernel.batch_norm_backward(x3, gy3, mean, invstd, w64, per_sample[0], per_sample[1],
                                gx3, want_gx, threads)
    return per_sample[0].sum(axis=0), per_sample[1].sum(axis=0)


class LayerNorm(Function):
    """Normalise over the last ``n_normalized`` dimensions of ``x``; ``weight`` and
    ``bias`` have exactly those trailing dimensions."""

    grad_fn_name = "NativeLayerNormBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, n_normalized, eps):
        ctx.axes = tuple(range(x.ndim - n_normalized, x.ndim))
        ctx.shape, ctx.dtype = x.shape, x.dtype
        needs = ctx.needs_input_grad or (False,) * 3
        length = int(np.prod(x.shape[x.ndim - n_normalized:]))
        if x.size == 0:
            ctx.save_for_backward()
            return x.copy()
        x2 = _kernel_input(x).reshape(-1, length)
        weight_k = _elementwise(weight, x2.dtype, length, 1.0)
        mean, invstd = np.empty(x2.shape[0]), np.empty(x2.shape[0])
        y2 = np.empty_like(x2)
        _kernel.layer_norm_forward(x2, weight_k, _elementwise(bias, x2.dtype, length, 0.0),
                                   eps, mean, invstd, y2, kernel_threads())
        ctx.save_for_backward(x if needs[0] or needs[1] else None,
                              weight if needs[0] else None, mean, invstd)
        return y2.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        needs = ctx.needs_input_grad
        if int(np.prod(ctx.shape)) == 0:
            wshape = ctx.shape[len(ctx.shape) - len(ctx.axes):]
            return (np.zeros(ctx.shape, ctx.dtype) if needs[0] else None,
                    np.zeros(wshape, ctx.dtype) if needs[1] else None,
                    np.zeros(wshape, ctx.dtype) if needs[2] else None, None, None)
        x, weight, mean, invstd = ctx.saved_tensors
        wshape = ctx.shape[len(ctx.shape) - len(ctx.axes):]
        length = int(np.prod(wshape))
        gy2 = _kernel_input(gy).reshape(-1, length)
        gx = gw = gb = None
        if not (needs[0] or needs[1]):
            gb = gy2.sum(axis=0, dtype=np.float64).reshape(wshape).astype(ctx.dtype)
            return gx, gw, gb, None, None
        part_gw, part_gb = np.empty((2, _row_blocks(gy2.shape[0]), length))
        gx2 = np.empty_like(gy2)
        _kernel.layer_norm_backward(_kernel_input(x).reshape(-1, length), gy2, mean, invstd,
                                    _elementwise(weight, gy2.dtype, length, 1.0), gx2,
                                    part_gw, part_gb, needs[0], needs[1] or needs[2],
                                    kernel_threads())
        if needs[0]:
            gx = gx2.reshape(ctx.shape).astype(ctx.dtype, copy=False)
        if needs[1]:
            gw = part_gw.sum(axis=0).reshape(wshape).astype(ctx.dtype)
        if needs[2]:
            gb = part_gb.sum(axis=0).reshape(wshape).astype(ctx.dtype)
        return gx, gw, gb, None, None


def _elementwise(values, dtype, length, fill):
    """Layer norm's weight or bias as a flat ``(L,)`` array in the kernel dtype."""
    if values is None:
        return np.full(length, fill, dtype)
    return np.ascontiguousarray(values.reshape(-1), dtype=dtype)


class GroupNorm(Function):
    """Split the C channels of ``x`` ``(N, C, *)`` into ``num_groups`` groups and
    normalise each (sample, group) over its channels and spatial positions; the
    affine map is per channel."""

    grad_fn_name = "NativeGroupNormBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, num_groups, eps):
        ctx.shape, ctx.dtype, ctx.groups = x.shape, x.dtype, num_groups
        needs = ctx.needs_input_grad or (False,) * 3
        if x.size == 0:
            ctx.save_for_backward()
            return x.copy()
        channels = x.shape[1]
        x3 = _rows_of_segments(_kernel_input(x))
        n_stats = x.shape[0] * num_groups
        mean, var, invstd = np.empty(n_stats), np.empty(n_stats), np.empty(n_stats)
        y3 = np.empty_like(x3)
        _kernel.group_norm_forward(x3, num_groups, _per_channel(weight, channels, 1.0),
                                   _per_channel(bias, channels, 0.0), eps, mean, var, invstd,
                                   y3, kernel_threads())
        ctx.save_for_backward(x if needs[0] or needs[1] else None,
                              weight if needs[0] else None, mean, invstd)
        return y3.reshape(x.shape).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        needs = ctx.needs_input_grad
        shape = ctx.shape
        channels = shape[1]
        if int(np.prod(shape)) == 0:
            return (np.zeros(shape, ctx.dtype) if needs[0] else None,
                    np.zeros(channels, ctx.dtype) if needs[1] else None,
                    np.zeros(channels, ctx.dtype) if needs[2] else None, None, None)
        x, weight, mean, invstd = ctx.saved_tensors
        gy3 = _rows_of_segments(_kernel_input(gy))
        gx = gw = gb = None
        if not (needs[0] or needs[1]):
            gb = gy3.sum(axis=(0, 2), dtype=np.float64).astype(ctx.dtype)
            return gx, gw, gb, None, None
        sum_gy, sum_gy_xhat = np.empty(shape[:2]), np.empty(shape[:2])
        gx3 = np.empty_like(gy3)
        x3 = _rows_of_segments(_kernel_input(x))
        _kernel.group_norm_backward(x3, gy3, ctx.groups, mean, invstd,
                                    _per_channel(weight, channels, 1.0), sum_gy, sum_gy_xhat,
                                    gx3, needs[0], kernel_threads())
        if needs[0]:
            gx = gx3.reshape(shape).astype(ctx.dtype, copy=False)
        if needs[1]:
            gw = sum_gy_xhat.sum(axis=0).astype(ctx.dtype)
        if needs[2]:
            gb = sum_gy.sum(axis=0).astype(ctx.dtype)
        return gx, gw, gb, None, None


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True): each
# normalisation recomputed with Tensor ops and differentiated (graph_backward.grad_graph_via).

def _standardize(x, axes, eps):
    mean = x.mean(axes, keepdim=True)
    centered = x - mean
    var = (centered * centered).mean(axes, keepdim=True)
    return centered * (var + eps).rsqrt()


def _batch_norm_composite(ctx, x, weight, bias, running_mean, running_var, training, momentum,
                          eps):
    view = (1, -1) + (1,) * (x.dim() - 2)
    if training:
        xhat = _standardize(x, ctx.axes, eps)
    else:
        xhat = (x - running_mean.detach().reshape(*view)) * \
            (running_var.detach().reshape(*view) + eps).rsqrt()
    if weight is not None:
        xhat = xhat * weight.reshape(*view)
    return xhat + bias.reshape(*view) if bias is not None else xhat


def _layer_norm_composite(ctx, x, weight, bias, n_normalized, eps):
    out = _standardize(x, ctx.axes, eps)
    if weight is not None:
        out = out * weight
    return out + bias if bias is not None else out


def _group_norm_composite(ctx, x, weight, bias, num_groups, eps):
    n, c = x.shape[0], x.shape[1]
    grouped = x.reshape(n, num_groups, -1)
    out = _standardize(grouped, (2,), eps).reshape(*x.shape)
    view = (1, -1) + (1,) * (x.dim() - 2)
    if weight is not None:
        out = out * weight.reshape(*view)
    return out + bias.reshape(*view) if bias is not None else out


def _attach():
    from ..recorded_formulas import grad_graph_via
    BatchNorm.grad_graph = staticmethod(grad_graph_via(_batch_norm_composite))
    LayerNorm.grad_graph = staticmethod(grad_graph_via(_layer_norm_composite))
    GroupNorm.grad_graph = staticmethod(grad_graph_via(_group_norm_composite))


_attach()
