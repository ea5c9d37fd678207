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
# and parallelises a product itself: every OpenMP thread gets a block of rows
# or columns of C, so no two threads write the same element and no reduction is
# needed. The thread count therefore comes from cynn.set_num_threads alone.

from cython.parallel cimport parallel, threadid
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


# A thread is worth waking only for at least this many multiply-adds.
cdef enum:
    GEMM_MIN_WORK_PER_THREAD = 1 << 17


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


cdef inline int gemm_threads(int m, int n, int k, int n_threads) noexcept nogil:
    cdef double work = <double>m * n * k
    cdef int useful = <int>(work / GEMM_MIN_WORK_PER_THREAD)
    if useful < 1:
        useful = 1
    return n_threads if n_threads < useful else useful


cdef inline void gemm_parallel(bint trans_a, bint trans_b,
                               int m, int n, int k,
                               floating alpha, const floating* a, int lda,
                               const floating* b, int ldb,
                               floating beta, floating* c, int ldc,
                               int n_threads) noexcept nogil:
    """gemm_serial split over up to n_threads OpenMP threads by blocks of C.

    The longer side of C is cut into one contiguous block per thread (block
    edges on multiples of 16 so threads never share a cache line of C when
    splitting columns).
    """
    cdef int nt = gemm_threads(m, n, k, n_threads)
    cdef int tid, lo, hi, chunk
    cdef bint split_cols = n >= m
    cdef int extent = n if split_cols else m
    if nt <= 1 or extent < 2:
        gemm_serial(trans_a, trans_b, m, n, k, alpha, a, lda, b, ldb, beta, c, ldc)
        return
    chunk = (extent + nt - 1) // nt
    chunk = ((chunk + 15) // 16) * 16
    tid = 0
    lo = 0
    hi = 0
    with parallel(num_threads=nt):
        tid = threadid()
        lo = tid * chunk
        hi = lo + chunk
        if hi > extent:
            hi = extent
        if lo < hi:
            if split_cols:
                # columns lo:hi of C need columns lo:hi of op(B)
                gemm_serial(trans_a, trans_b, m, hi - lo, k, alpha, a, lda,
                            b + (<Py_ssize_t>lo * ldb if trans_b else lo), ldb,
                            beta, c + lo, ldc)
            else:
                # rows lo:hi of C need rows lo:hi of op(A)
                gemm_serial(trans_a, trans_b, hi - lo, n, k, alpha,
                            a + (lo if trans_a else <Py_ssize_t>lo * lda), lda,
                            b, ldb, beta, c + <Py_ssize_t>lo * ldc, ldc)
