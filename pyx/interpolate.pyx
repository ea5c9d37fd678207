"""One separable resampling pass along one axis, and its transpose.

Every mode of ``F.interpolate`` (nearest, linear, cubic, area, the antialiased
filters) is a weighted sum along each spatial axis in turn: output position ``o``
of an axis is ``sum_k w[o, k] * in[idx[o, k]]``. The Python layer
(``cynn/autograd/functions/vision.py``) computes ``idx`` and ``w`` per axis (a
short ``(n_out, taps)`` table, zero weights padding rows with fewer taps) and
views the array as ``(outer, n_in, inner)`` around the axis, so one kernel serves
every axis of 3-d, 4-d and 5-d inputs.

The backward is the transpose: ``gx[idx[o, k]] += w[o, k] * gy[o]``. Both walk
whole ``outer`` slabs per thread and each sum in one fixed order (k ascending),
so results do not depend on the thread count.
"""
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from libc.string cimport memset
from fused cimport floating

# Below this many multiply-adds a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN_WORK = 1 << 16


cdef inline int _team(Py_ssize_t outer, double work, int n_threads) noexcept nogil:
    if outer < 2 or work < PARALLEL_MIN_WORK:
        return 1
    return max(n_threads, 1)


def _check_table(const int64_t[:, ::1] idx, Py_ssize_t n_out, Py_ssize_t n_in,
                 Py_ssize_t n_weights_rows, Py_ssize_t n_weight_taps):
    cdef Py_ssize_t o, k
    if idx.shape[0] != n_out or n_weights_rows != n_out or n_weight_taps != idx.shape[1]:
        raise ValueError("index and weight tables must both be (n_out, taps)")
    for o in range(idx.shape[0]):
        for k in range(idx.shape[1]):
            if idx[o, k] < 0 or idx[o, k] >= n_in:
                raise ValueError(f"source index {idx[o, k]} outside an axis of {n_in}")


cdef inline void _resample_row(const floating* x, const int64_t* idx, const floating* w,
                               floating* y, Py_ssize_t n_out, Py_ssize_t taps) noexcept nogil:
    """One row along a contiguous axis (inner == 1): a short dot product per output."""
    cdef Py_ssize_t o, k
    cdef floating s
    if taps == 1:
        # nearest: a weighted copy (weight 1 keeps even the sign of a zero)
        for o in range(n_out):
            y[o] = w[o] * x[idx[o]]
        return
    if taps == 2:
        for o in range(n_out):
            s = 0
            s = s + w[2 * o] * x[idx[2 * o]]
            y[o] = s + w[2 * o + 1] * x[idx[2 * o + 1]]
        return
    for o in range(n_out):
        s = 0
        for k in range(taps):
            s = s + w[o * taps + k] * x[idx[o * taps + k]]
        y[o] = s


cdef inline void _resample_slab(const floating* x, const int64_t* idx, const floating* w,
                                floating* y, Py_ssize_t n_out, Py_ssize_t taps,
                                Py_ssize_t inner) noexcept nogil:
    """One ``(n_in, inner)`` slab: whole rows of ``inner`` scaled and added, which the
    compiler vectorizes."""
    cdef Py_ssize_t o, k, i
    cdef floating wk
    cdef const floating* src
    cdef floating* dst
    for o in range(n_out):
        dst = y + o * inner
        if taps == 1:
            wk = w[o]
            src = x + idx[o] * inner
            for i in range(inner):
                dst[i] = wk * src[i]
            continue
        for i in range(inner):
            dst[i] = 0
        for k in range(taps):
            wk = w[o * taps + k]
            src = x + idx[o * taps + k] * inner
            for i in range(inner):
                dst[i] = dst[i] + wk * src[i]


def resample_forward(const floating[:, :, ::1] x,      # IN  (outer, n_in, inner)
                     const int64_t[:, ::1] idx,        # IN  (n_out, taps)
                     const floating[:, ::1] w,         # IN  (n_out, taps)
                     floating[:, :, ::1] y,            # OUT (outer, n_out, inner)
                     int n_threads):
    cdef Py_ssize_t outer = x.shape[0], n_in = x.shape[1], inner = x.shape[2]
    cdef Py_ssize_t n_out = y.shape[1], taps = idx.shape[1]
    cdef Py_ssize_t b
    if y.shape[0] != outer or y.shape[2] != inner:
        raise ValueError("x and y must agree outside the resampled axis")
    _check_table(idx, n_out, n_in, w.shape[0], w.shape[1])
    if outer == 0 or n_out == 0 or inner == 0 or taps == 0:
        if taps == 0:
            y[...] = 0
        return
    with nogil:
        for b in prange(outer, schedule="static",
                        num_threads=_team(outer, <double>outer * n_out * taps * inner,
                                          n_threads)):
            if inner == 1:
                _resample_row(&x[b, 0, 0], &idx[0, 0], &w[0, 0], &y[b, 0, 0], n_out, taps)
            else:
                _resample_slab(&x[b, 0, 0], &idx[0, 0], &w[0, 0], &y[b, 0, 0], n_out, taps,
                               inner)


def resample_backward(const floating[:, :, ::1] gy,    # IN  (outer, n_out, inner)
                      const int64_t[:, ::1] idx,       # IN  (n_out, taps)
                      const floating[:, ::1] w,        # IN  (n_out, taps)
                      floating[:, :, ::1] gx,          # OUT (outer, n_in, inner)
                      int n_threads):
    cdef Py_ssize_t outer = gx.shape[0], n_in = gx.shape[1], inner = gx.shape[2]
    cdef Py_ssize_t n_out = gy.shape[1], taps = idx.shape[1]
    cdef Py_ssize_t b
    if gy.shape[0] != outer or gy.shape[2] != inner:
        raise ValueError("gy and gx must agree outside the resampled axis")
    _check_table(idx, n_out, n_in, w.shape[0], w.shape[1])
    if outer == 0 or n_in == 0 or inner == 0:
        return
    with nogil:
        for b in prange(outer, schedule="static",
                        num_threads=_team(outer, <double>outer * n_out * taps * inner,
                                          n_threads)):
            _scatter_slab(&gy[b, 0, 0] if n_out else NULL, &idx[0, 0] if n_out else NULL,
                          &w[0, 0] if n_out else NULL, &gx[b, 0, 0], n_in, n_out, taps, inner)


cdef inline void _scatter_slab(const floating* gy, const int64_t* idx, const floating* w,
                               floating* gx, Py_ssize_t n_in, Py_ssize_t n_out,
                               Py_ssize_t taps, Py_ssize_t inner) noexcept nogil:
    """gx = A^T gy for one slab, outputs visited in order so every sum has one order."""
    cdef Py_ssize_t o, k, i
    cdef floating wk, g
    cdef const floating* src
    cdef floating* dst
    memset(gx, 0, n_in * inner * sizeof(floating))
    if inner == 1:
        for o in range(n_out):
            g = gy[o]
            for k in range(taps):
                gx[idx[o * taps + k]] += w[o * taps + k] * g
        return
    for o in range(n_out):
        src = gy + o * inner
        for k in range(taps):
            wk = w[o * taps + k]
            dst = gx + idx[o * taps + k] * inner
            for i in range(inner):
                dst[i] = dst[i] + wk * src[i]
