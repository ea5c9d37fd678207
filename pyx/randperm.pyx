"""The sequential half of torch's CPU ``randperm``: the swaps of a Fisher-Yates shuffle.

Each step reads what the previous one wrote, so the loop cannot be split between
threads; the random numbers it consumes are drawn and reduced to indices beforehand,
vectorised, by ``cynn/utils/data/_torch_randperm.py``, which also checks that every
index is inside ``perm`` (``start + k <= n``, and each offset or target below the bound
its modulus guarantees).
"""
from libc.stdint cimport int64_t, uint64_t


def swap_forward(int64_t[::1] perm,            # IN/OUT (n,)
                 const uint64_t[::1] offset,   # IN  (k,) offset[j] < n - (start + j)
                 int64_t start):
    """Steps ``i = start .. start + k - 1``: swap ``perm[i]`` with ``perm[i + offset]``
    (torch's loop for n below 2**32 / 20)."""
    cdef Py_ssize_t j, k = offset.shape[0]
    cdef int64_t i, other, saved
    with nogil:
        for j in range(k):
            i = start + j
            other = i + <int64_t>offset[j]
            saved = perm[i]
            perm[i] = perm[other]
            perm[other] = saved


def insert_inside_out(int64_t[::1] perm,            # IN/OUT (n,), filled up to start
                      const uint64_t[::1] target,   # IN  (k,) target[j] <= start + j
                      int64_t start):
    """Steps ``i = start .. start + k - 1`` of the inside-out shuffle: ``perm[i]`` takes
    ``perm[target]``'s value and ``i`` goes to ``perm[target]`` (torch's loop for larger
    n: no initial ``arange``)."""
    cdef Py_ssize_t j, k = target.shape[0]
    cdef int64_t i, z
    with nogil:
        for j in range(k):
            i = start + j
            z = <int64_t>target[j]
            perm[i] = perm[z]
            perm[z] = i
