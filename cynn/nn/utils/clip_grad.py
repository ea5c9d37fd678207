"""Gradient clipping (mirrors ``torch.nn.utils.clip_grad``).

The norms are reduced in numpy straight from the gradients' buffers: clipping runs
outside the graph, and the in-place writes go through the tensors' own ``mul_`` /
``copy_`` so that version counters move as in PyTorch.
"""
import math
import types
import warnings

import numpy as np

from ... import _dtype
from ..._tensor import Tensor, _torch_type_name
from ...autograd import no_grad

__all__ = ["clip_grad_norm", "clip_grad_norm_", "clip_grad_value_", "clip_grads_with_norm_",
           "get_total_norm"]


def _as_list(tensors):
    return [tensors] if isinstance(tensors, Tensor) else list(tensors)


def _groups(tensors):
    """Tensors grouped by dtype, in order of first appearance (PyTorch groups by
    (device, dtype) too; on the CPU only the dtype matters)."""
    groups = {}
    for t in tensors:
        groups.setdefault((t.device, t.dtype), []).append(t)
    return groups.values()


def _vector_norm(x, p, foreach):
    """``linalg.vector_norm(x, p)`` of a numpy array, in its dtype (as a 0-d array)."""
    if x.dtype.kind != "f":
        raise RuntimeError("linalg.vector_norm: Expected a floating point or complex tensor as "
                           f"input. Got {_torch_type_name(x.dtype)}")
    if x.size == 0 and (p < 0 or p == math.inf):
        # max, min and a negative power sum have no value over no elements
        if p == math.inf and foreach:
            raise RuntimeError("_foreach_norm cannot compute the infinity norm on an empty "
                               "tensor because the operation does not have an identity")
        raise RuntimeError(f"linalg.vector_norm cannot compute the {p:g} norm on an empty tensor "
                           "because the operation does not have an identity")
    # PyTorch accumulates in the tensor's dtype (float32 for float16), so a float32
    # sum of squares overflows to inf where float64 would not; one element is |x| as is.
    acc = np.float64 if x.dtype == np.float64 else np.float32
    a = np.abs(x.astype(acc, copy=False)).ravel()
    with np.errstate(divide="ignore", over="ignore", invalid="ignore"):
        if p == math.inf or (a.size == 1 and p != 0):
            value = a.max()
        elif p == -math.inf:
            value = a.min()
        elif p == 0:
            value = np.count_nonzero(a)
        elif p == 1:
            value = a.sum()
        elif p == 2:
            value = np.sqrt(np.square(a).sum())
        else:
            # |0|^p = inf for p < 0, so any zero makes the norm inf^(1/p) = 0, as in PyTorch
            value = np.sum(a ** acc(p)) ** acc(1.0 / p)
    return np.asarray(value, dtype=x.dtype)


