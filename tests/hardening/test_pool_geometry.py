"""Pooling windows at the edges of the integer types, against PyTorch: strides,
kernels, paddings and dilations of 2**31 and beyond either compute what PyTorch
computes or raise its error -- never an OverflowError from the kernels' C types --
and a kernel far wider than the input costs memory of the input's order."""
import tracemalloc

import numpy as np
import pytest

import cynn
from helpers import assert_same_tensor, torch_module

BIG_STRIDES = [2 ** 31 - 1, 2 ** 31, 2 ** 32, 2 ** 62, 2 ** 63 - 1]

# name -> fn(lib, x, stride); x is (2, 3, 7)
OPS = {
    "max_pool1d": lambda lib, x, s: lib.nn.functional.max_pool1d(x, 2, s),
    "max_pool1d_ceil": lambda lib, x, s: lib.nn.functional.max_pool1d(x, 2, s, ceil_mode=True),
    "max_pool1d_indices": lambda lib, x, s: lib.nn.functional.max_pool1d(
        x, 2, s, return_indices=True),
    "max_pool1d_grad": lambda lib, x, s: lib.nn.functional.max_pool1d(
        x.requires_grad_(), 2, s),
    "avg_pool1d": lambda lib, x, s: lib.nn.functional.avg_pool1d(x, 2, s),
    "max_pool2d": lambda lib, x, s: lib.nn.functional.max_pool2d(x, 2, s),
    "max_pool2d_w": lambda lib, x, s: lib.nn.functional.max_pool2d(x, 2, (1, s)),
    "avg_pool2d": lambda lib, x, s: lib.nn.functional.avg_pool2d(x, 2, s, ceil_mode=True),
    "MaxPool1d": lambda lib, x, s: lib.nn.MaxPool1d(2, s)(x),
    "MaxPool2d": lambda lib, x, s: lib.nn.MaxPool2d(2, s)(x),
    "AvgPool1d": lambda lib, x, s: lib.nn.AvgPool1d(2, s)(x),
    "AvgPool2d": lambda lib, x, s: lib.nn.AvgPool2d(2, s)(x),
}


def _outcome(lib, fn):
    """What ``fn(lib)`` does: its outputs, or the type and message of its error."""
    try:
        out = fn(lib)
    except Exception as e:   # noqa: BLE001 -- the error is the outcome compared
        return "raises", type(e), str(e).split("\n")[0]
    return "computes", out if isinstance(out, tuple) else (out,)


def _compare(fn, same_message=True):
    torch = torch_module()
    expected, got = _outcome(torch, fn), _outcome(cynn, fn)
    assert got[0] == expected[0], f"torch {expected}, cynn {got}"
    if expected[0] == "raises":
        assert got[1] is expected[1], f"torch {expected}, cynn {got}"
        # an argument parser error goes on with a C++ traceback before its closing quote
        assert not same_message or got[2] in (expected[2], expected[2] + '"'), \
            f"torch {expected}, cynn {got}"
        return None
    assert len(got[1]) == len(expected[1])
    for c, t in zip(got[1], expected[1]):
        assert_same_tensor(c, t)
    return got[1]


def _input(lib):
    x = np.random.default_rng(0).standard_normal((2, 3, 7)).astype(np.float32)
    return lib.tensor(x)


@pytest.mark.parametrize("stride", BIG_STRIDES)
@pytest.mark.parametrize("op", sorted(OPS))
def test_big_stride_matches_torch(op, stride):
    _compare(lambda lib: OPS[op](lib, _input(lib), stride))


@pytest.mark.parametrize("value", [2 ** 63, 2 ** 64, -2 ** 63 - 1])
@pytest.mark.parametrize("op", ["max_pool1d", "max_pool2d", "avg_pool1d", "avg_pool2d"])
def test_argument_beyond_int64_raises_like_torch(op, value):
    _compare(lambda lib: getattr(lib.nn.functional, op)(_input(lib), 2, value))


