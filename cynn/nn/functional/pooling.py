"""Functional pooling: ``max_pool1d/2d/3d``, ``avg_pool1d/2d/3d``,
``adaptive_avg_pool1d/2d/3d``, ``adaptive_max_pool1d/2d/3d``, ``max_unpool1d/2d/3d``,
``lp_pool1d/2d/3d`` and ``fractional_max_pool2d/3d``.

This layer parses the arguments, computes output sizes and raises PyTorch's
exceptions with PyTorch's messages, in PyTorch's order (where PyTorch routes an
op through two code paths with different messages, as ``max_pool1d`` does, the
same path is taken here). Then it calls one autograd Function of
``cynn/autograd/functions/pool.py``. Every kernel index is validated here first.

Output size of a windowed pooling along one axis (PyTorch's rule)::

    out = floor_or_ceil((in + 2 * padding - dilation * (kernel - 1) - 1) / stride) + 1

where ``ceil_mode`` drops the last window if it would start past the input and
its left padding: ``(out - 1) * stride >= in + padding``.

Argument ranges, as PyTorch's: every int argument is an int64 (``ValueError`` or
``TypeError`` beyond), and 2-d and 3-d pooling -- 2-d also runs ``avg_pool1d`` and
``max_pool1d`` with indices or gradients -- convert their windows to C ``int``
(``RuntimeError`` beyond). Only ``max_pool1d``'s direct path takes int64
windows; those are clamped to the taps that can reach the input (see
``_max_pool1d_windows``) so that the kernels see values of the input's order.

Where PyTorch composes an op from others, so does cynn, with the same errors and
``grad_fn`` names: 1-d adaptive pooling and ``max_unpool1d`` are their 2-d forms
on an unsqueezed input, ``lp_pool*`` is ``avg_pool*`` of ``x ** p`` (``max_pool*``
of ``|x|`` for ``p = inf``).
"""
import math
import numbers

import numpy as np

from ...autograd.functions import pool as P
from ...autograd.grad_mode import is_grad_enabled

__all__ = ["max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices",
           "max_pool2d_with_indices", "max_pool3d_with_indices", "avg_pool1d", "avg_pool2d",
           "avg_pool3d", "adaptive_avg_pool1d", "adaptive_avg_pool2d", "adaptive_avg_pool3d",
           "adaptive_max_pool1d", "adaptive_max_pool2d", "adaptive_max_pool3d",
           "adaptive_max_pool1d_with_indices", "adaptive_max_pool2d_with_indices",
           "adaptive_max_pool3d_with_indices", "max_unpool1d", "max_unpool2d", "max_unpool3d",
           "lp_pool1d", "lp_pool2d", "lp_pool3d", "fractional_max_pool2d",
           "fractional_max_pool3d", "fractional_max_pool2d_with_indices",
           "fractional_max_pool3d_with_indices"]

_SCALAR_NAMES = {np.dtype(np.float16): "Half", np.dtype(np.float32): "Float",
                 np.dtype(np.float64): "Double", np.dtype(np.int64): "Long",
                 np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
                 np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
                 np.dtype(np.bool_): "Bool"}
_FLOATS = frozenset(np.dtype(t) for t in (np.float16, np.float32, np.float64))
_INTEGERS = frozenset(np.dtype(t) for t in (np.int8, np.int16, np.int32, np.int64, np.uint8))
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1
_INT32_MIN, _INT32_MAX = -2 ** 31, 2 ** 31 - 1
# PyTorch's argument parser, for an int outside int64
_INT64_OVERFLOW = "Overflow when unpacking long long"


# ------------------------------------------------------------------ arguments
def _type_name(value):
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _check_input(fn, input, position=1, arg="input"):
    from ..._tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be Tensor, "
                        f"not {_type_name(input)}")
    return input._data


def _int_list(fn, arg, position, value, expand_to):
    """PyTorch's ``int[n]`` argument: an int becomes ``expand_to`` copies, a sequence
    of ints a tuple of any length (checked by the caller)."""
    if _is_int(value):
        if not _INT64_MIN <= value <= _INT64_MAX:
            raise ValueError(_INT64_OVERFLOW)
        return (int(value),) * expand_to
    if not isinstance(value, (tuple, list)):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be tuple of "
                        f"ints, not {_type_name(value)}")
    _check_int_elements(fn, arg, position, value)
    return tuple(int(v) for v in value)


def _check_int_elements(fn, arg, position, values):
    """PyTorch's two messages: a bad first element, or a bad later one (1-based)."""
    for i, v in enumerate(values):
        if _is_int(v):
            if not _INT64_MIN <= v <= _INT64_MAX:
                raise TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos "
                                f'{i + 1} with error "{_INT64_OVERFLOW}"')
            continue
        if i == 0:
            raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be tuple "
                            f"of ints, but found element of type {_type_name(v)} at pos 0")
        raise TypeError(f"{fn}(): argument '{arg}' failed to unpack the object at pos {i + 1} "
                        f'with error "type must be tuple of ints,but got {_type_name(v)}"')


def _check_bool(fn, arg, position, value):
    if not isinstance(value, (bool, np.bool_)):
        raise TypeError(f"{fn}(): argument '{arg}' (position {position}) must be bool, "
                        f"not {_type_name(value)}")
    return bool(value)


def _check_dtype(kernel_name, x, allowed):
    if x.dtype not in allowed:
        raise NotImplementedError(f'"{kernel_name}" not implemented for '
                                  f"'{_SCALAR_NAMES.get(x.dtype, str(x.dtype))}'")


def _int32(values):
    """PyTorch's ``safe_downcast<int, int64_t>`` of each value."""
    for v in values:
        if not _INT32_MIN <= v <= _INT32_MAX:
            raise RuntimeError("value cannot be converted to type int without overflow")
    return values


def _wrap_int64(value):
    """``value`` as int64 arithmetic leaves it (two's complement wrap-around)."""
    return (value - _INT64_MIN) % 2 ** 64 + _INT64_MIN


def _check_new_shape(shape):
    """The checks PyTorch makes before allocating a tensor of a caller-chosen size:
    its element count, then its strides (sizes 0 counted as 1), within int64."""
    numel = 1
    for n in shape:
        numel *= n
    if numel > _INT64_MAX:
        raise RuntimeError("numel: integer multiplication overflow")
    stride = 1
    for n in reversed(shape[1:]):
        stride *= max(n, 1)
        if stride > _INT64_MAX:
            raise RuntimeError("Stride calculation overflowed")


