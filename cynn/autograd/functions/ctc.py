"""The CTC loss node (``F.ctc_loss``) over the kernels of ``pyx/ctc.pyx``.

Arguments arrive validated by ``cynn/nn/functional/loss.py``: ``log_probs`` is a
floating ``(T, N, C)`` array, ``targets`` the concatenated int64 targets with
``offsets`` giving each sample's start, lengths int64 and within range, ``blank``
in [0, C).

torch does not differentiate the CTC gradient (``_ctc_loss_backward`` has no
derivative): under ``create_graph=True`` the gradient is exact and a second
derivative raises torch's error.
"""
import numpy as np

from ..._kernels import ctc as _ctc
from ..._threads import kernel_threads
from ..function import Function
from ..recorded_formulas import NotImplementedDerivative, grad_graph_raising

__all__ = ["CtcLoss"]


class CtcLoss(Function):
    """Per-sample negative log-likelihood ``(N,)``; the gradient is PyTorch's, i.e.
    with respect to the logits of a ``log_softmax`` that produced ``log_probs``
    (``exp(lp) - posterior``), and 0 for frames past a sample's input length and, with
    ``zero_infinity``, for samples whose loss is infinite."""

    @staticmethod
    def forward(ctx, log_probs, targets, offsets, input_lengths, target_lengths, blank,
                zero_infinity):
        lp = np.ascontiguousarray(log_probs)
        n_batch = lp.shape[1]
        width = 2 * int(target_lengths.max(initial=0)) + 1
        log_alpha = np.empty((n_batch, lp.shape[0], width), lp.dtype)
        nll = np.empty(n_batch, lp.dtype)
        _ctc.ctc_forward(lp, targets, offsets, input_lengths, target_lengths, blank, log_alpha,
                         nll, kernel_threads())
        ctx.blank, ctx.zero_infinity = blank, zero_infinity
        ctx.save_for_backward(lp, log_alpha, nll)
        ctx.index_arrays = (targets, offsets, input_lengths, target_lengths)
        return nll

    @staticmethod
    def backward(ctx, gy):
        lp, log_alpha, nll = ctx.saved_tensors
        targets, offsets, input_lengths, target_lengths = ctx.index_arrays
        grad = np.empty_like(lp)
        log_beta = np.empty_like(log_alpha)
        scale = np.ascontiguousarray(np.broadcast_to(gy, nll.shape), dtype=lp.dtype)
        _ctc.ctc_backward(lp, targets, offsets, input_lengths, target_lengths, ctx.blank,
                          log_alpha, nll, scale, ctx.zero_infinity, log_beta, grad,
                          kernel_threads())
        return grad, None, None, None, None, None, None

    grad_graph = staticmethod(grad_graph_raising(
        (NotImplementedDerivative, RuntimeError,
         "derivative for aten::_ctc_loss_backward is not implemented")))
