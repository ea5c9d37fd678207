"""Vision ops: separable resampling (``F.interpolate``), grid sampling and affine
grids, im2col/col2im (``F.unfold``/``F.fold``), pixel and channel shuffles.

Resampling and grid sampling are linear in the input: the functional layer (for
``interpolate``) or the ``grid_taps`` kernel (for ``grid_sample``) turns the
geometry into tap tables -- which source positions each output reads and with what
weight -- and the other kernels only gather and scatter through them. Each linear
op's backward is itself a Function whose own backward is the forward again, so that
gradients of gradients (``create_graph=True``) stay exact; grid sampling, not linear
in the grid, is rebuilt from differentiable ops for that (``_grid_sampler_grad``).
"""
import math

import numpy as np

from ..._kernels import grid_sample as _grid
from ..._kernels import im2col as _im2col
from ..._kernels import interpolate as _interp
from ..._threads import kernel_threads
from .. import function as _function
from ..function import Function

__all__ = ["resample_function", "Resample", "ResampleTranspose", "GridSampler2D",
           "GridSampler3D", "AffineGridGenerator", "Im2Col", "Col2Im", "PixelShuffle",
           "PixelUnshuffle", "ChannelShuffle", "NativeChannelShuffle", "grid_taps"]


# ---------------------------------------------------------------------------------------
# Linear ops paired with their adjoints.

class _LinearWithAdjoint(Function):
    """A linear op ``y = _op(x, *args)`` whose backward is its adjoint,
    ``gx = _adjoint_op(gy, *adjoint_args)``. ``_adjoint`` is the Function of that
    adjoint, whose own adjoint is this op again: the recorded backward
    (``create_graph=True``) applies it, so gradients of gradients stay exact.
    ``_adjoint_args(x, *args)`` picks what the adjoint takes (by default ``args``)."""
    fresh_gradients = True
    _adjoint = None   # set once both Functions of a pair exist

    @staticmethod
    def _adjoint_args(x, *args):
        return args

    @classmethod
    def forward(cls, ctx, x, *args):
        ctx.adjoint_args, ctx.n_args = cls._adjoint_args(x, *args), len(args)
        return cls._op(x, *args)

    @classmethod
    def backward(cls, ctx, g):
        return (cls._adjoint_op(g, *ctx.adjoint_args),) + (None,) * ctx.n_args

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return (ctx._function._adjoint.apply(g, *ctx.adjoint_args),) + (None,) * ctx.n_args


def _pair_adjoints(op, adjoint):
    op._adjoint, adjoint._adjoint = adjoint, op


# ---------------------------------------------------------------------------------------
# Separable resampling.

def _resample_pass(x, axis, idx, w):
    """``x`` resampled along ``axis``: position ``o`` becomes ``sum_k w[o, k] *
    x[idx[o, k]]`` along that axis."""
    shape = x.shape
    outer, inner = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    y = np.empty(shape[:axis] + (idx.shape[0],) + shape[axis + 1:], x.dtype)
    _interp.resample_forward(np.ascontiguousarray(x).reshape(outer, shape[axis], inner), idx,
                             np.ascontiguousarray(w, x.dtype),
                             y.reshape(outer, idx.shape[0], inner), kernel_threads())
    return y


def _resample_pass_transpose(g, axis, idx, w, n_in):
    shape = g.shape
    outer, inner = math.prod(shape[:axis]), math.prod(shape[axis + 1:])
    gx = np.empty(shape[:axis] + (n_in,) + shape[axis + 1:], g.dtype)
    _interp.resample_backward(np.ascontiguousarray(g).reshape(outer, shape[axis], inner), idx,
                              np.ascontiguousarray(w, g.dtype),
                              gx.reshape(outer, n_in, inner), kernel_threads())
    return gx


def resample(x, passes):
    """``passes``: ``(axis, idx, w, n_in)`` tuples, applied in order."""
    for axis, idx, w, _ in passes:
        x = _resample_pass(x, axis, idx, w)
    return x


def resample_transpose(g, passes):
    for axis, idx, w, n_in in reversed(passes):
        g = _resample_pass_transpose(g, axis, idx, w, n_in)
    return g


class Resample(_LinearWithAdjoint):
    """``F.interpolate`` for every mode but area: one separable pass per spatial axis.
    ``passes`` holds ``(axis, idx, w, n_in)`` per axis (see pyx/interpolate.pyx)."""
    _op = staticmethod(resample)
    _adjoint_op = staticmethod(resample_transpose)


