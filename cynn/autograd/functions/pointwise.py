"""More elementwise ops: inverse and hyperbolic trigonometry, logs and exponentials
near 0, the special functions (erf, lgamma, digamma: Cython kernels), and the binary
ops atan2, hypot, fmod, xlogy, logaddexp, copysign, fmax/fmin.

Each gradient is the textbook derivative; where torch defines a value at a point the
derivative does not exist (xlogy at x == 0, fmax at ties), the comment says which.
"""
import numpy as np

from ..._kernels import special as _special
from ..._threads import kernel_threads
from ..function import Function
from .elementwise import _Piecewise, _float_result, _unary, broadcast_error, promote

_TWO_OVER_SQRT_PI = 1.1283791670955126
_LN2 = np.log(2.0)
_LN10 = np.log(10.0)


def special(name, x):
    """``name(x)`` for a float array through the Cython kernel (erf, erfc, erfinv,
    lgamma, digamma, trigamma); other float dtypes go through float32."""
    src = x if x.dtype in (np.float32, np.float64) else x.astype(np.float32)
    src = np.ascontiguousarray(src)
    out = np.empty_like(src)
    if src.size:
        _special.unary(name, src.reshape(-1), out.reshape(-1), kernel_threads())
    return out.astype(x.dtype, copy=False)


Log1p = type("Log1p", (_unary("Log1p", np.log1p, lambda x, y: 1.0 / (1.0 + x), "input"),),
             {"grad_fn_name": "Log1PBackward0"})
Expm1 = _unary("Expm1", np.expm1, lambda x, y: y + 1.0, "output")
Log2 = _unary("Log2", np.log2, lambda x, y: 1.0 / (x * _LN2), "input")
Log10 = _unary("Log10", np.log10, lambda x, y: 1.0 / (x * _LN10), "input")
Exp2 = _unary("Exp2", np.exp2, lambda x, y: y * _LN2, "output")
Tan = _unary("Tan", np.tan, lambda x, y: 1.0 + y * y, "output")
Asin = _unary("Asin", np.arcsin, lambda x, y: 1.0 / np.sqrt(1.0 - x * x), "input")
Acos = _unary("Acos", np.arccos, lambda x, y: -1.0 / np.sqrt(1.0 - x * x), "input")
Atan = _unary("Atan", np.arctan, lambda x, y: 1.0 / (1.0 + x * x), "input")
Sinh = _unary("Sinh", np.sinh, lambda x, y: np.cosh(x), "input")
Cosh = _unary("Cosh", np.cosh, lambda x, y: np.sinh(x), "input")
Asinh = _unary("Asinh", np.arcsinh, lambda x, y: 1.0 / np.sqrt(x * x + 1.0), "input")
Acosh = _unary("Acosh", np.arccosh, lambda x, y: 1.0 / np.sqrt(x * x - 1.0), "input")
Atanh = _unary("Atanh", np.arctanh, lambda x, y: 1.0 / (1.0 - x * x), "input")
Erf = _unary("Erf", lambda x: special("erf", x),
             lambda x, y: _TWO_OVER_SQRT_PI * np.exp(-x * x), "input")
Erfc = _unary("Erfc", lambda x: special("erfc", x),
              lambda x, y: -_TWO_OVER_SQRT_PI * np.exp(-x * x), "input")
Erfinv = _unary("Erfinv", lambda x: special("erfinv", x),
                lambda x, y: np.exp(y * y) / _TWO_OVER_SQRT_PI, "output")
Lgamma = _unary("Lgamma", lambda x: special("lgamma", x),
                lambda x, y: special("digamma", x), "input")
Digamma = _unary("Digamma", lambda x: special("digamma", x),
                 lambda x, y: special("trigamma", x), "input")


def _sinc(x):
    return np.sinc(x).astype(x.dtype, copy=False)


