"""Row gathers and scatter-adds of ``F.embedding`` and ``F.embedding_bag``.

The weight gradient is a scatter-add, ``gW[dst[j]] += coef[j] * src[src_row[j]]``:
many ``j`` may hit one row, so threads would race on it. ``group_by_row`` counting-
sorts the entries by destination row first (stable: within a row they keep their
order); ``scatter_add_rows`` then gives each row to one thread, which adds that
row's entries in ascending ``j``. Every row's sum is therefore formed in the same
order at any thread count: the gradient is bitwise identical for 1 or N threads.

``bag_reduce`` (the bag forward) and ``bag_max_backward`` parallelise over bags and
over column blocks, which no two threads share.

Every index a kernel reads was checked by ``cynn/nn/functional/sparse.py``: rows in
``[0, n_rows)``, bag bounds non-decreasing and within the index array.
"""
from cython.parallel cimport prange
from libc.stdint cimport int64_t
from fused cimport floating

# Below this many multiply-adds a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN_WORK = 1 << 15
# Columns one thread owns at a time in bag_max_backward: a cache line of doubles.
cdef Py_ssize_t COLUMN_BLOCK = 8

cdef enum:
    _SUM = 0
    _MEAN = 1
    _MAX = 2

# PyTorch's mode numbers, for the callers
MODE_SUM, MODE_MEAN, MODE_MAX = _SUM, _MEAN, _MAX


cdef inline int _threads_for(Py_ssize_t work, int n_threads) noexcept nogil:
    return n_threads if work >= PARALLEL_MIN_WORK else 1


def group_by_row(const int64_t[::1] dst,     # IN  (n,) destination row of each entry
                 int64_t skip_row,           # IN  a row whose entries are dropped, or -1
                 int64_t[::1] row_start,     # OUT (n_rows + 1,) row r: order[row_start[r]:...[r+1]]
                 int64_t[::1] order):        # OUT (n,) entry numbers by row, ascending within one
    """Counting sort of the entries by destination row; returns how many were kept."""
    cdef Py_ssize_t j, r, n = dst.shape[0], n_rows = row_start.shape[0] - 1
    cdef int64_t running = 0, count
    with nogil:
        for r in range(n_rows + 1):
            row_start[r] = 0
        for j in range(n):
            if dst[j] != skip_row:
                row_start[dst[j] + 1] += 1
        for r in range(n_rows + 1):
            count = row_start[r]
            row_start[r] = running
            running += count
        # row_start[r + 1] serves as row r's write cursor, and ends at row r + 1's start
        for j in range(n):
            if dst[j] != skip_row:
                order[row_start[dst[j] + 1]] = j
                row_start[dst[j] + 1] += 1
    return running


def scatter_add_rows(const floating[:, ::1] src,   # IN  (m, d) rows to add
                     const int64_t[::1] src_row,   # IN  (n,) source row of entry j
                     const floating[::1] coef,     # IN  (n,) factor of entry j, or empty: 1
                     const int64_t[::1] row_start, # IN  (n_rows + 1,) from group_by_row
                     const int64_t[::1] order,     # IN  (n,) from group_by_row
                     bint scale_by_count,          # IN  divide each row's sum by its entry count
                     floating[:, ::1] out,         # OUT (n_rows, d) zero-filled by the caller
                     int n_threads):
    """``out[r] = (sum over the entries j of row r of coef[j] * src[src_row[j]]) [/ count]``."""
    cdef Py_ssize_t r, k, c, s, j
    cdef Py_ssize_t n_rows = out.shape[0], d = out.shape[1]
    cdef bint unit = coef.shape[0] == 0
    cdef floating factor
    cdef int threads = _threads_for(order.shape[0] * d, n_threads)
    # sizes only (O(1)); the index values were checked by the caller
    if (src_row.shape[0] != order.shape[0] or not (unit or coef.shape[0] == order.shape[0])
            or row_start.shape[0] != n_rows + 1 or src.shape[1] != d):
        raise ValueError("scatter_add_rows: inconsistent array sizes")
    for r in prange(n_rows, nogil=True, schedule="dynamic", chunksize=16,
                    num_threads=threads):
        if row_start[r + 1] == row_start[r]:
            continue
        for k in range(row_start[r], row_start[r + 1]):
            j = order[k]
            s = src_row[j]
            factor = 1 if unit else coef[j]
            for c in range(d):
                out[r, c] += factor * src[s, c]
        if scale_by_count:
            factor = 1.0 / (row_start[r + 1] - row_start[r])
            for c in range(d):
                out[r, c] *= factor


