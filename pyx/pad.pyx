"""Row gather for ``F.pad`` (the forward of every mode) and its scatter-add.

The padded tensor is viewed as rows of its last axis: output row ``r`` copies
input row ``src_row(r)`` through the last axis' index map, ``out[j] =
in[map_w[j]]``, where a negative index means "the fill value" (constant
padding; ``src_row(r) < 0`` fills the whole row). ``src_row`` is computed per row
from the maps of the other axes (``RowAxes``), never stored: a table of it
would cost 8 bytes a row, more than narrow rows themselves. The middle of every copied row
is the identity run ``out[c0 : c0 + n] = in[s0 : s0 + n]`` (one memcpy); only the
few padded columns at either end are handled one by one. The gather moves raw
items (of any size; 1, 2, 4 and 8 bytes without a memcpy call), so it serves
every dtype; the scatter-add (the backward) takes float32 and float64.
``cynn/autograd/functions/padding.py`` builds the maps from validated pads;
``_check_maps`` checks them against the arrays before any loop runs.
"""
from cython.parallel cimport prange
from libc.stdint cimport uint8_t, uint16_t, uint32_t, uint64_t
from libc.string cimport memcpy, memset
from fused cimport floating

# Below this much work a parallel region costs more than it saves.
cdef Py_ssize_t PARALLEL_MIN_BYTES = 1 << 18
cdef Py_ssize_t PARALLEL_MIN_ITEMS = 1 << 16


ctypedef fused item_t:
    uint8_t
    uint16_t
    uint32_t
    uint64_t


cdef inline void _gather_typed(const item_t* src, item_t* dst, const Py_ssize_t* map_w,
                               Py_ssize_t start, Py_ssize_t stop, item_t fill) noexcept nogil:
    cdef Py_ssize_t j
    if src == NULL:
        for j in range(start, stop):
            dst[j] = fill
    else:
        for j in range(start, stop):
            dst[j] = src[map_w[j]] if map_w[j] >= 0 else fill


cdef inline void _gather_items(const uint8_t* src, uint8_t* dst, const Py_ssize_t* map_w,
                               Py_ssize_t start, Py_ssize_t stop, const uint8_t* fill,
                               Py_ssize_t itemsize) noexcept nogil:
    """``dst[j] = src[map_w[j]]`` (or ``fill`` where ``map_w[j] < 0``) for ``start <= j < stop``;
    ``src`` is NULL for a row that is all fill."""
    cdef Py_ssize_t j
    if itemsize == 4:
        _gather_typed(<const uint32_t*>src, <uint32_t*>dst, map_w, start, stop,
                      (<const uint32_t*>fill)[0])
    elif itemsize == 8:
        _gather_typed(<const uint64_t*>src, <uint64_t*>dst, map_w, start, stop,
                      (<const uint64_t*>fill)[0])
    elif itemsize == 2:
        _gather_typed(<const uint16_t*>src, <uint16_t*>dst, map_w, start, stop,
                      (<const uint16_t*>fill)[0])
    elif itemsize == 1:
        _gather_typed(src, dst, map_w, start, stop, fill[0])
    else:
        for j in range(start, stop):
            if src == NULL or map_w[j] < 0:
                memcpy(dst + j * itemsize, fill, itemsize)
            else:
                memcpy(dst + j * itemsize, src + map_w[j] * itemsize, itemsize)


ctypedef struct RowAxes:
    # The row axes (all but the last), innermost first: ``axes[3 * k : 3 * k + 3]``
    # is axis k's output size, stride in input rows, and the offset of its map in
    # ``maps`` (-1: the identity).
    Py_ssize_t n_axes
    const Py_ssize_t* axes
    const Py_ssize_t* maps


cdef inline Py_ssize_t _source_row(Py_ssize_t r, const RowAxes* a) noexcept nogil:
    """The input row output row ``r`` reads, or -1 for a row of fill."""
    cdef Py_ssize_t k, j, m, size, offset, src = 0
    for k in range(a.n_axes):
        size, offset = a.axes[3 * k], a.axes[3 * k + 2]
        j = r % size
        r = r // size
        m = j if offset < 0 else a.maps[offset + j]
        if m < 0:
            return -1
        src = src + m * a.axes[3 * k + 1]
    return src


