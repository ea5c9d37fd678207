"""Elementwise ops with numpy broadcasting and PyTorch's type promotion.

Binary ops take arrays or python scalars; the engine sums broadcast gradients back
to each input's shape, so backward returns full-shape gradients.
"""
import numpy as np

from ... import _broadcast
from ..._dtype import get_default_dtype, result_type
from ..._kernels import elementwise as _ek
from ..._threads import kernel_threads
from ..function import Function, FunctionCtx


def promote(a, b):
    """Cast ``a`` and ``b`` (arrays or scalars) to PyTorch's result dtype for them."""
    if type(a) is np.ndarray:  # fast paths: equal dtypes, float tensor with a python number
        if type(b) is np.ndarray:
            if a.dtype == b.dtype:
                return a, b, a.dtype
        elif (type(b) is float or type(b) is int) and a.dtype.kind == "f":
            return a, b, a.dtype
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


def broadcast_error(*operands):
    """PyTorch's RuntimeError for operands whose shapes do not broadcast."""
    return _broadcast.broadcast_error([np.shape(o) for o in operands])


class Add(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        a, b, _ = promote(a, b)
        ctx.alpha = alpha
        try:
            return np.add(a, b * alpha if alpha != 1 else b)
        except ValueError:
            raise broadcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, (g * ctx.alpha if ctx.alpha != 1 else g)


class Sub(Function):
    @staticmethod
    def forward(ctx, a, b, alpha=1):
        _check_bool_subtraction(a, b)
        a, b, _ = promote(a, b)
        ctx.alpha = alpha
        try:
            return np.subtract(a, b * alpha if alpha != 1 else b)
        except ValueError:
            raise broadcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        return g, -g * ctx.alpha


def _check_bool_subtraction(a, b):
    a_bool = a.dtype == np.bool_ if isinstance(a, np.ndarray) else isinstance(a, bool)
    b_bool = b.dtype == np.bool_ if isinstance(b, np.ndarray) else isinstance(b, bool)
    if a_bool and b_bool and isinstance(b, np.ndarray):
        raise RuntimeError("Subtraction, the `-` operator, with two bool tensors is not "
                           "supported. Use the `^` or `logical_xor()` operator instead.")
    if a_bool or b_bool:
        raise RuntimeError("Subtraction, the `-` operator, with a bool tensor is not supported. "
                           "If you are trying to invert a mask, use the `~` or `logical_not()` "
                           "operator instead.")


class Rsub(Function):
    """``scalar - tensor``."""
    grad_fn_name = "RsubBackward1"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, scalar):
        _check_bool_subtraction(a, scalar)
        a, scalar, _ = promote(a, scalar)
        return np.subtract(scalar, a)

    @staticmethod
    def backward(ctx, g):
        return -g, None


