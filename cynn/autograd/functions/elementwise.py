"""Elementwise ops with numpy broadcasting and PyTorch's type promotion.

Binary ops take arrays or python scalars; the engine sums broadcast gradients back
to each input's shape, so backward returns full-shape gradients.
"""
import numpy as np

from ..._dtype import get_default_dtype, result_type
from ..._kernels import elementwise as _ek
from ..._threads import get_num_threads
from ..function import Function


def promote(a, b):
    """Cast ``a`` and ``b`` (arrays or scalars) to PyTorch's result dtype for them."""
    dt = result_type(a, b)
    if isinstance(a, np.ndarray) and a.dtype != dt:
        a = a.astype(dt)
    if isinstance(b, np.ndarray) and b.dtype != dt:
        b = b.astype(dt)
    return a, b, dt


def _float_result(a, b=None):
    """Like ``promote`` but integer results become the default float (true division)."""
    a, b, dt = promote(a, b) if b is not None else (a, None, a.dtype)
    if dt.kind != "f":
        dt = get_default_dtype().numpy
        a = a.astype(dt) if isinstance(a, np.ndarray) else a
        b = b.astype(dt) if isinstance(b, np.ndarray) else b
    return a, b, dt


def _as_array(x, dtype):
    return np.asarray(x, dtype=dtype)


class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b, _ = promote(a, b)
        ctx.alpha = alpha
        return np.add(a, b * alpha if alpha != 1 else b)

    @staticmethod
    def backward(ctx, g):
        return g, (g * ctx.alpha if ctx.alpha != 1 else g)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        if isinstance(a, np.ndarray) and a.dtype == np.bool_ and \
                isinstance(b, np.ndarray) and b.dtype == np.bool_:
            raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                               "supported. Use the `^` or `logical_xor()` operator instead.")
        a, b, _ = promote(a, b)
        ctx.alpha = alpha
        return np.subtract(a, b * alpha if alpha != 1 else b)

    @staticmethod
    def backward(ctx, g):
        return g, -g * ctx.alpha


class Rsub(Function):
    """``scalar - tensor``."""
    grad_fn_name = "RsubBackward1"

    @staticmethod
    def forward(ctx, a, scalar):
        a, scalar, _ = promote(a, scalar)
        return np.subtract(scalar, a)

    @staticmethod
    def backward(ctx, g):
        return -g, None


class Mul(Function):
    @staticmethod
    def forward(ctx, a, b):
        a, b, _ = promote(a, b)
        ctx.save_for_backward(a, b)
        return np.multiply(a, b)

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    @staticmethod
    def forward(ctx, a, b, rounding_mode=None):
        if rounding_mode is not None:
            a, b, _ = promote(a, b)
            out = np.floor_divide(a, b) if rounding_mode == "floor" else np.trunc(a / b).astype(
                np.result_type(a, b))
            ctx.rounding = True
            return out
        a, b, _ = _float_result(a, b)
        ctx.rounding = False
        ctx.save_for_backward(a, b)
        return np.divide(a, b)

    @staticmethod
    def backward(ctx, g):
        if ctx.rounding:
            return np.zeros_like(g), None
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        gb = -g * a / (b * b) if ctx.needs_input_grad[1] else None
        return ga, gb


class Rdiv(Function):
    """``scalar / tensor``."""
    grad_fn_name = "DivBackward0"

    @staticmethod
    def forward(ctx, a, scalar):
        a, scalar, _ = _float_result(a, scalar)
        out = np.divide(scalar, a)
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, out = ctx.saved_tensors
        return -g * out / a, None