class ResampleTranspose(_LinearWithAdjoint):
    """The backward of a ``Resample``, as a differentiable op: its own backward is the
    resampling again."""
    _op = staticmethod(resample_transpose)
    _adjoint_op = staticmethod(resample)


_pair_adjoints(Resample, ResampleTranspose)


def _cubic_weights(t):
    """Cubic convolution (A = -0.75, PyTorch's) weights of taps -1, 0, 1, 2 at
    fraction ``t``."""
    a = -0.75

    def near(s):        # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):         # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    return [far(t + 1), near(t), near(1 - t), far(2 - t)]


_RESAMPLE_FUNCTIONS = {}


def resample_function(name):
    """The Resample subclass whose node is named ``<name>Backward0`` (PyTorch names
    one per mode and rank, e.g. ``UpsampleBilinear2D``)."""
    cls = _RESAMPLE_FUNCTIONS.get(name)
    if cls is None:
        cls = type(name, (Resample,), {"grad_fn_name": f"{name}Backward0",
                                       "__module__": __name__})
        transpose = type(f"{name}Backward", (ResampleTranspose,),
                         {"grad_fn_name": f"{name}BackwardBackward0", "__module__": __name__})
        _pair_adjoints(cls, transpose)
        _RESAMPLE_FUNCTIONS[name] = cls
    return cls


# ---------------------------------------------------------------------------------------
# Grid sampling: the grid becomes taps (flat index, weight, d weight / d grid).

_GRID_MODES = {"bilinear": _grid.BILINEAR, "nearest": _grid.NEAREST, "bicubic": _grid.BICUBIC}
_GRID_PADDINGS = {"zeros": _grid.ZEROS, "border": _grid.BORDER, "reflection": _grid.REFLECTION}
_TAPS_PER_AXIS = {"bilinear": 2, "nearest": 1, "bicubic": 4}


def grid_taps(grid, spatial, mode, padding_mode, align_corners, need_grad):
    """Tap tables of ``grid`` (N, *out, D) sampling an input of ``spatial`` sizes
    (``(H, W)`` or ``(D, H, W)``): flat index into one plane (-1 = zero), weight, and
    (with ``need_grad``) d weight / d grid per coordinate, each ``(N, P, taps[, D])``."""
    n, dims = grid.shape[0], grid.shape[-1]
    points = math.prod(grid.shape[1:-1])
    taps = _TAPS_PER_AXIS[mode] ** dims
    idx = np.empty((n, points, taps), np.int64)
    w = np.empty((n, points, taps), grid.dtype)
    dw = np.empty((n, points, taps, dims), grid.dtype) if need_grad else None
    _grid.grid_taps(np.ascontiguousarray(grid).reshape(n, points, dims), tuple(spatial),
                    _GRID_MODES[mode], _GRID_PADDINGS[padding_mode], align_corners, idx, w, dw,
                    kernel_threads())
    return idx, w, dw


