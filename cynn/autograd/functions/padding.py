"""Padding as autograd Functions: constant, and the index-map modes reflect,
replicate and circular.

``pairs`` lists ``(before, after)`` per padded axis, last axis first (PyTorch's
``pad`` order); a negative entry crops. Arguments arrive validated by
``cynn/nn/functional/padding.py``.

Every mode is separable: output position ``j`` of a padded axis of size ``n``
reads input position ``m(j)``, with ``i = j - before``

* constant:  ``i`` if ``0 <= i < n``, else the fill value (``m = -1``),
* reflect:   ``i`` mirrored at both ends without repeating the edge,
* replicate: ``clip(i, 0, n - 1)``,
* circular:  ``i mod n`` (with negative pads PyTorch crops first and wraps
  around what is left),

and a corner reads ``x[m_h(j_h), m_w(j_w)]``. The forward gathers whole rows of
the last axis in ``pyx/pad.pyx`` (one memcpy for the middle of each row), one
pass over the output; the backward scatter-adds the rows back the same way.
"""
import functools
import math

import numpy as np

from ..._kernels import pad as _pad
from ..._threads import kernel_threads
from ..function import Function

__all__ = ["ConstantPad", "IndexPad", "INDEX_PADS", "source_index"]


def _frozen(array):
    """Cached arrays are shared between calls: make them read-only."""
    array.flags.writeable = False
    return array


@functools.lru_cache(maxsize=256)
def source_index(n, before, after, mode):
    """``m(j)`` for ``j`` in ``range(n + before + after)`` (see the module docstring)."""
    i = np.arange(-before, n + after, dtype=np.intp)
    if mode == "constant":
        return _frozen(np.where((i >= 0) & (i < n), i, -1))
    if mode == "reflect":
        return _frozen((n - 1) - np.abs((n - 1) - np.abs(i)))
    if mode == "replicate":
        return _frozen(np.clip(i, 0, n - 1))
    first, kept = max(-before, 0), n - max(-before, 0) - max(-after, 0)
    if kept <= 0:
        return _frozen(np.zeros(0, np.intp))
    return _frozen(first + np.mod(np.arange(i.size, dtype=np.intp) - max(before, 0), kept))


@functools.lru_cache(maxsize=64)
def _plan(shape, pairs, mode):
    """The maps of ``pad.gather_rows``: the last axis' map and its identity run
    ``(start, length, src)``; the row axes (all but the last, innermost first,
    runs of unpadded axes merged into one) as ``(size, stride, offset)`` rows with
    their maps concatenated (offset -1: the identity)."""
    before, after = pairs[0] if pairs else (0, 0)
    n = shape[-1]
    kept = n - max(-before, 0) - max(-after, 0)
    map_w = source_index(n, before, after, mode)
    run = (max(before, 0), kept, max(-before, 0)) if kept > 0 else (0, 0, 0)
    axes, maps = [], []
    in_stride, n_maps = 1, 0
    for axis in reversed(range(len(shape) - 1)):   # innermost first
        k = len(shape) - 1 - axis
        if k < len(pairs):
            index = source_index(shape[axis], *pairs[k], mode)
            axes.append([index.size, in_stride, n_maps])
            maps.append(index)
            n_maps += index.size
        elif axes and axes[-1][2] < 0:   # continues an identity run
            axes[-1][0] *= shape[axis]
        else:
            axes.append([shape[axis], in_stride, -1])
        in_stride *= shape[axis]
    axes = np.array(axes, np.intp).reshape(-1, 3)
    maps = np.concatenate(maps) if maps else np.zeros(0, np.intp)
    return map_w, run, _frozen(axes), _frozen(maps.astype(np.intp, copy=False))


def _pad_forward(x, pairs, mode, fill):
    out_shape = list(x.shape)
    for k, (before, after) in enumerate(pairs):
        out_shape[x.ndim - 1 - k] += before + after
    y = np.empty(out_shape, x.dtype)
    if y.size == 0:
        return y
    if x.size == 0:   # constant padding of an empty axis: nothing but fill
        y[...] = fill
        return y
    if x.ndim == 0:
        y[()] = x
        return y
    map_w, (start, length, src), axes, maps = _plan(x.shape, pairs, mode)
    x = np.ascontiguousarray(x)
    _pad.gather_rows(x.view(np.uint8).reshape(-1, x.shape[-1] * x.dtype.itemsize),
                     y.view(np.uint8).reshape(-1, y.shape[-1] * y.dtype.itemsize), axes, maps,
                     map_w, start, length, src, np.array(fill, x.dtype).reshape(1).view(np.uint8),
                     kernel_threads())
    return y


