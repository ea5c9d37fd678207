"""The convolutions' geometry gate (``plan_geometry`` in cynn/autograd/functions/conv.py):
absurd strides, paddings and dilations, empty batches and empty outputs reach no
kernel unchecked. Values and every gradient against PyTorch; where PyTorch raises,
the same exception type.

The attacker's reproducers: strides of 2**32 and more overflowed the shifted path's
phase-plane count and sized the depthwise scratch by the stride (segfaults, or
gigabytes at 2**24); an empty batch with a bias raised numpy's reshape error; a
3-d convolution whose depth axis reads only padding was routed to the 2-d shifted
kernels; a NaN input of a transposed convolution reached the weight gradient of
taps that meet only padding."""
import time

import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn.autograd.functions import conv as conv_functions
from cynn.autograd.functions.conv import (ConvGeometry, _depthwise_scratch, _route,
                                          _scratch_budget, _shifted_runs, _shifted_scratch,
                                          plan_geometry)
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()

# name, input shape, weight shape, groups: plain, grouped, depthwise and transposed
# convolutions of every rank
CASES = {
    "conv1d": ("conv1d", (2, 2, 3), (3, 2, 2), 1),
    "conv2d": ("conv2d", (2, 2, 3, 4), (3, 2, 2, 2), 1),
    "conv3d": ("conv3d", (1, 2, 2, 3, 3), (2, 2, 1, 2, 2), 1),
    "conv2d_grouped": ("conv2d", (2, 4, 3, 3), (4, 2, 2, 2), 2),
    "conv3d_grouped": ("conv3d", (1, 4, 2, 2, 3), (2, 2, 1, 2, 2), 2),
    "conv1d_depthwise": ("conv1d", (2, 3, 5), (6, 1, 3), 3),
    "conv2d_depthwise": ("conv2d", (2, 2, 3, 4), (4, 1, 2, 3), 2),
    "conv3d_depthwise": ("conv3d", (1, 2, 2, 2, 2), (2, 1, 1, 1, 2), 2),
    # one input position per axis and 3 taps: with padding 1, one output position
    "conv_transpose1d": ("conv_transpose1d", (2, 2, 1), (2, 3, 3), 1),
    "conv_transpose2d": ("conv_transpose2d", (1, 2, 1, 1), (2, 3, 3, 3), 1),
    "conv_transpose3d_grouped": ("conv_transpose3d", (1, 4, 1, 1, 1), (4, 1, 3, 3, 3), 2),
    "conv_transpose2d_depthwise": ("conv_transpose2d", (1, 2, 1, 1), (2, 1, 3, 3), 2),
}

HUGE_STRIDES = [2 ** 31, 2 ** 32, 2 ** 40, 2 ** 63 - 1]


def _conv_op(name, groups, bias, **kwargs):
    """(torch_fn, cynn_fn) over (x, w[, b]) tensors."""
    def make(functional):
        op = getattr(functional, name)
        if bias:
            return lambda x, w, b: op(x, w, b, groups=groups, **kwargs)
        return lambda x, w: op(x, w, groups=groups, **kwargs)
    return make(torch.nn.functional), make(F)


def _bias_shape(name, w_shape, groups):
    return (w_shape[1] * groups,) if "transpose" in name else (w_shape[0],)


def _torch_stride(name, x_shape, w_shape, groups, stride, dtype):
    """``stride`` when PyTorch computes this convolution with it, else 64: every case
    here has one output per axis at both strides, so the results are the same. PyTorch
    refuses some absurd strides for its own reasons: oneDNN cannot describe 2**63 - 1,
    and its transposed convolutions keep strides in a C int (a wrapped "stride should
    be greater than zero", in its float64 path only)."""
    op = getattr(torch.nn.functional, name)
    dtype = getattr(torch, dtype)
    try:
        op(torch.ones(x_shape, dtype=dtype), torch.ones(w_shape, dtype=dtype), stride=stride,
           padding=1, groups=groups)
    except RuntimeError:
        return 64
    return stride


