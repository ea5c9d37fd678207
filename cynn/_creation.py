"""Tensor creation: ``tensor``, ``zeros``, ``randn``, ``arange``, ``cat`` ..."""
import math
import numbers
import operator

import numpy as np

from . import _dtype
from ._random import generator as _rng
from ._tensor import (Size, Tensor, _canon_dim, _check_device, _flatten_data, _require_grad,
                      _shape_arg)
from .autograd.functions import shape as S

__all__ = ["tensor", "as_tensor", "from_numpy", "zeros", "ones", "empty", "full", "zeros_like",
           "ones_like", "empty_like", "full_like", "rand_like", "randn_like", "randint_like",
           "arange", "linspace", "eye", "rand", "randn", "randint", "randperm", "normal",
           "cat", "concat", "concatenate", "stack", "where", "scalar_tensor", "bernoulli",
           "multinomial"]


def _np_dtype(dtype, default=None):
    if dtype is None:
        return default if default is not None else _dtype.get_default_dtype().numpy
    return _dtype.to_dtype(dtype).numpy


def tensor(data, dtype=None, device=None, requires_grad=False, pin_memory=False):
    """A new tensor copying ``data`` (nested lists, numbers, arrays, tensors).

    Python floats become ``float32`` (the default dtype), ints ``int64``, bools ``bool``.

    Example::

        >>> cynn.tensor([[1., 2.]], requires_grad=True)
        tensor([[1., 2.]], requires_grad=True)
    """
    _check_device(device)
    array = _flatten_data(data)
    if dtype is not None:
        array = array.astype(_np_dtype(dtype))
    elif array.dtype.kind == "f" and not isinstance(data, (np.ndarray, np.generic, Tensor)):
        array = array.astype(_dtype.get_default_dtype().numpy)
    elif array.dtype.kind in "iu" and not isinstance(data, (np.ndarray, np.generic, Tensor)):
        array = array.astype(np.int64)
    elif array.dtype.kind not in "fiub":
        raise TypeError(f"Could not infer dtype of {type(data).__name__}")
    array = np.array(array, copy=True, order="C")
    _dtype.from_numpy_dtype(array.dtype)
    t = Tensor._wrap(array)
    if requires_grad:
        _require_grad(t)
    return t


def as_tensor(data, dtype=None, device=None):
    if isinstance(data, Tensor) and (dtype is None or data.dtype == _dtype.to_dtype(dtype)):
        return data
    if isinstance(data, np.ndarray) and (dtype is None or data.dtype == _np_dtype(dtype)):
        return from_numpy(data)
    return tensor(data, dtype=dtype, device=device)


def from_numpy(array):
    """A tensor sharing memory with ``array`` (writes show in both)."""
    if not isinstance(array, np.ndarray):
        raise TypeError(f"expected np.ndarray (got {type(array).__name__})")
    _dtype.from_numpy_dtype(array.dtype)
    return Tensor._wrap(array)


_INT64_MAX = 2 ** 63 - 1


def _size_arg(name, shape):
    """The ``size`` of a creation function, checked as PyTorch's argument parser and
    allocator check it (numpy would truncate 2.5, and say ValueError for the rest)."""
    whole = len(shape) == 1 and isinstance(shape[0], (tuple, list, Size))
    items = tuple(shape[0]) if whole else tuple(shape)
    sizes = []
    for pos, s in enumerate(items, 1):
        if isinstance(s, bool) or not hasattr(type(s), "__index__"):
            if len(items) == 1 or not whole and pos == 1:
                raise TypeError(f"{name}(): argument 'size' (position 1) must be tuple of "
                                f"ints, not {type(s).__name__}")
            raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos "
                            f"{pos} with error \"type must be tuple of ints,but got "
                            f"{type(s).__name__}\"")
        s = operator.index(s)
        if s > _INT64_MAX or s < -_INT64_MAX - 1:
            raise TypeError(f"{name}(): argument 'size' failed to unpack the object at pos "
                            f"{pos} with error \"Overflow when unpacking long long\"")
        sizes.append(s)
    if any(s < 0 for s in sizes):
        if name == "zeros":
            raise RuntimeError("zeros: Dimension size must be non-negative.")
        bad = next(s for s in sizes if s < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {bad}: {sizes}")
    if math.prod(sizes) > _INT64_MAX:
        raise RuntimeError(f"Storage size calculation overflowed with sizes={sizes}")
    return tuple(sizes)


def _new(shape, fill, dtype, requires_grad, device, default=None, name=None):
    _check_device(device)
    shape = _shape_arg(shape) if name is None else _size_arg(name, shape)
    dtype = _np_dtype(dtype, default)
    nbytes = math.prod(shape) * dtype.itemsize
    try:
        if nbytes > _INT64_MAX:
            raise MemoryError
        array = fill(shape, dtype)
    except MemoryError:
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to "
                           f"allocate {nbytes} bytes") from None
    t = Tensor._wrap(array)
    if requires_grad:
        _require_grad(t)
    return t