def _size(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _pair_or_single(values):
    """A length-1 list stands for both axes (PyTorch's ``size() == 1 ? a : b``)."""
    return (values[0], values[0]) if len(values) == 1 else tuple(values)


# --------------------------------------------------------------- output sizes
def _trunc_div(a, b):
    """C++ integer division (rounds toward zero; Python's ``//`` floors)."""
    q = abs(a) // abs(b)
    return q if (a >= 0) == (b > 0) else -q


def _pooled_size(size, kernel, pad, stride, dilation, ceil_mode):
    out = (size + 2 * pad - dilation * (kernel - 1) - 1
           + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + pad:
        out -= 1
    return out


def _checked_pooled_size(size, kernel, pad, stride, dilation, ceil_mode):
    """PyTorch's ``pooling_output_shape``: the first checks, per axis."""
    if stride == 0:
        raise RuntimeError("stride should not be zero")
    if pad < 0:
        raise RuntimeError(f"pad must be non-negative, but got pad: {pad}")
    if pad > _trunc_div((kernel - 1) * dilation + 1, 2):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={pad}, kernel_size={kernel} and dilation={dilation}")
    return _pooled_size(size, kernel, pad, stride, dilation, ceil_mode)


def _pool2d_geometry(name, shape, kernel, stride, padding, dilation, ceil_mode,
                     divisor_override=None):
    """Kernel/stride/padding/dilation lists -> ``(kh, kw)`` etc. and the output size,
    with the checks of PyTorch's 2-d pooling (``max_pool2d_with_indices`` and
    ``avg_pool2d``) in its order. ``shape`` is the (possibly unsqueezed) input's."""
    # Each argument's length, then its conversion to int, in PyTorch's order.
    if len(kernel) not in (1, 2):
        raise RuntimeError(f"{name}: kernel_size must either be a single int, "
                           "or a tuple of two ints")
    (kh, kw) = _int32(_pair_or_single(kernel))
    if len(stride) not in (0, 1, 2):
        raise RuntimeError(f"{name}: stride must either be omitted, a single int, "
                           "or a tuple of two ints")
    (sh, sw) = _int32(_pair_or_single(stride)) if stride else (kh, kw)
    if len(padding) not in (1, 2):
        raise RuntimeError(f"{name}: padding must either be a single int, "
                           "or a tuple of two ints")
    (ph, pw) = _int32(_pair_or_single(padding))
    if len(dilation) not in (1, 2):
        raise RuntimeError(f"{name}: dilation must be either a single int, "
                           "or a tuple of two ints")
    (dh, dw) = _int32(_pair_or_single(dilation))
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    if len(shape) not in (3, 4):
        # max_pool2d says this before computing sizes; avg_pool2d fails indexing dim -3.
        if name == "avg_pool2d" and len(shape) < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-len(shape)}, {len(shape) - 1}], but got -3)")
        if name == "max_pool2d":
            raise RuntimeError("non-empty 3D or 4D (batch mode) tensor expected for input")
    c_in, h_in, w_in = shape[-3], shape[-2], shape[-1]
    h_out = _checked_pooled_size(h_in, kh, ph, sh, dh, ceil_mode)
    w_out = _checked_pooled_size(w_in, kw, pw, sw, dw, ceil_mode)
    # PyTorch's pool2d_shape_check
    if kw <= 0 or kh <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kH: {kh} kW: {kw}")
    if sw <= 0 or sh <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dH: {sh} dW: {sw}")
    if dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationH: {dh} "
                           f"dilationW: {dw}")
    non_empty = shape[1] != 0 and shape[2] != 0
    if not ((len(shape) == 3 and shape[0] != 0 and non_empty)
            or (len(shape) == 4 and non_empty and shape[3] != 0)):
        raise RuntimeError("Expected 3D or 4D (batch mode) tensor with optional 0 dim batch "
                           f"size for input, but got:{_size(shape)}")
    if _trunc_div(kw, 2) < pw or _trunc_div(kh, 2) < ph:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                           f"got padW = {pw}, padH = {ph}, kW = {kw}, kH = {kh}")
    if w_out < 1 or h_out < 1:
        raise RuntimeError(f"Given input size: ({c_in}x{h_in}x{w_in}). Calculated output "
                           f"size: ({c_in}x{h_out}x{w_out}). Output size is too small")
    return P.PoolWindow((kh, kw), (sh, sw), (ph, pw), (dh, dw), (h_out, w_out), 2)


def _as_1d_window(window):
    return window._replace(dims=1)


def _check_dim_range(fn, x, low, high):
    """PyTorch's ``checkDimRange`` (``high`` exclusive)."""
    if not low <= x.ndim < high:
        raise RuntimeError(f"Expected {low} to {high - 1} dimensions, but got "
                           f"{x.ndim}-dimensional tensor for argument #1 'self' (while checking "
                           f"arguments for {fn})")


def _check_one(fn, arg, values):
    if len(values) != 1:
        raise RuntimeError(f"{fn}() argument '{arg}' should contain one int (got {len(values)})")


# --------------------------------------------------------- checked windows
# Windows already checked, by input shape and arguments: the checks above cost
# ~5 us a call, as much as a LeNet-sized pooling kernel.
_MAX_POOL2D_WINDOWS = {}
_WINDOWS_KEPT = 256


def _window_key(shape, *arguments):
    """A key for arguments of plain types only (int, bool, None, tuples or lists of
    ints), with the types in it: ``True`` and ``1`` compare equal but are checked
    differently. None for anything else, which is then checked every time."""
    key = [shape]
    for value in arguments:
        kind = type(value)
        if kind is int or kind is bool or value is None:
            key.append((kind, value))
        elif (kind is tuple or kind is list) and all(type(v) is int for v in value):
            key.append((tuple, tuple(value)))
        else:
            return None
    return tuple(key)


def _remember(cache, key, window):
    if len(cache) >= _WINDOWS_KEPT:
        cache.clear()
    cache[key] = window


def _max_pool_args(fn, dims, kernel_size, stride, padding, dilation, ceil_mode):
    """The argument checks of PyTorch's ``max_pool{dims}d`` binding, in its order:
    int lists of length ``dims`` (``stride`` ``()`` when omitted), a bool."""
    kernel = _int_list(fn, "kernel_size", 2, kernel_size, dims)
    stride = () if stride is None else _int_list(fn, "stride", 3, stride, dims)
    padding = _int_list(fn, "padding", 4, padding, dims)
    dilation = _int_list(fn, "dilation", 5, dilation, dims)
    return kernel, stride, padding, dilation, _check_bool(fn, "ceil_mode", 6, ceil_mode)


def _check_divisor_override(fn, divisor_override):
    """The binding's check of ``divisor_override``: None or an int64."""
    if divisor_override is not None and not _is_int(divisor_override):
        raise TypeError(f"{fn}(): argument 'divisor_override' must be int, "
                        f"not {_type_name(divisor_override)}")
    if divisor_override is not None and not _INT64_MIN <= divisor_override <= _INT64_MAX:
        raise ValueError(_INT64_OVERFLOW)


# ---------------------------------------------------------------- max pooling
def max_pool2d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """2-d max pooling over the last two axes, with ``-inf`` padding.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size, stride (default ``kernel_size``), padding (at most half the
            kernel), dilation: an int or a pair ``(h, w)``.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the argmax, as flat offsets ``h * W + w`` into
            each input plane (what ``max_unpool2d`` takes).

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)`` with
        ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
        / stride[0]) + 1`` (``ceil`` in ceil_mode), likewise ``W_out``.

    Example::

        >>> x = cynn.arange(16.).reshape(1, 1, 4, 4)
        >>> F.max_pool2d(x, 2)
        tensor([[[[ 5.,  7.],
                  [13., 15.]]]])
    """
    x = _check_input("max_pool2d", input)
    key = _window_key(x.shape, kernel_size, stride, padding, dilation, ceil_mode)
    window = _MAX_POOL2D_WINDOWS.get(key) if key is not None else None
    if window is None:
        kernel, stride, padding, dilation, ceil_mode = _max_pool_args(
            "max_pool2d", 2, kernel_size, stride, padding, dilation, ceil_mode)
        window = _pool2d_geometry("max_pool2d", x.shape, kernel, stride, padding, dilation,
                                  ceil_mode)
        if key is not None:
            _remember(_MAX_POOL2D_WINDOWS, key, window)
    _check_dtype("max_pool2d", x, _FLOATS | _INTEGERS)
    return P.MaxPool2d.apply(input, window=window, return_indices=bool(return_indices))


def max_pool2d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """``max_pool2d(..., return_indices=True)``: returns ``(output, indices)``."""
    return max_pool2d(input, kernel_size, stride, padding, dilation, ceil_mode,
                      return_indices=True)


def max_pool1d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """1-d max pooling over the last axis, with ``-inf`` padding.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size, stride (default ``kernel_size``), padding (at most half the
            kernel), dilation: an int or a 1-tuple.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the argmax (offsets into the last axis).

    Shape:
        output ``(N, C, L_out)`` or ``(C, L_out)`` with ``L_out = floor((L + 2 * padding
        - dilation * (kernel_size - 1) - 1) / stride) + 1`` (``ceil`` in ceil_mode).

    Example::

        >>> F.max_pool1d(cynn.tensor([[[1., 3., 2., 5., 4.]]]), 2)
        tensor([[[3., 5.]]])
    """
    x = _check_input("max_pool1d", input)
    kernel, stride, padding, dilation, ceil_mode = _max_pool_args(
        "max_pool1d", 1, kernel_size, stride, padding, dilation, ceil_mode)
    windows = None
    if not return_indices:
        windows = _max_pool1d_geometry(x, kernel, stride, padding, dilation, ceil_mode)
    if return_indices or (input.requires_grad and is_grad_enabled()):
        # PyTorch's max_pool1d_with_indices (it takes this path for gradients too, after
        # the checks above): 2-d pooling of the input unsqueezed at -2.
        _check_dim_range("max_pool1d", x, 2, 4)
        for arg, values in (("kernel_size", kernel), ("stride", stride or kernel),
                            ("padding", padding), ("dilation", dilation)):
            _check_one("max_pool1d", arg, values)
        shape = x.shape[:-1] + (1, x.shape[-1])
        window = _pool2d_geometry("max_pool2d", shape, (1, kernel[0]),
                                  (1, (stride or kernel)[0]), (0, padding[0]),
                                  (1, dilation[0]), ceil_mode)
        _check_dtype("max_pool2d", x, _FLOATS | _INTEGERS)
        return P.MaxPool1d.apply(input, window=_as_1d_window(window),
                                 return_indices=bool(return_indices))
    _check_dtype("max_pool1d_impl", x, _FLOATS)
    if len(windows) == 1:
        return P.MaxPool1d.apply(input, window=windows[0])
    from ..._creation import cat
    return cat([P.MaxPool1d.apply(input, window=w) for w in windows], -1)


