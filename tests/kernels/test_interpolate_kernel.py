"""The kernels of ``pyx/interpolate.pyx``, ``pyx/im2col.pyx`` and
``pyx/grid_sample.pyx`` called directly: against plain numpy, per dtype; their
transposes are adjoint to them (<A x, y> = <x, A^T y>); tables that point outside
the array are refused before any loop runs; grid_taps follows a numpy transcription
of PyTorch's coordinate rules; and results are bit for bit the same at 1 and 2
threads (shapes above the parallel thresholds)."""
import math

import numpy as np
import pytest

from cynn._kernels import grid_sample as G
from cynn._kernels import im2col as I
from cynn._kernels import interpolate as K

DTYPES = [np.float32, np.float64]
TOL = {np.float32: dict(rtol=1e-5, atol=1e-5), np.float64: dict(rtol=1e-12, atol=1e-12)}


def _x(shape, dtype, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _table(n_out, n_in, taps, dtype, seed=1):
    rng = np.random.default_rng(seed)
    return (rng.integers(0, n_in, (n_out, taps)).astype(np.int64),
            rng.standard_normal((n_out, taps)).astype(dtype))


def _resample_reference(x, idx, w):
    # y[b, o, i] = sum_k w[o, k] * x[b, idx[o, k], i]
    return np.einsum("ok,boki->boi", w.astype(np.float64), x.astype(np.float64)[:, idx, :])


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("shape,n_out,taps", [((3, 7, 5), 11, 2), ((4, 9, 1), 4, 4),
                                              ((2, 1, 3), 5, 1), ((0, 4, 2), 3, 2)])
def test_resample_against_numpy_and_adjoint(dtype, shape, n_out, taps):
    x = _x(shape, dtype)
    idx, w = _table(n_out, shape[1], taps, dtype)
    y = np.empty((shape[0], n_out, shape[2]), dtype)
    K.resample_forward(x, idx, w, y, 2)
    np.testing.assert_allclose(y, _resample_reference(x, idx, w), **TOL[dtype])
    gy = _x(y.shape, dtype, seed=2)
    gx = np.full(shape, np.nan, dtype)   # the kernel must overwrite every element
    K.resample_backward(gy, idx, w, gx, 2)
    np.testing.assert_allclose(np.vdot(y.astype(np.float64), gy), np.vdot(x, gx.astype(np.float64)),
                               rtol=1e-4 if dtype == np.float32 else 1e-10, atol=1e-6)


@pytest.mark.parametrize("bad", [-1, 7])
def test_resample_refuses_out_of_range_tables(bad):
    x = _x((2, 7, 3), np.float32)
    idx, w = _table(4, 7, 2, np.float32)
    idx[2, 1] = bad
    with pytest.raises(ValueError, match="outside"):
        K.resample_forward(x, idx, w, np.empty((2, 4, 3), np.float32), 1)
    with pytest.raises(ValueError, match="outside"):
        K.resample_backward(np.zeros((2, 4, 3), np.float32), idx, w, x.copy(), 1)
    with pytest.raises(ValueError, match="tables"):
        K.resample_forward(x, idx[:3], w, np.empty((2, 4, 3), np.float32), 1)


def _im2col_reference(x, k, s, p, d):
    planes, h, w = x.shape
    padded = np.zeros((planes, h + 2 * p[0], w + 2 * p[1]), np.float64)
    padded[:, p[0]:p[0] + h, p[1]:p[1] + w] = x
    ho = (h + 2 * p[0] - d[0] * (k[0] - 1) - 1) // s[0] + 1
    wo = (w + 2 * p[1] - d[1] * (k[1] - 1) - 1) // s[1] + 1
    col = np.empty((planes, k[0] * k[1], ho * wo))
    for i in range(k[0]):
        for j in range(k[1]):
            rows = padded[:, i * d[0]:i * d[0] + s[0] * (ho - 1) + 1:s[0],
                          j * d[1]:j * d[1] + s[1] * (wo - 1) + 1:s[1]]
            col[:, i * k[1] + j] = rows.reshape(planes, -1)
    return col


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("geometry", [((3, 3), (1, 1), (1, 1), (1, 1)),
                                      ((2, 3), (2, 1), (0, 2), (2, 1)),
                                      ((1, 1), (3, 2), (0, 0), (1, 1))])
def test_im2col_against_numpy_and_adjoint(dtype, geometry):
    k, s, p, d = geometry
    x = _x((5, 8, 9), dtype)
    ref = _im2col_reference(x, k, s, p, d)
    col = np.full(ref.shape, np.nan, dtype)
    I.im2col(x, col, k, s, p, d, 2)
    np.testing.assert_allclose(col, ref, **TOL[dtype])
    gcol = _x(col.shape, dtype, seed=3)
    gx = np.full(x.shape, np.nan, dtype)
    I.col2im(gcol, gx, k, s, p, d, 2)
    np.testing.assert_allclose(np.vdot(ref, gcol), np.vdot(x, gx.astype(np.float64)),
                               rtol=1e-4 if dtype == np.float32 else 1e-10)


def test_im2col_refuses_mismatched_geometry():
    x = _x((2, 5, 5), np.float32)
    with pytest.raises(ValueError, match="do not match"):
        I.im2col(x, np.empty((2, 9, 10), np.float32), (3, 3), (1, 1), (0, 0), (1, 1), 1)
    with pytest.raises(ValueError, match="positive"):
        I.col2im(np.empty((2, 9, 9), np.float32), x, (3, 3), (0, 1), (0, 0), (1, 1), 1)
    with pytest.raises(ValueError, match="does not fit"):
        I.im2col(x, np.empty((2, 49, 1), np.float32), (7, 7), (1, 1), (0, 0), (1, 1), 1)


@pytest.mark.parametrize("dtype", DTYPES)
def test_gather_against_numpy_and_adjoint(dtype):
    rng = np.random.default_rng(4)
    n, c, plane, points, taps, dims = 3, 4, 20, 11, 4, 2
    x = _x((n, c, plane), dtype)
    idx = rng.integers(-1, plane, (n, points, taps)).astype(np.int64)
    w = _x((n, points, taps), dtype, seed=5)
    dw = _x((n, points, taps, dims), dtype, seed=6)
    padded = np.concatenate([x, np.zeros((n, c, 1), dtype)], axis=2).astype(np.float64)
    taken = np.take_along_axis(padded[:, :, None, :],
                               np.where(idx < 0, plane, idx)[:, None, :, :].reshape(
                                   n, 1, points * taps)[:, :, None, :].repeat(1, 1), axis=3)
    taken = taken.reshape(n, c, points, taps)      # x[n, c, idx[n, p, k]] (0 for -1)
    y = np.empty((n, c, points), dtype)
    G.gather_forward(x, idx, w, y, 2)
    np.testing.assert_allclose(y, np.einsum("npk,ncpk->ncp", w, taken), **TOL[dtype])
    gy = _x(y.shape, dtype, seed=7)
    gx = np.full(x.shape, np.nan, dtype)
    G.gather_backward_input(gy, idx, w, gx, 2)
    np.testing.assert_allclose(np.vdot(y.astype(np.float64), gy),
                               np.vdot(x.astype(np.float64), gx),
                               rtol=1e-4 if dtype == np.float32 else 1e-10)
    g = np.full((n, points, dims), np.nan, dtype)
    G.gather_backward_coords(x, gy, idx, dw, g, 2)
    np.testing.assert_allclose(g, np.einsum("ncp,npkd,ncpk->npd", gy, dw, taken), **TOL[dtype])


def test_gather_refuses_out_of_range_taps():
    x = _x((1, 2, 5), np.float32)
    idx = np.zeros((1, 3, 1), np.int64)
    idx[0, 1, 0] = 5
    with pytest.raises(ValueError, match="outside"):
        G.gather_forward(x, idx, np.ones((1, 3, 1), np.float32), np.empty((1, 2, 3), np.float32), 1)
    idx[0, 1, 0] = -2
    with pytest.raises(ValueError, match="outside"):
        G.gather_backward_input(np.ones((1, 2, 3), np.float32), idx,
                                np.ones((1, 3, 1), np.float32), x.copy(), 1)


# ---------------------------------------------------------------------------------------
# grid_taps against a numpy transcription of PyTorch's grid-sampler coordinate rules
# (unnormalize, clip/reflect with their derivatives, bilinear/nearest/bicubic weights).

def _unnormalize(u, size, align_corners):
    """Grid coordinate in [-1, 1] -> pixel coordinate, and its derivative."""
    if align_corners:
        return (u + 1) / 2 * (size - 1), (size - 1) / 2
    return ((u + 1) * size - 1) / 2, size / 2


def _clip(c, size):
    """Clamped to [0, size - 1]; derivative 1 strictly inside, else 0. NaN lands on
    the far border, as in PyTorch's min(size - 1, max(c, 0))."""
    inside = (c > 0) & (c < size - 1)
    clipped = np.where(np.isnan(c), size - 1, np.clip(c, 0, size - 1)).astype(c.dtype)
    return clipped, inside.astype(c.dtype)


def _reflect(c, twice_low, twice_high):
    """Reflected into [low, high] about its borders as often as it takes; derivative
    +-1 by the parity of the reflections and the side it came from."""
    if twice_low == twice_high:
        return np.zeros_like(c), np.zeros_like(c)
    low, span = twice_low / 2, (twice_high - twice_low) / 2
    c = c - low
    sign = np.where(c < 0, -1.0, 1.0).astype(c.dtype)
    c = np.abs(c)
    extra = np.fmod(c, span)
    flips = np.floor(c / span)
    even = np.fmod(flips, 2) == 0
    return (np.where(even, extra + low, span - extra + low).astype(c.dtype),
            np.where(even, sign, -sign).astype(c.dtype))


def _pad_coordinates(c, size, padding_mode, align_corners):
    """``c`` moved inside the input as ``padding_mode`` says, and d(new)/d(c)."""
    one = np.ones_like(c)
    if padding_mode == "border":
        return _clip(c, size)
    if padding_mode == "reflection":
        if align_corners:
            c, d = _reflect(c, 0, 2 * (size - 1))
        else:
            c, d = _reflect(c, -1, 2 * size - 1)
        c, d2 = _clip(c, size)
        return c, d * d2
    return c, one


def _cubic_weights(t):
    """Cubic convolution (A = -0.75) weights of taps -1, 0, 1, 2 at fraction t, and
    their derivatives in t."""
    a = -0.75

    def near(s):        # |s| <= 1
        return ((a + 2) * s - (a + 3)) * s * s + 1

    def far(s):         # 1 < |s| < 2
        return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a

    def d_near(s):
        return (3 * (a + 2) * s - 2 * (a + 3)) * s

    def d_far(s):
        return (3 * a * s - 10 * a) * s + 8 * a

    w = [far(t + 1), near(t), near(1 - t), far(2 - t)]
    dw = [d_far(t + 1), d_near(t), -d_near(1 - t), -d_far(2 - t)]
    return w, dw


def _axis_taps(u, size, mode, padding_mode, align_corners):
    """Taps of coordinates ``u`` (N, P) along an input axis of ``size``: index,
    in-bounds mask, weight and d weight / d u, each (N, P, taps)."""
    c, mult = _unnormalize(u, size, align_corners)
    if mode == "bicubic":
        f = np.floor(c)
        ws, dws = _cubic_weights(c - f)
        # the weights follow the unpadded position; each tap is padded on its own
        pos, _ = _pad_coordinates(f[..., None] + np.arange(-1, 3, dtype=c.dtype), size,
                                  padding_mode, align_corners)
        w = np.stack(ws, -1)
        dw = np.stack(dws, -1) * mult
    else:
        c, d = _pad_coordinates(c, size, padding_mode, align_corners)
        mult = (d * mult)[..., None]
        if mode == "nearest":
            pos = np.rint(c)[..., None]
            w, dw = np.ones_like(pos), np.zeros_like(pos)
        else:
            f = np.floor(c)[..., None]
            t = c[..., None] - f
            pos = f + np.array([0, 1], c.dtype)
            w = np.concatenate([1 - t, t], -1)
            dw = mult * np.array([-1, 1], c.dtype)
    # NaN and far-away coordinates are simply out of bounds: compare as floats and
    # convert only in-bounds positions to integers
    valid = (pos >= 0) & (pos <= size - 1)
    return np.where(valid, pos, 0).astype(np.int64), valid, w, dw


def _outer(arrays, op):
    """(N, P, k0), (N, P, k1), ... -> (N, P, k0 * k1 * ...), the first axis slowest."""
    out = arrays[0]
    for a in arrays[1:]:
        out = op(out[..., :, None], a[..., None, :])
        out = out.reshape(out.shape[:2] + (out.shape[2] * out.shape[3],))
    return out


def reference_grid_taps(grid, spatial, mode, padding_mode, align_corners, need_grad):
    """The taps PyTorch's grid sampler reads, in numpy (the same float precision as
    the grid): flat index (-1 = zero padding), weight, d weight / d grid."""
    n, dims = grid.shape[0], grid.shape[-1]
    pts = grid.reshape(n, math.prod(grid.shape[1:-1]), dims)
    # grid coordinate d indexes input axis -1 - d: x the width, y the height, z the depth
    taps = [_axis_taps(pts[..., d], spatial[dims - 1 - d], mode, padding_mode, align_corners)
            for d in range(dims)]
    strides = [math.prod(spatial[dims - d:]) for d in range(dims)]
    flat = _outer([t[0] * s for t, s in zip(taps, strides)], np.add)
    valid = _outer([t[1] for t in taps], np.logical_and)
    idx = np.ascontiguousarray(np.where(valid, flat, -1))
    w = np.ascontiguousarray(_outer([t[2] for t in taps], np.multiply), grid.dtype)
    dw = None
    if need_grad:
        dw = np.stack([_outer([t[3] if e == d else t[2] for e, t in enumerate(taps)],
                              np.multiply) for d in range(dims)], axis=-1)
        dw = np.ascontiguousarray(dw, grid.dtype)
    return idx, w, dw


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", ["zeros", "border", "reflection"])
@pytest.mark.parametrize("mode,spatial", [("bilinear", (5, 7)), ("nearest", (5, 7)),
                                          ("bicubic", (5, 7)), ("bilinear", (3, 4, 6)),
                                          ("nearest", (3, 1, 6)), ("bilinear", (1, 1))])
def test_grid_taps_against_numpy(mode, spatial, padding_mode, align_corners, dtype):
    from cynn.autograd.functions.vision import grid_taps
    dims = len(spatial)
    grid = np.random.default_rng(11).uniform(-3, 3, (2, 40, dims)).astype(dtype)
    grid[0, :4, 0] = [np.nan, np.inf, -np.inf, 1e30]
    grid[1, :3, -1] = [-1, 1, 0]
    got = grid_taps(grid, spatial, mode, padding_mode, align_corners, True)
    with np.errstate(invalid="ignore", over="ignore"):   # the non-finite coordinates
        want = reference_grid_taps(grid, spatial, mode, padding_mode, align_corners, True)
    np.testing.assert_array_equal(got[0], want[0])
    finite = np.isfinite(want[1])
    np.testing.assert_array_equal(np.isfinite(got[1]), finite)
    np.testing.assert_allclose(got[1][finite], want[1][finite], **TOL[dtype])
    finite = np.isfinite(want[2])
    np.testing.assert_allclose(got[2][finite], want[2][finite], **TOL[dtype])


def test_grid_taps_refuses_bad_tables():
    grid = np.zeros((1, 3, 2), np.float32)
    with pytest.raises(ValueError, match="must be"):
        G.grid_taps(grid, (4, 4), G.BILINEAR, G.ZEROS, False, np.empty((1, 3, 2), np.int64),
                    np.empty((1, 3, 4), np.float32), None, 1)
    with pytest.raises(ValueError, match="rank"):
        G.grid_taps(grid, (4, 4, 4), G.BILINEAR, G.ZEROS, False,
                    np.empty((1, 3, 4), np.int64), np.empty((1, 3, 4), np.float32), None, 1)


def _bitwise_same(run):
    a, b = run(1), run(2)
    for u, v in zip(a, b):
        assert np.array_equal(u, v)


def test_threads_bitwise_identical():
    x = _x((64, 40, 48), np.float32)
    idx, w = _table(90, 40, 4, np.float32)

    def resample(n):
        y = np.empty((64, 90, 48), np.float32)
        gx = np.empty_like(x)
        K.resample_forward(x, idx, w, y, n)
        K.resample_backward(y, idx, w, gx, n)
        return y, gx
    _bitwise_same(resample)

    def im2col(n):
        col = np.empty((64, 9, 40 * 48), np.float32)
        gx = np.empty_like(x)
        I.im2col(x, col, (3, 3), (1, 1), (1, 1), (1, 1), n)
        I.col2im(col, gx, (3, 3), (1, 1), (1, 1), (1, 1), n)
        return col, gx
    _bitwise_same(im2col)

    rng = np.random.default_rng(8)
    planes = x.reshape(8, 8, -1)
    taps = rng.integers(-1, planes.shape[2], (8, 500, 16)).astype(np.int64)
    tw = _x((8, 500, 16), np.float32, seed=9)
    dw = _x((8, 500, 16, 2), np.float32, seed=10)

    def gather(n):
        y = np.empty((8, 8, 500), np.float32)
        gx = np.empty_like(planes)
        g = np.empty((8, 500, 2), np.float32)
        G.gather_forward(planes, taps, tw, y, n)
        G.gather_backward_input(y, taps, tw, gx, n)
        G.gather_backward_coords(planes, y, taps, dw, g, n)
        return y, gx, g
    _bitwise_same(gather)

    grid = np.random.default_rng(12).uniform(-1.5, 1.5, (4, 3000, 2)).astype(np.float32)

    def grid_taps(n):
        idx = np.empty((4, 3000, 16), np.int64)
        w = np.empty((4, 3000, 16), np.float32)
        dw = np.empty((4, 3000, 16, 2), np.float32)
        G.grid_taps(grid, (20, 30), G.BICUBIC, G.REFLECTION, False, idx, w, dw, n)
        return idx, w, dw
    _bitwise_same(grid_taps)
