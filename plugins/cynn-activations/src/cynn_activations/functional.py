"""Functional forms of the plugin's activations: one autograd ``Function`` each.

Forward and backward work on numpy arrays in the input's dtype; the derivatives
are written out in closed form (below each class name) and use overflow-free
forms of the sigmoid (``scipy.special.expit``) and softplus (``np.logaddexp``).
"""
import math

import numpy as np
from scipy.special import erf, expit

import cynn
from cynn.autograd import Function

__all__ = ["silu", "swish", "mish", "gelu", "hardswish"]

_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)
_INV_SQRT_2 = 1.0 / math.sqrt(2.0)
_INV_SQRT_2PI = 1.0 / math.sqrt(2.0 * math.pi)
_GELU_TANH_CUBIC = 0.044715


class Silu(Function):
    """y = x s(x) with s the logistic sigmoid;  dy/dx = s (1 + x (1 - s))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * expit(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        s = expit(x)
        return gy * s * (1 + x * (1 - s))


class Swish(Function):
    """y = x s(beta x);  dy/dx = s + beta x s (1 - s)."""

    @staticmethod
    def forward(ctx, x, *, beta):
        ctx.save_for_backward(x)
        ctx.beta = beta
        return x * expit(x * x.dtype.type(beta))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        beta = x.dtype.type(ctx.beta)
        s = expit(beta * x)
        return gy * (s + beta * x * s * (1 - s))


class Mish(Function):
    """y = x tanh(softplus(x));  dy/dx = t + x (1 - t^2) s(x) with t = tanh(softplus(x))."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.tanh(np.logaddexp(x.dtype.type(0), x))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        t = np.tanh(np.logaddexp(x.dtype.type(0), x))
        return gy * (t + x * (1 - t * t) * expit(x))


class Gelu(Function):
    """Exact: y = x Phi(x);  dy/dx = Phi(x) + x phi(x) (Phi, phi: standard normal cdf, pdf).

    Tanh approximation: y = x/2 (1 + t), t = tanh(u), u = sqrt(2/pi) (x + 0.044715 x^3);
    dy/dx = (1 + t)/2 + x/2 (1 - t^2) sqrt(2/pi) (1 + 3 * 0.044715 x^2).
    """

    @staticmethod
    def forward(ctx, x, *, approximate):
        ctx.save_for_backward(x)
        ctx.approximate = approximate
        if approximate == "tanh":
            return 0.5 * x * (1 + np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x ** 3)))
        return 0.5 * x * (1 + erf(x * _INV_SQRT_2))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            t = np.tanh(_SQRT_2_OVER_PI * (x + _GELU_TANH_CUBIC * x ** 3))
            du = _SQRT_2_OVER_PI * (1 + 3 * _GELU_TANH_CUBIC * x * x)
            return gy * (0.5 * (1 + t) + 0.5 * x * (1 - t * t) * du)
        cdf = 0.5 * (1 + erf(x * _INV_SQRT_2))
        pdf = _INV_SQRT_2PI * np.exp(-0.5 * x * x)
        return gy * (cdf + x * pdf)


class Hardswish(Function):
    """y = x relu6(x + 3) / 6;  dy/dx = 0 for x <= -3, x/3 + 1/2 for -3 < x < 3, 1 for x >= 3
    (the slopes PyTorch takes at the kinks)."""

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * np.clip(x + 3, 0, 6) / 6

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        slope = np.where(x <= -3, 0, np.where(x < 3, x / 3 + 0.5, 1)).astype(x.dtype, copy=False)
        return gy * slope


def _check_input(name, input):
    if not isinstance(input, cynn.Tensor):
        raise TypeError(f"{name}(): argument 'input' must be Tensor, not {type(input).__name__}")
    if not input.is_floating_point():
        # NotImplementedError, as PyTorch raises for e.g. silu on an int64 tensor
        raise NotImplementedError(f"{name}(): not implemented for {input.dtype} inputs "
                                  f"(input of shape {tuple(input.shape)}); use float32 or float64")


def _apply(fn, input, inplace, **kw):
    if inplace:
        # The in-place protocol of cynn.Tensor (see Tensor._inplace): the op runs on the
        # current value and ``input`` becomes its output in the graph.
        return input._inplace(lambda source: fn.apply(source, **kw))
    return fn.apply(input, **kw)


def silu(input, inplace=False):
    """SiLU (sigmoid-weighted linear unit): ``x * sigmoid(x)``, elementwise.

    Shape: any; the output has the input's shape and dtype.

    Example::

        >>> from cynn_activations.functional import silu
        >>> silu(cynn.tensor([0., 1.]))
        tensor([0.0000, 0.7311])
    """
    _check_input("silu", input)
    return _apply(Silu, input, inplace)


def swish(input, beta=1.0, inplace=False):
    """Swish (Ramachandran et al. 2017): ``x * sigmoid(beta * x)``; ``beta=1`` is SiLU.

    Shape: any; the output has the input's shape and dtype.
    """
    _check_input("swish", input)
    return _apply(Swish, input, inplace, beta=float(beta))


def mish(input, inplace=False):
    """Mish (Misra 2019): ``x * tanh(softplus(x))``, elementwise.

    Shape: any; the output has the input's shape and dtype.
    """
    _check_input("mish", input)
    return _apply(Mish, input, inplace)


def gelu(input, approximate="none"):
    """GELU: ``x * Phi(x)`` (``approximate='none'``) or its tanh approximation
    ``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))`` (``approximate='tanh'``).

    Shape: any; the output has the input's shape and dtype.
    """
    if approximate not in ("none", "tanh"):
        raise RuntimeError(f"gelu(): argument 'approximate' must be either 'none' or 'tanh', "
                           f"got {approximate!r}")
    _check_input("gelu", input)
    return Gelu.apply(input, approximate=approximate)


def hardswish(input, inplace=False):
    """Hardswish (MobileNetV3): ``x * relu6(x + 3) / 6``, elementwise.

    Shape: any; the output has the input's shape and dtype.
    """
    _check_input("hardswish", input)
    return _apply(Hardswish, input, inplace)
