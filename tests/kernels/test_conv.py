"""Convolutions (conv1d/2d/3d, conv_transpose1d/2d/3d): values and gradients against
PyTorch, float64 finite differences, PyTorch's errors, thread-count independence."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn.autograd import gradcheck

from cynn._kernels import gemm as _gemm

torch = pytest.importorskip("torch", reason="torch is the parity oracle")
TF = torch.nn.functional


@pytest.fixture(params=["cynn", "blas"])
def gemm_kernel(request):
    """Run the test with cynn's float32 GEMM kernel and again with BLAS."""
    if request.param == "cynn" and not _gemm.cynn_gemm_supported():
        pytest.skip("this CPU lacks AVX-512F: cynn's float32 kernel is never used here")
    previous = _gemm.gemm_kernel()
    _gemm.set_gemm_kernel(request.param)
    yield request.param
    _gemm.set_gemm_kernel(previous)

TRANSPOSED = {"conv_transpose1d", "conv_transpose2d", "conv_transpose3d"}


def _out_channels(op, w_shape, kwargs):
    return w_shape[1] * kwargs.get("groups", 1) if op in TRANSPOSED else w_shape[0]


def _inputs(op, x_shape, w_shape, bias, kwargs, dtype, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    b = rng.standard_normal(_out_channels(op, w_shape, kwargs)).astype(dtype) if bias else None
    return x, w, b


def check_against_torch(op, x_shape, w_shape, bias=True, rtol=1e-4, atol=1e-5, **kwargs):
    """Output and every input gradient of cynn's ``op`` equal PyTorch's (float32)."""
    x, w, b = _inputs(op, x_shape, w_shape, bias, kwargs, np.float32)
    ours = [cynn.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    theirs = [torch.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    y = getattr(F, op)(*ours, **kwargs)
    expected = getattr(TF, op)(*theirs, **kwargs)
    assert y.shape == tuple(expected.shape)
    assert y.dtype == cynn.float32
    assert y.grad_fn.name() == "ConvolutionBackward0"
    np.testing.assert_allclose(y.detach().numpy(), expected.detach().numpy(), rtol=rtol, atol=atol)
    gy = np.random.default_rng(1).standard_normal(expected.shape).astype(np.float32)
    y.backward(cynn.tensor(gy))
    expected.backward(torch.tensor(gy))
    # gradients sum over many more terms than the output: scale atol with their size
    scale = max(1.0, float(np.abs(gy).sum()) ** 0.5 / 10)
    for name, mine, ref in zip(("input", "weight", "bias"), ours, theirs):
        if ref is None:
            continue
        np.testing.assert_allclose(mine.grad.numpy(), ref.grad.numpy(), rtol=rtol,
                                   atol=atol * scale, err_msg=f"grad of {name}")


def check_gradients(op, x_shape, w_shape, bias=True, **kwargs):
    """float64 central differences for input, weight and bias."""
    x, w, b = _inputs(op, x_shape, w_shape, bias, kwargs, np.float64)
    tensors = [cynn.tensor(a, requires_grad=True) for a in (x, w, b) if a is not None]
    fn = getattr(F, op)
    assert gradcheck(lambda *t: fn(*t, **kwargs), tensors)


# (op, input shape, weight shape, keyword arguments): small shapes covering each
# geometry feature at least once
GRID = [
    ("conv2d", (2, 3, 6, 7), (4, 3, 3, 3), {}),
    ("conv2d", (1, 2, 7, 5), (3, 2, 3, 2), dict(stride=2, padding=1)),
    ("conv2d", (2, 2, 5, 6), (3, 2, 3, 3), dict(padding="same")),
    ("conv2d", (1, 2, 5, 6), (2, 2, 4, 2), dict(padding="same", dilation=(1, 2))),
    ("conv2d", (2, 2, 5, 5), (3, 2, 3, 3), dict(padding="valid")),
    ("conv2d", (1, 2, 4, 5), (2, 2, 3, 3), dict(padding=3)),
    ("conv2d", (2, 2, 7, 8), (2, 2, 3, 2), dict(dilation=(2, 3), padding=(1, 2))),
    ("conv2d", (2, 4, 6, 5), (6, 2, 3, 3), dict(groups=2, padding=1)),
    ("conv2d", (2, 3, 6, 7), (3, 1, 3, 3), dict(groups=3, padding=1)),
    ("conv2d", (1, 3, 7, 6), (6, 1, 3, 2), dict(groups=3, stride=(2, 1), dilation=2)),
    ("conv2d", (2, 2, 9, 8), (3, 2, 2, 2), dict(stride=3)),
    ("conv2d", (2, 3, 5, 5), (3, 1, 2, 2), dict(groups=3, stride=3, padding=1)),
    ("conv2d", (4, 4, 5), (2, 4, 3, 3), dict(padding=1)),
    ("conv2d", (2, 3, 4, 4), (5, 3, 1, 1), {}),
    ("conv1d", (2, 3, 9), (4, 3, 3), dict(stride=2, padding=2)),
    ("conv1d", (1, 4, 8), (4, 1, 3), dict(groups=4, padding="same", dilation=2)),
    ("conv1d", (3, 7), (2, 3, 4), dict(padding="same")),
    ("conv3d", (1, 2, 4, 5, 4), (3, 2, 2, 3, 2), dict(stride=(1, 2, 1), padding=(1, 0, 1))),
    ("conv3d", (2, 2, 3, 4, 4), (2, 1, 2, 2, 2), dict(groups=2, dilation=(1, 2, 1))),
    ("conv_transpose2d", (2, 3, 4, 5), (3, 2, 3, 3), dict(stride=2, padding=1,
                                                          output_padding=1)),
    ("conv_transpose2d", (1, 4, 3, 4), (4, 1, 2, 3), dict(stride=(1, 2), groups=2,
                                                          dilation=2)),
    ("conv_transpose2d", (2, 3, 4, 3), (3, 2, 3, 3), dict(groups=3)),
    ("conv_transpose2d", (3, 3, 4), (3, 2, 2, 2), dict(stride=3, padding=1)),
    ("conv_transpose2d", (2, 3, 4, 5), (3, 1, 3, 3), dict(groups=3, stride=2, padding=1)),
    ("conv_transpose1d", (2, 3, 5), (3, 2, 3), dict(stride=2, output_padding=1)),
    ("conv_transpose3d", (1, 2, 2, 3, 3), (2, 2, 2, 2, 3), dict(stride=2, padding=1)),
]


def _case_id(case):
    op, x_shape, w_shape, kwargs = case
    extra = ",".join(f"{k}={v}" for k, v in kwargs.items())
    return f"{op}-x{'x'.join(map(str, x_shape))}-w{'x'.join(map(str, w_shape))}-{extra}"


@pytest.mark.parametrize("bias", [True, False], ids=["bias", "nobias"])
@pytest.mark.parametrize("case", GRID, ids=[_case_id(c) for c in GRID])
def test_gradcheck_float64(case, bias):
    op, x_shape, w_shape, kwargs = case
    check_gradients(op, x_shape, w_shape, bias=bias, **kwargs)


@pytest.mark.parametrize("case", GRID, ids=[_case_id(c) for c in GRID])
@pytest.mark.usefixtures("gemm_kernel")
def test_matches_torch_on_grid(case):
    op, x_shape, w_shape, kwargs = case
    check_against_torch(op, x_shape, w_shape, **kwargs)


def _random_conv2d_case(rng):
    groups = int(rng.choice([1, 1, 2, 3]))
    depthwise = groups > 1 and rng.random() < 0.5
    c_in = groups if depthwise else groups * int(rng.integers(1, 4))
    c_out = groups * int(rng.integers(1, 4))
    kernel = tuple(int(k) for k in rng.integers(1, 6, size=2))
    dilation = tuple(int(d) for d in rng.integers(1, 3, size=2))
    stride = tuple(int(s) for s in rng.integers(1, 4, size=2))
    if rng.random() < 0.2:
        padding, stride = "same", (1, 1)
    else:
        padding = tuple(int(p) for p in rng.integers(0, 4, size=2))
    extent = [d * (k - 1) + 1 for d, k in zip(dilation, kernel)]
    size = tuple(int(max(e, 1) + rng.integers(0, 12)) for e in extent)
    x_shape = (int(rng.integers(1, 5)), c_in) + size
    return x_shape, (c_out, c_in // groups) + kernel, dict(
        stride=stride, padding=padding, dilation=dilation, groups=groups)


@pytest.mark.parametrize("seed", range(30))
@pytest.mark.usefixtures("gemm_kernel")
def test_conv2d_matches_torch_randomized(seed):
    x_shape, w_shape, kwargs = _random_conv2d_case(np.random.default_rng(seed))
    check_against_torch("conv2d", x_shape, w_shape, bias=bool(seed % 2), **kwargs)


@pytest.mark.parametrize("seed", range(12))
@pytest.mark.usefixtures("gemm_kernel")
def test_conv_transpose2d_matches_torch_randomized(seed):
    rng = np.random.default_rng(100 + seed)
    groups = int(rng.choice([1, 2]))
    kernel = tuple(int(k) for k in rng.integers(1, 5, size=2))
    stride = tuple(int(s) for s in rng.integers(1, 4, size=2))
    dilation = tuple(int(d) for d in rng.integers(1, 3, size=2))
    output_padding = tuple(int(rng.integers(0, max(s, d))) for s, d in zip(stride, dilation))
    padding = tuple(int(rng.integers(0, k)) for k in kernel)
    size = tuple(int(s) for s in rng.integers(2, 9, size=2))
    x_shape = (int(rng.integers(1, 4)), groups * int(rng.integers(1, 3))) + size
    w_shape = (x_shape[1], int(rng.integers(1, 4))) + kernel
    check_against_torch("conv_transpose2d", x_shape, w_shape, bias=bool(seed % 2),
                        stride=stride, padding=padding, output_padding=output_padding,
                        groups=groups, dilation=dilation)


@pytest.mark.parametrize("op, x_shape, w_shape, kwargs", [
    # big enough that the products and im2col run split over threads
    ("conv2d", (4, 16, 20, 20), (32, 16, 3, 3), dict(padding=1)),
    ("conv2d", (3, 32, 17, 19), (32, 1, 3, 3), dict(groups=32, stride=2, padding=1)),
    ("conv2d", (2, 8, 24, 24), (16, 4, 5, 5), dict(groups=2, dilation=2)),
    ("conv_transpose2d", (2, 16, 12, 12), (16, 8, 4, 4), dict(stride=2, padding=1)),
    # products large enough for cynn's float32 kernel in all three primitives
    ("conv2d", (2, 40, 23, 21), (36, 20, 3, 3), dict(groups=2, padding=2, dilation=2)),
    ("conv2d", (3, 24, 30, 29), (40, 24, 3, 5), dict(stride=(2, 1), padding=(1, 2))),
    ("conv_transpose2d", (2, 32, 15, 14), (32, 20, 4, 4), dict(stride=2, padding=1)),
    ("conv3d", (2, 16, 8, 9, 10), (24, 16, 3, 3, 3), dict(padding=1)),
])
@pytest.mark.usefixtures("gemm_kernel")
def test_medium_sizes_match_torch(op, x_shape, w_shape, kwargs):
    check_against_torch(op, x_shape, w_shape, rtol=2e-4, atol=2e-4, **kwargs)


@pytest.mark.parametrize("op, x_shape, w_shape, kwargs", [
    ("conv2d", (4, 16, 20, 20), (32, 16, 3, 3), dict(padding=1)),
    ("conv2d", (3, 16, 17, 19), (16, 1, 3, 3), dict(groups=16, stride=2, padding=1)),
    ("conv_transpose2d", (2, 16, 12, 12), (16, 8, 4, 4), dict(stride=2, padding=1)),
    ("conv3d", (2, 4, 6, 7, 8), (8, 4, 3, 3, 3), dict(padding=1)),
])
@pytest.mark.usefixtures("gemm_kernel")
def test_one_thread_and_two_threads_agree(op, x_shape, w_shape, kwargs):
    x, w, b = _inputs(op, x_shape, w_shape, True, kwargs, np.float32)
    results = []
    previous = cynn.get_num_threads()
    try:
        for threads in (1, 2, 3):
            cynn.set_num_threads(threads)
            tensors = [cynn.tensor(a, requires_grad=True) for a in (x, w, b)]
            y = getattr(F, op)(*tensors, **kwargs)
            (y * y).sum().backward()
            results.append([y.detach().numpy()] + [t.grad.numpy() for t in tensors])
    finally:
        cynn.set_num_threads(previous)
    # the pieces of work and the order of every sum depend on the shapes only
    for one, *others in zip(*results):
        for other in others:
            np.testing.assert_array_equal(one, other)


def test_batch_zero_gives_empty_output_and_zero_weight_grad():
    x = cynn.zeros(0, 3, 6, 6, requires_grad=True)
    w = cynn.randn(4, 3, 3, 3, requires_grad=True)
    y = F.conv2d(x, w, padding=1)
    assert y.shape == (0, 4, 6, 6)
    y.sum().backward()
    assert np.all(w.grad.numpy() == 0)


def test_float64_in_float64_out():
    x = cynn.randn(2, 3, 5, 5, dtype=cynn.float64)
    w = cynn.randn(4, 3, 3, 3, dtype=cynn.float64)
    y = F.conv2d(x, w)
    assert y.dtype == cynn.float64
    expected = TF.conv2d(torch.tensor(x.numpy()), torch.tensor(w.numpy()))
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-12, atol=1e-12)


def test_non_contiguous_input():
    x = cynn.randn(2, 6, 7, 3).permute(0, 3, 1, 2)   # (2, 3, 6, 7), not contiguous
    w = cynn.randn(4, 3, 3, 3)
    y = F.conv2d(x, w, padding=1)
    expected = TF.conv2d(torch.tensor(x.numpy()), torch.tensor(w.numpy()), padding=1)
    np.testing.assert_allclose(y.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


# -- errors: the exception type PyTorch raises, and its message where ours matches ----------
def _f32(*shape):
    return np.random.default_rng(0).standard_normal(shape).astype(np.float32)


ERROR_CASES = [
    # (id, op, input, weight, bias, kwargs, compare the message too)
    ("channels", "conv2d", _f32(1, 4, 32, 32), _f32(6, 3, 5, 5), None, {}, True),
    ("channels-unbatched", "conv2d", _f32(4, 32, 32), _f32(6, 3, 5, 5), None, {}, True),
    ("channels-groups", "conv2d", _f32(1, 4, 8, 8), _f32(6, 3, 3, 3), None,
     dict(groups=2), True),
    ("out-not-divisible", "conv2d", _f32(1, 4, 8, 8), _f32(5, 2, 3, 3), None,
     dict(groups=2), True),
    ("groups-zero", "conv2d", _f32(1, 4, 8, 8), _f32(6, 2, 3, 3), None, dict(groups=0), True),
    ("kernel-too-big", "conv2d", _f32(1, 3, 4, 4), _f32(6, 3, 5, 5), None, {}, True),
    ("kernel-too-big-dilated", "conv2d", _f32(1, 3, 6, 6), _f32(6, 3, 3, 3), None,
     dict(dilation=3), True),
    ("kernel-too-big-1d", "conv1d", _f32(1, 3, 4), _f32(6, 3, 5), None, {}, True),
    ("input-2d", "conv2d", _f32(8, 8), _f32(6, 3, 3, 3), None, {}, True),
    ("input-5d", "conv2d", _f32(1, 1, 3, 8, 8), _f32(6, 3, 3, 3), None, {}, True),
    ("input-4d-conv1d", "conv1d", _f32(1, 3, 8, 8), _f32(6, 3, 3), None, {}, True),
    ("weight-2d", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3), None, {}, True),
    ("weight-5d", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3, 3), None, {}, False),
    ("stride-zero", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None, dict(stride=0), True),
    ("stride-negative", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(stride=(1, -1)), True),
    ("dilation-zero", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(dilation=0), False),
    ("padding-negative", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(padding=-1), True),
    ("stride-3-values", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(stride=(1, 1, 1)), True),
    ("same-strided", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(padding="same", stride=2), True),
    ("padding-string", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(padding="full"), True),
    ("bias-size", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), _f32(5), {}, True),
    ("bias-2d", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), _f32(6, 1), {}, True),
    ("weight-dtype", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3).astype(np.float64), None,
     {}, False),
    ("bias-dtype", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), _f32(6).astype(np.float64),
     {}, True),
    ("stride-float", "conv2d", _f32(1, 3, 8, 8), _f32(6, 3, 3, 3), None,
     dict(stride=1.5), False),
    ("t-channels", "conv_transpose2d", _f32(1, 4, 8, 8), _f32(3, 6, 3, 3), None, {}, True),
    ("t-output-padding", "conv_transpose2d", _f32(1, 3, 8, 8), _f32(3, 6, 3, 3), None,
     dict(stride=2, output_padding=2), True),
    ("t-output-padding-1d", "conv_transpose1d", _f32(1, 3, 8), _f32(3, 6, 3), None,
     dict(stride=2, output_padding=2), True),
    ("t-output-too-small", "conv_transpose2d", _f32(1, 3, 1, 1), _f32(3, 6, 1, 1), None,
     dict(padding=2), True),
    ("t-padding-same", "conv_transpose2d", _f32(1, 3, 8, 8), _f32(3, 6, 3, 3), None,
     dict(padding="same"), True),
    ("t-bias-size", "conv_transpose2d", _f32(1, 3, 8, 8), _f32(3, 6, 3, 3), _f32(5), {}, True),
    ("t-input-2d", "conv_transpose2d", _f32(8, 8), _f32(3, 6, 3, 3), None, {}, True),
    ("t-zero-height", "conv_transpose2d", _f32(1, 3, 0, 4), _f32(3, 2, 3, 3), None, {}, True),
    ("zero-height", "conv2d", _f32(1, 3, 0, 4), _f32(2, 3, 1, 1), None, dict(padding=1), True),
    ("t-groups", "conv_transpose2d", _f32(1, 4, 8, 8), _f32(3, 3, 3, 3), None,
     dict(groups=2), True),
]