class Mul(Function):
    fresh_gradients = True
    @staticmethod
    def forward(ctx, a, b):
        a, b, _ = promote(a, b)
        needs = ctx.needs_input_grad
        if needs:  # each side's gradient needs only the other side
            ctx.save_for_backward(a if needs[1] else None, b if needs[0] else None)
        try:
            return np.multiply(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g * b if ctx.needs_input_grad[0] else None
        gb = g * a if ctx.needs_input_grad[1] else None
        return ga, gb


class Div(Function):
    fresh_gradients = True
    @staticmethod
    def forward(ctx, a, b):
        a, b, _ = _float_result(a, b)
        needs = ctx.needs_input_grad
        if needs:
            ctx.save_for_backward(a if needs[1] else None, b)
        try:
            return np.divide(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        a, b = ctx.saved_tensors
        ga = g / b if ctx.needs_input_grad[0] else None
        # -a / b^2 as PyTorch evaluates it, (a / b) / b: b * b would underflow to 0 for
        # |b| < 1e-19 in float32 and turn a finite gradient into inf.
        gb = -g * ((a / b) / b) if ctx.needs_input_grad[1] else None
        return ga, gb


def _rounded_quotient(a, b, mode):
    a, b, dt = promote(a, b)
    try:
        if mode == "floor":
            return np.floor_divide(a, b)
        if dt.kind == "f":
            return np.trunc(np.true_divide(a, b))
        q = np.floor_divide(a, b)  # integers: round toward zero without going through floats
        return q + ((np.remainder(a, b) != 0) & ((np.asarray(a) < 0) != (np.asarray(b) < 0)))
    except ValueError:
        raise broadcast_error(a, b) from None


class DivRounding(Function):
    """``div(rounding_mode="floor" | "trunc")``: piecewise constant, zero gradients."""
    grad_fn_name = "DivBackward2"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, b, rounding_mode):
        return _rounded_quotient(a, b, rounding_mode)

    @staticmethod
    def backward(ctx, g):
        return (np.zeros_like(g), np.zeros_like(g) if ctx.needs_input_grad[1] else None, None)


class FloorDivide(Function):
    """``a // b``; like PyTorch's floor_divide it has no derivative."""
    grad_fn_name = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        return _rounded_quotient(a, b, "floor")

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::floor_divide is not implemented")


class Remainder(Function):
    """``tensor % scalar``, with the sign of the divisor (Python's and PyTorch's convention)."""

    @staticmethod
    def forward(ctx, a, b):
        a, b, _ = promote(a, b)
        if ctx.needs_input_grad and ctx.needs_input_grad[1]:
            ctx.save_for_backward(a, b)
        try:
            return np.remainder(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None

    @staticmethod
    def backward(ctx, g):
        # a % b = a - floor(a / b) * b
        gb = None
        if ctx.needs_input_grad[1]:
            a, b = ctx.saved_tensors
            gb = -g * np.floor_divide(a, b)
        return g, gb


class RemainderTensor(Remainder):
    """``tensor % tensor``."""
    grad_fn_name = "RemainderBackward1"


class Rremainder(FloorDivide):
    """``scalar % tensor``; PyTorch has no derivative for it."""
    grad_fn_name = "torch::autograd::NotImplemented"

    @staticmethod
    def forward(ctx, a, b):
        return Remainder.forward(FunctionCtx(), a, b)

    @staticmethod
    def backward(ctx, g):
        raise RuntimeError("derivative for aten::remainder.Scalar_Tensor is not implemented")


class Rdiv(Function):
    """``scalar / tensor``, computed as PyTorch does: ``reciprocal(tensor) * scalar`` (hence
    the node's name), which rounds differently from a true division."""
    grad_fn_name = "MulBackward0"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, scalar):
        a, scalar, _ = _float_result(a, scalar)
        r = np.reciprocal(a)
        ctx.scalar = scalar
        ctx.save_for_backward(r)
        return r * scalar

    @staticmethod
    def backward(ctx, g):
        # d(s * r)/da with r = 1/a is -(g * s) * r^2: at a = 0 with s = 0 that is nan,
        # and at s = +-inf it is +-inf, as in PyTorch (not the 0 of a shortcut on s == 0).
        (r,) = ctx.saved_tensors
        return -(g * ctx.scalar) * (r * r), None


def power(a, b):
    """``a ** b`` elementwise, with PyTorch's values at IEEE special points.

    PyTorch evaluates a float tensor to a scalar power 0.5, -0.5, 2, 3, -1 or -2 as
    sqrt, 1/sqrt, a*a, a*a*a, 1/a and 1/(a*a); these differ from ``pow`` at -0 and
    -inf (``pow(-0., .5) = 0`` but ``sqrt(-0.) = -0``) and by rounding elsewhere. numpy
    takes the same shortcuts for 0.5, 2 and -1, also when ``b`` is a one-element array,
    where PyTorch's tensor-tensor pow does not: those cases are put back to ``pow``.
    A Python number ``b`` is a scalar exponent; an array or numpy scalar is a tensor's.
    """
    if not isinstance(a, np.ndarray) or a.dtype.kind != "f":
        return np.power(a, b)
    if not isinstance(b, (np.ndarray, np.generic)):
        if b == -0.5:
            return np.reciprocal(np.sqrt(a))
        if b == 3:
            return a * a * a
        if b == -2:
            return np.reciprocal(a * a)
        return np.power(a, b)
    out = np.power(a, b)
    if b.size == 1 and b.reshape(-1)[0] == 0.5:
        # undo numpy's sqrt shortcut: pow(-0, .5) = +0 (adding +0 clears the sign),
        # pow(-inf, .5) = +inf
        out = np.where(np.isneginf(a), np.inf, out + 0).astype(out.dtype, copy=False)
    return out


class Pow(Function):
    """``tensor ** scalar`` (PowBackward0) and ``tensor ** tensor`` (PowBackward1)."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, b):
        a, b, dt = promote(a, b)
        if dt.kind in "iu" and np.any(np.asarray(b) < 0):
            raise RuntimeError("Integers to negative integer powers are not allowed.")
        try:
            out = power(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None
        needs = ctx.needs_input_grad
        if needs:  # the output only for the exponent's gradient
            ctx.save_for_backward(a, b, out if needs[1] else None)
        return out

    @staticmethod
    def backward(ctx, g):
        a, b, out = ctx.saved_tensors
        ga = gb = None
        if ctx.needs_input_grad[0]:
            # d(a^b)/da = b * a^(b-1), with a^(b-1) evaluated as the forward would; where
            # b == 0 the gradient is 0 even at a == 0.
            ga = np.where(np.asarray(b) == 0, 0, g * (b * power(a, b - 1)))
        if ctx.needs_input_grad[1]:
            gb = np.where((a == 0) & (np.asarray(b) >= 0), 0, g * (out * np.log(a)))
        return ga, gb


class PowTensor(Pow):
    grad_fn_name = "PowBackward1"


class Rpow(Function):
    """``scalar ** tensor``."""
    grad_fn_name = "PowBackward2"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, a, scalar):
        a, scalar, dt = promote(a, scalar)
        out = power(np.asarray(scalar, dtype=dt), a)
        ctx.scalar = scalar
        ctx.save_for_backward(a, out)
        return out

    @staticmethod
    def backward(ctx, g):
        # d(s^a)/da = s^a * log(s); PyTorch takes it as 0 where s == 0 and a >= 0
        # (the limit from the right), not the nan or -inf the formula gives there.
        a, out = ctx.saved_tensors
        ga = g * (out * np.log(ctx.scalar))
        if ctx.scalar == 0:
            ga = np.where(a >= 0, 0, ga).astype(ga.dtype, copy=False)
        return ga, None


class Neg(Function):
    fresh_gradients = True
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


def _unary(name, fwd, grad, saves):
    """A unary op whose gradient is ``g * grad(x, y)``; ``saves`` says which of the input
    ``x`` and the output ``y`` backward needs (as PyTorch saves it; the other is None)."""
    keep_input = saves == "input"

    def forward(ctx, x):
        if x.dtype.kind != "f":
            x = x.astype(get_default_dtype().numpy)
        y = fwd(x)
        ctx.save_for_backward(x if keep_input else y)
        return y

    def backward(ctx, g):
        (saved,) = ctx.saved_tensors
        x, y = (saved, None) if keep_input else (None, saved)
        return g * grad(x, y)

    return type(name, (Function,), {"forward": staticmethod(forward),
                                     "backward": staticmethod(backward),
                                     "fresh_gradients": True,
                                     "__doc__": f"Elementwise ``{name.lower()}``."})


Exp = _unary("Exp", np.exp, lambda x, y: y, "output")
Log = _unary("Log", np.log, lambda x, y: 1.0 / x, "input")
Sqrt = _unary("Sqrt", np.sqrt, lambda x, y: 0.5 / y, "output")
Sin = _unary("Sin", np.sin, lambda x, y: np.cos(x), "input")
Cos = _unary("Cos", np.cos, lambda x, y: -np.sin(x), "input")
Tanh = _unary("Tanh", np.tanh, lambda x, y: 1.0 - y * y, "output")
Reciprocal = _unary("Reciprocal", np.reciprocal, lambda x, y: -y * y, "output")
Rsqrt = _unary("Rsqrt", lambda x: 1.0 / np.sqrt(x), lambda x, y: -0.5 * y * y * y, "output")


def _stable_sigmoid(x):
    # exp of a non-positive number only: no overflow for large |x|.
    e = np.exp(-np.abs(x))
    return np.where(x >= 0, 1.0 / (1.0 + e), e / (1.0 + e)).astype(x.dtype, copy=False)


Sigmoid = _unary("Sigmoid", _stable_sigmoid, lambda x, y: y * (1.0 - y), "output")


class _Piecewise(Function):
    """Piecewise-constant ops (sign, floor, ...): the gradient is zero almost everywhere."""
    fresh_gradients = True

    @staticmethod
    def backward(ctx, g, *rest):
        return (np.zeros_like(g),) + (None,) * len(ctx.needs_input_grad[1:])


class Sign(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        out = np.sign(x)
        if x.dtype.kind == "f":  # torch's sign(nan) is 0
            out[np.isnan(out)] = 0
        return out


class Floor(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return np.floor(x) if x.dtype.kind == "f" else x.copy()


class Ceil(_Piecewise):
    @staticmethod
    def forward(ctx, x):
        return np.ceil(x) if x.dtype.kind == "f" else x.copy()


class Round(_Piecewise):
    @staticmethod
    def forward(ctx, x, decimals=0):
        return np.round(x, decimals)


class Abs(Function):
    fresh_gradients = True
    @staticmethod
    def forward(ctx, x):
        if x.dtype == np.bool_:
            raise NotImplementedError('"abs_cpu" not implemented for \'Bool\'')
        ctx.save_for_backward(x)
        return np.abs(x)

    @staticmethod
    def backward(ctx, g):
        (x,) = ctx.saved_tensors
        return g * np.sign(x)


def _c_contiguous(a):
    """``a`` in C order with its shape; ``np.ascontiguousarray`` would make a 0-d array 1-d."""
    return a if a.flags.c_contiguous else np.array(a, order="C")


class Relu(Function):
    """ReLU through the OpenMP kernel in ``pyx/elementwise.pyx``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x):
        if x.dtype.kind != "f":
            if x.dtype == np.bool_:
                raise RuntimeError("Boolean inputs not supported for relu")
            y = np.maximum(x, 0)
            ctx.save_for_backward(y)
            return y
        x = _c_contiguous(x)
        y = np.empty_like(x)
        _ek.relu_forward(x.reshape(-1), y.reshape(-1), kernel_threads())
        ctx.save_for_backward(y)
        return y

    @staticmethod
    def backward(ctx, g):
        (y,) = ctx.saved_tensors
        g = _c_contiguous(np.broadcast_to(np.asarray(g, dtype=y.dtype), y.shape))
        gx = np.empty_like(y)
        _ek.relu_backward(y.reshape(-1), g.reshape(-1), gx.reshape(-1), kernel_threads())
        return gx


