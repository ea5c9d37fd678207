"""Graph nodes of the losses (``cynn.nn.functional.loss``).

Each takes ``reduction`` as 0 = none, 1 = mean, 2 = sum (PyTorch's enum) and
expects arguments the functional layer already validated (shapes, dtypes,
target ranges). Gradients with respect to weights are not computed (PyTorch
does not differentiate through loss weights either).
"""
import numpy as np

from ..function import Function

__all__ = ["NONE", "MEAN", "SUM", "reduce", "MseLoss", "SmoothL1Loss", "HuberLoss",
           "BinaryCrossEntropy", "BinaryCrossEntropyWithLogits", "NllLoss", "NllLoss2d",
           "ClampKeepGrad", "SoftMarginLoss", "MultiMarginLoss", "MultilabelMarginLoss",
           "lp_norm", "lp_distance_grad", "PairwiseNorm", "CosineSimilarity", "Pdist", "Cdist",
           "EuclideanDist", "LinearCrossEntropyChunked", "LinearCrossEntropyChunkedNone"]

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


# ---------------------------------------------------------------------------- margin losses
class ClampKeepGrad(Function):
    """Values clamped below at ``min``, the gradient passed through unchanged: PyTorch's
    ``gaussian_nll_loss`` clamps a clone of ``var`` under ``no_grad``, so its gradient
    ignores the clamp."""
    grad_fn_name = "CloneBackward0"

    @staticmethod
    def forward(ctx, x, lo):
        return np.maximum(x, np.asarray(lo, x.dtype))

    @staticmethod
    def backward(ctx, gy):
        return gy, None


class SoftMarginLoss(Function):
    """log(1 + exp(-t x)) elementwise, as PyTorch computes it (no overflow guard: a
    product -t x above ~88 in float32 gives inf there too)."""

    @staticmethod
    def forward(ctx, x, t, reduction):
        x, t = np.broadcast_arrays(x, t)
        z = np.exp(-x * t)
        ctx.reduction = reduction
        ctx.save_for_backward(t, z)
        return reduce(np.log1p(z).astype(x.dtype, copy=False), reduction)

    @staticmethod
    def backward(ctx, gy):
        t, z = ctx.saved_tensors
        # d/dx = -t z / (1 + z); PyTorch defines no gradient for the target
        gx = _reduced_grad(gy, ctx.reduction, z.size) * (-t * z / (1 + z))
        return gx.astype(z.dtype, copy=False), None, None


def _rows(x):
    """The input of the multi-class margin losses as (n_samples, n_classes)."""
    return x.reshape(1, -1) if x.ndim <= 1 else x


def _per_sample(loss, x, reduction):
    if reduction == NONE:
        return loss.reshape(x.shape[:1] if x.ndim == 2 else ())
    if reduction == SUM:
        return np.asarray(loss.sum(), x.dtype)
    # the mean of an empty batch is nan, as for every other loss (PyTorch's kernel
    # leaves that output uninitialised)
    return np.asarray(loss.sum() / loss.size if loss.size else np.nan, x.dtype)


def _per_sample_grad(gy, n_samples, reduction):
    if reduction == NONE:
        return np.asarray(gy).reshape(-1, 1)
    return np.asarray(gy / n_samples if reduction == MEAN else gy).reshape(1, 1)


class MultiMarginLoss(Function):
    """sum over j != y of w[y] max(0, margin - x[y] + x[j])^p / C per sample."""

    @staticmethod
    def forward(ctx, x, t, w, p, margin, reduction):
        rows, t = _rows(x), t.reshape(-1)
        n_classes = rows.shape[1]
        picked = np.take_along_axis(rows, t[:, None], axis=1)
        z = margin - picked + rows
        z[np.arange(rows.shape[0]), t] = 0
        hinge = np.maximum(z, 0)
        terms = hinge if p == 1 else hinge * hinge
        if w is not None:
            terms = terms * w[t][:, None]
        loss = terms.sum(axis=1) / n_classes
        ctx.p, ctx.reduction, ctx.x_shape = p, reduction, x.shape
        ctx.save_for_backward(t, z, w)
        return _per_sample(loss.astype(x.dtype, copy=False), x, reduction)

    @staticmethod
    def backward(ctx, gy):
        t, z, w = ctx.saved_tensors
        n_rows, n_classes = z.shape
        slope = (z > 0).astype(z.dtype) if ctx.p == 1 else 2 * np.maximum(z, 0)
        if w is not None:
            slope = slope * w[t][:, None]
        g = slope * (_per_sample_grad(gy, n_rows, ctx.reduction) / n_classes)
        g[np.arange(n_rows), t] = 0
        g[np.arange(n_rows), t] = -g.sum(axis=1)
        return g.astype(z.dtype, copy=False).reshape(ctx.x_shape), None, None, None, None, None


