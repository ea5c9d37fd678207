"""3-d pooling kernels (max, average, adaptive) and the index scatters and
gathers behind max pooling's backward and max-unpooling.

Windowed and adaptive kernels see ``(planes, d, h, w)`` C-contiguous arrays with
``planes = N * C``; index kernels see ``(planes, n)``. Indices are int64 flat
offsets ``(t * h_in + h) * w_in + w`` into one input plane, as PyTorch returns
them. The Python layer (``cynn/nn/functional/pooling.py``) validates every size
first: window arguments are C ``int``\\ s, outputs are at least one element per
axis, so every product below fits in 64 bits. Window loops visit only the taps
inside the input, never the padding, so a kernel of 2**31 over a small input
costs what the input costs. Index kernels check every index themselves: the
index tensor is the user's and may change at any time.

Forward kernels parallelise over ``planes * d_out`` output slabs, each written by
one thread; backward kernels scatter into overlapping input windows and so
parallelise over whole planes. Each value is computed in one fixed order, so
results do not depend on the thread count.
"""
from cython.parallel cimport prange
from libc.math cimport INFINITY
from libc.stdint cimport int64_t
from libc.string cimport memset
from fused cimport floating
from pool_window cimport _team, _first_tap, _cell_start, _cell_end

ctypedef struct Geometry:
    Py_ssize_t d_in, h_in, w_in, d_out, h_out, w_out
    Py_ssize_t kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw


cdef Geometry _geometry(tuple in_size, tuple out_size, tuple kernel, tuple stride,
                        tuple padding, tuple dilation):
    cdef Geometry g
    g.d_in, g.h_in, g.w_in = in_size
    g.d_out, g.h_out, g.w_out = out_size
    g.kd, g.kh, g.kw = kernel
    g.sd, g.sh, g.sw = stride
    g.pd, g.ph, g.pw = padding
    g.dd, g.dh, g.dw = dilation
    return g


cdef inline double _taps(Py_ssize_t n_planes, const Geometry* g) noexcept nogil:
    """An upper bound of the in-input taps all windows visit."""
    return (<double>n_planes * g.d_out * g.h_out * g.w_out * min(g.kd, g.d_in)
            * min(g.kh, g.h_in) * min(g.kw, g.w_in))


# ---------------------------------------------------------------- max pooling
# PyTorch's rule: a tap wins when it is greater than the running maximum or is
# NaN (the first maximum wins a tie, the last NaN wins), starting from -inf at
# the window's first in-input tap.

cdef void _max_slab(const floating* xp, floating* yp, int64_t* ip, Py_ssize_t od,
                    const Geometry* g, bint want_indices) noexcept nogil:
    """Outputs ``(od, :, :)`` of one plane."""
    cdef Py_ssize_t oh, ow, t, h, w, t0, t1, h0, h1, w0, w1, best, at
    cdef Py_ssize_t plane_hw = g.h_in * g.w_in
    cdef floating v, m
    t0 = od * g.sd - g.pd
    t1 = min(t0 + (g.kd - 1) * g.dd + 1, g.d_in)
    t0 = _first_tap(t0, g.dd)
    for oh in range(g.h_out):
        h0 = oh * g.sh - g.ph
        h1 = min(h0 + (g.kh - 1) * g.dh + 1, g.h_in)
        h0 = _first_tap(h0, g.dh)
        for ow in range(g.w_out):
            w0 = ow * g.sw - g.pw
            w1 = min(w0 + (g.kw - 1) * g.dw + 1, g.w_in)
            w0 = _first_tap(w0, g.dw)
            m = -INFINITY
            best = t0 * plane_hw + h0 * g.w_in + w0
            t = t0
            while t < t1:
                h = h0
                while h < h1:
                    at = t * plane_hw + h * g.w_in
                    w = w0
                    while w < w1:
                        v = xp[at + w]
                        if v > m or v != v:
                            m = v
                            best = at + w
                        w = w + g.dw
                    h = h + g.dh
                t = t + g.dd
            at = oh * g.w_out + ow
            yp[at] = m
            if want_indices:
                ip[at] = best


