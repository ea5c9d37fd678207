"""pyx/norm.pyx: each kernel against a float64 numpy reference per dtype, on sizes either
side of the statistics block (2048) and of the parallel threshold; the same bits at 1
and 2 threads; inputs with a large common offset, where torch's own float32 result is
~1e-3 off and cynn is compared with torch in float64 instead."""
import numpy as np
import pytest
import torch

import cynn
import cynn.nn.functional as F
from cynn._kernels import norm as kn

TOL = {np.float32: dict(rtol=1e-4, atol=1e-5), np.float64: dict(rtol=1e-10, atol=1e-12)}
# Statistics: float32 blocks are summed in float32 (then merged in float64), so the mean
# is within ~1e-8 of the data's spread; float64 to rounding.
STAT_TOL = {np.float32: dict(rtol=1e-6, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-12)}
EPS = 1e-5


def _data(shape, dtype, seed, offset=0.0):
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(shape) * 1.5 + offset).astype(dtype)


def _reference(x, axes, eps=EPS):
    """mean, biased variance, xhat in float64 over ``axes`` (kept)."""
    x64 = x.astype(np.float64)
    mean = x64.mean(axis=axes, keepdims=True)
    var = ((x64 - mean) ** 2).mean(axis=axes, keepdims=True)
    return mean, var, (x64 - mean) / np.sqrt(var + eps)


def _assert_sums_close(got, terms, axis, dtype):
    """A sum kept in float32 partial sums is exact to a few ulps of the sum of the
    terms' magnitudes (not of the sum itself, which may cancel to near 0)."""
    scale = {np.float32: 1e-6, np.float64: 1e-12}[dtype]
    err = np.abs(got - terms.sum(axis=axis))
    assert np.all(err <= scale * np.abs(terms).sum(axis=axis) + 1e-12), err.max()


def _input_grad(gxhat, xhat, var, axes, eps=EPS):
    mean_g = gxhat.mean(axis=axes, keepdims=True)
    mean_gx = (gxhat * xhat).mean(axis=axes, keepdims=True)
    return (gxhat - mean_g - xhat * mean_gx) / np.sqrt(var + eps)