class Pow(Function):
    """``tensor ** scalar`` (PowBackward0) and ``tensor ** tensor`` (PowBackward1)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b, dt = promote(a, b)
        if dt.kind in "iu" and np.any(np.asarray(b) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        out = np.power(a, b)
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # d(a^b)/da = b * a^(b-1); where b == 0 the gradient is 0 even at a == 0.
            with np.errstate(divide="ignore", invalid="ignore"):
                ga = np.where(np.asarray(b) == 0, 0, g * b * np.power(a, b - 1))
        if ctx.needs_input_grad[1]:
            with np.errstate(divide="ignore", invalid="ignore"):
                gb = np.where((a == 0) & (np.asarray(b) >= 0), 0, g * out * np.log(a))
        return ga, gb


class PowTensor(Pow):
    grad_fn_name = "PowBackward1"


class Rpow(Function):
    """``scalar ** tensor``."""
    grad_fn_name = "PowBackward2"

    @staticmethod
    def forward(ctx, a, scalar):
        a, scalar, _ = promote(a, scalar)
        out = np.power(scalar, a)
        ctx.scalar = scalar
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, g):
        (out,) = ctx.saved_tensors
        return g * out * np.log(ctx.scalar), None


class Neg(Function):
    @staticmethod
    def forward(ctx, a):
        if a.dtype == np.bool_:
            raise RuntimeError("Negation, the `-` operator, on a bool tensor is not supported. "
                               "If you are trying to invert a mask, use the `~` or "
                               "`logical_not()` operator instead.")
        return np.negative(a)

    @staticmethod
    def backward(ctx, g):
        return -g


def _unary(name, fwd, grad, saves="input"):
    """A unary op whose gradient is ``g * grad(x, y)`` (``y`` the output)."""

    def forward(ctx, x):
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype().numpy)
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            y = fwd(x)
        ctx.save_for_backward(x, y)
        return y

    def backward(ctx, g):
        x, y = ctx.saved_tensors
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return g * grad(x, y)

    return type(name, (Function,), {"forward": staticmethod(forward),
                                     "backward": staticmethod(backward),
                                     "__doc__": f"Elementwise ``{name.lower()}``."})


Exp = _unary("Exp", np.exp, lambda x, y: y)
Log = _unary("Log", np.log, lambda x, y: 1.0 / x)
Sqrt = _unary("Sqrt", np.sqrt, lambda x, y: 0.5 / y)
Sin = _unary("Sin", np.sin, lambda x, y: np.cos(x))
Cos = _unary("Cos", np.cos, lambda x, y: -np.sin(x))
Tanh = _unary("Tanh", np.tanh, lambda x, y: 1.0 - y * y)


def _stable_sigmoid(x):
    # exp of a non-positive number only: no overflow for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


Sigmoid = _unary("Sigmoid", _stable_sigmoid, lambda x, y: y * (1.0 - y))


class Abs(Function):
    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.sign(x)


class Relu(Function):
    """ReLU through the OpenMP kernel in ``pyx/elementwise.pyx``."""

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            y = np.maximum(x, 0)
            ctx.save_for_backward(y)
            return y
        x = np.ascontiguousarray(x)
        y = np.empty_like(x)
        _ek.relu_forward(x.reshape(-1), y.reshape(-1), get_num_threads())
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        g = np.ascontiguousarray(g, dtype=y.dtype)
        if g.shape != y.shape:
            g = np.ascontiguousarray(np.broadcast_to(g, y.shape))
        gx = np.empty_like(y)
        _ek.relu_backward(y.reshape(-1), g.reshape(-1), gx.reshape(-1), get_num_threads())
        return gx


class Clamp(Function):
    grad_fn_name = "ClampBackward1"

    @staticmethod
    def forward(ctx, x, min=None, max=None):  # noqa: A002 -- PyTorch's argument names
        if min is None and max is None:
            raise RuntimeError("torch.clamp: At least one of 'min' or 'max' must not be None")
        lo = -np.inf if min is None else min
        hi = np.inf if max is None else max
        ctx.save_for_backward(x)
        ctx.bounds = (lo, hi)
        out = np.minimum(np.maximum(x, lo), hi) if x.dtype.kind == "f" else np.clip(
            x, None if min is None else min, None if max is None else max)
        return out.astype(x.dtype, copy=False) if not isinstance(min, np.ndarray) else out

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        lo, hi = ctx.bounds
        return g * ((x >= lo) & (x <= hi)), None, None


class Where(Function):
    @staticmethod
    def forward(ctx, condition, a, b):
        a, b, _ = promote(a, b)
        cond = condition.astype(np.bool_, copy=False)
        ctx.save_for_backward(cond)
        return np.where(cond, a, b)

    @staticmethod
    def backward(ctx, g):
        (cond,) = ctx.saved_tensors
        zero = np.zeros((), g.dtype)
        return (None,
                np.where(cond, g, zero) if ctx.needs_input_grad[1] else None,
                np.where(cond, zero, g) if ctx.needs_input_grad[2] else None)


class Clone(Function):
    @staticmethod
    def forward(ctx, x):
        return np.array(x, copy=True)

    @staticmethod
    def backward(ctx, g):
        return g


class ToCopy(Function):
    """A dtype conversion (``.float()``, ``.to(dtype)``)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None
