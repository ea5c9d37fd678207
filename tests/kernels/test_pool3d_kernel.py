"""The kernels of ``pyx/pool3d.pyx`` and ``pyx/pool_fractional.pyx`` called directly:
against plain numpy loops, per dtype, and bit for bit the same at 1 and 2 threads
(shapes above the parallel threshold, so two threads really split the work)."""
import itertools

import numpy as np
import pytest

from cynn._kernels import pool3d as K
from cynn._kernels import pool_fractional as FK

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=1e-5, atol=1e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


def _x(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _out_size(n, k, s, p, d):
    return (n + 2 * p - d * (k - 1) - 1) // s + 1


def _windows(n, n_out, k, s, p, d=1):
    """In-input taps of every window along one axis."""
    return [[o * s - p + j * d for j in range(k) if 0 <= o * s - p + j * d < n]
            for o in range(n_out)]


def reference_max_pool(x, kernel, stride, padding, dilation):
    planes, *size = x.shape
    out = [_out_size(n, k, s, p, d) for n, k, s, p, d in zip(size, kernel, stride, padding,
                                                               dilation)]
    taps = [_windows(n, m, k, s, p, d) for n, m, k, s, p, d in zip(size, out, kernel, stride,
                                                                   padding, dilation)]
    y = np.empty((planes, *out), x.dtype)
    idx = np.empty((planes, *out), np.int64)
    flat = x.reshape(planes, -1)
    for o in itertools.product(*(range(m) for m in out)):
        cells = [np.ravel_multi_index(c, size)
                 for c in itertools.product(*(taps[a][o[a]] for a in range(3)))]
        best = np.argmax(flat[:, cells], axis=1)   # first maximum wins, as PyTorch's
        y[(slice(None),) + o] = flat[np.arange(planes), np.array(cells)[best]]
        idx[(slice(None),) + o] = np.array(cells)[best]
    return y, idx


def reference_avg_pool(x, kernel, stride, padding, count_include_pad, divisor_override):
    planes, *size = x.shape
    out = [_out_size(n, k, s, p, 1) for n, k, s, p in zip(size, kernel, stride, padding)]
    y = np.empty((planes, *out), x.dtype)
    for o in itertools.product(*(range(m) for m in out)):
        lo = [o[a] * stride[a] - padding[a] for a in range(3)]
        hi = [min(lo[a] + kernel[a], size[a] + padding[a]) for a in range(3)]
        padded = np.prod([h - low for h, low in zip(hi, lo)])
        lo_in = [max(v, 0) for v in lo]
        hi_in = [min(h, n) for h, n in zip(hi, size)]
        window = x[:, lo_in[0]:hi_in[0], lo_in[1]:hi_in[1], lo_in[2]:hi_in[2]]
        divisor = (divisor_override or (padded if count_include_pad else
                                        np.prod([h - low for h, low in zip(hi_in, lo_in)])))
        y[(slice(None),) + o] = window.sum((1, 2, 3)) / divisor
    return y


def reference_adaptive(x, out, reduce):
    planes, *size = x.shape
    y = np.empty((planes, *out), x.dtype)
    for o in itertools.product(*(range(m) for m in out)):
        cell = tuple(slice(o[a] * size[a] // out[a], -(-(o[a] + 1) * size[a] // out[a]))
                     for a in range(3))
        y[(slice(None),) + o] = reduce(x[(slice(None),) + cell].reshape(planes, -1), axis=1)
    return y


def both_thread_counts(run):
    """``run(n_threads)`` returns arrays; they must agree bit for bit at 1 and 2."""
    one, two = run(1), run(2)
    for a, b in zip(one, two):
        assert a.tobytes() == b.tobytes()
    return one


MAX_CASES = [((3, 2, 3), (3, 2, 3), (1, 1, 1), (1, 1, 1)),
             ((2, 2, 2), (1, 2, 1), (1, 0, 1), (2, 1, 2)),
             ((3, 3, 3), (2, 2, 2), (1, 1, 1), (1, 1, 1))]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride,padding,dilation", MAX_CASES)
def test_max_pool3d_forward_and_scatter_backward(dtype, kernel, stride, padding, dilation):
    x = _x((40, 9, 10, 11), dtype)
    out = tuple(_out_size(n, k, s, p, d) for n, k, s, p, d in zip(x.shape[1:], kernel, stride,
                                                                   padding, dilation))

    def forward(n_threads):
        y = np.empty((40,) + out, dtype)
        idx = np.empty(y.shape, np.int64)
        K.max_pool3d_forward(x, y, idx, kernel, stride, padding, dilation, n_threads)
        return y, idx
    y, idx = both_thread_counts(forward)
    want_y, want_idx = reference_max_pool(x, kernel, stride, padding, dilation)
    np.testing.assert_array_equal(y, want_y)
    np.testing.assert_array_equal(idx, want_idx)

    gy = _x(y.shape, dtype, 1)

    def backward(n_threads):
        gx = np.full((40, x[0].size), np.nan, dtype)
        n_bad = K.scatter_add_by_index(gy.reshape(40, -1), idx.reshape(40, -1), gx, n_threads)
        return gx, np.array(n_bad)
    gx, n_bad = both_thread_counts(backward)
    want = np.zeros((40, x[0].size))
    for p in range(40):
        np.add.at(want[p], idx[p].ravel(), gy[p].ravel())
    np.testing.assert_allclose(gx, want, **TOL[dtype])
    assert n_bad == 0


AVG_CASES = [((3, 2, 3), (3, 2, 3), (1, 1, 1), True, 0),
             ((3, 3, 3), (2, 2, 2), (1, 1, 1), False, 0),
             ((2, 3, 2), (1, 2, 2), (0, 1, 1), True, 0),
             ((2, 2, 2), (2, 1, 3), (1, 1, 0), True, -5)]


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("kernel,stride,padding,include,override", AVG_CASES)
def test_avg_pool3d_forward_backward(dtype, kernel, stride, padding, include, override):
    x = _x((40, 9, 10, 11), dtype)
    want = reference_avg_pool(x, kernel, stride, padding, include, override)

    def forward(n_threads):
        y = np.empty(want.shape, dtype)
        K.avg_pool3d_forward(x, y, kernel, stride, padding, include, override, n_threads)
        return (y,)
    (y,) = both_thread_counts(forward)
    np.testing.assert_allclose(y, want, **TOL[dtype])

    # the backward is the transpose of the forward: <avg(x), g> == <x, avg^T(g)>
    gy = _x(y.shape, dtype, 1)

    def backward(n_threads):
        gx = np.full(x.shape, np.nan, dtype)
        K.avg_pool3d_backward(gy, gx, kernel, stride, padding, include, override, n_threads)
        return (gx,)
    (gx,) = both_thread_counts(backward)
    np.testing.assert_allclose(np.vdot(y.astype(np.float64), gy),
                               np.vdot(x.astype(np.float64), gx), rtol=1e-4 if dtype ==
                               np.float32 else 1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("out", [(3, 4, 5), (9, 10, 11), (13, 4, 1), (1, 1, 1)])
def test_adaptive_pool3d_kernels(dtype, out):
    x = _x((40, 9, 10, 11), dtype)

    def forward(n_threads):
        mean = np.empty((40,) + out, dtype)
        top = np.empty((40,) + out, dtype)
        idx = np.empty(top.shape, np.int64)
        K.adaptive_pool3d_forward(x, mean, None, n_threads)
        K.adaptive_pool3d_forward(x, top, idx, n_threads)
        return mean, top, idx
    mean, top, idx = both_thread_counts(forward)
    np.testing.assert_allclose(mean, reference_adaptive(x, out, np.mean), **TOL[dtype])
    np.testing.assert_array_equal(top, reference_adaptive(x, out, np.max))
    np.testing.assert_array_equal(np.take_along_axis(x.reshape(40, -1), idx.reshape(40, -1), 1),
                                  top.reshape(40, -1))
    gy = _x(mean.shape, dtype, 1)

    def backward(n_threads):
        gx = np.full(x.shape, np.nan, dtype)
        K.adaptive_avg_pool3d_backward(gy, gx, n_threads)
        return (gx,)
    (gx,) = both_thread_counts(backward)
    np.testing.assert_allclose(np.vdot(mean.astype(np.float64), gy),
                               np.vdot(x.astype(np.float64), gx), rtol=1e-4 if dtype ==
                               np.float32 else 1e-10)


@pytest.mark.parametrize("dtype", DTYPES)
def test_index_scatter_and_gather_skip_and_count_bad_indices(dtype):
    rng = np.random.default_rng(3)
    x = _x((600, 70), dtype)
    idx = rng.integers(-5, 205, size=x.shape)
    bad = (idx < 0) | (idx >= 200)

    def scatter(n_threads):
        y = np.full((600, 200), np.nan, dtype)
        return y, np.array(K.scatter_by_index(x, idx, y, n_threads))
    y, n_bad = both_thread_counts(scatter)
    assert n_bad == bad.sum()
    want = np.zeros((600, 200), dtype)
    for p in range(600):
        for k in range(70):   # in order: a repeated index keeps the last value
            if not bad[p, k]:
                want[p, idx[p, k]] = x[p, k]
    np.testing.assert_array_equal(y, want)

    def gather(n_threads):
        gx = np.full(x.shape, np.nan, dtype)
        return gx, np.array(K.gather_by_index(want, idx, gx, n_threads))
    gx, n_bad = both_thread_counts(gather)
    assert n_bad == bad.sum()
    np.testing.assert_array_equal(gx, np.where(bad, 0, np.take_along_axis(
        want, np.clip(idx, 0, 199), 1)))

    def scatter_add(n_threads):
        gx = np.full((600, 200), np.nan, dtype)
        return gx, np.array(K.scatter_add_by_index(x, idx, gx, n_threads))
    gx, n_bad = both_thread_counts(scatter_add)
    assert n_bad == bad.sum()
    want = np.zeros((600, 200))
    for p in range(600):
        np.add.at(want[p], idx[p][~bad[p]], x[p][~bad[p]])
    np.testing.assert_allclose(gx, want, **TOL[dtype])


def reference_starts(u, n, m, k, dtype):
    """Graham's window starts, in the data's float type."""
    starts = np.empty(m, np.int64)
    if m > 1:
        alpha = dtype(n - k) / dtype(m - 1)
        for i in range(m - 1):
            starts[i] = int((dtype(i) + u) * alpha) - int(u * alpha)
    starts[m - 1] = n - k
    return starts


@pytest.mark.parametrize("dtype", DTYPES)
def test_fractional_window_starts_and_pooling(dtype):
    rng = np.random.default_rng(4)
    x = _x((300, 7, 20, 31), dtype)
    kernel, out = (2, 3, 2), (4, 9, 17)
    samples = rng.random((300, 3)).astype(dtype)

    def run(n_threads):
        starts = [np.empty((300, m), np.int64) for m in out]
        FK.window_starts(samples, *starts, *x.shape[1:], *kernel, n_threads)
        y = np.empty((300,) + out, dtype)
        idx = np.empty(y.shape, np.int64)
        FK.fractional_max_pool_forward(x, *starts, y, idx, *kernel, n_threads)
        return (*starts, y, idx)
    t0, h0, w0, y, idx = both_thread_counts(run)
    for p in (0, 17, 299):
        for axis, got in enumerate((t0, h0, w0)):
            np.testing.assert_array_equal(got[p], reference_starts(
                samples[p, axis], x.shape[axis + 1], out[axis], kernel[axis], dtype))
        for o in itertools.product(*(range(m) for m in out)):
            s = (t0[p, o[0]], h0[p, o[1]], w0[p, o[2]])
            window = x[p, s[0]:s[0] + 2, s[1]:s[1] + 3, s[2]:s[2] + 2]
            assert y[(p,) + o] == window.max()
            assert x[p].ravel()[idx[(p,) + o]] == window.max()


def test_fractional_windows_outside_the_input_are_clipped():
    # samples outside [0, 1) can place a window partly outside the input
    x = _x((2, 1, 6, 6), np.float64)
    starts = [np.zeros((2, 1), np.int64), np.array([[-2, 4], [5, 7]]), np.array([[-1, 5], [0, 9]])]
    y = np.empty((2, 1, 2, 2))
    idx = np.empty(y.shape, np.int64)
    FK.fractional_max_pool_forward(x, *starts, y, idx, 1, 3, 2, 1)
    assert y[0, 0, 0, 0] == x[0, 0, 0, 0]           # only row 0, column 0 inside
    assert y[1, 0, 1, 1] == -np.inf                  # wholly outside: no tap read
    assert y[0, 0, 1, 1] == x[0, 0, 4:, 5:].max()   # cut at the far edges
