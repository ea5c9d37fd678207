"""Same answer at any thread count: every kernel's output at 2, 3, 4 (and 7) threads
is bit for bit the one at 1 thread, so a run reproduces on any machine.

The shapes are chosen above the kernels' thresholds so that several threads really
work: GEMM cuts C into 2 blocks of rows or columns from 2^18 multiply-adds on, and
into up to 8 where the packing each block repeats is cheap (gemm_blas.pxd,
gemm_blocks: the numbers of blocks are noted below); a convolution runs its jobs
(sample, group, block of output rows) side by side from 4 jobs on and cuts each
product over the threads below that; its weight gradient is split into up to 8
partial sums of >= 512 output positions each (conv.pyx).
"""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from cynn._kernels import elementwise as ek
from cynn._kernels import gemm

THREADS = (2, 3, 4)


@pytest.fixture(params=["cynn", "blas"])
def gemm_kernel(request):
    """Run the test with cynn's float32 kernel (and its shifted-window convolutions)
    and again with BLAS."""
    if request.param == "cynn" and not gemm.cynn_gemm_supported():
        pytest.skip("this CPU lacks AVX-512F: cynn's float32 kernel is never used here")
    previous = gemm.gemm_kernel()
    gemm.set_gemm_kernel(request.param)
    yield request.param
    gemm.set_gemm_kernel(previous)


@pytest.fixture
def restore_threads():
    previous = cynn.get_num_threads()
    yield
    cynn.set_num_threads(previous)


def assert_same_bits(reference, other, threads, names):
    for name, one, many in zip(names, reference, other):
        assert one.dtype == many.dtype and one.shape == many.shape
        differ = int(np.count_nonzero(one.view(np.uint8).reshape(one.size, -1)
                                      != many.view(np.uint8).reshape(many.size, -1)))
        assert np.array_equal(one, many, equal_nan=True) and differ == 0, (
            f"{name}: {differ} bytes differ between 1 and {threads} threads")