def max_pool1d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """``max_pool1d(..., return_indices=True)``: returns ``(output, indices)``."""
    return max_pool1d(input, kernel_size, stride, padding, dilation, ceil_mode,
                      return_indices=True)


def _max_pool1d_geometry(x, kernel, stride, padding, dilation, ceil_mode):
    """The checks of PyTorch's direct (no-autograd) ``max_pool1d``."""
    if not (x.ndim in (2, 3) and all(s != 0 for s in x.shape[-2:])):
        raise RuntimeError("max_pool1d: Expected 2D or 3D (batch mode) tensor with optional "
                           f"0 dim batch size for input, but got:{_size(x.shape)}")
    if len(kernel) != 1:
        raise RuntimeError("max_pool1d() kernel_size must be an int, list of ints or tuple "
                           f"of ints of size 1 but got size {len(kernel)}")
    if len(stride) not in (0, 1):
        raise RuntimeError("max_pool1d() stride must be None, an int, list of ints, or tuple "
                           f"of ints of size 1 but got size {len(stride)}")
    if len(padding) != 1:
        raise RuntimeError("max_pool1d() padding must be an int, list of ints, or tuple of "
                           f"ints of size 1 but got size {len(padding)}")
    if len(dilation) != 1:
        raise RuntimeError("max_pool1d() dilation must be an int, list of ints or tuple of "
                           f"ints of size 1 but got size {len(dilation)}")
    (k,), (s,), (p,), (d,) = kernel, stride or kernel, padding, dilation
    if k <= 0:
        raise RuntimeError(f"max_pool1d() kernel_size must be greater than zero, but got {k}")
    if s <= 0:
        raise RuntimeError(f"max_pool1d() stride must be greater than zero, but got {s}")
    if p < 0:
        raise RuntimeError(f"max_pool1d() padding must be non-negative, but got {p}")
    if p > _trunc_div(k, 2):
        raise RuntimeError("max_pool1d() padding should be at most half of kernel size, but "
                           f"got padding={p} and kernel_size={k}")
    if d <= 0:
        raise RuntimeError(f"max_pool1d() dilation must be greater than zero, but got {d}")
    # PyTorch's pooling_output_shape checks the pad against the effective kernel in
    # int64, where only a wrapped-around product can make it fail.
    if p > _trunc_div(_wrap_int64((k - 1) * d + 1), 2):
        raise RuntimeError(f"pad should be at most half of effective kernel size, but got "
                           f"pad={p}, kernel_size={k} and dilation={d}")
    out = _pooled_size(x.shape[-1], k, p, s, d, ceil_mode)
    if out < 1:
        raise RuntimeError(f"max_pool1d() Invalid computed output size: {out}")
    return _max_pool1d_windows(x.shape[-1], k, s, p, d, out)


def _max_pool1d_windows(size, k, s, p, d, out):
    """Windows equal to the int64 window ``(k, s, p, d)`` with ``out`` outputs over
    an axis of ``size``, with every value bounded by a few times ``size``: a list
    of one ``PoolWindow``, or one per output when the stride exceeds the axis.

    Only the in-range taps matter to a maximum, in order; the kernel is trimmed to
    the taps that can reach the axis for some output (tap ``c`` of output ``o``
    sits at ``o * s - p + c * d``). With ``s <= size`` the result is bounded: ``out
    - 1 <= size / s + 1`` (``2 * p`` is at most the effective kernel), so
    ``(out - 1) * s <= 2 * size`` bounds the new padding, which bounds the kernel's
    extent. A larger stride leaves at most two outputs, each pooled on its own."""
    if s > size and out > 1:
        return [_max_pool1d_windows(size, k, 1, p - o * s, d, 1)[0] for o in range(out)]
    last_start = (out - 1) * s - p
    k = min(k, (size - 1 + p) // d + 1)           # taps left of size for output 0
    skip = -(last_start // d) if last_start < 0 else 0   # left of 0 for every output
    if skip >= k:   # no tap reaches the axis: every output is -inf, from one tap left of it
        return [P.PoolWindow((1, 1), (1, 1), (0, out), (1, 1), (1, out), 1)]
    k, p = k - skip, p - skip * d
    if out == 1:
        s = 1
    if k == 1:
        d = 1
    return [P.PoolWindow((1, k), (1, s), (0, p), (1, d), (1, out), 1)]


# ------------------------------------------------------------ average pooling
def _avg_pool2d_window(x_shape, kernel, stride, padding, ceil_mode, divisor_override):
    return _pool2d_geometry("avg_pool2d", x_shape, kernel, stride, padding, (1,), ceil_mode,
                            divisor_override)


def avg_pool2d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """2-d average pooling over the last two axes, with zero padding.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size, stride (default ``kernel_size``), padding (at most half the
            kernel): an int or a pair ``(h, w)``.
        ceil_mode: round the output size up instead of down.
        count_include_pad: divide by the window's area including padding (clipped
            to the padded input) instead of by its in-input area.
        divisor_override: divide by this instead (non-zero int).

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)`` with
        ``H_out = floor((H + 2 * padding[0] - kernel_size[0]) / stride[0]) + 1``
        (``ceil`` in ceil_mode), likewise ``W_out``.

    Example::

        >>> F.avg_pool2d(cynn.arange(16.).reshape(1, 1, 4, 4), 2)
        tensor([[[[ 2.5000,  4.5000],
                  [10.5000, 12.5000]]]])
    """
    x = _check_input("avg_pool2d", input)
    kernel = _int_list("avg_pool2d", "kernel_size", 2, kernel_size, 2)
    stride = () if stride is None else _int_list("avg_pool2d", "stride", 3, stride, 2)
    padding = _int_list("avg_pool2d", "padding", 4, padding, 2)
    ceil_mode = _check_bool("avg_pool2d", "ceil_mode", 5, ceil_mode)
    count_include_pad = _check_bool("avg_pool2d", "count_include_pad", 6, count_include_pad)
    _check_divisor_override("avg_pool2d", divisor_override)
    window = _avg_pool2d_window(x.shape, kernel, stride, padding, ceil_mode, divisor_override)
    _check_dtype("avg_pool2d", x, _FLOATS | {np.dtype(np.int64)})
    return P.AvgPool2d.apply(input, window=window, count_include_pad=count_include_pad,
                             divisor_override=divisor_override)


def avg_pool1d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True):
    """1-d average pooling over the last axis, with zero padding.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        kernel_size, stride (default ``kernel_size``), padding (at most half the
            kernel): an int or a 1-tuple.
        ceil_mode: round the output size up instead of down.
        count_include_pad: count padded positions in the divisor.

    Shape:
        output ``(N, C, L_out)`` or ``(C, L_out)`` with ``L_out = floor((L + 2 * padding
        - kernel_size) / stride) + 1`` (``ceil`` in ceil_mode).

    Example::

        >>> F.avg_pool1d(cynn.tensor([[[1., 3., 2., 6.]]]), 2)
        tensor([[[2., 4.]]])
    """
    x = _check_input("avg_pool1d", input)
    kernel = _int_list("avg_pool1d", "kernel_size", 2, kernel_size, 1)
    stride = () if stride is None else _int_list("avg_pool1d", "stride", 3, stride, 1)
    stride = stride or kernel
    padding = _int_list("avg_pool1d", "padding", 4, padding, 1)
    ceil_mode = _check_bool("avg_pool1d", "ceil_mode", 5, ceil_mode)
    count_include_pad = _check_bool("avg_pool1d", "count_include_pad", 6, count_include_pad)
    _check_dim_range("avg_pool1d", x, 2, 4)
    for arg, values in (("kernel_size", kernel), ("stride", stride), ("padding", padding)):
        _check_one("avg_pool1d", arg, values)
    # PyTorch: avg_pool2d of the input unsqueezed at -2, squeezed afterwards.
    shape = x.shape[:-1] + (1, x.shape[-1])
    window = _avg_pool2d_window(shape, (1, kernel[0]), (1, stride[0]), (0, padding[0]),
                                ceil_mode, None)
    _check_dtype("avg_pool2d", x, _FLOATS | {np.dtype(np.int64)})
    return P.AvgPool1d.apply(input, window=_as_1d_window(window),
                             count_include_pad=count_include_pad)


# ----------------------------------------------------------- adaptive pooling
def _list_with_default(output_size, shape):
    """PyTorch's ``_list_with_default``: ``None`` entries keep the input's size."""
    if _is_int(output_size):
        return output_size
    if len(shape) <= len(output_size):
        raise ValueError(f"Input dimension should be at least {len(output_size) + 1}")
    return [d if v is None else v for v, d in zip(output_size, shape[-len(output_size):])]


def _adaptive_output_size(fn, output_size, shape, dims=2):
    size = _list_with_default(output_size, shape)
    return _int_list(fn, "output_size", 2, size, dims)


def _check_nonempty_axes(fn, x, axes):
    """PyTorch's refusal of an empty non-batch axis in adaptive pooling."""
    for axis in axes:
        if x.shape[axis] == 0:
            raise RuntimeError(f"{fn}(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {_size(x.shape)} "
                               f"with dimension {axis} being empty")


def _check_mean_dtype(x):
    """The dtype check of ``mean``, which computes adaptive average pooling to ones."""
    if x.dtype not in _FLOATS:
        raise RuntimeError("mean(): could not infer output dtype. Input dtype must be "
                           "either a floating point or complex dtype. Got: "
                           f"{_SCALAR_NAMES.get(x.dtype, str(x.dtype))}")


def adaptive_avg_pool2d(input, output_size):
    """2-d adaptive average pooling: output cell ``i`` of an axis of size ``n`` -> ``m``
    averages input ``[floor(i * n / m), ceil((i + 1) * n / m))``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: an int or a pair ``(H_out, W_out)``; ``None`` keeps that axis.

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Example::

        >>> F.adaptive_avg_pool2d(cynn.arange(9.).reshape(1, 1, 3, 3), 2)
        tensor([[[[2., 3.],
                  [5., 6.]]]])
    """
    x = _check_input("adaptive_avg_pool2d", input)
    size = _adaptive_output_size("adaptive_avg_pool2d", output_size, x.shape)
    if len(size) != 2:
        raise RuntimeError("adaptive_avg_pool2d: output_size must be 2")
    if size[0] < 0 or size[1] < 0:
        raise RuntimeError("adaptive_avg_pool2d: elements of output_size must be greater than "
                           f"or equal to 0 but received {{{size[0]}, {size[1]}}}")
    if size == (1, 1):
        # PyTorch computes this as input.mean((-1, -2), keepdim=True), for any input.
        _check_mean_dtype(x)
        if x.ndim < 2:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], "
                             "but got -2)")
        return P.AdaptiveAvgPoolGlobal.apply(input)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{_size(x.shape)}")
    _check_nonempty_axes("adaptive_avg_pool2d", x, (x.ndim - 2, x.ndim - 1))
    _check_new_shape(x.shape[:-2] + size)
    if math.prod(x.shape[:-2]) * size[0] * size[1] > 0:   # PyTorch skips empty outputs
        _check_dtype("adaptive_avg_pool2d", x, _FLOATS)
    return P.AdaptiveAvgPool2d.apply(input, out_size=size)


