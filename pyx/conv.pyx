"""Convolution kernels, float32/float64 from one source.

Every convolution is handled as a 3-d one: 1-d and 2-d inputs arrive as views
with singleton depth (and height) axes, shape ``(n_batch, channels, d, h, w)``.

GEMM path (``conv_forward``, ``conv_backward_data``, ``conv_backward_weight``):
the output positions of a sample are cut into blocks of whole output rows. For
each (sample, group, block) the input patches are unfolded (im2col) into a
per-thread buffer of shape ``(c_group * kd * kh * kw, block)`` -- row
``((c * kd + a) * kh + b) * kw + e`` holds kernel tap ``(a, b, e)`` of input
channel ``c`` -- small enough to stay in cache, and one product multiplies it
with the group's weights straight into the output (float32: cynn's AVX-512
kernel when the CPU has it, see gemm.pyx; otherwise BLAS). With at least
``JOBS_WHOLE`` jobs they run in parallel on OpenMP threads with one whole,
single-threaded product each (no two thread pools compete); with fewer they run
in turn and each product is cut into gemm_parallel's blocks, spread over the
threads. An unfolding of the whole batch at once was measured slower: its
buffer (tens of MB for a 56x56 layer) leaves the caches.

Same answer at any thread count: which of those two ways a convolution runs,
how its products are cut and (weight gradient) how its sum over samples is
split into partial sums are functions of the shapes alone; threads only decide
who computes which piece, never which pieces there are or the order they are
added in.

Float32 1-d and 2-d convolutions mostly run on ``conv_shifted.pyx`` instead (no
patch matrix, cynn's GEMM only; ``cynn/autograd/functions/conv.py`` chooses);
this module serves float64, 3-d, BLAS and the shapes where that does not pay.

Depthwise convolutions (one input channel per group) get direct kernels
(``depthwise_*``): there every product would be a matrix-vector one over a
buffer 9x the input.

``geometry`` is the tuple ``(kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw,
d_out, h_out, w_out)``: kernel size, stride, padding before the input (the
padding after it is implied by the output size), dilation and output size. The
Python layer validated it (kernel fits the padded input, positive strides);
the kernels only index positions they proved to be in range.
"""
import numpy as np

from cython.parallel cimport prange, parallel, threadid
from libc.stdlib cimport malloc, free
from libc.string cimport memcpy, memset
from fused cimport floating
cimport gemm_blas
from gemm_blas cimport (GEMM_MAX_BLOCKS, BlasThreads, blas_pool_restore, blas_pool_to_one,
                        blas_threads_from_addresses, gemm_parallel_blocks)

from cynn._kernels.gemm import blas_thread_control_addresses, gemm_choice_address

# one float32 kernel choice for all modules: gemm.pyx's flag (see set_gemm_kernel)
gemm_blas.cynn_gemm_choice = <int*><size_t>gemm_choice_address()


def _gemm_choice_address():
    """Address of the kernel choice flag this module reads (gemm.pyx's, for the tests)."""
    return <size_t>gemm_blas.cynn_gemm_choice

# SciPy's BLAS pool is held at one thread while OpenMP threads call BLAS (see gemm.pyx)
_addresses = blas_thread_control_addresses()
cdef BlasThreads _blas_threads = blas_threads_from_addresses(_addresses[0], _addresses[1])


cdef inline int _blas_pool_to_one() noexcept nogil:
    return blas_pool_to_one(&_blas_threads)


cdef inline void _blas_pool_restore(int previous) noexcept nogil:
    blas_pool_restore(&_blas_threads, previous)


cdef extern from "depthwise.h" nogil:
    Py_ssize_t cynn_dw_scratch(Py_ssize_t* bsize, const Py_ssize_t* k, const Py_ssize_t* s,
                               const Py_ssize_t* d, const Py_ssize_t* out, int tiles)
    void cynn_dw_pad_f32(const float* src, const Py_ssize_t* size, const Py_ssize_t* top,
                         float* buf, const Py_ssize_t* bsize)
    void cynn_dw_pad_f64(const double* src, const Py_ssize_t* size, const Py_ssize_t* top,
                         double* buf, const Py_ssize_t* bsize)
    void cynn_dw_correlate_f32(const float* buf, const Py_ssize_t* bsize, const float* taps,
                               const Py_ssize_t* k, const Py_ssize_t* s, const Py_ssize_t* d,
                               const Py_ssize_t* out, float* y, int accumulate, float init)
    void cynn_dw_correlate_f64(const double* buf, const Py_ssize_t* bsize, const double* taps,
                               const Py_ssize_t* k, const Py_ssize_t* s, const Py_ssize_t* d,
                               const Py_ssize_t* out, double* y, int accumulate, double init)
    void cynn_dw_scatter_f32(const float* gy, const float* taps, const Py_ssize_t* k,
                             const Py_ssize_t* s, const Py_ssize_t* d, const Py_ssize_t* out,
                             float* buf, const Py_ssize_t* bsize)
    void cynn_dw_scatter_f64(const double* gy, const double* taps, const Py_ssize_t* k,
                             const Py_ssize_t* s, const Py_ssize_t* d, const Py_ssize_t* out,
                             double* buf, const Py_ssize_t* bsize)
    void cynn_dw_crop_f32(const float* buf, const Py_ssize_t* bsize, const Py_ssize_t* top,
                          float* dst, const Py_ssize_t* size)
    void cynn_dw_crop_f64(const double* buf, const Py_ssize_t* bsize, const Py_ssize_t* top,
                          double* dst, const Py_ssize_t* size)
    void cynn_dw_weight_f32(const float* buf, const Py_ssize_t* bsize, const float* gy,
                            const Py_ssize_t* k, const Py_ssize_t* s, const Py_ssize_t* d,
                            const Py_ssize_t* out, float* acc)
    void cynn_dw_weight_f64(const double* buf, const Py_ssize_t* bsize, const double* gy,
                            const Py_ssize_t* k, const Py_ssize_t* s, const Py_ssize_t* d,
                            const Py_ssize_t* out, double* acc)
    void cynn_dw_weight_flat_f32(const float* buf, const Py_ssize_t* bsize, const float* gy,
                                 const Py_ssize_t* k, const Py_ssize_t* d, const Py_ssize_t* out,
                                 float* g_pad, float* acc)
    void cynn_dw_weight_flat_f64(const double* buf, const Py_ssize_t* bsize, const double* gy,
                                 const Py_ssize_t* k, const Py_ssize_t* d, const Py_ssize_t* out,
                                 double* g_pad, double* acc)
    Py_ssize_t cynn_dw_round_up(Py_ssize_t n)
    enum:
        CYNN_DW_ROWS
        CYNN_DW_VEC


