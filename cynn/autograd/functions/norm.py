"""Graph nodes of the normalisation layers (``cynn.nn.functional.normalization``).

All three normalise ``x`` to ``xhat = (x - mean) * invstd`` over some axes and
then apply a per-feature affine map ``y = xhat * w + b``. With ``gxhat = gy * w``
the input gradient of a normalisation whose statistics come from the same
elements is, with means over the normalised axes,

    gx = invstd * (gxhat - mean(gxhat) - xhat * mean(gxhat * xhat))

(the two subtracted terms are the paths through the mean and the variance).
"""
import numpy as np

from ..function import Function

__all__ = ["BatchNorm", "LayerNorm", "GroupNorm"]


def _count(x, axes):
    return int(np.prod([x.shape[a] for a in axes]))


def _normalize(x, axes, eps):
    """``(xhat, invstd)`` with biased variance over ``axes`` (kept as size-1 dims)."""
    if _count(x, axes) == 0:
        # nothing to normalise (an empty batch): statistics of no elements are left
        # at mean 0 and variance 0 instead of numpy's warned NaN; nothing reads them
        stats = np.zeros([1 if a in axes else n for a, n in enumerate(x.shape)], x.dtype)
        return x.copy(), stats, stats, (1.0 / np.sqrt(stats + eps)).astype(x.dtype)
    mean = x.mean(axis=axes, keepdims=True)
    centred = x - mean
    var = (centred * centred).mean(axis=axes, keepdims=True)
    invstd = (1.0 / np.sqrt(var + eps)).astype(x.dtype, copy=False)
    return centred * invstd, mean, var, invstd


def _normalize_backward(gxhat, xhat, invstd, axes):
    if _count(gxhat, axes) == 0:
        return np.zeros_like(gxhat)
    mean_g = gxhat.mean(axis=axes, keepdims=True)
    mean_gx = (gxhat * xhat).mean(axis=axes, keepdims=True)
    return invstd * (gxhat - mean_g - xhat * mean_gx)


def _affine(xhat, w_b, b_b):
    y = xhat if w_b is None else xhat * w_b
    return y if b_b is None else y + b_b


class BatchNorm(Function):
    """Normalise each channel (dimension 1) of ``x`` ``(N, C, *)`` over the batch
    and spatial dimensions. In training the batch statistics are used and the
    running estimates (when given) are updated in place with
    ``running = (1 - momentum) * running + momentum * batch_stat`` (the unbiased
    variance, as PyTorch); in eval the running estimates are used."""

    grad_fn_name = "NativeBatchNormBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, running_mean, running_var, training, momentum, eps):
        axes = (0,) + tuple(range(2, x.ndim))
        view = (1, -1) + (1,) * (x.ndim - 2)
        if training:
            xhat, mean, var, invstd = _normalize(x, axes, eps)
            # an empty batch leaves the running estimates alone, as PyTorch's does
            if running_mean is not None and x.size:
                running_mean *= 1 - momentum
                running_mean += momentum * mean.reshape(-1)
            if running_var is not None and x.size:
                n = x.size // x.shape[1]
                unbiased = var.reshape(-1) * (n / (n - 1))  # n > 1: checked by the caller
                running_var *= 1 - momentum
                running_var += momentum * unbiased
        else:
            invstd = (1.0 / np.sqrt(running_var + eps)).astype(x.dtype, copy=False).reshape(view)
            xhat = (x - running_mean.reshape(view).astype(x.dtype, copy=False)) * invstd
        ctx.training = training
        ctx.axes = axes
        ctx.save_for_backward(xhat, invstd, weight)
        w_b = None if weight is None else weight.reshape(view)
        b_b = None if bias is None else bias.reshape(view)
        return _affine(xhat, w_b, b_b).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, weight = ctx.saved_tensors
        axes = ctx.axes
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gxhat = gy if weight is None else gy * weight.reshape((1, -1) + (1,) * (gy.ndim - 2))
            if ctx.training:
                gx = _normalize_backward(gxhat, xhat, invstd, axes)
            else:
                gx = gxhat * invstd
        if ctx.needs_input_grad[1]:
            gw = (gy * xhat).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            gb = gy.sum(axis=axes)
        return gx, gw, gb, None, None, None, None, None


class LayerNorm(Function):
    """Normalise over the last ``n_normalized`` dimensions of ``x``; ``weight`` and
    ``bias`` have exactly those trailing dimensions."""

    grad_fn_name = "NativeLayerNormBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, n_normalized, eps):
        axes = tuple(range(x.ndim - n_normalized, x.ndim))
        xhat, _, _, invstd = _normalize(x, axes, eps)
        ctx.axes = axes
        ctx.save_for_backward(xhat, invstd, weight)
        return _affine(xhat, weight, bias).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, weight = ctx.saved_tensors
        lead = tuple(range(gy.ndim - len(ctx.axes)))
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gxhat = gy if weight is None else gy * weight
            gx = _normalize_backward(gxhat, xhat, invstd, ctx.axes)
        if ctx.needs_input_grad[1]:
            gw = (gy * xhat).sum(axis=lead)
        if ctx.needs_input_grad[2]:
            gb = gy.sum(axis=lead)
        return gx, gw, gb, None, None


class GroupNorm(Function):
    """Split the C channels of ``x`` ``(N, C, *)`` into ``num_groups`` groups and
    normalise each (sample, group) over its channels and spatial positions; the
    affine map is per channel."""

    grad_fn_name = "NativeGroupNormBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, weight, bias, num_groups, eps):
        # explicit group size: -1 cannot be inferred from an empty batch
        grouped = x.reshape(x.shape[0], num_groups, x.size // max(x.shape[0] * num_groups, 1))
        xhat, _, _, invstd = _normalize(grouped, (2,), eps)
        view = (1, -1) + (1,) * (x.ndim - 2)
        ctx.shape = x.shape
        ctx.save_for_backward(xhat, invstd, weight)
        w_b = None if weight is None else weight.reshape(view)
        b_b = None if bias is None else bias.reshape(view)
        return _affine(xhat.reshape(x.shape), w_b, b_b).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        xhat, invstd, weight = ctx.saved_tensors
        shape = ctx.shape
        view = (1, -1) + (1,) * (len(shape) - 2)
        axes = (0,) + tuple(range(2, len(shape)))
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            gxhat = gy if weight is None else gy * weight.reshape(view)
            gx = _normalize_backward(gxhat.reshape(xhat.shape), xhat, invstd, (2,)).reshape(shape)
        if ctx.needs_input_grad[1]:
            gw = (gy * xhat.reshape(shape)).sum(axis=axes)
        if ctx.needs_input_grad[2]:
            gb = gy.sum(axis=axes)
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