def adaptive_max_pool2d(input, output_size, return_indices=False):
    """2-d adaptive max pooling over the cells of ``adaptive_avg_pool2d``.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        output_size: an int or a pair ``(H_out, W_out)``; ``None`` keeps that axis.
        return_indices: also return the argmax (flat offsets into each input plane).

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``.

    Example::

        >>> F.adaptive_max_pool2d(cynn.arange(9.).reshape(1, 1, 3, 3), 2)
        tensor([[[[4., 5.],
                  [7., 8.]]]])
    """
    x = _check_input("adaptive_max_pool2d", input)
    size = _adaptive_output_size("adaptive_max_pool2d", output_size, x.shape)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_max_pool2d(): Expected 3D or 4D tensor, but got: "
                           f"{_size(x.shape)}")
    _check_nonempty_axes("adaptive_max_pool2d", x, range(1, x.ndim))
    if len(size) != 2:
        raise RuntimeError("adaptive_max_pool2d(): internal error: output_size.size() must be 2")
    if size[0] < 0 or size[1] < 0:
        negative = size[0] if size[0] < 0 else size[1]
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{negative}: {_size(x.shape[:-2] + size)}")
    _check_new_shape(x.shape[:-2] + size)
    _check_dtype("adaptive_max_pool2d", x, _FLOATS)
    return P.AdaptiveMaxPool2d.apply(input, out_size=size, return_indices=bool(return_indices))


def adaptive_max_pool2d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool2d(..., return_indices=True)``: returns ``(output, indices)``."""
    return adaptive_max_pool2d(input, output_size, return_indices=True)


# -------------------------------------------------------------- max-unpooling
def _unpool_output_size(shape, kernel, stride, padding, output_size):
    """PyTorch's ``_unpool_output_size``: the default size, or ``output_size`` checked
    to lie strictly within one stride of it (IndexErrors included)."""
    dims = len(kernel)
    default = [(shape[-dims + d] - 1) * stride[d] + kernel[d] - 2 * padding[d]
               for d in range(dims)]
    if output_size is None:
        size = default
    else:
        if len(output_size) == dims + 2:
            output_size = output_size[2:]
        if len(output_size) != dims:
            raise ValueError(f"output_size should be a sequence containing {dims} or "
                             f"{dims + 2} elements, but it has a length of '{len(output_size)}'")
        for d in range(dims):
            low, high = default[d] - stride[d], default[d] + stride[d]
            if not low < output_size[d] < high:
                raise ValueError(f'invalid output_size "{output_size}" (dim {d} must be '
                                 f"between {low} and {high})")
        size = output_size
    for d in range(dims):
        if size[d] < 0:
            raise ValueError("max_unpooling: output_size must contain non-negative spatial "
                             f"dimensions, but got output_size[{d}]={size[d]}")
    return size


def _pair(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value)


def max_unpool2d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool2d``: puts each input value at its ``indices``
    position in a zero ``(H_out, W_out)`` plane.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``, e.g. a ``max_pool2d`` output.
        indices: int64 of ``input``'s shape, flat offsets into each output plane
            (as returned by ``max_pool2d(..., return_indices=True)``).
        kernel_size, stride (default ``kernel_size``), padding: of the pooling undone.
        output_size: ``(H_out, W_out)`` (or the full 4-d size) when the default is
            ambiguous; must be within one stride of it.

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)`` with by default
        ``H_out = (H - 1) * stride[0] - 2 * padding[0] + kernel_size[0]``.

    Example::

        >>> y, i = F.max_pool2d(cynn.arange(16.).reshape(1, 1, 4, 4), 2, return_indices=True)
        >>> F.max_unpool2d(y, i, 2)
        tensor([[[[ 0.,  0.,  0.,  0.],
                  [ 0.,  5.,  0.,  7.],
                  [ 0.,  0.,  0.,  0.],
                  [ 0., 13.,  0., 15.]]]])
    """
    x = _check_input("max_unpool2d", input)
    _check_input("max_unpool2d", indices, 2, "indices")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    padding = _pair(padding)
    return _max_unpool2d(input, indices,
                         _unpool_output_size(x.shape, kernel, stride, padding, output_size))


