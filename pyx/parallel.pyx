"""What the kernels were compiled with: OpenMP or not, and how many threads it sees."""

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define CYNN_OPENMP 1
    static int cynn_omp_max_threads(void) { return omp_get_max_threads(); }
    #else
    #define CYNN_OPENMP 0
    static int cynn_omp_max_threads(void) { return 1; }
    #endif
    """
    int CYNN_OPENMP
    int cynn_omp_max_threads() nogil


def openmp_compiled():
    """True when these kernels were built with OpenMP (prange runs in parallel)."""
    return bool(CYNN_OPENMP)


def omp_max_threads():
    """OpenMP's own default team size (1 in a serial build)."""
    return cynn_omp_max_threads()