# Below this many elements (or multiply-adds) a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN = 32768


cdef inline int _threads_for(double work, int n_threads) noexcept nogil:
    return n_threads if work >= PARALLEL_MIN else 1


cdef enum:
    # From this many jobs on, the jobs run side by side with whole products; with
    # fewer, products are cut over the threads. Fixed, not the thread count, so the
    # arithmetic never depends on it: a job-parallel run keeps up to this many
    # threads busy (AlexNet at batch 4 has 4 jobs per layer).
    JOBS_WHOLE = 4
    # The weight gradient's sum over jobs is split into at most this many partial
    # sums (a power of two: 2, 4 and 8 threads get equal shares) ...
    WEIGHT_MAX_PARTS = 8
    # ... each summing at least this many output positions per weight: clearing
    # and adding up a part is a few memory passes over gW, against this many
    # multiply-adds per weight (AlexNet's 13x13 layers at batch 4, 676 positions
    # and 2.6 MB of gW, keep one sum and cut their products instead)
    WEIGHT_MIN_POSITIONS = 512
    # and all parts together hold at most this many bytes
    WEIGHT_MAX_BYTES = 64 << 20


cdef Py_ssize_t _weight_parts(Py_ssize_t jobs, Py_ssize_t positions,
                              Py_ssize_t gw_bytes) noexcept nogil:
    """How many partial sums a weight gradient over ``jobs`` jobs (``positions``
    output positions per weight in all) is split into: a function of the shapes
    only, so that the sum has the same order at any thread count."""
    cdef Py_ssize_t fit = jobs
    cdef Py_ssize_t parts = 1
    if positions // WEIGHT_MIN_POSITIONS < fit:
        fit = positions // WEIGHT_MIN_POSITIONS
    if WEIGHT_MAX_BYTES // (gw_bytes if gw_bytes > 0 else 1) < fit:
        fit = WEIGHT_MAX_BYTES // (gw_bytes if gw_bytes > 0 else 1)
    if WEIGHT_MAX_PARTS < fit:
        fit = WEIGHT_MAX_PARTS
    while 2 * parts <= fit:
        parts *= 2
    # Parts are run whole by one thread each: parts of unequal job counts (12 jobs
    # in 8 parts: 1 or 2 each) leave threads idle, so take the most parts that
    # divide the jobs, or else that give every part at least 4 jobs.
    while parts > 1 and jobs % parts != 0:
        parts //= 2
    if parts == 1:
        while 2 * parts <= fit and jobs >= 4 * 2 * parts:
            parts *= 2
    return parts


cdef struct Geometry:
    Py_ssize_t k[3]
    Py_ssize_t s[3]
    Py_ssize_t p[3]
    Py_ssize_t d[3]
    Py_ssize_t out[3]


cdef Geometry _geometry(tuple geometry) except *:
    cdef Geometry g
    cdef int i
    if len(geometry) != 15:
        raise ValueError(f"geometry needs 15 integers, got {len(geometry)}")
    for i in range(3):
        g.k[i] = geometry[i]
        g.s[i] = geometry[3 + i]
        g.p[i] = geometry[6 + i]
        g.d[i] = geometry[9 + i]
        g.out[i] = geometry[12 + i]
        if g.k[i] < 1 or g.s[i] < 1 or g.d[i] < 1 or g.p[i] < 0 or g.out[i] < 0:
            raise ValueError(f"invalid convolution geometry {geometry}")
    return g


cdef inline Py_ssize_t _first_valid(Py_ssize_t offset, Py_ssize_t stride,
                                    Py_ssize_t size, Py_ssize_t n_out) noexcept nogil:
    """The first output index o whose input index o * stride + offset is >= 0."""
    cdef Py_ssize_t lo = 0 if offset >= 0 else (-offset + stride - 1) // stride
    cdef Py_ssize_t hi = _end_valid(offset, stride, size, n_out)
    return lo if lo < hi else hi


cdef inline Py_ssize_t _end_valid(Py_ssize_t offset, Py_ssize_t stride,
                                  Py_ssize_t size, Py_ssize_t n_out) noexcept nogil:
    """One past the last output index o whose input index o * stride + offset is < size."""
    cdef Py_ssize_t hi = (size - offset + stride - 1) // stride if size - offset > 0 else 0
    return hi if hi < n_out else n_out


cdef inline void _zero(floating* dst, Py_ssize_t count) noexcept nogil:
    if count > 0:
        memset(dst, 0, count * sizeof(floating))


cdef inline void _copy_run(floating* dst, const floating* src, Py_ssize_t w_out,
                           Py_ssize_t offset, Py_ssize_t sw, Py_ssize_t width) noexcept nogil:
    """dst[xo] = src[xo * sw + offset] where that is inside [0, width), else 0."""
    cdef Py_ssize_t lo = _first_valid(offset, sw, width, w_out)
    cdef Py_ssize_t hi = _end_valid(offset, sw, width, w_out)
    cdef Py_ssize_t xo
    _zero(dst, lo)
    if sw == 1:
        if hi > lo:
            memcpy(dst + lo, src + lo + offset, (hi - lo) * sizeof(floating))
    elif sw == 2:
        for xo in range(lo, hi):
            dst[xo] = src[2 * xo + offset]
    else:
        for xo in range(lo, hi):
            dst[xo] = src[xo * sw + offset]
    _zero(dst + hi, w_out - hi)


cdef inline void _add_run(floating* dst, const floating* src, Py_ssize_t w_out,
                          Py_ssize_t offset, Py_ssize_t sw, Py_ssize_t width) noexcept nogil:
    """dst[xo * sw + offset] += src[xo] where that is inside [0, width): ``_copy_run``'s adjoint."""
    cdef Py_ssize_t lo = _first_valid(offset, sw, width, w_out)
    cdef Py_ssize_t hi = _end_valid(offset, sw, width, w_out)
    cdef Py_ssize_t xo
    cdef floating* shifted = dst + offset
    if sw == 1:
        for xo in range(lo, hi):
            shifted[xo] += src[xo]
    else:
        for xo in range(lo, hi):
            shifted[xo * sw] += src[xo]