class Clamp(Function):
    grad_fn_name = "ClampBackward1"
    fresh_gradients = True

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


class ClampTensor(Clamp):
    """``clamp`` with tensor bounds (PyTorch's Tensor overload)."""
    grad_fn_name = "ClampBackward0"


def _extremum(name, pick, wins):
    """Elementwise maximum/minimum; where the inputs tie, each gets half the gradient
    (as in PyTorch). ``wins(a, b)`` is where ``a`` alone is picked."""

    def forward(ctx, a, b):
        a, b, _ = promote(a, b)
        ctx.save_for_backward(a, b)
        try:
            return pick(a, b)
        except ValueError:
            raise broadcast_error(a, b) from None

    def backward(ctx, g):
        a, b = ctx.saved_tensors
        return _tie_split(ctx, g, wins(a, b), wins(b, a), a == b)

    return type(name, (Function,), {"forward": staticmethod(forward),
                                     "backward": staticmethod(backward),
                                     "fresh_gradients": True,
                                     "__doc__": _extremum.__doc__})


Maximum = _extremum("Maximum", np.maximum, np.greater)
Minimum = _extremum("Minimum", np.minimum, np.less)


def _tie_split(ctx, g, a_wins, b_wins, tie):
    zero = np.zeros((), g.dtype)
    share = np.where(tie, g * 0.5, g)
    return (np.where(b_wins, zero, share) if ctx.needs_input_grad[0] else None,
            np.where(a_wins, zero, share) if ctx.needs_input_grad[1] else None)


