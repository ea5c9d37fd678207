"""Sparse (COO values at fixed indices) times dense, as an autograd Function over the
CSR kernel in ``pyx/sparse.pyx``.

With ``A`` the (m, k) matrix holding ``values`` at ``(rows, cols)`` and ``D`` (k, n):

    Y = A @ D;   gD = A^T @ gY (the same kernel on the transposed CSR);
    gvalues[p] = gY[rows[p]] . D[cols[p]]
"""
import numpy as np

from ..._kernels import sparse as _kernel
from ..._threads import kernel_threads
from ..function import Function


def to_csr(rows, cols, n_rows):
    """Row pointers, column indices and the permutation that sorts the entries by row
    (stable, so duplicates keep their order and add up in a fixed order)."""
    order = np.argsort(rows, kind="stable")
    indptr = np.zeros(n_rows + 1, np.int64)
    np.add.at(indptr, rows + 1, 1)
    np.cumsum(indptr, out=indptr)
    return indptr, np.ascontiguousarray(cols[order], np.int64), order


def csr_product(indptr, indices, values, dense, n_rows):
    dense = np.ascontiguousarray(dense)
    out = np.empty((n_rows, dense.shape[1]), dense.dtype)
    if out.size:
        _kernel.csr_mm(indptr, indices, np.ascontiguousarray(values, dense.dtype), dense, out,
                       kernel_threads())
    else:
        out[...] = 0
    return out


class SparseMm(Function):
    """``values`` (nnz,) at ``(rows, cols)`` of an (m, k) matrix, times ``dense`` (k, n)."""
    fresh_gradients = True
    grad_fn_name = "SparseAddmmBackward0"

    @staticmethod
    def forward(ctx, values, dense, rows, cols, shape):
        m, k = shape
        dtype = np.result_type(values.dtype, dense.dtype)
        vector = dense.ndim == 1
        d2 = dense.reshape(-1, 1) if vector else dense
        indptr, indices, order = to_csr(rows, cols, m)
        out = csr_product(indptr, indices, values[order].astype(dtype, copy=False),
                          d2.astype(dtype, copy=False), m)
        ctx.save_for_backward(values, dense)
        ctx.meta = (rows, cols, shape, vector, order, indptr, indices)
        return out[:, 0] if vector else out

    @staticmethod
    def backward(ctx, g):
        values, dense = ctx.saved_tensors
        rows, cols, (m, k), vector, order, indptr, indices = ctx.meta
        g2 = np.ascontiguousarray(g.reshape(-1, 1) if vector else g)
        d2 = np.ascontiguousarray(dense.reshape(-1, 1) if vector else dense, g2.dtype)
        gvalues = gdense = None
        if ctx.needs_input_grad[0]:
            sorted_grad = np.empty(len(order), g2.dtype)
            if sorted_grad.size:
                _kernel.csr_values_grad(indptr, indices, g2, d2, sorted_grad, kernel_threads())
            gvalues = np.empty_like(sorted_grad)
            gvalues[order] = sorted_grad
            gvalues = gvalues.astype(values.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            t_indptr, t_indices, t_order = to_csr(cols, rows, k)
            gdense = csr_product(t_indptr, t_indices, values[t_order].astype(g2.dtype),
                                 g2, k)
            gdense = gdense[:, 0] if vector else gdense
        return gvalues, gdense, None, None, None
