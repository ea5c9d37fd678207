"""Graph nodes of the losses (``cynn.nn.functional.loss``).

Each takes ``reduction`` as 0 = none, 1 = mean, 2 = sum (PyTorch's enum) and
expects arguments the functional layer already validated (shapes, dtypes,
target ranges). Gradients with respect to weights are not computed (PyTorch
does not differentiate through loss weights either).
"""
import numpy as np

from ..function import Function

__all__ = ["NONE", "MEAN", "SUM", "reduce", "MseLoss", "SmoothL1Loss", "HuberLoss",
           "BinaryCrossEntropy",
           "BinaryCrossEntropyWithLogits", "NllLoss", "NllLoss2d"]

NONE, MEAN, SUM = 0, 1, 2


def reduce(loss, reduction):
    """Apply ``reduction`` to the elementwise ``loss`` (mean of nothing is nan)."""
    if reduction == NONE:
        return loss
    if reduction == SUM:
        return np.asarray(loss.sum(), dtype=loss.dtype)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.asarray(loss.mean() if loss.size else np.nan, dtype=loss.dtype)


def _reduced_grad(gy, reduction, n):
    """The upstream gradient of each element: gy itself, or gy / n for a mean."""
    if reduction == MEAN:
        return gy / n if n else gy
    return gy


class MseLoss(Function):
    """(x - t)^2 elementwise; x and t already have one (broadcast) shape."""

    @staticmethod
    def forward(ctx, x, t, reduction):
        diff = x - t
        ctx.reduction = reduction
        ctx.save_for_backward(diff)
        return reduce(diff * diff, reduction)

    @staticmethod
    def backward(ctx, gy):
        (diff,) = ctx.saved_tensors
        gdiff = (2 * _reduced_grad(gy, ctx.reduction, diff.size)) * diff
        return (gdiff if ctx.needs_input_grad[0] else None,
                -gdiff if ctx.needs_input_grad[1] else None, None)


class SmoothL1Loss(Function):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = x - t, beta > 0)."""

    @staticmethod
    def forward(ctx, x, t, reduction, beta):
        diff = x - t
        abs_diff = np.abs(diff)
        loss = np.where(abs_diff < beta, (0.5 / beta) * diff * diff, abs_diff - 0.5 * beta)
        ctx.reduction, ctx.beta = reduction, beta
        ctx.save_for_backward(diff)
        return reduce(loss.astype(diff.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, gy):
        (diff,) = ctx.saved_tensors
        slope = np.where(np.abs(diff) < ctx.beta, diff / ctx.beta, np.sign(diff))
        gdiff = (_reduced_grad(gy, ctx.reduction, diff.size) * slope).astype(diff.dtype,
                                                                              copy=False)
        return (gdiff if ctx.needs_input_grad[0] else None,
                -gdiff if ctx.needs_input_grad[1] else None, None, None)


class HuberLoss(Function):
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = x - t)."""

    @staticmethod
    def forward(ctx, x, t, reduction, delta):
        diff = x - t
        abs_diff = np.abs(diff)
        loss = np.where(abs_diff < delta, 0.5 * diff * diff, delta * (abs_diff - 0.5 * delta))
        ctx.reduction, ctx.delta = reduction, delta
        ctx.save_for_backward(diff)
        return reduce(loss.astype(diff.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, gy):
        (diff,) = ctx.saved_tensors
        slope = np.clip(diff, -ctx.delta, ctx.delta)
        gdiff = (_reduced_grad(gy, ctx.reduction, diff.size) * slope).astype(diff.dtype,
                                                                              copy=False)
        return (gdiff if ctx.needs_input_grad[0] else None,
                -gdiff if ctx.needs_input_grad[1] else None, None, None)


class BinaryCrossEntropy(Function):
    """-w (t log x + (1 - t) log(1 - x)), each log clamped at -100 so that x = 0 or 1
    gives a finite loss."""

    @staticmethod
    def forward(ctx, x, t, w, reduction):
        with np.errstate(divide="ignore"):
            log_x = np.maximum(np.log(x), -100)
            log_1mx = np.maximum(np.log1p(-x), -100)
        loss = (t - 1) * log_1mx - t * log_x
        if w is not None:
            loss = loss * w
        ctx.reduction = reduction
        ctx.save_for_backward(x, t, w)
        return reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, gy):
        x, t, w = ctx.saved_tensors
        g = _reduced_grad(gy, ctx.reduction, x.size)
        if w is not None:
            g = g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            # d/dx = (x - t) / (x (1 - x)), the denominator kept off zero as PyTorch does.
            gx = (g * (x - t) / np.maximum((1 - x) * x, 1e-12)).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore"):
                gt = (g * (np.log1p(-x) - np.log(x))).astype(t.dtype, copy=False)
        return gx, gt, None, None


