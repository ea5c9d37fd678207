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
"""
from typing import NamedTuple

import numpy as np

from ..._kernels import conv as _conv
from ..._kernels import conv_shifted as _shifted
from ..._kernels.gemm import gemm_kernel
from ..._threads import get_num_threads
from ..function import Function

__all__ = ["ConvGeometry", "Convolution", "conv_forward", "conv_backward_data",
           "conv_backward_weight"]


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


def _is_depthwise(c_in, c_out, groups):
    return groups > 1 and groups == c_in and c_out % c_in == 0


def _shifted_runs(geometry, dtype):
    """Whether the shifted-window kernels cover this convolution: float32, cynn's own
    GEMM (only it takes tables of window offsets) and a 2-d (or 1-d) geometry.

    Where they cover the forward and the weight gradient they are the faster
    path: the same product as im2col's, without writing the patch matrix
    (threads=2: AlexNet's conv1-5 forward 6-22% faster, weight gradient 4-12%;
    LeNet's conv2 24% and 30%; the 56x56 layers 0-15%).
    """
    kd = geometry.kernel[0]
    return (dtype == np.float32 and gemm_kernel() == "cynn" and kd == 1
            and geometry.out_size[0] == 1 and geometry.in_size[0] == 1)


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
    threads = get_num_threads()
    y = np.empty((n_batch, c_out, *geometry.out_size), dtype=x.dtype)
    if y.size == 0:
        return y
    has_bias = bias is not None
    no_bias = w.reshape(-1)[:0]
    if c_in == 0:
        # no products to run: every output is the bias
        y[...] = bias.reshape(1, c_out, 1, 1, 1) if has_bias else 0
        return y
    if _is_depthwise(c_in, c_out, groups):
        _conv.depthwise_forward(x, w.reshape(c_out, *geometry.kernel),
                                bias if has_bias else no_bias, y, has_bias,
                                geometry.kernel_args(), threads)
    elif _shifted_runs(geometry, x.dtype):
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
    threads = get_num_threads()
    gx = np.empty(x_shape, dtype=gy.dtype)
    if gx.size == 0:
        return gx
    if _is_depthwise(c_in, c_out, groups):
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
    threads = get_num_threads()
    gw = np.empty(w_shape, dtype=x.dtype)
    if gw.size == 0:
        return gw
    if _is_depthwise(c_in, c_out, groups):
        _conv.depthwise_backward_weight(x, gy, gw.reshape(c_out, *geometry.kernel),
                                        geometry.kernel_args(), threads)
        return gw
    if _shifted_runs(geometry, x.dtype):
        _shifted.shifted_backward_weight(x, gy, gw.reshape(c_out, -1), geometry.kernel_args(),
                                         groups, threads)
        return gw
    _conv.conv_backward_weight(x, gy, gw.reshape(c_out, -1), geometry.kernel_args(),
                               groups, threads)
    return gw


def _channel_sum(gy, threads):
    n_batch, channels = gy.shape[:2]
    total = np.empty(channels, dtype=gy.dtype)
    _conv.channel_sum(gy.reshape(n_batch, channels, -1), total, threads)
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
            if b is not None:
                _conv.add_channel_bias(y5.reshape(n_batch, c_out, -1), b, get_num_threads())
        ctx.save_for_backward(x, w)
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
        x5 = _to_5d(x, ctx.spatial_dims, ctx.batched)
        w5 = _to_5d(w, ctx.spatial_dims, True)
        gy5 = _to_5d(gy.astype(x.dtype, copy=False), ctx.spatial_dims, ctx.batched)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            if not ctx.transposed:
                gx5 = conv_backward_data(gy5, w5, geometry, groups, x5.shape)
            else:
                gx5 = conv_forward(gy5, w5, geometry, groups)
            gx = gx5.reshape(x.shape)
        if ctx.needs_input_grad[1]:
            if not ctx.transposed:
                gw5 = conv_backward_weight(x5, gy5, geometry, groups, w5.shape)
            else:
                gw5 = conv_backward_weight(gy5, x5, geometry, groups, w5.shape)
            gw = gw5.reshape(w.shape)
        if ctx.needs_input_grad[2]:
            gb = _channel_sum(gy5, get_num_threads())
        return gx, gw, gb
