# Row-major GEMM on top of the Fortran BLAS that SciPy exports to Cython.
#
# BLAS is column-major. A row-major (M, N) matrix is the column-major (N, M)
# matrix of its transpose, so  C = op(A) op(B)  in row-major is computed as
# C^T = op(B)^T op(A)^T  in column-major: swap the operands (and M with N),
# keep the transpose flags. scikit-learn's sklearn/utils/_cython_blas.pyx does
# the same.
#
# Threads: SciPy's OpenBLAS runs its own thread pool, which would fight the
# OpenMP team for the cores. cynn keeps that pool at one thread (see gemm.pyx)
# and parallelises a product itself: C is cut into blocks of rows or columns,
# so no two threads write the same element and no reduction is needed. The
# thread count therefore comes from cynn.set_num_threads alone.
#
# Same answer at any thread count: BLAS's last bits depend on the shape of the
# call (OpenBLAS picks its inner blocking and edge kernels from m and n, so an
# element of C computed in a 528-column call and in the full 1031-column one
# can differ). The blocks are therefore a function of (m, n, k) only, and one
# thread runs exactly the same calls in turn as N threads run side by side.

from cython.parallel cimport prange
from scipy.linalg.cython_blas cimport sgemm, dgemm
from fused cimport floating

cdef extern from "cynn_sgemm.h":
    # cynn's AVX-512 float32 GEMM (see the header); returns 0 when it did nothing
    int cynn_sgemm(int trans_a, int trans_b, long m, long n, long k, float alpha,
                   const float* a, long lda, const float* b, long ldb, float beta,
                   float* c, long ldc) noexcept nogil
    int cynn_sgemm_cpu_supported() noexcept nogil
    int* cynn_gemm_choice

ctypedef int (*get_threads_t)() noexcept nogil
ctypedef void (*set_threads_t)(int) noexcept nogil


cdef struct BlasThreads:
    # OpenBLAS's get/set_num_threads for SciPy's library; NULL when not found
    get_threads_t get
    set_threads_t set


cdef inline int blas_pool_to_one(BlasThreads* control) noexcept nogil:
    """Shrink SciPy's BLAS pool to one thread; returns the size to restore."""
    cdef int previous = 0
    if control.get != NULL and control.set != NULL:
        previous = control.get()
        if previous != 1:
            control.set(1)
    return previous


cdef inline void blas_pool_restore(BlasThreads* control, int previous) noexcept nogil:
    if control.set != NULL and previous > 1:
        control.set(previous)


cdef inline BlasThreads blas_threads_from_addresses(size_t get_address, size_t set_address):
    cdef BlasThreads control
    control.get = <get_threads_t>get_address
    control.set = <set_threads_t>set_address
    return control


cdef enum:
    # a block is worth a call (and a thread) only for this many multiply-adds
    GEMM_MIN_WORK_PER_BLOCK = 1 << 17
    # at most 8 blocks, a power of two so that 2, 4 and 8 threads get equal shares
    GEMM_MAX_BLOCKS = 8


cdef inline bint _cynn_sgemm_pays(int m, int n, int k) noexcept nogil:
    # Measured against OpenBLAS (SkylakeX kernels) on the convolution shapes, one
    # thread: cynn's kernel is 5-35% faster (102-109 against 72-100 GFLOP/s), but
    # slower on small products (37 x 53 x 29: 32 against 44 GFLOP/s), where packing
    # and partly empty 8 x 32 tiles cost more than they save. The bounds are a
    # guard set from those points, not a tuned crossover.
    return m >= 16 and n >= 32 and k >= 16 and <double>m * n * k >= 262144


cdef inline void gemm_serial(bint trans_a, bint trans_b,
                             int m, int n, int k,
                             floating alpha, const floating* a, int lda,
                             const floating* b, int ldb,
                             floating beta, floating* c, int ldc) noexcept nogil:
    """C (m, n) = alpha op(A) op(B) + beta C, all row-major, one thread."""
    cdef char ta = b'T' if trans_a else b'N'
    cdef char tb = b'T' if trans_b else b'N'
    if m <= 0 or n <= 0:
        return
    if floating is float:
        if (cynn_gemm_choice[0] and _cynn_sgemm_pays(m, n, k)
                and cynn_sgemm(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)):
            return
        sgemm(&tb, &ta, &n, &m, &k, &alpha, <float*>b, &ldb, <float*>a, &lda,
              &beta, c, &ldc)
    else:
        dgemm(&tb, &ta, &n, &m, &k, &alpha, <double*>b, &ldb, <double*>a, &lda,
              &beta, c, &ldc)


