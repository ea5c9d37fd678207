"""``local_response_norm``: argument checks, then one autograd node over the kernel."""
import math

import numpy as np

import cynn
from cynn.autograd import Function

from . import _lrn

__all__ = ["local_response_norm"]


class LocalResponseNormFunction(Function):
    """y = x * (k + alpha/size * window sum of x^2 over channels) ** -beta, x of shape (N, C, *).

    The kernel sees (N, C, L) views: the window runs over dim 1 only, so the
    trailing dimensions flatten freely.
    """

    grad_fn_name = "LocalResponseNormBackward0"

    @staticmethod
    def forward(ctx, x, *, size, alpha, beta, k):
        x3 = np.ascontiguousarray(x).reshape(x.shape[0], x.shape[1], math.prod(x.shape[2:]))
        scale = np.empty_like(x3)
        y = np.empty_like(x3)
        _lrn.lrn_forward(x3, scale, y, size, alpha, beta, k, cynn.get_num_threads())
        ctx.save_for_backward(x3, scale)
        ctx.hyper = (size, alpha, beta)
        return y.reshape(x.shape)

    @staticmethod
    def backward(ctx, gy):
        x3, scale = ctx.saved_tensors
        size, alpha, beta = ctx.hyper
        gy3 = np.ascontiguousarray(gy, dtype=x3.dtype).reshape(x3.shape)
        gx = np.empty_like(x3)
        work = np.empty_like(x3)
        _lrn.lrn_backward(x3, scale, gy3, gx, work, size, alpha, beta, cynn.get_num_threads())
        return gx.reshape(gy.shape)


def local_response_norm(input, size, alpha=1e-4, beta=0.75, k=1.0):
    """Local response normalisation across channels (AlexNet, Krizhevsky et al. 2012).

    ``b_c = a_c * (k + alpha/size * sum_{c'} a_{c'}^2) ** -beta`` where ``c'`` runs over
    ``[c - size//2, c + (size-1)//2]`` clipped to the existing channels; the same
    formula as ``torch.nn.functional.local_response_norm``.

    Args:
        input (Tensor): float32 or float64, shape (N, C, *) with at least 3 dimensions.
        size (int): number of neighbouring channels in the window (>= 1).
        alpha (float): multiplicative factor. Default: 1e-4.
        beta (float): exponent. Default: 0.75.
        k (float): additive factor. Default: 1.0.

    Shape:
        input (N, C, *) -> output (N, C, *), the same shape and dtype.

    Example::

        >>> import cynn
        >>> from cynn_lrn import local_response_norm
        >>> local_response_norm(cynn.ones(1, 3, 1, 1), size=2).shape
        cynn.Size([1, 3, 1, 1])
    """
    if not isinstance(input, cynn.Tensor):
        raise TypeError(f"local_response_norm(): argument 'input' must be Tensor, "
                        f"not {type(input).__name__}")
    if input.dim() < 3:
        raise ValueError(f"Expected 3D or higher dimensionality input (got {input.dim()} "
                         f"dimensions): local_response_norm() input of shape {tuple(input.shape)}")
    if isinstance(size, bool) or not isinstance(size, (int, np.integer)) or size < 1:
        raise RuntimeError(f"local_response_norm(): argument 'size' must be a positive int, "
                           f"got {size!r}")
    if input.dtype not in (cynn.float32, cynn.float64):
        # PyTorch raises this for int32/bool; for int64 it returns a result whose window
        # average was floored in integer arithmetic, which is not reproduced here.
        raise NotImplementedError(f"local_response_norm(): not implemented for {input.dtype} "
                                  f"inputs (input of shape {tuple(input.shape)}); use "
                                  f"float32 or float64")
    return LocalResponseNormFunction.apply(input, size=int(size), alpha=float(alpha),
                                           beta=float(beta), k=float(k))
