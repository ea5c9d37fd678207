"""Graph nodes of the activation functions (``cynn.nn.functional.activation``).

ReLU, sigmoid, tanh, softmax and log-softmax are the Tensor's own ops
(``elementwise.py``, ``reduction.py``); this file holds the parametrised ones.
Every forward saves only what its backward reads, and every backward is the
closed-form derivative written next to it.
"""
import math

import numpy as np
from scipy import special

from ..function import Function

__all__ = ["LeakyRelu", "Elu", "Celu", "Prelu", "RreluWithNoise", "Hardtanh", "Gelu", "Silu",
           "Softplus", "LogSigmoid", "Mish", "Hardswish", "Hardsigmoid", "Threshold"]


def _sigmoid(x):
    # exp of a non-positive number only: no overflow for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


def _softplus(x):
    """log(1 + exp(x)) without overflow: max(x, 0) + log1p(exp(-|x|))."""
    return np.maximum(x, 0) + np.log1p(np.exp(-np.abs(x)))


class LeakyRelu(Function):
    """y = x for x > 0, slope * x otherwise."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, negative_slope):
        ctx.negative_slope = negative_slope
        ctx.save_for_backward(x)
        return np.where(x > 0, x, x * negative_slope)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return np.where(x > 0, gy, gy * ctx.negative_slope), None


class Elu(Function):
    """y = scale * x for x > 0, scale * alpha * (exp(input_scale * x) - 1) otherwise
    (ELU with scale = input_scale = 1, SELU with its two constants)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, alpha, scale=1.0, input_scale=1.0):
        ctx.params = (alpha, scale, input_scale)
        ctx.save_for_backward(x)
        negative = (alpha * scale) * np.expm1(np.minimum(x, 0) * input_scale)
        return np.where(x > 0, x * scale, negative).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        alpha, scale, input_scale = ctx.params
        slope = (alpha * scale * input_scale) * np.exp(np.minimum(x, 0) * input_scale)
        gx = gy * np.where(x > 0, scale, slope).astype(x.dtype, copy=False)
        # One gradient per positional argument given to apply (scale and input_scale
        # are optional).
        return (gx,) + (None,) * (len(ctx.needs_input_grad) - 1)


class Celu(Elu):
    """ELU with input_scale = 1 / alpha (continuously differentiable at 0)."""

    @staticmethod
    def forward(ctx, x, alpha):
        return Elu.forward(ctx, x, alpha, 1.0, 1.0 / alpha)


class Prelu(Function):
    """y = x for x > 0, w[c] * x otherwise, with one learnable slope per channel
    (dimension 1) or a single shared one."""
    fresh_gradients = True

    grad_fn_name = "PreluKernelBackward0"

    @staticmethod
    def forward(ctx, x, w):
        w_b = _channel_view(w, x.ndim)
        ctx.save_for_backward(x, w)
        return np.where(x > 0, x, x * w_b).astype(np.result_type(x, w), copy=False)

    @staticmethod
    def backward(ctx, gy):
        x, w = ctx.saved_tensors
        w_b = _channel_view(w, x.ndim)
        gx = np.where(x > 0, gy, gy * w_b) if ctx.needs_input_grad[0] else None
        gw = None
        if ctx.needs_input_grad[1]:
            contribution = np.where(x > 0, 0, gy * x)
            if w.size == 1:
                gw = np.asarray(contribution.sum(), dtype=w.dtype).reshape(w.shape)
            else:
                axes = tuple(d for d in range(x.ndim) if d != 1)
                gw = contribution.sum(axis=axes).astype(w.dtype, copy=False).reshape(w.shape)
        return gx, gw


def _channel_view(w, ndim):
    """Reshape the (C,) slopes to broadcast along dimension 1 of an ``ndim``-D input."""
    if w.size == 1:
        return w.reshape(())
    return w.reshape((1, -1) + (1,) * (ndim - 2))


