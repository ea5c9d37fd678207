"""Loss functions (``torch.nn.functional`` names, defaults and error messages).

``reduction`` is ``'none'`` (one loss per element / sample), ``'mean'`` or
``'sum'``; the legacy ``size_average`` / ``reduce`` flags still map onto it with
PyTorch's deprecation warning.
"""

import math

import numpy as np

from ... import _warnings
from ..._broadcast import broadcast_shapes
from ..._creation import where
from ..._dtype import from_numpy_dtype, result_type
from ..._tensor import Size, Tensor, _torch_type_name
from ...autograd.functions import loss as L
from ...autograd.functions.ctc import CtcLoss
from ...autograd.grad_mode import is_grad_enabled
from ._arguments import check_tensor
from .activation import logsigmoid
from .distance import pairwise_distance
from .linear import linear

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div",
           "poisson_nll_loss", "gaussian_nll_loss", "margin_ranking_loss",
           "hinge_embedding_loss", "cosine_embedding_loss", "triplet_margin_loss",
           "triplet_margin_with_distance_loss", "multi_margin_loss", "multilabel_margin_loss",
           "multilabel_soft_margin_loss", "soft_margin_loss", "ctc_loss", "linear_cross_entropy"]


# ---------------------------------------------------------------------------- helpers
def _legacy_get_string(size_average, reduce, emit_warning=True):
    size_average = True if size_average is None else size_average
    reduce = True if reduce is None else reduce
    if size_average and reduce:
        ret = "mean"
    elif reduce:
        ret = "sum"
    else:
        ret = "none"
    if emit_warning:
        _warnings.warn(f"size_average and reduce args will be deprecated, please use "
                       f"reduction='{ret}' instead.")
    return ret


def _reduction(reduction, size_average=None, reduce=None):
    """PyTorch's reduction enum (0 none, 1 mean, 2 sum) for the given arguments."""
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    if reduction == "none":
        return L.NONE
    if reduction == "mean":
        return L.MEAN
    if reduction == "elementwise_mean":
        _warnings.warn("reduction='elementwise_mean' is deprecated. Please use reduction='mean' "
                       "instead.")
        return L.MEAN
    if reduction == "sum":
        return L.SUM
    raise ValueError(f"{reduction} is not a valid value for reduction")


def _warn_size_mismatch(input, target):  # noqa: A002 -- PyTorch's argument names
    if target.shape != input.shape:
        _warnings.warn(f"Using a target size ({target.shape}) that is different to the input "
                       f"size ({input.shape}). This will likely lead to incorrect results due "
                       "to broadcasting. Please ensure they have the same size.")


def _promote(input, target):  # noqa: A002
    """Both cast to PyTorch's result dtype of the pair (float32 - int64 is float32)."""
    dt = result_type(input._data, target._data)
    if input._data.dtype != dt:
        input = input.to(from_numpy_dtype(dt))
    if target._data.dtype != dt:
        target = target.to(from_numpy_dtype(dt))
    return input, target


def _apply_reduction(loss, reduction):
    if reduction == L.MEAN:
        return loss.mean()
    if reduction == L.SUM:
        return loss.sum()
    return loss


def _weighted_pointwise(errors, weight, input, reduction):  # noqa: A002
    """``errors * weight`` reduced as PyTorch's weighted MSE / L1 losses do: a mean
    divides by the sum of the weights."""
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    weighted = errors * weight
    if reduction == L.NONE:
        return weighted
    if reduction == L.SUM:
        return weighted.sum()
    return weighted.sum() / weight.sum()