class GridSampler2D(Function):
    """``F.grid_sample`` on 4-d input: the grid's taps gathered from every channel.
    Keeps the tap tables (and the input, when the grid wants a gradient) for backward."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, grid, mode, padding_mode, align_corners):
        n, c = x.shape[:2]
        spatial = x.shape[2:]
        need_grid_grad = ctx.needs_input_grad[1] if ctx.needs_input_grad else False
        need_grid_grad = bool(need_grid_grad) and mode != "nearest"
        idx, w, dw = grid_taps(grid, spatial, mode, padding_mode, align_corners,
                               need_grid_grad)
        out_spatial = grid.shape[1:-1]
        y = np.empty((n, c) + out_spatial, x.dtype)
        planes = np.ascontiguousarray(x).reshape(n, c, math.prod(spatial))
        _grid.gather_forward(planes, idx, w, y.reshape(n, c, idx.shape[1]), kernel_threads())
        ctx.meta = (x.shape, grid.shape, mode)
        ctx.taps = (idx, w, dw)
        if need_grid_grad:
            ctx.save_for_backward(x)
        return y

    @staticmethod
    def backward(ctx, gy):
        x_shape, grid_shape, mode = ctx.meta
        idx, w, dw = ctx.taps
        n, c = x_shape[:2]
        plane, points = math.prod(x_shape[2:]), idx.shape[1]
        g = np.ascontiguousarray(gy).reshape(n, c, points)
        gx = ggrid = None
        if ctx.needs_input_grad[0]:
            gx = np.empty(x_shape, gy.dtype)
            _grid.gather_backward_input(g, idx, w, gx.reshape(n, c, plane), kernel_threads())
        if ctx.needs_input_grad[1]:
            ggrid = np.zeros(grid_shape, gy.dtype)
            if dw is not None:
                (x,) = ctx.saved_tensors
                planes = np.ascontiguousarray(x).reshape(n, c, plane)
                _grid.gather_backward_coords(planes, g, idx, dw,
                                             ggrid.reshape(n, points, grid_shape[-1]),
                                             kernel_threads())
        return gx, ggrid, None, None, None


class GridSampler3D(GridSampler2D):
    """``F.grid_sample`` on 5-d input (bilinear or nearest)."""


# -- second order: the sampler rebuilt from differentiable ops ---------------------------
#
# Each sampling coordinate is piecewise linear in the grid (unnormalizing is affine,
# clipping and reflecting are piecewise identities up to sign), so within its piece
# c = c0 + m * (u - u0) exactly; the weights are polynomials of c's fraction. Written
# with Tensor ops around the kernel's own tap indices, the sampler can be differentiated
# to any order, and its first-order gradients (taken with create_graph) are the
# recorded backward.

def _unnormalize(u, size, align_corners):
    if align_corners:
        return (u + 1) / 2 * (size - 1), (size - 1) / 2
    return ((u + 1) * size - 1) / 2, size / 2


def _clip(c, size):
    inside = (c > 0) & (c < size - 1)
    return np.where(np.isnan(c), size - 1, np.clip(c, 0, size - 1)), inside.astype(c.dtype)


def _reflect(c, twice_low, twice_high):
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(c)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = c - low
    sign = np.where(c < 0, -1, 1).astype(c.dtype)
    c = np.abs(c)
    extra = np.fmod(c, span)
    even = np.fmod(np.floor(c / span), 2) == 0
    return np.where(even, extra + low, span - extra + low), np.where(even, sign, -sign)


def _padded(c, size, padding_mode, align_corners):
    """``c`` moved inside the input as ``padding_mode`` says, and d(new)/d(c)."""
    if padding_mode == "border":
        return _clip(c, size)
    if padding_mode == "reflection":
        c, d = _reflect(c, 0, 2 * (size - 1)) if align_corners else \
            _reflect(c, -1, 2 * size - 1)
        c, d2 = _clip(c, size)
        return c, d * d2
    return c, np.ones_like(c)


def _constant(array):
    return _function.Tensor._wrap(np.ascontiguousarray(array))


def _columns(tensors):
    """Tensors of one shape side by side along a new last axis (as sums of one-hot
    columns: only arithmetic, so any order of derivative flows through)."""
    eye = np.eye(len(tensors), dtype=tensors[0]._data.dtype)
    out = None
    for k, t in enumerate(tensors):
        term = t.unsqueeze(-1) * _constant(eye[k])
        out = term if out is None else out + term
    return out


def _axis_weights(u, size, mode, padding_mode, align_corners):
    """Differentiable per-axis tap weights (N, P, taps) of grid coordinates ``u`` (N, P)."""
    u0 = u._data
    dtype = u0.dtype
    c0, mult = _unnormalize(u0, size, align_corners)
    if mode == "bicubic":
        # weights of the unpadded position's fraction; dc/du is the unnormalizing factor
        t = (u - _constant(u0)) * mult + _constant((c0 - np.floor(c0)).astype(dtype))
        return _columns(_cubic_weights(t))
    if mode == "nearest":
        return _constant(np.ones(u0.shape + (1,), dtype))
    p0, d = _padded(c0, size, padding_mode, align_corners)
    t = (u - _constant(u0)) * _constant((d * mult).astype(dtype)) + \
        _constant((p0 - np.floor(p0)).astype(dtype))
    return _columns([1 - t, t])


def _grid_sample_graph(x, grid, idx, mode, padding_mode, align_corners):
    """``grid_sample(x, grid)`` in differentiable Tensor ops, reading the taps ``idx``."""
    n, c = x.shape[0], x.shape[1]
    spatial = tuple(x.shape[2:])
    dims = grid.shape[-1]
    points, taps = idx.shape[1], idx.shape[2]
    g = grid.reshape(n, points, dims)
    w = None
    for d in range(dims):   # x (the last input axis) first: the kernel's tap order
        wd = _axis_weights(g[:, :, d], spatial[dims - 1 - d], mode, padding_mode,
                           align_corners)
        w = wd if w is None else (w.unsqueeze(-1) * wd.unsqueeze(-2)).reshape(
            n, points, w.shape[-1] * wd.shape[-1])
    inside = _constant((idx >= 0).astype(x._data.dtype))
    where = _constant(np.where(idx >= 0, idx, 0).reshape(n, 1, points * taps)
                            .repeat(c, axis=1))
    values = x.reshape(n, c, math.prod(spatial)).gather(2, where).reshape(n, c, points, taps)
    y = (values * (w * inside).unsqueeze(1)).sum(-1)
    return y.reshape(n, c, *grid.shape[1:-1])


def _grid_sampler_grad(ctx, inputs, gy):
    from ..api import grad
    x, grid, mode, padding_mode, align_corners = inputs
    wanted = [t for t, need in zip((x, grid), ctx.needs_input_grad[:2]) if need]
    # the forward rebuilt on the inputs themselves: its recorded gradients are this node's
    y = _grid_sample_graph(x, grid, ctx.taps[0], mode, padding_mode, align_corners)
    found = iter(grad(y, wanted, gy, create_graph=True, allow_unused=True))
    out = [next(found) if need else None for need in ctx.needs_input_grad[:2]]
    if ctx.needs_input_grad[1] and out[1] is None:   # nearest: the grid's gradient is 0
        out[1] = _constant(np.zeros(grid.shape, grid._data.dtype))
    return out[0], out[1], None, None, None


GridSampler2D.grad_graph = staticmethod(_grid_sampler_grad)


# ---------------------------------------------------------------------------------------
# Affine grids.

def _base_coordinates(steps, align_corners, dtype):
    if steps <= 1:
        return np.zeros(max(steps, 0), dtype)
    line = np.linspace(-1, 1, steps, dtype=np.float64)
    if not align_corners:
        line = line * (steps - 1) / steps
    return line.astype(dtype)


def affine_base_grid(size, align_corners, dtype):
    """The ``(prod(spatial), dims + 1)`` homogeneous coordinates ``(x, y[, z], 1)`` of
    every output point, x running fastest."""
    spatial = size[2:]
    axes = [_base_coordinates(s, align_corners, dtype) for s in spatial]
    mesh = np.meshgrid(*axes, indexing="ij")   # D, H, W order
    coords = [m.reshape(-1) for m in reversed(mesh)]   # x, y, z
    coords.append(np.ones(math.prod(spatial), dtype))
    return np.stack(coords, axis=-1)


class AffineGridGenerator(Function):
    """``F.affine_grid``: every output point's homogeneous coordinates times theta^T;
    linear in theta, so its gradient is g^T times the same coordinates."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, theta, size, align_corners):
        base = affine_base_grid(size, align_corners, theta.dtype)
        ctx.base = base
        ctx.size = size
        out = np.matmul(base[None], np.swapaxes(theta, 1, 2))
        return np.ascontiguousarray(out).reshape(tuple(size[:1]) + tuple(size[2:])
                                                 + (theta.shape[1],))

    @staticmethod
    def backward(ctx, g):
        n, dims = g.shape[0], g.shape[-1]
        g2 = np.ascontiguousarray(g).reshape(n, math.prod(g.shape[1:-1]), dims)
        return np.matmul(np.swapaxes(g2, 1, 2), ctx.base[None]), None, None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        n, dims = g.shape[0], g.shape[-1]
        base = _function.Tensor._wrap(ctx.base)
        return g.reshape(n, math.prod(g.shape[1:-1]), dims).transpose(1, 2).matmul(base), \
            None, None


