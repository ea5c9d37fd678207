"""Sparse (CSR) times dense products, forward and the values' gradient.

``indptr`` (m + 1,), ``indices`` (nnz,) and ``values`` (nnz,) are a CSR matrix of
shape (m, k) whose indices the Python layer checked (sorted row pointers within
[0, nnz], column indices within [0, k)); ``dense`` is (k, n) C-contiguous. Each output
row belongs to one thread (``prange`` over rows), in a fixed order of its entries, so
results are identical at any thread count.
"""
from cython.parallel cimport prange
from fused cimport floating

cdef Py_ssize_t PARALLEL_MIN_WORK = 1 << 15


def csr_mm(const long[::1] indptr,       # IN  (m + 1,)
           const long[::1] indices,      # IN  (nnz,)
           const floating[::1] values,   # IN  (nnz,)
           const floating[:, ::1] dense, # IN  (k, n)
           floating[:, ::1] out,         # OUT (m, n), overwritten
           int n_threads):
    cdef Py_ssize_t m = out.shape[0], n = out.shape[1], i, p, c, col
    cdef floating v
    cdef int nt = n_threads if values.shape[0] * n >= PARALLEL_MIN_WORK else 1
    with nogil:
        for i in prange(m, num_threads=nt, schedule="static"):
            for c in range(n):
                out[i, c] = 0
            for p in range(indptr[i], indptr[i + 1]):
                v = values[p]
                col = indices[p]
                for c in range(n):
                    out[i, c] += v * dense[col, c]


def csr_values_grad(const long[::1] indptr,       # IN  (m + 1,)
                    const long[::1] indices,      # IN  (nnz,)
                    const floating[:, ::1] grad,  # IN  (m, n) gradient of the product
                    const floating[:, ::1] dense, # IN  (k, n)
                    floating[::1] out,            # OUT (nnz,) d/d values
                    int n_threads):
    """``out[p] = grad[row(p)] . dense[indices[p]]``: each entry's gradient."""
    cdef Py_ssize_t m = grad.shape[0], n = grad.shape[1], i, p, c, col
    cdef floating total
    cdef int nt = n_threads if indices.shape[0] * n >= PARALLEL_MIN_WORK else 1
    with nogil:
        for i in prange(m, num_threads=nt, schedule="static"):
            for p in range(indptr[i], indptr[i + 1]):
                col = indices[p]
                total = 0
                for c in range(n):
                    total = total + grad[i, c] * dense[col, c]
                out[p] = total