cdef void _im2col_block(const floating* x_group, Py_ssize_t channels, Py_ssize_t depth,
                        Py_ssize_t height, Py_ssize_t width, const Geometry* g,
                        Py_ssize_t q0, Py_ssize_t q1, floating* buf,
                        Py_ssize_t n_cols) noexcept nogil:
    """Patch matrix of output rows [q0, q1) (row q = zo * h_out + yo) of one sample and group.

    x_group: the group's first input channel, (channels, depth, height, width).
    buf (OUT): (channels * taps, (q1 - q0) * w_out) with row stride n_cols; row
    ((c * kd + a) * kh + b) * kw + e. The taps e of one (c, a, b) read the same
    input row, so they are filled together.
    """
    cdef Py_ssize_t plane = depth * height * width
    cdef Py_ssize_t w_out = g.out[2], h_out = g.out[1]
    cdef Py_ssize_t kw = g.k[2], sw = g.s[2], dw = g.d[2], pw = g.p[2]
    cdef Py_ssize_t c, a, b, e, q, zo, yo, iz, iy, row0
    cdef floating* dst
    cdef const floating* src
    for c in range(channels):
        for a in range(g.k[0]):
            for b in range(g.k[1]):
                row0 = ((c * g.k[0] + a) * g.k[1] + b) * kw
                for q in range(q0, q1):
                    zo = q // h_out
                    yo = q - zo * h_out
                    iz = zo * g.s[0] - g.p[0] + a * g.d[0]
                    iy = yo * g.s[1] - g.p[1] + b * g.d[1]
                    dst = buf + row0 * n_cols + (q - q0) * w_out
                    if iz < 0 or iz >= depth or iy < 0 or iy >= height:
                        for e in range(kw):
                            _zero(dst + e * n_cols, w_out)
                    else:
                        src = x_group + c * plane + (iz * height + iy) * width
                        for e in range(kw):
                            _copy_run(dst + e * n_cols, src, w_out, e * dw - pw, sw, width)


cdef void _col2im_block(const floating* buf, Py_ssize_t n_cols, Py_ssize_t channels,
                        Py_ssize_t depth, Py_ssize_t height, Py_ssize_t width,
                        const Geometry* g, Py_ssize_t q0, Py_ssize_t q1,
                        floating* gx_group) noexcept nogil:
    """Adjoint of ``_im2col_block``: add each patch gradient of ``buf`` (row stride
    n_cols) into ``gx_group``."""
    cdef Py_ssize_t plane = depth * height * width
    cdef Py_ssize_t w_out = g.out[2], h_out = g.out[1]
    cdef Py_ssize_t kw = g.k[2], sw = g.s[2], dw = g.d[2], pw = g.p[2]
    cdef Py_ssize_t c, a, b, e, q, zo, yo, iz, iy, row0
    cdef const floating* src
    cdef floating* dst
    for c in range(channels):
        for a in range(g.k[0]):
            for b in range(g.k[1]):
                row0 = ((c * g.k[0] + a) * g.k[1] + b) * kw
                for q in range(q0, q1):
                    zo = q // h_out
                    yo = q - zo * h_out
                    iz = zo * g.s[0] - g.p[0] + a * g.d[0]
                    iy = yo * g.s[1] - g.p[1] + b * g.d[1]
                    if iz < 0 or iz >= depth or iy < 0 or iy >= height:
                        continue
                    src = buf + row0 * n_cols + (q - q0) * w_out
                    dst = gx_group + c * plane + (iz * height + iy) * width
                    for e in range(kw):
                        _add_run(dst, src + e * n_cols, w_out, e * dw - pw, sw, width)


cdef Py_ssize_t _block_rows(Py_ssize_t rows, Py_ssize_t w_out, Py_ssize_t n_out_rows,
                            Py_ssize_t itemsize, Py_ssize_t block_bytes):
    """Output rows per im2col block. The patch matrix (rows, block_rows * w_out) should
    stay in cache (2 MiB by default, measured against 256 KiB .. 16 MiB) but have at
    least 128 columns, below which the products lose speed; a sample up to twice
    that size stays whole, and the blocks of a sample are made equal so that no
    small remainder block is left."""
    cdef Py_ssize_t columns = block_bytes // (itemsize * (rows if rows > 0 else 1))
    cdef Py_ssize_t per_block, n_blocks
    if n_out_rows <= 1:
        return 1
    if rows * n_out_rows * w_out * itemsize <= 2 * block_bytes:
        return n_out_rows
    if columns < 128:
        columns = 128
    per_block = columns // (w_out if w_out > 0 else 1)
    if per_block < 1:
        per_block = 1
    n_blocks = (n_out_rows + per_block - 1) // per_block
    return (n_out_rows + n_blocks - 1) // n_blocks


cdef int _check_gemm_conv(tuple x_shape, tuple w_shape, tuple y_shape, int groups,
                          Geometry* g) except -1:
    """x (n, c_in, d, h, w), W (c_out, c_in / groups * taps), y (n, c_out, *out)."""
    cdef Py_ssize_t taps = g.k[0] * g.k[1] * g.k[2]
    if groups < 1 or x_shape[1] % groups or w_shape[0] % groups:
        raise ValueError(f"conv: {x_shape[1]} input and {w_shape[0]} output channels "
                         f"in {groups} groups")
    if w_shape[1] != x_shape[1] // groups * taps:
        raise ValueError(f"conv: weight {w_shape}, expected ({w_shape[0]}, "
                         f"{x_shape[1] // groups * taps})")
    if y_shape != (x_shape[0], w_shape[0], g.out[0], g.out[1], g.out[2]):
        raise ValueError(f"conv: output {y_shape}, expected ({x_shape[0]}, {w_shape[0]}, "
                         f"{g.out[0]}, {g.out[1]}, {g.out[2]})")
    return 0


