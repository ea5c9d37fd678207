"""``linear``: ``y = x W^T + b`` as an autograd Function on BLAS products.

For float32/float64 operands the products run on ``gemm.pyx`` (BLAS called
from nogil code, split over cynn's threads); other dtypes fall back to numpy.

    y  (m, out) = x (m, in) @ W^T (in, out) + b
    gx (m, in)  = gy (m, out) @ W (out, in)
    gW (out, in) = gy^T (out, m) @ x (m, in)
    gb (out,)   = gy summed over m

``x`` may have any number of leading dimensions (flattened into ``m``); a 1-d
``W`` is the single row of a (1, in) matrix whose output axis is dropped. As in
PyTorch, ``b`` is broadcast to the flattened (m, out) output.
"""
import math

import numpy as np

from ..._kernels import gemm as _gemm
from ..._threads import kernel_threads
from ..function import Function

__all__ = ["Linear", "Addmm", "Mm"]


def _product(a, b, trans_a=False, trans_b=False, out=None, beta=0.0):
    """``op(a) @ op(b)`` (into ``out`` with ``+ beta * out``)."""
    if a.dtype == b.dtype and (a.dtype == np.float32 or a.dtype == np.float64):
        m = a.shape[1] if trans_a else a.shape[0]
        n = b.shape[0] if trans_b else b.shape[1]
        if out is None:
            out = np.empty((m, n), dtype=a.dtype)
        _gemm.gemm(a, b, out, trans_a, trans_b, 1.0, beta, kernel_threads())
        return out
    result = np.matmul(a.T if trans_a else a, b.T if trans_b else b)
    if out is None:
        return result
    out[...] = result + beta * out if beta else result
    return out


def _sum_to(g, shape):
    """Sum the (m, out) gradient down to the shape of a bias broadcast to (m, out)."""
    if len(shape) < g.ndim:
        g = g.sum(axis=tuple(range(g.ndim - len(shape))))
    axes = tuple(i for i, s in enumerate(shape) if s == 1 and g.shape[i] != 1)
    return g.sum(axis=axes, keepdims=True) if axes else g


def _as_matrices(x, w):
    """x as (m, in) and W as (out, in), contiguous (explicit sizes: in may be 0)."""
    rows = math.prod(x.shape[:-1])
    out_features = w.shape[0] if w.ndim == 2 else 1
    if not x.flags.c_contiguous:
        x = np.ascontiguousarray(x)
    if not w.flags.c_contiguous:
        w = np.ascontiguousarray(w)
    return x.reshape(rows, x.shape[-1]), w.reshape(out_features, w.shape[-1])


class Linear(Function):
    """``F.linear``; the subclasses only give PyTorch's grad_fn names."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, w, b):
        x2, w2 = _as_matrices(x, w)
        out_shape = x.shape[:-1] + w.shape[:-1]
        y = np.empty(out_shape, dtype=np.result_type(x, w))
        y2 = y.reshape(x2.shape[0], w2.shape[0])
        if b is None:
            _product(x2, w2, trans_b=True, out=y2)
        else:
            y2[...] = b
            _product(x2, w2, trans_b=True, out=y2, beta=1.0)
        # the input only for the weight's gradient, the weight only for the input's
        needs = ctx.needs_input_grad or (False, False, False)  # () when not recording
        # (the arrays as given: in-place checks match saved arrays to inputs by identity)
        ctx.save_for_backward(x if needs[1] else None, w if needs[0] else None)
        ctx.input_shape, ctx.weight_shape, ctx.dtype = x.shape, w.shape, x2.dtype
        ctx.bias_shape = None if b is None else b.shape
        return y

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        out_features = ctx.weight_shape[0] if len(ctx.weight_shape) == 2 else 1
        gy2 = np.ascontiguousarray(gy, dtype=ctx.dtype).reshape(
            math.prod(ctx.input_shape[:-1]), out_features)
        gx = gw = gb = None
        if ctx.needs_input_grad[0]:
            w2 = np.ascontiguousarray(w).reshape(out_features, w.shape[-1])
            gx = _product(gy2, w2).reshape(ctx.input_shape)
        if ctx.needs_input_grad[1]:
            x2 = np.ascontiguousarray(x).reshape(math.prod(x.shape[:-1]), x.shape[-1])
            gw = _product(gy2, x2, trans_a=True).reshape(ctx.weight_shape)
        if ctx.needs_input_grad[2]:
            gb = _sum_to(gy2, ctx.bias_shape)
            if gb is gy2:   # a bias of the output's shape (addmm): a copy keeps gb fresh
                gb = gy2.copy()
        return gx, gw, gb


class Addmm(Linear):
    grad_fn_name = "AddmmBackward0"


class Mm(Linear):
    grad_fn_name = "MmBackward0"


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _linear_grad(ctx, inputs, gy):
    from ..graph_backward import sum_to
    from .linalg import Matmul
    x, w, b = inputs
    out_features = w.shape[0] if w.dim() == 2 else 1
    gy2 = gy.reshape(math.prod(x.shape[:-1]), out_features)
    gx = gw = gb = None
    if ctx.needs_input_grad[0]:
        gx = Matmul.apply(gy2, w.reshape(out_features, w.shape[-1])).reshape(*x.shape)
    if ctx.needs_input_grad[1]:
        x2 = x.reshape(math.prod(x.shape[:-1]), x.shape[-1])
        gw = Matmul.apply(gy2.t(), x2).reshape(*w.shape)
    if ctx.needs_input_grad[2]:
        gb = sum_to(gy2, b.shape, b._data.dtype)
    return gx, gw, gb


Linear.grad_graph = staticmethod(_linear_grad)
