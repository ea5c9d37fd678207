"""Elementwise tensor functions beyond the core arithmetic: ``cynn.log1p(x)``,
``x.log1p()``, ``x.log1p_()`` and the rest (see ``METHODS``)."""
import numpy as np

from .._tensor import Tensor, _operand
from ..autograd.functions import pointwise as P
from ._checks import check_tensor

__all__ = ["log1p", "expm1", "log2", "log10", "exp2", "tan", "asin", "acos", "atan", "sinh",
           "cosh", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh",
           "arccosh", "arctanh", "erf", "erfc", "erfinv", "lgamma", "digamma", "sinc",
           "logit", "trunc", "fix", "frac", "nan_to_num", "atan2", "arctan2", "hypot",
           "fmod", "xlogy", "logaddexp", "logaddexp2", "copysign", "fmax", "fmin",
           "addcmul", "addcdiv", "lerp", "float_power", "ldexp", "deg2rad", "rad2deg",
           "heaviside", "logical_and", "logical_or", "logical_xor", "isclose", "isneginf",
           "isposinf", "isreal", "signbit", "sgn", "positive", "clamp_min", "clamp_max",
           "rsub"]


def _unary_fn(name, fn_cls):
    def fn(input, *, out=None):  # noqa: A002 -- PyTorch's argument name
        check_tensor(name, input)
        if out is not None:
            raise TypeError(f"{name}(): the out= argument is not supported by cynn")
        return fn_cls.apply(input)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = (f"Elementwise ``{name}`` of ``input`` (integers promote to the default "
                  f"float). Shape: output has the input's shape.")
    return fn


log1p = _unary_fn("log1p", P.Log1p)
expm1 = _unary_fn("expm1", P.Expm1)
log2 = _unary_fn("log2", P.Log2)
log10 = _unary_fn("log10", P.Log10)
exp2 = _unary_fn("exp2", P.Exp2)
tan = _unary_fn("tan", P.Tan)
asin = arcsin = _unary_fn("asin", P.Asin)
acos = arccos = _unary_fn("acos", P.Acos)
atan = arctan = _unary_fn("atan", P.Atan)
sinh = _unary_fn("sinh", P.Sinh)
cosh = _unary_fn("cosh", P.Cosh)
asinh = arcsinh = _unary_fn("asinh", P.Asinh)
acosh = arccosh = _unary_fn("acosh", P.Acosh)
atanh = arctanh = _unary_fn("atanh", P.Atanh)
erf = _unary_fn("erf", P.Erf)
erfc = _unary_fn("erfc", P.Erfc)
erfinv = _unary_fn("erfinv", P.Erfinv)
lgamma = _unary_fn("lgamma", P.Lgamma)
digamma = _unary_fn("digamma", P.Digamma)
sinc = _unary_fn("sinc", P.Sinc)


def logit(input, eps=None):  # noqa: A002
    """``log(p / (1 - p))``; with ``eps`` the input is first clamped to
    ``[eps, 1 - eps]``. Shape: as the input."""
    check_tensor("logit", input)
    return P.Logit.apply(input, None if eps is None else float(eps))


def trunc(input):  # noqa: A002
    """Round toward zero (gradient 0 almost everywhere). Shape: as the input."""
    check_tensor("trunc", input)
    return P.Trunc.apply(input)


fix = trunc


def frac(input):  # noqa: A002
    """``input - trunc(input)``, sign kept. Shape: as the input."""
    check_tensor("frac", input)
    if not input.dtype.is_floating_point:
        raise NotImplementedError(f'"frac_cpu" not implemented for '
                           f"'{_torch_name(input)}'")
    return P.Frac.apply(input)


def _torch_name(t):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool"}.get(str(t._data.dtype), str(t._data.dtype))


def nan_to_num(input, nan=0.0, posinf=None, neginf=None):  # noqa: A002
    """Replace nan by ``nan``, +inf by ``posinf`` (default: the dtype's largest finite
    value) and -inf by ``neginf`` (default: the most negative). Shape: as the input."""
    check_tensor("nan_to_num", input)
    return P.NanToNum.apply(input, nan, posinf, neginf)