# ---------------------------------------------------------------------- GEMM

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("trans_a, trans_b", [(False, False), (True, False), (False, True)])
@pytest.mark.parametrize("m, n, k", [
    (257, 1031, 300),   # the shape that once differed: 2 blocks of columns
    (1100, 70, 200),    # 2 blocks of rows (m > n)
    (37, 530, 400),     # 2 blocks of columns, the last one short
    (8, 3000, 1500),    # 8 blocks of columns: more blocks than threads
    (2048, 1500, 8),    # 4 blocks of rows (k < 32)
])
@pytest.mark.usefixtures("gemm_kernel")
def test_gemm(dtype, trans_a, trans_b, m, n, k):
    rng = np.random.default_rng(0)
    a = rng.standard_normal((k, m) if trans_a else (m, k)).astype(dtype)
    b = rng.standard_normal((n, k) if trans_b else (k, n)).astype(dtype)
    c0 = rng.standard_normal((m, n)).astype(dtype)

    def run(threads):
        c = c0.copy()
        gemm.gemm(a, b, c, trans_a, trans_b, alpha=1.5, beta=0.5, n_threads=threads)
        return [c]

    one = run(1)
    for threads in THREADS + (7,):
        assert_same_bits(one, run(threads), threads, ["C"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.usefixtures("gemm_kernel")
def test_grouped_gemm(dtype):
    rng = np.random.default_rng(1)
    a = rng.standard_normal((3, 40, 200)).astype(dtype)
    b = rng.standard_normal((3, 900, 200)).astype(dtype)

    def run(threads):
        c = np.empty((3, 40, 900), dtype)
        gemm.grouped_gemm(a, b, c, False, True, n_threads=threads)
        return [c]

    one = run(1)
    for threads in THREADS:
        assert_same_bits(one, run(threads), threads, ["C"])


@pytest.mark.usefixtures("gemm_kernel", "restore_threads")
def test_linear_forward_and_gradients():
    rng = np.random.default_rng(2)
    x, w, b = (rng.standard_normal(s).astype(np.float32) for s in ((96, 700), (300, 700), (300,)))
    gy = rng.standard_normal((96, 300)).astype(np.float32)

    def run(threads):
        cynn.set_num_threads(threads)
        tensors = [cynn.tensor(a, requires_grad=True) for a in (x, w, b)]
        y = F.linear(*tensors)
        y.backward(cynn.tensor(gy))
        return [y.detach().numpy()] + [t.grad.numpy() for t in tensors]

    one = run(1)
    for threads in THREADS:
        assert_same_bits(one, run(threads), threads, ["output", "input", "weight", "bias"])


# --------------------------------------------------------------- convolutions

CONV_CASES = [
    # op, x shape, weight shape, kwargs; what runs where (BLAS path)
    # batch 1: one job, products cut over the threads; a single partial sum of gW
    ("conv2d", (1, 64, 40, 40), (48, 64, 3, 3), dict(padding=1)),
    # batch 2: two jobs, products cut; gW in 2 partial sums run side by side
    ("conv2d", (2, 16, 40, 40), (32, 16, 3, 3), dict(padding=1, stride=(1, 2))),
    # batch 4: jobs side by side with whole products, gW in 4 partial sums
    ("conv2d", (4, 16, 32, 32), (32, 16, 3, 3), dict(padding=1)),
    # several blocks of output rows per sample (256 channels x 9 taps: 2 MiB blocks)
    ("conv2d", (2, 256, 40, 24), (16, 256, 3, 3), dict(padding=1)),
    ("conv2d", (4, 32, 30, 30), (64, 8, 3, 3), dict(groups=4, padding=2, dilation=2)),
    ("conv1d", (8, 32, 500), (64, 32, 5), dict(padding=2)),
    ("conv1d", (1, 64, 3000), (32, 64, 3), dict(stride=2)),
    ("conv3d", (2, 8, 10, 12, 12), (16, 4, 3, 3, 3), dict(groups=2, padding=1)),
    ("conv3d", (4, 8, 8, 10, 10), (16, 8, 3, 3, 3), dict(padding=1)),
    ("conv_transpose1d", (4, 32, 300), (32, 16, 4), dict(stride=2, padding=1)),
    ("conv_transpose2d", (2, 32, 20, 20), (32, 16, 4, 4), dict(stride=2, padding=1)),
    ("conv_transpose2d", (4, 32, 16, 16), (32, 8, 3, 3), dict(groups=2, padding=1)),
    ("conv_transpose3d", (2, 16, 6, 8, 8), (16, 8, 3, 3, 3), dict(stride=2)),
    # depthwise kernels (depthwise.h): one job per plane, gW per output channel
    ("conv2d", (2, 32, 40, 40), (32, 1, 3, 3), dict(groups=32, padding=1)),
    ("conv2d", (3, 8, 30, 33), (16, 1, 5, 5), dict(groups=8, stride=2, padding=2)),
    ("conv1d", (4, 16, 900), (32, 1, 7), dict(groups=16, padding=3)),
    ("conv3d", (2, 8, 8, 12, 12), (8, 1, 3, 3, 3), dict(groups=8, padding=1)),
]


def _case_id(case):
    op, x_shape, w_shape, kwargs = case
    return f"{op}-x{'x'.join(map(str, x_shape))}-w{'x'.join(map(str, w_shape))}-" + ",".join(
        f"{k}={v}" for k, v in kwargs.items())


def _conv_run(op, x, w, b, gy, kwargs, threads):
    cynn.set_num_threads(threads)
    tensors = [cynn.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = getattr(F, op)(*tensors, **kwargs)
    y.backward(cynn.tensor(gy))
    return [y.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("case", CONV_CASES, ids=[_case_id(c) for c in CONV_CASES])
@pytest.mark.usefixtures("gemm_kernel", "restore_threads")
def test_convolution_forward_and_gradients(case, dtype):
    op, x_shape, w_shape, kwargs = case
    rng = np.random.default_rng(3)
    x = rng.standard_normal(x_shape).astype(dtype)
    w = rng.standard_normal(w_shape).astype(dtype)
    c_out = w_shape[1] * kwargs.get("groups", 1) if "transpose" in op else w_shape[0]
    b = rng.standard_normal(c_out).astype(dtype)
    y_shape = getattr(F, op)(cynn.tensor(x), cynn.tensor(w), cynn.tensor(b), **kwargs).shape
    gy = rng.standard_normal(y_shape).astype(dtype)
    one = _conv_run(op, x, w, b, gy, kwargs, 1)
    assert np.abs(one[2]).max() > 0   # the weight gradient really was summed
    for threads in THREADS:
        assert_same_bits(one, _conv_run(op, x, w, b, gy, kwargs, threads), threads,
                         ["output", "input gradient", "weight gradient", "bias gradient"])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.usefixtures("gemm_kernel")
def test_conv_kernels_with_small_blocks(dtype):
    """Many blocks of output rows per sample (block_bytes far below the default):
    the weight gradient's jobs fill 8 partial sums, several blocks of one sample in
    one sum and one sample's blocks spread over several."""
    from cynn._kernels import conv as kernels
    rng = np.random.default_rng(4)
    x = rng.standard_normal((3, 12, 1, 40, 37)).astype(dtype)
    w = rng.standard_normal((20, 12 * 9)).astype(dtype)
    geometry = (1, 3, 3, 1, 1, 1, 0, 1, 1, 1, 1, 1, 1, 40, 37)
    gy = rng.standard_normal((3, 20, 1, 40, 37)).astype(dtype)

    def run(threads):
        y = np.empty(gy.shape, dtype)
        kernels.conv_forward(x, w, w[0, :0], y, False, geometry, 1, threads, block_bytes=8192)
        gx = np.empty(x.shape, dtype)
        kernels.conv_backward_data(gy, w, gx, geometry, 1, threads, block_bytes=8192)
        gw = np.empty(w.shape, dtype)
        kernels.conv_backward_weight(x, gy, gw, geometry, 1, threads, block_bytes=8192)
        total = np.empty(20, dtype)
        kernels.channel_sum(gy.reshape(3, 20, -1), total, threads)
        return [y, gx, gw, total]

    one = run(1)
    for threads in THREADS + (7,):
        assert_same_bits(one, run(threads), threads,
                         ["output", "input gradient", "weight gradient", "bias gradient"])


# ---------------------------------------------------------------- elementwise

@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_relu(dtype):
    rng = np.random.default_rng(5)
    x = rng.standard_normal(100003).astype(dtype)
    gy = rng.standard_normal(x.size).astype(dtype)

    def run(threads):
        y, gx = np.empty_like(x), np.empty_like(x)
        ek.relu_forward(x, y, threads)
        ek.relu_backward(y, gy, gx, threads)
        return [y, gx]

    one = run(1)
    for threads in THREADS:
        assert_same_bits(one, run(threads), threads, ["output", "gradient"])
