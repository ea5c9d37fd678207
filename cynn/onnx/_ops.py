"""cynn's own ops as ONNX nodes: one mapping per Function (see ``registry``).

Each mapping gets the op's arguments as the Function received them (Tensors as
``Value``s) and ``g.results``, the op's outputs as traced (shape and dtype). Sizes
that a dynamic batch dimension could change are never written into the graph:
reshapes copy leading dimensions with ``0`` and infer one with ``-1``, expansions
keep the input's dimensions with ``1``.
"""
import math

import numpy as np

from .._tensor import _ContiguousClone
from ..autograd.functions import activation as A
from ..autograd.functions import conv as C
from ..autograd.functions import elementwise as E
from ..autograd.functions import linalg as L
from ..autograd.functions import linear as LIN
from ..autograd.functions import norm as N
from ..autograd.functions import padding as PAD
from ..autograd.functions import pool as P
from ..autograd.functions import reduction as R
from ..autograd.functions import shape as S
from .errors import UnsupportedOperatorError
from .graph import Value, onnx_type
from ._table import builtin

_INT64_MAX = 2 ** 63 - 1
_SELU_ALPHA = 1.6732632423543772848170429916717
_SELU_SCALE = 1.0507009873554804934193349852946


# -------------------------------------------------------------------- helpers
def _ints(g, values):
    return g.constant(np.array(values, dtype=np.int64).reshape(-1))


def _as_dtype(g, a, dtype):
    """``a`` (a Value or a Python number) as an input of element type ``dtype``."""
    if isinstance(a, Value):
        if a.dtype == dtype:
            return a.name
        if a.constant is not None:
            return g.constant(a.constant.astype(dtype))
        return g.op("Cast", a, to=onnx_type(dtype))
    return g.constant(a, dtype)


def _result_dtype(g):
    return g.results[0].dtype


def _unsupported(op, why):
    return UnsupportedOperatorError(f"cannot export {op} to ONNX: {why}")


def _batched(g, x, spatial, emit):
    """Run ``emit(x)`` (a node that needs a batch axis) on ``x`` of ``spatial`` spatial
    axes, adding and removing a batch axis of 1 when ``x`` has none."""
    if x.ndim == spatial + 2:
        return emit(x.name)
    out = emit(g.op("Unsqueeze", x, _ints(g, [0])))
    return g.op("Squeeze", out, _ints(g, [0]))


# -------------------------------------------------------------------- convolution
def _end_padding(size, kernel, stride, before, dilation, out):
    """Padding after the input that makes ONNX's floor-mode output size ``out``:
    PyTorch's symmetric padding when it does, else the least that does (``'same'``
    pads one more after the input; a stride may skip the input's tail)."""
    extent = (kernel - 1) * dilation + 1
    for after in (before, max(0, (out - 1) * stride + extent - size - before)):
        if (size + before + after - extent) // stride + 1 == out:
            return after
    raise _unsupported("a convolution or pooling window",
                       f"no ONNX padding gives output size {out} for input size {size}")


@builtin(C.Convolution)
def _convolution(g, x, w, bias, *, geometry, groups, transposed, spatial_dims, batched):
    n = spatial_dims
    kernel, stride, before, dilation, plain_in, plain_out = (
        list(field[3 - n:]) for field in (geometry.kernel, geometry.stride, geometry.padding,
                                          geometry.dilation, geometry.in_size,
                                          geometry.out_size))
    if not transposed:
        after = [_end_padding(*axis) for axis in
                 zip(plain_in, kernel, stride, before, dilation, plain_out)]
        attributes = dict(kernel_shape=kernel, strides=stride, pads=before + after,
                          dilations=dilation, group=groups)
        op = "Conv"
    else:
        # this op maps plain_out -> plain_in: out = (in - 1) s - 2 p + (k - 1) d + 1 + op
        output_padding = [o - ((i - 1) * s - 2 * p + (k - 1) * d + 1) for i, o, s, p, k, d
                          in zip(plain_out, plain_in, stride, before, kernel, dilation)]
        # an output padding a runtime may refuse (not below the stride) is taken off
        # the padding after the input instead
        after = [p - op if op >= s else p for p, op, s in zip(before, output_padding, stride)]
        output_padding = [0 if op >= s else op for op, s in zip(output_padding, stride)]
        if any(a < 0 for a in after):
            raise _unsupported("ConvTranspose", f"output_padding {output_padding} exceeds "
                                                f"the padding {before}")
        attributes = dict(kernel_shape=kernel, strides=stride, pads=before + after,
                          dilations=dilation, group=groups,
                          output_padding=output_padding if any(output_padding) else None)
        op = "ConvTranspose"
    inputs = (w, bias) if bias is not None else (w,)
    return _batched(g, x, n, lambda xb: g.op(op, xb, *inputs, **attributes))


