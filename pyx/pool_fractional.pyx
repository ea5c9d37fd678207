"""Fractional max pooling (Graham, 2014) over ``(planes, d, h, w)`` planes.

Along an axis of ``n`` inputs pooled to ``m`` outputs by windows of ``k``, a
sample ``u`` of the plane places window ``i < m - 1`` at
``trunc((i + u) * alpha) - trunc(u * alpha)`` with ``alpha = (n - k) / (m - 1)``
and the last one at ``n - k``: pseudo-random, overlapping windows whose starts
step by ``floor(alpha)`` or ``ceil(alpha)``. The arithmetic runs in the data's
own float type, as PyTorch's does, so that a given sample yields PyTorch's
windows exactly. 2-d pooling is the ``d = 1``, ``k = m = 1`` case.

The Python layer checks ``k + m - 1 <= n`` per axis; a sample outside [0, 1)
(PyTorch accepts any) can still place a window partly outside the input, so
windows are clipped to it here, never read past it.
"""
from cython.parallel cimport prange
from libc.math cimport INFINITY
from libc.stdint cimport int64_t
from fused cimport floating

# Below this many window taps a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN_WORK = 32768


cdef inline void _starts(floating u, Py_ssize_t n, Py_ssize_t m, Py_ssize_t k,
                         int64_t* out) noexcept nogil:
    cdef floating alpha
    cdef Py_ssize_t i
    if m > 1:
        alpha = (<floating>(n - k)) / (<floating>(m - 1))
        for i in range(m - 1):
            out[i] = <int64_t>((i + u) * alpha) - <int64_t>(u * alpha)
    if m > 0:
        out[m - 1] = n - k


def window_starts(const floating[:, ::1] samples,   # IN  (planes, 3): (t, h, w) samples
                  int64_t[:, ::1] t_start,          # OUT (planes, d_out)
                  int64_t[:, ::1] h_start,          # OUT (planes, h_out)
                  int64_t[:, ::1] w_start,          # OUT (planes, w_out)
                  Py_ssize_t d_in, Py_ssize_t h_in, Py_ssize_t w_in,
                  Py_ssize_t kd, Py_ssize_t kh, Py_ssize_t kw, int n_threads):
    """Every plane's window starts along each axis."""
    cdef Py_ssize_t n_planes = samples.shape[0], p
    cdef Py_ssize_t d_out = t_start.shape[1], h_out = h_start.shape[1], w_out = w_start.shape[1]
    cdef int nt = n_threads if n_planes * (d_out + h_out + w_out) >= PARALLEL_MIN_WORK else 1
    if d_out == 0 or h_out == 0 or w_out == 0:
        return
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            _starts(samples[p, 0], d_in, d_out, kd, &t_start[p, 0])
            _starts(samples[p, 1], h_in, h_out, kh, &h_start[p, 0])
            _starts(samples[p, 2], w_in, w_out, kw, &w_start[p, 0])


cdef void _pool_plane(const floating* xp, floating* yp, int64_t* ip, const int64_t* ts,
                      const int64_t* hs, const int64_t* ws, Py_ssize_t d_in, Py_ssize_t h_in,
                      Py_ssize_t w_in, Py_ssize_t d_out, Py_ssize_t h_out, Py_ssize_t w_out,
                      Py_ssize_t kd, Py_ssize_t kh, Py_ssize_t kw) noexcept nogil:
    # PyTorch's rule: from -inf at the window's corner, a tap wins when greater than
    # the running maximum or NaN.
    cdef Py_ssize_t od, oh, ow, t, h, w, t0, h0, w0, best, at, o = 0
    cdef floating v, m
    for od in range(d_out):
        t0 = ts[od]
        for oh in range(h_out):
            h0 = hs[oh]
            for ow in range(w_out):
                w0 = ws[ow]
                m = -INFINITY
                best = (t0 * h_in + h0) * w_in + w0
                for t in range(max(t0, 0), min(t0 + kd, d_in)):
                    for h in range(max(h0, 0), min(h0 + kh, h_in)):
                        at = (t * h_in + h) * w_in
                        for w in range(max(w0, 0), min(w0 + kw, w_in)):
                            v = xp[at + w]
                            if v > m or v != v:
                                m = v
                                best = at + w
                yp[o] = m
                ip[o] = best
                o = o + 1


def fractional_max_pool_forward(const floating[:, :, :, ::1] x,   # IN  (planes, d_in, h_in, w_in)
                                const int64_t[:, ::1] t_start,    # IN  (planes, d_out)
                                const int64_t[:, ::1] h_start,    # IN  (planes, h_out)
                                const int64_t[:, ::1] w_start,    # IN  (planes, w_out)
                                floating[:, :, :, ::1] y,         # OUT (planes, d_out, h_out, ...)
                                int64_t[:, :, :, ::1] indices,    # OUT like y
                                Py_ssize_t kd, Py_ssize_t kh, Py_ssize_t kw, int n_threads):
    """Max and argmax (flat offset into the input plane) of every window."""
    cdef Py_ssize_t n_planes = x.shape[0], p
    cdef Py_ssize_t d_in = x.shape[1], h_in = x.shape[2], w_in = x.shape[3]
    cdef Py_ssize_t d_out = y.shape[1], h_out = y.shape[2], w_out = y.shape[3]
    cdef double work = (<double>n_planes * d_out * h_out * w_out * min(kd, d_in)
                        * min(kh, h_in) * min(kw, w_in))
    cdef int nt = n_threads if work >= PARALLEL_MIN_WORK else 1
    if n_planes == 0 or d_out * h_out * w_out == 0:
        return
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            _pool_plane(&x[p, 0, 0, 0], &y[p, 0, 0, 0], &indices[p, 0, 0, 0],
                        &t_start[p, 0], &h_start[p, 0], &w_start[p, 0], d_in, h_in, w_in,
                        d_out, h_out, w_out, kd, kh, kw)