def max_pool3d_forward(const floating[:, :, :, ::1] x,   # IN  (planes, d_in, h_in, w_in)
                       floating[:, :, :, ::1] y,         # OUT (planes, d_out, h_out, w_out)
                       int64_t[:, :, :, ::1] indices,    # OUT like y, or None
                       tuple kernel, tuple stride, tuple padding, tuple dilation,
                       int n_threads):
    """Max over each dilated window (``-inf`` padding), and its argmax when
    ``indices`` is given."""
    cdef Py_ssize_t n_planes = x.shape[0], r, p, od
    cdef Geometry g = _geometry((x.shape[1], x.shape[2], x.shape[3]),
                                (y.shape[1], y.shape[2], y.shape[3]),
                                kernel, stride, padding, dilation)
    cdef bint want_indices = indices is not None
    cdef int64_t* ip = NULL
    cdef Py_ssize_t slab = g.h_out * g.w_out
    cdef int nt = _team(_taps(n_planes, &g), n_threads)
    if n_planes == 0 or y.shape[1] * slab == 0:
        return
    with nogil:
        for r in prange(n_planes * g.d_out, num_threads=nt, schedule="static"):
            p = r // g.d_out
            od = r - p * g.d_out
            if want_indices:
                ip = &indices[p, od, 0, 0]
            else:
                ip = NULL
            _max_slab(&x[p, 0, 0, 0], &y[p, od, 0, 0], ip, od, &g, want_indices)


# ------------------------------------------------------------ average pooling
cdef inline void _avg_range(Py_ssize_t o, Py_ssize_t s, Py_ssize_t p, Py_ssize_t k,
                            Py_ssize_t n, Py_ssize_t* lo, Py_ssize_t* hi,
                            Py_ssize_t* padded) noexcept nogil:
    """Window ``o`` along one axis: its in-input taps ``[lo, hi)`` and its length
    within the padded input (PyTorch's ``count_include_pad`` divisor)."""
    cdef Py_ssize_t start = o * s - p
    cdef Py_ssize_t end = min(start + k, n + p)
    padded[0] = end - start
    lo[0] = max(start, 0)
    hi[0] = min(end, n)


cdef inline void _cell_range(Py_ssize_t o, Py_ssize_t s, Py_ssize_t p, Py_ssize_t k,
                             Py_ssize_t n, Py_ssize_t m, bint adaptive, Py_ssize_t* lo,
                             Py_ssize_t* hi, Py_ssize_t* padded) noexcept nogil:
    """``_avg_range`` of window ``o``, or with ``adaptive`` of the adaptive cell ``o``
    of an axis ``n -> m`` (which has no padding)."""
    if adaptive:
        lo[0] = _cell_start(o, n, m)
        hi[0] = _cell_end(o, n, m)
        padded[0] = hi[0] - lo[0]
    else:
        _avg_range(o, s, p, k, n, lo, hi, padded)


cdef inline double _divisor(Py_ssize_t t0, Py_ssize_t t1, Py_ssize_t h0, Py_ssize_t h1,
                            Py_ssize_t w0, Py_ssize_t w1, Py_ssize_t padded,
                            bint count_include_pad, Py_ssize_t divisor_override) noexcept nogil:
    if divisor_override != 0:
        return <double>divisor_override
    if count_include_pad:
        return <double>padded
    return <double>((t1 - t0) * (h1 - h0) * (w1 - w0))


cdef void _avg_slab(const floating* xp, floating* yp, Py_ssize_t od, const Geometry* g,
                    bint count_include_pad, Py_ssize_t divisor_override) noexcept nogil:
    cdef Py_ssize_t oh, ow, t, h, w, t0, t1, h0, h1, w0, w1, pt, ph, pw
    cdef Py_ssize_t plane_hw = g.h_in * g.w_in
    cdef floating total
    cdef double divisor
    _avg_range(od, g.sd, g.pd, g.kd, g.d_in, &t0, &t1, &pt)
    for oh in range(g.h_out):
        _avg_range(oh, g.sh, g.ph, g.kh, g.h_in, &h0, &h1, &ph)
        for ow in range(g.w_out):
            _avg_range(ow, g.sw, g.pw, g.kw, g.w_in, &w0, &w1, &pw)
            total = 0
            for t in range(t0, t1):
                for h in range(h0, h1):
                    for w in range(w0, w1):
                        total = total + xp[t * plane_hw + h * g.w_in + w]
            divisor = _divisor(t0, t1, h0, h1, w0, w1, pt * ph * pw, count_include_pad,
                               divisor_override)
            yp[oh * g.w_out + ow] = total / (<floating>divisor) if divisor != 0 else 0


