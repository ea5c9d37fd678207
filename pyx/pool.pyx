"""Pooling kernels (max, average, adaptive, max-unpool) over NCHW planes.

Every array is viewed as ``(planes, h, w)`` or ``(planes, h * w)`` with
``planes = N * C`` and C-contiguous rows; 1-d pooling is 2-d pooling with
``h = 1``. Indices are int64 flat offsets ``ih * w_in + iw`` into one input
plane, as PyTorch returns them. The Python layer (``cynn/nn/functional/
pooling.py``) validates shapes and output sizes first, and brings every
window argument into a range where the arithmetic below cannot overflow
(PyTorch's 2-d pooling takes C ``int`` arguments; ``max_pool1d`` windows wider
than the input are clamped to the taps that can reach it). Tables and loops
span the input and output, never a kernel wider than both: such kernels take
the per-output loops, which visit only in-range taps. Loops over index tensors
(unpooling, the max-pooling backward) check every index themselves, since the
index tensor is the user's and may change at any time.

Forward kernels parallelise over ``planes * h_out`` output rows (each output
is written by exactly one thread). Backward kernels scatter into overlapping
input windows, so they parallelise over whole planes. Either way every value
is computed in one fixed order: results do not depend on the thread count.
The window arithmetic this file shares with pool3d.pyx is pool_window.pxd's.

Windowed max and mean run "row-wise": for one output row, each kernel tap
``(r, c)`` updates the whole row ``ow = lo[c] .. hi[c]`` at once. The inner
loop then has independent iterations and no branches, so the compiler
vectorises it; the naive per-output loop is bound by the compare-select
dependency chain of one window. Each output still sees its taps in PyTorch's
order (kernel rows, then columns), so ties and sums come out identical. Rows
narrower than ``ROWWISE_MIN_WIDTH`` (global pooling) and max windows spanning
2**24 or more input elements use the per-output loop.
"""
import numpy as np

from cython.parallel cimport prange, threadid
from libc.math cimport INFINITY
from libc.stdint cimport int64_t
from libc.string cimport memset
from fused cimport floating
from pool_window cimport _team, _first_tap, _cell_start, _cell_end

cdef extern from "pool2x2.h" nogil:
    int cynn_pool2x2_supported()
    void cynn_max_pool2x2_plane(const float* x, long w_in, long h_out, long w_out, float* y,
                                int64_t* indices)

# Narrower output rows gain nothing from the row-wise loop.
cdef Py_ssize_t ROWWISE_MIN_WIDTH = 4
# The row-wise max keeps the winner's offset in its window in the data's own float
# type; float32 holds integers exactly only up to 2**24 (larger windows: scalar loop).
cdef Py_ssize_t FLOAT32_EXACT_INT = 1 << 24
# pool2x2.h's offsets within a pair of input rows (below 2 * w_in + 2) are int32
cdef Py_ssize_t INT32_LIMIT = 1 << 31
# pool2x2.h's kernel runs where the CPU has AVX-512F (checked once, at import)
cdef bint _POOL2X2_SIMD = cynn_pool2x2_supported()


ctypedef struct Window:
    Py_ssize_t h_in, w_in, h_out, w_out
    Py_ssize_t kh, kw, sh, sw, ph, pw, dh, dw


