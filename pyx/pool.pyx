"""Pooling kernels (max, average, adaptive, max-unpool) over NCHW planes.

Every array is viewed as ``(planes, h, w)`` or ``(planes, h * w)`` with
``planes = N * C`` and C-contiguous rows; 1-d pooling is 2-d pooling with
``h = 1``. Indices are int64 flat offsets ``ih * w_in + iw`` into one input
plane, as PyTorch returns them. The Python layer (``cynn/nn/functional/
pooling.py``) validates shapes, output sizes and index ranges first, so the
loops index without bounds checks.

Forward kernels parallelise over ``planes * h_out`` output rows (each output
is written by exactly one thread). Backward kernels scatter into overlapping
input windows, so they parallelise over whole planes. Either way every value
is computed in one fixed order: results do not depend on the thread count.
"""
from cython.parallel cimport prange
from libc.math cimport INFINITY
from libc.stdint cimport int64_t
from fused cimport floating

# Below this many window taps a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN_WORK = 32768


cdef inline int _team(Py_ssize_t work, int n_threads) noexcept nogil:
    return n_threads if work >= PARALLEL_MIN_WORK else 1


cdef inline Py_ssize_t _first_tap(Py_ssize_t start, Py_ssize_t dilation) noexcept nogil:
    """The first tap ``start + j * dilation`` (j >= 0) that is not left of 0."""
    if start >= 0:
        return start
    return start + ((-start + dilation - 1) // dilation) * dilation


# ---------------------------------------------------------------- max pooling
def max_pool2d_forward(const floating[:, :, ::1] x,    # IN  (planes, h_in, w_in)
                       floating[:, :, ::1] y,          # OUT (planes, h_out, w_out)
                       int64_t[:, :, ::1] indices,     # OUT (planes, h_out, w_out)
                       int kh, int kw, int sh, int sw, int ph, int pw, int dh, int dw,
                       int n_threads):
    """Windowed maximum with PyTorch's tie and NaN rules: the first maximum wins,
    a NaN wins over everything after it is seen (``v > m or v != v``), and an
    all ``-inf`` window reports its first in-range tap."""
    cdef Py_ssize_t n_planes = x.shape[0], h_in = x.shape[1], w_in = x.shape[2]
    cdef Py_ssize_t h_out = y.shape[1], w_out = y.shape[2]
    cdef Py_ssize_t row, p, oh, ow, ih, iw, ih0, ih1, iw0, iw1, best
    cdef floating v, m
    cdef int nt = _team(n_planes * h_out * w_out * kh * kw, n_threads)
    with nogil:
        for row in prange(n_planes * h_out, num_threads=nt, schedule="static"):
            p = row // h_out
            oh = row - p * h_out
            ih0 = oh * sh - ph
            ih1 = min(ih0 + (kh - 1) * dh + 1, h_in)
            ih0 = _first_tap(ih0, dh)
            for ow in range(w_out):
                iw0 = ow * sw - pw
                iw1 = min(iw0 + (kw - 1) * dw + 1, w_in)
                iw0 = _first_tap(iw0, dw)
                best = ih0 * w_in + iw0
                m = -INFINITY
                ih = ih0
                while ih < ih1:
                    iw = iw0
                    while iw < iw1:
                        v = x[p, ih, iw]
                        if v > m or v != v:
                            m = v
                            best = ih * w_in + iw
                        iw = iw + dw
                    ih = ih + dh
                y[p, oh, ow] = m
                indices[p, oh, ow] = best


def max_pool2d_forward_values(const floating[:, :, ::1] x,    # IN  (planes, h_in, w_in)
                              floating[:, :, ::1] y,          # OUT (planes, h_out, w_out)
                              int kh, int kw, int sh, int sw, int ph, int pw,
                              int dh, int dw, int n_threads):
    """``max_pool2d_forward`` without indices (inference): same values, no
    index bookkeeping in the inner loop, so the compiler can vectorise it."""
    cdef Py_ssize_t n_planes = x.shape[0], h_in = x.shape[1], w_in = x.shape[2]
    cdef Py_ssize_t h_out = y.shape[1], w_out = y.shape[2]
    cdef Py_ssize_t row, p, oh, ow, ih, iw, ih0, ih1, iw0, iw1
    cdef floating v, m
    cdef int nt = _team(n_planes * h_out * w_out * kh * kw, n_threads)
    with nogil:
        for row in prange(n_planes * h_out, num_threads=nt, schedule="static"):
            p = row // h_out
            oh = row - p * h_out
            ih0 = oh * sh - ph
            ih1 = min(ih0 + (kh - 1) * dh + 1, h_in)
            ih0 = _first_tap(ih0, dh)
            for ow in range(w_out):
                iw0 = ow * sw - pw
                iw1 = min(iw0 + (kw - 1) * dw + 1, w_in)
                iw0 = _first_tap(iw0, dw)
                m = -INFINITY
                ih = ih0
                while ih < ih1:
                    iw = iw0
                    while iw < iw1:
                        v = x[p, ih, iw]
                        if v > m or v != v:
                            m = v
                        iw = iw + dw
                    ih = ih + dh
                y[p, oh, ow] = m


def scatter_add_by_index(const floating[:, ::1] gy,       # IN  (planes, n_out)
                         const int64_t[:, ::1] indices,   # IN  (planes, n_out)
                         floating[:, ::1] gx,             # OUT (planes, n_in), zeroed by caller
                         int n_threads):
    """``gx[p, indices[p, o]] += gy[p, o]``: the backward of max pooling (plain and
    adaptive). An index outside the plane (PyTorch reports one for a window that
    dilation and padding leave empty) carries no gradient."""
    cdef Py_ssize_t n_planes = gy.shape[0], n_out = gy.shape[1], n_in = gx.shape[1]
    cdef Py_ssize_t p, o
    cdef int64_t i
    cdef int nt = _team(n_planes * n_out, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            for o in range(n_out):
                i = indices[p, o]
                if 0 <= i < n_in:
                    gx[p, i] = gx[p, i] + gy[p, o]


def gather_by_index(const floating[:, ::1] g,          # IN  (planes, n_src)
                    const int64_t[:, ::1] indices,     # IN  (planes, n_out), each in [0, n_src)
                    floating[:, ::1] out,              # OUT (planes, n_out)
                    int n_threads):
    """``out[p, o] = g[p, indices[p, o]]``: the backward of max-unpooling."""
    cdef Py_ssize_t n_planes = out.shape[0], n_out = out.shape[1]
    cdef Py_ssize_t p, o
    cdef int nt = _team(n_planes * n_out, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            for o in range(n_out):
                out[p, o] = g[p, indices[p, o]]


def scatter_by_index(const floating[:, ::1] x,         # IN  (planes, n_in)
                     const int64_t[:, ::1] indices,    # IN  (planes, n_in), each in [0, n_out)
                     floating[:, ::1] y,               # OUT (planes, n_out), zeroed by caller
                     int n_threads):
    """``y[p, indices[p, i]] = x[p, i]``: max-unpooling. Where two inputs name one
    output the later one wins, as in PyTorch's serial CPU loop."""
    cdef Py_ssize_t n_planes = x.shape[0], n_in = x.shape[1]
    cdef Py_ssize_t p, i
    cdef int nt = _team(n_planes * n_in, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            for i in range(n_in):
                y[p, indices[p, i]] = x[p, i]


# ------------------------------------------------------------ average pooling
cdef inline Py_ssize_t _avg_divisor(Py_ssize_t hs, Py_ssize_t he, Py_ssize_t ws,
                                    Py_ssize_t we, Py_ssize_t padded_area,
                                    bint count_include_pad,
                                    Py_ssize_t divisor_override) noexcept nogil:
    if divisor_override != 0:
        return divisor_override
    if count_include_pad:
        return padded_area
    return (he - hs) * (we - ws)


def avg_pool2d_forward(const floating[:, :, ::1] x,   # IN  (planes, h_in, w_in)
                       floating[:, :, ::1] y,         # OUT (planes, h_out, w_out)
                       int kh, int kw, int sh, int sw, int ph, int pw,
                       bint count_include_pad, Py_ssize_t divisor_override,
                       int n_threads):
    """Window mean. The padded area counts the window's overlap with the padded
    input (a ceil-mode window hanging past the padding counts only up to it);
    ``divisor_override == 0`` means no override."""
    cdef Py_ssize_t n_planes = x.shape[0], h_in = x.shape[1], w_in = x.shape[2]
    cdef Py_ssize_t h_out = y.shape[1], w_out = y.shape[2]
    cdef Py_ssize_t row, p, oh, ow, ih, iw, hs, he, ws, we, padded_h, divisor
    cdef floating total
    cdef int nt = _team(n_planes * h_out * w_out * kh * kw, n_threads)
    with nogil:
        for row in prange(n_planes * h_out, num_threads=nt, schedule="static"):
            p = row // h_out
            oh = row - p * h_out
            hs = oh * sh - ph
            he = min(hs + kh, h_in + ph)
            padded_h = he - hs
            hs = max(hs, 0)
            he = min(he, h_in)
            for ow in range(w_out):
                ws = ow * sw - pw
                we = min(ws + kw, w_in + pw)
                divisor = _avg_divisor(hs, he, max(ws, 0), min(we, w_in),
                                       padded_h * (we - ws), count_include_pad,
                                       divisor_override)
                ws = max(ws, 0)
                we = min(we, w_in)
                if hs >= he or ws >= we:
                    y[p, oh, ow] = 0
                    continue
                total = 0
                for ih in range(hs, he):
                    for iw in range(ws, we):
                        total = total + x[p, ih, iw]
                y[p, oh, ow] = total / divisor


def avg_pool2d_backward(const floating[:, :, ::1] gy,   # IN  (planes, h_out, w_out)
                        floating[:, :, ::1] gx,         # OUT (planes, h_in, w_in), zeroed by caller
                        int kh, int kw, int sh, int sw, int ph, int pw,
                        bint count_include_pad, Py_ssize_t divisor_override,
                        int n_threads):
    cdef Py_ssize_t n_planes = gx.shape[0], h_in = gx.shape[1], w_in = gx.shape[2]
    cdef Py_ssize_t h_out = gy.shape[1], w_out = gy.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, hs, he, ws, we, padded_h, divisor
    cdef floating g
    cdef int nt = _team(n_planes * h_out * w_out * kh * kw, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            for oh in range(h_out):
                hs = oh * sh - ph
                he = min(hs + kh, h_in + ph)
                padded_h = he - hs
                hs = max(hs, 0)
                he = min(he, h_in)
                for ow in range(w_out):
                    ws = ow * sw - pw
                    we = min(ws + kw, w_in + pw)
                    divisor = _avg_divisor(hs, he, max(ws, 0), min(we, w_in),
                                           padded_h * (we - ws), count_include_pad,
                                           divisor_override)
                    ws = max(ws, 0)
                    we = min(we, w_in)
                    if hs >= he or ws >= we:
                        continue
                    g = gy[p, oh, ow] / divisor
                    for ih in range(hs, he):
                        for iw in range(ws, we):
                            gx[p, ih, iw] = gx[p, ih, iw] + g


# ----------------------------------------------------------- adaptive pooling
# Output cell o of a dimension n_in -> n_out covers [floor(o * n_in / n_out),
# ceil((o + 1) * n_in / n_out)): cells overlap when n_out does not divide n_in.
cdef inline Py_ssize_t _cell_start(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return (o * n_in) // n_out


cdef inline Py_ssize_t _cell_end(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return ((o + 1) * n_in + n_out - 1) // n_out


def adaptive_avg_pool2d_forward(const floating[:, :, ::1] x,   # IN  (planes, h_in, w_in)
                                floating[:, :, ::1] y,         # OUT (planes, h_out, w_out)
                                int n_threads):
    cdef Py_ssize_t n_planes = x.shape[0], h_in = x.shape[1], w_in = x.shape[2]
    cdef Py_ssize_t h_out = y.shape[1], w_out = y.shape[2]
    cdef Py_ssize_t row, p, oh, ow, ih, iw, hs, he, ws, we
    cdef floating total
    cdef int nt = _team(n_planes * max(h_in, h_out) * max(w_in, w_out), n_threads)
    with nogil:
        for row in prange(n_planes * h_out, num_threads=nt, schedule="static"):
            p = row // h_out
            oh = row - p * h_out
            hs = _cell_start(oh, h_in, h_out)
            he = _cell_end(oh, h_in, h_out)
            for ow in range(w_out):
                ws = _cell_start(ow, w_in, w_out)
                we = _cell_end(ow, w_in, w_out)
                total = 0
                for ih in range(hs, he):
                    for iw in range(ws, we):
                        total = total + x[p, ih, iw]
                y[p, oh, ow] = total / ((he - hs) * (we - ws))


def adaptive_avg_pool2d_backward(const floating[:, :, ::1] gy,   # IN  (planes, h_out, w_out)
                                 floating[:, :, ::1] gx,         # OUT (planes, h_in, w_in), zeroed by caller
                                 int n_threads):
    cdef Py_ssize_t n_planes = gx.shape[0], h_in = gx.shape[1], w_in = gx.shape[2]
    cdef Py_ssize_t h_out = gy.shape[1], w_out = gy.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, hs, he, ws, we
    cdef floating g
    cdef int nt = _team(n_planes * max(h_in, h_out) * max(w_in, w_out), n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            for oh in range(h_out):
                hs = _cell_start(oh, h_in, h_out)
                he = _cell_end(oh, h_in, h_out)
                for ow in range(w_out):
                    ws = _cell_start(ow, w_in, w_out)
                    we = _cell_end(ow, w_in, w_out)
                    g = gy[p, oh, ow] / ((he - hs) * (we - ws))
                    for ih in range(hs, he):
                        for iw in range(ws, we):
                            gx[p, ih, iw] = gx[p, ih, iw] + g


def adaptive_max_pool2d_forward(const floating[:, :, ::1] x,   # IN  (planes, h_in, w_in)
                                floating[:, :, ::1] y,         # OUT (planes, h_out, w_out)
                                int64_t[:, :, ::1] indices,    # OUT (planes, h_out, w_out)
                                int n_threads):
    """Cell maximum with the tie and NaN rules of ``max_pool2d_forward``."""
    cdef Py_ssize_t n_planes = x.shape[0], h_in = x.shape[1], w_in = x.shape[2]
    cdef Py_ssize_t h_out = y.shape[1], w_out = y.shape[2]
    cdef Py_ssize_t row, p, oh, ow, ih, iw, hs, he, ws, we, best
    cdef floating v, m
    cdef int nt = _team(n_planes * max(h_in, h_out) * max(w_in, w_out), n_threads)
    with nogil:
        for row in prange(n_planes * h_out, num_threads=nt, schedule="static"):
            p = row // h_out
            oh = row - p * h_out
            hs = _cell_start(oh, h_in, h_out)
            he = _cell_end(oh, h_in, h_out)
            for ow in range(w_out):
                ws = _cell_start(ow, w_in, w_out)
                we = _cell_end(ow, w_in, w_out)
                best = hs * w_in + ws
                m = -INFINITY
                for ih in range(hs, he):
                    for iw in range(ws, we):
                        v = x[p, ih, iw]
                        if v > m or v != v:
                            m = v
                            best = ih * w_in + iw
                y[p, oh, ow] = m
                indices[p, oh, ow] = best
