"""Float32 convolution as a product over shifted windows (no patch matrix).

With stride 1, tap ``(a, e)`` of input channel ``c`` meets output position
``(y, x)`` at input ``(y + a * dh, x + e * dw)`` of the zero-padded input. Lay
the padded input out with row length ``wide = w_out + (kw - 1) * dw``: then
the patch-matrix entry of that tap and position is
``padded[rows[tap] + columns[y * w_out + x]]`` with ``rows[tap] = (c * rows +
a * dh) * wide + e * dw`` and ``columns[y * w_out + x] = y * wide + x``.
``cynn_sgemm_indirect`` packs its panels straight from those two tables (each
run of consecutive columns, an output row, one masked load), so the patch
matrix (``taps`` times the input) is never written, and the product writes
the output in place, bias included.

A stride ``(sh, sw)`` is turned into stride 1 by splitting the padded input
into ``sh * sw`` phase planes, plane ``(fy, fx)`` holding rows ``fy, fy + sh,
...`` and columns ``fx, fx + sw, ...``: tap ``(a, e)`` then reads plane
``(a * dh % sh, e * dw % sw)`` shifted by ``(a * dh // sh, e * dw // sw)``, and
the rows are ``w_out + (kw - 1) * dw // sw`` long.

What is left besides the product is the padded (split) copy of the input,
about ``1 / taps`` of the patch matrix.

Covers the forward (and, for stride 1, through the flipped weights, the input
gradient, see ``cynn/autograd/functions/conv.py``) and the weight gradient of
1-d and 2-d convolutions with any stride, padding, dilation and groups. Only
cynn's own AVX-512 GEMM can take tables of offsets, so the callers use this
module only when that kernel is the one chosen; float64 and BLAS keep to
``conv.pyx``'s im2col path.

Work is cut into jobs (sample, group, block of output rows); each thread
copies its job's input rows (plus the halo rows its taps reach) into its own
buffer.

Same answer at any thread count. Forward: the blocks of output rows depend on
the thread count, but that cannot change a bit of the output. Each output
element is computed whole by one ``cynn_sgemm_indirect`` call, and there its
arithmetic is fixed by k alone: the micro-kernel starts its accumulator at
zero, adds the products in k order in KC = 384 panels that start at p = 0
(the same for any m and n), and scales, adds the bias and C in the same
instructions whichever tile (full, partly masked, NV = 1 or 2) and block it
lands in; lanes never mix. Weight gradient: there the blocks of output rows are
the sum's terms, so they, and how they are grouped into partial sums, are
functions of the shapes only (see ``shifted_backward_weight``).
"""
import numpy as np

from cython.parallel cimport prange, parallel, threadid
from libc.string cimport memcpy, memset


cdef extern from "cynn_sgemm.h" nogil:
    int cynn_sgemm_indirect(int trans_b, long m, long n, long k, float alpha,
                            const float* a, long lda, const float* b, const long* b_rows,
                            const long* b_cols, const float* row_bias, float beta, float* c,
                            long ldc)


cdef struct Window:
    # a 2-d convolution: kernel, stride, dilation, padding before the input,
    # output size, and the wide row length of its phase planes,
    # w_out + (kw - 1) * dw // sw
    Py_ssize_t kh, kw, sh, sw, dh, dw, ph, pw, h_out, w_out, wide


cdef Window _window(tuple geometry) except *:
    """Window of a ``conv.pyx`` geometry tuple; ValueError if it is not 2-d."""
    cdef Window win
    if len(geometry) != 15:
        raise ValueError(f"geometry needs 15 integers, got {len(geometry)}")
    kd, kh, kw, sd, sh, sw, pd, ph, pw, dd, dh, dw, d_out, h_out, w_out = geometry
    if kd != 1 or pd != 0 or d_out != 1:
        raise ValueError(f"shifted-window convolution needs a 2-d geometry, got {geometry}")
    if min(kh, kw, sh, sw, dh, dw) < 1 or min(ph, pw, h_out, w_out) < 0:
        raise ValueError(f"invalid convolution geometry {geometry}")
    win.kh, win.kw, win.sh, win.sw, win.dh, win.dw = kh, kw, sh, sw, dh, dw
    win.ph, win.pw, win.h_out, win.w_out = ph, pw, h_out, w_out
    win.wide = w_out + (kw - 1) * dw // sw
    return win


