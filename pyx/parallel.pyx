"""What the kernels were compiled with: OpenMP or not, how many threads it sees, and
which CPUs its places cover."""
from libc.stdlib cimport malloc, free

cdef extern from *:
    """
    #ifdef _OPENMP
    #include <omp.h>
    #define CYNN_OPENMP 1
    static int cynn_omp_max_threads(void) { return omp_get_max_threads(); }
    static int cynn_omp_num_places(void) { return omp_get_num_places(); }
    static int cynn_omp_place_num_procs(int place) { return omp_get_place_num_procs(place); }
    static void cynn_omp_place_proc_ids(int place, int *ids) { omp_get_place_proc_ids(place, ids); }
    #else
    #define CYNN_OPENMP 0
    static int cynn_omp_max_threads(void) { return 1; }
    static int cynn_omp_num_places(void) { return 0; }
    static int cynn_omp_place_num_procs(int place) { return 0; }
    static void cynn_omp_place_proc_ids(int place, int *ids) { }
    #endif
    """
    int CYNN_OPENMP
    int cynn_omp_max_threads() nogil
    int cynn_omp_num_places() nogil
    int cynn_omp_place_num_procs(int place) nogil
    void cynn_omp_place_proc_ids(int place, int *ids) nogil


def openmp_compiled():
    """True when these kernels were built with OpenMP (prange runs in parallel)."""
    return bool(CYNN_OPENMP)


def omp_max_threads():
    """OpenMP's own default team size (1 in a serial build)."""
    return cynn_omp_max_threads()


def openmp_place_cpus():
    """The CPUs that OpenMP's places cover, as a frozenset; empty when no places are
    defined (OMP_PLACES / OMP_PROC_BIND unset) or in a serial build.

    Once places exist, libgomp pins the initial thread to the first one, so the
    thread's own affinity mask no longer tells which CPUs the process may use; the
    places, built from the mask the process started with, still do.
    """
    cdef int place, count, i
    cdef int *ids
    cpus = set()
    for place in range(cynn_omp_num_places()):
        count = cynn_omp_place_num_procs(place)
        if count <= 0:
            continue
        ids = <int *> malloc(count * sizeof(int))
        if ids == NULL:
            raise MemoryError()
        try:
            cynn_omp_place_proc_ids(place, ids)
            cpus.update(ids[i] for i in range(count))
        finally:
            free(ids)
    return frozenset(cpus)
