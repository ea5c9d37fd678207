"""Functional pooling: ``max_pool1d/2d``, ``avg_pool1d/2d``, ``adaptive_avg_pool2d``,
``adaptive_max_pool2d`` and ``max_unpool2d``.

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
``TypeError`` beyond), and 2-d pooling -- which also runs ``avg_pool1d`` and
``max_pool1d`` with indices or gradients -- converts its window to C ``int``
(``RuntimeError`` beyond). Only ``max_pool1d``'s direct path takes int64
windows; those are clamped to the taps that can reach the input (see
``_max_pool1d_windows``) so that the kernels see values of the input's order.
"""
import math
import numbers

import numpy as np

from ...autograd.functions import pool as P
from ...autograd.grad_mode import is_grad_enabled

__all__ = ["max_pool1d", "max_pool2d", "max_pool1d_with_indices", "max_pool2d_with_indices",
           "avg_pool1d", "avg_pool2d", "adaptive_avg_pool2d", "adaptive_max_pool2d",
           "adaptive_max_pool2d_with_indices", "max_unpool2d"]

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
        kernel = _int_list("max_pool2d", "kernel_size", 2, kernel_size, 2)
        stride = () if stride is None else _int_list("max_pool2d", "stride", 3, stride, 2)
        padding = _int_list("max_pool2d", "padding", 4, padding, 2)
        dilation = _int_list("max_pool2d", "dilation", 5, dilation, 2)
        ceil_mode = _check_bool("max_pool2d", "ceil_mode", 6, ceil_mode)
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
    kernel = _int_list("max_pool1d", "kernel_size", 2, kernel_size, 1)
    stride = () if stride is None else _int_list("max_pool1d", "stride", 3, stride, 1)
    padding = _int_list("max_pool1d", "padding", 4, padding, 1)
    dilation = _int_list("max_pool1d", "dilation", 5, dilation, 1)
    ceil_mode = _check_bool("max_pool1d", "ceil_mode", 6, ceil_mode)
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
    if divisor_override is not None and not _is_int(divisor_override):
        raise TypeError("avg_pool2d(): argument 'divisor_override' must be int, "
                        f"not {_type_name(divisor_override)}")
    if divisor_override is not None and not _INT64_MIN <= divisor_override <= _INT64_MAX:
        raise ValueError(_INT64_OVERFLOW)
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


def _adaptive_output_size(fn, output_size, shape):
    size = _list_with_default(output_size, shape)
    return _int_list(fn, "output_size", 2, size, 2)


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
        if x.dtype not in _FLOATS:
            raise RuntimeError("mean(): could not infer output dtype. Input dtype must be "
                               "either a floating point or complex dtype. Got: "
                               f"{_SCALAR_NAMES.get(x.dtype, str(x.dtype))}")
        if x.ndim < 2:
            raise IndexError("Dimension out of range (expected to be in range of [-1, 0], "
                             "but got -2)")
        return P.AdaptiveAvgPoolGlobal.apply(input)
    if x.ndim not in (3, 4):
        raise RuntimeError(f"adaptive_avg_pool2d(): Expected 3D or 4D tensor, but got "
                           f"{_size(x.shape)}")
    for axis in (x.ndim - 2, x.ndim - 1):
        if x.shape[axis] == 0:
            raise RuntimeError("adaptive_avg_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {_size(x.shape)} "
                               f"with dimension {axis} being empty")
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
    for axis in range(1, x.ndim):
        if x.shape[axis] == 0:
            raise RuntimeError("adaptive_max_pool2d(): Expected input to have non-zero size for "
                               f"non-batch dimensions, but input has sizes {_size(x.shape)} "
                               f"with dimension {axis} being empty")
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
    idx = _check_input("max_unpool2d", indices, 2, "indices")
    kernel = _pair(kernel_size)
    stride = kernel if stride is None else _pair(stride)
    padding = _pair(padding)
    size = _unpool_output_size(x.shape, kernel, stride, padding, output_size)
    size = _int_list("max_unpool2d", "output_size", 3, list(size), 2)
    if idx.dtype != np.int64:
        raise RuntimeError("elements in indices should be type int64 but got: "
                           f"{_SCALAR_NAMES.get(idx.dtype, str(idx.dtype))}")
    if len(size) != 2:
        raise RuntimeError("There should be exactly two elements (height, width) in "
                           f"output_size, but got {len(size)} elements.")
    if x.ndim not in (3, 4):
        raise RuntimeError("Input to max_unpooling2d should be a 3d or 4d Tensor, but got a "
                           f"tensor with {x.ndim} dimensions.")
    if x.shape != idx.shape:
        raise RuntimeError("Expected shape of indices to be same as that of the input tensor "
                           f"({_size(x.shape)}) but got indices tensor with shape: "
                           f"{_size(idx.shape)}")
    for axis in range(1, x.ndim):
        if x.shape[axis] == 0:
            raise RuntimeError("max_unpooling2d_forward_out_cpu(): Expected input to have "
                               f"non-zero size for non-batch dimensions, but got "
                               f"{_size(x.shape)} with dimension {axis} being empty.")
    _check_new_shape(x.shape[:-2] + tuple(size))
    if x.size:   # PyTorch skips empty inputs
        _check_dtype("max_unpool2d", x, _FLOATS)
    n_out = size[0] * size[1]
    invalid = (idx < 0) | (idx >= n_out)
    if invalid.any():
        # PyTorch's loop keeps overwriting the error index: it reports the last one.
        bad = idx.reshape(-1)[np.flatnonzero(invalid.reshape(-1))[-1]]
        raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of size "
                           f"{size[0]}x{size[1]})")
    return P.MaxUnpool2d.apply(input, indices, out_size=size)