@pytest.mark.parametrize("value", [2 ** 63, -2 ** 63 - 1])
def test_tuple_element_beyond_int64_raises_like_torch(value):
    torch = torch_module()
    for args in [((2, value),), (2, (value, 1))]:
        with pytest.raises(TypeError) as expected:
            torch.nn.functional.max_pool2d(_input(torch), *args)
        with pytest.raises(TypeError) as got:
            cynn.nn.functional.max_pool2d(_input(cynn), *args)
        # torch's message goes on with a C++ traceback after the first line
        assert str(expected.value).startswith(str(got.value)[:-1])


@pytest.mark.parametrize("call", [
    "max_pool2d(x, 2 ** 31, 2)", "max_pool2d(x, 2, 1, 0, 2 ** 31)",
    "avg_pool2d(x, 2, 1, 2 ** 31)", "avg_pool2d(x, 2, 2 ** 31, 0, divisor_override=0)",
    "avg_pool2d(x, 2, 1, 0, divisor_override=2 ** 31)",
    "avg_pool2d(x, 2, (1, 2, 3), 2 ** 31)", "max_pool2d(x, (1, 2, 3), 2 ** 31)",
    "max_pool2d(x, 2, 2, (2, 2, 2), (2 ** 31,))", "max_pool1d(x, 2, 2 ** 31, (1, 2), True)",
    "max_pool1d(x, 3, 1, 1, 2 ** 62)", "max_pool1d(x, 2 ** 31)",
    "avg_pool2d(x[0], 2, 2 ** 31)",
])
def test_window_argument_checks_match_torch(call):
    _compare(lambda lib: eval("lib.nn.functional." + call, {"lib": lib, "x": _input(lib)}))


# Kernels far wider than the input (mostly padding), within PyTorch's int range.
# PyTorch's max pooling visits every tap of such a kernel (minutes for 2**31 - 1),
# so its cases stay at 2**20 - 1: still 8 MiB for a table per kernel column.
WIDE = [
    ("max_pool2d", (1, 2 ** 20 - 1), 1, (0, 2 ** 19 - 1), {}),
    ("max_pool2d", (1, 2 ** 31 - 1), 2 ** 30, (0, 2 ** 30 - 1), {"ceil_mode": True}),
    ("max_pool2d", (2 ** 20 - 1, 3), 1, (2 ** 19 - 1, 1), {}),
    ("avg_pool2d", (1, 2 ** 31 - 1), 1, (0, 2 ** 30 - 1), {}),
    ("avg_pool2d", (1, 2 ** 31 - 1), 3, (0, 2 ** 30 - 1), {"count_include_pad": False}),
    ("avg_pool2d", (3, 2 ** 31 - 1), 2, (1, 2 ** 30 - 1), {"ceil_mode": True}),
]


@pytest.mark.parametrize("op, kernel, stride, padding, kwargs", WIDE)
def test_kernel_wider_than_input_matches_torch_in_bounded_memory(op, kernel, stride, padding,
                                                                 kwargs):
    torch = torch_module()
    x = np.random.default_rng(1).standard_normal((2, 3, 5, 9)).astype(np.float32)
    expected = getattr(torch.nn.functional, op)(torch.tensor(x), kernel, stride, padding,
                                                **kwargs)
    xc = cynn.tensor(x)
    tracemalloc.start()
    try:
        got = getattr(cynn.nn.functional, op)(xc, kernel, stride, padding, **kwargs)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert_same_tensor(got, expected)
    assert peak < 1 << 20, f"{peak} bytes traced for a {x.nbytes}-byte input"


def test_wide_kernel_gradients_match_torch():
    torch = torch_module()
    x = np.random.default_rng(2).standard_normal((1, 2, 4, 6))
    grads = []
    for lib in (torch, cynn):
        xt = lib.tensor(x, requires_grad=True)
        lib.nn.functional.avg_pool2d(xt, (3, 2 ** 31 - 1), 2, (1, 2 ** 30 - 1)).sum().backward()
        lib.nn.functional.max_pool2d(xt, (1, 2 ** 20 - 1), 1, (0, 2 ** 19 - 1)).sum().backward()
        grads.append(xt.grad)
    assert_same_tensor(grads[1], grads[0])