def bag_reduce(const floating[:, ::1] W,        # IN  (n_rows, d) the embedding table
               const int64_t[::1] indices,      # IN  (n,) rows of W, all in [0, n_rows)
               const int64_t[::1] bag_start,    # IN  (n_bags + 1,) bounds of the bags in indices
               const floating[::1] coef,        # IN  (n,) per-sample weights (sum), or empty: 1
               int64_t skip_row,                # IN  padding row, never part of a bag, or -1
               int mode,                        # IN  MODE_SUM, MODE_MEAN or MODE_MAX
               floating[:, ::1] out,            # OUT (n_bags, d) zero-filled by the caller
               int64_t[:, ::1] argmax,          # OUT (n_bags, d) max: each maximum's row, or -1
               int64_t[::1] bag_size,           # OUT (n_bags,) entries per bag, padding left out
               int n_threads):
    """Each bag's sum, mean or per-column maximum of its rows (an empty bag gives 0)."""
    cdef Py_ssize_t b, j, c, r, count
    cdef Py_ssize_t n_bags = out.shape[0], d = out.shape[1]
    cdef bint unit = coef.shape[0] == 0
    cdef floating factor
    cdef int threads = _threads_for(indices.shape[0] * d, n_threads)
    if (bag_start.shape[0] != n_bags + 1 or W.shape[1] != d or bag_size.shape[0] != n_bags
            or not (unit or coef.shape[0] >= indices.shape[0])
            or (mode == _MAX and (argmax.shape[0] != n_bags or argmax.shape[1] != d))):
        raise ValueError("bag_reduce: inconsistent array sizes")
    for b in prange(n_bags, nogil=True, schedule="dynamic", chunksize=16,
                    num_threads=threads):
        count = 0
        for j in range(bag_start[b], bag_start[b + 1]):
            r = indices[j]
            if r == skip_row:
                continue
            count = count + 1
            if mode == _MAX:
                if count == 1:
                    for c in range(d):
                        out[b, c] = W[r, c]
                        argmax[b, c] = r
                else:
                    # strict: a tie keeps the earliest row, as PyTorch's CPU kernel does
                    for c in range(d):
                        if W[r, c] > out[b, c]:
                            out[b, c] = W[r, c]
                            argmax[b, c] = r
            else:
                factor = 1 if unit else coef[j]
                for c in range(d):
                    out[b, c] += factor * W[r, c]
        bag_size[b] = count
        if mode == _MAX and count == 0:
            for c in range(d):
                argmax[b, c] = -1
        if mode == _MEAN and count > 1:
            factor = 1.0 / count
            for c in range(d):
                out[b, c] *= factor


def bag_max_backward(const floating[:, ::1] gy,    # IN  (n_bags, d)
                     const int64_t[:, ::1] argmax, # IN  (n_bags, d) from bag_reduce
                     floating[:, ::1] gW,          # OUT (n_rows, d) zero-filled by the caller
                     int n_threads):
    """``gW[argmax[b, c], c] += gy[b, c]``; a thread owns a block of columns, and adds
    over the bags in order."""
    cdef Py_ssize_t block, b, c, c_end, r
    cdef Py_ssize_t n_bags = gy.shape[0], d = gy.shape[1]
    cdef Py_ssize_t n_blocks = (d + COLUMN_BLOCK - 1) // COLUMN_BLOCK
    cdef int threads = _threads_for(n_bags * d, n_threads)
    if argmax.shape[0] != n_bags or argmax.shape[1] != d or gW.shape[1] != d:
        raise ValueError("bag_max_backward: inconsistent array sizes")
    for block in prange(n_blocks, nogil=True, schedule="static", num_threads=threads):
        c_end = min((block + 1) * COLUMN_BLOCK, d)
        for b in range(n_bags):
            for c in range(block * COLUMN_BLOCK, c_end):
                r = argmax[b, c]
                if r >= 0:
                    gW[r, c] += gy[b, c]