class MaskedFill(Function):
    """``value`` where ``mask`` (broadcast to the input's shape) is True."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, mask, value):
        ctx.mask = mask
        return np.where(mask, np.asarray(value, x.dtype), x)

    @staticmethod
    def backward(ctx, g):
        return np.where(ctx.mask, np.zeros((), g.dtype), g), None, None


class Where(Function):
    fresh_gradients = True
    @staticmethod
    def forward(ctx, condition, a, b):
        a, b, _ = promote(a, b)
        cond = condition.astype(np.bool_, copy=False)
        ctx.save_for_backward(cond)
        try:
            return np.where(cond, a, b)
        except ValueError:
            raise broadcast_error(cond, a, b) from None

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


class Fill(Function):
    """``fill_(value)``: the old values get a zero gradient."""
    grad_fn_name = "FillBackward2"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, value):
        return np.full_like(x, value)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), None


class Zero(Fill):
    grad_fn_name = "ZeroBackward0"


class Copy(Function):
    """``copy_(src)``: ``src`` broadcast to the destination's shape and dtype."""
    grad_fn_name = "torch::autograd::CopyBackwards"

    @staticmethod
    def forward(ctx, x, src):
        return np.broadcast_to(src, x.shape).astype(x.dtype)

    @staticmethod
    def backward(ctx, g):
        return np.zeros_like(g), g


