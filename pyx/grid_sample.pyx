"""Weighted gathers behind ``F.grid_sample``: every output point reads a few input
taps of its own sample, ``y[n, c, p] = sum_k w[n, p, k] * x[n, c, idx[n, p, k]]``.

``grid_taps`` turns the grid into the taps: flat spatial indices into one input
plane (``-1`` for a tap in the zero padding, which reads 0: its weight times 0 still
enters the sum), their weights for bilinear (4 or 8 taps), nearest (1) and bicubic
(16) sampling, and the derivative of each weight with respect to each sampling
coordinate (PyTorch's arithmetic, in the grid's precision). The gathers then need no
notion of mode or padding:

* ``gather_forward`` -- the sampled output; one thread per point, all channels.
* ``gather_backward_input`` -- the transpose, scattered into the input planes; each
  plane belongs to one thread.
* ``gather_backward_coords`` -- ``g[n, p, d] = sum_c gy[n, c, p] * sum_k
  dw[n, p, k, d] * x[n, c, idx]``, the gradient with respect to the sampling
  coordinates; one thread per point.

Every sum runs in one fixed order, so results do not depend on the thread count.
"""
from cython.parallel cimport prange
from libc.math cimport fabs, floor, fmod, isnan, nearbyint
from libc.stdint cimport int64_t
from libc.string cimport memset
from fused cimport floating

cdef enum:
    MODE_BILINEAR = 0
    MODE_NEAREST = 1
    MODE_BICUBIC = 2
    PAD_ZEROS = 0
    PAD_BORDER = 1
    PAD_REFLECTION = 2

# grid_taps' mode and padding_mode codes, for the Python layer
BILINEAR, NEAREST, BICUBIC = MODE_BILINEAR, MODE_NEAREST, MODE_BICUBIC
ZEROS, BORDER, REFLECTION = PAD_ZEROS, PAD_BORDER, PAD_REFLECTION

cdef Py_ssize_t PARALLEL_MIN_WORK = 1 << 15


cdef inline int _team(Py_ssize_t units, double work, int n_threads) noexcept nogil:
    if units < 2 or work < PARALLEL_MIN_WORK:
        return 1
    return max(n_threads, 1)


def _check_taps(const int64_t[:, :, ::1] idx, Py_ssize_t n, Py_ssize_t points,
                Py_ssize_t plane, tuple weight_shape):
    cdef Py_ssize_t a, b, k
    if idx.shape[0] != n or idx.shape[1] != points:
        raise ValueError("the tap table does not match the output")
    if tuple(weight_shape[:3]) != (idx.shape[0], idx.shape[1], idx.shape[2]):
        raise ValueError("index and weight tables must agree")
    for a in range(idx.shape[0]):
        for b in range(idx.shape[1]):
            for k in range(idx.shape[2]):
                if idx[a, b, k] < -1 or idx[a, b, k] >= plane:
                    raise ValueError(f"tap index {idx[a, b, k]} outside a plane of {plane}")


def gather_forward(const floating[:, :, ::1] x,       # IN  (n, c, plane)
                   const int64_t[:, :, ::1] idx,      # IN  (n, points, taps), -1 = zero
                   const floating[:, :, ::1] w,       # IN  (n, points, taps)
                   floating[:, :, ::1] y,             # OUT (n, c, points)
                   int n_threads):
    cdef Py_ssize_t n = x.shape[0], c = x.shape[1], points = y.shape[2], taps = idx.shape[2]
    cdef Py_ssize_t plane = x.shape[2]
    cdef Py_ssize_t q, a, ch, p, k, src
    cdef floating s
    cdef const int64_t* ik
    cdef const floating* wk
    cdef const floating* xa
    if y.shape[0] != n or y.shape[1] != c:
        raise ValueError("x and y must have the same batch and channels")
    _check_taps(idx, n, points, plane, (w.shape[0], w.shape[1], w.shape[2]))
    if n * c * points == 0:
        return
    with nogil:
        # one point per iteration: its taps are read once for all channels
        for q in prange(n * points, schedule="static",
                        num_threads=_team(n * points, <double>n * c * points * taps,
                                          n_threads)):
            a = q // points
            p = q % points
            ik = &idx[a, p, 0]
            wk = &w[a, p, 0]
            xa = &x[a, 0, 0] if plane else NULL
            for ch in range(c):
                s = 0
                for k in range(taps):
                    src = ik[k]
                    if src >= 0:
                        s = s + wk[k] * xa[ch * plane + src]
                    else:
                        # a padding tap reads 0, but a non-finite weight (a NaN or
                        # infinite grid coordinate) still poisons the sum, as in PyTorch
                        s = s + wk[k] * 0
                y[a, ch, p] = s