def _binary_fn(name, fn_cls, doc):
    def fn(input, other, *, out=None):  # noqa: A002
        if out is not None:
            raise TypeError(f"{name}(): the out= argument is not supported by cynn")
        if not isinstance(input, Tensor):
            if not isinstance(other, Tensor):
                check_tensor(name, input)
            input = Tensor._wrap(np.asarray(input, dtype=other._data.dtype))
        return fn_cls.apply(input, _operand(other))
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc + " Broadcasts ``input`` against ``other``."
    return fn


atan2 = arctan2 = _binary_fn("atan2", P.Atan2, "Quadrant-aware ``atan(input / other)``.")
hypot = _binary_fn("hypot", P.Hypot, "``sqrt(input**2 + other**2)``.")
fmod = _binary_fn("fmod", P.Fmod, "Remainder of truncated division (sign of ``input``).")
xlogy = _binary_fn("xlogy", P.Xlogy, "``input * log(other)``, 0 where ``input == 0``.")
logaddexp = _binary_fn("logaddexp", P.Logaddexp, "``log(exp(input) + exp(other))``, stable.")
logaddexp2 = _binary_fn("logaddexp2", P.Logaddexp2, "``log2(2**input + 2**other)``, stable.")
copysign = _binary_fn("copysign", P.Copysign, "``|input|`` with the sign of ``other``.")
fmax = _binary_fn("fmax", P.Fmax, "Elementwise maximum; a nan loses to a number.")
fmin = _binary_fn("fmin", P.Fmin, "Elementwise minimum; a nan loses to a number.")