@pytest.mark.parametrize("stride", HUGE_STRIDES, ids=lambda s: f"2**{s.bit_length()}")
@pytest.mark.parametrize("case", sorted(CASES))
def test_huge_strides_give_one_output_per_axis_as_torch(case, stride):
    name, x_shape, w_shape, groups = CASES[case]
    shapes = [x_shape, w_shape, _bias_shape(name, w_shape, groups)]
    _, cynn_fn = _conv_op(name, groups, True, stride=stride, padding=1)
    for dtype in ("float32", "float64"):
        torch_stride = _torch_stride(name, x_shape, w_shape, groups, stride, dtype)
        torch_fn, _ = _conv_op(name, groups, True, stride=torch_stride, padding=1)
        helper_test_op(shapes, torch_fn, cynn_fn, dtype=dtype)


def test_torch_computes_the_attackers_strides():
    """The reproducers as given, where PyTorch itself computes them."""
    helper_test_op([(1, 1, 1, 2), (1, 1, 1, 2)],
                   lambda x, w: torch.nn.functional.conv2d(x, w, stride=2 ** 32),
                   lambda x, w: F.conv2d(x, w, stride=2 ** 32))
    helper_test_op([(1, 2, 2, 2, 2), (2, 1, 1, 1, 2)],
                   lambda x, w: torch.nn.functional.conv3d(x, w, stride=2 ** 63 - 1, groups=2),
                   lambda x, w: F.conv3d(x, w, stride=2 ** 63 - 1, groups=2))


@pytest.mark.parametrize("kwargs", [
    {"padding": 2 ** 40, "stride": 2 ** 40},
    {"padding": 2 ** 61, "stride": 2 ** 61},
    {"padding": 2 ** 31, "stride": 2 ** 32},
    {"padding": 2 ** 41, "dilation": 2 ** 41, "stride": 2 ** 41},
    {"padding": 2 ** 61, "dilation": 2 ** 61, "stride": 2 ** 61},
    {"padding": 2 ** 40, "dilation": 2 ** 40, "stride": 2 ** 39},
], ids=str)
@pytest.mark.parametrize("case", ["conv1d", "conv2d_grouped", "conv1d_depthwise",
                                  "conv2d_depthwise", "conv3d"])
def test_huge_paddings_and_dilations_compute_as_torch(case, kwargs):
    name, x_shape, w_shape, groups = CASES[case]
    torch_fn, cynn_fn = _conv_op(name, groups, True, **kwargs)
    helper_test_op([x_shape, w_shape, _bias_shape(name, w_shape, groups)], torch_fn, cynn_fn,
                   dtype="float64")


@pytest.mark.parametrize("kwargs, exception, match", [
    # PyTorch's own bound on the padding (twice it must fit in int64)
    ({"padding": 2 ** 62}, RuntimeError, "expected padding to be at most"),
    ({"padding": 2 ** 63 - 1, "stride": 2 ** 63 - 1}, RuntimeError, "at most"),
    # the argument parser reads C long longs
    ({"stride": 2 ** 63}, ValueError, "Overflow when unpacking long long"),
    ({"dilation": 2 ** 64}, ValueError, "Overflow"),
    ({"padding": [1, 2 ** 70]}, TypeError, "failed to unpack the object at pos 2"),
    ({"stride": (2 ** 63, 1)}, TypeError, "at pos 1 with error .Overflow"),
    # a window wider than the padded input
    ({"dilation": 2 ** 40}, RuntimeError, "Kernel size can't be greater"),
    # an output PyTorch cannot allocate
    ({"padding": 2 ** 40}, RuntimeError, "can't allocate memory"),
], ids=str)
def test_unrepresentable_geometries_raise_torch_errors(kwargs, exception, match):
    def run(lib):
        return lib.nn.functional.conv2d(lib.ones(1, 1, 3, 3), lib.ones(1, 1, 2, 2), **kwargs)
    helper_test_exception(run, exception, match=match)


