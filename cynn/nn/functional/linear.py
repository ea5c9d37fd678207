"""Functional linear layer: ``linear`` (``y = x W^T + b``), PyTorch's checks and errors."""
import math

import numpy as np

from ...autograd.functions.linear import Addmm, Linear, Mm

__all__ = ["linear", "bilinear"]

_SCALAR_NAMES = {np.dtype(np.float32): "Float", np.dtype(np.float64): "Double",
                 np.dtype(np.float16): "Half", np.dtype(np.int64): "Long",
                 np.dtype(np.int32): "Int", np.dtype(np.int16): "Short",
                 np.dtype(np.int8): "Char", np.dtype(np.uint8): "Byte",
                 np.dtype(np.bool_): "Bool"}


def _scalar_name(dtype):
    return _SCALAR_NAMES.get(np.dtype(dtype), str(dtype))


def _c_name(dtype):
    return {"Float": "float", "Double": "double", "Long": "long int", "Int": "int",
            "Half": "c10::Half", "Bool": "bool"}.get(_scalar_name(dtype), str(dtype))


def linear(input, weight, bias=None):  # noqa: A002 -- PyTorch's argument names
    r"""Applies ``y = x W^T + b``.

    Args:
        input: ``(*, in_features)``, any number of leading dimensions (or none).
        weight: ``(out_features, in_features)``, or ``(in_features,)`` for a single
            output whose axis is dropped.
        bias: optional ``(out_features,)`` (or anything broadcastable to the flattened
            ``(prod(*), out_features)`` output, as PyTorch allows).

    Shape:
        output ``(*, out_features)``.

    The grad_fn is ``AddmmBackward0`` (with bias) or ``MmBackward0`` (without).

    Example::

        >>> x = cynn.randn(128, 20)
        >>> F.linear(x, cynn.randn(30, 20), cynn.randn(30)).shape
        cynn.Size([128, 30])
    """
    from ..._tensor import Tensor
    for position, (arg, value) in enumerate((("input", input), ("weight", weight)), 1):
        if not isinstance(value, Tensor):
            raise TypeError(f"linear(): argument '{arg}' (position {position}) must be "
                            f"Tensor, not {type(value).__name__}")
    if bias is not None and not isinstance(bias, Tensor):
        raise TypeError(f"linear(): argument 'bias' (position 3) must be Tensor, "
                        f"not {type(bias).__name__}")
    x, w = input._data, weight._data
    if x.ndim == 0 or w.ndim == 0:
        raise RuntimeError(f"both arguments to linear need to be at least 1D, but they are "
                           f"{x.ndim}D and {w.ndim}D")
    if w.ndim > 2:
        raise RuntimeError(f"t() expects a tensor with <= 2 dimensions, but self is {w.ndim}D")
    rows = math.prod(x.shape[:-1])
    out_features = w.shape[0] if w.ndim == 2 else 1
    if x.shape[-1] != w.shape[-1]:
        raise RuntimeError(f"mat1 and mat2 shapes cannot be multiplied ({rows}x{x.shape[-1]} "
                           f"and {w.shape[-1]}x{out_features})")
    if x.dtype != w.dtype:
        raise RuntimeError(f"expected m1 and m2 to have the same dtype, but got: "
                           f"{_c_name(x.dtype)} != {_c_name(w.dtype)}")
    if bias is not None:
        b = bias._data
        if b.dtype != x.dtype:
            raise RuntimeError(f"self and mat2 must have the same dtype, but got "
                               f"{_scalar_name(b.dtype)} and {_scalar_name(x.dtype)}")
        if w.ndim == 1:
            raise RuntimeError("mat2 must be a matrix, got 1-D tensor")
        # PyTorch broadcasts the bias to the flattened (rows, out_features) product
        target = (rows, out_features)
        if b.ndim > 2 or any(have not in (1, want) for have, want
                             in zip(b.shape[::-1], target[::-1])):
            raise RuntimeError(
                f"The expanded size of the tensor ({target[1]}) must match the existing "
                f"size ({b.shape[-1]}) at non-singleton dimension 1.  Target sizes: "
                f"[{rows}, {out_features}].  Tensor sizes: [{', '.join(map(str, b.shape))}]")
    op = Mm if bias is None else Addmm
    return op.apply(input, weight, bias)


def bilinear(input1, input2, weight, bias=None):
    """``y[..., k] = input1[..., :] @ weight[k] @ input2[..., :] + bias[k]``.

    Shape: ``input1 (*, in1)``, ``input2 (*, in2)``, ``weight (out, in1, in2)``,
    ``bias (out,)`` -> ``(*, out)``.
    """
    from ... import _ops
    from ..._tensor import Tensor
    for position, (name, t) in enumerate((("input1", input1), ("input2", input2),
                                          ("weight", weight)), 1):
        if not isinstance(t, Tensor):
            raise TypeError(f"bilinear(): argument '{name}' (position {position}) must be "
                            f"Tensor, not {type(t).__name__}")
    if input1.dim() != input2.dim():
        raise RuntimeError(f"bilinear(): input dimensions do not match: got {input1.dim()} and "
                           f"{input2.dim()}")
    if tuple(input1.shape[:-1]) != tuple(input2.shape[:-1]):
        raise RuntimeError(f"bilinear(): input batch dimensions do not match: got "
                           f"{list(input1.shape)} and {list(input2.shape)}")
    if weight.dim() != 3:
        raise RuntimeError(f"bilinear(): weight must be three-dimensional, got {weight.dim()}")
    if input1.shape[-1] != weight.shape[1]:
        raise RuntimeError(f"bilinear(): input1 size does not match weight size: got "
                           f"{input1.shape[-1]} but expected {weight.shape[1]}")
    if input2.shape[-1] != weight.shape[2]:
        raise RuntimeError(f"bilinear(): input2 size does not match weight size: got "
                           f"{input2.shape[-1]} but expected {weight.shape[2]}")
    out = _ops.einsum("...i,kij,...j->...k", input1, weight, input2)
    return out + bias if bias is not None else out
