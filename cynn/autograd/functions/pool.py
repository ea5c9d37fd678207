"""Pooling as autograd Functions: max, average, adaptive, fractional, and max-unpooling.

Inputs arrive validated by ``cynn/nn/functional/pooling.py``: ``(N, C, *spatial)``
or ``(C, *spatial)`` arrays with one to three non-empty spatial axes. Each 1-d or
2-d op views its input as ``(planes, h, w)`` with ``planes = N * C`` (1-d pooling
as ``h = 1``) and runs the kernels of ``pyx/pool.pyx``; 3-d ops (and fractional
2-d pooling, as ``d = 1``) view it as ``(planes, d, h, w)`` and run those of
``pyx/pool3d.pyx`` and ``pyx/pool_fractional.pyx``; the index scatters and gathers
of max pooling and unpooling, the same at any rank, are ``pyx/pool.pyx``'s for all.
Kernels take float32 or float64. Other dtypes PyTorch pools (float16; integers for
max pooling, int64 for average pooling) are computed in the wider float type and
cast back.

The forward keeps only what backward needs: max pooling the argmax (``indices``,
flat offsets into each input plane, exactly what PyTorch returns), average
pooling nothing but the geometry.
"""
import math
from typing import NamedTuple

import numpy as np

from ..._kernels import pool as _pool
from ..._kernels import pool3d as _pool3d
from ..._kernels import pool_fractional as _fractional
from ..._threads import kernel_threads
from ..function import Function

__all__ = ["PoolWindow", "MaxPool2d", "MaxPool1d", "AvgPool2d", "AvgPool1d",
           "AdaptiveAvgPool2d", "AdaptiveAvgPoolGlobal", "AdaptiveMaxPool2d", "MaxUnpool2d",
           "Window3d", "MaxPool3d", "AvgPool3d", "AdaptiveAvgPool3d", "AdaptiveMaxPool3d",
           "MaxUnpool3d", "FractionalMaxPool2d", "FractionalMaxPool3d"]

# Integers above this magnitude are not exact in float64.
_FLOAT64_EXACT_INT = 2 ** 53


class PoolWindow(NamedTuple):
    """A pooling window on the last ``dims`` (1 or 2) axes. Every field is a pair
    ``(h, w)``; 1-d pooling has kernel, stride, dilation and output height 1 and
    height padding 0."""
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    out_size: tuple
    dims: int


def _empty(shape, dtype):
    """``np.empty``, failing as PyTorch's allocator does when memory runs out."""
    try:
        return np.empty(shape, dtype)
    except (MemoryError, ValueError):
        n_bytes = math.prod(shape) * np.dtype(dtype).itemsize
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to "
                           f"allocate {n_bytes} bytes.") from None


def _compute_dtype(dtype):
    if dtype in (np.float32, np.float64):
        return dtype
    if dtype == np.float16:
        return np.dtype(np.float32)
    return np.dtype(np.float64)


def _as_volumes(x, dims=3):
    """``x`` as a C-contiguous ``(planes, d, h, w)`` array of the compute dtype; 2-d
    inputs (``dims=2``) get ``d = 1``."""
    dtype = _compute_dtype(x.dtype)
    if x.dtype.kind in "iu" and x.size and (x.max() > _FLOAT64_EXACT_INT
                                             or x.min() < -_FLOAT64_EXACT_INT):
        raise RuntimeError("cynn pools integer tensors in float64, which holds them exactly "
                           "only up to 2**53 in magnitude; this input has larger values")
    spatial = (1,) * (3 - dims) + tuple(x.shape[-dims:])
    return np.ascontiguousarray(x, dtype=dtype).reshape((-1,) + spatial)


def _as_planes(x, dims):
    """``x`` as a C-contiguous ``(planes, h, w)`` float array of the compute dtype."""
    vol = _as_volumes(x, dims)
    return vol.reshape(vol.shape[0], vol.shape[2], vol.shape[3])


def _out_shape(x_shape, dims, out_size):
    return x_shape[:-dims] + tuple(out_size[2 - dims:])


def _result(y, x_dtype, shape):
    """Cast back from the compute dtype; integer means truncate toward zero (C++)."""
    if y.dtype != x_dtype:
        if x_dtype.kind in "iu":
            y = np.trunc(y)
        y = y.astype(x_dtype)
    return y.reshape(shape)