cdef Py_ssize_t _halo(const Window* win) noexcept nogil:
    return (win.kh - 1) * win.dh // win.sh


cdef Py_ssize_t _planes(const Window* win) noexcept nogil:
    # phase planes per channel
    return win.sh * win.sw


cdef inline void _gather(float* dst, const float* src, Py_ssize_t count,
                        Py_ssize_t step) noexcept nogil:
    """dst[j] = src[j * step] for j < count."""
    cdef Py_ssize_t j
    if step == 1:
        memcpy(dst, src, count * sizeof(float))
    elif step == 2:
        # a constant step lets the compiler vectorise the loop (14% of a
        # stride-2 layer's forward with the generic one)
        for j in range(count):
            dst[j] = src[2 * j]
    else:
        for j in range(count):
            dst[j] = src[j * step]


cdef void _pad_block(const float* x_group, Py_ssize_t channels, Py_ssize_t height,
                     Py_ssize_t width, const Window* win, Py_ssize_t q0, Py_ssize_t q1,
                     float* padded) noexcept nogil:
    """padded (channels, sh, sw, rows, wide): the zero-padded input that output
    rows [q0, q1) read, split into stride phases. Row r of phase plane (fy, fx)
    holds padded input row (q0 + r) * sh + fy, columns fx, fx + sw, ... (input
    row (q0 + r) * sh + fy - ph); with stride 1 it is the padded input itself."""
    cdef Py_ssize_t rows = q1 - q0 + _halo(win), wide = win.wide
    cdef Py_ssize_t c, fy, fx, r, iy, lo, hi
    cdef float* dst
    cdef const float* src
    for c in range(channels):
        for fy in range(win.sh):
            for fx in range(win.sw):
                # plane columns xq whose input column xq * sw + fx - pw is in [0, width)
                lo = (win.pw - fx + win.sw - 1) // win.sw if win.pw > fx else 0
                hi = (width + win.pw - fx + win.sw - 1) // win.sw
                if hi > wide:
                    hi = wide
                if lo > hi:
                    lo = hi
                for r in range(rows):
                    dst = padded + (((c * win.sh + fy) * win.sw + fx) * rows + r) * wide
                    iy = (q0 + r) * win.sh + fy - win.ph
                    if iy < 0 or iy >= height or hi <= lo:
                        memset(dst, 0, wide * sizeof(float))
                        continue
                    # the first input column this plane row takes, then every sw-th
                    src = x_group + (c * height + iy) * width + lo * win.sw + fx - win.pw
                    memset(dst, 0, lo * sizeof(float))
                    _gather(dst + lo, src, hi - lo, win.sw)
                    memset(dst + hi, 0, (wide - hi) * sizeof(float))