def gather_backward_input(const floating[:, :, ::1] gy,   # IN  (n, c, points)
                          const int64_t[:, :, ::1] idx,   # IN  (n, points, taps)
                          const floating[:, :, ::1] w,    # IN  (n, points, taps)
                          floating[:, :, ::1] gx,         # OUT (n, c, plane)
                          int n_threads):
    cdef Py_ssize_t n = gx.shape[0], c = gx.shape[1], plane = gx.shape[2]
    cdef Py_ssize_t points = gy.shape[2], taps = idx.shape[2]
    cdef Py_ssize_t q, a, ch, p, k, dst
    if gy.shape[0] != n or gy.shape[1] != c:
        raise ValueError("gy and gx must have the same batch and channels")
    _check_taps(idx, n, points, plane, (w.shape[0], w.shape[1], w.shape[2]))
    if n * c * plane == 0:
        return
    with nogil:
        for q in prange(n * c, schedule="static",
                        num_threads=_team(n * c, <double>n * c * points * taps, n_threads)):
            a = q // c
            ch = q % c
            memset(&gx[a, ch, 0], 0, plane * sizeof(floating))
            for p in range(points):
                for k in range(taps):
                    dst = idx[a, p, k]
                    if dst >= 0:
                        gx[a, ch, dst] = gx[a, ch, dst] + w[a, p, k] * gy[a, ch, p]


def gather_backward_coords(const floating[:, :, ::1] x,        # IN  (n, c, plane)
                           const floating[:, :, ::1] gy,       # IN  (n, c, points)
                           const int64_t[:, :, ::1] idx,       # IN  (n, points, taps)
                           const floating[:, :, :, ::1] dw,    # IN  (n, points, taps, dims)
                           floating[:, :, ::1] g,              # OUT (n, points, dims)
                           int n_threads):
    cdef Py_ssize_t n = x.shape[0], c = x.shape[1], points = gy.shape[2]
    cdef Py_ssize_t taps = idx.shape[2], dims = dw.shape[3]
    cdef Py_ssize_t q, a, p, d, ch, k, src
    cdef floating s, v
    if gy.shape[0] != n or gy.shape[1] != c or g.shape[0] != n or g.shape[1] != points \
            or g.shape[2] != dims:
        raise ValueError("x, gy and g do not agree")
    _check_taps(idx, n, points, x.shape[2], (dw.shape[0], dw.shape[1], dw.shape[2]))
    if n * points == 0:
        return
    with nogil:
        for q in prange(n * points, schedule="static",
                        num_threads=_team(n * points, <double>n * c * points * taps * dims,
                                          n_threads)):
            a = q // points
            p = q % points
            for d in range(dims):
                s = 0
                for ch in range(c):
                    v = 0
                    for k in range(taps):
                        src = idx[a, p, k]
                        if src >= 0:
                            v = v + dw[a, p, k, d] * x[a, ch, src]
                    s = s + gy[a, ch, p] * v
                g[a, p, d] = s


# ---------------------------------------------------------------------------------------
# Taps of one point. Coordinates are computed in the grid's precision (``floating``)
# with integer constants only, so float32 grids round as PyTorch's float kernels do.

ctypedef struct Axis:
    Py_ssize_t size
    Py_ssize_t stride          # of this axis in a flattened plane