class ToCopy(Function):
    """A dtype conversion (``.float()``, ``.to(dtype)``)."""

    @staticmethod
    def forward(ctx, x, dtype):
        return x.astype(dtype)

    @staticmethod
    def backward(ctx, g):
        return g, None


# ---------------------------------------------------------------------------------------
# Gradients in differentiable ops, for a recorded backward (create_graph=True): each
# ``grad_graph(ctx, inputs, *grads)`` is the op's ``backward`` written with Tensor ops
# on the forward's own arguments (see ``autograd/graph_backward.py``).

def _T():
    from .. import function
    return function.Tensor


def _const(array):
    """A Tensor constant (a mask) in the recorded graph."""
    return _T()._wrap(np.asarray(array))


def _floating(x):
    """Integer Tensors promote to the default float, as the forward's did."""
    if isinstance(x, _T()) and not x.dtype.is_floating_point:
        from ... import _dtype
        return x.to(_dtype.get_default_dtype())
    return x


def _graph_unary(fn_cls, derivative):
    """Attach ``g * derivative(x)`` (``x`` the float input Tensor) to a unary op."""
    def grad_graph(ctx, inputs, g):
        return g * derivative(_floating(inputs[0]))
    fn_cls.grad_graph = staticmethod(grad_graph)


def _add_grad(ctx, inputs, g):
    return g, (g * ctx.alpha if ctx.alpha != 1 else g)


def _sub_grad(ctx, inputs, g):
    return g, (-g * ctx.alpha if ctx.alpha != 1 else -g)


Add.grad_graph = staticmethod(_add_grad)
Sub.grad_graph = staticmethod(_sub_grad)
Rsub.grad_graph = staticmethod(lambda ctx, inputs, g: (-g, None))
Neg.grad_graph = staticmethod(lambda ctx, inputs, g: -g)
Mul.grad_graph = staticmethod(lambda ctx, inputs, g: (g * inputs[1], g * inputs[0]))
Div.grad_graph = staticmethod(lambda ctx, inputs, g: (
    g / inputs[1], -g * ((inputs[0] / inputs[1]) / inputs[1])))


