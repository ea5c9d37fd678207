"""Hypothesis strategies that generate fuzz specs (see ``fuzz_cases.py`` for the format).

Each case is an ordinary small case -- shapes, strides, paddings, dilations, groups,
ceil modes, dtypes, layouts (contiguous, permuted, strided, expanded) and values
(normal, NaN/inf, huge) drawn at random -- plus, in about half the cases, one
*extreme*: an integer argument of 2**31 - 1 .. 2**62, an empty dimension, groups that
do not divide the channels, indices overwritten after validation, ... Known crash
classes are extremes (see ``test_fuzz_known.py``), so the generators reach them.

Cases whose output could not fit in memory are filtered out (``assume``), using each
op's output-size formula; where PyTorch rejects the arguments first, that counts as
no output.
"""
import math
import os

from hypothesis import HealthCheck, Phase, assume, seed, settings
from hypothesis import strategies as st

# CI's budget: ``CYNN_FUZZ_EXAMPLES`` cases per op, always the same ones (derandomize),
# so a failure in CI reproduces. ``CYNN_FUZZ_SEED=<int>`` draws other cases;
# ``CYNN_FUZZ_SHRINK=1`` shrinks a failing case to a minimal one (slow when cases
# crash: every crash costs a worker restart).
EXAMPLES = int(os.environ.get("CYNN_FUZZ_EXAMPLES", "30"))
SEED = os.environ.get("CYNN_FUZZ_SEED")
SHRINK = os.environ.get("CYNN_FUZZ_SHRINK", "0") not in ("", "0")


def fuzz_settings(test):
    """The fuzz tests' Hypothesis settings (and seed, when ``CYNN_FUZZ_SEED`` is set)."""
    test = settings(max_examples=EXAMPLES, deadline=None, database=None,
                    derandomize=SEED is None, print_blob=False,
                    phases=(Phase.explicit, Phase.generate) + ((Phase.shrink,) if SHRINK else ()),
                    suppress_health_check=[HealthCheck.too_slow,
                                           HealthCheck.filter_too_much])(test)
    return test if SEED is None else seed(int(SEED))(test)


HUGE_INTS = (2**31 - 1, 2**31, 2**32, 2**32 + 1, 2**62)
MAX_OUTPUT = 100_000

DTYPES = st.sampled_from(["float32", "float64"])
VALUES = st.sampled_from(["normal", "normal", "special", "huge"])
LAYOUTS = st.sampled_from(["contiguous", "permuted", "strided", "expanded"])
SEEDS = st.integers(0, 2**16)


def _extreme(draw, *choices):
    """None in about half the cases, else one of ``choices``."""
    return draw(st.sampled_from((None,) * len(choices) + choices))


@st.composite
def tensors(draw, shape, values="normal"):
    layout = draw(LAYOUTS)
    t = {"shape": list(shape), "layout": layout, "values": values}
    if layout == "expanded":
        axes = range(len(shape))
        t["expand"] = sorted(draw(st.sets(st.sampled_from(axes), min_size=1))) if shape else []
    return t


def _spec(draw, op, tensors_, **arguments):
    return dict(op=op, seed=draw(SEEDS), dtype=draw(DTYPES), tensors=tensors_, **arguments)


def _bounded(max_output):
    assume(max_output <= MAX_OUTPUT)
    return max_output


def _numel(shape):
    return math.prod(max(0, s) for s in shape)


# ------------------------------------------------------------- convolution
MAX_SIDE = {1: 9, 2: 6, 3: 4}


def conv_output(size, kernel, stride, padding, dilation):
    return (size + 2 * padding - dilation * (kernel - 1) - 1) // stride + 1


def conv_transpose_output(size, kernel, stride, padding, dilation, output_padding):
    return (size - 1) * stride - 2 * padding + dilation * (kernel - 1) + output_padding + 1