class ConstantPad(Function):
    """``y = value`` outside ``x``, ``x`` (cropped where a pad is negative) inside;
    ``gx`` is the matching window of ``gy`` (zero where ``x`` was cropped)."""

    grad_fn_name = "ConstantPadNdBackward0"

    @staticmethod
    def forward(ctx, x, pairs, value=0):
        src, dst = [slice(None)] * x.ndim, [slice(None)] * x.ndim
        for k, (before, after) in enumerate(pairs):
            axis = x.ndim - 1 - k
            kept = x.shape[axis] - max(-before, 0) - max(-after, 0)
            src[axis] = slice(max(-before, 0), max(-before, 0) + kept)
            dst[axis] = slice(max(before, 0), max(before, 0) + kept)
        ctx.input_shape, ctx.src, ctx.dst = x.shape, tuple(src), tuple(dst)
        ctx.cropped = any(before < 0 or after < 0 for before, after in pairs)
        return _pad_forward(x, tuple(pairs), "constant", value)

    @staticmethod
    def backward(ctx, gy):
        if not ctx.cropped:   # a view, as PyTorch's narrow(); nothing writes into it
            return gy[ctx.dst]
        gx = np.zeros(ctx.input_shape, gy.dtype)
        gx[ctx.src] = gy[ctx.dst]
        return gx


class IndexPad(Function):
    """Reflect, replicate or circular padding: ``y = x[m_1(j_1), ..., m_k(j_k)]``
    over the padded axes; ``gx`` sums ``gy`` over every ``j`` reading each input."""

    fresh_gradients = True   # backward returns an array it allocated, nothing else holds

    @staticmethod
    def forward(ctx, x, pairs, mode):
        ctx.input_shape, ctx.pairs, ctx.mode = x.shape, tuple(pairs), mode
        return _pad_forward(x, ctx.pairs, mode, 0)

    @staticmethod
    def backward(ctx, gy):
        # The kernel takes float32/float64; a float16 gradient is summed in float32.
        dtype = gy.dtype if gy.dtype in (np.float32, np.float64) else np.dtype(np.float32)
        gx = np.empty(ctx.input_shape, dtype)
        if not (gy.size and gx.size):
            gx[...] = 0
        else:   # the kernel zeroes gx itself, in parallel
            map_w, (start, length, src), axes, maps = _plan(ctx.input_shape, ctx.pairs,
                                                            ctx.mode)
            # a plane: the rows of the padded axes but the last; no row reads another plane
            rows_per_plane = math.prod(gy.shape[gy.ndim - len(ctx.pairs):-1])
            _pad.scatter_add_rows(np.ascontiguousarray(gy, dtype).reshape(-1, gy.shape[-1]),
                                  gx.reshape(-1, gx.shape[-1]), axes, maps, map_w, start,
                                  length, src, rows_per_plane, kernel_threads())
        return gx.astype(gy.dtype, copy=False)


# PyTorch names the node after its 1-d, 2-d or 3-d kernel; its circular padding is
# a composite of slice copies, whose last node is CopySlices.
class ReflectionPad1d(IndexPad):
    grad_fn_name = "ReflectionPad1DBackward0"


class ReflectionPad2d(IndexPad):
    grad_fn_name = "ReflectionPad2DBackward0"


class ReflectionPad3d(IndexPad):
    grad_fn_name = "ReflectionPad3DBackward0"


class ReplicationPad1d(IndexPad):
    grad_fn_name = "ReplicationPad1DBackward0"


class ReplicationPad2d(IndexPad):
    grad_fn_name = "ReplicationPad2DBackward0"


class ReplicationPad3d(IndexPad):
    grad_fn_name = "ReplicationPad3DBackward0"


class CircularPad(IndexPad):
    grad_fn_name = "CopySlices"


# PyTorch's node prints as <CopySlices ...> but its name() carries the C++ namespace.
CircularPad._node_type.name = lambda self: "torch::autograd::CopySlices"

INDEX_PADS = {("reflect", 1): ReflectionPad1d, ("reflect", 2): ReflectionPad2d,
              ("reflect", 3): ReflectionPad3d, ("replicate", 1): ReplicationPad1d,
              ("replicate", 2): ReplicationPad2d, ("replicate", 3): ReplicationPad3d,
              ("circular", 1): CircularPad, ("circular", 2): CircularPad,
              ("circular", 3): CircularPad}


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True): index
# padding is linear in its input (graph_backward.LinearAdjoint).

def _constant_pad_grad(ctx, inputs, g):
    if ctx.cropped:
        return NotImplemented
    return (g[ctx.dst],) + (None,) * (len(inputs) - 1)


def _attach():
    from ..recorded_formulas import linear_grad_graph
    IndexPad.grad_graph = staticmethod(linear_grad_graph)
    ConstantPad.grad_graph = staticmethod(_constant_pad_grad)


_attach()