# -------------------------------------------------------------------- pooling
def _window_axes(window):
    """(kernel, stride, padding, dilation, out_size) lists over the pooled axes."""
    n = len(window.kernel)   # 2 for PoolWindow (1-d pools pad it), 3 for Window3d
    keep = slice(n - window.dims, n)
    return (list(window.kernel[keep]), list(window.stride[keep]), list(window.padding[keep]),
            list(window.dilation[keep]), list(window.out_size[keep]))


@builtin(P.MaxPool2d, P.MaxPool1d, P.MaxPool3d)
def _max_pool(g, x, window, return_indices=False):
    kernel, stride, before, dilation, out = _window_axes(window)
    size = list(x.shape[-window.dims:])
    # padding past PyTorch's (its ceil_mode windows hanging over the end) is -inf to a
    # maximum, exactly like ONNX's own padding
    after = [max(p, (o - 1) * s + (k - 1) * d + 1 - i - p)
             for i, k, s, p, d, o in zip(size, kernel, stride, before, dilation, out)]
    if any(p < 0 for p in before):
        raise _unsupported("MaxPool", f"the window (kernel {kernel}, padding {before}) has "
                                      f"no ONNX equivalent")
    y = _batched(g, x, window.dims, lambda xb: g.op(
        "MaxPool", xb, kernel_shape=kernel, strides=stride, pads=before + after,
        dilations=dilation))
    return (y, None) if return_indices else y


@builtin(P.AvgPool2d, P.AvgPool1d, P.AvgPool3d)
def _avg_pool(g, x, window, count_include_pad=True, divisor_override=None):
    kernel, stride, before, _, out = _window_axes(window)
    size = list(x.shape[-window.dims:])
    floor_after = [(o - 1) * s + k - i - p for i, k, s, p, o in
                   zip(size, kernel, stride, before, out)]
    overhang = any(a > p for a, p in zip(floor_after, before))   # ceil_mode's last window
    after = [max(a, p) for a, p in zip(floor_after, before)]

    def emit(xb):
        if divisor_override:
            # the window sums over PyTorch's padded input (zeros), divided by the override
            channels = x.shape[-window.dims - 1]
            ones = np.ones((channels, 1, *kernel), dtype=x.dtype)
            total = g.op("Conv", xb, g.constant(ones), kernel_shape=kernel, strides=stride,
                         pads=before + [max(a, 0) for a in floor_after], group=channels)
            return g.op("Div", total, g.constant(divisor_override, x.dtype))
        if count_include_pad and overhang:
            # PyTorch divides by the window clipped to its padded input, ONNX by the
            # whole window: pad with zeros explicitly, then count only what is inside
            if any(before):
                begins = [0, 0] + before
                xb = g.op("Pad", xb, _ints(g, begins + begins), mode="constant")
            return g.op("AveragePool", xb, kernel_shape=kernel, strides=stride,
                        pads=[0] * window.dims + [a - p for a, p in zip(after, before)],
                        count_include_pad=0)
        return g.op("AveragePool", xb, kernel_shape=kernel, strides=stride,
                    pads=before + after, count_include_pad=int(bool(count_include_pad)))
    return _batched(g, x, window.dims, emit)