cdef inline floating _clip(floating c, Py_ssize_t size, floating* d) noexcept nogil:
    """Clamped to [0, size - 1] (NaN lands on size - 1, as PyTorch's min(max()) does);
    derivative 1 strictly inside, else 0."""
    cdef floating top = size - 1
    d[0] = 1 if (c > 0 and c < top) else 0
    if isnan(c) or c > top:
        return top
    if c < 0:
        return 0
    return c


cdef inline floating _reflect(floating c, floating twice_low, floating twice_high,
                              floating* d) noexcept nogil:
    """Reflected into [low, high] about its borders as often as it takes; derivative
    +-1 by the parity of the reflections and the side it came from."""
    cdef floating low, span, extra, flips, sign
    if twice_low == twice_high:
        d[0] = 0
        return 0
    low = twice_low / 2
    span = (twice_high - twice_low) / 2
    c = c - low
    sign = -1 if c < 0 else 1
    c = fabs(c)
    extra = fmod(c, span)
    flips = floor(c / span)
    if fmod(flips, 2) == 0:
        d[0] = sign
        return extra + low
    d[0] = -sign
    return span - extra + low


cdef inline floating _pad(floating c, Py_ssize_t size, int padding, bint align,
                          floating* d) noexcept nogil:
    cdef floating d1, d2
    if padding == PAD_BORDER:
        return _clip(c, size, d)
    if padding == PAD_REFLECTION:
        if align:
            c = _reflect(c, 0, 2 * (size - 1), &d1)
        else:
            c = _reflect(c, -1, 2 * size - 1, &d1)
        c = _clip(c, size, &d2)
        d[0] = d1 * d2
        return c
    d[0] = 1
    return c


cdef inline floating _near(floating s, floating a) noexcept nogil:
    return ((a + 2) * s - (a + 3)) * s * s + 1


cdef inline floating _far(floating s, floating a) noexcept nogil:
    return ((a * s - 5 * a) * s + 8 * a) * s - 4 * a


cdef inline floating _d_near(floating s, floating a) noexcept nogil:
    return (3 * (a + 2) * s - 2 * (a + 3)) * s


cdef inline floating _d_far(floating s, floating a) noexcept nogil:
    return (3 * a * s - 10 * a) * s + 8 * a


cdef inline int _axis_taps(floating u, Py_ssize_t size, int mode, int padding, bint align,
                           floating* pos, floating* w, floating* dw) noexcept nogil:
    """The taps of coordinate ``u`` along one axis: positions (as floats), weights and
    d weight / d u; returns how many."""
    cdef floating c, mult, f, t, d
    cdef floating a = -0.75   # the cubic convolution's A, as PyTorch's
    cdef int k
    if align:
        c = (u + 1) / 2 * (size - 1)
        mult = <floating>(size - 1) / 2
    else:
        c = ((u + 1) * size - 1) / 2
        mult = <floating>size / 2
    if mode == MODE_BICUBIC:
        # the weights follow the unpadded position; each tap is padded on its own
        f = floor(c)
        t = c - f
        w[0], w[1], w[2], w[3] = _far(t + 1, a), _near(t, a), _near(1 - t, a), _far(2 - t, a)
        dw[0], dw[1] = _d_far(t + 1, a) * mult, _d_near(t, a) * mult
        dw[2], dw[3] = -_d_near(1 - t, a) * mult, -_d_far(2 - t, a) * mult
        for k in range(4):
            pos[k] = _pad(f + (k - 1), size, padding, align, &d)
        return 4
    c = _pad(c, size, padding, align, &d)
    mult = d * mult
    if mode == MODE_NEAREST:
        pos[0] = nearbyint(c)
        w[0] = 1
        dw[0] = 0
        return 1
    f = floor(c)
    t = c - f
    pos[0], pos[1] = f, f + 1
    w[0], w[1] = 1 - t, t
    dw[0], dw[1] = -mult, mult
    return 2