# ---------------------------------------------------------------------------------------
# im2col / col2im.

def im2col(x, kernel_size, dilation, padding, stride):
    batched = x.ndim == 4
    n, c, h, w = x.shape if batched else (1,) + x.shape
    kh, kw = kernel_size
    h_out = (h + 2 * padding[0] - dilation[0] * (kh - 1) - 1) // stride[0] + 1
    w_out = (w + 2 * padding[1] - dilation[1] * (kw - 1) - 1) // stride[1] + 1
    col = np.empty((n, c * kh * kw, h_out * w_out), x.dtype)
    if col.size:
        _im2col.im2col(np.ascontiguousarray(x).reshape(n * c, h, w),
                       col.reshape(n * c, kh * kw, h_out * w_out),
                       kernel_size, stride, padding, dilation, kernel_threads())
    return col if batched else col[0]


def col2im(col, output_size, kernel_size, dilation, padding, stride):
    batched = col.ndim == 3
    n, ckk, blocks = col.shape if batched else (1,) + col.shape
    kh, kw = kernel_size
    c = ckk // (kh * kw)
    h, w = output_size
    x = np.zeros((n, c, h, w), col.dtype)
    if x.size and col.size:
        _im2col.col2im(np.ascontiguousarray(col).reshape(n * c, kh * kw, blocks),
                       x.reshape(n * c, h, w), kernel_size, stride, padding, dilation,
                       kernel_threads())
    return x if batched else x[0]