# ---------------------------------------------------------------------------- regression
def mse_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
             weight=None):
    """Squared error ``(input - target)^2``, reduced.

    Shape: input and target broadcastable (a size difference warns, as it usually
    is a mistake); output scalar, or the broadcast shape for ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "mse_loss")
    check_tensor(target, "target", 2, "mse_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction, size_average, reduce)
    broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"mse_cpu\" not implemented for "
                                  f"'{_torch_type_name(input._data.dtype)}'")
    if weight is not None:
        return _weighted_pointwise((input - target) ** 2, weight, input, red)
    return L.MseLoss.apply(input, target, red)


def l1_loss(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
            weight=None):
    """Absolute error ``|input - target|``, reduced; shapes as ``mse_loss``."""
    check_tensor(input, "input", 1, "l1_loss")
    check_tensor(target, "target", 2, "l1_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction, size_average, reduce)
    broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    errors = (input - target).abs()
    if weight is not None:
        return _weighted_pointwise(errors, weight, input, red)
    return _apply_reduction(errors, red)


def smooth_l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                   reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target);
    ``beta=0`` is the L1 loss."""
    check_tensor(input, "input", 1, "smooth_l1_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    if beta == 0:
        return _apply_reduction((input - target).abs(), red)
    return L.SmoothL1Loss.apply(input, target, red, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    check_tensor(input, "input", 1, "huber_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    if weight is None:
        return L.HuberLoss.apply(input, target, red, delta)
    if weight.shape != input.shape:
        raise ValueError("Weights and input must have the same size.")
    # PyTorch's weighted Huber mean divides by the element count, not the weight sum.
    return _apply_reduction(L.HuberLoss.apply(input, target, L.NONE, delta) * weight, red)


def kl_div(input, target, size_average=None, reduce=None, reduction="mean",  # noqa: A002
           log_target=False):
    """KL(target || exp(input)) pointwise: target (log target - input), 0 where
    target is 0. ``input`` holds log-probabilities; ``log_target`` says whether
    ``target`` does too. ``reduction='batchmean'`` divides the sum by the batch
    size (the true KL divergence); ``'mean'`` divides by every element."""
    check_tensor(input, "input", 1, "kl_div")
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    elif reduction == "mean":
        _warnings.warn("reduction: 'mean' divides the total loss by both the batch size and the "
                       "support size.'batchmean' divides only by the batch size, and aligns with "
                       "the KL div math definition.'mean' will be changed to behave the same as "
                       "'batchmean' in the next major release.")
    batchmean = reduction == "batchmean"
    red = L.SUM if batchmean else _reduction(reduction)
    input, target = _promote(input, target)
    if log_target:
        pointwise = target.exp() * (target - input)
    else:
        # target * log(target) is taken as 0 where target is 0 (its limit).
        positive = Tensor._wrap(target._data > 0)
        pointwise = target * where(positive, target, 1.0).log() - target * input
    loss = _apply_reduction(pointwise, red)
    if batchmean and input.dim() != 0:
        loss = loss / input.shape[0]
    return loss


# ---------------------------------------------------------------------------- binary
def _expand_weight(weight, target_shape):
    """``weight`` broadcast to the target's shape, with PyTorch's expand error."""
    w_shape, t_shape = tuple(weight.shape), tuple(target_shape)
    for i in range(1, len(w_shape) + 1):
        if i > len(t_shape) or (w_shape[-i] != 1 and w_shape[-i] != t_shape[-i]):
            raise RuntimeError(
                f"Attempting to broadcast a dimension of length {w_shape[-i]} at -{i}! "
                f"Mismatching argument at index 1 had {Size(w_shape)}; but expected shape "
                f"should be broadcastable to {list(t_shape)}")
    return weight.expand(t_shape) if w_shape != t_shape else weight


def binary_cross_entropy(input, target, weight=None, size_average=None,  # noqa: A002
                         reduce=None, reduction="mean"):
    """-w (t log x + (1 - t) log(1 - x)) for probabilities ``x`` in [0, 1]; each log
    is clamped at -100 so that x = 0 or 1 gives a finite loss.

    Shape: input and target identical; ``weight`` broadcastable to them.
    """
    check_tensor(input, "input", 1, "binary_cross_entropy")
    check_tensor(target, "target", 2, "binary_cross_entropy")
    red = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Using a target size ({target.shape}) that is different to the input "
                         f"size ({input.shape}) is deprecated. Please ensure they have the same "
                         "size.")
    if weight is not None:
        weight = _expand_weight(weight, target.shape)
    if target.dtype != input.dtype:
        raise RuntimeError(f"Found dtype {_torch_type_name(target._data.dtype)} but expected "
                           f"{_torch_type_name(input._data.dtype)}")
    x = input._data
    if not np.all((x >= 0) & (x <= 1)):
        raise RuntimeError("all elements of input should be between 0 and 1")
    if weight is not None and weight.dtype != input.dtype:
        weight = weight.to(input.dtype)
    return L.BinaryCrossEntropy.apply(input, target, weight, red)


def binary_cross_entropy_with_logits(input, target, weight=None,  # noqa: A002
                                     size_average=None, reduce=None, reduction="mean",
                                     pos_weight=None):
    """binary_cross_entropy(sigmoid(x), t) computed from the logits ``x`` without
    overflow; ``pos_weight`` (broadcast along the last dimension, e.g. one per
    class) multiplies the positive term t log sigmoid(x).

    Shape: input and target identical; ``weight`` and ``pos_weight`` broadcastable.
    """
    check_tensor(input, "input", 1, "binary_cross_entropy_with_logits")
    check_tensor(target, "target", 2, "binary_cross_entropy_with_logits")
    red = _reduction(reduction, size_average, reduce)
    if target.shape != input.shape:
        raise ValueError(f"Target size ({target.shape}) must be the same as input size "
                         f"({input.shape})")
    if target._data.dtype.kind != "f":
        raise RuntimeError(f"result type {_torch_type_name(input._data.dtype)} can't be cast "
                           f"to the desired output type {_torch_type_name(target._data.dtype)}")
    input, target = _promote(input, target)
    for extra in (weight, pos_weight):
        if extra is not None:
            broadcast_shapes(extra.shape, target.shape)
    return L.BinaryCrossEntropyWithLogits.apply(input, target, weight, pos_weight, red)


# ---------------------------------------------------------------------------- classification
def _check_class_weight(weight, input, n_classes, spatial):  # noqa: A002
    if weight is None:
        return None
    if spatial:
        if weight.numel() != n_classes:
            raise RuntimeError("weight tensor should be defined either for all or no classes")
    elif weight.dim() != 1 or weight.numel() != n_classes:
        raise RuntimeError(f"weight tensor should be defined either for all {n_classes} classes "
                           f"or no classes but got weight tensor of shape: {list(weight.shape)}")
    if weight.dtype != input.dtype:
        raise RuntimeError(f"expected scalar type {_torch_type_name(input._data.dtype)} but "
                           f"found {_torch_type_name(weight._data.dtype)}")
    return weight.reshape(-1)


def _check_nll_args(input, target, weight, ignore_index):  # noqa: A002
    """PyTorch's ``nll_loss_nd`` checks, in its order; returns the flattened weight."""
    ndim, tdim = input.dim(), target.dim()
    if ndim < 1:
        raise ValueError(f"Expected 1 or more dimensions (got {ndim})")
    if ndim == 1 and tdim == 1 and target.shape[0] != 1:
        raise ValueError(f"For 1D input, 1D target must have size 1, but got target size: "
                         f"{target.shape[0]}")
    if ndim != 1:
        target_batch = target.shape[0] if tdim > 0 else 0
        if input.shape[0] != target_batch:
            raise ValueError(f"Expected input batch_size ({input.shape[0]}) to match target "
                             f"batch_size ({target_batch}).")
    if ndim <= 2:
        if tdim > 1:
            raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    elif ndim == 4:
        if tdim != 3:
            raise RuntimeError(f"only batches of spatial targets supported (3D tensors) but got "
                               f"targets of dimension: {tdim}")
        if tuple(target.shape) != (input.shape[0],) + tuple(input.shape[2:]):
            raise RuntimeError(f"size mismatch (got input: {list(input.shape)} , target: "
                               f"{list(target.shape)}")
    elif tuple(target.shape[1:]) != tuple(input.shape[2:]):
        raise RuntimeError(f"Expected target size {[input.shape[0], *input.shape[2:]]}, got "
                           f"{list(target.shape)}")
    if target._data.dtype not in (np.int64, np.uint8):
        raise RuntimeError(f"expected target dtype to be Long or Byte, but got "
                           f"{_torch_type_name(target._data.dtype)}")
    if input._data.dtype.kind != "f":
        kernel = "nll_loss_out_frame" if ndim <= 2 else "nll_loss2d_forward_out_frame"
        raise NotImplementedError(f"\"{kernel}\" not implemented for "
                                  f"'{_torch_type_name(input._data.dtype)}'")
    n_classes = input.shape[0] if ndim == 1 else input.shape[1]
    weight = _check_class_weight(weight, input, n_classes, spatial=ndim > 2)
    t = target._data.astype(np.int64, copy=False)
    bad = (t != ignore_index) & ((t < 0) | (t >= n_classes))
    if bad.any():
        raise IndexError(f"Target {t[bad].reshape(-1)[0]} is out of bounds.")
    return weight


def nll_loss(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
             reduce=None, reduction="mean"):
    """Negative log-likelihood: ``-weight[t] * input[n, t]`` per target, for
    log-probabilities ``input`` (e.g. from ``log_softmax``).

    Shape:
        input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``; target ``()``, ``(N,)``
        or ``(N, d1, ..., dK)`` of class indices in [0, C) (int64) or
        ``ignore_index``; weight ``(C,)``. Output: scalar, or the target's shape for
        ``reduction='none'``. A mean divides by the summed weight of the targets
        that are not ignored.
    """
    check_tensor(input, "input", 1, "nll_loss")
    check_tensor(target, "target", 2, "nll_loss")
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    red = _reduction(reduction)
    weight = _check_nll_args(input, target, weight, ignore_index)
    return _nll(input, target, weight, red, ignore_index)


def _nll(input, target, weight, red, ignore_index):  # noqa: A002
    """The NllLoss node, named as PyTorch's: spatial inputs go through its 2-d kernel,
    and for 3-d or >4-d inputs its per-element result comes out of a view."""
    if input.dim() <= 2:
        return L.NllLoss.apply(input, target, weight, red, ignore_index)
    out = L.NllLoss2d.apply(input, target, weight, red, ignore_index)
    if red == L.NONE and input.dim() != 4:
        out = out.view(out.shape)
    return out


def cross_entropy(input, target, weight=None, size_average=None, ignore_index=-100,  # noqa: A002
                  reduce=None, reduction="mean", label_smoothing=0.0):
    """Cross entropy between softmax(input) over dimension 1 and the target.

    ``target`` holds class indices (shape as for ``nll_loss``; then this is
    ``nll_loss(log_softmax(input, 1), target)``) or, when it has the input's shape,
    class probabilities. ``label_smoothing`` in [0, 1] mixes the target with the
    uniform distribution over the C classes.

    Shape: input ``(C,)``, ``(N, C)`` or ``(N, C, d1, ..., dK)``; output scalar, or
    ``(N, d1, ..., dK)`` (``()`` for 1-D input) for ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "cross_entropy")
    check_tensor(target, "target", 2, "cross_entropy")
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    red = _reduction(reduction)
    class_dim = 0 if input.dim() == 1 else 1
    if input._data.dtype.kind != "f" and input.dim() > 0:
        last = "lastdim_" if class_dim == input.dim() - 1 else ""
        raise NotImplementedError(f"\"log_softmax_{last}kernel_impl\" not implemented for "
                                  f"'{_torch_type_name(input._data.dtype)}'")
    if input.shape == target.shape:
        if target._data.dtype.kind != "f":
            raise RuntimeError(f"Expected floating point type for target with class "
                               f"probabilities, got {_torch_type_name(target._data.dtype)}")
        if ignore_index >= 0:
            raise RuntimeError("ignore_index is not supported for floating point target")
        return _cross_entropy_probabilities(input, target, weight, red, label_smoothing,
                                            class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        return _cross_entropy_smoothed(input, target, weight, red, ignore_index, label_smoothing,
                                       class_dim)
    flat_weight = _check_nll_args(input, target, weight, ignore_index)
    return _nll(input.log_softmax(class_dim), target, flat_weight, red, ignore_index)


def _class_view(weight, ndim, class_dim):
    shape = [1] * ndim
    shape[class_dim] = weight.shape[0]
    return weight.reshape(*shape)


def _cross_entropy_probabilities(input, target, weight, red, label_smoothing,  # noqa: A002
                                 class_dim):
    n_classes = input.shape[class_dim]
    if weight is not None and (weight.dim() != 1 or weight.numel() != n_classes):
        raise RuntimeError(f"cross_entropy: weight tensor should be defined either for all "
                           f"{n_classes} classes or no classes but got weight tensor of shape: "
                           f"{list(weight.shape)}")
    log_p = input.log_softmax(class_dim)
    if label_smoothing > 0.0:
        if label_smoothing > 1.0:
            raise RuntimeError(f"label_smoothing must be between 0.0 and 1.0. Got: "
                               f"{label_smoothing}")
        target = target * (1 - label_smoothing) + label_smoothing / n_classes
    terms = log_p * target
    if weight is not None:
        terms = terms * _class_view(weight, input.dim(), class_dim)
    if red == L.NONE:
        return -terms.sum(class_dim)
    if red == L.SUM:
        return -terms.sum()
    n_samples = input.numel() // n_classes if n_classes else 0
    if n_samples == 0:
        return -terms.sum() * float("nan")
    return -terms.sum() / n_samples


def _cross_entropy_smoothed(input, target, weight, red, ignore_index,  # noqa: A002
                            label_smoothing, class_dim):
    """(1 - eps) * nll + eps / C * (the cross entropy against the uniform target),
    the second term weighted and normalised as PyTorch does."""
    flat_weight = _check_nll_args(input, target, weight, ignore_index)
    n_classes = input.shape[class_dim]
    log_p = input.log_softmax(class_dim)
    nll = _nll(log_p, target, flat_weight, red, ignore_index)
    ignore_mask = target._data == ignore_index
    if flat_weight is not None:
        smooth = -(log_p * _class_view(flat_weight, input.dim(), class_dim)).sum(class_dim)
    else:
        smooth = -log_p.sum(class_dim)
    smooth = smooth.masked_fill(Tensor._wrap(ignore_mask), 0.0)
    if red == L.MEAN:
        kept = target._data[~ignore_mask]
        if flat_weight is not None:
            denominator = flat_weight._data[kept].sum(dtype=input._data.dtype)
        else:
            denominator = kept.size
        with np.errstate(invalid="ignore", divide="ignore"):
            smooth = smooth.sum() / float(denominator)
    elif red == L.SUM:
        smooth = smooth.sum()
    return nll * (1 - label_smoothing) + smooth * (label_smoothing / n_classes)


# ---------------------------------------------------------------------------- likelihoods
def poisson_nll_loss(input, target, log_input=True, full=False, size_average=None,  # noqa: A002
                     eps=1e-8, reduce=None, reduction="mean"):
    """Negative log-likelihood of ``target`` under a Poisson distribution of rate
    ``exp(input)`` (``log_input=True``: ``exp(x) - t x``) or ``input`` (``x - t log(x +
    eps)``), without the constant ``log(t!)`` unless ``full`` adds its Stirling
    approximation ``t log t - t + log(2 pi t) / 2`` (for t > 1).

    Shape: input and target broadcastable; output scalar, or the broadcast shape for
    ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "poisson_nll_loss")
    check_tensor(target, "target", 2, "poisson_nll_loss")
    red = _reduction(reduction, size_average, reduce)
    broadcast_shapes(target.shape, input.shape)  # PyTorch meets it first in target * input
    if log_input:
        loss = input.exp() - target * input
    else:
        loss = input - target * (input + eps).log()
    if full:
        stirling = target * target.log() - target + 0.5 * (2 * math.pi * target).log()
        loss = loss + stirling.masked_fill(target <= 1, 0)
    return _apply_reduction(loss, red)


def gaussian_nll_loss(input, target, var, full=False, eps=1e-6, reduction="mean"):  # noqa: A002
    """Negative log-likelihood of ``target`` under a Gaussian of mean ``input`` and
    variance ``var``: ``(log(var) + (input - target)^2 / var) / 2`` (+ ``log(2 pi) / 2``
    with ``full``). ``var`` is clamped below at ``eps`` for stability; the clamp does not
    change its gradient.

    Shape:
        input ``(N, *)`` or ``(*)``; target the input's shape (or broadcastable); var the
        input's shape, the input's shape with the last dimension 1 or dropped (one
        variance shared by the last dimension), or a float. Output scalar, or the
        input's shape for ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "gaussian_nll_loss")
    check_tensor(target, "target", 2, "gaussian_nll_loss")
    if not isinstance(var, Tensor):
        if not isinstance(var, float):
            raise TypeError(f"gaussian_nll_loss(): var must be a Tensor or a float, not "
                            f"{type(var).__name__}")
        if var < 0:
            raise ValueError("var has negative entry/entries")
        dt = input._data.dtype if input._data.dtype.kind == "f" else np.float32
        var = Tensor._wrap(np.full(input.shape, var, dt))
    elif var.shape != input.shape:
        if tuple(input.shape[:-1]) == tuple(var.shape):
            var = var.unsqueeze(-1)
        elif (tuple(input.shape[:-1]) == tuple(var.shape[:-1]) and var.dim() > 0
              and var.shape[-1] == 1):
            pass
        else:
            raise ValueError("var is of incorrect size")
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    if bool((var._data < 0).any()):
        raise ValueError("var has negative entry/entries")
    broadcast_shapes(input.shape, target.shape)
    var = L.ClampKeepGrad.apply(var, eps)
    loss = 0.5 * (var.log() + (input - target) ** 2 / var)
    if full:
        loss = loss + 0.5 * math.log(2 * math.pi)
    return _apply_reduction(loss, _reduction(reduction))


# ---------------------------------------------------------------------------- margins
def margin_ranking_loss(input1, input2, target, margin=0, size_average=None,  # noqa: A002
                        reduce=None, reduction="mean"):
    """``max(0, -target (input1 - input2) + margin)``: ``target`` = 1 says input1 should
    rank higher, -1 lower.

    Shape: input1, input2 and target with the same number of dimensions, broadcastable;
    output scalar, or the broadcast shape for ``reduction='none'``.
    """
    check_tensor(input1, "input1", 1, "margin_ranking_loss")
    check_tensor(input2, "input2", 2, "margin_ranking_loss")
    check_tensor(target, "target", 3, "margin_ranking_loss")
    red = _reduction(reduction, size_average, reduce)
    if input1.dim() != input2.dim() or input1.dim() != target.dim():
        raise RuntimeError(f"margin_ranking_loss : All input tensors should have same dimension "
                           f"but got sizes: input1: {input1.shape}, input2: {input2.shape}, "
                           f"target: {target.shape} ")
    broadcast_shapes(broadcast_shapes(input1.shape, input2.shape), target.shape)
    return _apply_reduction((-target * (input1 - input2) + margin).clamp(min=0), red)


def hinge_embedding_loss(input, target, margin=1.0, size_average=None,  # noqa: A002
                         reduce=None, reduction="mean"):
    """``input`` where ``target`` is 1, ``max(0, margin - input)`` where it is -1 (for
    ``input`` a distance between the two items of a pair).

    Shape: input and target broadcastable; output scalar, or the broadcast shape for
    ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "hinge_embedding_loss")
    check_tensor(target, "target", 2, "hinge_embedding_loss")
    red = _reduction(reduction, size_average, reduce)
    broadcast_shapes(target.shape, input.shape)
    # a target other than +-1 gets both terms, as in PyTorch
    below_margin = where(target != 1, (margin - input).clamp(min=0), 0.0)
    return _apply_reduction(below_margin + where(target != -1, input, 0.0), red)