def _adaptive_cells(x, out_size):
    """(kernel, stride) of an adaptive pooling whose cells are all alike, else None."""
    size = x.shape[-2:]
    if all(i % o == 0 for i, o in zip(size, out_size)):
        cell = [i // o for i, o in zip(size, out_size)]
        return cell, cell
    return None


@builtin(P.AdaptiveAvgPool2d)
def _adaptive_avg_pool(g, x, out_size):
    cells = _adaptive_cells(x, out_size)
    if cells is None:
        raise _unsupported("AdaptiveAvgPool2d", f"input size {list(x.shape[-2:])} is not a "
                                                f"multiple of output size {list(out_size)}")
    kernel, stride = cells
    return _batched(g, x, 2, lambda xb: g.op("AveragePool", xb, kernel_shape=kernel,
                                             strides=stride))


@builtin(P.AdaptiveAvgPoolGlobal)
def _adaptive_avg_pool_global(g, x):
    return _reduce(g, "ReduceMean", x, [-2, -1], True)


@builtin(P.AdaptiveMaxPool2d)
def _adaptive_max_pool(g, x, out_size, return_indices=False):
    cells = _adaptive_cells(x, out_size)
    if cells is None:
        raise _unsupported("AdaptiveMaxPool2d", f"input size {list(x.shape[-2:])} is not a "
                                                f"multiple of output size {list(out_size)}")
    kernel, stride = cells
    y = _batched(g, x, 2, lambda xb: g.op("MaxPool", xb, kernel_shape=kernel, strides=stride))
    return (y, None) if return_indices else y


# -------------------------------------------------------------------- linear algebra
@builtin(LIN.Linear, LIN.Addmm, LIN.Mm)
def _linear(g, x, w, b):
    if x.ndim == 2 and w.ndim == 2:
        return g.op("Gemm", x, w, b, transB=1)
    product = g.op("MatMul", x, w if w.ndim == 1 else g.op("Transpose", w, perm=[1, 0]))
    return product if b is None else g.op("Add", product, b)


@builtin(L.Matmul, L.Mm, L.Bmm, L.Dot, L.Mv, L.VecMat, L.BatchedMatmul, L.MatBatchedMatmul)
def _matmul(g, a, b):
    dtype = _result_dtype(g)
    return g.op("MatMul", _as_dtype(g, a, dtype), _as_dtype(g, b, dtype))


# -------------------------------------------------------------------- elementwise
def _binary(op_type):
    def mapping(g, a, b):
        dtype = _result_dtype(g)
        return g.op(op_type, _as_dtype(g, a, dtype), _as_dtype(g, b, dtype))
    return mapping


builtin(E.Mul)(_binary("Mul"))
builtin(E.Div)(_binary("Div"))
builtin(E.Pow, E.PowTensor)(_binary("Pow"))
builtin(E.Maximum)(_binary("Max"))
builtin(E.Minimum)(_binary("Min"))


def _scaled(g, b, alpha, dtype):
    b = _as_dtype(g, b, dtype)
    return b if alpha == 1 else g.op("Mul", b, g.constant(alpha, dtype))


@builtin(E.Add)
def _add(g, a, b, alpha=1):
    dtype = _result_dtype(g)
    return g.op("Add", _as_dtype(g, a, dtype), _scaled(g, b, alpha, dtype))


@builtin(E.Sub)
def _sub(g, a, b, alpha=1):
    dtype = _result_dtype(g)
    return g.op("Sub", _as_dtype(g, a, dtype), _scaled(g, b, alpha, dtype))


@builtin(E.Rsub)
def _rsub(g, a, scalar):
    dtype = _result_dtype(g)
    return g.op("Sub", _as_dtype(g, scalar, dtype), _as_dtype(g, a, dtype))


@builtin(E.Rdiv)
def _rdiv(g, a, scalar):
    dtype = _result_dtype(g)
    return g.op("Div", _as_dtype(g, scalar, dtype), _as_dtype(g, a, dtype))


@builtin(E.Rpow)
def _rpow(g, a, scalar):
    dtype = _result_dtype(g)
    return g.op("Pow", _as_dtype(g, scalar, dtype), _as_dtype(g, a, dtype))


def _unary(op_type):
    def mapping(g, x):
        return g.op(op_type, _as_dtype(g, x, _result_dtype(g)))
    return mapping


for _function, _op_type in ((E.Neg, "Neg"), (E.Exp, "Exp"), (E.Log, "Log"), (E.Sqrt, "Sqrt"),
                            (E.Sin, "Sin"), (E.Cos, "Cos"), (E.Tanh, "Tanh"),
                            (E.Reciprocal, "Reciprocal"), (E.Sigmoid, "Sigmoid"),
                            (E.Abs, "Abs"), (E.Relu, "Relu"), (E.Sign, "Sign"),
                            (E.Floor, "Floor"), (E.Ceil, "Ceil")):
    builtin(_function)(_unary(_op_type))


@builtin(E.Rsqrt)
def _rsqrt(g, x):
    return g.op("Reciprocal", g.op("Sqrt", _as_dtype(g, x, _result_dtype(g))))


@builtin(E.Round)
def _round(g, x, decimals=0):
    if decimals:
        raise _unsupported("round", f"decimals={decimals} (only 0)")
    return g.op("Round", x)


@builtin(E.Clamp, E.ClampTensor)
def _clamp(g, x, min=None, max=None):  # noqa: A002 -- the op's argument names
    dtype = _result_dtype(g)
    y = _as_dtype(g, x, dtype)
    if isinstance(min, Value) or isinstance(max, Value):
        # tensor bounds broadcast: Clip takes scalars only
        if min is not None:
            y = g.op("Max", y, _as_dtype(g, min, dtype))
        if max is not None:
            y = g.op("Min", y, _as_dtype(g, max, dtype))
        return y
    return g.op("Clip", y, None if min is None else g.constant(min, dtype),
                None if max is None else g.constant(max, dtype))


@builtin(E.Where)
def _where(g, condition, a, b):
    dtype = _result_dtype(g)
    return g.op("Where", _as_dtype(g, condition, np.bool_), _as_dtype(g, a, dtype),
                _as_dtype(g, b, dtype))


@builtin(E.MaskedFill)
def _masked_fill(g, x, mask, value):
    dtype = _result_dtype(g)
    return g.op("Where", _as_dtype(g, mask, np.bool_), _as_dtype(g, value, dtype),
                _as_dtype(g, x, dtype))


@builtin(E.Clone, _ContiguousClone, S.Alias)
def _identity(g, x):
    return g.op("Identity", x)


@builtin(E.ToCopy)
def _to_copy(g, x, dtype):
    return g.op("Cast", x, to=onnx_type(dtype))


# -------------------------------------------------------------------- activations
@builtin(A.LeakyRelu)
def _leaky_relu(g, x, negative_slope):
    return g.op("LeakyRelu", x, alpha=float(negative_slope))


@builtin(A.Elu)
def _elu(g, x, alpha, scale=1.0, input_scale=1.0):
    if scale == 1.0 and input_scale == 1.0:
        return g.op("Elu", x, alpha=float(alpha))
    if input_scale == 1.0 and math.isclose(alpha, _SELU_ALPHA) and \
            math.isclose(scale, _SELU_SCALE):
        return g.op("Selu", x, alpha=float(alpha), gamma=float(scale))
    # scale * (x if x > 0 else alpha * (exp(input_scale * x) - 1))
    negative = g.op("Elu", g.op("Mul", x, g.constant(input_scale, x.dtype)), alpha=float(alpha))
    negative = g.op("Div", negative, g.constant(input_scale, x.dtype))
    zero = g.constant(0, x.dtype)
    y = g.op("Where", g.op("Greater", x, zero), x, negative)
    return g.op("Mul", y, g.constant(scale, x.dtype))


@builtin(A.Celu)
def _celu(g, x, alpha):
    if x.dtype == np.float32:
        return g.op("Celu", x, alpha=float(alpha))
    # ONNX's Celu is float32 only: max(0, x) + min(0, alpha (exp(x / alpha) - 1))
    a = g.constant(alpha, x.dtype)
    negative = g.op("Mul", a, g.op("Sub", g.op("Exp", g.op("Div", x, a)),
                                   g.constant(1, x.dtype)))
    zero = g.constant(0, x.dtype)
    return g.op("Add", g.op("Max", x, zero), g.op("Min", negative, zero))


@builtin(A.Prelu)
def _prelu(g, x, w):
    slope = w
    if w.ndim == 1 and w.shape[0] > 1 and x.ndim > 2:
        # one slope per channel (dimension 1): shape it (C, 1, ..., 1) to broadcast
        slope = g.op("Reshape", w, _ints(g, [w.shape[0]] + [1] * (x.ndim - 2)))
    return g.op("PRelu", x, slope)


@builtin(A.RreluWithNoise)
def _rrelu(g, x, noise, slope):
    if noise is not None:
        raise _unsupported("rrelu", "its random slopes in training mode")
    return g.op("LeakyRelu", x, alpha=float(slope))


@builtin(A.Hardtanh)
def _hardtanh(g, x, min_val, max_val):
    return g.op("Clip", x, g.constant(min_val, x.dtype), g.constant(max_val, x.dtype))


@builtin(A.Threshold)
def _threshold(g, x, threshold, value):
    return g.op("Where", g.op("Greater", x, g.constant(threshold, x.dtype)), x,
                g.constant(value, x.dtype))


@builtin(A.Gelu)
def _gelu(g, x, approximate):
    if g.opset >= 20:
        return g.op("Gelu", x, approximate=approximate)
    half = g.op("Mul", x, g.constant(0.5, x.dtype))
    one = g.constant(1, x.dtype)
    if approximate == "tanh":
        cube = g.op("Mul", g.op("Mul", x, x), x)
        inner = g.op("Add", x, g.op("Mul", cube, g.constant(0.044715, x.dtype)))
        inner = g.op("Mul", inner, g.constant(math.sqrt(2 / math.pi), x.dtype))
        return g.op("Mul", half, g.op("Add", one, g.op("Tanh", inner)))
    erf = g.op("Erf", g.op("Div", x, g.constant(math.sqrt(2.0), x.dtype)))
    return g.op("Mul", half, g.op("Add", one, erf))


@builtin(A.Silu)
def _silu(g, x):
    return g.op("Mul", x, g.op("Sigmoid", x))


@builtin(A.Softplus)
def _softplus(g, x, beta, threshold):
    scaled = g.op("Mul", x, g.constant(beta, x.dtype))
    soft = g.op("Div", g.op("Softplus", scaled), g.constant(beta, x.dtype))
    return g.op("Where", g.op("Greater", scaled, g.constant(threshold, x.dtype)), x, soft)


@builtin(A.LogSigmoid)
def _log_sigmoid(g, x):
    return g.op("Neg", g.op("Softplus", g.op("Neg", x)))


@builtin(A.Mish)
def _mish(g, x):
    if g.opset >= 18:
        return g.op("Mish", x)
    return g.op("Mul", x, g.op("Tanh", g.op("Softplus", x)))


@builtin(A.Hardsigmoid)
def _hardsigmoid(g, x):
    return g.op("HardSigmoid", x, alpha=1.0 / 6.0, beta=0.5)


@builtin(A.Hardswish)
def _hardswish(g, x):
    return g.op("HardSwish", x)


@builtin(R.Softmax)
def _softmax(g, x, dim):
    return g.op("Softmax", _as_dtype(g, x, _result_dtype(g)), axis=dim)


@builtin(R.LogSoftmax)
def _log_softmax(g, x, dim):
    return g.op("LogSoftmax", _as_dtype(g, x, _result_dtype(g)), axis=dim)


# -------------------------------------------------------------------- reductions
def _reduce(g, op_type, x, dims, keepdim):
    """``op_type`` over ``dims`` (None: all); axes are an input from opset 18 on
    (ReduceSum: 13)."""
    axes_as_input = op_type == "ReduceSum" or g.opset >= 18
    if dims is None:
        return g.op(op_type, x, keepdims=int(keepdim))
    dims = list(dims)
    if axes_as_input:
        return g.op(op_type, x, _ints(g, dims), keepdims=int(keepdim))
    return g.op(op_type, x, axes=dims, keepdims=int(keepdim))


@builtin(R.Sum, R.SumDim)
def _sum(g, x, dims=None, keepdim=False, dtype=None):
    return _reduce(g, "ReduceSum", _as_dtype(g, x, _result_dtype(g)), dims, keepdim)


@builtin(R.Mean, R.MeanDim)
def _mean(g, x, dims=None, keepdim=False):
    return _reduce(g, "ReduceMean", _as_dtype(g, x, _result_dtype(g)), dims, keepdim)


# -------------------------------------------------------------------- normalisation
@builtin(N.BatchNorm)
def _batch_norm(g, x, weight, bias, running_mean, running_var, training, momentum, eps):
    if training:
        raise _unsupported("batch_norm", "batch statistics (training mode); export the model "
                                         "in eval mode")
    channels = x.shape[1]
    scale = weight if weight is not None else g.constant(np.ones(channels, x.dtype))
    shift = bias if bias is not None else g.constant(np.zeros(channels, x.dtype))
    return g.op("BatchNormalization", x, scale, shift, running_mean, running_var,
                epsilon=float(eps))


@builtin(N.LayerNorm)
def _layer_norm(g, x, weight, bias, n_normalized, eps):
    shape = x.shape[x.ndim - n_normalized:]
    scale = weight if weight is not None else g.constant(np.ones(shape, x.dtype))
    return g.op("LayerNormalization", x, scale, bias, axis=-n_normalized, epsilon=float(eps))


@builtin(N.GroupNorm)
def _group_norm(g, x, weight, bias, num_groups, eps):
    # normalise (N, G, rest) per (n, g) with InstanceNormalization, then the
    # per-channel affine
    grouped = g.op("Reshape", x, _ints(g, [0, num_groups, -1]))
    ones = g.constant(np.ones(num_groups, x.dtype))
    zeros = g.constant(np.zeros(num_groups, x.dtype))
    normed = g.op("InstanceNormalization", grouped, ones, zeros, epsilon=float(eps))
    y = g.op("Reshape", normed, g.op("Shape", x))
    channel = [x.shape[1]] + [1] * (x.ndim - 2)
    if weight is not None:
        y = g.op("Mul", y, g.op("Reshape", weight, _ints(g, channel)))
    if bias is not None:
        y = g.op("Add", y, g.op("Reshape", bias, _ints(g, channel)))
    return y


# -------------------------------------------------------------------- padding
def _onnx_pads(ndim, pairs):
    """F.pad's ``((last_before, last_after), ...)`` as ONNX's begins-then-ends list."""
    begins, ends = [0] * ndim, [0] * ndim
    for k, (before, after) in enumerate(pairs):
        begins[ndim - 1 - k], ends[ndim - 1 - k] = before, after
    return begins + ends


@builtin(PAD.ConstantPad)
def _constant_pad(g, x, pairs, value=0):
    return g.op("Pad", x, _ints(g, _onnx_pads(x.ndim, pairs)), g.constant(value, x.dtype),
                mode="constant")


_PAD_MODES = {"reflect": "reflect", "replicate": "edge", "circular": "wrap"}


@builtin(PAD.IndexPad, PAD.ReflectionPad1d, PAD.ReflectionPad2d, PAD.ReflectionPad3d,
         PAD.ReplicationPad1d, PAD.ReplicationPad2d, PAD.ReplicationPad3d, PAD.CircularPad)
def _index_pad(g, x, pairs, mode):
    if mode == "circular" and g.opset < 19:
        raise _unsupported("circular padding", f"ONNX has it from opset 19 (exporting to "
                                               f"{g.opset})")
    return g.op("Pad", x, _ints(g, _onnx_pads(x.ndim, pairs)), mode=_PAD_MODES[mode])


# -------------------------------------------------------------------- shapes
@builtin(S.View, S.UnsafeView)
def _view(g, x, shape):
    # static sizes as traced; a size that follows a dynamic axis copied from x (0),
    # inferred (-1) or read from the graph
    return g.op("Reshape", x, g.sizes.shape_of(g.results[0], reshape_of=x))


@builtin(S.Permute)
def _permute(g, x, dims):
    return g.op("Transpose", x, perm=list(dims))


@builtin(S.Transpose, S.T)
def _transpose(g, x, dim0, dim1):
    perm = list(range(x.ndim))
    perm[dim0], perm[dim1] = perm[dim1], perm[dim0]
    return g.op("Transpose", x, perm=perm)


@builtin(S.Squeeze, S.SqueezeDim, S.SqueezeDims, S.SqueezeInplace, S.SqueezeDimInplace,
         S.SqueezeDimsInplace)
def _squeeze(g, x, dims=None):
    axes = [d for d in (range(x.ndim) if dims is None else dims) if x.shape[d] == 1]
    if not axes:
        return g.op("Identity", x)
    return g.op("Squeeze", x, _ints(g, axes))


@builtin(S.Unsqueeze, S.UnsqueezeInplace)
def _unsqueeze(g, x, dim):
    return g.op("Unsqueeze", x, _ints(g, [dim]))


@builtin(S.Expand)
def _expand(g, x, shape):
    # 1 where the input has the dimension already: Expand keeps it (however large it
    # is at run time); a size it grows to that follows a dynamic axis is read
    lead = len(shape) - x.ndim
    out = g.results[0]
    kept = [i >= lead and x.shape[i - lead] == out.shape[i] and
            x.other_shape[i - lead] == out.other_shape[i] for i in range(len(shape))]
    target = Value(None, [1 if k else s for k, s in zip(kept, out.shape)], out.dtype,
                   other_shape=[1 if k else s for k, s in zip(kept, out.other_shape)])
    return g.op("Expand", x, g.sizes.shape_of(target))


@builtin(S.Repeat)
def _repeat(g, x, repeats):
    lead = len(repeats) - x.ndim
    if lead:
        x = Value(g.op("Unsqueeze", x, _ints(g, list(range(lead)))),
                  (1,) * lead + x.shape, x.dtype,
                  other_shape=(1,) * lead + x.other_shape)
    out = g.results[0]
    counts = []
    for axis, count in enumerate(repeats):
        if out.other_shape[axis] == x.other_shape[axis] * count:
            counts.append(int(count))
            continue
        # a count that follows a dynamic axis (bias_k.repeat(1, batch, 1)): the output's
        # run-time size over the input's static one
        size = g.sizes.size((out.shape[axis], out.other_shape[axis]))
        if x.shape[axis] != x.other_shape[axis] or size is None:
            raise _unsupported("repeat", f"a repeat count of axis {axis} that follows a "
                                         f"dynamic axis")
        counts.append(g.op("Div", size, _ints(g, [x.shape[axis]])))
    return g.op("Tile", x, g.sizes.concat(counts))


def _split_parts(g, x, sizes, dim, op):
    """``Split`` of ``x`` into parts of ``sizes`` along ``dim`` (a static axis)."""
    axis = dim % x.ndim
    if x.shape[axis] != x.other_shape[axis]:
        raise _unsupported(op, "splitting along a dynamic axis")
    if len(sizes) == 1:
        return axis, (g.op("Identity", x),)
    return axis, g.op("Split", x, _ints(g, sizes), axis=axis, outputs=len(sizes))


@builtin(S.Split, S.SplitWithSizes)
def _split(g, x, sizes, dim):
    return tuple(_split_parts(g, x, [int(s) for s in sizes], dim, "split")[1])


@builtin(S.Unbind)
def _unbind(g, x, dim):
    axis, parts = _split_parts(g, x, [1] * x.shape[dim % x.ndim], dim, "unbind")
    squeeze = _ints(g, [axis])
    return tuple(g.op("Squeeze", part, squeeze) for part in parts)


@builtin(S.Cat)
def _cat(g, dim, *xs):
    dtype = _result_dtype(g)
    return g.op("Concat", *[_as_dtype(g, x, dtype) for x in xs], axis=dim)


@builtin(S.Stack)
def _stack(g, dim, *xs):
    dtype = _result_dtype(g)
    axis = _ints(g, [dim])
    return g.op("Concat", *[g.op("Unsqueeze", _as_dtype(g, x, dtype), axis) for x in xs],
                axis=dim)


@builtin(S.Flip)
def _flip(g, x, dims):
    if not dims:
        return g.op("Identity", x)
    dims = list(dims)
    return g.op("Slice", x, _ints(g, [-1] * len(dims)), _ints(g, [-_INT64_MAX] * len(dims)),
                _ints(g, dims), _ints(g, [-1] * len(dims)))


@builtin(S.Index)
def _advanced_index(g, x, index):
    """Indexing with constant integer (or boolean) arrays and full slices, as numpy
    does it: ``Gather`` for one array, ``GatherND`` over the indexed axes moved to the
    front for several."""
    items = list(index) if isinstance(index, tuple) else [index]
    ellipsis = [i for i, item in enumerate(items) if item is Ellipsis]
    if ellipsis:
        at = ellipsis[0]
        items[at:at + 1] = [slice(None)] * (x.ndim - len(items) + 1)
    items += [slice(None)] * (x.ndim - len(items))
    arrays, axes = [], []
    for axis, item in enumerate(items):
        if isinstance(item, Value):
            item = item.constant
        if isinstance(item, (list, np.ndarray)):
            item = np.asarray(item)
            if item.dtype == np.bool_:
                # a boolean mask over len(shape) axes is its nonzero positions
                arrays.extend(np.nonzero(item))
                axes.extend(range(axis, axis + item.ndim))
                continue
            arrays.append(item.astype(np.int64))
            axes.append(axis)
        elif not (isinstance(item, slice) and item == slice(None)):
            raise _unsupported("indexing", "an index mixing arrays with ints, slices or None")
    # Gather and GatherND take negative indices as numpy does
    arrays = np.broadcast_arrays(*arrays)
    adjacent = axes == list(range(axes[0], axes[0] + len(axes)))
    first, m = (axes[0] if adjacent else 0), arrays[0].ndim
    out = g.results[0]
    if any(out.shape[i] != out.other_shape[i] for i in range(first, first + m)):
        raise _unsupported("indexing", "an index array whose size follows a dynamic axis")
    if len(arrays) == 1:
        return g.op("Gather", x, g.constant(arrays[0]), axis=axes[0])
    rest = [a for a in range(x.ndim) if a not in axes]
    front = x.name if axes == list(range(len(axes))) else \
        g.op("Transpose", x, perm=axes + rest)
    y = g.op("GatherND", front, g.constant(np.stack(arrays, axis=-1)))
    if not adjacent or axes[0] == 0:
        return y
    # numpy keeps adjacent index axes in place: move the gathered axes back there
    k = axes[0]
    perm = list(range(m, m + k)) + list(range(m)) + list(range(m + k, m + len(rest)))
    return g.op("Transpose", y, perm=perm)


@builtin(S.Slice, S.Select, S.UnsqueezeIndex)
def _basic_index(g, x, index):
    items = list(index) if isinstance(index, tuple) else [index]
    if any(isinstance(item, np.ndarray) for item in items):
        raise _unsupported("indexing", "an index array in basic indexing")
    consumed = sum(1 for item in items if item is not None and item is not Ellipsis)
    if Ellipsis in items:
        at = items.index(Ellipsis)
        items[at:at + 1] = [slice(None)] * (x.ndim - consumed)
    items += [slice(None)] * (x.ndim - sum(1 for item in items if item is not None))
    starts, ends, axes, steps, dropped, inserted = [], [], [], [], [], []
    in_dim = out_dim = 0
    for item in items:
        if item is None:
            inserted.append(out_dim)
            out_dim += 1
            continue
        if isinstance(item, slice):
            if item != slice(None):
                start, stop, step = item.start, item.stop, item.step
                starts.append(0 if start is None else int(start))
                ends.append(_INT64_MAX if stop is None else int(stop))
                steps.append(1 if step is None else int(step))
                axes.append(in_dim)
            out_dim += 1
        else:
            i = int(item)
            starts.append(i)
            ends.append(i + 1 if i != -1 else _INT64_MAX)
            steps.append(1)
            axes.append(in_dim)
            dropped.append(in_dim)
        in_dim += 1
    y = x.name
    if axes:
        y = g.op("Slice", y, _ints(g, starts), _ints(g, ends), _ints(g, axes), _ints(g, steps))
    if dropped:
        y = g.op("Squeeze", y, _ints(g, dropped))
    if inserted:
        y = g.op("Unsqueeze", y, _ints(g, inserted))
    return y if y != x.name else g.op("Identity", x)