class MultilabelMarginLoss(Function):
    """sum over the target classes j and the other classes k of
    max(0, 1 - (x[j] - x[k])) / C per sample; a target row lists its classes up to
    the first -1 (a class listed twice counts twice)."""

    @staticmethod
    def _pairs(row, labels):
        """The listed classes, the other classes, and which (j, k) pairs are inside
        the margin, for one sample: O(|targets| x C), never (C, C) for the batch."""
        stop = np.flatnonzero(labels < 0)
        listed = labels[:stop[0]] if stop.size else labels
        others = np.ones(row.shape[0], bool)
        others[listed] = False
        z = 1 - row[listed][:, None] + row[others][None, :]
        return listed, others, z

    @staticmethod
    def forward(ctx, x, t, reduction):
        rows, labels = _rows(x), _rows(t)
        n_classes = rows.shape[1]
        loss = np.empty(rows.shape[0], x.dtype)
        for i in range(rows.shape[0]):
            _, _, z = MultilabelMarginLoss._pairs(rows[i], labels[i])
            loss[i] = np.maximum(z, 0).sum() / n_classes
        ctx.reduction = reduction
        ctx.save_for_backward(x, t)
        return _per_sample(loss, x, reduction)

    @staticmethod
    def backward(ctx, gy):
        x, t = ctx.saved_tensors
        rows, labels = _rows(x), _rows(t)
        n_rows, n_classes = rows.shape
        g = np.broadcast_to(_per_sample_grad(gy, n_rows, ctx.reduction) / n_classes,
                            (n_rows, 1))
        gx = np.zeros_like(rows)
        for i in range(n_rows):
            listed, others, z = MultilabelMarginLoss._pairs(rows[i], labels[i])
            active = (z > 0).astype(rows.dtype)
            # each active pair adds g at the other class k and takes it from target j
            gx[i, others] += g[i, 0] * active.sum(axis=0)
            np.add.at(gx[i], listed, -g[i, 0] * active.sum(axis=1))
        return gx.reshape(x.shape), None, None


# ---------------------------------------------------------------------------- distances
def lp_distance_grad(diff, dist, p, share_ties):
    """d dist / d diff for ``dist = ||diff||_p`` over the last axis (``dist`` keeps that
    axis as 1). Where ``dist`` is 0 the gradient is 0. ``share_ties``: for p = +-inf the
    elements at the extreme share the gradient evenly (``norm``), else each gets it in
    full (``pdist``, ``cdist``)."""
    zero = np.zeros((), diff.dtype)
    if p == 0:
        return np.zeros_like(diff)
    sign = np.sign(diff)
    if p == 1:
        return sign
    if np.isinf(p):
        hit = np.abs(diff) == dist
        out = sign * hit
        return out / np.maximum(hit.sum(axis=-1, keepdims=True), 1) if share_ties else out
    if p == 2:
        return np.where(dist == 0, zero, diff / dist)
    if p < 2:
        # sign(d) |d|^(p-1) / dist^(p-1), with 0 for d = 0 where |d|^(p-1) may be inf
        scaled = np.where(diff == 0, zero, sign * np.abs(diff) ** (p - 1))
        return np.where(dist == 0, zero, scaled * dist ** (1 - p))
    return np.where(dist == 0, zero, diff * np.abs(diff) ** (p - 2) / dist ** (p - 1))


def lp_norm(diff, p, axis=-1, keepdims=False):
    """``||diff||_p`` over ``axis``: PyTorch's vector norm for any p (0 counts nonzeros)."""
    ad = np.abs(diff)
    if p == 2:
        out = np.sqrt(np.sum(diff * diff, axis=axis, keepdims=keepdims))
    elif p == 1:
        out = np.sum(ad, axis=axis, keepdims=keepdims)
    elif p == 0:
        out = np.sum(diff != 0, axis=axis, keepdims=keepdims)
    elif p == np.inf:
        out = np.max(ad, axis=axis, keepdims=keepdims, initial=0)
    elif p == -np.inf:
        out = np.min(ad, axis=axis, keepdims=keepdims, initial=np.inf)
    else:
        out = np.sum(ad ** p, axis=axis, keepdims=keepdims) ** (1.0 / p)
    return np.asarray(out, diff.dtype)