cdef RowAxes _row_axes(const Py_ssize_t[:, ::1] axes, const Py_ssize_t[::1] maps,
                       Py_ssize_t n_out_rows, Py_ssize_t n_in_rows) except *:
    """``axes``: one row ``(size, stride, offset)`` per row axis, innermost first.
    Checks that the axes cover ``n_out_rows`` and that every map entry, times its
    stride, stays within ``n_in_rows``."""
    cdef RowAxes a
    cdef Py_ssize_t k, j, total = 1, reach = 0, biggest
    if axes.shape[1] != 3:
        raise ValueError("axes must have 3 columns: size, stride, offset")
    for k in range(axes.shape[0]):
        if axes[k, 0] < 0 or axes[k, 1] < 0:
            raise ValueError("row axes must have non-negative sizes and strides")
        total *= axes[k, 0]
        biggest = axes[k, 0] - 1
        if axes[k, 2] >= 0:
            if axes[k, 2] + axes[k, 0] > maps.shape[0]:
                raise ValueError(f"the map of row axis {k} overruns maps")
            biggest = -1
            for j in range(axes[k, 2], axes[k, 2] + axes[k, 0]):
                biggest = max(biggest, maps[j])
        reach += max(biggest, 0) * axes[k, 1]
    if total != n_out_rows or (n_out_rows > 0 and reach >= n_in_rows):
        raise ValueError(f"row axes of {total} rows reaching input row {reach} do not fit "
                         f"{n_out_rows} output and {n_in_rows} input rows")
    a.n_axes = axes.shape[0]
    a.axes = &axes[0, 0] if a.n_axes else NULL
    a.maps = &maps[0] if maps.shape[0] else NULL
    return a


def _check_map_w(const Py_ssize_t[::1] map_w, Py_ssize_t w_in):
    cdef Py_ssize_t j
    for j in range(map_w.shape[0]):
        if map_w[j] >= w_in:
            raise ValueError(f"map_w[{j}] = {map_w[j]} is beyond a row of {w_in} items")


def _check_run(Py_ssize_t start, Py_ssize_t length, Py_ssize_t src, Py_ssize_t w_out,
               Py_ssize_t w_in):
    """The identity run must lie inside both rows: the loops trust it."""
    if start < 0 or length < 0 or src < 0 or start + length > w_out or src + length > w_in:
        raise ValueError(f"identity run [{start}, {start + length}) <- [{src}, {src + length}) "
                         f"does not fit rows of {w_out} and {w_in} items")


