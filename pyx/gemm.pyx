"""Matrix products for linear and convolution layers (BLAS through SciPy).

``gemm`` and ``grouped_gemm`` compute ``C = alpha op(A) op(B) + beta C`` on
row-major (C-contiguous) float32 or float64 matrices, ``op`` being the
identity or the transpose. The shapes are checked here, before any nogil code
runs; the kernels in ``gemm_blas.pxd`` split C over OpenMP threads and call a
single-threaded BLAS per block, so ``n_threads`` alone decides how many cores
work.

SciPy's OpenBLAS has a thread pool of its own. While a cynn product runs, that
pool is held at one thread (and given back its previous size afterwards), so
the OpenMP team and the BLAS pool never compete for the same cores.

float32 products run on cynn's own AVX-512 kernel (``cynn_sgemm.h``) when the
CPU has AVX-512F, on BLAS otherwise; the environment variable ``CYNN_GEMM=blas``
(read at import; any other value means "auto") or ``set_gemm_kernel("blas")``
forces BLAS. float64 and small products always use BLAS. The choice is shared by every kernel module (conv.pyx reads this module's
flag through ``gemm_choice_address``).
"""
import ctypes
import os

from fused cimport floating
from gemm_blas cimport (BlasThreads, blas_pool_restore, blas_pool_to_one,
                        blas_threads_from_addresses, cynn_gemm_choice,
                        cynn_sgemm_cpu_supported, gemm_parallel)

cdef BlasThreads _blas_threads
_blas_threads.get = NULL
_blas_threads.set = NULL
_blas_library = None
_blas_addresses = (0, 0)


def _loaded_openblas_paths():
    """Paths of the OpenBLAS libraries mapped into this process (Linux)."""
    try:
        with open("/proc/self/maps") as maps:
            paths = {line.split(None, 5)[5].strip() for line in maps
                     if "openblas" in line.lower() and len(line.split(None, 5)) == 6}
    except OSError:
        return []
    return sorted(paths)


def _find_scipy_blas_thread_control():
    """The (get, set) thread-count functions of the BLAS SciPy's Cython BLAS uses.

    SciPy wheels ship their own OpenBLAS (beside ``scipy/`` in ``scipy.libs``);
    NumPy's is a different library and is left alone. Returns None when the
    library or its functions cannot be found (then BLAS threads are not managed).
    """
    import scipy
    import scipy.linalg.cython_blas  # noqa: F401  (maps SciPy's BLAS library)
    scipy_root = os.path.dirname(os.path.dirname(os.path.abspath(scipy.__file__)))
    paths = _loaded_openblas_paths()
    own = [p for p in paths if p.startswith(scipy_root) and "scipy" in os.path.basename(
        os.path.dirname(p)) + os.path.basename(p) and "openblas64" not in p]
    candidates = own or (paths if len(paths) == 1 else [])
    for path in candidates:
        try:
            lib = ctypes.CDLL(path)
        except OSError:
            continue
        for prefix in ("scipy_openblas", "openblas"):
            try:
                getter = getattr(lib, prefix + "_get_num_threads")
                setter = getattr(lib, prefix + "_set_num_threads")
            except AttributeError:
                continue
            return path, getter, setter
    return None


def _bind_blas_thread_control():
    global _blas_threads, _blas_library, _blas_addresses
    found = _find_scipy_blas_thread_control()
    if found is None:
        return
    _blas_library = found[0]
    _blas_addresses = tuple(ctypes.cast(f, ctypes.c_void_p).value for f in found[1:])
    _blas_threads = blas_threads_from_addresses(_blas_addresses[0], _blas_addresses[1])


_bind_blas_thread_control()


def blas_thread_control_addresses():
    """Addresses of SciPy's BLAS get/set_num_threads (0, 0 when unknown), for the
    other kernel modules that call BLAS from OpenMP threads."""
    return _blas_addresses


cdef inline int _blas_pool_to_one() noexcept nogil:
    return blas_pool_to_one(&_blas_threads)


cdef inline void _blas_pool_restore(int previous) noexcept nogil:
    blas_pool_restore(&_blas_threads, previous)


GEMM_KERNELS = ("auto", "cynn", "blas")


def set_gemm_kernel(str name):
    """Choose the float32 product kernel: ``"cynn"`` (AVX-512; ValueError when the CPU
    lacks AVX-512F), ``"blas"``, or ``"auto"`` (cynn's when the CPU has AVX-512F)."""
    if name not in GEMM_KERNELS:
        raise ValueError(f"set_gemm_kernel: name must be one of {GEMM_KERNELS}, got {name!r}")
    cdef int supported = cynn_sgemm_cpu_supported()
    if name == "cynn" and not supported:
        raise ValueError("set_gemm_kernel: 'cynn' needs a CPU with AVX-512F")
    cynn_gemm_choice[0] = 0 if name == "blas" else supported