class PairwiseNorm(Function):
    """``||d||_p`` over the last dimension of ``d = x1 - x2 + eps`` (PyTorch's node for
    ``pairwise_distance``)."""
    grad_fn_name = "NormBackward1"

    @staticmethod
    def forward(ctx, d, p, keepdim):
        flat = d.reshape(1) if d.ndim == 0 else d
        dist = lp_norm(flat, p, keepdims=True)
        ctx.p = p
        ctx.save_for_backward(flat, dist)
        if d.ndim == 0:
            return dist.reshape(())
        return dist if keepdim else dist[..., 0]

    @staticmethod
    def backward(ctx, gy):
        flat, dist = ctx.saved_tensors
        g = np.asarray(gy).reshape(dist.shape)
        gd = g * lp_distance_grad(flat, dist, ctx.p, share_ties=True)
        return gd.astype(flat.dtype, copy=False).reshape(ctx._input_meta[0][0]), None, None


class CosineSimilarity(Function):
    """x1 . x2 / (max(|x1|, eps) max(|x2|, eps)) along ``dim``, for ``x1`` and ``x2`` of
    one shape (at least 1-d); as in PyTorch the clamp changes the value but not the
    gradient of the norms."""
    grad_fn_name = "SumBackward1"

    @staticmethod
    def forward(ctx, x1, x2, dim, eps):
        n1 = np.sqrt(np.sum(x1 * x1, axis=dim, keepdims=True))
        n2 = np.sqrt(np.sum(x2 * x2, axis=dim, keepdims=True))
        n1c, n2c = np.maximum(n1, eps), np.maximum(n2, eps)
        out = np.sum((x1 / n1c) * (x2 / n2c), axis=dim, keepdims=True).astype(x1.dtype,
                                                                             copy=False)
        ctx.dim = dim
        ctx.save_for_backward(x1, x2, n1, n2, n1c, n2c, out)
        return np.squeeze(out, axis=dim)

    @staticmethod
    def backward(ctx, gy):
        x1, x2, n1, n2, n1c, n2c, out = ctx.saved_tensors
        g = np.expand_dims(gy, ctx.dim)
        zero = np.zeros((), x1.dtype)
        gx1 = gx2 = None
        # d/dx1 = x2 / (|x1|c |x2|c) - cos x1 / (|x1|c |x1|); the norm's own gradient is 0
        # at |x1| = 0
        if ctx.needs_input_grad[0]:
            through_norm = np.where(n1 == 0, zero, out / (n1c * n1))
            gx1 = (g * (x2 / (n1c * n2c) - through_norm * x1)).astype(x1.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            through_norm = np.where(n2 == 0, zero, out / (n2c * n2))
            gx2 = (g * (x1 / (n1c * n2c) - through_norm * x2)).astype(x1.dtype, copy=False)
        return gx1, gx2, None, None


class Pdist(Function):
    """``||x[i] - x[j]||_p`` for every row pair i < j of ``x`` (N, M), in row-major order
    of the pairs."""

    @staticmethod
    def forward(ctx, x, p):
        n = x.shape[0]
        parts = [lp_norm(x[i] - x[i + 1:], p) for i in range(n - 1)]
        out = np.concatenate(parts) if parts else np.zeros(0, x.dtype)
        ctx.p = p
        ctx.save_for_backward(x, out)
        return out.astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        x, out = ctx.saved_tensors
        gx = np.zeros_like(x)
        start = 0
        for i in range(x.shape[0] - 1):
            stop = start + x.shape[0] - 1 - i
            diff = x[i] - x[i + 1:]
            f = lp_distance_grad(diff, out[start:stop, None], ctx.p, share_ties=False)
            f = f * gy[start:stop, None]
            gx[i] += f.sum(axis=0)
            gx[i + 1:] -= f
            start = stop
        return gx, None


# Rows of x1 per block in Cdist: a block's (rows, R, M) differences stay near 8 MB.
_CDIST_BLOCK_ELEMENTS = 1 << 20


def _cdist_blocks(n_rows, n_cols, n_features):
    step = max(1, _CDIST_BLOCK_ELEMENTS // max(1, n_cols * n_features))
    return [(i, min(i + step, n_rows)) for i in range(0, n_rows, step)]


class Cdist(Function):
    """``||x1[b, i] - x2[b, j]||_p`` for x1 (B, P, M) and x2 (B, R, M): out (B, P, R)."""

    @staticmethod
    def forward(ctx, x1, x2, p):
        n_batch, n_p, m = x1.shape
        out = np.empty((n_batch, n_p, x2.shape[1]), x1.dtype)
        for b in range(n_batch):
            for i0, i1 in _cdist_blocks(n_p, x2.shape[1], m):
                diff = x1[b, i0:i1, None, :] - x2[b, None, :, :]
                out[b, i0:i1] = lp_norm(diff, p)
        ctx.p = p
        ctx.save_for_backward(x1, x2, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x1, x2, out = ctx.saved_tensors
        gx1, gx2 = np.zeros_like(x1), np.zeros_like(x2)
        n_batch, n_p, m = x1.shape
        for b in range(n_batch):
            for i0, i1 in _cdist_blocks(n_p, x2.shape[1], m):
                diff = x1[b, i0:i1, None, :] - x2[b, None, :, :]
                f = lp_distance_grad(diff, out[b, i0:i1, :, None], ctx.p, share_ties=False)
                f = f * gy[b, i0:i1, :, None]
                gx1[b, i0:i1] = f.sum(axis=1)
                gx2[b] -= f.sum(axis=0)
        return gx1, gx2, None


class EuclideanDist(Function):
    """cdist for p = 2 through a matrix product: sqrt(|a|^2 + |b|^2 - 2 a.b), the
    squared distance clamped at 1e-30 first (cancellation can make it negative)."""

    @staticmethod
    def forward(ctx, x1, x2):
        sq = (np.sum(x1 * x1, axis=-1)[:, :, None] + np.sum(x2 * x2, axis=-1)[:, None, :]
              - 2 * (x1 @ np.swapaxes(x2, -1, -2)))
        out = np.sqrt(np.maximum(sq, 1e-30)).astype(x1.dtype, copy=False)
        ctx.save_for_backward(x1, x2, sq, out)
        return out

    @staticmethod
    def backward(ctx, gy):
        x1, x2, sq, out = ctx.saved_tensors
        gsq = np.where(sq >= 1e-30, gy / (2 * out), 0).astype(x1.dtype, copy=False)
        gx1 = 2 * (gsq.sum(axis=2)[:, :, None] * x1 - gsq @ x2)
        gx2 = 2 * (gsq.sum(axis=1)[:, :, None] * x2 - np.swapaxes(gsq, -1, -2) @ x1)
        return gx1.astype(x1.dtype, copy=False), gx2.astype(x1.dtype, copy=False)


# ---------------------------------------------------------------------------- linear + loss
class LinearCrossEntropyChunked(Function):
    """cross_entropy(x W^T + b, t) for class-index targets, ``chunk`` rows at a time: the
    (N, C) logits never exist at once. Backward recomputes each chunk's logits rather
    than keeping them (PyTorch's chunked path keeps precomputed gradients instead; the
    numbers are the same)."""
    grad_fn_name = ("GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_"
                    "defaultBackward")

    @staticmethod
    def _chunks(n, chunk):
        return [(i, min(i + chunk, n)) for i in range(0, n, chunk)]

    @staticmethod
    def _log_softmax(x, W, b):
        logits = x @ W.T
        if b is not None:
            logits += b
        shifted = logits - logits.max(axis=1, keepdims=True)
        return shifted - np.log(np.exp(shifted).sum(axis=1, keepdims=True))

    @staticmethod
    def forward(ctx, x, W, b, t, w, reduction, ignore_index, chunk):
        keep = t != ignore_index
        safe_t = np.where(keep, t, 0)
        sample_w = keep.astype(x.dtype) if w is None else np.where(keep, w[safe_t], 0).astype(
            x.dtype, copy=False)
        loss = np.empty(x.shape[0], x.dtype)
        for r0, r1 in LinearCrossEntropyChunked._chunks(x.shape[0], chunk):
            logp = LinearCrossEntropyChunked._log_softmax(x[r0:r1], W, b)
            picked = np.take_along_axis(logp, safe_t[r0:r1, None], axis=1)[:, 0]
            loss[r0:r1] = -picked * sample_w[r0:r1]
        ctx.reduction, ctx.chunk = reduction, chunk
        ctx.total_weight = sample_w.sum(dtype=x.dtype)
        ctx.save_for_backward(x, W, b, safe_t, sample_w)
        if reduction == NONE:
            return loss
        total = loss.sum(dtype=x.dtype)
        if reduction == SUM:
            return np.asarray(total, x.dtype)
        with np.errstate(invalid="ignore", divide="ignore"):
            return np.asarray(total / ctx.total_weight, x.dtype)

    @staticmethod
    def backward(ctx, gy):
        x, W, b, safe_t, sample_w = ctx.saved_tensors
        if ctx.reduction == NONE:
            coef = np.asarray(gy).reshape(-1) * sample_w
        elif ctx.reduction == SUM:
            coef = gy * sample_w
        else:
            with np.errstate(invalid="ignore", divide="ignore"):
                coef = sample_w * (gy / ctx.total_weight)
        coef = coef.astype(x.dtype, copy=False)
        gx, gW = np.empty_like(x), np.zeros_like(W)
        gb = None if b is None else np.zeros_like(b)
        for r0, r1 in LinearCrossEntropyChunked._chunks(x.shape[0], ctx.chunk):
            # d(-w_t log p_t) / d logits = w_t (p - onehot(t))
            glogits = np.exp(LinearCrossEntropyChunked._log_softmax(x[r0:r1], W, b))
            rows = np.arange(r1 - r0)
            glogits[rows, safe_t[r0:r1]] -= 1
            glogits *= coef[r0:r1, None]
            gx[r0:r1] = glogits @ W
            gW += glogits.T @ x[r0:r1]
            if gb is not None:
                gb += glogits.sum(axis=0)
        return (gx if ctx.needs_input_grad[0] else None, gW if ctx.needs_input_grad[1] else None,
                gb, None, None, None, None, None)


class LinearCrossEntropyChunkedNone(LinearCrossEntropyChunked):
    """``LinearCrossEntropyChunked`` for ``reduction='none'`` (PyTorch's node name)."""
    grad_fn_name = ("GeneratedBackwardFor_torch_nn__linear_cross_entropy_batch_chunked_"
                    "no_reduction_defaultBackward")


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True): each loss
# recomputed with Tensor ops and differentiated (graph_backward.grad_graph_via).

def _reduce_graph(loss, reduction):
    if reduction == NONE:
        return loss
    return loss.sum() if reduction == SUM else loss.mean()


def _const(array):
    from .. import function
    return function.Tensor._wrap(np.asarray(array))


def _mse_composite(ctx, x, t, reduction):
    d = x - t
    return _reduce_graph(d * d, reduction)


def _smooth_l1_composite(ctx, x, t, reduction, beta):
    from .elementwise import where
    d = x - t
    ad = d.abs()
    if beta == 0:
        return _reduce_graph(ad, reduction)
    return _reduce_graph(where(ad.detach() < beta, 0.5 * d * d / beta, ad - 0.5 * beta),
                         reduction)


def _huber_composite(ctx, x, t, reduction, delta):
    from .elementwise import where
    d = x - t
    ad = d.abs()
    return _reduce_graph(where(ad.detach() < delta, 0.5 * d * d, delta * (ad - 0.5 * delta)),
                         reduction)


def _bce_composite(ctx, x, t, w, reduction):
    loss = (t - 1) * (1 - x).log().clamp(min=-100) - t * x.log().clamp(min=-100)
    if w is not None:
        loss = loss * w
    return _reduce_graph(loss, reduction)


def _bce_logits_composite(ctx, x, t, w, pos_weight, reduction):
    log_sig = -((-x).clamp(min=0) + (-x.abs()).exp().log1p())
    if pos_weight is not None:
        log_sig = log_sig * ((pos_weight - 1) * t + 1)
    loss = (1 - t) * x - log_sig
    if w is not None:
        loss = loss * w
    return _reduce_graph(loss, reduction)


def _nll_composite(ctx, x, t, w, reduction, ignore_index):
    tgt = t._data.reshape(-1)
    keep = tgt != ignore_index
    safe = np.where(keep, tgt, 0)
    if x.dim() == 1:
        rows = x.reshape(1, -1)
    else:
        rows = x.movedim(1, -1).reshape(-1, x.shape[1])
    picked = rows.gather(1, _const(safe[:, None])).reshape(-1)
    if w is None:
        sample_w = _const(keep.astype(x._data.dtype))
    else:
        sample_w = w.index_select(0, _const(safe)) * _const(keep.astype(x._data.dtype))
    loss = -picked * sample_w
    if reduction == NONE:
        return loss.reshape(*((x.shape[0],) + tuple(x.shape[2:]) if x.dim() > 1 else ()))
    if reduction == SUM:
        return loss.sum()
    return loss.sum() / sample_w.sum()


def _attach():
    from ..recorded_formulas import grad_graph_via
    for fn_cls, composite in ((MseLoss, _mse_composite), (SmoothL1Loss, _smooth_l1_composite),
                              (HuberLoss, _huber_composite), (BinaryCrossEntropy, _bce_composite),
                              (BinaryCrossEntropyWithLogits, _bce_logits_composite),
                              (NllLoss, _nll_composite)):
        fn_cls.grad_graph = staticmethod(grad_graph_via(composite))


_attach()