def test_wide_kernel_avg_pool_gradcheck():
    x = cynn.tensor(np.random.default_rng(3).standard_normal((1, 1, 3, 4)), requires_grad=True)
    assert cynn.autograd.gradcheck(
        lambda v: cynn.nn.functional.avg_pool2d(v, (1, 2 ** 31 - 1), 1, (0, 2 ** 30 - 1),
                                                count_include_pad=False), [x])


def _reference_max_pool1d(x, k, s, p, d, out):
    """The definition, in exact integers: output o is the maximum of the taps
    ``o * s - p + c * d`` (0 <= c < k) inside the axis, -inf when there are none."""
    size = x.shape[-1]
    y = np.full(x.shape[:-1] + (out,), -np.inf, x.dtype)
    for o in range(out):
        start = o * s - p
        first = max(0, -(start // d) if start < 0 else 0)
        last = min(k - 1, (size - 1 - start) // d)
        if first <= last:
            taps = [start + c * d for c in range(first, last + 1)]
            y[..., o] = x[..., taps].max(-1)
    return y


# max_pool1d's direct path takes int64 windows; PyTorch loops over every kernel tap
# there (hours for these), so the reference is the definition.
INT64_WINDOWS = [
    (2 ** 40, 1, 2 ** 39, 1, False),
    (2 ** 40, 3, 2 ** 39, 1, True),
    (2 ** 41, 2 ** 40, 2 ** 40, 1, True),          # stride past the axis: two outputs
    (2 ** 20 + 1, 2, 2 ** 19, 1, True),
    (3, 2, 1, 2, False),
    (2 ** 62, 2 ** 62, 2 ** 61, 1, True),
    (3, 2 ** 63 - 1, 1, 3, True),
]


@pytest.mark.parametrize("k, s, p, d, ceil_mode", INT64_WINDOWS)
def test_max_pool1d_int64_windows_match_definition(k, s, p, d, ceil_mode):
    x = np.random.default_rng(4).standard_normal((2, 3, 7)).astype(np.float32)
    got = cynn.nn.functional.max_pool1d(cynn.tensor(x), k, s, p, d, ceil_mode)
    out = got.shape[-1]
    numerator = 7 + 2 * p - d * (k - 1) - 1 + (s - 1 if ceil_mode else 0)
    expected_out = numerator // s + 1
    if ceil_mode and (expected_out - 1) * s >= 7 + p:
        expected_out -= 1
    assert out == expected_out
    np.testing.assert_array_equal(got.numpy(), _reference_max_pool1d(x, k, s, p, d, out))


@pytest.mark.parametrize("call", [
    "max_unpool2d(x4, i4, 2, 2 ** 31)", "max_unpool2d(x4, i4, 2 ** 31, 2)",
    "max_unpool2d(x4, i4, 2 ** 62, 2)", "max_unpool2d(x4[:0], i4[:0], 2 ** 62, 2)",
    "adaptive_avg_pool2d(x, (2 ** 63, 1))", "adaptive_avg_pool2d(x, 2 ** 63)",
    "adaptive_avg_pool2d(x[:0], (2 ** 62, 2 ** 62))",
])
def test_output_size_overflow_matches_torch(call):
    def run(lib):
        x = _input(lib)
        return eval("lib.nn.functional." + call,
                    {"lib": lib, "x": x, "x4": x[None],
                     "i4": lib.zeros((1, 2, 3, 7), dtype=lib.int64)})
    _compare(run)


def test_adaptive_max_output_overflow_raises_runtime_error_like_torch():
    """PyTorch's message here comes from its storage size check: same type only."""
    _compare(lambda lib: lib.nn.functional.adaptive_max_pool2d(_input(lib), (2 ** 62, 2 ** 62)),
             same_message=False)


def test_empty_adaptive_grid_of_huge_rows_returns_at_once():
    """(2**40, 0) cells: an empty output, without a loop over 2**40 rows. (PyTorch's
    adaptive_max_pool2d does loop there, for hours: its shape is the reference.)"""
    _compare(lambda lib: lib.nn.functional.adaptive_avg_pool2d(_input(lib), (2 ** 40, 0)))
    y, idx = cynn.nn.functional.adaptive_max_pool2d(_input(cynn), (2 ** 40, 0), True)
    assert tuple(y.shape) == tuple(idx.shape) == (2, 2 ** 40, 0)