def avg_pool3d_forward(const floating[:, :, :, ::1] x,   # IN  (planes, d_in, h_in, w_in)
                       floating[:, :, :, ::1] y,         # OUT (planes, d_out, h_out, w_out)
                       tuple kernel, tuple stride, tuple padding, bint count_include_pad,
                       Py_ssize_t divisor_override, int n_threads):
    """Mean of each window (zero padding); ``divisor_override`` 0 means none."""
    cdef Py_ssize_t n_planes = x.shape[0], r, p, od
    cdef Geometry g = _geometry((x.shape[1], x.shape[2], x.shape[3]),
                                (y.shape[1], y.shape[2], y.shape[3]),
                                kernel, stride, padding, (1, 1, 1))
    cdef int nt = _team(_taps(n_planes, &g), n_threads)
    if n_planes == 0 or g.d_out * g.h_out * g.w_out == 0:
        return
    with nogil:
        for r in prange(n_planes * g.d_out, num_threads=nt, schedule="static"):
            p = r // g.d_out
            od = r - p * g.d_out
            _avg_slab(&x[p, 0, 0, 0], &y[p, od, 0, 0], od, &g, count_include_pad,
                      divisor_override)


cdef void _avg_plane_backward(const floating* gyp, floating* gxp, const Geometry* g,
                              bint count_include_pad, Py_ssize_t divisor_override,
                              bint adaptive) noexcept nogil:
    """``gx[window] += gy / divisor`` over one plane, for windows or (``adaptive``)
    adaptive cells, whose divisor is their size."""
    cdef Py_ssize_t od, oh, ow, t, h, w, t0, t1, h0, h1, w0, w1, pt, ph, pw
    cdef Py_ssize_t plane_hw = g.h_in * g.w_in
    cdef floating share
    cdef double divisor
    memset(gxp, 0, g.d_in * plane_hw * sizeof(floating))
    for od in range(g.d_out):
        _cell_range(od, g.sd, g.pd, g.kd, g.d_in, g.d_out, adaptive, &t0, &t1, &pt)
        for oh in range(g.h_out):
            _cell_range(oh, g.sh, g.ph, g.kh, g.h_in, g.h_out, adaptive, &h0, &h1, &ph)
            for ow in range(g.w_out):
                _cell_range(ow, g.sw, g.pw, g.kw, g.w_in, g.w_out, adaptive, &w0, &w1, &pw)
                divisor = _divisor(t0, t1, h0, h1, w0, w1, pt * ph * pw, count_include_pad,
                                   divisor_override)
                if divisor == 0:
                    continue
                share = gyp[(od * g.h_out + oh) * g.w_out + ow] / (<floating>divisor)
                for t in range(t0, t1):
                    for h in range(h0, h1):
                        for w in range(w0, w1):
                            gxp[t * plane_hw + h * g.w_in + w] += share


def avg_pool3d_backward(const floating[:, :, :, ::1] gy,   # IN  (planes, d_out, h_out, w_out)
                        floating[:, :, :, ::1] gx,         # OUT (planes, d_in, h_in, w_in)
                        tuple kernel, tuple stride, tuple padding, bint count_include_pad,
                        Py_ssize_t divisor_override, int n_threads):
    """``gx[window] += gy / divisor`` for every window, as ``avg_pool3d_forward``."""
    cdef Py_ssize_t n_planes = gx.shape[0], p
    cdef Geometry g = _geometry((gx.shape[1], gx.shape[2], gx.shape[3]),
                                (gy.shape[1], gy.shape[2], gy.shape[3]),
                                kernel, stride, padding, (1, 1, 1))
    cdef int nt = _team(_taps(n_planes, &g), n_threads)
    if n_planes == 0:
        return
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            _avg_plane_backward(&gy[p, 0, 0, 0], &gx[p, 0, 0, 0], &g, count_include_pad,
                                divisor_override, False)


# ----------------------------------------------------------- adaptive pooling
# (cells: see pool_window.pxd)