def _max_unpool2d(input, indices, output_size):
    """PyTorch's ``torch._C._nn.max_unpool2d``: the checks of the op, then the Function."""
    x = _check_input("max_unpool2d", input)
    idx = _check_input("max_unpool2d", indices, 2, "indices")
    size = _int_list("max_unpool2d", "output_size", 3, list(output_size), 2)
    if idx.dtype != np.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{_SCALAR_NAMES.get(idx.dtype, str(idx.dtype))}")
    if len(size) != 2:
        raise RuntimeError("There should be exactly two elements (height, width) in "
                           f"output_size, but got {len(size)} elements.")
    if x.ndim not in (3, 4):
        raise RuntimeError("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {x.ndim} dimensions.")
    _check_unpool_shapes("max_unpooling2d_forward_out_cpu", x, idx)
    _check_unpool_indices("max_unpool2d", x, idx, size)
    return P.MaxUnpool2d.apply(input, indices, out_size=size)


def _check_unpool_shapes(kernel_name, x, idx):
    """PyTorch's max-unpooling checks of the input's shape: as the indices', and no
    empty non-batch axis."""
    if x.shape != idx.shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({_size(x.shape)}) but got indices tensor with shape: "
                           f"{_size(idx.shape)}")
    for axis in range(1, x.ndim):
        if x.shape[axis] == 0:
            raise RuntimeError(f"{kernel_name}(): Expected input to have "
                               f"non-zero size for non-batch dimensions, but got "
                               f"{_size(x.shape)} with dimension {axis} being empty.")


def _check_unpool_indices(fn, x, idx, size):
    """PyTorch's last max-unpooling checks: the output's shape, the dtype (when
    there is anything to do), then every index within the output ``size``."""
    _check_new_shape(x.shape[:-len(size)] + tuple(size))
    n_out = math.prod(size)
    if x.size and n_out:   # PyTorch skips empty inputs and outputs
        _check_dtype(fn, x, _FLOATS)
    invalid = (idx < 0) | (idx >= n_out)
    if n_out and invalid.any():   # PyTorch does not look at indices for an empty output
        # PyTorch's loop keeps overwriting the error index: it reports the last one.
        bad = idx.reshape(-1)[np.flatnonzero(invalid.reshape(-1))[-1]]
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{'x'.join(str(n) for n in size)})")


# ----------------------------------------------------------------- 3-d pooling
def _triple_or_single(values):
    """A length-1 list stands for all three axes."""
    return (values[0],) * 3 if len(values) == 1 else tuple(values)


def _pool3d_geometry(name, shape, kernel, stride, padding, dilation, ceil_mode,
                     divisor_override=None):
    """Kernel/stride/padding/dilation lists -> ``P.Window3d`` with the checks of
    PyTorch's ``max_pool3d_with_indices`` and ``avg_pool3d``, in its order."""
    avg = name == "avg_pool3d"
    must = "must be" if avg else "must either be"
    if len(kernel) not in (1, 3):
        raise RuntimeError(f"{name}: kernel_size {must} a single int, or a tuple of three ints")
    (kt, kh, kw) = _int32(_triple_or_single(kernel))
    if len(stride) not in (0, 1, 3):
        raise RuntimeError(f"{name}: stride {must} omitted, a single int, or a tuple of "
                           "three ints")
    (st, sh, sw) = _int32(_triple_or_single(stride)) if stride else (kt, kh, kw)
    if len(padding) not in (1, 3):
        raise RuntimeError(f"{name}: padding {must} a single int, or a tuple of three ints")
    (pt, ph, pw) = _int32(_triple_or_single(padding))
    if len(dilation) not in (1, 3):
        raise RuntimeError(f"{name}: dilation must be either a single int, or a tuple of "
                           "three ints")
    (dt, dh, dw) = _int32(_triple_or_single(dilation))
    if len(shape) not in (4, 5):
        raise RuntimeError("non-empty 4D or 5D (batch mode) tensor expected for input")
    if divisor_override is not None and divisor_override == 0:
        raise RuntimeError("divisor must be not zero")
    c_in, t_in, h_in, w_in = shape[-4:]
    t_out = _checked_pooled_size(t_in, kt, pt, st, dt, ceil_mode)
    h_out = _checked_pooled_size(h_in, kh, ph, sh, dh, ceil_mode)
    w_out = _checked_pooled_size(w_in, kw, pw, sw, dw, ceil_mode)
    # PyTorch's pool3d_shape_check
    if kt <= 0 or kh <= 0 or kw <= 0:
        raise RuntimeError(f"kernel size should be greater than zero, but got kT: {kt} "
                           f"kH: {kh} kW: {kw}")
    if st <= 0 or sh <= 0 or sw <= 0:
        raise RuntimeError(f"stride should be greater than zero, but got dT: {st} dH: {sh} "
                           f"dW: {sw}")
    if dt <= 0 or dh <= 0 or dw <= 0:
        raise RuntimeError(f"dilation should be greater than zero, but got dilationT: {dt} "
                           f"dilationH: {dh} dilationW: {dw}")
    if 0 in shape[-4:]:
        # PyTorch names dimension 0 whichever it is.
        where = "avg_pool3d" if avg else "max_pool3d_with_indices_out_cpu_template"
        raise RuntimeError(f"{where}(): Expected input's non-batch dimensions to have positive "
                           f"length, but input has a shape of {_size(shape)} and non-batch "
                           "dimension 0 has length zero!")
    if avg and (t_in < kt or h_in < kh or w_in < kw):
        raise RuntimeError(f"input image (T: {t_in} H: {h_in} W: {w_in}) smaller than kernel "
                           f"size (kT: {kt} kH: {kh} kW: {kw})")
    if _trunc_div(kt, 2) < pt or _trunc_div(kw, 2) < pw or _trunc_div(kh, 2) < ph:
        raise RuntimeError("pad should be smaller than or equal to half of kernel size, but "
                           f"got kT: {kt} kW: {kw} kH: {kh} padT: {pt} padW: {pw} padH: {ph}")
    if t_out < 1 or h_out < 1 or w_out < 1:
        raise RuntimeError(f"Given input size: ({c_in}x{t_in}x{h_in}x{w_in}). Calculated "
                           f"output size: ({c_in}x{t_out}x{h_out}x{w_out}). Output size is "
                           "too small")
    return P.Window3d((kt, kh, kw), (st, sh, sw), (pt, ph, pw), (dt, dh, dw),
                      (t_out, h_out, w_out))


def max_pool3d(input, kernel_size, stride=None, padding=0, dilation=1, ceil_mode=False,
               return_indices=False):
    """3-d max pooling over the last three axes, with ``-inf`` padding.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        kernel_size, stride (default ``kernel_size``), padding (at most half the
            kernel), dilation: an int or a triple ``(d, h, w)``.
        ceil_mode: round the output size up instead of down.
        return_indices: also return the argmax, as flat offsets
            ``(d * H + h) * W + w`` into each input volume (what ``max_unpool3d`` takes).

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)`` with
        ``D_out = floor((D + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
        / stride[0]) + 1`` (``ceil`` in ceil_mode; a window may not start in the
        right padding), likewise ``H_out`` and ``W_out``.

    Example::

        >>> F.max_pool3d(cynn.arange(27.).reshape(1, 1, 3, 3, 3), 2, stride=1)
        tensor([[[[[13., 14.],
                   [16., 17.]],
        <BLANKLINE>
                  [[22., 23.],
                   [25., 26.]]]]])
    """
    x = _check_input("max_pool3d", input)
    kernel, stride, padding, dilation, ceil_mode = _max_pool_args(
        "max_pool3d", 3, kernel_size, stride, padding, dilation, ceil_mode)
    window = _pool3d_geometry("max_pool3d", x.shape, kernel, stride, padding, dilation,
                              ceil_mode)
    _check_dtype("max_pool3d", x, _FLOATS | _INTEGERS)
    return P.MaxPool3d.apply(input, window=window, return_indices=bool(return_indices))


def max_pool3d_with_indices(input, kernel_size, stride=None, padding=0, dilation=1,
                            ceil_mode=False, return_indices=False):
    """``max_pool3d(..., return_indices=True)``: returns ``(output, indices)``."""
    return max_pool3d(input, kernel_size, stride, padding, dilation, ceil_mode,
                      return_indices=True)