def test_transposed_output_too_large_to_allocate_raises_runtime_error():
    def run(lib):
        return lib.nn.functional.conv_transpose1d(lib.ones(1, 1, 3), lib.ones(1, 1, 2),
                                                  padding=0, stride=2 ** 40)
    with pytest.raises(RuntimeError, match="can't allocate memory"):
        run(cynn)
    helper_test_exception(
        lambda lib: lib.nn.functional.conv_transpose1d(lib.ones(1, 1, 2), lib.ones(1, 1, 2),
                                                       padding=2 ** 62),
        RuntimeError, match="at most")


def test_gate_normalises_strides_and_dilations_that_cannot_matter():
    geometry = plan_geometry((1, 1, 2), (2 ** 63 - 1, 2 ** 32, 4), (0, 0, 1),
                             (7, 2 ** 40, 3), (1, 1, 9), (1, 1, 2))
    # one output along depth and height: their strides are 1; one tap: dilation 1
    assert geometry.stride == (1, 1, 4)
    assert geometry.dilation == (1, 1, 3)
    huge = plan_geometry((1, 2, 2), (2 ** 24, 2 ** 32, 2 ** 63 - 1), (0, 1, 1), (1, 1, 1),
                         (1, 3, 4), (1, 1, 1))
    assert huge.stride == (1, 1, 1)
    # one register tile of outputs (4 rows by 16) and its 2 x 2 window, whatever the stride
    assert _depthwise_scratch(huge) == (4 - 1 + 2) * (16 - 1 + 2)
    # every buffer the kernels size from it stays bounded by the planes
    assert _depthwise_scratch(geometry) <= _scratch_budget(geometry)
    assert _shifted_scratch(geometry) <= _scratch_budget(geometry)


def test_gate_refuses_indices_beyond_int64():
    # (out - 1) stride reaches past 2**63 - 1 - padding
    with pytest.raises(RuntimeError, match="too large"):
        plan_geometry((1, 1, 2), (1, 1, 2 ** 62 - 1), (0, 0, 2 ** 62 - 1), (1, 1, 1),
                      (1, 1, 3), (1, 1, 3))
    # and windows that leave the padded input are a caller's bug
    with pytest.raises(ValueError, match="invalid convolution geometry"):
        plan_geometry((1, 1, 2), (1, 1, 2 ** 40), (0, 0, 1), (1, 1, 1), (1, 1, 2), (1, 1, 2))
    with pytest.raises(RuntimeError, match="too large"):
        F.conv1d(cynn.ones(1, 1, 3), cynn.ones(1, 1, 2), padding=2 ** 62 - 1,
                 stride=2 ** 62 - 1)


def test_gate_keeps_padding_heavy_products_off_the_scratch_kernels(monkeypatch):
    """A depthwise scratch volume (or a shifted padded block) holds the padding it
    reads: with a huge padding and stride it would be sized by them, so im2col runs."""
    geometry = plan_geometry((1, 3, 3), (1, 2 ** 30, 2 ** 30), (0, 2 ** 30, 2 ** 30),
                             (1, 1, 1), (1, 4, 4), (1, 3, 3))
    assert _depthwise_scratch(geometry) > _scratch_budget(geometry)
    assert _route(geometry, np.float64, 2, 2, 2) == "im2col"
    monkeypatch.setattr(conv_functions, "gemm_kernel", lambda: "cynn")
    assert not _shifted_runs(geometry, np.float32)
    # an ordinary depthwise layer keeps its kernels
    ordinary = plan_geometry((1, 3, 3), (1, 2, 2), (0, 1, 1), (1, 1, 1), (1, 56, 56),
                             (1, 28, 28))
    assert _route(ordinary, np.float32, 8, 8, 8) == "depthwise"
    assert _shifted_runs(ordinary, np.float32)