def _column_ranges(Py_ssize_t w_in, Py_ssize_t w_out, Py_ssize_t kw, Py_ssize_t sw,
                   Py_ssize_t pw, Py_ssize_t dw):
    """For kernel column c: the outputs ``lo[c] <= ow < hi[c]`` whose tap
    ``ow * sw - pw + c * dw`` falls inside ``[0, w_in)``."""
    offset = np.arange(kw, dtype=np.intp) * dw - pw
    lo = np.maximum(-(offset // sw), 0)                 # ceil(-offset / sw)
    hi = np.minimum((w_in - 1 - offset) // sw + 1, w_out)
    return lo.astype(np.intp), np.maximum(hi, lo).astype(np.intp)


cdef inline Window _window(Py_ssize_t h_in, Py_ssize_t w_in, Py_ssize_t h_out,
                           Py_ssize_t w_out, Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh,
                           Py_ssize_t sw, Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh,
                           Py_ssize_t dw) noexcept:
    cdef Window g
    g.h_in = h_in; g.w_in = w_in; g.h_out = h_out; g.w_out = w_out
    g.kh = kh; g.kw = kw; g.sh = sh; g.sw = sw; g.ph = ph; g.pw = pw; g.dh = dh; g.dw = dw
    return g


cdef inline bint _narrow_kernel(const Window* g) noexcept nogil:
    """Whether the row-wise loops, whose tables and loops span every kernel column,
    stay within the input and output rows; wider kernels (mostly padding) take
    the per-output loops."""
    return g.kw <= g.w_in + g.w_out + ROWWISE_MIN_WIDTH


cdef inline double _window_work(Py_ssize_t n_planes, const Window* g) noexcept nogil:
    """Taps visited: the in-range part of every window, at most."""
    return (<double>n_planes * g.h_out * g.w_out * min(g.kh, g.h_in) * min(g.kw, g.w_in))


# ---------------------------------------------------------------- max pooling
# PyTorch's rule, kept by every max kernel here: a tap wins when it is greater
# than the running maximum or is NaN (so the first maximum wins a tie and the
# last NaN wins), starting from -inf at the window's first in-range tap.

cdef void _max_row_scalar(const floating* xp, floating* yr, int64_t* ir,
                          Py_ssize_t oh, const Window* g, bint want_indices) noexcept nogil:
    cdef Py_ssize_t ow, ih, iw, ih0, ih1, iw0, iw1, best
    cdef floating v, m
    ih0 = oh * g.sh - g.ph
    ih1 = min(ih0 + (g.kh - 1) * g.dh + 1, g.h_in)
    ih0 = _first_tap(ih0, g.dh)
    for ow in range(g.w_out):
        iw0 = ow * g.sw - g.pw
        iw1 = min(iw0 + (g.kw - 1) * g.dw + 1, g.w_in)
        iw0 = _first_tap(iw0, g.dw)
        best = ih0 * g.w_in + iw0
        m = -INFINITY
        ih = ih0
        while ih < ih1:
            iw = iw0
            while iw < iw1:
                v = xp[ih * g.w_in + iw]
                if v > m or v != v:
                    m = v
                    best = ih * g.w_in + iw
                iw = iw + g.dw
            ih = ih + g.dh
        yr[ow] = m
        if want_indices:
            ir[ow] = best


cdef inline void _max_tap(const floating* xr, floating* yr, floating* best_offset,
                          floating tap_offset, Py_ssize_t start, Py_ssize_t stop,
                          Py_ssize_t stride, Py_ssize_t shift, bint want_indices) noexcept nogil:
    """One kernel tap over a row: ``y[ow] = max(y[ow], xr[ow * stride + shift])``."""
    cdef Py_ssize_t ow
    cdef floating v, m, prev_offset
    cdef bint take
    if want_indices:
        for ow in range(start, stop):
            v = xr[ow * stride + shift]
            m = yr[ow]
            prev_offset = best_offset[ow]   # loaded unconditionally: the select vectorises
            take = (v > m) | (v != v)
            yr[ow] = v if take else m
            best_offset[ow] = tap_offset if take else prev_offset
    else:
        for ow in range(start, stop):
            v = xr[ow * stride + shift]
            m = yr[ow]
            yr[ow] = v if ((v > m) | (v != v)) else m


cdef void _max_row_vectorised(const floating* xp, floating* yr, int64_t* ir,
                              floating* best_offset, Py_ssize_t oh, const Window* g,
                              const Py_ssize_t* lo, const Py_ssize_t* hi,
                              bint want_indices) noexcept nogil:
    # best_offset[ow]: where the running maximum sits relative to its window's corner
    # (ih0, iw0) in the plane, r * dh * w_in + c * dw; adding the corner's offset
    # gives the index, no division needed.
    cdef Py_ssize_t ow, ih, ih0, ih1, c, w_start, shift
    cdef floating tap_offset
    cdef const floating* xr
    ih0 = oh * g.sh - g.ph
    ih1 = min(ih0 + (g.kh - 1) * g.dh + 1, g.h_in)
    for ow in range(g.w_out):
        yr[ow] = -INFINITY
    if want_indices:
        for ow in range(g.w_out):
            w_start = ow * g.sw - g.pw
            best_offset[ow] = ((_first_tap(ih0, g.dh) - ih0) * g.w_in
                               + _first_tap(w_start, g.dw) - w_start)
    ih = _first_tap(ih0, g.dh)
    while ih < ih1:
        xr = xp + ih * g.w_in
        for c in range(g.kw):
            shift = c * g.dw - g.pw    # tap (ih, c) of output ow reads xr[ow * sw + shift]
            tap_offset = (ih - ih0) * g.w_in + c * g.dw
            # literal strides let the compiler vectorise the common cases
            if g.sw == 1:
                _max_tap(xr, yr, best_offset, tap_offset, lo[c], hi[c], 1, shift, want_indices)
            elif g.sw == 2:
                _max_tap(xr, yr, best_offset, tap_offset, lo[c], hi[c], 2, shift, want_indices)
            else:
                _max_tap(xr, yr, best_offset, tap_offset, lo[c], hi[c], g.sw, shift,
                         want_indices)
        ih = ih + g.dh
    if want_indices:
        # offsets are below 2**24: the int conversion vectorises, the int64 one does not
        for ow in range(g.w_out):
            ir[ow] = ih0 * g.w_in + ow * g.sw - g.pw + <int>best_offset[ow]


cdef void _max_row_2x2(const floating* xp, floating* yr, int64_t* ir, Py_ssize_t oh,
                       Py_ssize_t w_in, Py_ssize_t w_out, bint want_indices) noexcept nogil:
    """One output row of a 2x2, stride-2, unpadded window whose rows and columns
    all lie inside the plane: four taps in PyTorch's order, no tap tables. The
    general row-wise loop costs tens of nanoseconds per row in set-up alone,
    which dominates LeNet-sized planes (5-wide output rows)."""
    cdef const floating* r0 = xp + 2 * oh * w_in
    cdef const floating* r1 = r0 + w_in
    cdef Py_ssize_t ow, corner = 2 * oh * w_in
    cdef floating m, v
    cdef int64_t k
    cdef bint take
    for ow in range(w_out):
        m = r0[2 * ow]          # the first tap always wins over -inf (or ties it)
        k = 0
        v = r0[2 * ow + 1]
        take = (v > m) | (v != v)
        m = v if take else m
        k = 1 if take else k
        v = r1[2 * ow]
        take = (v > m) | (v != v)
        m = v if take else m
        k = w_in if take else k
        v = r1[2 * ow + 1]
        take = (v > m) | (v != v)
        m = v if take else m
        k = w_in + 1 if take else k
        yr[ow] = m
        if want_indices:
            ir[ow] = corner + 2 * ow + k


def max_pool2d_forward(const floating[:, :, ::1] x,    # IN  (planes, h_in, w_in)
                       floating[:, :, ::1] y,          # OUT (planes, h_out, w_out)
                       int64_t[:, :, ::1] indices,     # OUT (planes, h_out, w_out) or None
                       Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,
                       Py_ssize_t ph, Py_ssize_t pw, Py_ssize_t dh, Py_ssize_t dw,
                       int n_threads):
    """Windowed maximum and, unless ``indices`` is None, its argmax. A window
    that dilation and padding leave without in-range taps gives ``-inf`` and the
    offset of its first tap, which lies outside the plane (as in PyTorch)."""
    cdef Window g = _window(x.shape[1], x.shape[2], y.shape[1], y.shape[2],
                            kh, kw, sh, sw, ph, pw, dh, dw)
    cdef Py_ssize_t n_planes = x.shape[0]
    cdef bint want_indices = indices is not None
    # short-circuits: each product is formed only once its factors are known to be small
    cdef bint rowwise = (g.w_out >= ROWWISE_MIN_WIDTH and _narrow_kernel(&g)
                         and (g.kh - 1) * g.dh < FLOAT32_EXACT_INT
                         and (g.kw - 1) * g.dw < FLOAT32_EXACT_INT
                         and (g.kh - 1) * g.dh * g.w_in + (g.kw - 1) * g.dw < FLOAT32_EXACT_INT)
    cdef int nt = _team(_window_work(n_planes, &g), n_threads)
    cdef Py_ssize_t row, p, oh
    cdef int64_t* ir
    cdef bint two_by_two = (g.kh == 2 and g.kw == 2 and g.sh == 2 and g.sw == 2 and g.ph == 0
                            and g.pw == 0 and g.dh == 1 and g.dw == 1
                            and 2 * g.h_out <= g.h_in and 2 * g.w_out <= g.w_in)
    if n_planes * g.h_out * g.w_out == 0:
        return
    if floating is float:
        if two_by_two and _POOL2X2_SIMD and 2 * g.w_in + 2 < INT32_LIMIT:
            _max_pool2x2_planes(x, y, indices, &g, nt)
            return
    if two_by_two:
        with nogil:
            for row in prange(n_planes * g.h_out, num_threads=nt, schedule="static"):
                p = row // g.h_out
                oh = row - p * g.h_out
                ir = &indices[p, oh, 0] if want_indices else NULL
                _max_row_2x2(&x[p, 0, 0], &y[p, oh, 0], ir, oh, g.w_in, g.w_out, want_indices)
        return
    lo_array, hi_array = _column_ranges(g.w_in, g.w_out, g.kw if rowwise else 0, g.sw, g.pw,
                                        g.dw)
    cdef Py_ssize_t[::1] lo = lo_array, hi = hi_array
    cdef const Py_ssize_t* lo_ptr = &lo[0] if rowwise else NULL
    cdef const Py_ssize_t* hi_ptr = &hi[0] if rowwise else NULL
    # one row per thread, padded by a cache line or more so that threads never share one
    cdef floating[:, ::1] best_offsets = np.empty(
        (nt, (g.w_out // 64 + 2) * 64), dtype=np.float32 if floating is float else np.float64)
    with nogil:
        for row in prange(n_planes * g.h_out, num_threads=nt, schedule="static"):
            p = row // g.h_out
            oh = row - p * g.h_out
            ir = &indices[p, oh, 0] if want_indices else NULL
            if rowwise:
                _max_row_vectorised(&x[p, 0, 0], &y[p, oh, 0], ir, &best_offsets[threadid(), 0],
                                    oh, &g, lo_ptr, hi_ptr, want_indices)
            else:
                _max_row_scalar(&x[p, 0, 0], &y[p, oh, 0], ir, oh, &g, want_indices)


cdef void _max_pool2x2_planes(const float[:, :, ::1] x, float[:, :, ::1] y,
                              int64_t[:, :, ::1] indices, const Window* g, int nt):
    """The 2x2, stride-2 max of every plane with pool2x2.h's AVX-512 kernel."""
    cdef Py_ssize_t p
    cdef bint want_indices = indices is not None
    if g.h_out * g.w_out == 0:
        return
    with nogil:
        for p in prange(x.shape[0], num_threads=nt, schedule="static"):
            cynn_max_pool2x2_plane(&x[p, 0, 0], g.w_in, g.h_out, g.w_out, &y[p, 0, 0],
                                   &indices[p, 0, 0] if want_indices else NULL)


def scatter_add_by_index(const floating[:, ::1] gy,       # IN  (planes, n_out)
                         const int64_t[:, ::1] indices,   # IN  (planes, n_out)
                         floating[:, ::1] gx,             # OUT (planes, n_in)
                         int n_threads):
    """``gx = 0; gx[p, indices[p, o]] += gy[p, o]``: the backward of max pooling
    (plain and adaptive, 2-d and 3-d). Returns how many indices fall outside
    ``[0, n_in)``: those (an empty window's) carry no gradient."""
    cdef Py_ssize_t n_planes = gy.shape[0], n_out = gy.shape[1], n_in = gx.shape[1]
    cdef Py_ssize_t p, o, n_bad = 0
    cdef int64_t i
    cdef int nt = _team(n_planes * (n_out + n_in), n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            memset(&gx[p, 0], 0, n_in * sizeof(floating))
            for o in range(n_out):
                i = indices[p, o]
                if 0 <= i < n_in:
                    gx[p, i] = gx[p, i] + gy[p, o]
                else:
                    n_bad += 1
    return n_bad


def gather_by_index(const floating[:, ::1] g,          # IN  (planes, n_src)
                    const int64_t[:, ::1] indices,     # IN  (planes, n_out)
                    floating[:, ::1] out,              # OUT (planes, n_out)
                    int n_threads):
    """``out[p, o] = g[p, indices[p, o]]``: the backward of max-unpooling. Returns
    how many indices fall outside ``[0, n_src)`` (their outputs are set to 0): the
    caller raises when any do. The indices are a user's tensor, which can change
    after any check made before this call, so the loop checks each one itself."""
    cdef Py_ssize_t n_planes = out.shape[0], n_out = out.shape[1], n_src = g.shape[1]
    cdef Py_ssize_t p, o, n_bad = 0
    cdef int64_t i
    cdef int nt = _team(n_planes * n_out, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            for o in range(n_out):
                i = indices[p, o]
                if 0 <= i < n_src:
                    out[p, o] = g[p, i]
                else:
                    out[p, o] = 0
                    n_bad += 1
    return n_bad


def scatter_by_index(const floating[:, ::1] x,         # IN  (planes, n_in)
                     const int64_t[:, ::1] indices,    # IN  (planes, n_in)
                     floating[:, ::1] y,               # OUT (planes, n_out)
                     int n_threads):
    """``y = 0; y[p, indices[p, i]] = x[p, i]``: max-unpooling. Where two inputs name
    one output the later one wins, as in PyTorch's serial CPU loop. Returns how
    many indices fall outside ``[0, n_out)`` (skipped): the caller raises when any
    do (see ``gather_by_index`` for why the loop checks them)."""
    cdef Py_ssize_t n_planes = x.shape[0], n_in = x.shape[1], n_out = y.shape[1]
    cdef Py_ssize_t p, i, n_bad = 0
    cdef int64_t j
    cdef int nt = _team(n_planes * (n_in + n_out), n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            if n_out > 0:
                memset(&y[p, 0], 0, n_out * sizeof(floating))
            for i in range(n_in):
                j = indices[p, i]
                if 0 <= j < n_out:
                    y[p, j] = x[p, i]
                else:
                    n_bad += 1
    return n_bad


# ------------------------------------------------------------ average pooling
# PyTorch's divisor: ``divisor_override`` when given (0 here means none), else
# the window's area clipped to the padded input (count_include_pad; a ceil-mode
# window hanging past the padding counts only up to it), else the area of its
# in-range part. A window with no in-range tap averages to 0.

cdef inline Py_ssize_t _avg_divisor(Py_ssize_t hs, Py_ssize_t ws, const Window* g,
                                    bint count_include_pad,
                                    Py_ssize_t divisor_override) noexcept nogil:
    """Divisor of the window ``[hs, hs + kh) x [ws, ws + kw)`` (unclipped starts)."""
    if divisor_override != 0:
        return divisor_override
    if count_include_pad:
        return ((min(hs + g.kh, g.h_in + g.ph) - hs)
                * (min(ws + g.kw, g.w_in + g.pw) - ws))
    return ((min(hs + g.kh, g.h_in) - max(hs, 0))
            * (min(ws + g.kw, g.w_in) - max(ws, 0)))


cdef inline void _add_tap(const floating* xr, floating* yr, Py_ssize_t start, Py_ssize_t stop,
                          Py_ssize_t stride, Py_ssize_t shift) noexcept nogil:
    """One kernel tap over a row: ``y[ow] += xr[ow * stride + shift]``."""
    cdef Py_ssize_t ow
    for ow in range(start, stop):
        yr[ow] = yr[ow] + xr[ow * stride + shift]


cdef void _avg_row(const floating* xp, floating* yr, Py_ssize_t oh, const Window* g,
                   const Py_ssize_t* lo, const Py_ssize_t* hi, bint count_include_pad,
                   Py_ssize_t divisor_override) noexcept nogil:
    cdef Py_ssize_t ow, ih, hs, he, c, ws
    cdef const floating* xr
    hs = oh * g.sh - g.ph
    he = min(hs + g.kh, g.h_in)
    for ow in range(g.w_out):
        yr[ow] = 0
    for ih in range(max(hs, 0), he):
        xr = xp + ih * g.w_in
        for c in range(g.kw):
            # literal strides let the compiler vectorise the common cases
            if g.sw == 1:
                _add_tap(xr, yr, lo[c], hi[c], 1, c - g.pw)
            elif g.sw == 2:
                _add_tap(xr, yr, lo[c], hi[c], 2, c - g.pw)
            else:
                _add_tap(xr, yr, lo[c], hi[c], g.sw, c - g.pw)
    for ow in range(g.w_out):
        ws = ow * g.sw - g.pw
        if max(hs, 0) < he and max(ws, 0) < min(ws + g.kw, g.w_in):
            yr[ow] = yr[ow] / _avg_divisor(hs, ws, g, count_include_pad, divisor_override)


cdef void _avg_row_scalar(const floating* xp, floating* yr, Py_ssize_t oh, const Window* g,
                          bint count_include_pad, Py_ssize_t divisor_override) noexcept nogil:
    """``_avg_row`` one output at a time over its in-range taps only, for kernels
    far wider than the input (the sums run in the same order)."""
    cdef Py_ssize_t ow, ih, iw, hs, he, ws, we
    cdef floating total
    hs = oh * g.sh - g.ph
    he = min(hs + g.kh, g.h_in)
    for ow in range(g.w_out):
        ws = ow * g.sw - g.pw
        we = min(ws + g.kw, g.w_in)
        total = 0
        for ih in range(max(hs, 0), he):
            for iw in range(max(ws, 0), we):
                total = total + xp[ih * g.w_in + iw]
        if max(hs, 0) < he and max(ws, 0) < we:
            total = total / _avg_divisor(hs, ws, g, count_include_pad, divisor_override)
        yr[ow] = total


def avg_pool2d_forward(const floating[:, :, ::1] x,   # IN  (planes, h_in, w_in)
                       floating[:, :, ::1] y,         # OUT (planes, h_out, w_out)
                       Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,
                       Py_ssize_t ph, Py_ssize_t pw,
                       bint count_include_pad, Py_ssize_t divisor_override,
                       int n_threads):
    """Window mean; ``divisor_override == 0`` means no override."""
    cdef Window g = _window(x.shape[1], x.shape[2], y.shape[1], y.shape[2],
                            kh, kw, sh, sw, ph, pw, 1, 1)
    cdef Py_ssize_t n_planes = x.shape[0]
    cdef int nt = _team(_window_work(n_planes, &g), n_threads)
    cdef bint rowwise = _narrow_kernel(&g)
    cdef Py_ssize_t row, p, oh
    if n_planes * g.h_out * g.w_out == 0:
        return
    lo_array, hi_array = _column_ranges(g.w_in, g.w_out, g.kw if rowwise else 0, g.sw, g.pw, 1)
    cdef Py_ssize_t[::1] lo = lo_array, hi = hi_array
    cdef const Py_ssize_t* lo_ptr = &lo[0] if rowwise else NULL
    cdef const Py_ssize_t* hi_ptr = &hi[0] if rowwise else NULL
    with nogil:
        for row in prange(n_planes * g.h_out, num_threads=nt, schedule="static"):
            p = row // g.h_out
            oh = row - p * g.h_out
            if rowwise:
                _avg_row(&x[p, 0, 0], &y[p, oh, 0], oh, &g, lo_ptr, hi_ptr,
                         count_include_pad, divisor_override)
            else:
                _avg_row_scalar(&x[p, 0, 0], &y[p, oh, 0], oh, &g, count_include_pad,
                                divisor_override)


def avg_pool2d_backward(const floating[:, :, ::1] gy,   # IN  (planes, h_out, w_out)
                        floating[:, :, ::1] gx,         # OUT (planes, h_in, w_in)
                        Py_ssize_t kh, Py_ssize_t kw, Py_ssize_t sh, Py_ssize_t sw,
                        Py_ssize_t ph, Py_ssize_t pw,
                        bint count_include_pad, Py_ssize_t divisor_override,
                        int n_threads):
    """``gx = 0; gx[window] += gy / divisor`` for every window."""
    cdef Window g = _window(gx.shape[1], gx.shape[2], gy.shape[1], gy.shape[2],
                            kh, kw, sh, sw, ph, pw, 1, 1)
    cdef Py_ssize_t n_planes = gx.shape[0]
    cdef Py_ssize_t p, oh, ow, ih, iw, hs, he, ws, we
    cdef floating share
    cdef int nt = _team(_window_work(n_planes, &g), n_threads)
    if n_planes * g.h_in * g.w_in == 0:
        return
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            memset(&gx[p, 0, 0], 0, g.h_in * g.w_in * sizeof(floating))
            for oh in range(g.h_out):
                hs = oh * g.sh - g.ph
                he = min(hs + g.kh, g.h_in)
                for ow in range(g.w_out):
                    ws = ow * g.sw - g.pw
                    we = min(ws + g.kw, g.w_in)
                    if max(hs, 0) >= he or max(ws, 0) >= we:
                        continue
                    share = gy[p, oh, ow] / _avg_divisor(hs, ws, &g, count_include_pad,
                                                         divisor_override)
                    for ih in range(max(hs, 0), he):
                        for iw in range(max(ws, 0), we):
                            gx[p, ih, iw] = gx[p, ih, iw] + share


# ------------------------------------------------------------- global pooling
cdef enum:
    LANES = 32


cdef floating _row_mean(const floating* row, Py_ssize_t n) noexcept nogil:
    # 32 interleaved partial sums, each a plain sequential sum: the compiler
    # vectorises the loop (into independent add chains) without changing the rounding.
    cdef floating acc[LANES]
    cdef floating total = 0
    cdef Py_ssize_t i, j, n_full = n - n % LANES
    for j in range(LANES):
        acc[j] = 0
    i = 0
    while i < n_full:
        for j in range(LANES):
            acc[j] = acc[j] + row[i + j]
        i = i + LANES
    for j in range(LANES):
        total = total + acc[j]
    for i in range(n_full, n):
        total = total + row[i]
    return total / n


def plane_means(const floating[:, ::1] x,   # IN  (planes, n), n >= 1
                floating[::1] out,          # OUT (planes,)
                int n_threads):
    """``out[p] = mean(x[p, :])``, the same for any thread count."""
    cdef Py_ssize_t n_planes = x.shape[0], n = x.shape[1], p
    cdef int nt = _team(n_planes * n, n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            out[p] = _row_mean(&x[p, 0], n)


# ----------------------------------------------------------- adaptive pooling
# (cells: see pool_window.pxd)
cdef void _adaptive_row(const floating* xp, floating* yr, int64_t* ir, Py_ssize_t oh,
                        Py_ssize_t h_in, Py_ssize_t w_in, Py_ssize_t h_out, Py_ssize_t w_out,
                        bint is_max) noexcept nogil:
    """Output row ``oh`` of one plane: every cell's mean, or with ``is_max`` its
    maximum and argmax (the max-pooling tie and NaN rule)."""
    cdef Py_ssize_t ow, ih, iw, hs, he, ws, we, best
    cdef floating v, acc
    hs = _cell_start(oh, h_in, h_out)
    he = _cell_end(oh, h_in, h_out)
    for ow in range(w_out):
        ws = _cell_start(ow, w_in, w_out)
        we = _cell_end(ow, w_in, w_out)
        best = hs * w_in + ws
        acc = -INFINITY if is_max else 0
        for ih in range(hs, he):
            for iw in range(ws, we):
                v = xp[ih * w_in + iw]
                if not is_max:
                    acc = acc + v
                elif v > acc or v != v:
                    acc = v
                    best = ih * w_in + iw
        if is_max:
            yr[ow] = acc
            ir[ow] = best
        else:
            yr[ow] = acc / ((he - hs) * (we - ws))


def adaptive_pool2d_forward(const floating[:, :, ::1] x,   # IN  (planes, h_in, w_in), non-empty
                            floating[:, :, ::1] y,         # OUT (planes, h_out, w_out)
                            int64_t[:, :, ::1] indices,    # OUT like y (max) or None (mean)
                            int n_threads):
    """Mean of every adaptive cell, or with ``indices`` its maximum and argmax."""
    cdef Py_ssize_t n_planes = x.shape[0], h_in = x.shape[1], w_in = x.shape[2]
    cdef Py_ssize_t h_out = y.shape[1], w_out = y.shape[2]
    cdef Py_ssize_t row, p, oh
    cdef bint is_max = indices is not None
    cdef int nt = _team(<double>n_planes * max(h_in, h_out) * max(w_in, w_out), n_threads)
    if n_planes * h_out * w_out == 0:
        return
    with nogil:
        for row in prange(n_planes * h_out, num_threads=nt, schedule="static"):
            p = row // h_out
            oh = row - p * h_out
            _adaptive_row(&x[p, 0, 0], &y[p, oh, 0], &indices[p, oh, 0] if is_max else NULL,
                          oh, h_in, w_in, h_out, w_out, is_max)


def adaptive_avg_pool2d_backward(const floating[:, :, ::1] gy,   # IN  (planes, h_out, w_out)
                                 floating[:, :, ::1] gx,         # OUT (planes, h_in, w_in)
                                 int n_threads):
    """``gx = 0; gx[cell] += gy / cell area`` for every cell."""
    cdef Py_ssize_t n_planes = gx.shape[0], h_in = gx.shape[1], w_in = gx.shape[2]
    cdef Py_ssize_t h_out = gy.shape[1], w_out = gy.shape[2]
    cdef Py_ssize_t p, oh, ow, ih, iw, hs, he, ws, we
    cdef floating share
    cdef int nt = _team(<double>n_planes * max(h_in, h_out) * max(w_in, w_out), n_threads)
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            memset(&gx[p, 0, 0], 0, h_in * w_in * sizeof(floating))
            for oh in range(h_out):
                hs = _cell_start(oh, h_in, h_out)
                he = _cell_end(oh, h_in, h_out)
                for ow in range(w_out):
                    ws = _cell_start(ow, w_in, w_out)
                    we = _cell_end(ow, w_in, w_out)
                    share = gy[p, oh, ow] / ((he - hs) * (we - ws))
                    for ih in range(hs, he):
                        for iw in range(ws, we):
                            gx[p, ih, iw] = gx[p, ih, iw] + share
