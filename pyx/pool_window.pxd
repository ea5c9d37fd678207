# Window arithmetic shared by the pooling kernels (pool.pyx, pool3d.pyx), inlined
# into each: one definition of where a dilated window's taps start, of PyTorch's
# adaptive cells and of when a parallel region pays.

cdef enum:
    # below this many window taps a parallel region costs more than it saves
    PARALLEL_MIN_WORK = 32768


cdef inline int _team(double work, int n_threads) noexcept nogil:
    # a double: products of large window sizes would overflow an integer
    return n_threads if work >= PARALLEL_MIN_WORK else 1


cdef inline Py_ssize_t _first_tap(Py_ssize_t start, Py_ssize_t dilation) noexcept nogil:
    """The first tap ``start + j * dilation`` (j >= 0) that is not left of 0."""
    if start >= 0:
        return start
    return start + ((-start + dilation - 1) // dilation) * dilation


# Adaptive pooling: output cell o of an axis n_in -> n_out covers
# [floor(o * n_in / n_out), ceil((o + 1) * n_in / n_out)); cells overlap when n_out
# does not divide n_in.
cdef inline Py_ssize_t _cell_start(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return (o * n_in) // n_out


cdef inline Py_ssize_t _cell_end(Py_ssize_t o, Py_ssize_t n_in, Py_ssize_t n_out) noexcept nogil:
    return ((o + 1) * n_in + n_out - 1) // n_out
