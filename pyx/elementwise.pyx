"""Elementwise kernels over flat contiguous buffers (the first prange kernels).

Callers pass C-contiguous 1-d views (``a.reshape(-1)``) of equal length; the
Python layer checks that, so the loops index without bounds checks.
"""
from cython.parallel cimport prange
from fused cimport floating

cdef extern from "select.h" nogil:
    float cynn_keep_if_positive_f(float y, float g) noexcept
    double cynn_keep_if_positive_d(double y, double g) noexcept

# Below this many elements a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN = 32768


def relu_forward(const floating[::1] x,   # IN  (n,)
                 floating[::1] y,         # OUT (n,)
                 int n_threads):
    cdef Py_ssize_t i, n = x.shape[0]
    cdef int nt = n_threads if n >= PARALLEL_MIN else 1
    with nogil:
        for i in prange(n, num_threads=nt, schedule="static"):
            y[i] = x[i] if x[i] > 0 else 0


def relu_backward(const floating[::1] y,   # IN  (n,) forward output
                  const floating[::1] gy,  # IN  (n,)
                  floating[::1] gx,        # OUT (n,)
                  int n_threads):
    cdef Py_ssize_t i, n = y.shape[0]
    cdef int nt = n_threads if n >= PARALLEL_MIN else 1
    with nogil:
        if floating is float:
            for i in prange(n, num_threads=nt, schedule="static"):
                gx[i] = cynn_keep_if_positive_f(y[i], gy[i])
        else:
            for i in prange(n, num_threads=nt, schedule="static"):
                gx[i] = cynn_keep_if_positive_d(y[i], gy[i])