def _log_sigmoid(x):
    """log(sigmoid(x)) = -(max(-x, 0) + log1p(exp(-|x|))), finite for every x."""
    return -(np.maximum(-x, 0) + np.log1p(np.exp(-np.abs(x))))


def _sigmoid(x):
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e))


class BinaryCrossEntropyWithLogits(Function):
    """-w (p t log sigmoid(x) + (1 - t) log(1 - sigmoid(x))) with ``p = pos_weight``,
    in the overflow-free form (1 - t) x - (1 + (p - 1) t) log sigmoid(x)."""

    @staticmethod
    def forward(ctx, x, t, w, pos_weight, reduction):
        log_sig = _log_sigmoid(x)
        if pos_weight is not None:
            log_sig = log_sig * ((pos_weight - 1) * t + 1)
        loss = (1 - t) * x - log_sig
        if w is not None:
            loss = loss * w
        ctx.reduction = reduction
        ctx.save_for_backward(x, t, w, pos_weight)
        return reduce(loss.astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, gy):
        x, t, w, pos_weight = ctx.saved_tensors
        g = _reduced_grad(gy, ctx.reduction, x.size)
        if w is not None:
            g = g * w
        gx = gt = None
        if ctx.needs_input_grad[0]:
            if pos_weight is None:
                dx = _sigmoid(x) - t
            else:
                pt = pos_weight * t
                dx = (pt + 1 - t) * _sigmoid(x) - pt
            gx = (g * dx).astype(x.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            # d/dt = p log sigmoid(-x) ... = log sigmoid(-x) - p log sigmoid(x)
            dt = -x if pos_weight is None else _log_sigmoid(-x) - pos_weight * _log_sigmoid(x)
            gt = (g * dt).astype(t.dtype, copy=False)
        return gx, gt, None, None, None


class NllLoss(Function):
    """-w[t] x[..., t, ...] per target, the class along dimension 1 of ``x`` (or 0
    when ``x`` is 1-D). Ignored targets contribute nothing; a mean divides by the
    summed weight of the targets that are not ignored."""

    @staticmethod
    def forward(ctx, x, t, w, reduction, ignore_index):
        n_classes = x.shape[0] if x.ndim == 1 else x.shape[1]
        # Class dimension last, everything else flattened: rows of (M, C).
        rows = x.reshape(1, -1) if x.ndim == 1 else np.moveaxis(x, 1, -1).reshape(-1, n_classes)
        t = t.reshape(-1)
        keep = t != ignore_index
        safe_t = np.where(keep, t, 0)
        picked = np.take_along_axis(rows, safe_t[:, None], axis=1)[:, 0]
        sample_w = keep.astype(x.dtype) if w is None else np.where(keep, w[safe_t], 0).astype(
            x.dtype, copy=False)
        loss = -picked * sample_w
        ctx.reduction = reduction
        ctx.x_shape = x.shape
        ctx.save_for_backward(safe_t, keep, sample_w)
        if reduction == NONE:
            return loss.reshape(x.shape[:1] + x.shape[2:] if x.ndim > 1 else ())
        total = loss.sum(dtype=x.dtype)
        if reduction == SUM:
            return np.asarray(total, dtype=x.dtype)
        ctx.total_weight = sample_w.sum(dtype=x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / ctx.total_weight, dtype=x.dtype)

    @staticmethod
    def backward(ctx, gy):
        safe_t, keep, sample_w = ctx.saved_tensors
        shape = ctx.x_shape
        if ctx.reduction == NONE:
            g = gy.reshape(-1) * sample_w
        elif ctx.reduction == SUM:
            g = gy * sample_w
        else:
            # A zero total weight gives nan where a target was kept, as PyTorch does.
            with np.errstate(invalid="ignore", divide="ignore"):
                g = np.where(keep, sample_w * (gy / ctx.total_weight), 0)
        n_classes = shape[0] if len(shape) == 1 else shape[1]
        rows = np.zeros((safe_t.size, n_classes), sample_w.dtype)
        np.put_along_axis(rows, safe_t[:, None], -g[:, None].astype(rows.dtype, copy=False),
                          axis=1)
        if len(shape) == 1:
            gx = rows.reshape(shape)
        else:
            gx = np.moveaxis(rows.reshape(shape[:1] + shape[2:] + (n_classes,)), -1, 1)
        return gx, None, None, None, None


class NllLoss2d(NllLoss):
    """``NllLoss`` for inputs with spatial dimensions (PyTorch's node name for them)."""

    grad_fn_name = "NllLoss2DBackward0"