def _sinc_grad(x, y):
    # d/dx sin(pi x)/(pi x) = (cos(pi x) - sinc(x)) / x, and 0 at x == 0 (an extremum)
    with np.errstate(divide="ignore", invalid="ignore"):
        grad = (np.cos(np.pi * x) - np.sinc(x)) / x
    return np.where(x == 0, 0, grad)


Sinc = _unary("Sinc", _sinc, _sinc_grad, "input")


class Logit(Function):
    """``log(x / (1 - x))``, with ``x`` clamped to ``[eps, 1 - eps]`` when eps is given;
    the gradient is 0 outside that interval (torch's rule), and nan outside [0, 1]
    without eps."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, eps):
        x, _, _ = _float_result(x)
        z = x if eps is None else np.clip(x, eps, 1.0 - eps)
        ctx.save_for_backward(x)
        ctx.eps = eps
        return np.log(z / (1.0 - z))

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        eps = ctx.eps
        grad = g / (x * (1.0 - x))
        if eps is None:
            return np.where((x < 0) | (x > 1), np.nan, grad).astype(g.dtype, copy=False), None
        return np.where((x < eps) | (x > 1.0 - eps), 0, grad).astype(g.dtype, copy=False), None


class Trunc(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return np.trunc(x) if x.dtype.kind == "f" else x.copy()


class Frac(Function):
    fresh_gradients = False

    @staticmethod
    def forward(ctx, x):
        return x - np.trunc(x)

    @staticmethod
    def backward(ctx, g):
        return g


class NanToNum(Function):
    """The gradient passes where the input was finite (torch's rule) and is 0 where
    the value was replaced."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, nan, posinf, neginf):
        ctx.save_for_backward(np.isfinite(x))
        info = np.finfo(x.dtype) if x.dtype.kind == "f" else None
        if info is None:
            return x.copy()
        return np.nan_to_num(x, nan=0.0 if nan is None else nan,
                             posinf=info.max if posinf is None else posinf,
                             neginf=info.min if neginf is None else neginf)

    @staticmethod
    def backward(ctx, g):
        (finite,) = ctx.saved_tensors
        return np.where(finite, g, 0).astype(g.dtype, copy=False), None, None, None


def _binary(name, fwd, grads, doc, integers_stay=False):
    """A binary op; integer operands promote to the default float as torch does for
    these functions, unless ``integers_stay`` (fmod, fmax, fmin keep an integer dtype).
    ``grads(a, b, out, g)`` returns both input gradients (each broadcast-shaped; the
    engine reduces them)."""
    def forward(ctx, a, b):
        a, b, _ = promote(a, b) if integers_stay else _float_result(a, b)
        try:
            out = fwd(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None
        ctx.save_for_backward(a if isinstance(a, np.ndarray) else None,
                              b if isinstance(b, np.ndarray) else None, out)
        ctx.scalars = (a, b)
        return out

    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        a = ctx.scalars[0] if a is None else a
        b = ctx.scalars[1] if b is None else b
        ga, gb = grads(a, b, out, g)
        needs = ctx.needs_input_grad
        return (ga.astype(g.dtype, copy=False) if needs[0] else None,
                gb.astype(g.dtype, copy=False) if len(needs) > 1 and needs[1] else None)

    return type(name, (Function,), {"forward": staticmethod(forward),
                                     "backward": staticmethod(backward),
                                     "fresh_gradients": True, "__doc__": doc})


def _atan2_grads(a, b, out, g):
    denom = a * a + b * b
    return g * b / denom, g * -a / denom


def _hypot_grads(a, b, out, g):
    return g * a / out, g * b / out


def _fmod_grads(a, b, out, g):
    # fmod(a, b) = a - trunc(a / b) * b: d/da = 1, d/db = -trunc(a / b)
    return g * np.ones_like(out), g * -np.trunc(a / b)


def _xlogy(a, b):
    # torch: 0 where x == 0 (even if y == 0 or inf), nan where y is nan
    with np.errstate(divide="ignore", invalid="ignore"):
        out = a * np.log(b)
    out = np.where(np.asarray(a) == 0, 0, out)
    return np.where(np.isnan(b), np.nan, out).astype(np.result_type(a, b), copy=False)


def _xlogy_grads(a, b, out, g):
    # d/dx = log(y) where x != 0, else 0 -- but a nan y stays nan (torch's rule)
    with np.errstate(divide="ignore", invalid="ignore"):
        ga = g * _xlogy((np.asarray(a) != 0).astype(out.dtype), b)
        gb = g * a / b
    return ga, gb


def _logaddexp_grads(a, b, out, g):
    return g * np.exp(a - out), g * np.exp(b - out)


def _logaddexp2_grads(a, b, out, g):
    return g * np.exp2(a - out), g * np.exp2(b - out)


def _copysign_grads(a, b, out, g):
    # |a| * sign(b): d/da = sign(a) * sign(b) (0 at a == 0), nothing flows to b
    return g * np.where(np.asarray(a) == 0, 0, np.sign(a) * np.where(np.signbit(b), -1, 1)), \
        np.zeros_like(out) * g


def _pick_grads(take_a):
    def grads(a, b, out, g):
        mask = take_a(a, b)
        return np.where(mask, g, 0), np.where(mask, 0, g)
    return grads


Atan2 = _binary("Atan2", np.arctan2, _atan2_grads, "``atan2(input, other)``, quadrant-aware.")
Hypot = _binary("Hypot", np.hypot, _hypot_grads, "``sqrt(input**2 + other**2)``.")
# FmodBackward1: torch's name for a tensor divisor
Fmod = type("Fmod", (_binary("Fmod", np.fmod, _fmod_grads,
                             "C's ``fmod``: the remainder has the dividend's sign.",
                             integers_stay=True),), {"grad_fn_name": "FmodBackward1"})
Xlogy = _binary("Xlogy", _xlogy, _xlogy_grads, "``input * log(other)``, 0 where input is 0.")
Logaddexp = _binary("Logaddexp", np.logaddexp, _logaddexp_grads, "``log(exp(a) + exp(b))``.")
Logaddexp2 = _binary("Logaddexp2", np.logaddexp2, _logaddexp2_grads,
                     "``log2(2**a + 2**b)``.")
Copysign = _binary("Copysign", np.copysign, _copysign_grads,
                   "``|input|`` with the sign of ``other``.")
# torch's fmax/fmin: the non-nan operand wins; ties send the gradient to the first
# operand (the mask is "a was picked").
Fmax = _binary("Fmax", np.fmax, _pick_grads(lambda a, b: (a >= b) | np.isnan(b)),
               "Elementwise maximum ignoring nan.", integers_stay=True)
Fmin = _binary("Fmin", np.fmin, _pick_grads(lambda a, b: (a <= b) | np.isnan(b)),
               "Elementwise minimum ignoring nan.", integers_stay=True)


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True).

def _attach():
    from .elementwise import _const, _floating, _graph_unary

    ln2, ln10 = float(_LN2), float(_LN10)
    _graph_unary(Log1p, lambda x: 1.0 / (1.0 + x))
    _graph_unary(Expm1, lambda x: x.exp())
    _graph_unary(Log2, lambda x: 1.0 / (x * ln2))
    _graph_unary(Log10, lambda x: 1.0 / (x * ln10))
    _graph_unary(Exp2, lambda x: x.exp2() * ln2)
    _graph_unary(Tan, lambda x: 1.0 + x.tan() ** 2)
    _graph_unary(Asin, lambda x: (1.0 - x * x).rsqrt())
    _graph_unary(Acos, lambda x: -(1.0 - x * x).rsqrt())
    _graph_unary(Atan, lambda x: 1.0 / (1.0 + x * x))
    _graph_unary(Sinh, lambda x: x.cosh())
    _graph_unary(Cosh, lambda x: x.sinh())
    _graph_unary(Asinh, lambda x: (x * x + 1.0).rsqrt())
    _graph_unary(Acosh, lambda x: (x * x - 1.0).rsqrt())
    _graph_unary(Atanh, lambda x: 1.0 / (1.0 - x * x))
    _graph_unary(Erf, lambda x: _TWO_OVER_SQRT_PI * (-x * x).exp())
    _graph_unary(Erfc, lambda x: -_TWO_OVER_SQRT_PI * (-x * x).exp())
    _graph_unary(Erfinv, lambda x: (x.erfinv() ** 2).exp() / _TWO_OVER_SQRT_PI)
    _graph_unary(Lgamma, lambda x: x.digamma())
    Frac.grad_graph = staticmethod(lambda ctx, inputs, g: g)

    def binary(fn_cls, formula):
        def grad_graph(ctx, inputs, g):
            a, b = (_floating(v) for v in inputs)
            return formula(a, b, g)
        fn_cls.grad_graph = staticmethod(grad_graph)

    binary(Atan2, lambda a, b, g: (g * b / (a * a + b * b), -g * a / (a * a + b * b)))
    binary(Hypot, lambda a, b, g: (g * a / a.hypot(b), g * b / a.hypot(b)))
    binary(Logaddexp, lambda a, b, g: (g * (a - a.logaddexp(b)).exp(),
                                       g * (b - a.logaddexp(b)).exp()))


_attach()


def _attach_more():
    from .elementwise import _const, _floating, where

    def binary(fn_cls, formula):
        def grad_graph(ctx, inputs, g):
            a, b = (_floating(v) for v in inputs)
            return formula(a, b, g)
        fn_cls.grad_graph = staticmethod(grad_graph)

    def fmod(a, b, g):
        q = _const(np.trunc(np.asarray(a._data if hasattr(a, "_data") else a) /
                            np.asarray(b._data if hasattr(b, "_data") else b)))
        return g, -g * q

    def xlogy(a, b, g):
        a_data = a._data if hasattr(a, "_data") else np.asarray(a)
        nonzero = _const((a_data != 0).astype(g._data.dtype))
        return g * nonzero * b.log() if hasattr(b, "log") else None, g * a / b

    def pick(largest):
        def grads(a, b, g):
            av = a._data if hasattr(a, "_data") else np.asarray(a)
            bv = b._data if hasattr(b, "_data") else np.asarray(b)
            mask = ((av >= bv) if largest else (av <= bv)) | np.isnan(bv)
            return g * _const(mask), g * _const(~mask)
        return grads

    binary(Fmod, fmod)
    binary(Xlogy, xlogy)
    binary(Fmax, pick(True))
    binary(Fmin, pick(False))
    binary(Copysign, lambda a, b, g: (g * _const(np.where(
        a._data == 0, 0.0, np.sign(a._data) * np.where(np.signbit(
            b._data if hasattr(b, "_data") else np.asarray(b)), -1.0, 1.0)).astype(
        g._data.dtype)), g * 0))
    from .elementwise import _graph_unary
    _graph_unary(Sinc, lambda x: where(_const(x._data == 0), 0.0,
                                            ((x * np.pi).cos() - x.sinc()) /
                                            where(_const(x._data == 0), 1.0, x)))

    def logit(ctx, inputs, g):
        x = _floating(inputs[0])
        eps = ctx.eps
        grad = g / (x * (1.0 - x))
        if eps is None:
            return grad, None
        inside = _const(((x._data >= eps) & (x._data <= 1.0 - eps)).astype(g._data.dtype))
        return grad * inside, None

    def nan_to_num(ctx, inputs, g):
        return (g * _const(np.isfinite(inputs[0]._data)),) + (None,) * 3

    Logit.grad_graph = staticmethod(logit)
    NanToNum.grad_graph = staticmethod(nan_to_num)


_attach_more()
