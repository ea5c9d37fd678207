"""im2col (``F.unfold``) and col2im (``F.fold``) on ``(planes, ...)`` arrays.

A plane is one channel of one sample (``planes = N * C``). Its columns are
``(kh * kw, h_out * w_out)``: row ``(i, j)`` holds the tap at kernel offset
``(i * dh - ph, j * dw - pw)`` of every sliding block, zero where the tap falls in
the padding. ``F.unfold``'s ``(N, C * kh * kw, L)`` is this layout as it is.
col2im is the transpose, summing overlapping taps back into the plane.

The Python layer (``cynn/nn/functional/vision.py``) validates the geometry and
this module checks that the sizes agree before any loop runs. Each plane is
written by one thread, its sums taken in one fixed order (taps in row order), so
results do not depend on the thread count.
"""
from cython.parallel cimport prange
from libc.string cimport memset
from fused cimport floating

cdef Py_ssize_t PARALLEL_MIN_WORK = 1 << 15
cdef Py_ssize_t MAX_EXTENT = (<Py_ssize_t>1) << 40


ctypedef struct Geometry:
    Py_ssize_t h, w, kh, kw, sh, sw, ph, pw, dh, dw, h_out, w_out


cdef Geometry _geometry(Py_ssize_t h, Py_ssize_t w, tuple kernel, tuple stride,
                        tuple padding, tuple dilation, Py_ssize_t n_taps,
                        Py_ssize_t n_blocks) except *:
    cdef Geometry g
    g.h, g.w = h, w
    g.kh, g.kw = kernel
    g.sh, g.sw = stride
    g.ph, g.pw = padding
    g.dh, g.dw = dilation
    if min(g.kh, g.kw, g.sh, g.sw, g.dh, g.dw) <= 0 or min(g.ph, g.pw) < 0:
        raise ValueError("kernel, stride and dilation must be positive, padding non-negative")
    # bounded so that no tap position below (up to h_out * sh + kh * dh) overflows
    if max(g.kh, g.kw, g.sh, g.sw, g.dh, g.dw, g.ph, g.pw, h, w) > MAX_EXTENT:
        raise ValueError("the geometry is too large for 64-bit tap positions")
    g.h_out = (h + 2 * g.ph - g.dh * (g.kh - 1) - 1) // g.sh + 1
    g.w_out = (w + 2 * g.pw - g.dw * (g.kw - 1) - 1) // g.sw + 1
    if g.h_out <= 0 or g.w_out <= 0:
        raise ValueError("the kernel does not fit the padded input")
    if n_taps != g.kh * g.kw or n_blocks != g.h_out * g.w_out:
        raise ValueError(f"columns of ({n_taps}, {n_blocks}) do not match the geometry "
                         f"({g.kh * g.kw}, {g.h_out * g.w_out})")
    return g


cdef inline int _team(Py_ssize_t planes, double work, int n_threads) noexcept nogil:
    if planes < 2 or work < PARALLEL_MIN_WORK:
        return 1
    return max(n_threads, 1)


def im2col(const floating[:, :, ::1] x,        # IN  (planes, h, w)
           floating[:, :, ::1] col,            # OUT (planes, kh * kw, h_out * w_out)
           tuple kernel, tuple stride, tuple padding, tuple dilation, int n_threads):
    cdef Py_ssize_t planes = x.shape[0]
    cdef Geometry g = _geometry(x.shape[1], x.shape[2], kernel, stride, padding, dilation,
                                col.shape[1], col.shape[2])
    cdef Py_ssize_t p, i, j, oh, ow, r, c, row, ih, iw
    if col.shape[0] != planes:
        raise ValueError("x and col must have the same number of planes")
    if planes == 0:
        return
    # the team size before the parallel region: an expression inside prange's clause
    # that reads a memoryview cannot raise there (the debug build's checks would)
    cdef int team = _team(planes, <double>planes * col.shape[1] * col.shape[2], n_threads)
    with nogil:
        for p in prange(planes, schedule="static", num_threads=team):
            for i in range(g.kh):
                for j in range(g.kw):
                    row = i * g.kw + j
                    for oh in range(g.h_out):
                        ih = oh * g.sh - g.ph + i * g.dh
                        c = oh * g.w_out
                        if ih < 0 or ih >= g.h:
                            for ow in range(g.w_out):
                                col[p, row, c + ow] = 0
                            continue
                        for ow in range(g.w_out):
                            iw = ow * g.sw - g.pw + j * g.dw
                            if iw >= 0 and iw < g.w:
                                col[p, row, c + ow] = x[p, ih, iw]
                            else:
                                col[p, row, c + ow] = 0


def col2im(const floating[:, :, ::1] col,      # IN  (planes, kh * kw, h_out * w_out)
           floating[:, :, ::1] x,              # OUT (planes, h, w)
           tuple kernel, tuple stride, tuple padding, tuple dilation, int n_threads):
    cdef Py_ssize_t planes = x.shape[0]
    cdef Geometry g = _geometry(x.shape[1], x.shape[2], kernel, stride, padding, dilation,
                                col.shape[1], col.shape[2])
    cdef Py_ssize_t p, i, j, oh, ow, c, row, ih, iw
    if col.shape[0] != planes:
        raise ValueError("x and col must have the same number of planes")
    if planes == 0 or g.h == 0 or g.w == 0:
        return
    # the team size before the parallel region: an expression inside prange's clause
    # that reads a memoryview cannot raise there (the debug build's checks would)
    cdef int team = _team(planes, <double>planes * col.shape[1] * col.shape[2], n_threads)
    with nogil:
        for p in prange(planes, schedule="static", num_threads=team):
            memset(&x[p, 0, 0], 0, g.h * g.w * sizeof(floating))
            for i in range(g.kh):
                for j in range(g.kw):
                    row = i * g.kw + j
                    for oh in range(g.h_out):
                        ih = oh * g.sh - g.ph + i * g.dh
                        if ih < 0 or ih >= g.h:
                            continue
                        c = oh * g.w_out
                        for ow in range(g.w_out):
                            iw = ow * g.sw - g.pw + j * g.dw
                            if iw >= 0 and iw < g.w:
                                x[p, ih, iw] = x[p, ih, iw] + col[p, row, c + ow]