def test_blas_sizes_beyond_c_int_raise_runtime_error():
    geometry = ConvGeometry((1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 1, 1), (1, 1, 2 ** 31),
                            (1, 1, 2 ** 31))
    with pytest.raises(RuntimeError, match="BLAS"):
        _route(geometry, np.float32, 1, 1, 1)


def test_stride_2_24_runs_quickly_on_every_kernel():
    """Memory and time bounded by the tensors, not by the stride (the depthwise kernels
    used to allocate 1.6 GiB of scratch here)."""
    start = time.perf_counter()
    for name, x_shape, w_shape, groups in (CASES["conv2d_depthwise"], CASES["conv2d"],
                                           CASES["conv3d_depthwise"]):
        x = cynn.ones(*x_shape, requires_grad=True)
        w = cynn.ones(*w_shape, requires_grad=True)
        getattr(F, name)(x, w, stride=2 ** 24, groups=groups).sum().backward()
        assert x.grad is not None and w.grad is not None
    assert time.perf_counter() - start < 5


def test_depth_axis_reading_only_padding_is_not_sent_to_the_2d_kernels(monkeypatch):
    """Issue 6: one depth plane, one depth tap and one depth output, but a depth padding
    of 1: the only plane read is padding. The route to the shifted-window kernels
    looked at kernel, input and output depth and missed the padding, so with cynn's
    GEMM the 2-d kernels refused the geometry."""
    def run(lib):
        return lambda x, w: lib.nn.functional.conv3d(x, w, stride=(3, 2, 3), padding=1,
                                                     dilation=(2, 1, 1))
    helper_test_op([(1, 1, 1, 3, 5), (2, 1, 1, 2, 4)], run(torch), run(cynn))
    # the route as cynn's own GEMM would see it (here the kernels would refuse it)
    monkeypatch.setattr(conv_functions, "gemm_kernel", lambda: "cynn")
    geometry = plan_geometry((1, 2, 4), (3, 2, 3), (1, 1, 1), (2, 1, 1), (1, 3, 5),
                             (1, 2, 2))
    assert not geometry.reads_input()
    assert not _shifted_runs(geometry, np.float32)
    helper_test_op([(1, 1, 1, 3, 5), (2, 1, 1, 2, 4)], run(torch), run(cynn))


@pytest.mark.parametrize("case", sorted(CASES))
@pytest.mark.parametrize("bias", [True, False], ids=["bias", "no_bias"])
def test_empty_batch_forward_and_backward_as_torch(case, bias):
    """Issue 5: an empty batch gives an empty output, a zero bias gradient and a zero
    weight gradient."""
    name, x_shape, w_shape, groups = CASES[case]
    shapes = [(0,) + x_shape[1:], w_shape]
    if bias:
        shapes.append(_bias_shape(name, w_shape, groups))
    torch_fn, cynn_fn = _conv_op(name, groups, bias, padding=1)
    try:
        torch_fn(*(torch.ones(shape) for shape in shapes))
    except RuntimeError:
        # PyTorch's grouped conv_transpose3d cannot reshape an empty batch ("the
        # unspecified dimension size -1 can be any value"): its answer for one sample,
        # emptied, is the expected one
        _check_empty_batch_against_one_sample(shapes, torch_fn, cynn_fn)
        return
    helper_test_op(shapes, torch_fn, cynn_fn)


def _check_empty_batch_against_one_sample(shapes, torch_fn, cynn_fn):
    one = [torch.ones((1,) + shapes[0][1:])] + [torch.ones(s) for s in shapes[1:]]
    expected_shape = (0,) + tuple(torch_fn(*one).shape[1:])
    inputs = [cynn.ones(*s, requires_grad=True) for s in shapes]
    y = cynn_fn(*inputs)
    assert tuple(y.shape) == expected_shape
    y.sum().backward()
    assert tuple(inputs[0].grad.shape) == shapes[0]
    for parameter in inputs[1:]:
        np.testing.assert_array_equal(parameter.grad.numpy(), np.zeros(parameter.shape))