def get_total_norm(tensors, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    r"""The ``norm_type``-norm of all ``tensors`` together, as if concatenated into one vector.

    It is the norm of the vector of the tensors' individual norms, so ``norm_type=0``
    counts the tensors that have a nonzero element, as in PyTorch.

    Args:
        tensors (Iterable[Tensor] or Tensor): the tensors (often the ``.grad`` of parameters).
        norm_type (float or str): ``p`` of the p-norm; ``inf``/``'inf'`` is the largest
            absolute value, ``-inf`` the smallest. Default: 2.0.
        error_if_nonfinite (bool): raise RuntimeError when the total norm is nan, inf or
            -inf. Default: False.
        foreach (bool, optional): accepted for PyTorch compatibility; cynn has one CPU
            implementation, so it changes nothing but which of PyTorch's messages an
            empty tensor with ``norm_type=inf`` raises.

    Returns:
        Tensor: the total norm, shape ``()``, in the dtype the tensors' dtypes promote
        to; ``tensor(0.)`` when there are no tensors.

    Example::

        >>> cynn.nn.utils.get_total_norm([cynn.tensor([3.0]), cynn.tensor([4.0])])
        tensor(5.)
    """
    with no_grad():
        tensors = _as_list(tensors)
        norm_type = float(norm_type)
        if not tensors:
            return Tensor._wrap(np.zeros((), _dtype.get_default_dtype().numpy))
        norms = []
        for group in _groups(tensors):
            # PyTorch's foreach kernels take plain Tensors only, not subclasses like Parameter
            use_foreach = foreach or (foreach is None and all(type(t) is Tensor for t in group))
            norms.extend(_vector_norm(t._data, norm_type, use_foreach) for t in group)
        stacked = np.stack(norms).astype(np.result_type(*norms), copy=False)
        total = _vector_norm(stacked, norm_type, False)
        if error_if_nonfinite and not np.isfinite(total):
            raise RuntimeError(
                f"The total norm of order {norm_type} for gradients from `parameters` is "
                "non-finite, so it cannot be clipped. To disable this error and scale the "
                "gradients by the non-finite norm anyway, set `error_if_nonfinite=False`")
        return Tensor._wrap(total)


def clip_grads_with_norm_(parameters, max_norm, total_norm, foreach=None):
    r"""Scale the gradients in place by ``min(max_norm / (total_norm + 1e-6), 1)``.

    :func:`clip_grad_norm_` with a precomputed ``total_norm`` (from :func:`get_total_norm`,
    e.g. reduced across processes first). Gradients are only ever scaled down.

    Args:
        parameters (Iterable[Tensor] or Tensor): tensors whose ``.grad`` is scaled;
            those without a gradient are skipped.
        max_norm (float): the largest total norm to allow.
        total_norm (Tensor): the total norm of the gradients, shape ``()``.
        foreach (bool, optional): accepted for PyTorch compatibility; no effect.

    Returns:
        None
    """
    with no_grad():
        parameters = _as_list(parameters)
        grads = [p.grad for p in parameters if p.grad is not None]
        max_norm = float(max_norm)
        if not grads:
            return None
        if not isinstance(total_norm, Tensor):
            raise TypeError(
                "clamp() received an invalid combination of arguments - got "
                f"({type(total_norm).__name__}, max=float), but expected one of:\n"
                " * (Tensor input, Tensor min = None, Tensor max = None, *, Tensor out = None)\n"
                " * (Tensor input, Number min = None, Number max = None, *, Tensor out = None)\n")
        norm = total_norm._data
        if norm.dtype.kind != "f":
            norm = norm.astype(_dtype.get_default_dtype().numpy)
        # PyTorch evaluates max_norm / (norm + 1e-6) as reciprocal(norm + 1e-6) * max_norm,
        # every step in the norm's dtype; the clamp keeps a nan coefficient nan.
        one = norm.dtype.type(1)
        coef = np.reciprocal(norm + norm.dtype.type(1e-6)) * norm.dtype.type(max_norm)
        coef = np.minimum(coef, one)
        for g in grads:
            # the 0-d coefficient is cast to the gradient's dtype before the product
            g.mul_(Tensor._wrap(coef.astype(g._data.dtype)))
        return None


def clip_grad_norm_(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False,
                    foreach=None):
    r"""Clip the gradients' total norm to ``max_norm``, in place; return the norm before.

    The total norm is that of all gradients concatenated into one vector
    (:func:`get_total_norm`); each gradient is multiplied by
    ``min(max_norm / (total_norm + 1e-6), 1)`` (:func:`clip_grads_with_norm_`).

    Args:
        parameters (Iterable[Tensor] or Tensor): tensors whose ``.grad`` is clipped;
            those without a gradient are skipped.
        max_norm (float): the largest total norm to allow.
        norm_type (float or str): ``p`` of the p-norm; ``inf``/``'inf'`` for the
            largest absolute value. Default: 2.0.
        error_if_nonfinite (bool): raise RuntimeError, leaving the gradients untouched,
            when the total norm is nan, inf or -inf; with False the gradients are scaled
            by the non-finite norm anyway. Default: False.
        foreach (bool, optional): accepted for PyTorch compatibility; no effect.

    Returns:
        Tensor: the total norm of the gradients before clipping, shape ``()``.

    Example::

        >>> w = cynn.nn.Parameter(cynn.zeros(2))
        >>> w.grad = cynn.tensor([3.0, 4.0])
        >>> cynn.nn.utils.clip_grad_norm_([w], max_norm=1.0)
        tensor(5.)
        >>> w.grad
        tensor([0.6000, 0.8000])
    """
    if isinstance(parameters, Tensor):
        parameters = [parameters]
    else:
        is_generator = isinstance(parameters, types.GeneratorType)
        parameters = list(parameters)  # a generator is read once, and needed twice
        if is_generator and not parameters:
            warnings.warn("`parameters` is an empty generator, no gradient clipping will occur.",
                          stacklevel=2)
    grads = [p.grad for p in parameters if p.grad is not None]
    total_norm = get_total_norm(grads, norm_type, error_if_nonfinite, foreach)
    clip_grads_with_norm_(parameters, max_norm, total_norm, foreach)
    return total_norm


def clip_grad_norm(parameters, max_norm, norm_type=2.0, error_if_nonfinite=False, foreach=None):
    """Deprecated alias of :func:`clip_grad_norm_` (a FutureWarning says so, as in PyTorch)."""
    warnings.warn("`torch.nn.utils.clip_grad_norm` is now deprecated in favor of "
                  "`torch.nn.utils.clip_grad_norm_`.", FutureWarning, stacklevel=2)
    return clip_grad_norm_(parameters, max_norm, norm_type, error_if_nonfinite, foreach)


def clip_grad_value_(parameters, clip_value, foreach=None):
    r"""Clamp every gradient in place to ``[-clip_value, clip_value]``.

    Args:
        parameters (Iterable[Tensor] or Tensor): tensors whose ``.grad`` is clamped;
            those without a gradient are skipped.
        clip_value (float): the largest absolute value to allow.
        foreach (bool, optional): accepted for PyTorch compatibility; no effect.

    Returns:
        None

    Example::

        >>> w = cynn.nn.Parameter(cynn.zeros(3))
        >>> w.grad = cynn.tensor([-3.0, 0.5, 2.0])
        >>> cynn.nn.utils.clip_grad_value_(w, 1.0)
        >>> w.grad
        tensor([-1.0000,  0.5000,  1.0000])
    """
    with no_grad():
        parameters = _as_list(parameters)
        clip_value = float(clip_value)
        for p in parameters:
            g = p.grad
            if g is None:
                continue
            # clamp_min then clamp_max, as PyTorch's foreach path: a nan bound or value
            # stays nan, and clip_value < 0 leaves every element at clip_value
            low = np.maximum(g._data, g._data.dtype.type(-clip_value))
            g.copy_(Tensor._wrap(np.minimum(low, g._data.dtype.type(clip_value))))
        return None
