"""Convolution (1-d, 2-d, 3-d, transposed) as one autograd Function.

Every convolution runs as a 3-d one on ``(n, c, d, h, w)`` views, 1-d and 2-d
inputs getting singleton depth/height axes. Three primitives cover the
forward and backward of both the plain and the transposed convolution:

* ``conv_forward(x, W)``: ``y[n]_g = W_g @ im2col(x[n])_g``,
* ``conv_backward_data(gy, W)``: ``gx[n]_g = col2im(W_g^T @ gy[n]_g)``,
* ``conv_backward_weight(x, gy)``: ``gW_g = sum_n gy[n]_g @ im2col(x[n])_g^T``,

each computed block by block of output positions in ``pyx/conv.pyx`` (the
patch matrix of a block stays in cache, and one BLAS call per block). A transposed
convolution is the input-gradient map of a plain one: its forward is
``conv_backward_data(x, W)``, and its backward uses ``conv_forward`` for the
input and ``conv_backward_weight`` with the roles of ``x`` and ``gy`` swapped.

Depthwise convolutions (one input channel per group) use direct kernels
instead: there each group's product would be a matrix-vector one. Float32
1-d/2-d convolutions run their forward and weight gradient (and with stride 1,
where it pays, their input gradient) on shifted windows of the padded input
(``pyx/conv_shifted.pyx``) when cynn's own GEMM is in use (see
``_shifted_runs``).

No geometry reaches these kernels without passing ``plan_geometry``, which
normalises it (a stride that cannot matter is 1) and proves that every index the
kernels form fits their C integers; ``_route`` picks the kernel and keeps the
scratch memory bounded by the tensors. Empty inputs, outputs and all-padding
windows never reach a kernel: their results are the bias and zero gradients.
"""
import functools
from typing import NamedTuple

import numpy as np

from ..._kernels import conv as _conv
from ..._kernels import conv_shifted as _shifted
from ..._kernels.gemm import gemm_kernel
from ..._threads import kernel_threads
from ..function import Function

__all__ = ["ConvGeometry", "Convolution", "plan_geometry", "conv_forward",
           "conv_backward_data", "conv_backward_weight"]

# Py_ssize_t, C long (the shifted kernels' offset tables) and int64_t on the 64-bit
# targets cynn builds for
_INDEX_MAX = 2 ** 63 - 1
# the BLAS interface (gemm_parallel) takes its sizes and leading dimensions as C int
_BLAS_INT_MAX = 2 ** 31 - 1


class ConvGeometry(NamedTuple):
    """The shape of a (plain, 3-d) convolution; every field is a 3-tuple.

    ``padding`` is the zero padding before the input on each axis; the padding
    after it is whatever makes ``out_size`` (PyTorch pads ``'same'``
    asymmetrically, the extra on the right).
    """
    kernel: tuple
    stride: tuple
    padding: tuple
    dilation: tuple
    in_size: tuple
    out_size: tuple

    def kernel_args(self):
        return (*self.kernel, *self.stride, *self.padding, *self.dilation, *self.out_size)

    def reads_input(self):
        """Whether some output position reads an input element under some tap.

        When it does not (the input or the output is empty along an axis, or every
        window lies in the padding), the output is the bias and both gradients are
        zero: the caller fills them and no kernel runs.
        """
        return _reads_input(self)

    def live_taps(self):
        """Per axis, a boolean array over the kernel's taps: whether the tap meets an
        input element at some output position. A tap that never does multiplies
        padding only: its weight gradient is an empty sum, zero."""
        return _live_taps(self)


# a training loop asks about the same few geometries every step (100 us each)
@functools.lru_cache(maxsize=1024)
def _live_taps(geometry):
    return tuple(_axis_live_taps(*axis) for axis in zip(
        geometry.kernel, geometry.stride, geometry.padding, geometry.dilation,
        geometry.in_size, geometry.out_size))