def zeros(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None):
    return _new(sizes if size is None else (size,), np.zeros, dtype, requires_grad, device,
                name="zeros")


def ones(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None):
    return _new(sizes if size is None else (size,), np.ones, dtype, requires_grad, device,
                name="ones")


def empty(*sizes, size=None, dtype=None, device=None, requires_grad=False, out=None):
    # zero-filled: uninitialised memory would make results depend on the allocator
    return _new(sizes if size is None else (size,), np.zeros, dtype, requires_grad, device,
                name="empty")


def full(size, fill_value, dtype=None, device=None, requires_grad=False):
    if dtype is None:
        default = (np.dtype(np.bool_) if isinstance(fill_value, bool) else
                   np.dtype(np.int64) if isinstance(fill_value, numbers.Integral) else None)
    else:
        default = None
    return _new((size,) if not isinstance(size, int) else (size,),
                lambda s, d: np.full(s, fill_value, d), dtype, requires_grad, device, default)


def zeros_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _new(input.shape, np.zeros, dtype, requires_grad, device, input._data.dtype)


def ones_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _new(input.shape, np.ones, dtype, requires_grad, device, input._data.dtype)


empty_like = zeros_like


def full_like(input, fill_value, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return _new(input.shape, lambda s, d: np.full(s, fill_value, d), dtype, requires_grad,
                device, input._data.dtype)


def rand(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Uniform samples in [0, 1) from cynn's one seeded generator (``generator`` is
    accepted for PyTorch compatibility and ignored)."""
    return _new(sizes if size is None else (size,),
                lambda s, d: _rng().random(s, dtype=np.float64).astype(d),
                dtype, requires_grad, device, name="rand")


def randn(*sizes, size=None, dtype=None, device=None, requires_grad=False, generator=None):
    """Standard-normal samples from cynn's one seeded generator (``generator`` is
    accepted for PyTorch compatibility and ignored)."""
    return _new(sizes if size is None else (size,),
                lambda s, d: _rng().standard_normal(s).astype(d),
                dtype, requires_grad, device, name="randn")


def rand_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return rand(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randn_like(input, dtype=None, device=None, requires_grad=False):  # noqa: A002
    return randn(*input.shape, dtype=dtype or input.dtype, requires_grad=requires_grad)


def randint(low=0, high=None, size=None, dtype=None, device=None, requires_grad=False,
            generator=None):
    """Integers in ``[low, high)``; ``randint(high, size)`` starts at 0."""
    if size is None:
        if high is None or not isinstance(high, (tuple, list)):
            raise TypeError("randint() missing required argument 'size'")
        low, high, size = 0, low, high
    elif high is None:
        low, high = 0, low
    if high <= low:
        raise RuntimeError(f"random_ expects 'from' to be less than 'to', but got from={low} "
                           f">= to={high}")
    return _new(tuple(size), lambda s, d: _rng().integers(low, high, s).astype(d),
                dtype, requires_grad, device, np.dtype(np.int64))


def randint_like(input, low=0, high=None, dtype=None):  # noqa: A002
    return randint(low, high, tuple(input.shape), dtype=dtype or input.dtype)


def randperm(n, dtype=None, device=None, requires_grad=False):
    return _new((n,), lambda s, d: _rng().permutation(n).astype(d), dtype, requires_grad,
                device, np.dtype(np.int64))


def normal(mean=0.0, std=1.0, size=None, *, generator=None, dtype=None, requires_grad=False):
    """Normal samples; ``mean`` and ``std`` may be tensors (broadcast) or floats."""
    m = mean._data if isinstance(mean, Tensor) else mean
    s = std._data if isinstance(std, Tensor) else std
    if size is None:
        shape = np.broadcast_shapes(np.shape(m), np.shape(s))
        if not isinstance(mean, Tensor) and not isinstance(std, Tensor):
            raise TypeError("normal() received an invalid combination of arguments - with float "
                            "mean and std a size is required")
    else:
        shape = _shape_arg((size,))
    if isinstance(s, np.ndarray) and np.any(s < 0) or not isinstance(s, np.ndarray) and s < 0:
        raise RuntimeError(f"normal expects std >= 0.0, but found std {s}")
    out_dtype = (mean._data.dtype if isinstance(mean, Tensor) else
                 std._data.dtype if isinstance(std, Tensor) else _np_dtype(dtype))
    sample = (m + s * _rng().standard_normal(shape)).astype(out_dtype)
    t = Tensor._wrap(np.asarray(sample))
    if requires_grad:
        _require_grad(t)
    return t


def bernoulli(input, p=None):  # noqa: A002
    prob = input._data if p is None else p
    return Tensor._wrap((_rng().random(input.shape) < prob).astype(input._data.dtype))


def multinomial(input, num_samples, replacement=False):  # noqa: A002
    p = input._data / input._data.sum(-1, keepdims=True)
    rows = p.reshape(-1, p.shape[-1])
    out = np.stack([_rng().choice(p.shape[-1], num_samples, replace=replacement, p=r)
                    for r in rows])
    return Tensor._wrap(out.reshape(*p.shape[:-1], num_samples).astype(np.int64))


def arange(start, end=None, step=1, dtype=None, device=None, requires_grad=False):
    """``[start, end)`` with ``step``; integers give int64, any float gives float32."""
    if end is None:
        start, end = 0, start
    if step == 0:
        raise RuntimeError("step must be nonzero")
    if (end - start) / step < 0:
        raise RuntimeError("upper bound and larger bound inconsistent with step sign")
    values = [v.item() if isinstance(v, Tensor) else v for v in (start, end, step)]
    is_int = all(isinstance(v, numbers.Integral) for v in values)
    default = np.dtype(np.int64) if is_int else None
    n = max(0, math.ceil((values[1] - values[0]) / values[2]))
    return _new((n,), lambda s, d: (values[0] + values[2] * np.arange(n, dtype=np.float64)
                                    ).astype(d) if not is_int else
                np.arange(values[0], values[1], values[2]).astype(d),
                dtype, requires_grad, device, default)


def linspace(start, end, steps, dtype=None, device=None, requires_grad=False):
    return _new((steps,), lambda s, d: np.linspace(start, end, steps).astype(d),
                dtype, requires_grad, device)


def eye(n, m=None, dtype=None, device=None, requires_grad=False):
    return _new((n, n if m is None else m), lambda s, d: np.eye(*s, dtype=d),
                dtype, requires_grad, device)


def scalar_tensor(value, dtype=None):
    return tensor(value, dtype=dtype or _dtype.get_default_dtype())


def _check_sequence(tensors, name):
    if isinstance(tensors, Tensor) or not isinstance(tensors, (list, tuple)):
        raise TypeError(f"{name}(): argument 'tensors' (position 1) must be tuple of Tensors, "
                        f"not {type(tensors).__name__}")
    if len(tensors) == 0:
        if name == "stack":
            raise RuntimeError("stack expects a non-empty TensorList")
        raise ValueError(f"{name}(): expected a non-empty list of Tensors")
    for i, t in enumerate(tensors):
        if not isinstance(t, Tensor):
            raise TypeError(f"expected Tensor as element {i} in argument 0, but got "
                            f"{type(t).__name__}")


def cat(tensors, dim=0):
    """Join tensors along an existing ``dim``; other sizes must match."""
    _check_sequence(tensors, "cat")
    tensors = [t for t in tensors if not (t.dim() == 1 and t.numel() == 0)] or list(tensors[:1])
    ref = tensors[0]
    d = _canon_dim(dim, ref.dim())
    for i, t in enumerate(tensors):
        if t.dim() != ref.dim():
            raise RuntimeError(f"Tensors must have same number of dimensions: got {ref.dim()} "
                               f"and {t.dim()}")
        for k in range(ref.dim()):
            if k != d and t.shape[k] != ref.shape[k]:
                raise RuntimeError(
                    f"Sizes of tensors must match except in dimension {d}. Expected size "
                    f"{ref.shape[k]} but got size {t.shape[k]} for tensor number {i} in the list.")
    dt = _dtype.result_type(*[t._data for t in tensors])
    tensors = [t if t._data.dtype == dt else t.to(_dtype.from_numpy_dtype(dt)) for t in tensors]
    return S.Cat.apply(d, *tensors)


concat = concatenate = cat


def stack(tensors, dim=0):
    """Join equally shaped tensors along a new ``dim``."""
    _check_sequence(tensors, "stack")
    ref = tensors[0]
    d = _canon_dim(dim, ref.dim() + 1)
    for i, t in enumerate(tensors):
        if t.shape != ref.shape:
            raise RuntimeError(f"stack expects each tensor to be equal size, but got "
                               f"{list(ref.shape)} at entry 0 and {list(t.shape)} at entry {i}")
    dt = _dtype.result_type(*[t._data for t in tensors])
    tensors = [t if t._data.dtype == dt else t.to(_dtype.from_numpy_dtype(dt)) for t in tensors]
    return S.Stack.apply(d, *tensors)


def where(condition, input=None, other=None):  # noqa: A002
    """``input`` where ``condition`` else ``other`` (broadcast); gradients flow to both."""
    from ._tensor import _operand
    from .autograd.functions.elementwise import Where
    if input is None and other is None:
        return condition.nonzero(as_tuple=True)
    cond = condition if isinstance(condition, Tensor) else Tensor._wrap(np.asarray(condition))
    if cond._data.dtype != np.bool_:
        raise RuntimeError(f"where expected condition to be a boolean tensor, but got a tensor "
                           f"with dtype {cond.dtype.name.capitalize()}")
    a, b = _operand(input), _operand(other)
    if not isinstance(a, Tensor) and not isinstance(b, Tensor):
        a = Tensor._wrap(np.asarray(a, dtype=_dtype.result_type(a, b)))
    return Where.apply(cond, a, b)
