"""The Moore-Penrose pseudo-inverse ``A^+ = V diag(1/s) U^T`` over the singular values
above a cutoff, with torch's gradient: the derivative of ``A^+`` at constant rank,
written in terms of ``A^+`` itself (Golub and Pereyra). With ``g`` the output gradient
and ``P = A^+``, for ``m <= n`` (K = g^T P):

    gA = -(P K)^T + K P^T - A P K P^T + P^T P (g^T - K A)

and the transposed arrangement for ``m > n``. Unlike differentiating through a
truncated SVD, this keeps the terms that move the range of A, as torch's does.

The formula is written once in differentiable Tensor ops: the numpy backward runs it
without recording, the recorded backward (``create_graph``) records it.
"""
import numpy as np

from .. import function
from ..function import Function
from ..grad_mode import no_grad

__all__ = ["Pinv"]


def _pinv_gradient(a, p, g):
    m, n = a.shape[-2], a.shape[-1]
    p_h, g_h = p.mT, g.mT
    if m <= n:
        K = g_h @ p
        K_p_h = K @ p_h
        return -(p @ K).mT + K_p_h - (a @ p) @ K_p_h + (p_h @ p) @ (g_h - K @ a)
    K = p @ g_h
    p_h_K = p_h @ K
    return -(K @ p).mT + (g_h - a @ K) @ p @ p_h + p_h_K - p_h_K @ p @ a


class Pinv(Function):
    """``A^+`` keeping the singular values above ``max(atol, rtol * largest)``
    (``atol``, ``rtol``: numbers or arrays broadcasting over the batch)."""
    grad_fn_name = "LinalgPinvBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, atol, rtol):
        u, s, vh = np.linalg.svd(a, full_matrices=False)
        largest = s.max(axis=-1, keepdims=True, initial=0.0)
        cutoff = np.maximum(atol, rtol * largest)
        keep = s > cutoff
        s_inv = np.where(keep, 1.0 / np.where(keep, s, 1.0), 0.0).astype(a.dtype)
        p = np.asarray((np.swapaxes(vh, -1, -2) * s_inv[..., None, :]) @ np.swapaxes(u, -1, -2))
        ctx.save_for_backward(a, p)
        return p

    @staticmethod
    def backward(ctx, g):
        a, p = ctx.saved_tensors
        wrap = function.Tensor._wrap
        with no_grad():
            ga = _pinv_gradient(wrap(a), wrap(p), wrap(np.asarray(g, a.dtype)))
        return np.array(ga._data, a.dtype), None, None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        a, atol, rtol = inputs
        return _pinv_gradient(a, ctx._function.apply(a, atol, rtol), g), None, None