def _grad_planes(g, dtype, n_planes, n):
    """An upstream gradient as C-contiguous ``(n_planes, n)`` of the compute dtype."""
    return np.ascontiguousarray(g, dtype=dtype).reshape(n_planes, n)


class MaxPool2d(Function):
    """``y = max over each window of x`` (with dilation and -inf padding);
    ``gx[argmax] += gy``."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "MaxPool2DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, window, return_indices=False):
        needs_grad = any(ctx.needs_input_grad)
        planes = _as_planes(x, window.dims)
        (kh, kw), (sh, sw), (ph, pw), (dh, dw) = (window.kernel, window.stride,
                                                  window.padding, window.dilation)
        y = _empty((planes.shape[0],) + tuple(window.out_size), planes.dtype)
        indices = None
        if return_indices or needs_grad:
            indices = _empty(y.shape, np.int64)
        _pool.max_pool2d_forward(planes, y, indices, kh, kw, sh, sw, ph, pw, dh, dw,
                                 kernel_threads())
        shape = _out_shape(x.shape, window.dims, window.out_size)
        y = _result(y, x.dtype, shape)
        if indices is not None:
            indices = indices.reshape(shape)
        return _max_outputs(ctx, y, indices, return_indices, needs_grad, x.shape, planes.shape)

    @staticmethod
    def backward(ctx, gy, grad_indices=None):
        return _scatter_to_argmax(gy, ctx)


class MaxPool1d(MaxPool2d):
    # PyTorch runs 1-d pooling as 2-d on an unsqueezed input and squeezes the result.
    grad_fn_name = "SqueezeBackward1"


def _max_outputs(ctx, y, indices, return_indices, save, input_shape, plane_shape):
    """The end of a max pool's forward: if ``save``, keep the argmax and the shapes
    for backward (``plane_shape`` is ``(planes, *pooled axes)``); then the outputs,
    ``(y, indices)`` with the indices non-differentiable if ``return_indices``."""
    if save:
        ctx.save_for_backward(indices)
        ctx.input_shape, ctx.plane_shape = input_shape, plane_shape
    if return_indices:
        ctx.mark_non_differentiable(indices)
        return y, indices
    return y


def _scatter_to_argmax(gy, ctx):
    """A max pool's backward, ``gx[p, indices[p, o]] += gy[p, o]`` over the input
    planes, from what ``_max_outputs`` saved."""
    (indices,) = ctx.saved_tensors
    n_planes, n_in = ctx.plane_shape[0], math.prod(ctx.plane_shape[1:])
    n_out = indices.size // n_planes if n_planes else 0
    dtype = _compute_dtype(np.dtype(gy.dtype))
    gx = np.empty((n_planes, n_in), dtype)
    _pool.scatter_add_by_index(_grad_planes(gy, dtype, n_planes, n_out),
                               np.ascontiguousarray(indices).reshape(n_planes, n_out), gx,
                               kernel_threads())
    return gx.astype(gy.dtype, copy=False).reshape(ctx.input_shape)


class AvgPool2d(Function):
    """``y = mean over each window of x`` with PyTorch's divisor rules;
    ``gx[window] += gy / divisor``."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "AvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, window, count_include_pad=True, divisor_override=None):
        planes = _as_planes(x, window.dims)
        (kh, kw), (sh, sw), (ph, pw) = window.kernel, window.stride, window.padding
        y = _empty((planes.shape[0],) + tuple(window.out_size), planes.dtype)
        _pool.avg_pool2d_forward(planes, y, kh, kw, sh, sw, ph, pw, count_include_pad,
                                 divisor_override or 0, kernel_threads())
        ctx.input_shape, ctx.plane_shape = x.shape, planes.shape
        ctx.window, ctx.count_include_pad = window, count_include_pad
        ctx.divisor_override = divisor_override or 0
        return _result(y, x.dtype, _out_shape(x.shape, window.dims, window.out_size))

    @staticmethod
    def backward(ctx, gy):
        window = ctx.window
        (kh, kw), (sh, sw), (ph, pw) = window.kernel, window.stride, window.padding
        dtype = _compute_dtype(np.dtype(gy.dtype))
        n_planes = ctx.plane_shape[0]
        g = np.ascontiguousarray(gy, dtype=dtype).reshape((n_planes,) + tuple(window.out_size))
        gx = np.empty(ctx.plane_shape, dtype)
        _pool.avg_pool2d_backward(g, gx, kh, kw, sh, sw, ph, pw, ctx.count_include_pad,
                                  ctx.divisor_override, kernel_threads())
        return gx.astype(gy.dtype, copy=False).reshape(ctx.input_shape)


