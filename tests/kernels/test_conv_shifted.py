"""Float32 convolutions on shifted windows of the padded input
(pyx/conv_shifted.pyx): the forward, the stride-1 input gradient (a forward
with the flipped weights) and the weight gradient, against PyTorch. Each case
checks that the shifted kernels really ran; they aim at groups, dilation,
asymmetric 'same' padding, padding past the kernel's reach, strides (phase
planes), 1-d inputs, transposed convolutions, blocks of a few output rows, and
an infinite input in the weight gradient."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn._kernels import conv as _im2col
from cynn._kernels import conv_shifted as _shifted_kernels
from cynn._kernels import gemm as _gemm
from cynn.autograd.functions import conv as conv_functions
from cynn.autograd.functions.conv import (ConvGeometry, _input_gradient_geometry,
                                          _shifted_input_gradient_pays, _shifted_runs)

torch = pytest.importorskip("torch", reason="torch is the parity oracle")
TF = torch.nn.functional

pytestmark = pytest.mark.skipif(
    not _gemm.cynn_gemm_supported(),
    reason="this CPU lacks AVX-512F: the shifted kernels need cynn's own GEMM")


@pytest.fixture(autouse=True)
def cynn_gemm():
    previous = _gemm.gemm_kernel()
    _gemm.set_gemm_kernel("cynn")
    yield
    _gemm.set_gemm_kernel(previous)


class CountingKernels:
    """Stands in for the conv_shifted module and counts the calls of its kernels."""

    def __init__(self):
        self.forward = 0
        self.weight = 0

    def shifted_forward(self, *args, **kwargs):
        self.forward += 1
        return _shifted_kernels.shifted_forward(*args, **kwargs)

    def shifted_backward_weight(self, *args, **kwargs):
        self.weight += 1
        return _shifted_kernels.shifted_backward_weight(*args, **kwargs)


@pytest.fixture
def counted(monkeypatch):
    kernels = CountingKernels()
    monkeypatch.setattr(conv_functions, "_shifted", kernels)
    return kernels


CASES = [
    # op, x shape, weight shape, kwargs, shifted forward calls (forward and input
    # gradient), shifted weight-gradient calls
    ("conv2d", (2, 16, 20, 23), (8, 8, 3, 3), dict(groups=2, padding=1), 2, 1),
    # the input gradient computes 17 x 30 positions for 19 x 24: within the 1/8 allowed
    ("conv2d", (1, 8, 17, 30), (6, 8, 3, 5), dict(padding=(2, 1), dilation=(1, 2)), 2, 1),
    # LeNet's conv2: its input gradient (196 positions for 100) stays on im2col
    ("conv2d", (3, 6, 14, 14), (16, 6, 5, 5), dict(), 1, 1),
    ("conv2d", (2, 8, 12, 31), (4, 8, 4, 2), dict(padding="same"), 2, 1),
    # one and two output columns: every gathered run is one or two lanes long
    ("conv2d", (2, 8, 9, 3), (4, 8, 3, 3), dict(), 1, 1),
    ("conv2d", (2, 8, 9, 5), (20, 8, 3, 3), dict(stride=(1, 2)), 1, 1),
    # padding 3 > (k - 1) * d = 2: the input gradient falls back to im2col
    ("conv2d", (1, 2, 9, 40), (3, 2, 3, 3), dict(padding=3), 1, 1),
    ("conv2d", (2, 32, 5, 33), (12, 8, 1, 3), dict(groups=4, bias=False), 2, 1),
    ("conv1d", (3, 8, 60), (7, 8, 5), dict(padding=2), 2, 1),
    # 5 input channels fill 5 of the input gradient's 8 tile rows: it stays on im2col
    ("conv1d", (3, 5, 60), (7, 5, 5), dict(padding=2), 1, 1),
    # strides: phase planes; the input gradient stays on im2col
    ("conv2d", (2, 4, 23, 30), (6, 4, 3, 3), dict(stride=2, padding=1), 1, 1),
    ("conv2d", (1, 3, 40, 45), (5, 3, 5, 4), dict(stride=(3, 2), padding=(2, 1),
                                                  dilation=(2, 1)), 1, 1),
    ("conv2d", (1, 3, 50, 50), (8, 3, 11, 11), dict(stride=4, padding=2), 1, 1),
    ("conv2d", (2, 6, 17, 19), (6, 2, 3, 3), dict(stride=2, groups=3), 1, 1),
    ("conv1d", (2, 3, 70), (4, 3, 5), dict(stride=3, padding=2), 1, 1),
    ("conv1d", (2, 16, 50), (4, 8, 3), dict(groups=2, dilation=3, padding="same"), 2, 1),
    # transposed, stride 1: forward and input gradient swap roles, weight roles too
    ("conv_transpose2d", (2, 6, 11, 13), (6, 8, 3, 3), dict(padding=1), 2, 1),
    # its forward computes 24 x 45 positions for 19 x 40 (1.42 times): im2col's
    ("conv_transpose2d", (1, 4, 19, 40), (4, 8, 3, 3), dict(dilation=2, output_padding=1), 1, 1),
    # stride 2: the forward is im2col's input gradient, the backward runs shifted
    ("conv_transpose2d", (2, 6, 12, 14), (6, 4, 4, 4), dict(stride=2, padding=1), 1, 1),
]


def _ids(case):
    op, x_shape, w_shape, kwargs = case[:4]
    return f"{op}-x{'x'.join(map(str, x_shape))}-w{'x'.join(map(str, w_shape))}-" + ",".join(
        f"{k}={v}" for k, v in kwargs.items())


def _run(lib, functional, op, x, w, b, gy, kwargs):
    tensors = [lib.tensor(a, requires_grad=True) if a is not None else None for a in (x, w, b)]
    y = getattr(functional, op)(*tensors, **kwargs)
    y.backward(lib.tensor(gy))
    grads = [t.grad.numpy() if t is not None else None for t in tensors]
    return y.detach().numpy(), grads


def _data(x_shape, w_shape, op, kwargs, seed=0):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal(w_shape).astype(np.float32)
    groups = kwargs.get("groups", 1)
    c_out = w_shape[1] * groups if op.startswith("conv_transpose") else w_shape[0]
    b = rng.standard_normal(c_out).astype(np.float32)
    return x, w, b


@pytest.mark.parametrize("case", CASES, ids=_ids)
def test_shifted_kernels_match_torch(case, counted):
    op, x_shape, w_shape, kwargs, forward_calls, weight_calls = case
    kwargs = dict(kwargs)
    has_bias = kwargs.pop("bias", True)
    x, w, b = _data(x_shape, w_shape, op, kwargs)
    b = b if has_bias else None
    expected_y = getattr(TF, op)(*(torch.tensor(a) if a is not None else None
                                   for a in (x, w, b)), **kwargs)
    gy = np.random.default_rng(1).standard_normal(tuple(expected_y.shape)).astype(np.float32)
    y, grads = _run(cynn, F, op, x, w, b, gy, kwargs)
    expected_y, expected_grads = _run(torch, TF, op, x, w, b, gy, kwargs)
    assert (counted.forward, counted.weight) == (forward_calls, weight_calls)
    np.testing.assert_allclose(y, expected_y, rtol=1e-4, atol=1e-4)
    for name, mine, ref in zip(("input", "weight", "bias"), grads, expected_grads):
        if ref is not None:
            np.testing.assert_allclose(mine, ref, rtol=1e-4, atol=1e-3, err_msg=name)


def test_thread_count_does_not_change_results(counted):
    x, w, b = _data((2, 16, 23, 29), (8, 8, 3, 3), "conv2d", {})
    gy = np.random.default_rng(2).standard_normal((2, 8, 23, 29)).astype(np.float32)
    results = []
    previous = cynn.get_num_threads()
    try:
        for threads in (1, 2):
            cynn.set_num_threads(threads)
            results.append(_run(cynn, F, "conv2d", x, w, b, gy, dict(groups=2, padding=1)))
    finally:
        cynn.set_num_threads(previous)
    assert counted.forward == 4 and counted.weight == 2
    (y1, g1), (y2, g2) = results
    np.testing.assert_array_equal(y1, y2)
    # the weight gradient's row blocks and partial sums depend on the shapes only
    for one, two in zip(g1, g2):
        np.testing.assert_array_equal(one, two)


def _geometry_args(x_shape, w_shape, stride, padding, dilation):
    out = [(n + 2 * p - d * (k - 1) - 1) // s + 1
           for n, k, s, p, d in zip(x_shape[3:], w_shape[2:], stride, padding, dilation)]
    return (1, *w_shape[2:], 1, *stride, 0, *padding, 1, *dilation, 1, *out)


@pytest.mark.parametrize("stride", [(1, 1), (2, 3)])
@pytest.mark.parametrize("block_bytes", [1, 4096, 1 << 20])
def test_row_blocks_match_the_im2col_kernels(block_bytes, stride):
    """Blocks of one or a few output rows (each with its halo rows) give the same
    output and weight gradient as conv.pyx's im2col kernels."""
    rng = np.random.default_rng(3)
    x_shape, w_shape = (2, 4, 1, 19, 21), (6, 2, 3, 4)
    geometry = _geometry_args(x_shape, w_shape, stride, (2, 1), (2, 1))
    x = rng.standard_normal(x_shape).astype(np.float32)
    w = rng.standard_normal((6, 2 * 3 * 4)).astype(np.float32)
    bias = rng.standard_normal(6).astype(np.float32)
    y_shape = (2, 6, 1, geometry[-2], geometry[-1])
    y, y_ref = np.empty(y_shape, np.float32), np.empty(y_shape, np.float32)
    _shifted_kernels.shifted_forward(x, w, bias, y, True, geometry, 2, 2, block_bytes)
    _im2col.conv_forward(x, w, bias, y_ref, True, geometry, 2, 2)
    np.testing.assert_allclose(y, y_ref, rtol=1e-5, atol=1e-5)
    gy = rng.standard_normal(y_shape).astype(np.float32)
    gw, gw_ref = np.empty_like(w), np.empty_like(w)
    _shifted_kernels.shifted_backward_weight(x, gy, gw, geometry, 2, 2, block_bytes)
    _im2col.conv_backward_weight(x, gy, gw_ref, geometry, 2, 2)
    np.testing.assert_allclose(gw, gw_ref, rtol=1e-4, atol=1e-4)