def conv_forward(const floating[:, :, :, :, ::1] x,   # IN  (n, c_in, d, h, w)
                 const floating[:, ::1] w,            # IN  (c_out, c_in / groups * taps)
                 const floating[::1] bias,            # IN  (c_out,), read when has_bias
                 floating[:, :, :, :, ::1] y,         # OUT (n, c_out, d_out, h_out, w_out)
                 bint has_bias, tuple geometry, int groups, int n_threads,
                 Py_ssize_t block_bytes=1 << 21):
    """``y[n, g] = W_g @ im2col(x[n, g])`` block by block of output positions.

    Each job (sample, group, block of positions) unfolds its patches into a
    per-thread buffer small enough for L2 and multiplies it with one BLAS call
    that writes straight into y; with ``JOBS_WHOLE`` jobs or more they run in
    parallel with a single-threaded BLAS. With fewer, the jobs run in turn and
    each product is cut over the threads instead.
    """
    cdef Geometry g = _geometry(geometry)
    _check_gemm_conv(tuple(x.shape)[:5], tuple(w.shape)[:2], tuple(y.shape)[:5], groups, &g)
    if has_bias and bias.shape[0] != w.shape[0]:
        raise ValueError(f"conv: bias has {bias.shape[0]} entries, not {w.shape[0]}")
    cdef Py_ssize_t n_batch = x.shape[0], c_in = x.shape[1], c_out = w.shape[0]
    cdef Py_ssize_t depth = x.shape[2], height = x.shape[3], width = x.shape[4]
    cdef Py_ssize_t c_group = c_in // groups, m_group = c_out // groups, k_group = w.shape[1]
    cdef Py_ssize_t p_out = g.out[0] * g.out[1] * g.out[2]
    if n_batch * c_out * p_out == 0:
        return
    if k_group == 0:
        raise ValueError("conv: no input channels (the caller fills the bias)")
    cdef Py_ssize_t n_rows = g.out[0] * g.out[1], w_out = g.out[2]
    n_threads = _threads_for(<double>n_batch * c_out * p_out * k_group, n_threads)
    cdef Py_ssize_t block = _block_rows(k_group, w_out, n_rows, sizeof(floating), block_bytes)
    cdef Py_ssize_t n_blocks = (n_rows + block - 1) // block
    cdef Py_ssize_t jobs = n_batch * groups * n_blocks
    cdef bint split_jobs = jobs >= JOBS_WHOLE
    cdef int nt = (n_threads if n_threads < jobs else <int>jobs) if split_jobs else 1
    buffers = np.empty((nt, k_group * block * w_out),
                       dtype=np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] buf = buffers
    cdef Py_ssize_t job, n, gi, blk, q0, q1, m, i
    cdef int tid, previous
    cdef floating* y_rows
    cdef floating shift
    tid = 0
    with nogil:
        previous = _blas_pool_to_one()
        if split_jobs:
            with parallel(num_threads=nt):
                tid = threadid()
                for job in prange(jobs, schedule="dynamic"):
                    n = job // (groups * n_blocks)
                    gi = (job // n_blocks) % groups
                    blk = job % n_blocks
                    q0 = blk * block
                    q1 = q0 + block if q0 + block < n_rows else n_rows
                    _forward_job(&x[n, gi * c_group, 0, 0, 0], c_group, depth, height, width,
                                 &g, q0, q1, &buf[tid, 0], &w[gi * m_group, 0], m_group,
                                 k_group, &y[n, gi * m_group, 0, 0, 0], p_out, 1, 1)
        else:
            for job in range(jobs):
                n = job // (groups * n_blocks)
                gi = (job // n_blocks) % groups
                blk = job % n_blocks
                q0 = blk * block
                q1 = q0 + block if q0 + block < n_rows else n_rows
                _forward_job(&x[n, gi * c_group, 0, 0, 0], c_group, depth, height, width,
                             &g, q0, q1, &buf[0, 0], &w[gi * m_group, 0], m_group,
                             k_group, &y[n, gi * m_group, 0, 0, 0], p_out, GEMM_MAX_BLOCKS,
                             n_threads)
        _blas_pool_restore(previous)
        if has_bias:
            for job in prange(n_batch * c_out, num_threads=_threads_for(n_batch * c_out * p_out,
                                                                        n_threads),
                              schedule="static"):
                n = job // c_out
                m = job - n * c_out
                y_rows = &y[n, m, 0, 0, 0]
                shift = bias[m]
                for i in range(p_out):
                    y_rows[i] += shift


cdef void _forward_job(const floating* x_group, Py_ssize_t c_group, Py_ssize_t depth,
                       Py_ssize_t height, Py_ssize_t width, const Geometry* g,
                       Py_ssize_t q0, Py_ssize_t q1, floating* buf,
                       const floating* w_group, Py_ssize_t m_group, Py_ssize_t k_group,
                       floating* y_group, Py_ssize_t p_out, int max_blocks,
                       int n_threads) noexcept nogil:
    cdef Py_ssize_t p0 = q0 * g.out[2], p1 = q1 * g.out[2]
    _im2col_block(x_group, c_group, depth, height, width, g, q0, q1, buf, p1 - p0)
    # y_group[:, p0:p1] (row stride p_out) = W_g (m, k) @ buf (k, p1 - p0)
    gemm_parallel_blocks(False, False, <int>m_group, <int>(p1 - p0), <int>k_group, <floating>1,
                         w_group, <int>k_group, buf, <int>(p1 - p0), <floating>0, y_group + p0,
                         <int>p_out, n_threads, max_blocks)


def conv_backward_data(const floating[:, :, :, :, ::1] gy,   # IN  (n, c_out, d_out, h_out, w_out)
                       const floating[:, ::1] w,             # IN  (c_out, c_in / groups * taps)
                       floating[:, :, :, :, ::1] gx,         # OUT (n, c_in, d, h, w)
                       tuple geometry, int groups, int n_threads,
                       Py_ssize_t block_bytes=1 << 21):
    """``gx[n, g] = col2im(W_g^T @ gy[n, g])``, block by block of output positions.

    A job is one (sample, group): its blocks all add into the same input
    channels, so they run in turn inside the job. Jobs run side by side from
    ``JOBS_WHOLE`` jobs on, as in ``conv_forward``.
    """
    cdef Geometry g = _geometry(geometry)
    _check_gemm_conv(tuple(gx.shape)[:5], tuple(w.shape)[:2], tuple(gy.shape)[:5], groups, &g)
    cdef Py_ssize_t n_batch = gx.shape[0], c_in = gx.shape[1], c_out = w.shape[0]
    cdef Py_ssize_t depth = gx.shape[2], height = gx.shape[3], width = gx.shape[4]
    cdef Py_ssize_t c_group = c_in // groups, m_group = c_out // groups, k_group = w.shape[1]
    cdef Py_ssize_t p_out = g.out[0] * g.out[1] * g.out[2]
    cdef Py_ssize_t plane = depth * height * width
    if n_batch * c_in * plane == 0:
        return
    cdef Py_ssize_t n_rows = g.out[0] * g.out[1], w_out = g.out[2]
    cdef Py_ssize_t block = _block_rows(k_group, w_out, n_rows, sizeof(floating), block_bytes)
    n_threads = _threads_for(<double>n_batch * c_out * p_out * k_group, n_threads)
    cdef Py_ssize_t jobs = n_batch * groups
    cdef bint split_jobs = jobs >= JOBS_WHOLE
    cdef int nt = (n_threads if n_threads < jobs else <int>jobs) if split_jobs else 1
    buffers = np.empty((nt, k_group * block * w_out),
                       dtype=np.float32 if floating is float else np.float64)
    cdef floating[:, ::1] buf = buffers
    cdef Py_ssize_t job, n, gi
    cdef int tid, previous
    tid = 0
    with nogil:
        previous = _blas_pool_to_one()
        if split_jobs:
            with parallel(num_threads=nt):
                tid = threadid()
                for job in prange(jobs, schedule="dynamic"):
                    n = job // groups
                    gi = job % groups
                    _backward_data_job(&gy[n, gi * m_group, 0, 0, 0], &w[gi * m_group, 0],
                                       m_group, k_group, p_out, block, &buf[tid, 0], &g,
                                       &gx[n, gi * c_group, 0, 0, 0], c_group, depth, height,
                                       width, 1, 1)
        else:
            for job in range(jobs):
                n = job // groups
                gi = job % groups
                _backward_data_job(&gy[n, gi * m_group, 0, 0, 0], &w[gi * m_group, 0],
                                   m_group, k_group, p_out, block, &buf[0, 0], &g,
                                   &gx[n, gi * c_group, 0, 0, 0], c_group, depth, height,
                                   width, GEMM_MAX_BLOCKS, n_threads)
        _blas_pool_restore(previous)


cdef void _backward_data_job(const floating* gy_group, const floating* w_group,
                             Py_ssize_t m_group, Py_ssize_t k_group, Py_ssize_t p_out,
                             Py_ssize_t block, floating* buf, const Geometry* g,
                             floating* gx_group, Py_ssize_t c_group, Py_ssize_t depth,
                             Py_ssize_t height, Py_ssize_t width, int max_blocks,
                             int n_threads) noexcept nogil:
    cdef Py_ssize_t q0, q1, p0, p1, n_rows = g.out[0] * g.out[1]
    _zero(gx_group, c_group * depth * height * width)
    q0 = 0
    while q0 < n_rows:
        q1 = q0 + block if q0 + block < n_rows else n_rows
        p0 = q0 * g.out[2]
        p1 = q1 * g.out[2]
        # buf (k, p1 - p0) = W_g^T (k, m) @ gy_group[:, p0:p1] (row stride p_out)
        gemm_parallel_blocks(True, False, <int>k_group, <int>(p1 - p0), <int>m_group,
                             <floating>1, w_group, <int>k_group, gy_group + p0, <int>p_out,
                             <floating>0, buf, <int>(p1 - p0), n_threads, max_blocks)
        _col2im_block(buf, p1 - p0, c_group, depth, height, width, g, q0, q1, gx_group)
        q0 = q1


def conv_backward_weight(const floating[:, :, :, :, ::1] x,    # IN  (n, c_in, d, h, w)
                         const floating[:, :, :, :, ::1] gy,   # IN  (n, c_out, d_out, h_out, w_out)
                         floating[:, ::1] gw,                  # OUT (c_out, c_in / groups * taps)
                         tuple geometry, int groups, int n_threads,
                         Py_ssize_t block_bytes=1 << 21):
    """``gW_g = sum over samples and blocks of gy[n, g, block] @ im2col(x[n, g], block)^T``.

    The jobs (sample, group, block), in order, are cut into ``_weight_parts``
    runs of consecutive jobs; each run adds its products, in turn, into a
    partial sum of its own (the first into gW itself) and the partial sums are
    added up in run order. Runs go to the threads; with a single run the jobs
    go in turn and each product is cut over the threads instead. The runs
    depend on the shapes only, so every thread count adds the same numbers in
    the same order.
    """
    cdef Geometry g = _geometry(geometry)
    _check_gemm_conv(tuple(x.shape)[:5], tuple(gw.shape)[:2], tuple(gy.shape)[:5], groups, &g)
    cdef Py_ssize_t n_batch = x.shape[0], c_in = x.shape[1], c_out = gw.shape[0]
    cdef Py_ssize_t depth = x.shape[2], height = x.shape[3], width = x.shape[4]
    cdef Py_ssize_t c_group = c_in // groups, m_group = c_out // groups, k_group = gw.shape[1]
    cdef Py_ssize_t p_out = g.out[0] * g.out[1] * g.out[2]
    cdef Py_ssize_t n_rows = g.out[0] * g.out[1], w_out = g.out[2]
    n_threads = _threads_for(<double>n_batch * c_out * p_out * k_group, n_threads)
    cdef Py_ssize_t block = _block_rows(k_group, w_out, n_rows, sizeof(floating), block_bytes)
    cdef Py_ssize_t n_blocks = (n_rows + block - 1) // block
    cdef Py_ssize_t jobs = n_batch * groups * n_blocks
    cdef Py_ssize_t parts = _weight_parts(jobs, n_batch * p_out,
                                          c_out * k_group * <Py_ssize_t>sizeof(floating))
    cdef int nt = (n_threads if n_threads < parts else <int>parts) if parts > 1 else 1
    dtype = np.float32 if floating is float else np.float64
    # partial sums 1 .. parts - 1 (the first is gw)
    cdef floating[:, :, ::1] acc = np.zeros((parts - 1, c_out, k_group), dtype=dtype)
    buffers = np.empty((nt, k_group * block * w_out), dtype=dtype)
    cdef floating[:, ::1] buf = buffers
    cdef Py_ssize_t part, job, i, j
    cdef int tid, previous
    cdef floating* row
    cdef const floating* add
    if c_out * k_group == 0:
        return
    gw[:, :] = 0
    tid = 0
    with nogil:
        previous = _blas_pool_to_one()
        if parts > 1:
            with parallel(num_threads=nt):
                tid = threadid()
                for part in prange(parts, schedule="dynamic"):
                    for job in range(part * jobs // parts, (part + 1) * jobs // parts):
                        _backward_weight_job(x, gy, job, groups, n_blocks, block, &g,
                                             &buf[tid, 0],
                                             &gw[0, 0] if part == 0 else &acc[part - 1, 0, 0],
                                             1, 1)
        else:
            for job in range(jobs):
                _backward_weight_job(x, gy, job, groups, n_blocks, block, &g, &buf[0, 0],
                                     &gw[0, 0], GEMM_MAX_BLOCKS, n_threads)
        _blas_pool_restore(previous)
        if parts > 1:
            # row by row along contiguous rows (the inner loop vectorises), each
            # part in turn: the order of the sum is the parts' order
            for i in prange(c_out, num_threads=n_threads, schedule="static"):
                row = &gw[i, 0]
                for part in range(parts - 1):
                    add = &acc[part, i, 0]
                    for j in range(k_group):
                        row[j] = row[j] + add[j]


cdef void _backward_weight_job(const floating[:, :, :, :, ::1] x,
                               const floating[:, :, :, :, ::1] gy, Py_ssize_t job,
                               Py_ssize_t groups, Py_ssize_t n_blocks, Py_ssize_t block,
                               const Geometry* g, floating* buf, floating* gw,
                               int max_blocks, int n_threads) noexcept nogil:
    """gw (c_out, k_group) += job's product: job = (sample, group, block of output rows)."""
    cdef Py_ssize_t c_group = x.shape[1] // groups, m_group = gy.shape[1] // groups
    cdef Py_ssize_t k_group = c_group * g.k[0] * g.k[1] * g.k[2]
    cdef Py_ssize_t n_rows = g.out[0] * g.out[1], p_out = n_rows * g.out[2]
    cdef Py_ssize_t n = job // (groups * n_blocks)
    cdef Py_ssize_t gi = (job // n_blocks) % groups
    cdef Py_ssize_t q0 = (job % n_blocks) * block
    cdef Py_ssize_t q1 = q0 + block if q0 + block < n_rows else n_rows
    cdef Py_ssize_t p0 = q0 * g.out[2], p1 = q1 * g.out[2]
    _im2col_block(&x[n, gi * c_group, 0, 0, 0], c_group, x.shape[2], x.shape[3], x.shape[4],
                  g, q0, q1, buf, p1 - p0)
    # gw_g (m, k) += gy_g[:, p0:p1] (m, p1 - p0; row stride p_out) @ buf^T
    gemm_parallel_blocks(False, True, <int>m_group, <int>k_group, <int>(p1 - p0), <floating>1,
                         &gy[n, gi * m_group, 0, 0, 0] + p0, <int>p_out, buf, <int>(p1 - p0),
                         <floating>1, gw + gi * m_group * k_group, <int>k_group, n_threads,
                         max_blocks)


def add_channel_bias(floating[:, :, ::1] y,        # IN/OUT (n, c, p)
                     const floating[::1] bias,     # IN (c,)
                     int n_threads):
    """``y[n, c, :] += bias[c]``."""
    cdef Py_ssize_t n_batch = y.shape[0], channels = y.shape[1], p = y.shape[2]
    if bias.shape[0] != channels:
        raise ValueError(f"add_channel_bias: bias has {bias.shape[0]} entries, not {channels}")
    cdef Py_ssize_t job, n, c, i
    cdef floating shift
    cdef floating* dst
    if n_batch * channels * p == 0:
        return
    with nogil:
        for job in prange(n_batch * channels, schedule="static",
                          num_threads=_threads_for(n_batch * channels * p, n_threads)):
            n = job // channels
            c = job - n * channels
            dst = &y[n, c, 0]
            shift = bias[c]
            for i in range(p):
                dst[i] += shift


def channel_sum(const floating[:, :, ::1] y,   # IN  (n, c, p)
                floating[::1] total,           # OUT (c,)
                int n_threads):
    """``total[c] = y[:, c, :].sum()`` (the bias gradient), accumulated in double."""
    cdef Py_ssize_t n_batch = y.shape[0], channels = y.shape[1], p = y.shape[2]
    if total.shape[0] != channels:
        raise ValueError(f"channel_sum: output has {total.shape[0]} entries, not {channels}")
    cdef Py_ssize_t c, n, i
    cdef double acc
    cdef const floating* src
    with nogil:
        for c in prange(channels, schedule="static",
                        num_threads=_threads_for(n_batch * channels * p, n_threads)):
            acc = 0
            for n in range(n_batch):
                src = &y[n, c, 0] if p > 0 else NULL
                for i in range(p):
                    acc = acc + src[i]
            total[c] = <floating>acc


# ------------------------------------------------------------------ depthwise
# Every plane is copied into a zero-padded per-thread scratch volume first (see
# depthwise.h), so the products run without bounds tests. A job is one output
# plane (forward, input gradient) or one output channel's weight gradient, summed
# over the whole batch by the thread that owns it: no sum crosses threads, so the
# results do not depend on the thread count. The input gradient of
# a stride-1 convolution is itself a correlation (of the padded output gradient
# with the flipped taps); other strides scatter into a scratch volume that is
# cropped back to the plane.

cdef inline void _dw_pad(const floating* src, const Py_ssize_t* size, const Py_ssize_t* top,
                         floating* buf, const Py_ssize_t* bsize) noexcept nogil:
    if floating is float:
        cynn_dw_pad_f32(src, size, top, buf, bsize)
    else:
        cynn_dw_pad_f64(src, size, top, buf, bsize)


cdef inline void _dw_correlate(const floating* buf, const Py_ssize_t* bsize,
                               const floating* taps, const Py_ssize_t* k, const Py_ssize_t* s,
                               const Py_ssize_t* d, const Py_ssize_t* out, floating* y,
                               int accumulate, floating init) noexcept nogil:
    if floating is float:
        cynn_dw_correlate_f32(buf, bsize, taps, k, s, d, out, y, accumulate, init)
    else:
        cynn_dw_correlate_f64(buf, bsize, taps, k, s, d, out, y, accumulate, init)


cdef inline void _dw_scatter(const floating* gy, const floating* taps, const Py_ssize_t* k,
                             const Py_ssize_t* s, const Py_ssize_t* d, const Py_ssize_t* out,
                             floating* buf, const Py_ssize_t* bsize) noexcept nogil:
    if floating is float:
        cynn_dw_scatter_f32(gy, taps, k, s, d, out, buf, bsize)
    else:
        cynn_dw_scatter_f64(gy, taps, k, s, d, out, buf, bsize)


cdef inline void _dw_crop(const floating* buf, const Py_ssize_t* bsize, const Py_ssize_t* top,
                          floating* dst, const Py_ssize_t* size) noexcept nogil:
    if floating is float:
        cynn_dw_crop_f32(buf, bsize, top, dst, size)
    else:
        cynn_dw_crop_f64(buf, bsize, top, dst, size)


cdef inline void _dw_weight(const floating* buf, const Py_ssize_t* bsize, const floating* gy,
                            const Py_ssize_t* k, const Py_ssize_t* s, const Py_ssize_t* d,
                            const Py_ssize_t* out, floating* acc) noexcept nogil:
    if floating is float:
        cynn_dw_weight_f32(buf, bsize, gy, k, s, d, out, acc)
    else:
        cynn_dw_weight_f64(buf, bsize, gy, k, s, d, out, acc)


cdef inline void _dw_weight_flat(const floating* buf, const Py_ssize_t* bsize,
                                 const floating* gy, const Py_ssize_t* k, const Py_ssize_t* d,
                                 const Py_ssize_t* out, floating* g_pad,
                                 floating* acc) noexcept nogil:
    if floating is float:
        cynn_dw_weight_flat_f32(buf, bsize, gy, k, d, out, g_pad, acc)
    else:
        cynn_dw_weight_flat_f64(buf, bsize, gy, k, d, out, g_pad, acc)


def depthwise_forward(const floating[:, :, :, :, ::1] x,   # IN  (n, c, d, h, w)
                      const floating[:, :, :, ::1] w,      # IN  (c * mult, kd, kh, kw)
                      const floating[::1] bias,            # IN  (c * mult,), read when has_bias
                      floating[:, :, :, :, ::1] y,         # OUT (n, c * mult, d_out, h_out, w_out)
                      bint has_bias, tuple geometry, int n_threads):
    """Convolution with groups == channels: output channel o reads input channel o // mult."""
    cdef Geometry g = _geometry(geometry)
    cdef Py_ssize_t n_batch = x.shape[0], c_in = x.shape[1], c_out = w.shape[0]
    _check_depthwise(n_batch, c_in, c_out, w, y, g)
    if has_bias and bias.shape[0] != c_out:
        raise ValueError(f"depthwise_forward: bias has {bias.shape[0]} entries, not {c_out}")
    cdef Py_ssize_t size[3]
    cdef Py_ssize_t bsize[3]
    size[0], size[1], size[2] = x.shape[2], x.shape[3], x.shape[4]
    cdef Py_ssize_t scratch = cynn_dw_scratch(bsize, g.k, g.s, g.d, g.out, True)
    cdef Py_ssize_t mult = c_out // c_in
    cdef Py_ssize_t p_out = g.out[0] * g.out[1] * g.out[2]
    cdef Py_ssize_t job, n, o
    cdef floating* buf
    cdef int failed = 0
    cdef int* failed_at = &failed
    if n_batch * c_out * p_out == 0:
        return
    n_threads = _threads_for(<double>n_batch * c_out * p_out, n_threads)
    with nogil, parallel(num_threads=n_threads):
        buf = <floating*>malloc(scratch * sizeof(floating))
        for job in prange(n_batch * c_out, schedule="static"):
            if buf == NULL:
                failed_at[0] = 1
                continue
            n = job // c_out
            o = job - n * c_out
            _dw_pad(&x[n, o // mult, 0, 0, 0], size, g.p, buf, bsize)
            _dw_correlate(buf, bsize, &w[o, 0, 0, 0], g.k, g.s, g.d, g.out, &y[n, o, 0, 0, 0],
                          0, bias[o] if has_bias else 0)
        free(buf)
    if failed:
        raise MemoryError("depthwise_forward: no memory for the padded plane")


def depthwise_backward_data(const floating[:, :, :, :, ::1] gy,   # IN  (n, c * mult, d_out, h_out, w_out)
                            const floating[:, :, :, ::1] w,       # IN  (c * mult, kd, kh, kw)
                            floating[:, :, :, :, ::1] gx,         # OUT (n, c, d, h, w)
                            tuple geometry, int n_threads):
    """Input gradient of ``depthwise_forward``."""
    cdef Geometry g = _geometry(geometry)
    cdef Py_ssize_t n_batch = gx.shape[0], c_in = gx.shape[1], c_out = w.shape[0]
    _check_depthwise(n_batch, c_in, c_out, w, gy, g)
    cdef Py_ssize_t size[3]
    cdef Py_ssize_t bsize[3]
    cdef Py_ssize_t top[3]
    cdef Py_ssize_t unit[3]
    size[0], size[1], size[2] = gx.shape[2], gx.shape[3], gx.shape[4]
    cdef bint unit_stride = g.s[0] == 1 and g.s[1] == 1 and g.s[2] == 1
    cdef int i
    cdef Py_ssize_t scratch
    cdef const floating[:, :, :, ::1] taps = w
    if unit_stride:
        # gx = (gy zero-padded by d * (k - 1) - p) correlated with the flipped taps
        for i in range(3):
            unit[i] = 1
            top[i] = g.d[i] * (g.k[i] - 1) - g.p[i]
        scratch = cynn_dw_scratch(bsize, g.k, unit, g.d, size, True)
        taps = np.ascontiguousarray(np.asarray(w)[:, ::-1, ::-1, ::-1])
    else:
        for i in range(3):
            top[i] = g.p[i]
        scratch = cynn_dw_scratch(bsize, g.k, g.s, g.d, g.out, False)
    cdef Py_ssize_t mult = c_out // c_in
    cdef Py_ssize_t plane = size[0] * size[1] * size[2]
    cdef Py_ssize_t job, n, c, m, o
    cdef floating* buf
    cdef floating* gx_plane
    cdef int failed = 0
    cdef int* failed_at = &failed
    if n_batch * c_in * plane == 0:
        return
    n_threads = _threads_for(<double>n_batch * c_in * plane, n_threads)
    with nogil, parallel(num_threads=n_threads):
        buf = <floating*>malloc(scratch * sizeof(floating))
        for job in prange(n_batch * c_in, schedule="static"):
            if buf == NULL:
                failed_at[0] = 1
                continue
            n = job // c_in
            c = job - n * c_in
            gx_plane = &gx[n, c, 0, 0, 0]
            if unit_stride:
                for m in range(mult):
                    o = c * mult + m
                    _dw_pad(&gy[n, o, 0, 0, 0], g.out, top, buf, bsize)
                    _dw_correlate(buf, bsize, &taps[o, 0, 0, 0], g.k, unit, g.d, size,
                                  gx_plane, m > 0, 0)
            else:
                memset(buf, 0, scratch * sizeof(floating))
                for m in range(mult):
                    o = c * mult + m
                    _dw_scatter(&gy[n, o, 0, 0, 0], &w[o, 0, 0, 0], g.k, g.s, g.d, g.out,
                                buf, bsize)
                _dw_crop(buf, bsize, top, gx_plane, size)
        free(buf)
    if failed:
        raise MemoryError("depthwise_backward_data: no memory for the padded plane")


def depthwise_backward_weight(const floating[:, :, :, :, ::1] x,    # IN  (n, c, d, h, w)
                              const floating[:, :, :, :, ::1] gy,   # IN  (n, c * mult, d_out, h_out, w_out)
                              floating[:, :, :, ::1] gw,            # OUT (c * mult, kd, kh, kw)
                              tuple geometry, int n_threads):
    """Weight gradient of ``depthwise_forward``."""
    cdef Geometry g = _geometry(geometry)
    cdef Py_ssize_t n_batch = x.shape[0], c_in = x.shape[1], c_out = gw.shape[0]
    _check_depthwise(n_batch, c_in, c_out, gw, gy, g)
    cdef Py_ssize_t size[3]
    cdef Py_ssize_t bsize[3]
    size[0], size[1], size[2] = x.shape[2], x.shape[3], x.shape[4]
    cdef Py_ssize_t scratch = cynn_dw_scratch(bsize, g.k, g.s, g.d, g.out, True)
    cdef Py_ssize_t mult = c_out // c_in
    cdef Py_ssize_t taps = g.k[0] * g.k[1] * g.k[2]
    cdef Py_ssize_t partials = CYNN_DW_ROWS * CYNN_DW_VEC
    cdef bint unit_stride = g.s[0] == 1 and g.s[1] == 1 and g.s[2] == 1
    cdef Py_ssize_t o
    cdef floating* acc
    cdef floating* buf
    cdef floating* g_pad
    cdef int failed = 0
    cdef int* failed_at = &failed
    if c_out == 0:
        return
    n_threads = _threads_for(<double>n_batch * c_out * g.out[0] * g.out[1] * g.out[2], n_threads)
    with nogil, parallel(num_threads=n_threads):
        acc = <floating*>malloc(taps * partials * sizeof(floating))
        buf = <floating*>malloc(scratch * sizeof(floating))
        g_pad = <floating*>malloc(scratch * sizeof(floating)) if unit_stride else NULL
        if g_pad != NULL:
            # the flat kernel writes only g_pad's rows: the gaps stay zero for every plane
            memset(g_pad, 0, scratch * sizeof(floating))
        for o in prange(c_out, schedule="static"):
            if acc == NULL or buf == NULL or (unit_stride and g_pad == NULL):
                failed_at[0] = 1
                continue
            # the flat kernel's padding may turn an inf input into NaN (see depthwise.h):
            # a channel whose result is not finite is computed again row by row
            if not (unit_stride and _dw_weight_channel(x, gy, o, mult, size, &g, bsize, buf,
                                                       g_pad, acc, &gw[o, 0, 0, 0], True)):
                _dw_weight_channel(x, gy, o, mult, size, &g, bsize, buf, g_pad, acc,
                                   &gw[o, 0, 0, 0], False)
        free(acc)
        free(buf)
        free(g_pad)
    if failed:
        raise MemoryError("depthwise_backward_weight: no memory for the padded plane")


cdef bint _dw_weight_channel(const floating[:, :, :, :, ::1] x,
                             const floating[:, :, :, :, ::1] gy, Py_ssize_t o, Py_ssize_t mult,
                             const Py_ssize_t* size, const Geometry* g, const Py_ssize_t* bsize,
                             floating* buf, floating* g_pad, floating* acc, floating* gw_taps,
                             bint flat) noexcept nogil:
    """gw_taps (taps,) = output channel o's weight gradient, summed over the batch;
    False when a result is not finite."""
    cdef Py_ssize_t taps = g.k[0] * g.k[1] * g.k[2]
    cdef Py_ssize_t partials = CYNN_DW_ROWS * CYNN_DW_VEC
    cdef Py_ssize_t n, t, i
    cdef double total
    cdef bint finite = True
    memset(acc, 0, taps * partials * sizeof(floating))
    for n in range(x.shape[0]):
        _dw_pad(&x[n, o // mult, 0, 0, 0], size, g.p, buf, bsize)
        if flat:
            _dw_weight_flat(buf, bsize, &gy[n, o, 0, 0, 0], g.k, g.d, g.out, g_pad, acc)
        else:
            _dw_weight(buf, bsize, &gy[n, o, 0, 0, 0], g.k, g.s, g.d, g.out, acc)
    for t in range(taps):
        total = 0
        for i in range(partials):
            total = total + acc[t * partials + i]
        gw_taps[t] = <floating>total
        finite = finite and (total - total == 0)
    return finite


cdef int _check_depthwise(Py_ssize_t n_batch, Py_ssize_t c_in, Py_ssize_t c_out,
                          w, y, Geometry g) except -1:
    if c_in == 0 or c_out % c_in != 0:
        raise ValueError(f"depthwise: {c_out} output channels for {c_in} input channels")
    if tuple(w.shape)[1:4] != (g.k[0], g.k[1], g.k[2]):
        raise ValueError(f"depthwise: weight shape {tuple(w.shape)[:4]} does not match "
                         f"kernel ({g.k[0]}, {g.k[1]}, {g.k[2]})")
    if tuple(y.shape)[:5] != (n_batch, c_out, g.out[0], g.out[1], g.out[2]):
        raise ValueError(f"depthwise: output shape {tuple(y.shape)[:5]}, expected "
                         f"({n_batch}, {c_out}, {g.out[0]}, {g.out[1]}, {g.out[2]})")
    return 0