class AvgPool1d(AvgPool2d):
    # PyTorch runs 1-d pooling as 2-d on an unsqueezed input and squeezes the result.
    grad_fn_name = "SqueezeBackward1"


def _check_adaptive_grad(name, gy):
    """PyTorch's adaptive backward kernels refuse an empty cell grid (or channel
    axis), even where there is nothing to compute."""
    for axis in range(1, gy.ndim):
        if gy.shape[axis] == 0:
            shape = "[" + ", ".join(str(n) for n in gy.shape) + "]"
            raise RuntimeError(f"{name}(): Expected grad_output to have non-zero size for "
                               f"non-batch dimensions, but grad_output has sizes {shape} with "
                               f"dimension {axis} being empty")


class AdaptiveAvgPool2d(Function):
    """Mean over cell ``[floor(i * in / out), ceil((i + 1) * in / out))`` per axis."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "AdaptiveAvgPool2DBackward0"

    @staticmethod
    def forward(ctx, x, out_size):
        planes = _as_planes(x, 2)
        y = _empty((planes.shape[0],) + tuple(out_size), planes.dtype)
        if y.size:   # the loops run over rows: (2**40, 0) cells would take forever
            _pool.adaptive_pool2d_forward(planes, y, None, kernel_threads())
        ctx.input_shape, ctx.plane_shape, ctx.out_size = x.shape, planes.shape, tuple(out_size)
        return _result(y, x.dtype, _out_shape(x.shape, 2, out_size))

    @staticmethod
    def backward(ctx, gy):
        _check_adaptive_grad("adaptive_avg_pool2d_backward", gy)
        dtype = _compute_dtype(np.dtype(gy.dtype))
        g = np.ascontiguousarray(gy, dtype=dtype).reshape((ctx.plane_shape[0],) + ctx.out_size)
        if not g.size:
            return np.zeros(ctx.input_shape, gy.dtype)
        gx = np.empty(ctx.plane_shape, dtype)
        _pool.adaptive_avg_pool2d_backward(g, gx, kernel_threads())
        return gx.astype(gy.dtype, copy=False).reshape(ctx.input_shape)


class AdaptiveAvgPoolGlobal(Function):
    """Adaptive average pooling to 1x1: the mean over the last two axes, which is
    how PyTorch computes it (for an input of any rank >= 2)."""

    grad_fn_name = "MeanBackward1"

    @staticmethod
    def forward(ctx, x):
        ctx.input_shape, ctx.count = x.shape, x.shape[-1] * x.shape[-2]
        out_shape = x.shape[:-2] + (1, 1)
        if ctx.count == 0:   # the mean of nothing
            return np.full(out_shape, np.nan, x.dtype)
        planes = _as_planes(x, 2)
        means = np.empty(planes.shape[0], planes.dtype)
        _pool.plane_means(planes.reshape(planes.shape[0], ctx.count), means,
                          kernel_threads())
        return _result(means, x.dtype, out_shape)

    @staticmethod
    def backward(ctx, gy):
        if ctx.count == 0:
            return np.zeros(ctx.input_shape, gy.dtype)
        return np.broadcast_to(gy / ctx.count, ctx.input_shape)


class AdaptiveMaxPool2d(Function):
    """Maximum over the adaptive cells (see ``AdaptiveAvgPool2d``); ``gx[argmax] += gy``."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "AdaptiveMaxPool2DBackward0"

    @staticmethod
    def forward(ctx, x, out_size, return_indices=False):
        planes = _as_planes(x, 2)
        y = _empty((planes.shape[0],) + tuple(out_size), planes.dtype)
        indices = _empty(y.shape, np.int64)
        if y.size:   # see AdaptiveAvgPool2d
            _pool.adaptive_pool2d_forward(planes, y, indices, kernel_threads())
        shape = _out_shape(x.shape, 2, out_size)
        y, indices = _result(y, x.dtype, shape), indices.reshape(shape)
        return _max_outputs(ctx, y, indices, return_indices, any(ctx.needs_input_grad),
                            x.shape, planes.shape)

    @staticmethod
    def backward(ctx, gy, grad_indices=None):
        _check_adaptive_grad("adaptive_max_pool2d_backward", gy)
        return _scatter_to_argmax(gy, ctx)


