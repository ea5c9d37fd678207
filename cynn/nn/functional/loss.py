"""Loss functions (``torch.nn.functional`` names, defaults and error messages).

``reduction`` is ``'none'`` (one loss per element / sample), ``'mean'`` or
``'sum'``; the legacy ``size_average`` / ``reduce`` flags still map onto it with
PyTorch's deprecation warning.
"""

import numpy as np

from ... import _warnings
from ..._creation import where
from ..._dtype import from_numpy_dtype, result_type
from ..._tensor import Size, Tensor, _torch_type_name
from ...autograd.functions import loss as L

__all__ = ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss", "binary_cross_entropy",
           "binary_cross_entropy_with_logits", "nll_loss", "cross_entropy", "kl_div"]


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


def _check_tensor(value, name, position, fn):
    if not isinstance(value, Tensor):
        raise TypeError(f"{fn}(): argument '{name}' (position {position}) must be Tensor, not "
                        f"{type(value).__name__}")


def _broadcast_shapes(a, b):
    """numpy's broadcast shape, with PyTorch's message when there is none."""
    a, b = tuple(a), tuple(b)
    n = max(len(a), len(b))
    pa, pb = (1,) * (n - len(a)) + a, (1,) * (n - len(b)) + b
    out = []
    for i, (x, y) in enumerate(zip(pa, pb)):
        if x != y and x != 1 and y != 1:
            raise RuntimeError(f"The size of tensor a ({x}) must match the size of tensor b "
                               f"({y}) at non-singleton dimension {i}")
        out.append(y if x == 1 else x)
    return tuple(out)


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
    _check_tensor(input, "input", 1, "mse_loss")
    _check_tensor(target, "target", 2, "mse_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction, size_average, reduce)
    _broadcast_shapes(input.shape, target.shape)
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
    _check_tensor(input, "input", 1, "l1_loss")
    _check_tensor(target, "target", 2, "l1_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction, size_average, reduce)
    _broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    errors = (input - target).abs()
    if weight is not None:
        return _weighted_pointwise(errors, weight, input, red)
    return _apply_reduction(errors, red)


def smooth_l1_loss(input, target, size_average=None, reduce=None,  # noqa: A002
                   reduction="mean", beta=1.0):
    """0.5 d^2 / beta where |d| < beta, else |d| - 0.5 beta (d = input - target);
    ``beta=0`` is the L1 loss."""
    _check_tensor(input, "input", 1, "smooth_l1_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction, size_average, reduce)
    if beta < 0:
        raise RuntimeError("smooth_l1_loss does not support negative values for beta.")
    _broadcast_shapes(input.shape, target.shape)
    input, target = _promote(input, target)
    if beta == 0:
        return _apply_reduction((input - target).abs(), red)
    return L.SmoothL1Loss.apply(input, target, red, beta)


def huber_loss(input, target, reduction="mean", delta=1.0, weight=None):  # noqa: A002
    """0.5 d^2 where |d| < delta, else delta (|d| - 0.5 delta) (d = input - target)."""
    _check_tensor(input, "input", 1, "huber_loss")
    _warn_size_mismatch(input, target)
    red = _reduction(reduction)
    if delta <= 0:
        raise RuntimeError("huber_loss does not support non-positive values for delta.")
    _broadcast_shapes(input.shape, target.shape)
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
    _check_tensor(input, "input", 1, "kl_div")
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
    _check_tensor(input, "input", 1, "binary_cross_entropy")
    _check_tensor(target, "target", 2, "binary_cross_entropy")
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
    _check_tensor(input, "input", 1, "binary_cross_entropy_with_logits")
    _check_tensor(target, "target", 2, "binary_cross_entropy_with_logits")
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
            _broadcast_shapes(extra.shape, target.shape)
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
    _check_tensor(input, "input", 1, "nll_loss")
    _check_tensor(target, "target", 2, "nll_loss")
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
    _check_tensor(input, "input", 1, "cross_entropy")
    _check_tensor(target, "target", 2, "cross_entropy")
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