def gather_rows(const uint8_t[:, ::1] x_rows,     # IN  (n_in_rows, w_in * itemsize)
                uint8_t[:, ::1] y_rows,           # OUT (n_out_rows, w_out * itemsize)
                const Py_ssize_t[:, ::1] axes,    # IN  (n_axes, 3) see _row_axes
                const Py_ssize_t[::1] maps,       # IN  the row axes' maps, concatenated
                const Py_ssize_t[::1] map_w,      # IN  (w_out,) input column, or -1: fill
                Py_ssize_t center_start, Py_ssize_t center_len, Py_ssize_t center_src,
                const uint8_t[::1] fill,          # IN  (itemsize,) the fill value's bytes
                int n_threads):
    """``y_rows[r, j] = x_rows[src_row(r), map_w[j]]`` on items of ``len(fill)`` bytes,
    where ``map_w[center_start + i] == center_src + i`` for
    ``i < center_len``."""
    cdef Py_ssize_t n_rows = y_rows.shape[0], w_out = map_w.shape[0]
    cdef Py_ssize_t itemsize = fill.shape[0]
    cdef Py_ssize_t r, s
    cdef const uint8_t* src
    cdef uint8_t* dst
    cdef int nt = n_threads if y_rows.shape[0] * y_rows.shape[1] >= PARALLEL_MIN_BYTES else 1
    _check_run(center_start, center_len, center_src, w_out, x_rows.shape[1] // itemsize)
    _check_map_w(map_w, x_rows.shape[1] // itemsize)
    cdef RowAxes a = _row_axes(axes, maps, n_rows, x_rows.shape[0])
    if n_rows == 0 or w_out == 0:
        return
    with nogil:
        for r in prange(n_rows, num_threads=nt, schedule="static"):
            dst = &y_rows[r, 0]
            s = _source_row(r, &a)
            if s < 0:
                _gather_items(NULL, dst, &map_w[0], 0, w_out, &fill[0], itemsize)
                continue
            src = &x_rows[s, 0]
            if center_len > 0:
                memcpy(dst + center_start * itemsize, src + center_src * itemsize,
                       center_len * itemsize)
            _gather_items(src, dst, &map_w[0], 0, center_start, &fill[0], itemsize)
            _gather_items(src, dst, &map_w[0], center_start + center_len, w_out, &fill[0],
                          itemsize)


def scatter_add_rows(const floating[:, ::1] gy_rows,   # IN  (n_out_rows, w_out)
                     floating[:, ::1] gx_rows,         # OUT (n_in_rows, w_in)
                     const Py_ssize_t[:, ::1] axes,    # IN  as in gather_rows
                     const Py_ssize_t[::1] maps,       # IN
                     const Py_ssize_t[::1] map_w,      # IN  (w_out,)
                     Py_ssize_t center_start, Py_ssize_t center_len, Py_ssize_t center_src,
                     Py_ssize_t rows_per_plane, int n_threads):
    """The backward of ``gather_rows``: ``gx_rows = 0; gx_rows[src_row(r), map_w[j]]
    += gy_rows[r, j]``. Output rows of one plane (``rows_per_plane`` consecutive
    rows, padded axes only) may read the same input row, rows of different planes
    never do: threads split the planes, and each plane is summed in one fixed order."""
    cdef Py_ssize_t w_out = map_w.shape[0], w_in = gx_rows.shape[1]
    cdef Py_ssize_t n_planes = gy_rows.shape[0] // rows_per_plane if rows_per_plane else 0
    cdef Py_ssize_t in_rows_per_plane = gx_rows.shape[0] // n_planes if n_planes else 0
    cdef Py_ssize_t p, r, i, j, s
    cdef const floating* g
    cdef floating* gx
    cdef int nt = n_threads if gy_rows.shape[0] * w_out >= PARALLEL_MIN_ITEMS else 1
    _check_run(center_start, center_len, center_src, w_out, w_in)
    _check_map_w(map_w, w_in)
    cdef RowAxes a = _row_axes(axes, maps, gy_rows.shape[0], gx_rows.shape[0])
    if n_planes and (n_planes * rows_per_plane != gy_rows.shape[0]
                     or n_planes * in_rows_per_plane != gx_rows.shape[0]):
        raise ValueError("rows_per_plane does not split the rows into whole planes")
    if n_planes == 0 or w_out == 0:
        return
    with nogil:
        for p in prange(n_planes, num_threads=nt, schedule="static"):
            memset(&gx_rows[p * in_rows_per_plane, 0], 0,
                   in_rows_per_plane * w_in * sizeof(floating))
            for r in range(p * rows_per_plane, (p + 1) * rows_per_plane):
                s = _source_row(r, &a)
                if s < 0:
                    continue
                g = &gy_rows[r, 0]
                gx = &gx_rows[s, 0]
                for i in range(center_len):
                    gx[center_src + i] = gx[center_src + i] + g[center_start + i]
                for j in range(center_start):
                    if map_w[j] >= 0:
                        gx[map_w[j]] = gx[map_w[j]] + g[j]
                for j in range(center_start + center_len, w_out):
                    if map_w[j] >= 0:
                        gx[map_w[j]] = gx[map_w[j]] + g[j]