def _first_out_of_range(indices, n):
    """The first entry of ``indices`` outside ``[0, n)`` in row-major order, or None."""
    flat = indices.reshape(-1)
    bad = np.flatnonzero((flat < 0) | (flat >= n))
    return int(flat[bad[0]]) if bad.size else None


class MaxUnpool2d(Function):
    """``y[plane, indices[plane, i]] = x[plane, i]``, zeros elsewhere;
    ``gx[plane, i] = gy[plane, indices[plane, i]]``, on the last ``dims`` axes.

    ``indices`` must be int64 with ``x``'s shape and every entry in
    ``[0, prod(out_size))``. The caller checks that with PyTorch's message; the
    kernels check every index again as they use it, because ``indices`` is the
    user's array: it can be changed behind the version counter (``.data``,
    ``.numpy()``) between the forward and the backward, or at any time.
    """

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "MaxUnpool2DBackward0"
    dims = 2

    @classmethod
    def forward(cls, ctx, x, indices, out_size):
        vol = _as_volumes(x, cls.dims)
        n_planes, n_in = vol.shape[0], math.prod(vol.shape[1:])
        n_out = math.prod(out_size)
        flat_indices = np.ascontiguousarray(indices).reshape(n_planes, n_in)
        y = _empty((n_planes, n_out), vol.dtype)
        n_bad = _pool.scatter_by_index(vol.reshape(n_planes, n_in), flat_indices, y,
                                       kernel_threads())
        if n_bad and n_out:   # an empty output takes any index, as PyTorch's
            bad = _first_out_of_range(flat_indices, n_out)
            size = "x".join(str(n) for n in out_size)
            raise RuntimeError(f"Found an invalid max index: {bad} (output volumes are of "
                               f"size {size})")
        if ctx.needs_input_grad[:1] == (True,):
            ctx.save_for_backward(indices)
            ctx.input_shape, ctx.n_out = x.shape, n_out
            ctx.n_planes, ctx.n_in = n_planes, n_in
        return _result(y, x.dtype, x.shape[:-cls.dims] + tuple(out_size))

    @classmethod
    def backward(cls, ctx, gy):
        (indices,) = ctx.saved_tensors
        n_planes, n_in = ctx.n_planes, ctx.n_in
        dtype = _compute_dtype(np.dtype(gy.dtype))
        gx = np.empty((n_planes, n_in), dtype)
        flat_indices = np.ascontiguousarray(indices).reshape(n_planes, n_in)
        n_bad = _pool.gather_by_index(_grad_planes(gy, dtype, n_planes, ctx.n_out),
                                      flat_indices, gx, kernel_threads())
        if n_bad:
            # PyTorch's backward is a gather over the output flattened to (..., H * W)
            # (..., D * H * W in 3-d).
            bad = _first_out_of_range(flat_indices, ctx.n_out)
            raise RuntimeError(f"index {bad} is out of bounds for dimension "
                               f"{len(ctx.input_shape) - cls.dims} with size {ctx.n_out}")
        return gx.astype(gy.dtype, copy=False).reshape(ctx.input_shape), None


# ----------------------------------------------------------------- 3-d pooling
class Window3d(NamedTuple):
    """A pooling window on the last three axes; every field is a triple ``(d, h, w)``."""
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    out_size: tuple
    dims = 3   # the pooled axes (a class attribute: PoolWindow's field of the same name)


def _grad_volumes(g, dtype, n_planes, size):
    return np.ascontiguousarray(g, dtype=dtype).reshape((n_planes,) + tuple(size))