def cynn_gemm_supported():
    """Whether this CPU runs cynn's float32 kernel (it has AVX-512F)."""
    return bool(cynn_sgemm_cpu_supported())


def gemm_kernel():
    """The float32 product kernel in use: ``"cynn"`` or ``"blas"``."""
    return "cynn" if cynn_gemm_choice[0] else "blas"


def gemm_choice_address():
    """Address of the kernel choice flag, for the other kernel modules."""
    return <size_t>cynn_gemm_choice


set_gemm_kernel("blas" if os.environ.get("CYNN_GEMM", "").lower() == "blas" else "auto")


def blas_info():
    """Which BLAS library cynn's products run on and whether its threads are managed."""
    return {"library": _blas_library, "threads_managed": _blas_threads.get != NULL}


cdef inline void _check_product(Py_ssize_t a0, Py_ssize_t a1, Py_ssize_t b0, Py_ssize_t b1,
                                Py_ssize_t c0, Py_ssize_t c1, bint trans_a, bint trans_b,
                                Py_ssize_t* m, Py_ssize_t* n, Py_ssize_t* k) except *:
    m[0] = a1 if trans_a else a0
    k[0] = a0 if trans_a else a1
    cdef Py_ssize_t kb = b1 if trans_b else b0
    n[0] = b0 if trans_b else b1
    if k[0] != kb or c0 != m[0] or c1 != n[0]:
        raise ValueError(
            f"gemm: op(A) is ({m[0]}, {k[0]}), op(B) is ({kb}, {n[0]}), C is ({c0}, {c1})")
    if m[0] >= 2**31 or n[0] >= 2**31 or k[0] >= 2**31:
        raise ValueError("gemm: a dimension does not fit the BLAS 32-bit integer")


def gemm(const floating[:, ::1] a,   # IN  (m, k), or (k, m) if trans_a
         const floating[:, ::1] b,   # IN  (k, n), or (n, k) if trans_b
         floating[:, ::1] c,         # IN/OUT (m, n)
         bint trans_a=False, bint trans_b=False,
         double alpha=1.0, double beta=0.0, int n_threads=1):
    """``c = alpha * op(a) @ op(b) + beta * c`` in place; ``beta=0`` ignores c's contents."""
    cdef Py_ssize_t m, n, k
    _check_product(a.shape[0], a.shape[1], b.shape[0], b.shape[1], c.shape[0], c.shape[1],
                   trans_a, trans_b, &m, &n, &k)
    cdef int previous
    if m == 0 or n == 0:
        return
    if k == 0:
        # BLAS skips the product; beta still scales C
        with nogil:
            _scale(c, <floating>beta)
        return
    with nogil:
        previous = _blas_pool_to_one()
        gemm_parallel(trans_a, trans_b, <int>m, <int>n, <int>k,
                      <floating>alpha, &a[0, 0], <int>a.shape[1], &b[0, 0], <int>b.shape[1],
                      <floating>beta, &c[0, 0], <int>c.shape[1], n_threads)
        _blas_pool_restore(previous)


def grouped_gemm(const floating[:, :, ::1] a,   # IN  (g, m, k), or (g, k, m) if trans_a
                 const floating[:, :, ::1] b,   # IN  (g, k, n), or (g, n, k) if trans_b
                 floating[:, :, ::1] c,         # IN/OUT (g, m, n)
                 bint trans_a=False, bint trans_b=False,
                 double alpha=1.0, double beta=0.0, int n_threads=1):
    """``c[i] = alpha * op(a[i]) @ op(b[i]) + beta * c[i]`` for every group ``i``."""
    cdef Py_ssize_t m, n, k, i, groups = a.shape[0]
    if b.shape[0] != groups or c.shape[0] != groups:
        raise ValueError(f"grouped_gemm: {a.shape[0]}, {b.shape[0]} and {c.shape[0]} groups")
    _check_product(a.shape[1], a.shape[2], b.shape[1], b.shape[2], c.shape[1], c.shape[2],
                   trans_a, trans_b, &m, &n, &k)
    cdef int previous
    if groups == 0 or m == 0 or n == 0:
        return
    if k == 0:
        with nogil:
            for i in range(groups):
                _scale(c[i], <floating>beta)
        return
    with nogil:
        previous = _blas_pool_to_one()
        for i in range(groups):
            gemm_parallel(trans_a, trans_b, <int>m, <int>n, <int>k,
                          <floating>alpha, &a[i, 0, 0], <int>a.shape[2],
                          &b[i, 0, 0], <int>b.shape[2],
                          <floating>beta, &c[i, 0, 0], <int>c.shape[2], n_threads)
        _blas_pool_restore(previous)


cdef void _scale(floating[:, ::1] c, floating beta) noexcept nogil:
    cdef Py_ssize_t i, j
    for i in range(c.shape[0]):
        for j in range(c.shape[1]):
            c[i, j] = 0 if beta == 0 else c[i, j] * beta