def avg_pool3d(input, kernel_size, stride=None, padding=0, ceil_mode=False,
               count_include_pad=True, divisor_override=None):
    """3-d average pooling over the last three axes, with zero padding.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``; each spatial size at least
            the kernel's.
        kernel_size, stride (default ``kernel_size``), padding (at most half the
            kernel): an int or a triple ``(d, h, w)``.
        ceil_mode: round the output size up instead of down.
        count_include_pad: divide by the window's volume including padding
            (clipped to the padded input) instead of by its in-input volume.
        divisor_override: divide by this instead (non-zero int).

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)`` with
        ``D_out = floor((D + 2 * padding[0] - kernel_size[0]) / stride[0]) + 1``
        (``ceil`` in ceil_mode), likewise ``H_out`` and ``W_out``.

    Example::

        >>> F.avg_pool3d(cynn.arange(8.).reshape(1, 1, 2, 2, 2), 2)
        tensor([[[[[3.5000]]]]])
    """
    x = _check_input("avg_pool3d", input)
    kernel = _int_list("avg_pool3d", "kernel_size", 2, kernel_size, 3)
    stride = () if stride is None else _int_list("avg_pool3d", "stride", 3, stride, 3)
    padding = _int_list("avg_pool3d", "padding", 4, padding, 3)
    if not isinstance(ceil_mode, (bool, np.bool_)):
        raise TypeError(f"avg_pool3d(): argument 'ceil_mode' must be bool, not "
                        f"{_type_name(ceil_mode)}")
    if not isinstance(count_include_pad, (bool, np.bool_)):
        raise TypeError(f"avg_pool3d(): argument 'count_include_pad' must be bool, not "
                        f"{_type_name(count_include_pad)}")
    _check_divisor_override("avg_pool3d", divisor_override)
    window = _pool3d_geometry("avg_pool3d", x.shape, kernel, stride, padding, (1,),
                              bool(ceil_mode), divisor_override)
    _check_dtype("avg_pool3d_out_frame", x, {np.dtype(np.float32), np.dtype(np.float64),
                                             np.dtype(np.int64)})
    return P.AvgPool3d.apply(input, window=window, count_include_pad=bool(count_include_pad),
                             divisor_override=divisor_override)


# ---------------------------------------------------- adaptive pooling, 1-d and 3-d
def _parse_adaptive_1d(fn, input, output_size):
    x = _check_input(fn, input)
    size = _int_list(fn, "output_size", 2, output_size, 1)
    _check_dim_range(fn, x, 2, 4)
    _check_one(fn, "output_size", size)
    return x, size[0]


def adaptive_avg_pool1d(input, output_size):
    """1-d adaptive average pooling: output cell ``i`` of ``L`` -> ``L_out`` averages
    input ``[floor(i * L / L_out), ceil((i + 1) * L / L_out))``.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        output_size: an int (or a 1-tuple) ``L_out``.

    Shape:
        output ``(N, C, L_out)`` or ``(C, L_out)``.

    Example::

        >>> F.adaptive_avg_pool1d(cynn.tensor([[[1., 2., 3., 4., 5.]]]), 2)
        tensor([[[2., 4.]]])
    """
    _, size = _parse_adaptive_1d("adaptive_avg_pool1d", input, output_size)
    # PyTorch: 2-d pooling of the input unsqueezed at -2, squeezed afterwards.
    return adaptive_avg_pool2d(input.unsqueeze(-2), (1, size)).squeeze(-2)


def adaptive_max_pool1d(input, output_size, return_indices=False):
    """1-d adaptive max pooling over the cells of ``adaptive_avg_pool1d``.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        output_size: an int (or a 1-tuple) ``L_out``.
        return_indices: also return the argmax (offsets into the last axis).

    Shape:
        output ``(N, C, L_out)`` or ``(C, L_out)``.

    Example::

        >>> F.adaptive_max_pool1d(cynn.tensor([[[1., 5., 3., 4., 2.]]]), 2)
        tensor([[[5., 4.]]])
    """
    x, size = _parse_adaptive_1d("adaptive_max_pool1d", input, output_size)
    _check_nonempty_axes("adaptive_max_pool1d", x, range(1, x.ndim))
    y, indices = adaptive_max_pool2d(input.unsqueeze(-2), (1, size), return_indices=True)
    if return_indices:
        return y.squeeze(-2), indices.squeeze(-2)
    return y.squeeze(-2)


def adaptive_max_pool1d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool1d(..., return_indices=True)``: returns ``(output, indices)``."""
    return adaptive_max_pool1d(input, output_size, return_indices=True)


def _fmt_triple(size):
    """PyTorch prints an ``IntArrayRef`` of three sizes as ``{a, b,c}``."""
    return f"{{{size[0]}, {size[1]},{size[2]}}}"


def adaptive_avg_pool3d(input, output_size):
    """3-d adaptive average pooling: per axis, output cell ``i`` of ``n`` -> ``m``
    averages input ``[floor(i * n / m), ceil((i + 1) * n / m))``.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        output_size: an int or a triple ``(D_out, H_out, W_out)``; ``None`` keeps
            that axis.

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example::

        >>> F.adaptive_avg_pool3d(cynn.arange(8.).reshape(1, 1, 2, 2, 2), (1, 1, 2))
        tensor([[[[[3., 4.]]]]])
    """
    x = _check_input("adaptive_avg_pool3d", input)
    size = _adaptive_output_size("adaptive_avg_pool3d", output_size, x.shape, 3)
    if len(size) != 3:
        raise RuntimeError("adaptive_avg_pool3d: output_size must be 3")
    if min(size) < 0:
        raise RuntimeError("adaptive_avg_pool3d: elements of output_size must be greater than "
                           f"or equal to 0 but received {_fmt_triple(size)}")
    if size == (1, 1, 1):
        # PyTorch computes this as input.mean((-1, -2, -3), keepdim=True), for any input.
        _check_mean_dtype(x)
        if x.ndim < 3:
            raise IndexError(f"Dimension out of range (expected to be in range of "
                             f"[{-x.ndim}, {x.ndim - 1}], but got -3)")
        return input.mean((-1, -2, -3), keepdim=True)
    if x.ndim not in (4, 5):
        raise RuntimeError(f"adaptive_avg_pool3d(): Expected 4D or 5D tensor, but got "
                           f"{_size(x.shape)}")
    _check_nonempty_axes("adaptive_avg_pool3d", x, range(1, x.ndim))
    _check_new_shape(x.shape[:-3] + size)
    _check_dtype("adaptive_avg_pool3d_cpu", x, _FLOATS)
    return P.AdaptiveAvgPool3d.apply(input, out_size=size)


def _check_storage(shape, itemsize):
    """PyTorch's storage size check for a new tensor of ``shape``."""
    n_bytes = itemsize
    for n in shape:
        n_bytes *= n
        if n_bytes > _INT64_MAX:
            raise RuntimeError(f"Storage size calculation overflowed with sizes={_size(shape)}")


def adaptive_max_pool3d(input, output_size, return_indices=False):
    """3-d adaptive max pooling over the cells of ``adaptive_avg_pool3d``.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        output_size: an int or a triple ``(D_out, H_out, W_out)``; ``None`` keeps
            that axis.
        return_indices: also return the argmax (flat offsets ``(d * H + h) * W + w``
            into each input volume).

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example::

        >>> F.adaptive_max_pool3d(cynn.arange(8.).reshape(1, 1, 2, 2, 2), (1, 1, 2))
        tensor([[[[[6., 7.]]]]])
    """
    x = _check_input("adaptive_max_pool3d", input)
    size = _adaptive_output_size("adaptive_max_pool3d", output_size, x.shape, 3)
    if x.ndim not in (4, 5):
        raise RuntimeError(f"adaptive_max_pool3d(): Expected 4D or 5D tensor, but got: "
                           f"{_size(x.shape)}")
    _check_nonempty_axes("adaptive_max_pool3d", x, range(1, x.ndim))
    if len(size) != 3:
        raise RuntimeError("adaptive_max_pool3d(): internal error: output_size.size() must be 3")
    out_shape = x.shape[:-3] + size
    if min(size) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension "
                           f"{min(size)}: {_size(out_shape)}")
    _check_storage(out_shape, x.dtype.itemsize)
    _check_dtype("adaptive_max_pool3d_cpu", x, _FLOATS)
    return P.AdaptiveMaxPool3d.apply(input, out_size=size, return_indices=bool(return_indices))


def adaptive_max_pool3d_with_indices(input, output_size, return_indices=False):
    """``adaptive_max_pool3d(..., return_indices=True)``: returns ``(output, indices)``."""
    return adaptive_max_pool3d(input, output_size, return_indices=True)


