"""Functional padding: ``pad`` with modes ``constant``, ``reflect``, ``replicate`` and
``circular``.

The checks mirror PyTorch's ``torch._C._nn.pad`` (its messages, in its order);
the work is done by the Functions of ``cynn/autograd/functions/padding.py``.
"""
import math
import numbers

import numpy as np

from ...autograd.functions.padding import INDEX_PADS, ConstantPad

__all__ = ["pad"]

_MODES = ("constant", "reflect", "replicate", "circular")
_KERNEL_NAMES = {"reflect": "reflection_pad", "replicate": "replication_pad"}
_C_TYPES = {np.dtype(np.int64): "int64_t", np.dtype(np.int32): "int32_t",
            np.dtype(np.int16): "int16_t", np.dtype(np.int8): "int8_t",
            np.dtype(np.uint8): "uint8_t"}
_UNSUPPORTED_COMBINATION = (
    "Padding size {n_pad} is not supported for {ndim}D input tensor.\n"
    "Supported combinations for non-constant padding:\n"
    "  - 2D or 3D input: padding size = 2 (pads last dimension)\n"
    "  - 3D or 4D input: padding size = 4 (pads last 2 dimensions)\n"
    "  - 4D or 5D input: padding size = 6 (pads last 3 dimensions)")


def _type_name(value):
    cls = type(value)
    return cls.__name__ if cls.__module__ == "builtins" else f"{cls.__module__}.{cls.__name__}"


def _is_int(value):
    return isinstance(value, numbers.Integral) and not isinstance(value, (bool, np.bool_))


def _size(shape):
    return "[" + ", ".join(str(s) for s in shape) + "]"


def _parse(input, pad, mode, value):
    from ..._tensor import Tensor
    if not isinstance(input, Tensor):
        raise TypeError(f"pad(): argument 'input' (position 1) must be Tensor, "
                        f"not {_type_name(input)}")
    if not isinstance(pad, (tuple, list)):
        raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, "
                        f"not {_type_name(pad)}")
    for i, v in enumerate(pad):
        if _is_int(v):
            continue
        if i == 0:
            raise TypeError(f"pad(): argument 'pad' (position 2) must be tuple of ints, "
                            f"but found element of type {_type_name(v)} at pos 0")
        raise TypeError(f"pad(): argument 'pad' failed to unpack the object at pos {i + 1} "
                        f'with error "type must be tuple of ints,but got {_type_name(v)}"')
    if not isinstance(mode, str):
        raise TypeError(f"pad(): argument 'mode' (position 3) must be str, "
                        f"not {_type_name(mode)}")
    if value is not None and not isinstance(value, numbers.Real):
        raise TypeError(f"pad(): argument 'value' (position 4) must be float, "
                        f"not {_type_name(value)}")
    return [int(v) for v in pad]


def _fill_value(value, dtype):
    """``value`` converted to ``dtype`` as PyTorch does (truncating, range-checked)."""
    if value is None:
        return dtype.type(0)
    if dtype == np.bool_:
        return bool(value)
    if dtype.kind in "iu":
        info = np.iinfo(dtype)
        if not math.isfinite(value) or not info.min <= math.trunc(value) <= info.max:
            raise RuntimeError(f"value cannot be converted to type {_C_TYPES.get(dtype, dtype)} "
                               "without overflow")
        return dtype.type(math.trunc(value))
    return dtype.type(value)


def _constant_pad(input, x, pairs, value):
    fill = _fill_value(value, x.dtype)
    # PyTorch first narrows away negative pads, outermost padded axis first.
    for k in reversed(range(len(pairs))):
        before, after = pairs[k]
        n = x.shape[x.ndim - 1 - k]
        if before < 0:
            n += before
            if n < 0:
                raise RuntimeError("narrow(): length must be non-negative.")
        if after < 0 and n + after < 0:
            raise RuntimeError("narrow(): length must be non-negative.")
    return ConstantPad.apply(input, pairs=tuple(pairs), value=fill)