def test_weight_gradient_of_an_infinite_input_matches_torch(counted):
    """The patches hold exactly im2col's values (no extra columns meet the inf), so
    inf and NaN land where PyTorch puts them."""
    x, w, b = _data((1, 2, 8, 9), (3, 2, 3, 3), "conv2d", {})
    x[0, 1, 4, 0] = np.inf
    gy = np.abs(np.random.default_rng(4).standard_normal((1, 3, 8, 9))).astype(np.float32)
    gy[0, 2, 3:6, 0:2] = 0
    (_, grads), (_, expected) = (_run(lib, fn, "conv2d", x, w, b, gy, dict(padding=1))
                                 for lib, fn in ((cynn, F), (torch, TF)))
    assert counted.weight == 1
    assert np.isinf(expected[1]).any() and np.isnan(expected[1]).any()
    np.testing.assert_allclose(grads[1], expected[1], rtol=1e-4, atol=1e-3)


def _geometry(x_size, kernel, padding=(0, 0), dilation=(1, 1), stride=(1, 1)):
    out = tuple((n + 2 * p - d * (k - 1) - 1) // s + 1
                for n, k, p, d, s in zip(x_size, kernel, padding, dilation, stride))
    return ConvGeometry((1, *kernel), (1, *stride), (0, *padding), (1, *dilation),
                        (1, *x_size), (1, *out))


