"""Functional convolutions: ``conv1d``, ``conv2d``, ``conv3d`` and ``conv_transpose1d/2d/3d``.

This layer checks the arguments, raising PyTorch's exceptions with PyTorch's
messages, turns ``stride/padding/dilation`` into per-axis tuples and the
convolution into a ``ConvGeometry`` through ``plan_geometry`` (the one gate that
bounds every index and buffer the kernels will use), then calls the
``Convolution`` autograd Function (grad_fn ``ConvolutionBackward0``).
"""
import numpy as np

from ...autograd.functions.conv import Convolution, plan_geometry

__all__ = ["conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
           "conv_transpose3d"]

_TYPE_NAMES = {np.dtype(np.float32): ("FloatTensor", "float", "Float"),
               np.dtype(np.float64): ("DoubleTensor", "double", "Double"),
               np.dtype(np.float16): ("HalfTensor", "half", "Half"),
               np.dtype(np.int64): ("LongTensor", "long int", "Long"),
               np.dtype(np.int32): ("IntTensor", "int", "Int"),
               np.dtype(np.int16): ("ShortTensor", "short int", "Short"),
               np.dtype(np.int8): ("CharTensor", "signed char", "Char"),
               np.dtype(np.uint8): ("ByteTensor", "unsigned char", "Byte"),
               np.dtype(np.bool_): ("BoolTensor", "bool", "Bool")}


def _type_name(dtype, form):
    names = _TYPE_NAMES.get(np.dtype(dtype), (str(dtype),) * 3)
    return names[form]


def _size(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _check_tensor(name, arg, position, value, optional=False):
    from ..._tensor import Tensor
    if isinstance(value, Tensor) or (optional and value is None):
        return
    raise TypeError(f"{name}(): argument '{arg}' (position {position}) must be Tensor, "
                    f"not {type(value).__name__}")


def _tuple(name, arg, value, dims):
    """An int or a sequence of 1 or ``dims`` ints -> a ``dims``-tuple (PyTorch's ``_ntuple``)."""
    if isinstance(value, (bool, np.bool_)) or (
            not isinstance(value, (int, np.integer, tuple, list))):
        raise TypeError(f"{name}(): argument '{arg}' must be tuple of ints, "
                        f"not {type(value).__name__}")
    if isinstance(value, (int, np.integer)):
        # PyTorch's argument parser reads these as C long long
        if not _INT64_MIN <= int(value) <= _INT64_MAX:
            raise ValueError("Overflow when unpacking long long")
        return (int(value),) * dims
    items = list(value)
    for pos, v in enumerate(items, 1):
        if not isinstance(v, (int, np.integer)):
            raise TypeError(f"{name}(): argument '{arg}' must be tuple of ints, but found "
                            f"element of type {type(v).__name__}")
        if not _INT64_MIN <= int(v) <= _INT64_MAX:
            raise TypeError(f"{name}(): argument '{arg}' failed to unpack the object at pos "
                            f"{pos} with error \"Overflow when unpacking long long\"")
    if len(items) == 1:
        return (int(items[0]),) * dims
    if len(items) != dims:
        raise RuntimeError(f"expected {arg} to be a single integer value or a list of {dims} "
                           f"values to match the convolution dimensions, but got "
                           f"{arg}={_size(items)}")
    return tuple(int(v) for v in items)


_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1
# PyTorch refuses larger paddings (2 * padding must fit in int64)
_PADDING_MAX = 2 ** 62 - 1


def _check_padding(padding):
    for axis, p in enumerate(padding):
        if p > _PADDING_MAX:
            raise RuntimeError(f"Given padding={p} at dimension {axis} , expected padding "
                               f"to be at most {_PADDING_MAX}")


def _lift(values, dims, fill):
    """A ``dims``-tuple for the last axes of a 3-d convolution."""
    return (fill,) * (3 - dims) + tuple(values)


def _check_common(name, input, weight, bias, dims, groups, transposed):
    """Dims, dtypes, groups and channel counts; returns whether ``input`` is batched."""
    x, w = input._data, weight._data
    if x.ndim not in (dims + 1, dims + 2):
        raise RuntimeError(f"Expected {dims + 1}D (unbatched) or {dims + 2}D (batched) input "
                           f"to {name}, but got input of size: {_size(x.shape)}")
    if w.ndim < 3:
        raise RuntimeError("weight should have at least three dimensions")
    if w.ndim != dims + 2:
        raise RuntimeError(f"expected stride to be a single integer value or a list of "
                           f"{w.ndim - 2} values to match the convolution dimensions, but got "
                           f"stride={_size([1] * dims)}")
    batched = x.ndim == dims + 2
    shown = x.shape if batched else (1,) + x.shape
    if x.dtype.kind != "f" or x.dtype == np.float16:
        raise RuntimeError(f'"{name}" not implemented for \'{_type_name(x.dtype, 2)}\'')
    if w.dtype != x.dtype:
        if w.dtype.kind != "f":
            raise RuntimeError(f"expected scalar type {_type_name(x.dtype, 2)} but found "
                               f"{_type_name(w.dtype, 2)}")
        raise RuntimeError(f"Input type (cynn.{_type_name(x.dtype, 0)}) and weight type "
                           f"(cynn.{_type_name(w.dtype, 0)}) should be the same")
    if bias is not None and bias._data.dtype != x.dtype:
        raise RuntimeError(f"Input type ({_type_name(x.dtype, 1)}) and bias type "
                           f"({_type_name(bias._data.dtype, 1)}) should be the same")
    if isinstance(groups, bool) or not isinstance(groups, (int, np.integer)):
        raise TypeError(f"{name}(): argument 'groups' must be int, not {type(groups).__name__}")
    if groups <= 0:
        raise RuntimeError("non-positive groups is not supported")
    if w.shape[0] == 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be at least 1 at "
                           f"dimension 0, but got weight of size {_size(w.shape)} instead")
    if w.shape[0] % groups != 0:
        raise RuntimeError(f"Given groups={groups}, expected weight to be divisible by "
                           f"{groups} at dimension 0, but got weight of size "
                           f"[{_size(w.shape)}] instead")
    c_in = w.shape[0] if transposed else w.shape[1] * groups
    c_out = w.shape[1] * groups if transposed else w.shape[0]
    if shown[1] != c_in:
        given = f"transposed=1" if transposed else f"groups={groups}"
        raise RuntimeError(f"Given {given}, weight of size {_size(w.shape)}, expected "
                           f"input{_size(shown)} to have {c_in} channels, but got "
                           f"{shown[1]} channels instead")
    if bias is not None and (bias._data.ndim != 1 or bias._data.shape[0] != c_out):
        given = "transposed=1, weight" if transposed else "weight"
        raise RuntimeError(f"Given {given} of size {_size(w.shape)}, expected bias to be "
                           f"1-dimensional with {c_out} elements, but got bias of size "
                           f"{_size(bias._data.shape)} instead")
    spatial = shown[2:]
    if shown[0] * shown[1] > 0 and 0 in spatial:
        raise RuntimeError(f"Only zero batch or zero channel inputs are supported, but got "
                           f"input shape: {_size(shown)}")
    return batched