cdef inline int _blocks_along(int extent, double work, double shared,
                              int max_blocks) noexcept nogil:
    """The number of blocks (a power of two) to cut an extent of C into when
    every block packs ``shared`` elements of the operand all blocks read.

    Cutting packs that operand once per block instead of once per product.
    Model, in the time of one 16-wide FMA: the product costs its m n k / 16 FMAs
    plus ~1.5 per element of A, B and C it moves (``work``); blocks are added
    while the packing they repeat stays within 1/64 of that (~1.5%: at one
    thread, cutting (384, 1728, 169) into 8 was 6% slower, into 2 within noise).
    Two blocks are always allowed when each has GEMM_MIN_WORK_PER_BLOCK and 16
    rows or columns, so that two threads share every product the old
    thread-count cut shared.
    """
    cdef double fit = work / (64 * 1.5 * shared) + 1 if shared > 0 else max_blocks
    cdef int nb = 1
    if fit < 2 and extent >= 32:
        fit = 2
    if extent // 16 < fit:
        fit = extent // 16
    if max_blocks < fit:
        fit = max_blocks
    while 2 * nb <= fit:
        nb *= 2
    return nb


cdef inline int gemm_blocks(int m, int n, int k, int max_blocks, int* width,
                            bint* cut_rows) noexcept nogil:
    """How many blocks C (m, n) is cut into, of how many rows or columns each.

    The direction that allows more blocks; on a tie rows, unless the operand
    they all pack is over 4x the columns' (n > 4 m); and rows whenever k < 32:
    a block of rows is one contiguous slab of C, and a product with a small k
    mostly streams C (at one thread (4096, 9216, 4) in column blocks, strided,
    was ~1.5x slower, (1000, 4096, 4) ~1.15x). Column
    blocks are a multiple of 16 wide, so threads never share a cache line of C.
    A function of the shape (and the caller's max_blocks, itself a function of
    shapes) alone: never of the thread count.
    """
    cdef double madds = <double>m * n * k
    cdef double work = madds / 16 + 1.5 * (<double>m * k + <double>k * n + <double>m * n)
    cdef int by_work = <int>(madds / GEMM_MIN_WORK_PER_BLOCK)
    if by_work < max_blocks:
        max_blocks = by_work if by_work > 1 else 1
    # row blocks all read op(B) (k, n), column blocks all read op(A) (m, k)
    cdef int nb_rows = _blocks_along(m, work, <double>k * n, max_blocks)
    cdef int nb_cols = _blocks_along(n, work, <double>m * k, max_blocks)
    cut_rows[0] = (nb_rows > nb_cols or (nb_rows == nb_cols and n <= 4 * <double>m)
                   or (k < 32 and nb_rows > 1))
    if cut_rows[0]:
        width[0] = (m + nb_rows - 1) // nb_rows
        return (m + width[0] - 1) // width[0]
    width[0] = ((n + nb_cols - 1) // nb_cols + 15) // 16 * 16
    return (n + width[0] - 1) // width[0]


cdef inline void gemm_block(bint trans_a, bint trans_b, int m, int n, int k,
                            floating alpha, const floating* a, int lda,
                            const floating* b, int ldb, floating beta, floating* c, int ldc,
                            int blk, int width, bint cut_rows) noexcept nogil:
    """Block blk (width rows or columns) of gemm_serial."""
    cdef int lo = blk * width
    cdef int hi = lo + width
    if cut_rows:
        hi = hi if hi < m else m
        # rows lo:hi of C need rows lo:hi of op(A)
        gemm_serial(trans_a, trans_b, hi - lo, n, k, alpha,
                    a + (lo if trans_a else <Py_ssize_t>lo * lda), lda,
                    b, ldb, beta, c + <Py_ssize_t>lo * ldc, ldc)
    else:
        hi = hi if hi < n else n
        # columns lo:hi of C need columns lo:hi of op(B)
        gemm_serial(trans_a, trans_b, m, hi - lo, k, alpha, a, lda,
                    b + (<Py_ssize_t>lo * ldb if trans_b else lo), ldb, beta, c + lo, ldc)


cdef inline void gemm_parallel(bint trans_a, bint trans_b,
                               int m, int n, int k,
                               floating alpha, const floating* a, int lda,
                               const floating* b, int ldb,
                               floating beta, floating* c, int ldc,
                               int n_threads) noexcept nogil:
    """gemm_serial cut into the blocks of gemm_blocks, spread over up to n_threads
    OpenMP threads."""
    gemm_parallel_blocks(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                         n_threads, GEMM_MAX_BLOCKS)


cdef inline void gemm_parallel_blocks(bint trans_a, bint trans_b,
                                      int m, int n, int k,
                                      floating alpha, const floating* a, int lda,
                                      const floating* b, int ldb,
                                      floating beta, floating* c, int ldc,
                                      int n_threads, int max_blocks) noexcept nogil:
    """gemm_parallel with at most max_blocks blocks: 1 keeps the product whole (for
    a caller that runs many products side by side)."""
    cdef int width = 0
    cdef bint cut_rows = True
    cdef int nb, blk
    if m <= 0 or n <= 0:
        return
    nb = gemm_blocks(m, n, k, max_blocks, &width, &cut_rows)
    if n_threads > nb:
        n_threads = nb
    if n_threads <= 1:
        # no OpenMP region: callers inside a parallel loop pass one thread
        for blk in range(nb):
            gemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                       blk, width, cut_rows)
        return
    for blk in prange(nb, num_threads=n_threads, schedule="static"):
        gemm_block(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc,
                   blk, width, cut_rows)