# ------------------------------------------------------ max-unpooling, 1-d and 3-d
def _single(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value,)


def _triple(value):
    return tuple(value) if isinstance(value, (tuple, list)) else (value, value, value)


def max_unpool1d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool1d``: puts each input value at its ``indices``
    position in a zero row of ``L_out``.

    Args:
        input: ``(N, C, L)`` or ``(C, L)``, e.g. a ``max_pool1d`` output.
        indices: int64 of ``input``'s shape, offsets into each output row.
        kernel_size, stride (default ``kernel_size``), padding: of the pooling undone.
        output_size: ``(L_out,)`` (or the full size) when the default is ambiguous;
            must be within one stride of it.

    Shape:
        output ``(N, C, L_out)`` or ``(C, L_out)`` with by default
        ``L_out = (L - 1) * stride - 2 * padding + kernel_size``.

    Example::

        >>> y, i = F.max_pool1d(cynn.tensor([[[1., 4., 3., 2.]]]), 2, return_indices=True)
        >>> F.max_unpool1d(y, i, 2)
        tensor([[[0., 4., 3., 0.]]])
    """
    kernel = _single(kernel_size)
    stride = kernel if stride is None else _single(stride)
    padding = _single(padding)
    # PyTorch's wrapper asks the arguments for .size() and .unsqueeze() before any check
    size = list(_unpool_output_size(tuple(input.size()), kernel, stride, padding, output_size))
    # PyTorch: the 2-d op on input and indices unsqueezed at -1, squeezed afterwards.
    return _max_unpool2d(input.unsqueeze(-1), indices.unsqueeze(-1), size + [1]).squeeze(-1)


def max_unpool3d(input, indices, kernel_size, stride=None, padding=0, output_size=None):
    """Partial inverse of ``max_pool3d``: puts each input value at its ``indices``
    position in a zero ``(D_out, H_out, W_out)`` volume.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``, e.g. a ``max_pool3d`` output.
        indices: int64 of ``input``'s shape, flat offsets into each output volume
            (as returned by ``max_pool3d(..., return_indices=True)``).
        kernel_size, stride (default ``kernel_size``), padding: of the pooling undone.
        output_size: ``(D_out, H_out, W_out)`` (or the full 5-d size) when the
            default is ambiguous; must be within one stride of it.

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)`` with by
        default ``D_out = (D - 1) * stride[0] - 2 * padding[0] + kernel_size[0]``,
        likewise ``H_out`` and ``W_out``.

    Example::

        >>> y, i = F.max_pool3d(cynn.arange(8.).reshape(1, 1, 2, 2, 2), 2, return_indices=True)
        >>> F.max_unpool3d(y, i, 2).flatten()
        tensor([0., 0., 0., 0., 0., 0., 0., 7.])
    """
    kernel = _triple(kernel_size)
    stride = kernel if stride is None else _triple(stride)
    padding = _triple(padding)
    # PyTorch's wrapper asks the input for .size() before any check
    size = _unpool_output_size(tuple(input.size()), kernel, stride, padding, output_size)
    x = _check_input("max_unpool3d", input)
    idx = _check_input("max_unpool3d", indices, 2, "indices")
    size = _int_list("max_unpool3d", "output_size", 3, list(size), 3)
    stride = _int_list("max_unpool3d", "stride", 4, list(stride), 3)
    padding = _int_list("max_unpool3d", "padding", 5, list(padding), 3)
    if idx.dtype != np.int64:
        raise RuntimeError("elements in indices should be type int64")
    if x.ndim not in (4, 5):
        raise RuntimeError("Input to max_unpooling3d should be a 4d or 5d Tensor, but got a "
                           f"tensor with {x.ndim} dimensions.")
    if len(size) != 3:
        raise RuntimeError("There should be exactly three elements (depth, height, width) in "
                           f"output_size, but got {len(size)} elements.")
    for arg, values in (("stride", stride), ("padding", padding)):
        if len(values) != 3:
            raise RuntimeError("There should be exactly three elements (depth, height, width) "
                               f"in {arg}, but got: {len(values)} elements.")
    _check_unpool_shapes("max_unpooling3d_forward_out_cpu", x, idx)
    if min(stride) <= 0:
        raise RuntimeError(f"strides should be greater than zero, but got stride: {_size(stride)}")
    _check_unpool_indices("max_unpool3d", x, idx, size)
    return P.MaxUnpool3d.apply(input, indices, out_size=tuple(size))


# ------------------------------------------------------------------ power pooling
def _lp_pool(avg_pool, max_pool, input, norm_type, kernel_size, stride, ceil_mode,
             window_volume):
    # PyTorch's composition: the gradient and its corner cases (a zero window: 0 * inf)
    # follow from the ops' own.
    from ... import sign
    from .activation import relu
    if norm_type == math.inf:
        return max_pool(input.abs(), kernel_size, stride, 0, ceil_mode=ceil_mode)
    if stride is not None:
        out = avg_pool(input.pow(norm_type), kernel_size, stride, 0, ceil_mode)
    else:
        out = avg_pool(input.pow(norm_type), kernel_size, padding=0, ceil_mode=ceil_mode)
    return (sign(out) * relu(out.abs())).mul(window_volume).pow(1.0 / norm_type)


def lp_pool1d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """1-d power-average pooling: ``y = (sum over each window of x ** p) ** (1 / p)``
    (``p = norm_type``; no padding).

    Args:
        input: ``(N, C, L)`` or ``(C, L)``.
        norm_type: ``p``; ``inf`` gives max pooling of ``|x|``, 1 sum pooling.
        kernel_size: an int. stride: default ``kernel_size``.
        ceil_mode: round the output size up instead of down.

    Shape:
        output ``(N, C, L_out)`` or ``(C, L_out)`` with
        ``L_out = floor((L - kernel_size) / stride) + 1``.

    Example::

        >>> F.lp_pool1d(cynn.tensor([[[3., 4., 1., 0.]]]), 2, 2)
        tensor([[[5., 1.]]])
    """
    return _lp_pool(avg_pool1d, max_pool1d, input, norm_type, kernel_size, stride, ceil_mode,
                    kernel_size)


def lp_pool2d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """2-d power-average pooling: ``y = (sum over each window of x ** p) ** (1 / p)``
    (``p = norm_type``; no padding).

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        norm_type: ``p``; ``inf`` gives max pooling of ``|x|``, 1 sum pooling.
        kernel_size, stride (default ``kernel_size``): an int or a pair ``(h, w)``.
        ceil_mode: round the output size up instead of down.

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)`` with
        ``H_out = floor((H - kernel_size[0]) / stride[0]) + 1``, likewise ``W_out``.

    Example::

        >>> F.lp_pool2d(cynn.full((1, 1, 2, 2), 2.), 2, 2)
        tensor([[[[4.]]]])
    """
    kw, kh = _pair(kernel_size)
    return _lp_pool(avg_pool2d, max_pool2d, input, norm_type, kernel_size, stride, ceil_mode,
                    kw * kh)


def lp_pool3d(input, norm_type, kernel_size, stride=None, ceil_mode=False):
    """3-d power-average pooling: ``y = (sum over each window of x ** p) ** (1 / p)``
    (``p = norm_type``; no padding).

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        norm_type: ``p``; ``inf`` gives max pooling of ``|x|``, 1 sum pooling.
        kernel_size, stride (default ``kernel_size``): an int or a triple.
        ceil_mode: round the output size up instead of down.

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)`` with
        ``D_out = floor((D - kernel_size[0]) / stride[0]) + 1``, likewise ``H_out``
        and ``W_out``.

    Example::

        >>> F.lp_pool3d(cynn.full((1, 1, 2, 2, 2), 0.5), 1, 2)
        tensor([[[[[4.]]]]])
    """
    kd, kw, kh = _triple(kernel_size)
    return _lp_pool(avg_pool3d, max_pool3d, input, norm_type, kernel_size, stride, ceil_mode,
                    kd * kw * kh)


# ------------------------------------------------------------ fractional pooling
_AXIS_NAMES = ("time", "height", "width")


def _dim_size(shape, dim):
    """``tensor.size(dim)`` with PyTorch's IndexError."""
    if not shape:
        raise IndexError(f"Dimension specified as {dim} but tensor has no dimensions")
    if not -len(shape) <= dim < len(shape):
        raise IndexError(f"Dimension out of range (expected to be in range of "
                         f"[{-len(shape)}, {len(shape) - 1}], but got {dim})")
    return shape[dim]