def addcmul(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 * tensor2`` (broadcast). Shape: the broadcast shape."""
    check_tensor("addcmul", input)
    return input + (tensor1 * tensor2) * value if value != 1 else input + tensor1 * tensor2


def addcdiv(input, tensor1, tensor2, *, value=1):  # noqa: A002
    """``input + value * tensor1 / tensor2`` (broadcast). Integer division is refused,
    as torch does. Shape: the broadcast shape."""
    check_tensor("addcdiv", input)
    if not (tensor1.dtype.is_floating_point or tensor2.dtype.is_floating_point):
        raise RuntimeError(
            "Integer division with addcdiv is no longer supported, and in a future release "
            "addcdiv will perform a true division of tensor1 and tensor2. The historic "
            "addcdiv behavior can be implemented as (input + value * torch.trunc(tensor1 / "
            "tensor2)).to(input.dtype) for integer inputs and as (input + value * tensor1 / "
            "tensor2) for float inputs. The future addcdiv behavior is just the latter "
            "implementation: (input + value * tensor1 / tensor2), for all dtypes.")
    return input + (tensor1 / tensor2) * value if value != 1 else input + tensor1 / tensor2


def lerp(input, end, weight):  # noqa: A002
    """``input + weight * (end - input)``; ``weight`` a number or a tensor.
    Shape: the broadcast shape."""
    check_tensor("lerp", input)
    return input + weight * (_operand(end) - input)


def float_power(input, exponent):  # noqa: A002
    """``input ** exponent`` computed in float64. Shape: the broadcast shape."""
    from .. import _dtype
    base = input.to(_dtype.float64) if isinstance(input, Tensor) else \
        Tensor._wrap(np.asarray(input, np.float64))
    if isinstance(exponent, Tensor):
        exponent = exponent.to(_dtype.float64)
    return base.pow(exponent)


def ldexp(input, other):  # noqa: A002
    """``input * 2 ** other``. Shape: the broadcast shape."""
    check_tensor("ldexp", input)
    return input * exp2(_operand(other)) if isinstance(other, Tensor) else input * (2.0 ** other)


def deg2rad(input):  # noqa: A002
    """Degrees to radians. Shape: as the input."""
    check_tensor("deg2rad", input)
    return input * (np.pi / 180.0)


def rad2deg(input):  # noqa: A002
    """Radians to degrees. Shape: as the input."""
    check_tensor("rad2deg", input)
    return input * (180.0 / np.pi)


def heaviside(input, values):  # noqa: A002
    """0 where ``input < 0``, ``values`` where ``input == 0``, 1 where ``input > 0``
    (not differentiable). Shape: the broadcast shape."""
    check_tensor("heaviside", input)
    if input.dtype != values.dtype:
        raise RuntimeError("heaviside is not yet implemented for tensors with different dtypes")
    return Tensor._wrap(np.asarray(np.heaviside(input._data, values._data)).astype(
        input._data.dtype, copy=False))


def _logical(name, ufunc):
    def fn(input, other):  # noqa: A002
        check_tensor(name, input)
        return input._compare(ufunc, other)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{name}`` of the truth values (bool result)."
    return fn


logical_and = _logical("logical_and", np.logical_and)
logical_or = _logical("logical_or", np.logical_or)
logical_xor = _logical("logical_xor", np.logical_xor)


def isclose(input, other, rtol=1e-05, atol=1e-08, equal_nan=False):  # noqa: A002
    """``|input - other| <= atol + rtol * |other|`` elementwise (bool), as torch."""
    check_tensor("isclose", input)
    if input.dtype != _operand(other).dtype:
        raise RuntimeError(f"{input.dtype} did not match {_operand(other).dtype}")
    if rtol < 0:
        raise RuntimeError(f"rtol must be greater than or equal to zero, but got {rtol}")
    if atol < 0:
        raise RuntimeError(f"atol must be greater than or equal to zero, but got {atol}")
    return input._compare(lambda a, b: np.isclose(a, b, rtol=rtol, atol=atol,
                                                    equal_nan=equal_nan), other)


def isneginf(input):  # noqa: A002
    check_tensor("isneginf", input)
    return Tensor._wrap(np.isneginf(input._data))


def isposinf(input):  # noqa: A002
    check_tensor("isposinf", input)
    return Tensor._wrap(np.isposinf(input._data))


def isreal(input):  # noqa: A002
    """All True: cynn has no complex dtypes."""
    check_tensor("isreal", input)
    return Tensor._wrap(np.ones(input._data.shape, np.bool_))


def signbit(input):  # noqa: A002
    check_tensor("signbit", input)
    return Tensor._wrap(np.signbit(input._data))


def sgn(input):  # noqa: A002
    """``sign`` (cynn has no complex dtypes)."""
    check_tensor("sgn", input)
    return input.sign()


def positive(input):  # noqa: A002
    """``input`` itself (bool refused, as torch)."""
    check_tensor("positive", input)
    if input._data.dtype == np.bool_:
        raise RuntimeError("The `+` operator, on a bool tensor is not supported.")
    return input


def clamp_min(input, min):  # noqa: A002
    return input.clamp(min=min)


def clamp_max(input, max):  # noqa: A002
    return input.clamp(max=max)


def rsub(input, other, *, alpha=1):  # noqa: A002
    """``other - alpha * input``."""
    check_tensor("rsub", input)
    return _operand(other) - input * alpha if alpha != 1 else _operand(other) - input


# Tensor methods this family adds, and which of them get an in-place ``name_`` twin.
METHODS = list(__all__)
INPLACE = ["log1p", "expm1", "log2", "log10", "exp2", "tan", "asin", "acos", "atan", "sinh",
           "cosh", "asinh", "acosh", "atanh", "arcsin", "arccos", "arctan", "arcsinh",
           "arccosh", "arctanh", "erf", "erfc", "erfinv", "lgamma", "digamma", "sinc",
           "logit", "trunc", "fix", "frac", "nan_to_num", "atan2", "arctan2", "hypot",
           "fmod", "xlogy", "copysign", "addcmul", "addcdiv", "lerp", "float_power", "ldexp",
           "deg2rad", "rad2deg", "heaviside", "logical_and", "logical_or", "logical_xor",
           "sgn", "clamp_min", "clamp_max"]