def test_all_padding_windows_give_the_bias_as_torch():
    """Every window lies in the padding (taps at -2**40 and 2**40): no kernel runs."""
    torch_fn, cynn_fn = _conv_op("conv1d", 1, True, padding=2 ** 40, dilation=2 ** 41)
    helper_test_op([(2, 2, 3), (3, 2, 2), (3,)], torch_fn, cynn_fn)


@pytest.mark.parametrize("name, x_shape, w_shape, groups, padding", [
    ("conv_transpose1d", (1, 2, 4), (2, 2, 3), 2, 3),
    ("conv_transpose1d", (2, 2, 4), (2, 3, 3), 1, 3),
    ("conv_transpose2d", (1, 2, 4, 4), (2, 1, 3, 3), 2, (3, 0)),
    ("conv_transpose3d", (1, 2, 2, 2, 2), (2, 2, 1, 1, 3), 1, (0, 0, 1)),
])
def test_empty_transposed_output_as_torch(name, x_shape, w_shape, groups, padding):
    torch_fn, cynn_fn = _conv_op(name, groups, True, padding=padding)
    helper_test_op([x_shape, w_shape, _bias_shape(name, w_shape, groups)], torch_fn, cynn_fn)


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, x_shape, w_shape, groups", [
    ("conv1d", (1, 1, 1), (1, 1, 3), 1),
    ("conv1d", (1, 2, 1), (2, 1, 3), 2),
    ("conv2d", (1, 1, 1, 1), (1, 1, 3, 3), 1),
    ("conv2d", (1, 2, 1, 2), (4, 1, 3, 3), 2),
    ("conv2d", (2, 3, 2, 2), (4, 3, 3, 3), 1),
    ("conv3d", (1, 1, 1, 2, 1), (1, 1, 3, 3, 3), 1),
])
def test_nan_input_leaves_padding_only_taps_at_zero(name, x_shape, w_shape, groups, dtype):
    """Issue 7: taps that only ever meet padding get a zero weight gradient however
    non-finite the input ([0, nan, 0], not [nan, nan, nan])."""
    x = np.ones(x_shape, dtype)
    x.flat[0] = np.nan
    torch_fn, cynn_fn = _conv_op(name, groups, False, padding=1)
    helper_test_op([], torch_fn, cynn_fn, inputs=[x, np.ones(w_shape, dtype)], dtype=dtype)


@pytest.mark.parametrize("stride", [2 ** 32, 2 ** 63 - 1], ids=lambda s: f"2**{s.bit_length()}")
def test_gradcheck_at_huge_strides(stride):
    check_gradcheck(lambda x, w, b: F.conv2d(x, w, b, stride=stride, padding=1),
                    [(1, 2, 3, 3), (2, 2, 2, 2), (2,)])
    check_gradcheck(lambda x, w: F.conv1d(x, w, stride=stride, padding=(1,), groups=2),
                    [(2, 2, 3), (4, 1, 2)])
    check_gradcheck(lambda x, w: F.conv_transpose2d(x, w, stride=stride, padding=1),
                    [(1, 2, 1, 1), (2, 1, 3, 3)])