# (N, C, S): S across the block size, one sample, one channel, many short segments
BN_SHAPES = [(4, 3, 5), (2, 3, 2048), (3, 2, 2049), (2, 5, 4500), (1, 4, 300), (64, 1, 17),
             (8, 64, 100)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", BN_SHAPES)
def test_batch_norm_train_forward_and_backward_match_numpy(dtype, shape):
    x = _data(shape, dtype, 1, offset=0.7)
    gy = _data(shape, dtype, 2)
    w, b = _data(shape[1], np.float64, 3), _data(shape[1], np.float64, 4)
    c = shape[1]
    mean, var, invstd = np.empty(c), np.empty(c), np.empty(c)
    y = np.empty_like(x)
    kn.batch_norm_train_forward(x, w, b, EPS, mean, var, invstd, y, 2)
    ref_mean, ref_var, xhat = _reference(x, (0, 2))
    np.testing.assert_allclose(mean, ref_mean.ravel(), **STAT_TOL[dtype])
    np.testing.assert_allclose(var, ref_var.ravel(), **STAT_TOL[dtype])
    np.testing.assert_allclose(invstd, 1 / np.sqrt(ref_var.ravel() + EPS), **STAT_TOL[dtype])
    np.testing.assert_allclose(y, xhat * w[:, None] + b[:, None], **TOL[dtype])

    sum_gy, sum_gy_xhat = np.empty((shape[0], c)), np.empty((shape[0], c))
    gx = np.empty_like(x)
    kn.batch_norm_backward(x, gy, mean, invstd, w, sum_gy, sum_gy_xhat, gx, True, 2)
    gy64 = gy.astype(np.float64)
    _assert_sums_close(sum_gy, gy64, 2, dtype)
    _assert_sums_close(sum_gy_xhat, gy64 * xhat, 2, dtype)
    expected = _input_grad(gy64 * w[:, None], xhat, ref_var, (0, 2))
    np.testing.assert_allclose(gx, expected, **TOL[dtype])


# (N, C, S) of the column kernels: rows across blocks of 64, columns across tiles of 256
COLUMN_SHAPES = [(130, 300, 1), (70, 40, 7), (3, 5, 2), (64, 256, 1)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape", COLUMN_SHAPES)
def test_batch_norm_columns_match_numpy(dtype, shape):
    n, c, size = shape
    x = _data(shape, dtype, 23, offset=-1.0)
    gy = _data(shape, dtype, 24)
    w, b = _data(c, np.float64, 25), _data(c, np.float64, 26)
    mean, var, invstd = np.empty(c), np.empty(c), np.empty(c)
    y = np.empty_like(x)
    blocks = -(-n // kn.ROWS_PER_PARTIAL)
    kn.batch_norm_columns_train_forward(
        x.reshape(n, -1), size, w, b, EPS, mean, var, invstd, y.reshape(n, -1),
        np.empty((blocks, c * size)), np.empty((blocks, c * size)),
        np.empty((4, c * size), dtype), 2)
    ref_mean, ref_var, xhat = _reference(x, (0, 2))
    np.testing.assert_allclose(mean, ref_mean.ravel(), **STAT_TOL[dtype])
    np.testing.assert_allclose(var, ref_var.ravel(), **STAT_TOL[dtype])
    np.testing.assert_allclose(y, xhat * w[:, None] + b[:, None], **TOL[dtype])

    sum_gy, sum_gy_xhat = np.empty(c), np.empty(c)
    gx = np.empty_like(x)
    kn.batch_norm_columns_backward(
        x.reshape(n, -1), gy.reshape(n, -1), size, mean, invstd, w, sum_gy, sum_gy_xhat,
        gx.reshape(n, -1), True, np.empty((blocks, c * size)), np.empty((blocks, c * size)),
        np.empty(c * size), np.empty((5, c * size), dtype), 2)
    gy64 = gy.astype(np.float64)
    _assert_sums_close(sum_gy, gy64.transpose(1, 0, 2).reshape(c, -1), 1, dtype)
    _assert_sums_close(sum_gy_xhat, (gy64 * xhat).transpose(1, 0, 2).reshape(c, -1), 1, dtype)
    expected = _input_grad(gy64 * w[:, None], xhat, ref_var, (0, 2))
    np.testing.assert_allclose(gx, expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_column_affine_matches_numpy(dtype):
    x = _data((5, 600), dtype, 27)
    mean = _data(600, np.float64, 28, offset=100.0)
    hi = mean.astype(dtype)
    scale, shift = _data(600, dtype, 29), _data(600, dtype, 30)
    y = np.empty_like(x)
    kn.column_affine(x, hi, (mean - hi).astype(dtype), scale, shift, y, 2)
    expected = (x.astype(np.float64) - mean) * scale + shift
    np.testing.assert_allclose(y, expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_channel_affine_is_eval_batch_norm(dtype):
    x = _data((3, 4, 70), dtype, 5)
    mean, scale, shift = _data(4, np.float64, 6), _data(4, np.float64, 7), _data(4, np.float64, 8)
    y = np.empty_like(x)
    kn.channel_affine(x, mean, scale, shift, y, 2)
    expected = (x.astype(np.float64) - mean[:, None]) * scale[:, None] + shift[:, None]
    np.testing.assert_allclose(y, expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape, groups", [((2, 6, 5), 3), ((3, 4, 1100), 2), ((2, 8, 1), 4),
                                           ((1, 2, 4096), 1), ((4, 32, 49), 32)])
def test_group_norm_forward_and_backward_match_numpy(dtype, shape, groups):
    n, c, s = shape
    x = _data(shape, dtype, 9, offset=-2.0)
    gy = _data(shape, dtype, 10)
    w, b = _data(c, np.float64, 11), _data(c, np.float64, 12)
    mean, var, invstd = np.empty(n * groups), np.empty(n * groups), np.empty(n * groups)
    y = np.empty_like(x)
    kn.group_norm_forward(x, groups, w, b, EPS, mean, var, invstd, y, 2)
    grouped = x.reshape(n, groups, -1)
    ref_mean, ref_var, xhat = _reference(grouped, (2,))
    np.testing.assert_allclose(mean, ref_mean.ravel(), **STAT_TOL[dtype])
    np.testing.assert_allclose(var, ref_var.ravel(), **STAT_TOL[dtype])
    xhat = xhat.reshape(shape)
    np.testing.assert_allclose(y, xhat * w[:, None] + b[:, None], **TOL[dtype])

    sum_gy, sum_gy_xhat = np.empty((n, c)), np.empty((n, c))
    gx = np.empty_like(x)
    kn.group_norm_backward(x, gy, groups, mean, invstd, w, sum_gy, sum_gy_xhat, gx, True, 2)
    gy64 = gy.astype(np.float64)
    _assert_sums_close(sum_gy, gy64, 2, dtype)
    _assert_sums_close(sum_gy_xhat, gy64 * xhat, 2, dtype)
    gxhat = (gy64 * w[:, None]).reshape(n, groups, -1)
    expected = _input_grad(gxhat, xhat.reshape(n, groups, -1), ref_var, (2,)).reshape(shape)
    np.testing.assert_allclose(gx, expected, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("rows, length", [(5, 7), (130, 768), (3, 5000), (1, 3)])
def test_layer_norm_forward_and_backward_match_numpy(dtype, rows, length):
    x = _data((rows, length), dtype, 13, offset=3.0)
    gy = _data((rows, length), dtype, 14)
    w, b = _data(length, dtype, 15), _data(length, dtype, 16)
    mean, invstd = np.empty(rows), np.empty(rows)
    y = np.empty_like(x)
    kn.layer_norm_forward(x, w, b, EPS, mean, invstd, y, 2)
    ref_mean, ref_var, xhat = _reference(x, (1,))
    np.testing.assert_allclose(mean, ref_mean.ravel(), **STAT_TOL[dtype])
    np.testing.assert_allclose(y, xhat * w + b, **TOL[dtype])

    blocks = -(-rows // kn.ROWS_PER_PARTIAL)
    part_gw, part_gb = np.empty((blocks, length)), np.empty((blocks, length))
    gx = np.empty_like(x)
    kn.layer_norm_backward(x, gy, mean, invstd, w, gx, part_gw, part_gb, True, True, 2)
    gy64 = gy.astype(np.float64)
    np.testing.assert_allclose(gx, _input_grad(gy64 * w, xhat, ref_var, (1,)), **TOL[dtype])
    _assert_sums_close(part_gw.sum(axis=0), gy64 * xhat, 0, dtype)
    _assert_sums_close(part_gb.sum(axis=0), gy64, 0, dtype)


# ------------------------------------------------------------ a large common offset

def _torch64(fn, x, gy):
    """torch's result on the float32 values computed in float64: the truth up to
    float64 rounding (torch's float32 kernels fold the mean into ``x * scale + shift``
    and lose ~1e-3 at an offset of 1e4)."""
    t = torch.tensor(x.astype(np.float64), requires_grad=True)
    y = fn(torch, t)
    y.backward(torch.tensor(gy.astype(np.float64)))
    return y.detach().numpy(), t.grad.numpy()


LARGE_MEAN_CASES = {
    "batch_norm": (lambda lib, a: lib.nn.functional.batch_norm(a, None, None, training=True),
                   (8, 16, 9, 9)),
    "batch_norm_1d": (lambda lib, a: lib.nn.functional.batch_norm(a, None, None,
                                                                  training=True), (256, 8)),
    "layer_norm": (lambda lib, a: lib.nn.functional.layer_norm(a, (768,)), (16, 768)),
    "group_norm": (lambda lib, a: lib.nn.functional.group_norm(a, 4), (4, 8, 30, 30)),
    "instance_norm": (lambda lib, a: lib.nn.functional.instance_norm(a), (2, 3, 50, 50)),
}


@pytest.mark.parametrize("name", sorted(LARGE_MEAN_CASES))
@pytest.mark.parametrize("offset", [1e4, -3e5])
def test_large_offsets_do_not_cancel(name, offset):
    fn, shape = LARGE_MEAN_CASES[name]
    x = _data(shape, np.float32, 17, offset=offset)
    gy = _data(shape, np.float32, 18)
    want_y, want_gx = _torch64(fn, x, gy)
    a = cynn.tensor(x, requires_grad=True)
    y = fn(cynn, a)
    y.backward(cynn.tensor(gy))
    np.testing.assert_allclose(y.detach().numpy(), want_y, rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(a.grad.numpy(), want_gx, rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------ thread counts

THREAD_CASES = {
    "batch_norm_train": (lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                         (8, 16, 40, 40), (16,)),
    "batch_norm_1d": (lambda a, w, b: F.batch_norm(a, None, None, w, b, training=True),
                      (4096, 24), (24,)),
    "batch_norm_eval": (lambda a, w, b: F.batch_norm(
        a, cynn.full((16,), 0.3, dtype=w.dtype), cynn.full((16,), 2.0, dtype=w.dtype), w, b,
        training=False),
        (8, 16, 40, 40), (16,)),
    "group_norm": (lambda a, w, b: F.group_norm(a, 4, w, b), (4, 16, 40, 40), (16,)),
    "layer_norm": (lambda a, w, b: F.layer_norm(a, (768,), w, b), (300, 768), (768,)),
    "instance_norm": (lambda a, w, b: F.instance_norm(a, weight=w, bias=b), (4, 16, 40, 40),
                      (16,)),
}


def _run(fn, x, w, b, gy, threads):
    cynn.set_num_threads(threads)
    tensors = [cynn.tensor(a, requires_grad=True) for a in (x, w, b)]
    y = fn(*tensors)
    y.backward(cynn.tensor(gy))
    return [y.detach().numpy()] + [t.grad.numpy() for t in tensors]


@pytest.mark.parametrize("name", sorted(THREAD_CASES))
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_same_bits_at_one_and_two_threads(name, dtype):
    fn, shape, wshape = THREAD_CASES[name]
    x, gy = _data(shape, dtype, 19, offset=5.0), _data(shape, dtype, 20)
    w, b = _data(wshape, dtype, 21), _data(wshape, dtype, 22)
    previous = cynn.get_num_threads()
    try:
        one = _run(fn, x, w, b, gy, 1)
        two = _run(fn, x, w, b, gy, 2)
    finally:
        cynn.set_num_threads(previous)
    for label, a, c in zip(("y", "gx", "gw", "gb"), one, two):
        assert a.dtype == c.dtype == dtype
        assert a.tobytes() == c.tobytes(), f"{label} differs between 1 and 2 threads"


def test_kernels_check_every_shape_before_running():
    x = np.ones((2, 3, 4), np.float32)
    y_wrong = np.empty((2, 3, 5), np.float32)
    per_channel, wrong = np.ones(3), np.ones(2)
    with pytest.raises(ValueError, match="y has shape"):
        kn.batch_norm_train_forward(x, per_channel, per_channel, EPS, np.empty(3), np.empty(3),
                                    np.empty(3), y_wrong, 1)
    with pytest.raises(ValueError, match="weight has shape"):
        kn.batch_norm_train_forward(x, wrong, per_channel, EPS, np.empty(3), np.empty(3),
                                    np.empty(3), np.empty_like(x), 1)
    with pytest.raises(ValueError, match="groups dividing C"):
        kn.group_norm_forward(x, 2, per_channel, per_channel, EPS, np.empty(4), np.empty(4),
                              np.empty(4), np.empty_like(x), 1)
    with pytest.raises(ValueError, match="non-empty"):
        kn.layer_norm_forward(np.ones((0, 4), np.float32), np.ones(4, np.float32),
                              np.ones(4, np.float32), EPS, np.empty(0), np.empty(0),
                              np.ones((0, 4), np.float32), 1)
