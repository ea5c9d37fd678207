"""Special functions computed through scipy.special (a runtime dependency): the regularized
incomplete gamma functions and polygamma.

The arithmetic runs in float64 and is rounded to the result dtype, so float32 results
are the correctly rounded values (torch's float32 kernels are within a few ulps of them).

Derivatives, as torch defines them:
  d/dx P(a, x) = x^(a-1) e^(-x) / Gamma(a) = -d/dx Q(a, x); torch has no derivative in
  ``a`` and raises when one is asked for;
  d/dx psi^(n)(x) = psi^(n+1)(x).
"""
import numpy as np

from ..function import Function
from .elementwise import _float_result, broadcast_error

__all__ = ["Igamma", "Igammac", "Polygamma"]


def _scipy():
    """scipy.special, imported on first use (it costs more than the rest of ``import
    cynn``)."""
    from scipy import special
    return special


def _gamma_density(a, x):
    """``x^(a-1) e^(-x) / Gamma(a)`` in log space (no overflow for large a or x)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        return np.exp((a - 1.0) * np.log(x) - x - _scipy().gammaln(a))


class _IncompleteGamma(Function):
    sign = 1.0
    scipy_name = ""
    torch_name = ""
    fresh_gradients = True

    @classmethod
    def _forward(cls, ctx, a, x):
        a, x, dt = _float_result(a, x)
        try:
            out = getattr(_scipy(), cls.scipy_name)(a.astype(np.float64),
                                                    x.astype(np.float64)).astype(dt)
        except ValueError:
            raise broadcast_error(a, x) from None
        wanted = len(ctx.needs_input_grad) > 1 and ctx.needs_input_grad[1]
        ctx.save_for_backward(a if wanted else None, x if wanted else None)
        return out

    @classmethod
    def _backward(cls, ctx, g):
        if ctx.needs_input_grad[0]:
            raise NotImplementedError(f"the derivative for '{cls.torch_name}: input' is not "
                                      "implemented.")
        a, x = ctx.saved_tensors
        gx = g * (cls.sign * _gamma_density(a.astype(np.float64), x.astype(np.float64)))
        return None, gx.astype(g.dtype, copy=False)

    @classmethod
    def _grad_graph(cls, ctx, inputs, g):
        if ctx.needs_input_grad[0]:
            return NotImplemented     # the first-order path raises torch's error
        a, x = inputs
        a = a.detach().to(x.dtype)
        density = ((a - 1.0) * x.log() - x - a.lgamma()).exp()
        return None, g * density * cls.sign


class Igamma(_IncompleteGamma):
    """The regularized lower incomplete gamma ``P(a, x)``."""
    scipy_name = "gammainc"
    torch_name = "igamma"

    @staticmethod
    def forward(ctx, a, x):
        return Igamma._forward(ctx, a, x)

    @staticmethod
    def backward(ctx, g):
        return Igamma._backward(ctx, g)

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return Igamma._grad_graph(ctx, inputs, g)


class Igammac(_IncompleteGamma):
    """The regularized upper incomplete gamma ``Q(a, x) = 1 - P(a, x)``."""
    sign = -1.0
    scipy_name = "gammaincc"
    torch_name = "igammac"

    @staticmethod
    def forward(ctx, a, x):
        return Igammac._forward(ctx, a, x)

    @staticmethod
    def backward(ctx, g):
        return Igammac._backward(ctx, g)

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return Igammac._grad_graph(ctx, inputs, g)


def polygamma_values(n, x):
    """``psi^(n)(x)`` of a float array, in its dtype."""
    return np.asarray(_scipy().polygamma(n, x.astype(np.float64))).astype(x.dtype)


class Polygamma(Function):
    """``psi^(n)(x)``, the n-th derivative of digamma; ``n`` a non-negative int."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, n):
        ctx.n = n
        ctx.save_for_backward(x)
        return polygamma_values(n, x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return (g * polygamma_values(ctx.n + 1, x)).astype(g.dtype, copy=False), None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return g * Polygamma.apply(inputs[0], ctx.n + 1), None