def cosine_embedding_loss(input1, input2, target, margin=0, size_average=None,  # noqa: A002
                          reduce=None, reduction="mean"):
    """``1 - cos(input1, input2)`` where ``target`` is 1, ``max(0, cos - margin)`` where
    it is -1; the cosine is taken along the last dimension.

    Shape: input1, input2 ``(N, D)`` or ``(D,)``; target ``(N,)`` or ``()``; output scalar,
    or the target's shape for ``reduction='none'``.
    """
    check_tensor(input1, "input1", 1, "cosine_embedding_loss")
    check_tensor(input2, "input2", 2, "cosine_embedding_loss")
    check_tensor(target, "target", 3, "cosine_embedding_loss")
    red = _reduction(reduction, size_average, reduce)
    tdim = target.dim()
    if tdim not in (0, 1):
        raise RuntimeError("0D or 1D target tensor expected, multi-target not supported")
    if tdim == 1 and (input1.dim() != 2 or input2.dim() != 2):
        raise RuntimeError(f"1D target tensor expects 2D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    if tdim == 0 and (input1.dim() != 1 or input2.dim() != 1):
        raise RuntimeError(f"0D target tensor expects 1D input tensors, but found inputs with "
                           f"sizes {list(input1.shape)} and {list(input2.shape)}.")
    shape = broadcast_shapes(input1.shape, input2.shape)
    broadcast_shapes(target.shape, shape[:-1])
    # 1e-12 inside each squared norm keeps 0-vectors from dividing by zero
    dot = (input1 * input2).sum(tdim)
    squared1 = (input1 * input1).sum(tdim) + 1e-12
    squared2 = (input2 * input2).sum(tdim) + 1e-12
    cos = dot / (squared1 * squared2).sqrt()
    loss = where(target == 1, 1 - cos, 0.0) + where(target == -1, (cos - margin).clamp(min=0),
                                                    0.0)
    return _apply_reduction(loss, red)


def _check_triplet_dims(anchor, positive, negative):
    a, p, n = anchor.dim(), positive.dim(), negative.dim()
    if not (a == p and p == n):
        raise RuntimeError(f"The anchor, positive, and negative tensors are expected to have the "
                           f"same number of dimensions, but got: anchor {a}D, positive {p}D, and "
                           f"negative {n}D inputs")


def triplet_margin_loss(anchor, positive, negative, margin=1.0, p=2, eps=1e-6, swap=False,
                        size_average=None, reduce=None, reduction="mean"):
    """``max(0, d(a, p) - d(a, n) + margin)`` with ``d`` the ``p``-norm
    ``pairwise_distance``; ``swap`` uses ``min(d(a, n), d(p, n))`` as the negative
    distance (Balntas et al., 2016).

    Shape: anchor, positive, negative ``(N, D)`` or ``(D,)`` (same number of
    dimensions, broadcastable); output scalar, or ``(N,)`` / ``()`` for
    ``reduction='none'``.
    """
    check_tensor(anchor, "anchor", 1, "triplet_margin_loss")
    check_tensor(positive, "positive", 2, "triplet_margin_loss")
    check_tensor(negative, "negative", 3, "triplet_margin_loss")
    red = _reduction(reduction, size_average, reduce)
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    d_pos = pairwise_distance(anchor, positive, p, eps)
    d_neg = pairwise_distance(anchor, negative, p, eps)
    if swap:
        d_neg = d_neg.minimum(pairwise_distance(positive, negative, p, eps))
    return _apply_reduction((margin + d_pos - d_neg).clamp(min=0), red)


def triplet_margin_with_distance_loss(anchor, positive, negative, *, distance_function=None,
                                      margin=1.0, swap=False, reduction="mean"):
    """``triplet_margin_loss`` with any ``distance_function(x1, x2)`` returning one
    non-negative distance per pair (default: ``pairwise_distance``).

    Shape: anchor, positive, negative ``(N, *)`` or ``(*)``, as the distance function
    takes them; output scalar, or the distances' shape for ``reduction='none'``.
    """
    if reduction not in ("mean", "sum", "none"):
        raise ValueError(f"{reduction} is not a valid value for reduction")
    if margin <= 0:
        raise ValueError(f"margin must be greater than 0, got {margin}")
    _check_triplet_dims(anchor, positive, negative)
    distance = pairwise_distance if distance_function is None else distance_function
    d_pos = distance(anchor, positive)
    d_neg = distance(anchor, negative)
    if swap:
        d_neg = d_neg.minimum(distance(positive, negative))
    return _apply_reduction((margin + d_pos - d_neg).clamp(min=0), _reduction(reduction))


def _check_margin_input(input):  # noqa: A002
    """The multi-class margin losses take a (C,) vector or an (N, C) matrix with C > 0."""
    ndim = input.dim()
    if not (ndim == 0 or (ndim <= 2 and input.shape[-1] != 0)):
        raise RuntimeError(f"Expected non-empty vector or matrix with optional 0-dim batch size, "
                           f"but got: {list(input.shape)}")
    if ndim <= 1:
        return 1, max(input.numel(), 1)
    return input.shape[0], input.shape[1]


def _require_long(target):
    if target._data.dtype != np.int64:
        raise RuntimeError(f"expected scalar type Long but found "
                           f"{_torch_type_name(target._data.dtype)}")


def multi_margin_loss(input, target, p=1, margin=1.0, weight=None,  # noqa: A002
                      size_average=None, reduce=None, reduction="mean"):
    """Multi-class hinge loss: per sample, ``sum over j != y of weight[y] max(0, margin -
    x[y] + x[j])^p / C`` for the target class ``y``; ``p`` is 1 or 2.

    Shape: input ``(N, C)`` or ``(C,)``; target ``(N,)`` or ``()`` (int64 in [0, C));
    weight ``(C,)``. Output scalar, or the target's shape for ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "multi_margin_loss")
    check_tensor(target, "target", 2, "multi_margin_loss")
    red = _reduction(reduction, size_average, reduce)
    if p != 1 and p != 2:
        raise ValueError("only p == 1 and p == 2 supported")
    if weight is not None and weight.dim() != 1:
        raise ValueError("weight must be one-dimensional")
    n_rows, n_classes = _check_margin_input(input)
    if target.dim() > 1 or target.numel() != n_rows:
        raise RuntimeError(f"multi_margin_loss: target tensor should be 1-D with size equal to "
                           f"the number of input samples (batch size). Expected target size "
                           f"[{n_rows}], but got {list(target.shape)}. Input has shape "
                           f"{list(input.shape)}.")
    if weight is not None and weight.numel() != n_classes:
        raise RuntimeError(f"inconsistent weight size, expected {n_classes} but got "
                           f"{list(weight.shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"multi_margin_loss_cpu\" not implemented for "
                                  f"'{_torch_type_name(input._data.dtype)}'")
    _require_long(target)
    if weight is not None and weight._data.dtype != input._data.dtype:
        raise RuntimeError(f"expected scalar type {_torch_type_name(input._data.dtype)} but "
                           f"found {_torch_type_name(weight._data.dtype)}")
    t = target._data
    if t.size and (t.min() < 0 or t.max() >= n_classes):
        raise RuntimeError("target out of range")
    out = L.MultiMarginLoss.apply(input, target, weight, p, float(margin), red)
    if red == L.NONE and out.shape != target.shape:
        out = out.reshape(target.shape)
    return out


def multilabel_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                           reduction="mean"):
    """Multi-label hinge loss: per sample, ``sum over target classes j and other classes
    k of max(0, 1 - (x[j] - x[k])) / C``. A target row lists class indices and ends at
    its first -1 (the rest is ignored).

    Shape: input ``(N, C)`` or ``(C,)``; target the input's shape (int64 in [-1, C));
    output scalar, or ``(N,)`` / ``()`` for ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "multilabel_margin_loss")
    check_tensor(target, "target", 2, "multilabel_margin_loss")
    red = _reduction(reduction, size_average, reduce)
    n_rows, n_classes = _check_margin_input(input)
    if input.dim() <= 1:
        ok = target.dim() <= 1 and target.numel() == n_classes
    else:
        ok = tuple(target.shape) == tuple(input.shape)
    if not ok:
        raise RuntimeError(f"inconsistent target size: {list(target.shape)} for input of size: "
                           f"{list(input.shape)}")
    if input._data.dtype.kind != "f":
        raise NotImplementedError(f"\"multilabel_margin_loss_forward_out_frame\" not "
                                  f"implemented for '{_torch_type_name(input._data.dtype)}'")
    _require_long(target)
    t = target._data
    if t.size and (t.min() < -1 or t.max() >= n_classes):
        raise RuntimeError("argument #2 'target' is out of range")
    return L.MultilabelMarginLoss.apply(input, target, red)