def _conv(name, dims, input, weight, bias, stride, padding, dilation, groups):
    _check_tensor(name, "input", 1, input)
    _check_tensor(name, "weight", 2, weight)
    _check_tensor(name, "bias", 3, bias, optional=True)
    batched = _check_common(name, input, weight, bias, dims, groups, transposed=False)
    stride = _tuple(name, "stride", stride, dims)
    dilation = _tuple(name, "dilation", dilation, dims)
    kernel = tuple(weight._data.shape[2:])
    in_size = tuple(input._data.shape[-dims:])
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if isinstance(padding, str):
        if padding == "valid":
            before = after = (0,) * dims
        elif padding == "same":
            if any(s != 1 for s in stride):
                raise RuntimeError("padding='same' is not supported for strided convolutions")
            # PyTorch puts the odd unit of padding after the input
            total = tuple(d * (k - 1) for d, k in zip(dilation, kernel))
            before = tuple(t // 2 for t in total)
            after = tuple(t - t // 2 for t in total)
        else:
            raise RuntimeError(f"Invalid padding string: '{padding}'")
    else:
        before = after = _tuple(name, "padding", padding, dims)
        if any(p < 0 for p in before):
            raise RuntimeError("negative padding is not supported")
        _check_padding(before)
    padded = tuple(i + b + a for i, b, a in zip(in_size, before, after))
    extent = tuple(d * (k - 1) + 1 for d, k in zip(dilation, kernel))
    if any(p < e for p, e in zip(padded, extent)):
        raise RuntimeError(f"Calculated padded input size per channel: "
                           f"({' x '.join(map(str, padded))}). Kernel size: "
                           f"({' x '.join(map(str, extent))}). Kernel size can't be greater "
                           f"than actual input size")
    out_size = tuple((p - e) // s + 1 for p, e, s in zip(padded, extent, stride))
    geometry = plan_geometry(_lift(kernel, dims, 1), _lift(stride, dims, 1),
                             _lift(before, dims, 0), _lift(dilation, dims, 1),
                             _lift(in_size, dims, 1), _lift(out_size, dims, 1))
    return Convolution.apply(input, weight, bias, geometry=geometry, groups=int(groups),
                             transposed=False, spatial_dims=dims, batched=batched)


_AXES = {1: ("width",), 2: ("height", "width"), 3: ("depth", "height", "width")}


def _conv_transpose(name, dims, input, weight, bias, stride, padding, output_padding,
                    groups, dilation):
    _check_tensor(name, "input", 1, input)
    _check_tensor(name, "weight", 2, weight)
    _check_tensor(name, "bias", 3, bias, optional=True)
    if isinstance(padding, str):
        raise TypeError(f"{name}(): argument 'padding' must be tuple of ints, not str")
    batched = _check_common(name, input, weight, bias, dims, groups, transposed=True)
    stride = _tuple(name, "stride", stride, dims)
    padding = _tuple(name, "padding", padding, dims)
    output_padding = _tuple(name, "output_padding", output_padding, dims)
    dilation = _tuple(name, "dilation", dilation, dims)
    kernel = tuple(weight._data.shape[2:])
    in_size = tuple(input._data.shape[-dims:])
    if any(s <= 0 for s in stride):
        raise RuntimeError("non-positive stride is not supported")
    if any(d <= 0 for d in dilation):
        raise RuntimeError("non-positive dilation is not supported")
    if any(p < 0 for p in padding):
        raise RuntimeError("negative padding is not supported")
    if any(p < 0 for p in output_padding):
        raise RuntimeError("negative output_padding is not supported")
    _check_padding(padding)
    if any(op >= s and op >= d for op, s, d in zip(output_padding, stride, dilation)):
        # PyTorch's message names at least the height and width axes (1-d lifted to 2-d)
        axes = _AXES[max(dims, 2)]
        parts = []
        for name, values, fill in (("output_padding", output_padding, 0), ("stride", stride, 1),
                                   ("dilation", dilation, 1)):
            lifted = _lift(values, dims, fill)[-len(axes):]
            parts += [f"{name}_{axis}: {v}" for axis, v in zip(axes, lifted)]
        raise RuntimeError("output padding must be smaller than either stride or dilation, "
                           "but got " + " ".join(parts))
    out_size = tuple((i - 1) * s - 2 * p + d * (k - 1) + op + 1 for i, s, p, d, k, op
                     in zip(in_size, stride, padding, dilation, kernel, output_padding))
    # an empty output (size 0) is PyTorch's answer too; a negative one is an error
    if any(o < 0 for o in out_size):
        shown_in = _lift(in_size, dims, 1)[-max(dims, 2):]
        shown_out = _lift(out_size, dims, 1)[-max(dims, 2):]
        raise RuntimeError(f"Given input size per channel: ({' x '.join(map(str, shown_in))}). "
                           f"Calculated output size per channel: "
                           f"({' x '.join(map(str, shown_out))}). Output size is too small")
    # the plain convolution whose input gradient this is maps out_size -> in_size
    geometry = plan_geometry(_lift(kernel, dims, 1), _lift(stride, dims, 1),
                             _lift(padding, dims, 0), _lift(dilation, dims, 1),
                             _lift(out_size, dims, 1), _lift(in_size, dims, 1))
    return Convolution.apply(input, weight, bias, geometry=geometry, groups=int(groups),
                             transposed=True, spatial_dims=dims, batched=batched)


def conv1d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""1-d convolution (cross-correlation) over an input of several planes.

    Args:
        input: ``(N, C_in, L_in)`` or unbatched ``(C_in, L_in)``.
        weight: ``(C_out, C_in / groups, kL)``.
        bias: optional ``(C_out,)``.
        stride, dilation: int or 1-tuple, positive.
        padding: int, 1-tuple, ``'valid'`` (none) or ``'same'`` (output length = input
            length, stride 1 only; an odd total goes after the input).
        groups: input and output channels are split into this many groups.

    Shape:
        output ``(N, C_out, L_out)``, ``L_out = (L_in + 2 padding - dilation (kL - 1) - 1)
        // stride + 1``.

    Example::

        >>> x = cynn.randn(4, 3, 20)
        >>> F.conv1d(x, cynn.randn(8, 3, 5), padding=2).shape
        cynn.Size([4, 8, 20])
    """
    return _conv("conv1d", 1, input, weight, bias, stride, padding, dilation, groups)


def conv2d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""2-d convolution (cross-correlation) over an input of several planes.

    Args:
        input: ``(N, C_in, H_in, W_in)`` or unbatched ``(C_in, H_in, W_in)``.
        weight: ``(C_out, C_in / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, dilation: int or 2-tuple, positive.
        padding: int, 2-tuple, ``'valid'`` or ``'same'`` (stride 1 only).
        groups: input and output channels are split into this many groups;
            ``groups == C_in`` is a depthwise convolution.

    Shape:
        output ``(N, C_out, H_out, W_out)`` with
        ``H_out = (H_in + 2 padding[0] - dilation[0] (kH - 1) - 1) // stride[0] + 1``
        and likewise ``W_out``.

    Example::

        >>> x = cynn.randn(16, 3, 32, 32)
        >>> F.conv2d(x, cynn.randn(6, 3, 5, 5)).shape
        cynn.Size([16, 6, 28, 28])
    """
    return _conv("conv2d", 2, input, weight, bias, stride, padding, dilation, groups)


def conv3d(input, weight, bias=None, stride=1, padding=0, dilation=1, groups=1):
    r"""3-d convolution (cross-correlation) over an input of several volumes.

    Args:
        input: ``(N, C_in, D_in, H_in, W_in)`` or unbatched ``(C_in, D_in, H_in, W_in)``.
        weight: ``(C_out, C_in / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, dilation: int or 3-tuple, positive.
        padding: int, 3-tuple, ``'valid'`` or ``'same'`` (stride 1 only).
        groups: input and output channels are split into this many groups.

    Shape:
        output ``(N, C_out, D_out, H_out, W_out)``, each size
        ``(in + 2 padding - dilation (k - 1) - 1) // stride + 1``.

    Example::

        >>> F.conv3d(cynn.randn(2, 4, 8, 8, 8), cynn.randn(6, 4, 3, 3, 3)).shape
        cynn.Size([2, 6, 6, 6, 6])
    """
    return _conv("conv3d", 3, input, weight, bias, stride, padding, dilation, groups)


def conv_transpose1d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    r"""1-d transposed convolution (the input gradient of ``conv1d``).

    Args:
        input: ``(N, C_in, L_in)`` or unbatched ``(C_in, L_in)``.
        weight: ``(C_in, C_out / groups, kL)``.
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, dilation: int or 1-tuple; ``output_padding``
            must be smaller than the stride or the dilation.

    Shape:
        output ``(N, C_out, L_out)``, ``L_out = (L_in - 1) stride - 2 padding
        + dilation (kL - 1) + output_padding + 1``.

    Example::

        >>> F.conv_transpose1d(cynn.randn(2, 4, 10), cynn.randn(4, 3, 3), stride=2).shape
        cynn.Size([2, 3, 21])
    """
    return _conv_transpose("conv_transpose1d", 1, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose2d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    r"""2-d transposed convolution (the input gradient of ``conv2d``), "deconvolution".

    Args:
        input: ``(N, C_in, H_in, W_in)`` or unbatched ``(C_in, H_in, W_in)``.
        weight: ``(C_in, C_out / groups, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, dilation: int or 2-tuple; ``output_padding``
            must be smaller than the stride or the dilation on each axis.

    Shape:
        output ``(N, C_out, H_out, W_out)`` with ``H_out = (H_in - 1) stride[0]
        - 2 padding[0] + dilation[0] (kH - 1) + output_padding[0] + 1``, likewise ``W_out``.

    Example::

        >>> x = cynn.randn(1, 16, 12, 12)
        >>> F.conv_transpose2d(x, cynn.randn(16, 8, 3, 3), stride=2, padding=1,
        ...                    output_padding=1).shape
        cynn.Size([1, 8, 24, 24])
    """
    return _conv_transpose("conv_transpose2d", 2, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)


def conv_transpose3d(input, weight, bias=None, stride=1, padding=0, output_padding=0,
                     groups=1, dilation=1):
    r"""3-d transposed convolution (the input gradient of ``conv3d``).

    Args:
        input: ``(N, C_in, D_in, H_in, W_in)`` or unbatched ``(C_in, D_in, H_in, W_in)``.
        weight: ``(C_in, C_out / groups, kD, kH, kW)``.
        bias: optional ``(C_out,)``.
        stride, padding, output_padding, dilation: int or 3-tuple.

    Shape:
        output ``(N, C_out, D_out, H_out, W_out)``, each size ``(in - 1) stride
        - 2 padding + dilation (k - 1) + output_padding + 1``.

    Example::

        >>> F.conv_transpose3d(cynn.randn(1, 2, 4, 4, 4), cynn.randn(2, 3, 2, 2, 2),
        ...                    stride=2).shape
        cynn.Size([1, 3, 8, 8, 8])
    """
    return _conv_transpose("conv_transpose3d", 3, input, weight, bias, stride, padding,
                           output_padding, groups, dilation)