cdef void _adaptive_slab(const floating* xp, floating* yp, int64_t* ip, Py_ssize_t od,
                         const Geometry* g, bint is_max) noexcept nogil:
    cdef Py_ssize_t oh, ow, t, h, w, t0, t1, h0, h1, w0, w1, at, best
    cdef Py_ssize_t plane_hw = g.h_in * g.w_in
    cdef floating v, acc
    t0 = _cell_start(od, g.d_in, g.d_out)
    t1 = _cell_end(od, g.d_in, g.d_out)
    for oh in range(g.h_out):
        h0 = _cell_start(oh, g.h_in, g.h_out)
        h1 = _cell_end(oh, g.h_in, g.h_out)
        for ow in range(g.w_out):
            w0 = _cell_start(ow, g.w_in, g.w_out)
            w1 = _cell_end(ow, g.w_in, g.w_out)
            best = t0 * plane_hw + h0 * g.w_in + w0
            acc = -INFINITY if is_max else 0
            for t in range(t0, t1):
                for h in range(h0, h1):
                    at = t * plane_hw + h * g.w_in
                    for w in range(w0, w1):
                        v = xp[at + w]
                        if not is_max:
                            acc = acc + v
                        elif v > acc or v != v:
                            acc = v
                            best = at + w
            at = oh * g.w_out + ow
            if is_max:
                yp[at] = acc
                ip[at] = best
            else:
                yp[at] = acc / (<floating>((t1 - t0) * (h1 - h0) * (w1 - w0)))


def adaptive_pool3d_forward(const floating[:, :, :, ::1] x,   # IN  (planes, d_in, h_in, w_in)
                            floating[:, :, :, ::1] y,         # OUT (planes, d_out, h_out, w_out)
                            int64_t[:, :, :, ::1] indices,    # OUT like y (max) or None (mean)
                            int n_threads):
    """Mean of every adaptive cell, or with ``indices`` its maximum and argmax.
    Every input axis is non-empty."""
    cdef Py_ssize_t n_planes = x.shape[0], r, p, od
    cdef Geometry g = _geometry((x.shape[1], x.shape[2], x.shape[3]),
                                (y.shape[1], y.shape[2], y.shape[3]),
                                (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 1, 1))
    cdef bint is_max = indices is not None
    cdef int64_t* ip = NULL
    # every output reads about in / out + 1 taps per axis
    cdef double work = (<double>n_planes * (g.d_in + g.d_out) * (g.h_in + g.h_out)
                        * (g.w_in + g.w_out))
    cdef int nt = _team(work, n_threads)
    if n_planes == 0 or g.d_out * g.h_out * g.w_out == 0:
        return
    with nogil:
        for r in prange(n_planes * g.d_out, num_threads=nt, schedule="static"):
            p = r // g.d_out
            od = r - p * g.d_out
            if is_max:
                ip = &indices[p, od, 0, 0]
            else:
                ip = NULL
            _adaptive_slab(&x[p, 0, 0, 0], &y[p, od, 0, 0], ip, od, &g, is_max)


def adaptive_avg_pool3d_backward(const floating[:, :, :, ::1] gy,   # IN  (planes, d_out, ...)
                                 floating[:, :, :, ::1] gx,         # OUT (planes, d_in, ...)
                                 int n_threads):
    """``gx[cell] += gy / cell size`` for every adaptive cell."""
    cdef Py_ssize_t n_planes = gx.shape[0], p
    cdef Geometry g = _geometry((gx.shape[1], gx.shape[2], gx.shape[3]),
                                (gy.shape[1], gy.shape[2], gy.shape[3]),
                                (1, 1, 1), (1, 1, 1), (0, 0, 0), (1, 1, 1))
    cdef double work = (<double>n_planes * (g.d_in + g.d_out) * (g.h_in + g.h_out)
                        * (g.w_in + g.w_out))
    cdef int nt = _team(work, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            _avg_plane_backward(&gy[p, 0, 0, 0], &gx[p, 0, 0, 0], &g, False, 0, True)


# ------------------------------------------------- index scatters and gathers
# Max pooling's backward and max-unpooling see only flat planes, whatever the
# pooling's dimension: pool.pyx's loops serve 3-d pooling as they are.
from .pool import scatter_add_by_index, scatter_by_index, gather_by_index