def _rdiv_grad(ctx, inputs, g):
    a, scalar = inputs
    return -g * scalar / (_floating(a) * a), None


Rdiv.grad_graph = staticmethod(_rdiv_grad)


def where(cond, a, b):
    """``cynn.where`` for the formulas (``cond`` a bool Tensor or array)."""
    if not isinstance(cond, _T()):
        cond = _const(cond)
    return Where.apply(cond, a, b)


def _pow_grad(ctx, inputs, g):
    a, b = inputs
    a = _floating(a) if not isinstance(b, float) else a
    if isinstance(b, _T()):
        ga = where(b.detach() == 0, 0.0, g * b * a ** (b - 1))
        gb = where((a.detach() == 0) & (b.detach() >= 0), 0.0, g * a ** b * a.log())
        return ga, gb
    if b == 0:
        return g * 0, None
    return g * b * a ** (b - 1), None


Pow.grad_graph = staticmethod(_pow_grad)
Rpow.grad_graph = staticmethod(lambda ctx, inputs, g: (
    g * inputs[1] ** _floating(inputs[0]) * float(np.log(inputs[1])), None))

_graph_unary(Exp, lambda x: x.exp())
_graph_unary(Log, lambda x: 1.0 / x)
_graph_unary(Sqrt, lambda x: 0.5 / x.sqrt())
_graph_unary(Sin, lambda x: x.cos())
_graph_unary(Cos, lambda x: -x.sin())
_graph_unary(Tanh, lambda x: 1.0 - x.tanh() ** 2)
_graph_unary(Reciprocal, lambda x: -1.0 / (x * x))
_graph_unary(Rsqrt, lambda x: -0.5 * x.rsqrt() ** 3)
_graph_unary(Sigmoid, lambda x: x.sigmoid() * (1.0 - x.sigmoid()))
_graph_unary(Abs, lambda x: _const(np.sign(x._data)))


def _zero_grad(ctx, inputs, g, *rest):
    return (g * 0,) + (None,) * (len(inputs) - 1)


_Piecewise.grad_graph = staticmethod(_zero_grad)
Relu.grad_graph = staticmethod(lambda ctx, inputs, g: g * _const(inputs[0]._data > 0))


def _clamp_grad(ctx, inputs, g):
    x = inputs[0]._data
    lo, hi = ctx.bounds
    return g * _const((x >= lo) & (x <= hi)), None, None


Clamp.grad_graph = staticmethod(_clamp_grad)


def _extremum_grad(ctx, inputs, g):
    a, b = inputs
    av = a._data if isinstance(a, _T()) else np.asarray(a)
    bv = b._data if isinstance(b, _T()) else np.asarray(b)
    wins = np.greater if ctx._function is Maximum else np.less
    share = g * _const(np.where(av == bv, 0.5, 1.0).astype(g._data.dtype))
    return share * _const(~wins(bv, av)), share * _const(~wins(av, bv))


Maximum.grad_graph = staticmethod(_extremum_grad)
Minimum.grad_graph = staticmethod(_extremum_grad)
MaskedFill.grad_graph = staticmethod(lambda ctx, inputs, g: (
    g * _const(~np.asarray(ctx.mask, np.bool_)), None, None))


def _where_grad(ctx, inputs, g):
    cond = _const(np.asarray(inputs[0]._data if isinstance(inputs[0], _T()) else inputs[0],
                             np.bool_))
    return None, g * cond, g * ~cond


Where.grad_graph = staticmethod(_where_grad)
Clone.grad_graph = staticmethod(lambda ctx, inputs, g: g)
Fill.grad_graph = staticmethod(lambda ctx, inputs, g: (g * 0, None))
Copy.grad_graph = staticmethod(lambda ctx, inputs, g: (g * 0, g))
ToCopy.grad_graph = staticmethod(lambda ctx, inputs, g: (g, None))