cdef inline void _point_taps(const floating* u, const Axis* axes, int dims, int mode,
                             int padding, bint align, int64_t* idx, floating* w,
                             floating* dw, bint need_grad) noexcept nogil:
    """All taps of one point: the tensor product of its per-axis taps, the first grid
    coordinate (x) varying slowest."""
    cdef floating pos[12]
    cdef floating aw[12]
    cdef floating adw[12]
    cdef int counts[3]
    cdef int pick[3]
    cdef int d, e, t, total = 1, rem
    cdef int64_t flat
    cdef bint inside
    cdef floating prod, dprod, p
    for d in range(dims):
        counts[d] = _axis_taps(u[d], axes[d].size, mode, padding, align, &pos[4 * d],
                               &aw[4 * d], &adw[4 * d])
        total = total * counts[d]
    for t in range(total):
        rem = t
        for d in range(dims - 1, -1, -1):
            pick[d] = rem % counts[d]
            rem = rem // counts[d]
        flat = 0
        inside = True
        for d in range(dims):
            p = pos[4 * d + pick[d]]
            # compared as floats: NaN and far-away positions never become integers
            if not (p >= 0 and p <= axes[d].size - 1):
                inside = False
            else:
                flat = flat + <int64_t>p * axes[d].stride
        idx[t] = flat if inside else -1
        prod = aw[pick[0]]
        for d in range(1, dims):
            prod = prod * aw[4 * d + pick[d]]
        w[t] = prod
        if need_grad:
            for e in range(dims):
                dprod = adw[pick[0]] if e == 0 else aw[pick[0]]
                for d in range(1, dims):
                    dprod = dprod * (adw[4 * d + pick[d]] if d == e else aw[4 * d + pick[d]])
                dw[t * dims + e] = dprod


def grid_taps(const floating[:, :, ::1] grid,      # IN  (n, points, dims)
              tuple spatial,                       # input sizes, (h, w) or (d, h, w)
              int mode, int padding_mode, bint align_corners,
              int64_t[:, :, ::1] idx,              # OUT (n, points, taps)
              floating[:, :, ::1] w,               # OUT (n, points, taps)
              floating[:, :, :, ::1] dw,           # OUT (n, points, taps, dims) or None
              int n_threads):
    cdef Py_ssize_t n = grid.shape[0], points = grid.shape[1]
    cdef int dims = grid.shape[2], d, per_axis
    cdef Py_ssize_t q, a, p, taps, stride = 1
    cdef Axis axes[3]
    cdef bint need_grad = dw is not None
    if not 1 <= dims <= 3 or len(spatial) != dims:
        raise ValueError("the grid's last axis must match the input's spatial rank (1 to 3)")
    if mode not in (BILINEAR, NEAREST, BICUBIC) or padding_mode not in (ZEROS, BORDER,
                                                                         REFLECTION):
        raise ValueError("unknown mode or padding_mode")
    per_axis = 4 if mode == BICUBIC else (1 if mode == NEAREST else 2)
    taps = per_axis ** dims
    for d in range(dims):
        # grid coordinate d indexes input axis -1 - d: x the width, y the height, z depth
        axes[d].size = spatial[dims - 1 - d]
        if axes[d].size <= 0:
            raise ValueError("spatial sizes must be positive")
        axes[d].stride = stride
        stride = stride * axes[d].size
    if idx.shape[0] != n or idx.shape[1] != points or idx.shape[2] != taps or \
            w.shape[0] != n or w.shape[1] != points or w.shape[2] != taps:
        raise ValueError(f"idx and w must be ({n}, {points}, {taps})")
    if need_grad and (dw.shape[0] != n or dw.shape[1] != points or dw.shape[2] != taps
                      or dw.shape[3] != dims):
        raise ValueError(f"dw must be ({n}, {points}, {taps}, {dims})")
    if n * points == 0:
        return
    with nogil:
        for q in prange(n * points, schedule="static",
                        num_threads=_team(n * points, <double>n * points * taps * 8,
                                          n_threads)):
            a = q // points
            p = q % points
            _point_taps(&grid[a, p, 0], axes, dims, mode, padding_mode, align_corners,
                        &idx[a, p, 0], &w[a, p, 0], &dw[a, p, 0, 0] if need_grad else NULL,
                        need_grad)