def test_shifted_kernels_are_chosen_where_they_cover_and_pay():
    grouped_56 = _geometry((56, 56), (3, 3), padding=(1, 1))
    assert _shifted_runs(grouped_56, np.float32)
    assert not _shifted_runs(grouped_56, np.float64)
    assert not _shifted_runs(ConvGeometry((3, 3, 3), (1, 1, 1), (1, 1, 1), (1, 1, 1),
                                          (8, 8, 8), (8, 8, 8)), np.float32)
    strided_56 = _geometry((56, 56), (3, 3), (1, 1), stride=(2, 2))
    assert _shifted_runs(strided_56, np.float32)
    # only a stride-1 convolution's input gradient is itself a convolution
    assert _input_gradient_geometry(strided_56) is None
    # AlexNet's conv3: the input gradient computes the 13 x 13 positions im2col does
    assert _shifted_input_gradient_pays(
        _input_gradient_geometry(_geometry((13, 13), (3, 3), padding=(1, 1))), np.float32, 192,
        169)
    # LeNet's conv2: 14 x 14 positions for 10 x 10, on 6 of 8 tile rows
    lenet_conv2 = _geometry((14, 14), (5, 5))
    assert not _shifted_input_gradient_pays(_input_gradient_geometry(lenet_conv2), np.float32, 6,
                                            100)
    # 'valid' 3 x 3 on 56 x 56: 3136 positions for 2916 (7.5% more) still pays
    valid_56 = _geometry((56, 56), (3, 3))
    assert _shifted_input_gradient_pays(_input_gradient_geometry(valid_56), np.float32, 64,
                                        54 * 54)
    assert not _shifted_input_gradient_pays(_input_gradient_geometry(valid_56), np.float64, 64,
                                            54 * 54)
    _gemm.set_gemm_kernel("blas")
    assert not _shifted_runs(grouped_56, np.float32)
    assert not _shifted_input_gradient_pays(_input_gradient_geometry(valid_56), np.float32, 64,
                                            54 * 54)