class RreluWithNoise(Function):
    """Randomized leaky ReLU. ``noise`` holds the slope of each element (1 where
    x > 0) drawn by the caller in training; in eval it is None and the slope is
    the fixed ``(lower + upper) / 2``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, noise, slope):
        if noise is None:
            ctx.slope = slope
            ctx.save_for_backward(x)
            return np.where(x > 0, x, x * slope)
        ctx.slope = None
        ctx.save_for_backward(noise)
        return x * noise

    @staticmethod
    def backward(ctx, gy):
        if ctx.slope is None:
            (noise,) = ctx.saved_tensors
            return gy * noise, None, None
        (x,) = ctx.saved_tensors
        return np.where(x > 0, gy, gy * ctx.slope), None, None

    @staticmethod
    def grad_graph(ctx, inputs, gy):
        if ctx.slope is None:
            (slopes,) = ctx.saved_tensors
        else:
            (x,) = ctx.saved_tensors
            slopes = np.where(x > 0, 1.0, ctx.slope).astype(x.dtype)
        return RreluWithNoiseBackward.apply(gy, inputs[0], slopes), None, None


class RreluWithNoiseBackward(Function):
    """rrelu's input gradient ``gy * slopes`` as an op of ``gy`` and ``x``: linear in
    ``gy``, and ``x`` only chose the slopes, so its derivative in ``x`` is 0 -- a zero
    tensor, not None, as torch's ``RreluWithNoiseBackwardBackward0`` gives."""
    fresh_gradients = True
    grad_fn_name = "RreluWithNoiseBackwardBackward0"

    @staticmethod
    def forward(ctx, gy, x, slopes):
        ctx.slopes = slopes
        ctx.x_meta = (x.shape, x.dtype)
        return gy * slopes

    @staticmethod
    def backward(ctx, u):
        shape, dtype = ctx.x_meta
        return u * ctx.slopes, np.zeros(shape, dtype), None

    @staticmethod
    def grad_graph(ctx, inputs, u):
        shape, dtype = ctx.x_meta
        return (RreluWithNoiseBackward.apply(u, inputs[1], ctx.slopes),
                u._wrap(np.zeros(shape, dtype)), None)


class Hardtanh(Function):
    """y = clamp(x, min_val, max_val); the gradient passes strictly inside."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, min_val, max_val):
        ctx.bounds = (min_val, max_val)
        ctx.save_for_backward(x)
        return np.clip(x, min_val, max_val).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return np.where((x > lo) & (x < hi), gy, 0).astype(gy.dtype, copy=False), None, None


class Threshold(Function):
    """y = x where x > threshold, else ``value``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, threshold, value):
        ctx.threshold = threshold
        ctx.save_for_backward(x)
        return np.where(x > threshold, x, np.asarray(value, x.dtype))

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return np.where(x > ctx.threshold, gy, 0).astype(gy.dtype, copy=False), None, None


_SQRT_2_OVER_PI = math.sqrt(2.0 / math.pi)


class Gelu(Function):
    """y = x * Phi(x) (``approximate='none'``), or the tanh approximation
    0.5 x (1 + tanh(sqrt(2/pi) (x + 0.044715 x^3)))."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, approximate):
        ctx.approximate = approximate
        ctx.save_for_backward(x)
        if approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
            return (0.5 * x * (1.0 + np.tanh(inner))).astype(x.dtype, copy=False)
        return (0.5 * x * (1.0 + special.erf(x / math.sqrt(2.0)))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        if ctx.approximate == "tanh":
            inner = _SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)
            t = np.tanh(inner)
            d_inner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
            dy = 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner
        else:
            cdf = 0.5 * (1.0 + special.erf(x / math.sqrt(2.0)))
            pdf = np.exp(-0.5 * x * x) / math.sqrt(2.0 * math.pi)
            dy = cdf + x * pdf
        return (gy * dy).astype(gy.dtype, copy=False), None


class Silu(Function):
    """y = x * sigmoid(x); dy/dx = s (1 + x (1 - s))."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x * _sigmoid(x)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        s = _sigmoid(x)
        return gy * s * (1 + x * (1 - s))


class Softplus(Function):
    """y = log(1 + exp(beta x)) / beta, and y = x where beta x > threshold."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, beta, threshold):
        ctx.params = (beta, threshold)
        ctx.save_for_backward(x)
        bx = x * beta
        return np.where(bx > threshold, x, _softplus(bx) / beta).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        beta, threshold = ctx.params
        bx = x * beta
        return np.where(bx > threshold, gy, gy * _sigmoid(bx)).astype(gy.dtype, copy=False), \
            None, None


class LogSigmoid(Function):
    """y = log(sigmoid(x)) = -softplus(-x); dy/dx = sigmoid(-x)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (-_softplus(-x)).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return gy * _sigmoid(-x)