@pytest.mark.parametrize("case", ERROR_CASES, ids=[c[0] for c in ERROR_CASES])
def test_errors_match_torch(case):
    _, op, x, w, b, kwargs, same_message = case

    def call(lib, functional):
        args = [lib.tensor(a) if a is not None else None for a in (x, w, b)]
        return getattr(functional, op)(*args, **kwargs)

    with pytest.raises(Exception) as expected:
        call(torch, TF)
    with pytest.raises(expected.type) as ours:
        call(cynn, F)
    if same_message:
        assert str(ours.value) == str(expected.value).replace("torch.", "cynn.")


def test_non_tensor_input_is_a_type_error():
    with pytest.raises(TypeError, match="conv2d"):
        F.conv2d(np.zeros((1, 3, 8, 8), np.float32), cynn.randn(6, 3, 3, 3))


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("threads", [1, 2])
@pytest.mark.parametrize("kwargs", [dict(padding=1), dict(stride=2, padding=(2, 0), groups=2),
                                    dict(dilation=(2, 1), padding=(0, 3))])
@pytest.mark.usefixtures("gemm_kernel")
def test_gemm_kernels_with_many_small_blocks(dtype, threads, kwargs):
    """Blocks of 64 output positions cut output rows mid-way: the same numbers as torch."""
    from cynn._kernels import conv as kernels
    from cynn.nn.functional.conv import _tuple
    groups = kwargs.get("groups", 1)
    rng = np.random.default_rng(0)
    x = rng.standard_normal((3, 4, 13, 11)).astype(dtype)
    w = rng.standard_normal((6, 4 // groups, 3, 2)).astype(dtype)
    b = rng.standard_normal(6).astype(dtype)
    tx, tw = torch.tensor(x, requires_grad=True), torch.tensor(w, requires_grad=True)
    expected = TF.conv2d(tx, tw, torch.tensor(b), **kwargs)
    gy = rng.standard_normal(expected.shape).astype(dtype)
    expected.backward(torch.tensor(gy))

    stride, padding, dilation = (_tuple("t", name, kwargs.get(name, default), 2)
                                 for name, default in (("stride", 1), ("padding", 0),
                                                       ("dilation", 1)))
    geometry = (1, 3, 2, 1, *stride, 0, *padding, 1, *dilation, 1, *expected.shape[2:])
    x5, gy5 = x[:, :, None], np.ascontiguousarray(gy[:, :, None])
    y5 = np.empty(gy5.shape, dtype)
    kernels.conv_forward(x5, w.reshape(6, -1), b, y5, True, geometry, groups, threads,
                         block_bytes=64)
    gx5 = np.empty(x5.shape, dtype)
    kernels.conv_backward_data(gy5, w.reshape(6, -1), gx5, geometry, groups, threads,
                               block_bytes=64)
    gw = np.empty((6, w[0].size), dtype)
    kernels.conv_backward_weight(x5, gy5, gw, geometry, groups, threads, block_bytes=64)
    tolerance = dict(rtol=1e-4, atol=1e-4) if dtype == np.float32 else dict(rtol=1e-10)
    np.testing.assert_allclose(y5[:, :, 0], expected.detach().numpy(), **tolerance)
    np.testing.assert_allclose(gx5[:, :, 0], tx.grad.numpy(), **tolerance)
    np.testing.assert_allclose(gw.reshape(w.shape), tw.grad.numpy(), **tolerance)