@functools.lru_cache(maxsize=1024)
def _reads_input(geometry):
    return all(live.any() for live in _live_taps(geometry))


def _axis_live_taps(k, s, p, d, size, out):
    """live[a]: some o < out gives 0 <= o s - p + a d < size (read-only). In int64:
    plan_geometry bounded every such index."""
    if size <= 0 or out <= 0:
        live = np.zeros(k, dtype=bool)
    else:
        offset = np.arange(k, dtype=np.int64) * d - p
        # the first output that tap a places at or after input 0 (clamped to the last
        # output, past which it is dead anyway), then whether that is before the end
        first = np.where(offset >= 0, 0, (-offset + (s - 1)) // s)
        live = (first < out) & (np.minimum(first, out - 1) * s + offset < size)
    live.flags.writeable = False
    return live


def plan_geometry(kernel, stride, padding, dilation, in_size, out_size):
    """The one gate between the convolutions' arguments and the kernels.

    Every convolution (1-d, 2-d, 3-d, grouped, depthwise, transposed; the im2col,
    depthwise and shifted-window kernels) gets its geometry here. Arguments are
    3-tuples of Python ints: kernel size, stride, padding before the input,
    dilation, input and output size of the plain convolution (``padding`` may
    be asymmetric: the padding after the input is whatever ``out_size`` implies).
    Returns the normalised ``ConvGeometry``; raises RuntimeError (PyTorch's type for
    sizes it cannot represent) when the kernels' index arithmetic could overflow.

    Normalisation, where a larger value cannot change the result:

    * the stride of an axis with one output (or none) is 1: a single output
      position never uses it, so no kernel sizes a buffer or a loop by a stride
      larger than the padded input (``(out - 1) s <= in + padding``);
    * the dilation of an axis with a one-tap kernel is 1.

    What the kernels may then rely on, per axis, with ``P = max(in + p,
    (out - 1) s + (k - 1) d + 1)`` (the padded extent that is read):

    * ``(out - 1) s + (k - 1) d + 1 <= in + 2 p + 1`` (the windows lie in the padded
      input; the padding after it is at most ``p + 1``, PyTorch's ``'same'``), so
      ``s <= in + 2 p + 1`` wherever the stride is used;
    * ``P + s <= 2**63 - 1``: every index the kernels form in Py_ssize_t, C long
      or int64_t -- ``o s``, ``o s - p + a d`` (conv.pyx's im2col/col2im, depthwise.h's
      scratch offsets), ``in + p - a d + s - 1`` and ``p + s - 1`` (conv.pyx's
      ``_first_valid``/``_end_valid``), ``(q + r) sh + fy - ph`` and the phase-plane
      column bounds ``(w + pw - fx + sw - 1) // sw`` (conv_shifted.pyx) -- lies in
      ``[-p, P + s]``.

    ``_route`` then sends the products to a kernel whose buffers are bounded by
    the inputs and outputs: a depthwise scratch volume or a shifted-window
    padded block (which hold the padding too) only while it is at most
    ``_SCRATCH_FACTOR`` x (input plane + output plane) + ``_SCRATCH_SLACK``
    elements, im2col otherwise (its buffer is taps x channels x output rows), and
    BLAS only with sizes that fit its C ints.
    """
    kernel, stride, padding, dilation, in_size, out_size = (
        tuple(int(v) for v in t) for t in (kernel, stride, padding, dilation, in_size,
                                            out_size))
    if (min(kernel) < 1 or min(stride) < 1 or min(dilation) < 1 or min(padding) < 0
            or min(in_size) < 0 or min(out_size) < 0):
        raise ValueError(f"invalid convolution geometry: kernel {kernel}, stride {stride}, "
                         f"padding {padding}, dilation {dilation}, input {in_size}, "
                         f"output {out_size}")
    stride = tuple(1 if o <= 1 else s for s, o in zip(stride, out_size))
    dilation = tuple(1 if k == 1 else d for d, k in zip(dilation, kernel))
    for axis, (k, s, p, d, size, out) in enumerate(zip(kernel, stride, padding, dilation,
                                                       in_size, out_size)):
        reach = (out - 1) * s + (k - 1) * d + 1
        if out > 0 and reach > size + 2 * p + 1:
            raise ValueError(f"invalid convolution geometry: {out} outputs of stride {s} "
                             f"read {reach} positions of an input of {size} padded by {p}")
        if max(size + p, reach) + s > _INDEX_MAX:
            raise RuntimeError(
                f"convolution geometry too large: kernel size {k}, stride {s}, padding {p}, "
                f"dilation {d}, input size {size} and output size {out} along axis {axis} "
                f"give indices beyond {_INDEX_MAX}")
    return ConvGeometry(kernel, stride, padding, dilation, in_size, out_size)


# a depthwise scratch volume or a shifted-window padded block may hold this many
# times the input and output plane (plus a constant): ordinary layers use at most a
# few times (tiles round the output rows up to 16 columns); more means the padding
# or the stride dominates and im2col, which stores no padding, is used instead
_SCRATCH_FACTOR = 16
_SCRATCH_SLACK = 1 << 16


def _scratch_budget(geometry):
    return (_SCRATCH_FACTOR * (int(np.prod(geometry.in_size, dtype=object))
                               + int(np.prod(geometry.out_size, dtype=object)))
            + _SCRATCH_SLACK)


def _depthwise_scratch(geometry):
    """Elements of the largest scratch volume the depthwise kernels allocate per
    thread (depthwise.h's ``cynn_dw_scratch``): the tiled one of the forward and the
    weight gradient, and the input gradient's (unit stride: the padded output
    gradient; other strides: the scattered volume)."""
    k, s, d, out, size = (geometry.kernel, geometry.stride, geometry.dilation,
                          geometry.out_size, geometry.in_size)

    def volume(last, strides):
        total = 1
        for li, si, ki, di in zip(last, strides, k, d):
            total *= max(li - 1, 0) * si + (ki - 1) * di + 1
        return total

    tiled = (out[0], -(-out[1] // 4) * 4, -(-out[2] // 16) * 16)
    if s == (1, 1, 1):
        gx = volume((size[0], -(-size[1] // 4) * 4, -(-size[2] // 16) * 16), (1, 1, 1))
    else:
        gx = volume(out, s)
    return max(volume(tiled, s), gx)


def _shifted_scratch(geometry):
    """Elements per input channel of the smallest padded block the shifted kernels
    build (one output row: ``sh * sw`` phase planes of ``1 + halo`` rows of ``wide``)."""
    _, kh, kw = geometry.kernel
    _, sh, sw = geometry.stride
    _, dh, dw = geometry.dilation
    halo = (kh - 1) * dh // sh
    wide = geometry.out_size[2] + (kw - 1) * dw // sw
    return sh * sw * (1 + halo) * wide


def _is_depthwise(c_in, c_out, groups):
    return groups > 1 and groups == c_in and c_out % c_in == 0


def _route(geometry, dtype, c_in, c_out, groups):
    """Which kernels run a convolution's products: ``"depthwise"``, ``"shifted"`` or
    ``"im2col"`` (the last two for the forward and weight gradient; the input
    gradient makes its own choice between shifted and im2col, see
    ``conv_backward_data``). The depthwise and shifted kernels copy the padding
    the windows read into scratch memory, so they are used only while that stays
    within ``_scratch_budget``. RuntimeError when the product's sizes do not fit
    the BLAS interface's C ints."""
    if (_is_depthwise(c_in, c_out, groups)
            and _depthwise_scratch(geometry) <= _scratch_budget(geometry)):
        return "depthwise"
    route = "shifted" if _shifted_runs(geometry, dtype) else "im2col"
    taps = int(np.prod(geometry.kernel, dtype=object))
    positions = int(np.prod(geometry.out_size, dtype=object))
    k_group = c_in // groups * taps
    sizes = {"output positions": positions, "rows per group": c_out // groups,
             "patch rows per group": k_group}
    for what, value in sizes.items():
        if value > _BLAS_INT_MAX:
            raise RuntimeError(f"convolution too large: {value} {what} exceed the "
                               f"{_BLAS_INT_MAX} a BLAS product can take")
    if k_group * positions * np.dtype(dtype).itemsize > _INDEX_MAX:
        raise RuntimeError(f"convolution too large: a patch matrix of {k_group} x "
                           f"{positions} elements")
    return route


def _allocate(shape, dtype, zero=False):
    """np.empty/np.zeros that fails as PyTorch's CPU allocator does (RuntimeError)."""
    dtype = np.dtype(dtype)
    nbytes = int(np.prod(shape, dtype=object)) * dtype.itemsize
    try:
        if nbytes > _INDEX_MAX:
            raise MemoryError
        return np.zeros(shape, dtype) if zero else np.empty(shape, dtype)
    except (MemoryError, ValueError):
        raise RuntimeError(f"DefaultCPUAllocator: can't allocate memory: you tried to "
                           f"allocate {nbytes} bytes.") from None


def _shifted_runs(geometry, dtype):
    """Whether the shifted-window kernels cover this convolution: float32, cynn's own
    GEMM (only it takes tables of window offsets) and a 2-d (or 1-d) geometry.

    Where they cover the forward and the weight gradient they are the faster
    path: the same product as im2col's, without writing the patch matrix
    (threads=2: AlexNet's conv1-5 forward 6-22% faster, weight gradient 4-12%;
    LeNet's conv2 24% and 30%; the 56x56 layers 0-15%).
    """
    kd = geometry.kernel[0]
    # a depth padding would make conv_shifted's _window refuse the geometry: with one
    # tap, one input and one output plane it can only be checked here, where it means
    # the output reads padding alone (plan_geometry's callers keep that case away
    # from every kernel, see ConvGeometry.reads_input)
    return (dtype == np.float32 and gemm_kernel() == "cynn" and kd == 1
            and geometry.out_size[0] == 1 and geometry.in_size[0] == 1
            and geometry.padding[0] == 0
            and _shifted_scratch(geometry) <= _scratch_budget(geometry))


def _shifted_input_gradient_pays(adjoint, dtype, rows_per_group, useful_positions):
    """Whether a stride-1 input gradient should run as the shifted forward of gy
    (geometry ``adjoint``, ``rows_per_group`` input channels per group).

    That product computes every input position, where im2col's computes
    ``useful_positions`` (the output's) and then adds the patches back; its rows
    are the input channels, rounded up to the GEMM's 8-row tiles, where im2col's
    are channels times taps. It pays while it computes at most 1/8 more
    (threads=2: AlexNet's conv2-5 and the dilated 56x56 layer, which compute
    none more, are 6-15% faster; LeNet's conv2, 196 positions for 100 on 6
    rows, is 35% slower)."""
    if not _shifted_runs(adjoint, dtype):
        return False
    computed = -(-rows_per_group // 8) * 8 * np.prod(adjoint.out_size)
    return computed <= 1.125 * rows_per_group * useful_positions


def _flipped_transposed(w, groups):
    """W' (c_in, c_out / groups * taps) with W'[g c_g + c, (m, a, e)] = W[g m_g + m, c, -a, -e]:
    the weights of the stride-1 convolution that is conv_forward's input gradient."""
    c_out, c_group = w.shape[:2]
    taps = w.shape[2:]
    per_group = w.reshape(groups, c_out // groups, c_group, *taps)[..., ::-1, ::-1, ::-1]
    return np.ascontiguousarray(per_group.transpose(0, 2, 1, 3, 4, 5)).reshape(
        groups * c_group, -1)


def _input_gradient_geometry(geometry):
    """The stride-1 convolution of gy that gives gx of a stride-1 convolution; None for
    other strides and when its padding would be negative."""
    if geometry.stride != (1, 1, 1):
        return None
    padding = tuple((k - 1) * d - p for k, d, p in
                    zip(geometry.kernel, geometry.dilation, geometry.padding))
    if min(padding) < 0:
        return None
    return ConvGeometry(geometry.kernel, geometry.stride, padding, geometry.dilation,
                        geometry.out_size, geometry.in_size)


def conv_forward(x, w, geometry, groups, bias=None):
    """``y[n, o] = sum_c W[o, c] (*) x[n, g(o) * c_g + c] (+ bias[o])``.

    x: (n, c_in, d, h, w), W: (c_out, c_in / groups, kd, kh, kw), both C-contiguous
    and of one float dtype; returns y: (n, c_out, *geometry.out_size).
    """
    n_batch, c_in = x.shape[:2]
    c_out = w.shape[0]
    threads = kernel_threads()
    y = _allocate((n_batch, c_out, *geometry.out_size), x.dtype)
    if y.size == 0:
        return y
    has_bias = bias is not None
    no_bias = w.reshape(-1)[:0]
    if x.size == 0 or not geometry.reads_input():
        # no products to run: every output is the bias
        y[...] = bias.reshape(1, c_out, 1, 1, 1) if has_bias else 0
        return y
    route = _route(geometry, x.dtype, c_in, c_out, groups)
    if route == "depthwise":
        _conv.depthwise_forward(x, w.reshape(c_out, *geometry.kernel),
                                bias if has_bias else no_bias, y, has_bias,
                                geometry.kernel_args(), threads)
    elif route == "shifted":
        _shifted.shifted_forward(x, w.reshape(c_out, -1), bias if has_bias else no_bias, y,
                                 has_bias, geometry.kernel_args(), groups, threads)
    else:
        _conv.conv_forward(x, w.reshape(c_out, -1), bias if has_bias else no_bias, y,
                           has_bias, geometry.kernel_args(), groups, threads)
    return y


def conv_backward_data(gy, w, geometry, groups, x_shape):
    """Gradient of ``conv_forward`` with respect to x, shape ``x_shape`` (5-d)."""
    c_in = x_shape[1]
    c_out = w.shape[0]
    threads = kernel_threads()
    if gy.size == 0 or not geometry.reads_input():
        return _allocate(x_shape, gy.dtype, zero=True)
    gx = _allocate(x_shape, gy.dtype)
    if gx.size == 0:
        return gx
    if _route(geometry, gy.dtype, c_in, c_out, groups) == "depthwise":
        _conv.depthwise_backward_data(gy, w.reshape(c_out, *geometry.kernel), gx,
                                      geometry.kernel_args(), threads)
        return gx
    adjoint = _input_gradient_geometry(geometry)
    if adjoint is not None and _shifted_input_gradient_pays(adjoint, gy.dtype, c_in // groups,
                                                            np.prod(geometry.out_size)):
        _shifted.shifted_forward(gy, _flipped_transposed(w, groups), w.reshape(-1)[:0], gx,
                                 False, adjoint.kernel_args(), groups, threads)
    else:
        _conv.conv_backward_data(gy, w.reshape(c_out, -1), gx, geometry.kernel_args(),
                                 groups, threads)
    return gx


def conv_backward_weight(x, gy, geometry, groups, w_shape):
    """Gradient of ``conv_forward`` with respect to W, shape ``w_shape`` (5-d)."""
    c_in = x.shape[1]
    c_out = w_shape[0]
    threads = kernel_threads()
    if x.size == 0 or gy.size == 0 or not geometry.reads_input():
        return _allocate(w_shape, x.dtype, zero=True)
    gw = _allocate(w_shape, x.dtype)
    if gw.size == 0:
        return gw
    route = _route(geometry, x.dtype, c_in, c_out, groups)
    if route == "depthwise":
        _conv.depthwise_backward_weight(x, gy, gw.reshape(c_out, *geometry.kernel),
                                        geometry.kernel_args(), threads)
        return gw
    if route == "shifted":
        _shifted.shifted_backward_weight(x, gy, gw.reshape(c_out, -1), geometry.kernel_args(),
                                         groups, threads)
    else:
        _conv.conv_backward_weight(x, gy, gw.reshape(c_out, -1), geometry.kernel_args(),
                                   groups, threads)
    return gw


def _zero_dead_taps(gw, geometry):
    """gW (5-d) with the taps that meet only padding set to 0, the empty sum they are.

    The products give them ``gy * 0``: NaN where gy is not finite. For a transposed
    convolution gy is the op's own input, and a NaN there must not reach taps that
    never meet the output (``[0, nan, 0]``, PyTorch's oneDNN answer; its other
    paths spread it). A plain convolution's input meets the padding as zeros of the
    patch matrix, never as a factor, so it needs no such step.
    """
    live = geometry.live_taps()
    if all(axis.all() for axis in live):
        return gw
    dead = ~(live[0][:, None, None] & live[1][None, :, None] & live[2][None, None, :])
    gw[:, :, dead] = 0
    return gw


def _flat_planes(a):
    """(n, c, positions) view; spelled out, as -1 cannot be inferred for an empty batch."""
    return a.reshape(a.shape[0], a.shape[1], int(np.prod(a.shape[2:])))


def _channel_sum(gy, threads):
    channels = gy.shape[1]
    total = np.zeros(channels, dtype=gy.dtype)
    if gy.size:
        _conv.channel_sum(_flat_planes(gy), total, threads)
    return total


def _to_5d(a, spatial_dims, batched):
    """View ``a`` as (n, c, d, h, w): add the batch axis and leading singleton spatial axes."""
    a = np.ascontiguousarray(a)
    if not batched:
        a = a[None]
    return a.reshape(a.shape[:2] + (1,) * (3 - spatial_dims) + a.shape[2:])


class Convolution(Function):
    """``F.conv1d/2d/3d`` and ``F.conv_transpose2d`` (PyTorch's ``convolution``).

    ``geometry`` describes the plain convolution: for ``transposed=True`` that is
    the convolution whose input gradient this op computes, so its ``in_size`` is
    this op's output size and its ``out_size`` this op's input size.
    """
    fresh_gradients = True

    grad_fn_name = "ConvolutionBackward0"

    @staticmethod
    def forward(ctx, x, w, bias, *, geometry, groups, transposed, spatial_dims, batched):
        x5 = _to_5d(x, spatial_dims, batched)
        w5 = _to_5d(w, spatial_dims, True)
        b = None if bias is None else np.ascontiguousarray(bias)
        if not transposed:
            y5 = conv_forward(x5, w5, geometry, groups, b)
        else:
            # w5 is (c_in, c_out / groups, k...): the weight of the plain conv whose
            # input gradient this is, with this op's input in the role of gy
            n_batch = x5.shape[0]
            c_out = w5.shape[1] * groups
            y5 = conv_backward_data(x5, w5, geometry, groups,
                                    (n_batch, c_out, *geometry.in_size))
            if b is not None and y5.size:
                _conv.add_channel_bias(_flat_planes(y5), b, kernel_threads())
        # as torch: the input only for the weight's gradient, the weight only for the
        # input's, so a frozen layer's input may change in place after the forward
        needs = ctx.needs_input_grad or (False, False, False)  # () when not recording
        ctx.save_for_backward(x if needs[1] else None, w if needs[0] else None)
        ctx.x5_shape, ctx.w5_shape, ctx.dtype = x5.shape, w5.shape, x5.dtype
        ctx.input_shape, ctx.weight_shape = x.shape, w.shape
        ctx.geometry = geometry
        ctx.groups = groups
        ctx.transposed = transposed
        ctx.spatial_dims = spatial_dims
        ctx.batched = batched
        out_shape = y5.shape[:2] + y5.shape[5 - spatial_dims:]
        y = y5.reshape(out_shape)
        return y if batched else y[0]

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        geometry, groups = ctx.geometry, ctx.groups
        gy5 = _to_5d(gy.astype(ctx.dtype, copy=False), ctx.spatial_dims, ctx.batched)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            w5 = _to_5d(w, ctx.spatial_dims, True)
            if not ctx.transposed:
                gx5 = conv_backward_data(gy5, w5, geometry, groups, ctx.x5_shape)
            else:
                gx5 = conv_forward(gy5, w5, geometry, groups)
            gx = gx5.reshape(ctx.input_shape)
        if ctx.needs_input_grad[1]:
            x5 = _to_5d(x, ctx.spatial_dims, ctx.batched)
            if not ctx.transposed:
                gw5 = conv_backward_weight(x5, gy5, geometry, groups, ctx.w5_shape)
            else:
                gw5 = _zero_dead_taps(conv_backward_weight(gy5, x5, geometry, groups,
                                                           ctx.w5_shape), geometry)
            gw = gw5.reshape(ctx.weight_shape)
        if ctx.needs_input_grad[2]:
            gb = _channel_sum(gy5, kernel_threads())
        return gx, gw, gb


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).
#
# With y = C(x, W) the convolution, its two gradients are D(gy, W) (data) and
# V(x, gy) (weight); all three are bilinear and each one's derivatives are the other
# two: <u, D(gy, W)> = <C(u, W), gy> and <u, V(x, gy)> = <C(x, u), gy>. So
#   C: dx <- D(u, W),  dW <- V(x, u)
#   D: dgy <- C(u, W), dW <- V(u, gy)
#   V: dx <- D(gy, u), dgy <- C(x, u)
# which makes every derivative order exact with three kernels.

class _ConvolutionGradient(Function):
    """D or V as an op of its two operands (a, b). Subclasses name the kernel that
    computes the output and the ones that compute each operand's gradient from
    ``u``, the output's gradient (the table above); all else is shared."""
    fresh_gradients = True
    # which of (a, b, the output) are weights, 5-d without a batch axis; the others
    # are activations or their gradients
    weight_roles = (False, False, False)

    @classmethod
    def forward(cls, ctx, a, b, *, geometry, groups, spatial_dims, batched, out5_shape,
                out_shape):
        ctx.conv = dict(geometry=geometry, groups=groups, spatial_dims=spatial_dims,
                        batched=batched)
        ctx.save_for_backward(a, b)
        a5, b5 = cls._as_5d(ctx.conv, a, b)
        return cls.output(a5, b5, geometry, groups, out5_shape).reshape(out_shape)

    @classmethod
    def backward(cls, ctx, u):
        a, b = ctx.saved_tensors
        a5, b5, u5 = cls._as_5d(ctx.conv, a, b, u.astype(a.dtype, copy=False))
        geometry, groups = ctx.conv["geometry"], ctx.conv["groups"]
        ga = gb = None
        if ctx.needs_input_grad[0]:
            ga = cls.first_gradient(a5, b5, u5, geometry, groups).reshape(a.shape)
        if ctx.needs_input_grad[1]:
            gb = cls.second_gradient(a5, b5, u5, geometry, groups).reshape(b.shape)
        return ga, gb

    @classmethod
    def _as_5d(cls, conv, *arrays):
        return tuple(_to_5d(t, conv["spatial_dims"], True if is_weight else conv["batched"])
                     for t, is_weight in zip(arrays, cls.weight_roles))


class ConvolutionData(_ConvolutionGradient):
    """D(gy, W): the input gradient of a plain convolution, as its own op."""
    grad_fn_name = "ConvolutionBackwardBackward0"
    weight_roles = (False, True, False)   # gy, W, gx

    @staticmethod
    def output(gy5, w5, geometry, groups, x5_shape):
        return conv_backward_data(gy5, w5, geometry, groups, x5_shape)

    @staticmethod
    def first_gradient(gy5, w5, u5, geometry, groups):
        return conv_forward(u5, w5, geometry, groups)

    @staticmethod
    def second_gradient(gy5, w5, u5, geometry, groups):
        return conv_backward_weight(u5, gy5, geometry, groups, w5.shape)


class ConvolutionWeight(_ConvolutionGradient):
    """V(x, gy): the weight gradient of a plain convolution, as its own op."""
    grad_fn_name = "ConvolutionBackwardBackward0"
    weight_roles = (False, False, True)   # x, gy, gW

    @staticmethod
    def output(x5, gy5, geometry, groups, w5_shape):
        return conv_backward_weight(x5, gy5, geometry, groups, w5_shape)

    @staticmethod
    def first_gradient(x5, gy5, u5, geometry, groups):
        return conv_backward_data(gy5, u5, geometry, groups, x5.shape)

    @staticmethod
    def second_gradient(x5, gy5, u5, geometry, groups):
        return conv_forward(x5, u5, geometry, groups)


def _plain(conv, x, w):
    return Convolution.apply(x, w, None, transposed=False, **conv)


def _data(conv, gy, w, x5_shape, input_shape):
    return ConvolutionData.apply(gy, w, out5_shape=x5_shape, out_shape=input_shape, **conv)


def _weight(conv, x, gy, w5_shape, weight_shape):
    return ConvolutionWeight.apply(x, gy, out5_shape=w5_shape, out_shape=weight_shape, **conv)


def _conv_grad(ctx, inputs, g):
    if ctx.transposed:
        return NotImplemented  # the numpy backward runs (first order only)
    x, w, bias = inputs
    conv = dict(geometry=ctx.geometry, groups=ctx.groups, spatial_dims=ctx.spatial_dims,
                batched=ctx.batched)
    w5_shape = _to_5d(np.empty(ctx.weight_shape, np.bool_), ctx.spatial_dims, True).shape
    gx = gw = gb = None
    if ctx.needs_input_grad[0]:
        gx = _data(conv, g, w, ctx.x5_shape, ctx.input_shape)
    if ctx.needs_input_grad[1]:
        gw = _weight(conv, x, g, w5_shape, ctx.weight_shape)
    if ctx.needs_input_grad[2]:
        gb = g.sum((0,) + tuple(range(2, g.dim())) if ctx.batched else
                   tuple(range(1, g.dim())))
    return gx, gw, gb


def _data_grad(ctx, inputs, u):
    gy, w = inputs
    w5_shape = _to_5d(np.empty(w.shape, np.bool_), ctx.conv["spatial_dims"], True).shape
    return (_plain(ctx.conv, u, w) if ctx.needs_input_grad[0] else None,
            _weight(ctx.conv, u, gy, w5_shape, tuple(w.shape)) if ctx.needs_input_grad[1]
            else None)


def _weight_grad(ctx, inputs, u):
    x, gy = inputs
    x5_shape = _to_5d(np.empty(x.shape, np.bool_), ctx.conv["spatial_dims"],
                      ctx.conv["batched"]).shape
    return (_data(ctx.conv, gy, u, x5_shape, tuple(x.shape)) if ctx.needs_input_grad[0]
            else None,
            _plain(ctx.conv, x, u) if ctx.needs_input_grad[1] else None)


Convolution.grad_graph = staticmethod(_conv_grad)
ConvolutionData.grad_graph = staticmethod(_data_grad)
ConvolutionWeight.grad_graph = staticmethod(_weight_grad)