class MaxPool3d(Function):
    """``y = max over each dilated window of x`` (-inf padding); ``gx[argmax] += gy``."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "MaxPool3DWithIndicesBackward0"

    @staticmethod
    def forward(ctx, x, window, return_indices=False):
        needs_grad = any(ctx.needs_input_grad)
        vol = _as_volumes(x)
        y = _empty((vol.shape[0],) + tuple(window.out_size), vol.dtype)
        indices = _empty(y.shape, np.int64) if return_indices or needs_grad else None
        _pool3d.max_pool3d_forward(vol, y, indices, window.kernel, window.stride,
                                   window.padding, window.dilation, kernel_threads())
        shape = x.shape[:-3] + tuple(window.out_size)
        y = _result(y, x.dtype, shape)
        if indices is not None:
            indices = indices.reshape(shape)
        return _max_outputs(ctx, y, indices, return_indices, needs_grad, x.shape, vol.shape)

    @staticmethod
    def backward(ctx, gy, grad_indices=None):
        return _scatter_to_argmax(gy, ctx)


class AvgPool3d(Function):
    """``y = mean over each window of x`` with PyTorch's divisor rules;
    ``gx[window] += gy / divisor``."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "AvgPool3DBackward0"

    @staticmethod
    def forward(ctx, x, window, count_include_pad=True, divisor_override=None):
        vol = _as_volumes(x)
        y = _empty((vol.shape[0],) + tuple(window.out_size), vol.dtype)
        _pool3d.avg_pool3d_forward(vol, y, window.kernel, window.stride, window.padding,
                                   count_include_pad, divisor_override or 0, kernel_threads())
        ctx.input_shape, ctx.volume_shape = x.shape, vol.shape
        ctx.window, ctx.count_include_pad = window, count_include_pad
        ctx.divisor_override = divisor_override or 0
        return _result(y, x.dtype, x.shape[:-3] + tuple(window.out_size))

    @staticmethod
    def backward(ctx, gy):
        window = ctx.window
        dtype = _compute_dtype(np.dtype(gy.dtype))
        g = _grad_volumes(gy, dtype, ctx.volume_shape[0], window.out_size)
        gx = np.empty(ctx.volume_shape, dtype)
        _pool3d.avg_pool3d_backward(g, gx, window.kernel, window.stride, window.padding,
                                    ctx.count_include_pad, ctx.divisor_override,
                                    kernel_threads())
        return gx.astype(gy.dtype, copy=False).reshape(ctx.input_shape)


class AdaptiveAvgPool3d(Function):
    """Mean over cell ``[floor(i * in / out), ceil((i + 1) * in / out))`` per axis."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "AdaptiveAvgPool3DBackward0"

    @staticmethod
    def forward(ctx, x, out_size):
        vol = _as_volumes(x)
        y = _empty((vol.shape[0],) + tuple(out_size), vol.dtype)
        _pool3d.adaptive_pool3d_forward(vol, y, None, kernel_threads())
        ctx.input_shape, ctx.volume_shape, ctx.out_size = x.shape, vol.shape, tuple(out_size)
        return _result(y, x.dtype, x.shape[:-3] + tuple(out_size))

    @staticmethod
    def backward(ctx, gy):
        _check_adaptive_grad("adaptive_avg_pool3d_backward", gy)
        dtype = _compute_dtype(np.dtype(gy.dtype))
        g = _grad_volumes(gy, dtype, ctx.volume_shape[0], ctx.out_size)
        gx = np.empty(ctx.volume_shape, dtype)
        _pool3d.adaptive_avg_pool3d_backward(g, gx, kernel_threads())
        return gx.astype(gy.dtype, copy=False).reshape(ctx.input_shape)


class AdaptiveMaxPool3d(Function):
    """Maximum over the adaptive cells (see ``AdaptiveAvgPool3d``); ``gx[argmax] += gy``."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "AdaptiveMaxPool3DBackward0"

    @staticmethod
    def forward(ctx, x, out_size, return_indices=False):
        vol = _as_volumes(x)
        y = _empty((vol.shape[0],) + tuple(out_size), vol.dtype)
        indices = _empty(y.shape, np.int64)
        _pool3d.adaptive_pool3d_forward(vol, y, indices, kernel_threads())
        shape = x.shape[:-3] + tuple(out_size)
        y, indices = _result(y, x.dtype, shape), indices.reshape(shape)
        return _max_outputs(ctx, y, indices, return_indices, any(ctx.needs_input_grad),
                            x.shape, vol.shape)

    @staticmethod
    def backward(ctx, gy, grad_indices=None):
        _check_adaptive_grad("adaptive_max_pool3d_backward", gy)
        return _scatter_to_argmax(gy, ctx)