cdef void _window_rows(Py_ssize_t channels, const Window* win, Py_ssize_t rows,
                       long* offsets) noexcept nogil:
    """offsets[(c * kh + a) * kw + e]: where tap (a, e) of channel c starts in the padded
    block (padded input position (a * dh, e * dw) lies in phase plane (a * dh % sh,
    e * dw % sw) at (a * dh // sh, e * dw // sw))."""
    cdef Py_ssize_t c, a, e, i = 0, plane
    for c in range(channels):
        for a in range(win.kh):
            for e in range(win.kw):
                plane = (c * win.sh + a * win.dh % win.sh) * win.sw + e * win.dw % win.sw
                offsets[i] = ((plane * rows + a * win.dh // win.sh) * win.wide
                              + e * win.dw // win.sw)
                i += 1


cdef Py_ssize_t _block_rows(Py_ssize_t channels, const Window* win, Py_ssize_t jobs_per_block,
                            int n_threads, Py_ssize_t block_bytes):
    """Output rows per block: the padded block should fit in ``block_bytes``, and there
    should be at least two jobs per thread (jobs_per_block = samples * groups)."""
    cdef Py_ssize_t per_row = channels * _planes(win) * win.wide * sizeof(float)
    cdef Py_ssize_t rows = block_bytes // (per_row if per_row > 0 else 1) - _halo(win)
    cdef Py_ssize_t wanted = (2 * n_threads + jobs_per_block - 1) // jobs_per_block
    cdef Py_ssize_t n_blocks
    if rows < 1:
        rows = 1
    n_blocks = (win.h_out + rows - 1) // rows
    if n_blocks < wanted:
        n_blocks = wanted
    if n_blocks > win.h_out:
        n_blocks = win.h_out
    return (win.h_out + n_blocks - 1) // n_blocks


cdef struct Groups:
    # channels of one group: input, output, and the product's depth
    Py_ssize_t c_group, m_group, k_group


cdef Groups _check_shapes(tuple x_shape, tuple w_shape, tuple out_shape, int groups,
                          const Window* win, str out_name) except *:
    """x (n, c_in, 1, h, w), W (c_out, c_in / groups * kh * kw), out (n, c_out, 1, h_out, w_out)."""
    cdef Groups g
    cdef Py_ssize_t n_batch = x_shape[0], c_in = x_shape[1], c_out = w_shape[0]
    if groups < 1 or c_in % groups or c_out % groups:
        raise ValueError(f"conv: {c_in} input and {c_out} output channels in {groups} groups")
    g.c_group, g.m_group = c_in // groups, c_out // groups
    g.k_group = g.c_group * win.kh * win.kw
    if w_shape[1] != g.k_group or x_shape[2] != 1:
        raise ValueError(f"conv: weight {w_shape} for input {x_shape}")
    if out_shape != (n_batch, c_out, 1, win.h_out, win.w_out):
        raise ValueError(f"conv: {out_name} {out_shape}, expected "
                         f"({n_batch}, {c_out}, 1, {win.h_out}, {win.w_out})")
    return g


cdef struct Jobs:
    # output rows per block, blocks per plane, jobs (sample, group, block), the
    # threads that run them, and the floats of one thread's padded block
    Py_ssize_t block, n_blocks, count, padded_size
    int threads


cdef enum:
    # the weight gradient cuts its rows as if for this many threads (at least 8
    # jobs when there are enough output rows), whatever the real count
    WEIGHT_BLOCK_THREADS = 4
    # partial sums of the weight gradient: as conv.pyx's _weight_parts
    WEIGHT_MAX_PARTS = 8
    WEIGHT_MIN_POSITIONS = 512
    WEIGHT_MAX_BYTES = 64 << 20


cdef Py_ssize_t _weight_parts(Py_ssize_t jobs, Py_ssize_t positions,
                              Py_ssize_t gw_bytes) noexcept nogil:
    """How many partial sums the weight gradient's jobs are split into (a power of
    two; each at least WEIGHT_MIN_POSITIONS output positions per weight): a function
    of the shapes only, so that the sum has the same order at any thread count."""
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


cdef Jobs _jobs(Py_ssize_t n_batch, int groups, Py_ssize_t c_group, const Window* win,
                int n_threads, Py_ssize_t block_bytes):
    cdef Jobs jobs
    jobs.block = _block_rows(c_group, win, n_batch * groups, n_threads, block_bytes)
    jobs.n_blocks = (win.h_out + jobs.block - 1) // jobs.block
    jobs.count = n_batch * groups * jobs.n_blocks
    jobs.threads = n_threads if jobs.count >= n_threads else <int>jobs.count
    jobs.padded_size = c_group * _planes(win) * (jobs.block + _halo(win)) * win.wide
    return jobs


def shifted_forward(const float[:, :, :, :, ::1] x,   # IN  (n, c_in, 1, h, w)
                    const float[:, ::1] w,            # IN  (c_out, c_in / groups * kh * kw)
                    const float[::1] bias,            # IN  (c_out,), read when has_bias
                    float[:, :, :, :, ::1] y,         # OUT (n, c_out, 1, h_out, w_out)
                    bint has_bias, tuple geometry, int groups, int n_threads,
                    Py_ssize_t block_bytes=1 << 20):
    """``y[n, g] = W_g @ patches(x[n, g]) (+ bias)`` for a 2-d geometry."""
    cdef Window win = _window(geometry)
    cdef Groups shapes = _check_shapes(tuple(x.shape)[:5], tuple(w.shape)[:2],
                                       tuple(y.shape)[:5], groups, &win, "output")
    cdef Py_ssize_t n_batch = x.shape[0], c_out = w.shape[0]
    cdef Py_ssize_t height = x.shape[3], width = x.shape[4]
    cdef Py_ssize_t c_group = shapes.c_group, m_group = shapes.m_group
    cdef Py_ssize_t k_group = shapes.k_group
    if has_bias and bias.shape[0] != c_out:
        raise ValueError(f"conv: bias has {bias.shape[0]} entries, not {c_out}")
    if n_batch * c_out * win.h_out * win.w_out == 0:
        return
    if k_group == 0:
        raise ValueError("conv: no input channels (the caller fills the bias)")
    cdef Jobs plan = _jobs(n_batch, groups, c_group, &win, n_threads, block_bytes)
    cdef Py_ssize_t block = plan.block, n_blocks = plan.n_blocks, jobs = plan.count
    cdef int nt = plan.threads
    cdef float[:, ::1] padded = np.empty((nt, plan.padded_size), dtype=np.float32)
    cdef long[:, ::1] offsets = np.empty((nt, k_group), dtype=np.int_)
    cdef long[:, ::1] columns = np.empty((nt, block * win.w_out), dtype=np.int_)
    cdef Py_ssize_t p_out = win.h_out * win.w_out
    cdef Py_ssize_t job, n, gi, blk, q0, q1
    cdef int tid = 0, failed = 0
    cdef int* failed_at = &failed   # a flag written inside prange must not be thread-private
    with nogil, parallel(num_threads=nt):
        tid = threadid()
        for job in prange(jobs, schedule="dynamic"):
            n = job // (groups * n_blocks)
            gi = (job // n_blocks) % groups
            blk = job % n_blocks
            q0 = blk * block
            q1 = q0 + block if q0 + block < win.h_out else win.h_out
            if not _forward_job(&x[n, gi * c_group, 0, 0, 0], c_group, height, width, &win,
                                q0, q1, &padded[tid, 0], &offsets[tid, 0], &columns[tid, 0],
                                &w[gi * m_group, 0], m_group, k_group,
                                &y[n, gi * m_group, 0, 0, 0], p_out,
                                &bias[gi * m_group] if has_bias else NULL):
                failed_at[0] = 1
    if failed:
        raise MemoryError("conv: cannot allocate the GEMM packing buffers")


cdef int _forward_job(const float* x_group, Py_ssize_t c_group, Py_ssize_t height,
                      Py_ssize_t width, const Window* win, Py_ssize_t q0, Py_ssize_t q1,
                      float* padded, long* offsets, long* columns, const float* w_group,
                      Py_ssize_t m_group, Py_ssize_t k_group, float* y_group,
                      Py_ssize_t p_out, const float* bias_group) noexcept nogil:
    """Output rows [q0, q1) of one sample and group; 0 if the GEMM could not run."""
    cdef Py_ssize_t rows = q1 - q0 + _halo(win)
    _pad_block(x_group, c_group, height, width, win, q0, q1, padded)
    _window_rows(c_group, win, rows, offsets)
    _block_columns(win, q1 - q0, columns)
    return cynn_sgemm_indirect(0, m_group, (q1 - q0) * win.w_out, k_group, 1.0, w_group,
                               k_group, padded, offsets, columns, bias_group, 0.0,
                               y_group + q0 * win.w_out, p_out)


def shifted_backward_weight(const float[:, :, :, :, ::1] x,    # IN  (n, c_in, 1, h, w)
                            const float[:, :, :, :, ::1] gy,   # IN  (n, c_out, 1, h_out, w_out)
                            float[:, ::1] gw,                  # OUT (c_out, c_in / groups * kh * kw)
                            tuple geometry, int groups, int n_threads,
                            Py_ssize_t block_bytes=1 << 20):
    """``gW_g = sum_n gy[n, g] @ patches(x[n, g])^T``.

    The jobs (sample, group, block of output rows), in order, are cut into
    ``_weight_parts`` runs of consecutive jobs; each run adds its products, in
    turn, into a partial sum of its own (the first into gW itself), and the
    partial sums are added up in run order. The blocks and the runs depend on
    the shapes only and runs go to threads whole, so every thread count adds the
    same numbers in the same order.
    """
    cdef Window win = _window(geometry)
    cdef Groups shapes = _check_shapes(tuple(x.shape)[:5], tuple(gw.shape)[:2],
                                       tuple(gy.shape)[:5], groups, &win, "output gradient")
    cdef Py_ssize_t n_batch = x.shape[0], c_out = gw.shape[0]
    cdef Py_ssize_t height = x.shape[3], width = x.shape[4]
    cdef Py_ssize_t c_group = shapes.c_group, m_group = shapes.m_group
    cdef Py_ssize_t k_group = shapes.k_group
    if c_out * k_group == 0:
        return
    if n_batch * win.h_out * win.w_out == 0:
        gw[:, :] = 0
        return
    cdef Jobs plan = _jobs(n_batch, groups, c_group, &win, WEIGHT_BLOCK_THREADS, block_bytes)
    cdef Py_ssize_t block = plan.block, n_blocks = plan.n_blocks, jobs = plan.count
    cdef Py_ssize_t p_out = win.h_out * win.w_out
    cdef Py_ssize_t parts = _weight_parts(jobs, n_batch * p_out,
                                          c_out * k_group * <Py_ssize_t>sizeof(float))
    cdef int nt = n_threads if n_threads < parts else <int>parts
    # partial sums 1 .. parts - 1 (the first is gw)
    cdef float[:, :, ::1] acc = np.zeros((parts - 1, c_out, k_group), dtype=np.float32)
    cdef float[:, ::1] padded = np.empty((nt, plan.padded_size), dtype=np.float32)
    cdef long[:, ::1] offsets = np.empty((nt, k_group), dtype=np.int_)
    cdef long[:, ::1] columns = np.empty((nt, block * win.w_out), dtype=np.int_)
    cdef Py_ssize_t part, job, n, gi, blk, q0, q1, i, j
    cdef int tid = 0, failed = 0
    cdef int* failed_at = &failed   # a flag written inside prange must not be thread-private
    cdef float* sum_at
    cdef float* row
    cdef const float* add
    gw[:, :] = 0
    with nogil:
        with parallel(num_threads=nt):
            tid = threadid()
            for part in prange(parts, schedule="dynamic"):
                sum_at = &gw[0, 0] if part == 0 else &acc[part - 1, 0, 0]
                for job in range(part * jobs // parts, (part + 1) * jobs // parts):
                    n = job // (groups * n_blocks)
                    gi = (job // n_blocks) % groups
                    blk = job % n_blocks
                    q0 = blk * block
                    q1 = q0 + block if q0 + block < win.h_out else win.h_out
                    if not _backward_weight_job(&x[n, gi * c_group, 0, 0, 0], c_group, height,
                                                width, &win, q0, q1, &padded[tid, 0],
                                                &offsets[tid, 0], &columns[tid, 0],
                                                &gy[n, gi * m_group, 0, 0, 0], m_group,
                                                k_group, p_out, sum_at + gi * m_group * k_group):
                        failed_at[0] = 1
        # row by row along contiguous rows (the inner loop vectorises), each part
        # in turn: the order of the sum is the parts' order
        if parts > 1:
            for i in prange(c_out, num_threads=n_threads, schedule="static"):
                row = &gw[i, 0]
                for part in range(parts - 1):
                    add = &acc[part, i, 0]
                    for j in range(k_group):
                        row[j] = row[j] + add[j]
    if failed:
        raise MemoryError("conv: cannot allocate the GEMM packing buffers")


cdef void _block_columns(const Window* win, Py_ssize_t n_rows, long* columns) noexcept nogil:
    """columns[r * w_out + x]: where output position (r, x) of a block of n_rows output
    rows reads its windows, r * wide + x."""
    cdef Py_ssize_t r, x_
    for r in range(n_rows):
        for x_ in range(win.w_out):
            columns[r * win.w_out + x_] = r * win.wide + x_


cdef int _backward_weight_job(const float* x_group, Py_ssize_t c_group, Py_ssize_t height,
                              Py_ssize_t width, const Window* win, Py_ssize_t q0, Py_ssize_t q1,
                              float* padded, long* offsets, long* columns,
                              const float* gy_group, Py_ssize_t m_group, Py_ssize_t k_group,
                              Py_ssize_t p_out, float* gw_group) noexcept nogil:
    """gw_group (m, k) += gy rows [q0, q1) @ their patches^T; 0 if the GEMM could not run."""
    cdef Py_ssize_t rows = q1 - q0 + _halo(win)
    _pad_block(x_group, c_group, height, width, win, q0, q1, padded)
    _window_rows(c_group, win, rows, offsets)
    _block_columns(win, q1 - q0, columns)
    return cynn_sgemm_indirect(1, m_group, k_group, (q1 - q0) * win.w_out, 1.0,
                               gy_group + q0 * win.w_out, p_out, padded, offsets, columns,
                               NULL, 1.0, gw_group, k_group)
