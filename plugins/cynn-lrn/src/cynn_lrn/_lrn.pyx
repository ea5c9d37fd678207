"""Local response normalisation kernels over (n_batch, channels, n_pos) arrays.

The Python layer (``cynn_lrn.functional``) reshapes any (N, C, *) input to a
C-contiguous (N, C, L) array, checks dtypes, shapes and ``size >= 1`` first, so the
loops index without bounds checks. Work is split into tasks of one sample and
CHUNK consecutive positions; each task sweeps all channels of its chunk.

Notation (as ``torch.nn.LocalResponseNorm``), window W(c) = [c - size//2, c + (size-1)//2]
clipped to the valid channels:

    s_c = k + alpha/size * sum_{c' in W(c)} x_c'^2,      y_c = x_c * s_c^-beta
"""
from cython.parallel cimport prange
from libc.math cimport pow

ctypedef fused floating:
    float
    double

# Positions of the trailing axis per task: a (channels, CHUNK) tile stays in cache
# while the channel window slides over it.
cdef Py_ssize_t CHUNK = 256
# Below this many elements a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN = 32768


def lrn_forward(const floating[:, :, ::1] x,    # IN  (n_batch, channels, n_pos)
                floating[:, :, ::1] scale,      # OUT (n_batch, channels, n_pos) s, for backward
                floating[:, :, ::1] y,          # OUT (n_batch, channels, n_pos)
                int size, double alpha, double beta, double k, int n_threads):
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], n_pos = x.shape[2]
    cdef Py_ssize_t n_chunks = (n_pos + CHUNK - 1) // CHUNK
    cdef Py_ssize_t front = size // 2, back = (size - 1) // 2
    cdef Py_ssize_t task, b, p0, p1, p, c, c0, c1, cw
    cdef double acc, xv, s, coef = alpha / size
    cdef int nt = n_threads if n_batch * channels * n_pos >= PARALLEL_MIN else 1
    with nogil:
        for task in prange(n_batch * n_chunks, num_threads=nt, schedule="static"):
            b = task // n_chunks
            p0 = (task % n_chunks) * CHUNK
            p1 = min(p0 + CHUNK, n_pos)
            for c in range(channels):
                c0 = max(c - front, 0)
                c1 = min(c + back + 1, channels)
                for p in range(p0, p1):
                    acc = 0.0
                    for cw in range(c0, c1):
                        xv = x[b, cw, p]
                        acc = acc + xv * xv  # not `+=`: that would make acc a prange reduction
                    s = k + coef * acc
                    scale[b, c, p] = <floating>s
                    y[b, c, p] = <floating>(x[b, c, p] * pow(s, -beta))


def lrn_backward(const floating[:, :, ::1] x,      # IN  (n_batch, channels, n_pos)
                 const floating[:, :, ::1] scale,  # IN  (n_batch, channels, n_pos) s from forward
                 const floating[:, :, ::1] gy,     # IN  (n_batch, channels, n_pos)
                 floating[:, :, ::1] gx,           # OUT (n_batch, channels, n_pos)
                 floating[:, :, ::1] work,         # SCRATCH (n_batch, channels, n_pos)
                 int size, double alpha, double beta, int n_threads):
    # dy_c/dx_j = [c == j] s_j^-beta - (2 alpha beta / size) x_c s_c^(-beta-1) x_j for j in W(c):
    #   gx_j = gy_j s_j^-beta - (2 alpha beta / size) x_j sum_{c : j in W(c)} gy_c x_c s_c^(-beta-1)
    # and j in W(c)  <=>  c in [j - (size-1)//2, j + size//2] (the mirrored window).
    # First sweep: work_c = gy_c x_c s_c^-beta / s_c, and gx holds s_c^-beta until the second.
    cdef Py_ssize_t n_batch = x.shape[0], channels = x.shape[1], n_pos = x.shape[2]
    cdef Py_ssize_t n_chunks = (n_pos + CHUNK - 1) // CHUNK
    cdef Py_ssize_t front = size // 2, back = (size - 1) // 2
    cdef Py_ssize_t task, b, p0, p1, p, c, c0, c1, cw
    cdef double acc, s, s_pow, coef = 2.0 * alpha * beta / size
    cdef int nt = n_threads if n_batch * channels * n_pos >= PARALLEL_MIN else 1
    with nogil:
        for task in prange(n_batch * n_chunks, num_threads=nt, schedule="static"):
            b = task // n_chunks
            p0 = (task % n_chunks) * CHUNK
            p1 = min(p0 + CHUNK, n_pos)
            for c in range(channels):
                for p in range(p0, p1):
                    s = scale[b, c, p]
                    s_pow = pow(s, -beta)
                    gx[b, c, p] = <floating>s_pow
                    work[b, c, p] = <floating>(<double>gy[b, c, p] * x[b, c, p] * s_pow / s)
            for c in range(channels):
                c0 = max(c - back, 0)
                c1 = min(c + front + 1, channels)
                for p in range(p0, p1):
                    acc = 0.0
                    for cw in range(c0, c1):
                        acc = acc + work[b, cw, p]
                    gx[b, c, p] = <floating>(<double>gy[b, c, p] * gx[b, c, p]
                                             - coef * x[b, c, p] * acc)