class MaxUnpool3d(MaxUnpool2d):
    grad_fn_name = "MaxUnpool3DBackward0"
    dims = 3


# ---------------------------------------------------------- fractional pooling
class FractionalMaxPool3d(Function):
    """Max over pseudo-random windows placed by one sample per plane and axis (see
    ``pyx/pool_fractional.pyx``); ``gx[argmax] += gy``. ``samples`` is
    ``(planes, 3)`` in ``(d, h, w)`` order, of the input's dtype."""

    fresh_gradients = True   # every backward below allocates the gradient it returns
    grad_fn_name = "FractionalMaxPool3DBackward0"
    dims = 3

    @classmethod
    def forward(cls, ctx, x, samples, kernel, out_size, return_indices=False):
        vol = _as_volumes(x, cls.dims)
        n_planes = vol.shape[0]
        kd, kh, kw = (1,) * (3 - cls.dims) + tuple(kernel)
        size = (1,) * (3 - cls.dims) + tuple(out_size)
        starts = [np.empty((n_planes, n), np.int64) for n in size]
        y = _empty((n_planes,) + size, vol.dtype)
        indices = _empty(y.shape, np.int64)
        n_threads = kernel_threads()
        _fractional.window_starts(np.ascontiguousarray(samples, vol.dtype), *starts,
                                  vol.shape[1], vol.shape[2], vol.shape[3], kd, kh, kw,
                                  n_threads)
        _fractional.fractional_max_pool_forward(vol, *starts, y, indices, kd, kh, kw,
                                                n_threads)
        shape = x.shape[:-cls.dims] + tuple(out_size)
        y, indices = _result(y, x.dtype, shape), indices.reshape(shape)
        return _max_outputs(ctx, y, indices, return_indices, any(ctx.needs_input_grad),
                            x.shape, vol.shape)

    @staticmethod
    def backward(ctx, gy, grad_indices=None):
        return _scatter_to_argmax(gy, ctx)


class FractionalMaxPool2d(FractionalMaxPool3d):
    grad_fn_name = "FractionalMaxPool2DBackward0"
    dims = 2


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _max_pool_grad(ctx, inputs, g, *rest):
    """A max pool's gradient is a scatter-add of g to the argmax positions (constants):
    linear in g, so its own derivative is a gather."""
    from .indexing import ScatterAdd
    if not ctx.saved_tensors or ctx.saved_tensors[0] is None:
        return NotImplemented
    (indices,) = ctx.saved_tensors
    shape = tuple(ctx.input_shape)
    n_planes = int(ctx.plane_shape[0])
    plane_size = int(np.prod(shape)) // max(n_planes, 1)
    zeros = g._wrap(np.zeros((n_planes, plane_size), g._data.dtype))
    flat = ScatterAdd.apply(zeros, 1, indices.reshape(n_planes, -1), g.reshape(n_planes, -1))
    return (flat.reshape(*shape),) + (None,) * (len(inputs) - 1)


def _global_avg_grad(ctx, inputs, g):
    if ctx.count == 0:
        return NotImplemented
    return (g / ctx.count).expand(*ctx.input_shape)


for _cls in (MaxPool2d, MaxPool3d, AdaptiveMaxPool2d, AdaptiveMaxPool3d):
    _cls.grad_graph = staticmethod(_max_pool_grad)
AdaptiveAvgPoolGlobal.grad_graph = staticmethod(_global_avg_grad)


def _attach_linear():
    from ..recorded_formulas import linear_grad_graph
    for cls in (AvgPool2d, AvgPool3d, AdaptiveAvgPool2d, AdaptiveAvgPool3d):
        cls.grad_graph = staticmethod(linear_grad_graph)


_attach_linear()