def _fractional_max_pool(dims, input, kernel_size, output_size, output_ratio, return_indices,
                         samples):
    """PyTorch's ``fractional_max_pool2d/3d``: the Python wrapper's defaults, then the
    checks of the ATen op, in that order."""
    from ..._creation import rand
    from ..._tensor import Tensor
    fn = f"fractional_max_pool{dims}d"
    op = fn if dims == 2 else "fractional_max_pool3d_out"
    x = _check_input(fn, input)
    if output_size is None and output_ratio is None:
        raise ValueError(f"{fn} requires specifying either an output_size or an output_ratio")
    if output_size is None:
        if dims == 2 and len(output_ratio) > 2:
            raise ValueError("fractional_max_pool2d requires output_ratio to either be a "
                             "single Int or tuple of Ints.")
        ratio = _pair(output_ratio) if dims == 2 else _triple(output_ratio)
        output_size = [int(_dim_size(x.shape, d - dims) * ratio[d]) for d in range(dims)]
    if samples is None:
        n_batch = 1 if x.ndim == dims + 1 else _dim_size(x.shape, 0)
        channels = _dim_size(x.shape, -dims - 1)
        _check_dtype("check_uniform_bounds", x, _FLOATS)
        # as PyTorch's torch.rand(n_batch, C, dims, dtype=input.dtype)
        samples_data = rand(n_batch, channels, dims, dtype=input.dtype)._data
    elif isinstance(samples, Tensor):
        samples_data = samples._data
    else:
        raise TypeError(f"{fn}(): argument 'random_samples' (position 4) must be Tensor, "
                        f"not {_type_name(samples)}")
    kernel = _int_list(fn, "kernel_size", 2, kernel_size, dims)
    size = _int_list(fn, "output_size", 3, output_size, dims)
    three = "three " if dims == 3 else ""
    if len(kernel) != dims:
        raise RuntimeError(f"{fn}: kernel_size must either be a single Int or tuple of "
                           f"{three}Ints")
    if len(size) != dims:
        raise RuntimeError(f"{fn}: output_size must either be a single Int or tuple of "
                           f"{three}Ints")
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"{op}(): Expected {dims + 1}D or {dims + 2}D tensor, but got: "
                           f"{_size(x.shape)}")
    for axis in range(1, x.ndim):
        if x.shape[axis] == 0:
            raise RuntimeError(f"{op}(): Expected input to have non-zero size for non-batch "
                               f"dimensions, but got{_size(x.shape)} with dimension {axis} "
                               "being empty.")
    # PyTorch's bounds: out + k - 1 <= in in 2-d; in 3-d strictly below and k <= in,
    # checked in the order time, width, height
    spatial = x.shape[-dims:]
    axes = list(zip(_AXIS_NAMES[3 - dims:], spatial, kernel, size))
    if dims == 3:
        axes = [axes[0], axes[2], axes[1]]
    for name, n_in, k, n_out in axes:
        if n_out + k - 1 > n_in - (dims == 3) or (dims == 3 and k > n_in):
            raise RuntimeError(f"{op}(): pool {name} {k} too large relative to input "
                               f"{name} {n_in}")
    out_shape = x.shape[:-dims] + tuple(size)
    if min(size) < 0:
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"{_size(out_shape)}")
    _check_new_shape(out_shape)
    if min(kernel) < _INT32_MIN:
        # PyTorch's windows would then lie outside the input (an internal assert).
        raise RuntimeError(f"{op}(): kernel_size {min(kernel)} is out of range")
    n_batch = x.shape[0] if x.ndim == dims + 2 else 1
    channels = x.shape[-dims - 1]
    if samples_data.dtype != x.dtype:
        raise RuntimeError("Expect _random_samples to have the same dtype as input")
    if samples_data.ndim != 3:
        raise RuntimeError(f"Expect _random_samples to have 3 dimensions, got "
                           f"{samples_data.ndim}")
    if samples_data.shape[0] < n_batch:
        raise RuntimeError("Expect _random_samples.size(0) no less then input batch size.")
    if samples_data.shape[1] != channels:
        raise RuntimeError("Expect _random_samples.size(1) equals to input channel size.")
    if samples_data.shape[2] != dims:
        raise RuntimeError(f"Expect _random_samples.size(2) equals to {dims}; got "
                           f"{samples_data.shape[2]}.")
    if math.prod(out_shape):   # PyTorch dispatches on the dtype only to fill an output
        _check_dtype(f"fractional_max_pool{dims}d_out_frame", x, _FLOATS)
    # PyTorch's samples run (w, h) in 2-d and (t, h, w) in 3-d; the kernel takes (t, h, w).
    planes = samples_data[:n_batch].reshape(n_batch * channels, dims)
    planes = planes[:, ::-1] if dims == 2 else planes
    planes = np.concatenate([np.zeros((planes.shape[0], 3 - dims), planes.dtype), planes], 1)
    function = P.FractionalMaxPool2d if dims == 2 else P.FractionalMaxPool3d
    return function.apply(input, samples=planes, kernel=tuple(kernel), out_size=tuple(size),
                          return_indices=bool(return_indices))


def fractional_max_pool2d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """2-d fractional max pooling (Graham, 2014): max over ``kernel_size`` windows
    placed pseudo-randomly so that the input shrinks by a non-integer ratio.

    Args:
        input: ``(N, C, H, W)`` or ``(C, H, W)``.
        kernel_size: an int or a pair ``(kh, kw)``.
        output_size: ``(H_out, W_out)`` (or an int); or else
        output_ratio: a pair of ratios; ``H_out = int(H * output_ratio[0])``.
        return_indices: also return the argmax (flat offsets into each input plane).
        _random_samples: ``(N, C, 2)`` samples in ``[0, 1)`` of the input's dtype,
            ``[..., 0]`` placing the columns and ``[..., 1]`` the rows; drawn from
            cynn's generator (``cynn.manual_seed``) when omitted.

    Shape:
        output ``(N, C, H_out, W_out)`` or ``(C, H_out, W_out)``; each axis needs
        ``out + kernel - 1 <= in``.

    Example::

        >>> x = cynn.arange(100.).reshape(1, 1, 10, 10)
        >>> F.fractional_max_pool2d(x, 2, output_size=4,
        ...                         _random_samples=cynn.tensor([[[0.3, 0.9]]]))[0, 0, 0]
        tensor([11., 14., 17., 19.])
    """
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool2d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """``fractional_max_pool2d(..., return_indices=True)``: returns ``(output, indices)``."""
    return _fractional_max_pool(2, input, kernel_size, output_size, output_ratio, True,
                                _random_samples)


def fractional_max_pool3d(input, kernel_size, output_size=None, output_ratio=None,
                          return_indices=False, _random_samples=None):
    """3-d fractional max pooling (Graham, 2014); see ``fractional_max_pool2d``.

    Args:
        input: ``(N, C, D, H, W)`` or ``(C, D, H, W)``.
        kernel_size: an int or a triple ``(kd, kh, kw)``.
        output_size: ``(D_out, H_out, W_out)`` (or an int); or else
        output_ratio: a number or a triple of ratios; ``D_out = int(D * output_ratio[0])``.
        return_indices: also return the argmax (flat offsets into each input volume).
        _random_samples: ``(N, C, 3)`` samples in ``[0, 1)`` of the input's dtype for
            the ``(d, h, w)`` axes; drawn from cynn's generator when omitted.

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``; each
        axis needs ``out + kernel - 1 < in`` (PyTorch's bound, stricter than in 2-d).

    Example::

        >>> F.fractional_max_pool3d(cynn.randn(2, 3, 9, 9, 9), 2, output_ratio=0.5).shape
        cynn.Size([2, 3, 4, 4, 4])
    """
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio,
                                return_indices, _random_samples)


def fractional_max_pool3d_with_indices(input, kernel_size, output_size=None,
                                       output_ratio=None, return_indices=False,
                                       _random_samples=None):
    """``fractional_max_pool3d(..., return_indices=True)``: returns ``(output, indices)``."""
    return _fractional_max_pool(3, input, kernel_size, output_size, output_ratio, True,
                                _random_samples)