class Im2Col(_LinearWithAdjoint):
    """``(N, C, H, W)`` -> ``(N, C * kh * kw, L)``; an unbatched ``(C, H, W)`` gives
    ``(C * kh * kw, L)``. Arguments ``(kernel_size, dilation, padding, stride)``."""
    _op = staticmethod(im2col)
    _adjoint_op = staticmethod(col2im)

    @staticmethod
    def _adjoint_args(x, *geometry):
        return (x.shape[-2:],) + geometry


class Col2Im(_LinearWithAdjoint):
    """``(N, C * kh * kw, L)`` -> ``(N, C, H, W)``, overlapping taps summed; an
    unbatched ``(C * kh * kw, L)`` gives ``(C, H, W)``. Arguments
    ``(output_size, kernel_size, dilation, padding, stride)``."""
    _op = staticmethod(col2im)
    _adjoint_op = staticmethod(im2col)

    @staticmethod
    def _adjoint_args(col, output_size, *geometry):
        return geometry


_pair_adjoints(Im2Col, Col2Im)


# ---------------------------------------------------------------------------------------
# Shuffles: pure permutations of elements, so each backward is the inverse permutation.

def _pixel_shuffle(x, r):
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c // (r * r), r, r, h, w)
    k = len(lead)
    y = y.transpose(*range(k), k, k + 3, k + 1, k + 4, k + 2)
    # a copy even where the permutation is the identity (r = 1): fresh_gradients
    return y.copy().reshape(*lead, c // (r * r), h * r, w * r)


def _pixel_unshuffle(x, r):
    *lead, c, h, w = x.shape
    y = x.reshape(*lead, c, h // r, r, w // r, r)
    k = len(lead)
    y = y.transpose(*range(k), k, k + 2, k + 4, k + 1, k + 3)
    return y.copy().reshape(*lead, c * r * r, h // r, w // r)


class PixelShuffle(_LinearWithAdjoint):
    """Argument ``upscale_factor``; the adjoint is the unshuffle by the same factor."""
    _op = staticmethod(_pixel_shuffle)
    _adjoint_op = staticmethod(_pixel_unshuffle)


class PixelUnshuffle(_LinearWithAdjoint):
    """Argument ``downscale_factor``."""
    _op = staticmethod(_pixel_unshuffle)
    _adjoint_op = staticmethod(_pixel_shuffle)


_pair_adjoints(PixelShuffle, PixelUnshuffle)


def _channel_shuffle(x, groups):
    n, c = x.shape[:2]
    y = x.reshape((n, groups, c // groups) + x.shape[2:]).swapaxes(1, 2)
    return y.copy().reshape(x.shape)


class ChannelShuffle(Function):
    """Channel ``g * (C / groups) + i`` moves to ``i * groups + g``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, groups):
        ctx.groups = groups
        return _channel_shuffle(x, groups)

    @staticmethod
    def backward(ctx, g):
        # the inverse permutation is the shuffle with the other factor of C
        return _channel_shuffle(g, _other_factor(g.shape[1], ctx.groups)), None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return ChannelShuffle.apply(g, _other_factor(g.shape[1], ctx.groups)), None


def _other_factor(channels, groups):
    return channels // groups if channels else 1


class NativeChannelShuffle(Function):
    """``native_channel_shuffle``: PyTorch defines no derivative for it."""
    grad_fn_name = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, x, groups):
        return _channel_shuffle(x, groups)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::native_channel_shuffle is not implemented")