def _check_index_pad(x, pairs, mode):
    """Shape checks of PyTorch's reflection/replication kernels and ``_pad_circular``."""
    dims = len(pairs)
    if mode == "circular":
        for k in reversed(range(dims)):   # outermost padded axis first
            before, after = pairs[k]
            n = x.shape[x.ndim - 1 - k]
            if before > n or after > n:
                raise RuntimeError("Padding value causes wrapping around more than once.")
            if n + before + after < 0:
                raise RuntimeError("Negative padding value is resulting in an empty dimension")
        for k, (before, after) in enumerate(pairs):
            kept = x.shape[x.ndim - 1 - k] - max(-before, 0) - max(-after, 0)
            if before > kept or after > kept:
                # PyTorch wraps around the cropped input by copying within the output,
                # which then overlaps itself: an error, or undefined values where its
                # overlap check does not look (several padded axes). Always an error here.
                raise RuntimeError(
                    "unsupported operation: some elements of the input tensor and the "
                    "written-to tensor refer to a single memory location. Please clone() "
                    "the tensor before performing the operation.")
        return
    batched = x.ndim == dims + 2
    if any(s == 0 for s in x.shape[1 if batched else 0:]):
        raise RuntimeError(f"Expected {dims + 1}D or {dims + 2}D (batch mode) tensor with "
                           "possibly 0 batch size and other non-zero dimensions for input, "
                           f"but got: {_size(x.shape)}")
    if mode == "reflect":
        for k, (before, after) in enumerate(pairs):
            axis = x.ndim - 1 - k
            if not (before < x.shape[axis] and after < x.shape[axis]):
                raise RuntimeError(
                    f"Argument #{4 + 2 * k}: Padding size should be less than the "
                    "corresponding input dimension, but got: padding "
                    f"({before}, {after}) at dimension {axis} of input {_size(x.shape)}")
    sizes = [x.shape[x.ndim - 1 - k] for k in range(dims)]   # W, H, D
    outs = [n + before + after for n, (before, after) in zip(sizes, pairs)]
    if all(o < 1 for o in outs):
        if dims == 1:
            shown = f"input (W: {sizes[0]}) is too small. Calculated output W: {outs[0]}"
        elif dims == 2:
            gap = " " if mode == "replicate" else ""
            shown = (f"input (H: {sizes[1]}, W: {sizes[0]}{gap}) is too small. Calculated "
                     f"output H: {outs[1]} W: {outs[0]}")
        else:
            shown = (f"input (D: {sizes[2]} H: {sizes[1]}, W: {sizes[0]}) is too small. "
                     f"Calculated output D: {outs[2]} H: {outs[1]} W: {outs[0]}")
        raise RuntimeError(shown)
    if any(o < 0 for o in outs):
        if mode == "reflect" and dims == 2:
            raise RuntimeError("numel: integer multiplication overflow")
        out_shape = list(x.shape[:x.ndim - dims]) + outs[::-1]
        negative = next(o for o in outs[::-1] if o < 0)
        raise RuntimeError(f"Trying to create tensor with negative dimension {negative}: "
                           f"{_size(out_shape)}")
    if x.dtype == np.bool_:
        raise NotImplementedError(f'"{_KERNEL_NAMES[mode]}{dims}d" not implemented for '
                                  "'Bool'")


def pad(input, pad, mode="constant", value=None):
    """Pads the last ``len(pad) // 2`` axes of ``input``.

    Args:
        input: a tensor of any shape (``constant``), or with the padded axes last
            and one or two leading axes (other modes: ``(C, W)``/``(N, C, W)`` for
            a 2-element ``pad``, ``(C, H, W)``/``(N, C, H, W)`` for 4, ``(C, D, H, W)``/
            ``(N, C, D, H, W)`` for 6).
        pad: ``(left, right, top, bottom, front, back)``, last axis first, as many
            pairs as axes to pad; negative entries crop.
        mode: ``'constant'`` (fill with ``value``, default 0), ``'reflect'`` (mirror
            without repeating the edge; each pad smaller than its axis),
            ``'replicate'`` (repeat the edge) or ``'circular'`` (wrap around; each pad
            at most its axis).
        value: fill value for ``'constant'``.

    Shape:
        each padded axis grows from ``n`` to ``n + before + after``.

    Example::

        >>> F.pad(cynn.tensor([[1., 2., 3.]]), (2, 1), mode="reflect")
        tensor([[3., 2., 1., 2., 3., 2.]])
    """
    pad_list = _parse(input, pad, mode, value)
    x = input._data
    if mode not in _MODES:
        raise NotImplementedError(f"Unrecognised padding mode {mode}")
    if len(pad_list) % 2 != 0:
        raise RuntimeError("Padding length must be divisible by 2")
    if len(pad_list) > 2 * x.ndim:
        raise RuntimeError("Padding length should be less than or equal to two times the input "
                           f"dimension but got padding length {len(pad_list)} and input of "
                           f"dimension {x.ndim}")
    pairs = [(pad_list[2 * k], pad_list[2 * k + 1]) for k in range(len(pad_list) // 2)]
    if mode == "constant":
        return _constant_pad(input, x, pairs, value)
    if value is not None and value != 0:
        raise RuntimeError(f'Padding mode "{mode}" doesn\'t take in value argument')
    dims = len(pairs)
    if dims not in (1, 2, 3) or x.ndim not in (dims + 1, dims + 2):
        raise NotImplementedError(_UNSUPPORTED_COMBINATION.format(n_pad=len(pad_list),
                                                                  ndim=x.ndim))
    _check_index_pad(x, pairs, mode)
    return INDEX_PADS[mode, dims].apply(input, pairs=tuple(pairs), mode=mode)