@st.composite
def conv_specs(draw, op):
    dims, transposed = int(op[-2]), op.startswith("conv_transpose")
    axes = st.integers(0, dims - 1)
    groups = draw(st.integers(1, 3))
    c_in, c_out = groups * draw(st.integers(1, 2)), groups * draw(st.integers(1, 2))
    n, batched = draw(st.integers(1, 2)), draw(st.booleans())
    size = [draw(st.integers(1, MAX_SIDE[dims])) for _ in range(dims)]
    kernel = [draw(st.integers(1, 3)) for _ in range(dims)]
    stride = [draw(st.integers(1, 3)) for _ in range(dims)]
    padding = [draw(st.integers(0, 2)) for _ in range(dims)]
    dilation = [draw(st.integers(1, 2)) for _ in range(dims)]
    output_padding = [draw(st.integers(0, 1)) for _ in range(dims)]
    extreme = _extreme(draw, "stride", "dilation", "padding", "empty batch", "empty spatial",
                       "empty channels", "groups")
    if extreme == "stride":
        a = draw(axes)
        stride[a] = draw(st.sampled_from(HUGE_INTS))
        if transposed:  # (size - 1) * stride must stay small
            size[a] = 1
    elif extreme == "dilation":
        a = draw(axes)
        dilation[a] = draw(st.sampled_from(HUGE_INTS))
        if transposed:
            kernel[a] = 1
    elif extreme == "padding":
        if transposed:
            padding[draw(axes)] = draw(st.sampled_from(HUGE_INTS))
        else:
            padding = draw(st.sampled_from(["same", "valid"]))
    elif extreme == "empty batch":
        n, batched = 0, True
    elif extreme == "empty spatial":
        size[draw(axes)] = 0
    elif extreme == "empty channels":
        # a plain convolution with no input channels: torch returns no output channels,
        # cynn the bias (an empty sum); a deliberate difference, see docs/reliability.md
        assume(transposed)
        c_in = 0
    elif extreme == "groups":
        groups = max(groups, 2)
        c_in = groups * draw(st.integers(1, 2)) + 1

    if transposed:
        w_shape = [c_in, c_out // groups] + kernel
        out = [conv_transpose_output(*a) for a in zip(size, kernel, stride, padding, dilation,
                                                       output_padding)]
    else:
        w_shape = [c_out, c_in // groups] + kernel
        pads = [0] * dims if padding == "valid" else padding
        out = size if padding == "same" else \
            [conv_output(*a) for a in zip(size, kernel, stride, pads, dilation)]
    x_shape = ([n] if batched else []) + [c_in] + size
    t = {"x": draw(tensors(x_shape, draw(VALUES))), "weight": draw(tensors(w_shape)),
         "bias": draw(tensors([c_out])) if draw(st.booleans()) else None}
    arguments = dict(stride=stride, padding=padding, dilation=dilation, groups=groups)
    if transposed:
        arguments["output_padding"] = output_padding
    bound = _bounded(max(n, 1) * c_out * _numel(out) + _numel(x_shape))
    return _spec(draw, op, t, max_output=bound, **arguments)


# ----------------------------------------------------------------- pooling
def pool_output(size, kernel, stride, padding, dilation, ceil_mode):
    if kernel <= 0 or stride <= 0 or padding < 0 or dilation <= 0 or padding > kernel // 2:
        return 0   # PyTorch raises first
    span = size + 2 * padding - dilation * (kernel - 1) - 1
    out = (span + (stride - 1 if ceil_mode else 0)) // stride + 1
    if ceil_mode and (out - 1) * stride >= size + padding:
        out -= 1
    return out


def has_window_without_taps(size, kernel, stride, padding, dilation, out):
    """Whether some output's window (padding and dilation) reaches no input element.

    PyTorch gives such a window -inf and an index outside the plane, and its
    max-pool backward then writes through that index: heap corruption inside torch
    itself (seen with ceil_mode, dilation 2 and padding). The oracle cannot take these
    cases; cynn's answer for them is checked in tests/hardening/test_pool_geometry.py.
    """
    for o in range(min(out, 4096)):
        start = o * stride - padding
        first = start if start >= 0 else start + (-start + dilation - 1) // dilation * dilation
        if first >= min(size, start + (kernel - 1) * dilation + 1):
            return True
    return False


@st.composite
def pool_specs(draw, op):
    dims, is_max = int(op[-2]), op.startswith("max")
    axes = st.integers(0, dims - 1)
    n, c, batched = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.booleans())
    size = [draw(st.integers(1, 8)) for _ in range(dims)]
    kernel = [draw(st.integers(1, 4)) for _ in range(dims)]
    stride = draw(st.none() | st.lists(st.integers(1, 3), min_size=dims, max_size=dims))
    padding = [draw(st.integers(0, k // 2)) for k in kernel]
    dilation = [draw(st.integers(1, 2)) if is_max else 1 for _ in range(dims)]
    choices = ["stride", "kernel", "padding", "half kernel", "empty batch", "empty channels",
               "empty spatial"]
    if is_max:
        choices.append("dilation")
    elif dims == 2:
        choices.append("divisor")
    extreme = _extreme(draw, *choices)
    divisor = draw(st.none() | st.integers(1, 3)) if op == "avg_pool2d" else None
    if extreme == "stride":
        stride = list(stride or kernel)
        stride[draw(axes)] = draw(st.sampled_from(HUGE_INTS))
    elif extreme in ("kernel", "padding", "dilation"):
        values = {"kernel": kernel, "padding": padding, "dilation": dilation}[extreme]
        values[draw(axes)] = draw(st.sampled_from(HUGE_INTS))
    elif extreme == "half kernel":   # PyTorch: pad should be at most half of kernel size
        a = draw(axes)
        padding[a] = kernel[a] // 2 + 1
    elif extreme == "divisor":
        divisor = draw(st.sampled_from((0,) + HUGE_INTS))
    elif extreme == "empty batch":
        n, batched = 0, True
    elif extreme == "empty channels":
        c = 0
    elif extreme == "empty spatial":
        size[draw(axes)] = 0
    ceil_mode = draw(st.booleans())
    x_shape = ([n] if batched else []) + [c] + size
    out = [pool_output(*a, ceil_mode) for a in zip(size, kernel, stride or kernel, padding,
                                                     dilation)]
    arguments = dict(kernel_size=kernel, stride=stride, padding=padding, ceil_mode=ceil_mode)
    if is_max and min(size) > 0:
        assume(not any(has_window_without_taps(*a) for a in zip(
            size, kernel, stride or kernel, padding, dilation, out)))
    if is_max:
        arguments.update(dilation=dilation, return_indices=draw(st.booleans()))
    else:
        arguments["count_include_pad"] = draw(st.booleans())
        if dims == 2:
            arguments["divisor_override"] = divisor
    bound = _bounded(max(n, 1) * c * _numel(out) + _numel(x_shape))
    return _spec(draw, op, {"x": draw(tensors(x_shape, draw(VALUES)))}, max_output=bound,
                 **arguments)


@st.composite
def adaptive_specs(draw, op):
    n, c, batched = draw(st.integers(1, 2)), draw(st.integers(1, 3)), draw(st.booleans())
    size = [draw(st.integers(1, 8)) for _ in range(2)]
    output_size = [draw(st.none() | st.integers(1, 5)) for _ in range(2)]
    extreme = _extreme(draw, "empty batch", "empty channels", "empty spatial", "empty output")
    if extreme == "empty batch":
        n, batched = 0, True
    elif extreme == "empty channels":
        c = 0
    elif extreme == "empty spatial":
        size[draw(st.integers(0, 1))] = 0
    elif extreme == "empty output":
        output_size[draw(st.integers(0, 1))] = 0
    x_shape = ([n] if batched else []) + [c] + size
    arguments = dict(output_size=output_size)
    if op == "adaptive_max_pool2d":
        arguments["return_indices"] = draw(st.booleans())
    out = [s if o is None else o for s, o in zip(size, output_size)]
    bound = _bounded(max(n, 1) * c * _numel(out) + _numel(x_shape))
    return _spec(draw, op, {"x": draw(tensors(x_shape, draw(VALUES)))}, max_output=bound,
                 **arguments)


@st.composite
def unpool_specs(draw):
    """max_pool2d with indices, then max_unpool2d with the same kernel, stride, padding."""
    n, c, batched = draw(st.integers(1, 2)), draw(st.integers(1, 2)), draw(st.booleans())
    size = [draw(st.integers(1, 7)) for _ in range(2)]
    kernel = [draw(st.integers(1, 3)) for _ in range(2)]
    stride = draw(st.none() | st.lists(st.integers(1, 3), min_size=2, max_size=2))
    steps = stride or kernel
    padding = [draw(st.integers(0, k // 2)) for k in kernel]
    pooled = [pool_output(s, k, st_, p, 1, False)
              for s, k, st_, p in zip(size, kernel, steps, padding)]
    assume(min(pooled) >= 1)
    plane = [(p - 1) * s - 2 * pad + k for p, s, pad, k in zip(pooled, steps, padding, kernel)]
    output_size = None
    if draw(st.booleans()):  # PyTorch accepts anything strictly within one stride
        output_size = [d + draw(st.integers(-(s - 1), s - 1)) for d, s in zip(plane, steps)]
        plane = output_size
    corrupt = None
    extreme = _extreme(draw, "corrupt", "empty batch")
    if extreme == "corrupt":
        corrupt = dict(when=draw(st.sampled_from(["forward", "backward"])),
                       at=draw(st.sampled_from(["all"]) | st.integers(0, 50)),
                       value=draw(st.sampled_from([10**12, -1, "plane", 2**31, 2**32, 0])))
    elif extreme == "empty batch":
        n, batched = 0, True
    x_shape = ([n] if batched else []) + [c] + size
    bound = _bounded(max(n, 1) * c * _numel(plane) + _numel(x_shape))
    return _spec(draw, "max_unpool2d", {"x": draw(tensors(x_shape, draw(VALUES)))},
                 kernel_size=kernel, stride=stride, padding=padding, output_size=output_size,
                 plane=plane, corrupt=corrupt, max_output=bound)


# ----------------------------------------------------------------- padding
def pad_output(shape, pad, mode):
    """The padded shape, or None where PyTorch rejects the padding first."""
    out = list(shape)
    for i in range(len(pad) // 2):
        axis, left, right = len(shape) - 1 - i, pad[2 * i], pad[2 * i + 1]
        size = shape[axis]
        if mode == "reflect" and max(left, right) >= size:
            return None
        if mode == "circular" and max(left, right) > size:
            return None
        out[axis] = size + left + right
    return None if min(out, default=1) < 0 else out


@st.composite
def pad_specs(draw):
    mode = draw(st.sampled_from(["constant", "reflect", "replicate", "circular"]))
    pairs = draw(st.integers(1, 3))
    ndim = draw(st.integers(pairs, pairs + 2) if mode == "constant" else
                st.integers(pairs + 1, pairs + 2))
    shape = [draw(st.integers(1, 5)) for _ in range(ndim)]
    pad = [draw(st.integers(-2, 3)) for _ in range(2 * pairs)]
    value = draw(st.sampled_from([None, 0.0, 1.5, float("nan"), float("-inf")])) \
        if mode == "constant" else None
    extreme = _extreme(draw, "huge pad", "empty dim", "value", "too few dims")
    if extreme == "huge pad":
        pad[draw(st.integers(0, 2 * pairs - 1))] = draw(st.sampled_from(HUGE_INTS)) * \
            draw(st.sampled_from([1, -1]))
    elif extreme == "empty dim":
        shape[draw(st.integers(0, ndim - 1))] = 0
    elif extreme == "value":
        value = 2.0
    elif extreme == "too few dims" and mode != "constant":
        shape = shape[:pairs]
    out = pad_output(shape, pad, mode)
    bound = _bounded((_numel(out) if out else 0) + _numel(shape))
    return _spec(draw, "pad", {"x": draw(tensors(shape, draw(VALUES)))}, pad=pad, mode=mode,
                 value=value, max_output=bound)


# ------------------------------------------------------------ linear algebra
@st.composite
def linear_specs(draw):
    batch = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    in_f, out_f = draw(st.integers(1, 5)), draw(st.integers(1, 4))
    w_in, bias_f, with_bias = in_f, out_f, draw(st.booleans())
    extreme = _extreme(draw, "features", "bias size", "empty batch", "no in features",
                       "no out features")
    if extreme == "features":
        w_in = in_f + 1
    elif extreme == "bias size":
        bias_f, with_bias = out_f + 1, True
    elif extreme == "empty batch":
        batch = batch[:1] + [0]
    elif extreme == "no in features":
        in_f = w_in = 0
    elif extreme == "no out features":
        out_f = bias_f = 0
    t = {"x": draw(tensors(batch + [in_f], draw(VALUES))), "weight": draw(tensors([out_f, w_in])),
         "bias": draw(tensors([bias_f])) if with_bias else None}
    return _spec(draw, "linear", t, max_output=_bounded(_numel(batch + [out_f, in_f + 1])))


@st.composite
def matmul_specs(draw):
    m, k, n = (draw(st.integers(1, 4)) for _ in range(3))
    batch = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 2)))]
    extreme = _extreme(draw, "inner size", "batch size", "empty")
    k_other = k + 1 if extreme == "inner size" else k
    if extreme == "empty":
        m, k, n = (draw(st.sampled_from([0, d])) for d in (m, k, n))
        k_other = k

    def matrix(rows, cols):
        tail = batch[len(batch) - draw(st.integers(0, len(batch))):]
        return [1 if draw(st.booleans()) else b for b in tail] + [rows, cols]

    vector = st.integers(0, 3).map(lambda i: i == 0)   # a 1-d operand in a quarter of cases
    a_shape = [k] if draw(vector) else matrix(m, k)
    b_shape = [k_other] if draw(vector) else matrix(k_other, n)
    if extreme == "batch size" and len(a_shape) > 2 and len(b_shape) > 2:
        a_shape[-3], b_shape[-3] = 2, 3
    t = {"x": draw(tensors(a_shape, draw(VALUES))), "other": draw(tensors(b_shape))}
    bound = _bounded(max(_numel(a_shape), 1) * max(_numel(b_shape), 1))
    return _spec(draw, "matmul", t, max_output=bound)


# ----------------------------------------------------------- normalisation
@st.composite
def batch_norm_specs(draw):
    n, c = draw(st.integers(1, 3)), draw(st.integers(1, 3))
    spatial = [draw(st.integers(1, 3)) for _ in range(draw(st.integers(0, 3)))]
    training, running = draw(st.booleans()), draw(st.booleans())
    stats_c = c
    eps = draw(st.sampled_from([1e-5, 1e-3]))
    extreme = _extreme(draw, "single value", "empty batch", "no running stats", "eps 0",
                       "stats size")
    if extreme == "single value":
        n, spatial, training = 1, [1] * len(spatial), True
    elif extreme == "empty batch":
        n = 0
    elif extreme == "no running stats":
        training, running = False, False
    elif extreme == "eps 0":
        eps = 0.0
    elif extreme == "stats size":
        stats_c, running = c + 1, True
    if not training and extreme != "no running stats":
        running = True
    stats = {"shape": [stats_c], "layout": "contiguous"}
    x = draw(tensors([n, c] + spatial, draw(VALUES)))
    reduced = [a for a in range(len(x["shape"])) if a != 1 and x["shape"][a] > 1]
    if x["layout"] == "expanded" and reduced and set(reduced) <= set(x["expand"]):
        # Broadcast along every reduced axis, a channel is constant: its normalised value
        # is rounding noise times 1/sqrt(eps), which no tolerance can compare.
        x["expand"] = [a for a in x["expand"] if a != reduced[0]] or [1]
    t = {"x": x,
         "weight": draw(tensors([c])) if draw(st.booleans()) else None,
         "bias": draw(tensors([c])) if draw(st.booleans()) else None,
         "running_mean": dict(stats, values="normal") if running else None,
         "running_var": dict(stats, values="positive") if running else None}
    return _spec(draw, "batch_norm", t, training=training,
                 momentum=draw(st.sampled_from([0.1, 0.0, 1.0])), eps=eps,
                 max_output=_bounded(2 * _numel([n, c] + spatial)))


STRATEGIES = {
    **{op: conv_specs(op) for op in ("conv1d", "conv2d", "conv3d", "conv_transpose1d",
                                     "conv_transpose2d", "conv_transpose3d")},
    **{op: pool_specs(op) for op in ("max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d")},
    **{op: adaptive_specs(op) for op in ("adaptive_avg_pool2d", "adaptive_max_pool2d")},
    "max_unpool2d": unpool_specs(),
    "pad": pad_specs(),
    "linear": linear_specs(),
    "matmul": matmul_specs(),
    "batch_norm": batch_norm_specs(),
}