def test_nan_input_of_a_transposed_convolution_stays_out_of_padding_only_taps():
    """Issue 7's reproducer on this machine: a transposed convolution's weight gradient
    multiplies its input by the patches of the output gradient, where padding-only taps
    hold zeros: NaN * 0 gave [nan, nan, nan]. PyTorch (oneDNN, float32 depthwise) gives
    [0, nan, 0]."""
    x = np.ones((1, 2, 1), np.float32)
    x[0, 0, 0] = np.nan
    torch_fn, cynn_fn = _conv_op("conv_transpose1d", 2, False, padding=1)
    helper_test_op([], torch_fn, cynn_fn, inputs=[x, np.ones((2, 1, 3), np.float32)])


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name, x_shape, w_shape, groups", [
    ("conv_transpose1d", (1, 1, 1), (1, 1, 3), 1),
    ("conv_transpose1d", (1, 2, 1), (2, 1, 3), 2),
    ("conv_transpose2d", (1, 2, 1, 1), (2, 2, 3, 3), 1),
    ("conv_transpose3d", (1, 2, 1, 1, 1), (2, 1, 3, 3, 3), 2),
])
def test_padding_only_taps_of_transposed_convolutions_get_zero(name, x_shape, w_shape, groups,
                                                               dtype):
    """One input position, 3 taps, padding 1: one output position, met by the middle tap
    only. PyTorch's float64 and 2-d/3-d paths spread the NaN to every tap (NaN * 0);
    cynn keeps the empty sums at 0 on every path."""
    x = np.ones(x_shape, dtype)
    x.flat[0] = np.nan
    xt = cynn.tensor(x)
    w = cynn.ones(*w_shape, dtype=getattr(cynn, dtype), requires_grad=True)
    getattr(F, name)(xt, w, padding=1, groups=groups).sum().backward()
    dims = len(x_shape) - 2
    middle = np.zeros((3,) * dims, bool)
    middle[(1,) * dims] = True
    # weight (c_in, c_out / groups, taps): input channel 0 holds the NaN
    expected = np.ones(w_shape, dtype) * middle
    expected[0][:, middle] = np.nan
    np.testing.assert_array_equal(w.grad.numpy(), expected)
    # the same convolution with finite inputs: exactly PyTorch's gradient
    torch_fn, cynn_fn = _conv_op(name, groups, False, padding=1)
    helper_test_op([x_shape, w_shape], torch_fn, cynn_fn, dtype=dtype)


@pytest.mark.parametrize("module, x_shape, kwargs", [
    ("Conv2d", (2, 4, 3, 3), {"groups": 4, "stride": 2 ** 32, "padding": 1}),
    ("Conv3d", (1, 2, 2, 2, 2), {"groups": 2, "stride": 2 ** 63 - 1}),
    ("Conv1d", (0, 4, 5), {"groups": 2, "padding": 1}),
    ("ConvTranspose1d", (0, 4, 5), {"groups": 2, "stride": 2}),
])
def test_layers_at_the_gate_match_torch(module, x_shape, kwargs):
    """The layers forward to F.conv*: the same geometries through nn, parameters and all."""
    torch_layer = getattr(torch.nn, module)(4 if "1d" in module or "2d" in module else 2,
                                            4, 2, **kwargs).double()
    cynn_layer = getattr(cynn.nn, module)(torch_layer.in_channels, 4, 2, **kwargs).double()
    cynn_layer.weight.data = cynn.tensor(torch_layer.weight.detach().numpy())
    cynn_layer.bias.data = cynn.tensor(torch_layer.bias.detach().numpy())
    x = np.random.default_rng(0).standard_normal(x_shape)
    tx, cx = torch.tensor(x, requires_grad=True), cynn.tensor(x, requires_grad=True)
    ty, cy = torch_layer(tx), cynn_layer(cx)
    assert tuple(cy.shape) == tuple(ty.shape)
    np.testing.assert_allclose(cy.detach().numpy(), ty.detach().numpy(), rtol=1e-7, atol=1e-9)
    ty.sum().backward()
    cy.sum().backward()
    for c, t in ((cx.grad, tx.grad), (cynn_layer.weight.grad, torch_layer.weight.grad),
                 (cynn_layer.bias.grad, torch_layer.bias.grad)):
        np.testing.assert_allclose(c.numpy(), t.numpy(), rtol=1e-7, atol=1e-9)