def multilabel_soft_margin_loss(input, target, weight=None, size_average=None,  # noqa: A002
                                reduce=None, reduction="mean"):
    """Multi-label one-versus-all logistic loss: per sample, the mean over the C classes
    of ``-w (t log sigmoid(x) + (1 - t) log sigmoid(-x))``.

    Shape: input ``(N, C)`` or ``(C,)``; target the input's shape (0/1 or probabilities);
    weight broadcastable to it (e.g. ``(C,)``). Output scalar, or ``(N,)`` / ``()`` for
    ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "multilabel_soft_margin_loss")
    check_tensor(target, "target", 2, "multilabel_soft_margin_loss")
    if size_average is not None or reduce is not None:
        reduction = _legacy_get_string(size_average, reduce)
    if input.dim() == 0:
        raise IndexError("Dimension specified as -1 but tensor has no dimensions")
    loss = -(target * logsigmoid(input) + (1 - target) * logsigmoid(-input))
    if weight is not None:
        loss = loss * weight
    class_dim = input.dim() - 1
    loss = loss.sum(class_dim) / input.shape[class_dim]
    if reduction not in ("none", "mean", "sum"):
        raise ValueError(f"{reduction} is not valid")
    return _apply_reduction(loss, _reduction(reduction))


def soft_margin_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                     reduction="mean"):
    """Two-class logistic loss ``log(1 + exp(-target * input))`` for targets of +-1.

    Shape: input and target broadcastable; output scalar, or the broadcast shape for
    ``reduction='none'``.
    """
    check_tensor(input, "input", 1, "soft_margin_loss")
    check_tensor(target, "target", 2, "soft_margin_loss")
    red = _reduction(reduction, size_average, reduce)
    if target.requires_grad and is_grad_enabled():
        raise RuntimeError("The function 'soft_margin_loss' is not differentiable with respect "
                           "to argument 'target'. This input cannot have requires_grad True.")
    broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    return L.SoftMarginLoss.apply(input, target, red)


# ---------------------------------------------------------------------------- sequences
def _lengths_array(lengths, name):
    """``input_lengths`` / ``target_lengths`` (a Tensor or a sequence of ints) as int64."""
    if isinstance(lengths, Tensor):
        if lengths._data.dtype.kind not in "iu":
            raise RuntimeError(f"{name} must be integral")
        return np.ascontiguousarray(lengths._data.reshape(-1), dtype=np.int64)
    values = list(lengths)
    for v in values:
        if isinstance(v, (bool, float)) or not isinstance(v, (int, np.integer)):
            raise TypeError(f"ctc_loss(): argument '{name}' must be tuple of ints, but found "
                            f"element of type {type(v).__name__}")
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _ctc_where(message):
    return f"{message} (while checking arguments for ctc_loss_allocate_outputs)"


def ctc_loss(log_probs, targets, input_lengths, target_lengths, blank=0, reduction="mean",
             zero_infinity=False):
    """Connectionist Temporal Classification loss (Graves et al., 2006): the negative
    log-probability of each target sequence, summed over all its alignments to the
    input frames (a label may repeat over frames; ``blank`` separates repeats).

    Args:
        log_probs (Tensor): ``(T, N, C)`` or ``(T, C)`` log-probabilities, e.g.
            ``log_softmax(..., dim=2)``. The gradient is PyTorch's: with respect to the
            logits of that ``log_softmax`` (``exp(log_probs) - posterior``).
        targets (Tensor): ``(N, S)`` padded (row n holds ``target_lengths[n]`` labels,
            then anything) or ``(sum(target_lengths),)`` concatenated; labels in [0, C),
            ``blank`` excluded by convention.
        input_lengths, target_lengths: ``(N,)`` int Tensors or tuples/lists of ints (both
            of one kind); each input length in [0, T], each target length in [0, S].
        blank (int): the blank class. Default: 0.
        reduction (str): ``'none'`` (per sample), ``'mean'`` (each loss divided by its
            target length, then averaged) or ``'sum'``. Default: ``'mean'``.
        zero_infinity (bool): an impossible alignment (input too short) gives loss 0
            and gradient 0 instead of inf and nan. Default: False.

    Shape: output ``(N,)`` (``()`` unbatched) for ``reduction='none'``, else scalar.

    Example::

        >>> logits = cynn.randn(50, 16, 20, requires_grad=True)
        >>> targets = cynn.randint(1, 20, (16, 30))
        >>> lengths_in = cynn.full((16,), 50, dtype=cynn.int64)
        >>> lengths_out = cynn.randint(10, 30, (16,))
        >>> loss = F.ctc_loss(logits.log_softmax(2), targets, lengths_in, lengths_out)
        >>> loss.backward()
    """
    check_tensor(log_probs, "log_probs", 1, "ctc_loss")
    check_tensor(targets, "targets", 2, "ctc_loss")
    red = _reduction(reduction)
    tensor_lengths = isinstance(input_lengths, Tensor)
    if tensor_lengths != isinstance(target_lengths, Tensor):
        raise TypeError("ctc_loss(): input_lengths and target_lengths must both be Tensors or "
                        "both be tuples of ints, got "
                        f"{type(input_lengths).__name__} and {type(target_lengths).__name__}")
    if not tensor_lengths:
        for value, name in ((input_lengths, "input_lengths"), (target_lengths, "target_lengths")):
            if not isinstance(value, (tuple, list)):
                raise TypeError(f"ctc_loss(): argument '{name}' must be tuple of ints, not "
                                f"{type(value).__name__}")
    in_len = _lengths_array(input_lengths, "input_lengths")
    tgt_len = _lengths_array(target_lengths, "target_lengths")
    # anything but (T, N, C) is taken as one unbatched sample (T, C): PyTorch's dimension
    # errors then name the unsqueezed tensor
    batched = log_probs.dim() == 3
    if not batched:
        log_probs = log_probs.unsqueeze(1)
    if log_probs.numel() == 0:
        raise RuntimeError("log_probs tensor must not be empty")
    if log_probs._data.dtype not in (np.float32, np.float64):
        raise NotImplementedError(f"\"ctc_loss_cpu\" not implemented for "
                                  f"'{_torch_type_name(log_probs._data.dtype)}'")
    if log_probs.dim() != 3:
        raise RuntimeError(_ctc_where(f"Expected 3-dimensional tensor, but got "
                                      f"{log_probs.dim()}-dimensional tensor for argument #1 "
                                      f"'log_probs'"))
    if not 1 <= targets.dim() <= 2:
        raise RuntimeError(_ctc_where(f"Expected 1 to 2 dimensions, but got "
                                      f"{targets.dim()}-dimensional tensor for argument #2 "
                                      f"'targets'"))
    t_max, n_batch, n_classes = log_probs.shape
    if not 0 <= blank < n_classes:
        raise RuntimeError("blank must be in label range")
    if in_len.size != n_batch:
        raise RuntimeError("input_lengths must be of size batch_size")
    if tgt_len.size != n_batch:
        raise RuntimeError("target_lengths must be of size batch_size")
    negative = tgt_len[tgt_len < 0]
    if negative.size:
        raise RuntimeError(_ctc_where(f"Expected target_lengths to have value at least 0, but "
                                      f"got value {negative[0]}"))
    labels = np.ascontiguousarray(targets._data.reshape(-1), dtype=np.int64)
    if targets.dim() == 1:
        offsets = np.zeros(n_batch, np.int64)
        np.cumsum(tgt_len[:-1], out=offsets[1:])
        total = int(tgt_len.sum())
        if targets.shape[0] != total:
            raise RuntimeError(_ctc_where(f"Expected tensor to have size {total} at dimension 0, "
                                          f"but got size {targets.shape[0]} for argument #2 "
                                          f"'targets'"))
    else:
        if targets.shape[0] != n_batch:
            raise RuntimeError(_ctc_where(f"Expected tensor to have size {n_batch} at dimension "
                                          f"0, but got size {targets.shape[0]} for argument #2 "
                                          f"'targets'"))
        longest = int(tgt_len.max(initial=0))
        if targets.shape[1] < longest:
            raise RuntimeError(_ctc_where(f"Expected tensor to have size at least {longest} at "
                                          f"dimension 1, but got size {targets.shape[1]} for "
                                          f"argument #2 'targets'"))
        offsets = np.arange(n_batch, dtype=np.int64) * targets.shape[1]
    for n in range(n_batch):
        if in_len[n] < 0:
            raise RuntimeError(_ctc_where(f"Expected input_lengths to have value at least 0, "
                                          f"but got value {in_len[n]}"))
        if in_len[n] > t_max:
            raise RuntimeError(_ctc_where(f"Expected input_lengths to have value at most "
                                          f"{t_max}, but got value {in_len[n]}"))
    # PyTorch reads out-of-range labels unchecked; the kernel indexes with them, so here
    # they are an error
    for n in range(n_batch):
        used = labels[offsets[n]:offsets[n] + tgt_len[n]]
        bad = used[(used < 0) | (used >= n_classes)]
        if bad.size:
            raise RuntimeError(f"ctc_loss: target label {bad[0]} of sample {n} is out of range "
                               f"[0, {n_classes})")
    loss = CtcLoss.apply(log_probs, labels, offsets, in_len, tgt_len, int(blank),
                         bool(zero_infinity))
    if zero_infinity:
        loss = where(loss == float("inf"), 0.0, loss)
    if red == L.MEAN:
        divisor = Tensor._wrap(np.maximum(tgt_len, 1).astype(loss._data.dtype))
        return (loss / divisor).mean()
    if red == L.SUM:
        return loss.sum()
    return loss if batched else loss.squeeze(0)


# ---------------------------------------------------------------------------- linear + loss
def linear_cross_entropy(input, linear_weight, target, *, linear_bias=None,  # noqa: A002
                         weight=None, reduction="mean", ignore_index=None, label_smoothing=0.0,
                         options=None):
    """``cross_entropy(linear(input, linear_weight, linear_bias), target, ...)``, with
    a K-dimensional weight ``(C, d1, ..., dK, in_features)`` giving logits
    ``(N, C, d1, ..., dK)``. ``ignore_index=None`` means -100 for class-index targets.

    ``options`` (a ``LinearCrossEntropyOptions``) evaluates the batch in chunks of
    ``options.batch_chunk_size`` rows (else ``k * in_features`` rows for
    ``chunking_method='aspect_ratio:k'``, k = 2 by default), so the (N, C) logits never
    exist at once; the loss and gradients are those of the reference path. As in
    PyTorch this covers class-index targets without label smoothing and a 2-d
    ``linear_weight``; anything else warns and takes the reference path.

    Shape:
        input ``(in_features,)`` or ``(N, in_features)``; linear_weight
        ``(C, in_features)`` or ``(C, d1, ..., dK, in_features)`` (K > 0 needs batched
        input); linear_bias ``(C,)`` or ``(C, d1, ..., dK)``; target and output as for
        ``cross_entropy`` of the logits.
    """
    check_tensor(input, "input", 1, "linear_cross_entropy")
    check_tensor(linear_weight, "linear_weight", 2, "linear_cross_entropy")
    check_tensor(target, "target", 3, "linear_cross_entropy")
    class_shape = tuple(linear_weight.shape[:-1])
    if len(class_shape) > 1 and input.dim() != 2:
        raise RuntimeError(f"K-dimensional loss defined by linear_weight shape "
                           f"{tuple(linear_weight.shape)} requires batched input, (N, "
                           f"{linear_weight.shape[-1]}), got unbatched input with shape "
                           f"{tuple(input.shape)}")
    if ignore_index is None:
        ignore_index = -100
    if options is not None:
        chunked = _linear_cross_entropy_chunked(input, linear_weight, target, linear_bias,
                                                weight, reduction, ignore_index,
                                                label_smoothing, options)
        if chunked is not None:
            return chunked
    flat_weight = linear_weight.reshape(-1, linear_weight.shape[-1])
    flat_bias = None if linear_bias is None else linear_bias.reshape(-1)
    logits = linear(input, flat_weight, flat_bias)
    if len(class_shape) > 1:
        logits = logits.reshape(input.shape[0], *class_shape)
    return cross_entropy(logits, target, weight=weight, ignore_index=ignore_index,
                         reduction=reduction, label_smoothing=label_smoothing)


def _chunk_rows(options, in_features):
    if options.batch_chunk_size is not None:
        return int(options.batch_chunk_size)
    method = options.chunking_method
    ratio = 2 if method in (None, "auto", "aspect_ratio") else int(method.split(":")[1])
    return max(1, ratio * in_features)


def _linear_cross_entropy_chunked(input, linear_weight, target, linear_bias,  # noqa: A002
                                  weight, reduction, ignore_index, label_smoothing, options):
    """The chunked evaluation, or None (after PyTorch's warning) where it does not apply."""
    if (reduction not in ("mean", "sum", "none") or label_smoothing != 0.0
            or target._data.dtype != np.int64 or linear_weight.dim() != 2):
        bias_shape = None if linear_bias is None else tuple(linear_bias.shape)
        _warnings.warn(f"linear_cross_entropy: ``options`` ignored; chunked path needs "
                       f"reduction in {{'mean','sum','none'}}, label_smoothing == 0, "
                       f"target.dtype == int64, out_features == (). Got "
                       f"reduction={reduction!r}, label_smoothing={label_smoothing}, "
                       f"target.dtype={target.dtype}, "
                       f"out_features={tuple(linear_weight.shape[1:-1])}, tracing=False, "
                       f"linear_bias.shape={bias_shape}.")
        return None
    red = _reduction(reduction)
    batched = input.dim() == 2
    if not batched:
        input, target = input.unsqueeze(0), target.unsqueeze(0)
    n_classes = linear_weight.shape[0]
    # the argument checks of cross_entropy on the logits' shape, without the logits
    logits_shape = Tensor._wrap(np.broadcast_to(np.zeros((), input._data.dtype),
                                                (input.shape[0], n_classes)))
    flat_weight = _check_nll_args(logits_shape, target, weight, ignore_index)
    fn = L.LinearCrossEntropyChunkedNone if red == L.NONE else L.LinearCrossEntropyChunked
    loss = fn.apply(input, linear_weight, linear_bias, target, flat_weight, red, ignore_index,
                    _chunk_rows(options, linear_weight.shape[1]))
    return loss if batched or red != L.NONE else loss.squeeze(0)