class Mish(Function):
    """y = x tanh(softplus(x)); dy/dx = t + x sigmoid(x) (1 - t^2)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * np.tanh(_softplus(x))).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        t = np.tanh(_softplus(x))
        return (gy * (t + x * _sigmoid(x) * (1 - t * t))).astype(gy.dtype, copy=False)


class Hardsigmoid(Function):
    """y = clamp(x / 6 + 1/2, 0, 1)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.clip(x / 6 + 0.5, 0, 1).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        return np.where((x > -3) & (x < 3), gy / 6, 0).astype(gy.dtype, copy=False)


class Hardswish(Function):
    """y = x * clamp(x + 3, 0, 6) / 6; dy/dx = (2x + 3) / 6 on (-3, 3)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return (x * np.clip(x + 3, 0, 6) / 6).astype(x.dtype, copy=False)

    @staticmethod
    def backward(ctx, gy):
        (x,) = ctx.saved_tensors
        slope = np.where(x < -3, 0, np.where(x <= 3, (2 * x + 3) / 6, 1))
        return (gy * slope).astype(gy.dtype, copy=False)


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _attach():
    from .elementwise import _const, where

    def slope_of(fn_cls, derivative):
        def grad_graph(ctx, inputs, g):
            return (g * derivative(ctx, inputs[0]),) + (None,) * (len(inputs) - 1)
        fn_cls.grad_graph = staticmethod(grad_graph)

    slope_of(LeakyRelu, lambda ctx, x: _const(
        np.where(x._data > 0, 1.0, ctx.negative_slope).astype(x._data.dtype)))

    def elu(ctx, x):
        alpha, scale, input_scale = ctx.params
        negative = (alpha * scale * input_scale) * (x.clamp(max=0) * input_scale).exp()
        return where(_const(x._data > 0), scale, negative)
    slope_of(Elu, elu)
    slope_of(Hardtanh, lambda ctx, x: _const(
        (x._data > ctx.bounds[0]) & (x._data < ctx.bounds[1])))
    slope_of(Threshold, lambda ctx, x: _const(x._data > ctx.threshold))

    def gelu(ctx, x):
        if ctx.approximate == "tanh":
            t = (_SQRT_2_OVER_PI * (x + 0.044715 * x ** 3)).tanh()
            d_inner = _SQRT_2_OVER_PI * (1.0 + 3 * 0.044715 * x * x)
            return 0.5 * (1.0 + t) + 0.5 * x * (1.0 - t * t) * d_inner
        cdf = 0.5 * (1.0 + (x / math.sqrt(2.0)).erf())
        return cdf + x * (-0.5 * x * x).exp() / math.sqrt(2.0 * math.pi)
    slope_of(Gelu, gelu)

    def silu(ctx, x):
        s = x.sigmoid()
        return s * (1.0 + x * (1.0 - s))
    slope_of(Silu, silu)

    def softplus(ctx, x):
        beta, threshold = ctx.params
        return where(_const(x._data * beta > threshold), 1.0, (x * beta).sigmoid())
    slope_of(Softplus, softplus)
    slope_of(LogSigmoid, lambda ctx, x: (-x).sigmoid())

    def mish(ctx, x):
        sp = Softplus.apply(x, 1.0, 20.0)
        t = sp.tanh()
        return t + x * x.sigmoid() * (1.0 - t * t)
    slope_of(Mish, mish)
    slope_of(Hardsigmoid, lambda ctx, x: _const(
        np.where((x._data > -3) & (x._data < 3), 1.0 / 6, 0.0).astype(x._data.dtype)))

    def hardswish(ctx, x):
        middle = _const((x._data >= -3) & (x._data <= 3))
        return where(middle, (2 * x + 3) / 6, _const((x._data > 3).astype(x._data.dtype)))
    slope_of(Hardswish, hardswish)


_attach()


def _attach_prelu():
    from .elementwise import _const, where

    def prelu(ctx, inputs, g):
        x, w = inputs
        view = (1, -1) + (1,) * (x.dim() - 2) if x.dim() >= 2 and w.numel() > 1 else (-1,)
        w_b = w.reshape(*view) if w.numel() > 1 else w.reshape(())
        positive = _const(x._data > 0)
        gx = where(positive, g, g * w_b)
        gw = None
        if ctx.needs_input_grad[1]:
            contribution = where(positive, 0.0, g * x)
            if w.numel() == 1:
                gw = contribution.sum().reshape(*w.shape)
            else:
                dims = tuple(d for d in range(x.dim()) if d != (1 if x.dim() >= 2 else 0))
                gw = contribution.sum(dims).reshape(*w.shape)
        return gx, gw

    Prelu.grad_graph = staticmethod(prelu)


_attach_prelu()