def test_no_input_channels_gives_the_bias_and_the_kernels_refuse_them():
    """With no input channels there is no product: the caller fills the bias, and both
    GEMM kernels refuse the call (their input pointers would index past an empty axis)."""
    bias = np.array([1.0, -2.0, 0.5], np.float32)
    y = F.conv2d(cynn.zeros(2, 0, 6, 40), cynn.zeros(3, 0, 3, 3), cynn.tensor(bias))
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(bias[None, :, None, None],
                                                             (2, 3, 4, 38)))
    x = np.zeros((2, 0, 1, 6, 40), np.float32)
    w = np.zeros((3, 0), np.float32)
    geometry = (1, 3, 3, 1, 1, 1, 0, 0, 0, 1, 1, 1, 1, 4, 38)
    y = np.empty((2, 3, 1, 4, 38), np.float32)
    for kernel in (_shifted_kernels.shifted_forward, _im2col.conv_forward):
        with pytest.raises(ValueError, match="no input channels"):
            kernel(x, w, bias, y, True, geometry, 1, 2)


def test_kernels_reject_geometries_they_do_not_cover():
    x = np.zeros((1, 2, 1, 8, 8), np.float32)
    w = np.zeros((2, 18), np.float32)
    three_d = (3, 3, 3, 1, 1, 1, 1, 1, 1, 1, 1, 1, 1, 8, 8)
    with pytest.raises(ValueError, match="2-d geometry"):
        _shifted_kernels.shifted_forward(x, w, w[0, :0], np.zeros((1, 2, 1, 8, 8), np.float32),
                                         False, three_d, 1, 1)
    plain = (1, 3, 3, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 8, 8)
    with pytest.raises(ValueError, match="output"):
        _shifted_kernels.shifted_forward(x, w, w[0, :0], np.zeros((1, 2, 1, 7, 8), np.float32),
                                         False, plain, 1, 1)
    with pytest.raises(ValueError, match="weight"):
        _shifted_kernels.shifted_backward_weight(x, np.zeros((1, 2, 1, 8, 8), np.float32),
                                                 np.zeros((2, 9), np.float32), plain, 1, 1)
