"""The long tail of torch's tensor API: comparison aliases (``greater``, ``less``...),
bitwise ops, number-theory and special functions (``gcd``, ``lcm``, ``frexp``,
``nextafter``, ``i0``, ``mvlgamma``), statistics (``cov``, ``corrcoef``,
``dist``, ``renorm``), sliding windows (``Tensor.unfold``), window functions, dtype
queries (``finfo``, ``iinfo``, ``promote_types``, ``result_type``, ``can_cast``), the
``*_copy`` forms of views, and predicates (``is_signed``, ``is_nonzero``...).
"""
import math

import numpy as np

from .. import _dtype
from .._tensor import Tensor, _canon_dim, _operand
from ._checks import check_tensor

__all__ = ["greater", "greater_equal", "less", "less_equal", "not_equal", "absolute",
           "floor_divide", "remainder", "bitwise_and", "bitwise_or", "bitwise_xor",
           "bitwise_not", "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm", "frexp",
           "nextafter", "i0", "mvlgamma", "dist", "renorm", "cov", "corrcoef",
           "real", "angle", "is_signed", "is_nonzero", "is_same_size", "is_neg",
           "is_inference", "hann_window", "hamming_window", "bartlett_window",
           "blackman_window", "kaiser_window", "logspace", "vander", "unravel_index",
           "trapezoid", "trapz", "cumulative_trapezoid", "finfo", "iinfo", "promote_types",
           "result_type", "can_cast", "e", "pi", "inf", "nan", "newaxis", "adjoint",
           "detach_copy", "diagonal_copy", "expand_copy", "permute_copy", "select_copy",
           "slice_copy", "split_copy", "squeeze_copy", "t_copy", "transpose_copy",
           "unbind_copy", "unsqueeze_copy", "view_copy", "alias_copy", "unfold_copy",
           "split_with_sizes_copy", "unsafe_chunk", "unsafe_split", "unsafe_split_with_sizes"]

_FUNCTIONS_ONLY = {"hann_window", "hamming_window", "bartlett_window", "blackman_window",
                   "kaiser_window", "logspace", "vander", "unravel_index", "trapezoid", "trapz",
                   "cumulative_trapezoid", "finfo", "iinfo", "promote_types", "result_type",
                   "can_cast", "e", "pi", "inf", "nan", "newaxis", "detach_copy",
                   "diagonal_copy", "expand_copy", "permute_copy", "select_copy", "slice_copy",
                   "split_copy", "squeeze_copy", "t_copy", "transpose_copy", "unbind_copy",
                   "unsqueeze_copy", "view_copy", "alias_copy", "unfold_copy",
                   "split_with_sizes_copy", "is_inference", "is_neg"}

e = math.e
pi = math.pi
inf = math.inf
nan = math.nan
newaxis = None


def _compare(name, method):
    def fn(input, other):  # noqa: A002
        check_tensor(name, input)
        return getattr(input, method)(other)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Alias of ``{method}``."
    return fn


greater = _compare("greater", "gt")
greater_equal = _compare("greater_equal", "ge")
less = _compare("less", "lt")
less_equal = _compare("less_equal", "le")
not_equal = _compare("not_equal", "ne")


def absolute(input):  # noqa: A002
    """Alias of ``abs``."""
    check_tensor("absolute", input)
    return input.abs()


def floor_divide(input, other):  # noqa: A002
    """``input // other``, rounding toward minus infinity."""
    if not isinstance(input, Tensor):
        return _operand(other).__rfloordiv__(input)
    return input // other


def remainder(input, other):  # noqa: A002
    """``input % other`` (the sign of the divisor, as Python's)."""
    if not isinstance(input, Tensor):
        return _operand(other).__rmod__(input)
    return input % other


def _integral(name, x):
    if x._data.dtype.kind not in "biu":
        raise NotImplementedError(f"\"{name}_cpu\" not implemented for '{_scalar_name(x)}'")


def _scalar_name(t):
    return {"float32": "Float", "float64": "Double", "float16": "Half", "int64": "Long",
            "int32": "Int", "int16": "Short", "int8": "Char", "uint8": "Byte",
            "bool": "Bool"}[str(t._data.dtype)]


def _bitwise(name, ufunc, kernel):
    def fn(input, other):  # noqa: A002
        a = input if isinstance(input, Tensor) else Tensor._wrap(np.asarray(input))
        b = _operand(other)
        _integral(kernel, a)
        if isinstance(b, Tensor):
            _integral(kernel, b)
        return a._compare(ufunc, b)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"Elementwise ``{ufunc.__name__}`` of integer (or bool) tensors."
    return fn


bitwise_and = _bitwise("bitwise_and", np.bitwise_and, "bitwise_and")
bitwise_or = _bitwise("bitwise_or", np.bitwise_or, "bitwise_or")
bitwise_xor = _bitwise("bitwise_xor", np.bitwise_xor, "bitwise_xor")
bitwise_left_shift = _bitwise("bitwise_left_shift", np.left_shift, "lshift")
bitwise_right_shift = _bitwise("bitwise_right_shift", np.right_shift, "rshift")


def bitwise_not(input):  # noqa: A002
    """Elementwise NOT of an integer (or bool) tensor."""
    check_tensor("bitwise_not", input)
    _integral("bitwise_not", input)
    return ~input


def gcd(input, other):  # noqa: A002
    """Elementwise greatest common divisor of integer tensors."""
    check_tensor("gcd", input)
    _integral("gcd", input)
    return input._compare(np.gcd, other)


def lcm(input, other):  # noqa: A002
    """Elementwise least common multiple of integer tensors."""
    check_tensor("lcm", input)
    _integral("lcm", input)
    return input._compare(np.lcm, other)


def frexp(input):  # noqa: A002
    """``(mantissa, exponent)`` with ``input = mantissa * 2 ** exponent``,
    ``0.5 <= |mantissa| < 1``."""
    check_tensor("frexp", input)
    if not input.dtype.is_floating_point:
        raise RuntimeError("torch.frexp() only supports floating-point dtypes")
    mantissa, exponent = np.frexp(input._data)
    return _Frexp(Tensor._wrap(mantissa), Tensor._wrap(exponent.astype(np.int32)))


class _Frexp(tuple):
    __slots__ = ()

    def __new__(cls, mantissa, exponent):
        return super().__new__(cls, (mantissa, exponent))

    mantissa = property(lambda self: self[0])
    exponent = property(lambda self: self[1])


def nextafter(input, other):  # noqa: A002
    """The next float after ``input`` toward ``other`` (not differentiable)."""
    check_tensor("nextafter", input)
    other = _operand(other)
    target = other._data if isinstance(other, Tensor) else np.asarray(other, input._data.dtype)
    return Tensor._wrap(np.asarray(np.nextafter(input._data, target)))


def i0(input):  # noqa: A002
    """The modified Bessel function of the first kind, order 0 (numpy's ``i0``)."""
    check_tensor("i0", input)
    x = input._data if input.dtype.is_floating_point else \
        input._data.astype(_dtype.get_default_dtype().numpy)
    return Tensor._wrap(np.asarray(np.i0(x)).astype(x.dtype, copy=False))


def mvlgamma(input, p):  # noqa: A002
    """The log of the multivariate gamma function of dimension ``p``:
    ``sum_{i<p} lgamma(x - i/2) + p (p - 1) / 4 log(pi)``."""
    check_tensor("mvlgamma", input)
    if p < 1:
        raise RuntimeError("p has to be greater than or equal to 1")
    if bool((input <= (p - 1) / 2).any()):
        raise RuntimeError(f"All elements must be greater than (p-1)/2")
    total = input.lgamma()
    for i in range(1, p):
        total = total + (input - i / 2).lgamma()
    return total + p * (p - 1) / 4 * math.log(math.pi)


def dist(input, other, p=2):  # noqa: A002
    """The ``p``-norm of ``input - other`` (broadcast)."""
    check_tensor("dist", input)
    return (input - other).norm(p)


def renorm(input, p, dim, maxnorm):  # noqa: A002
    """Each slice along ``dim`` rescaled so that its ``p``-norm is at most ``maxnorm``."""
    check_tensor("renorm", input)
    d = _canon_dim(dim, input.dim())
    others = tuple(i for i in range(input.dim()) if i != d)
    from .._creation import where
    norms = input.norm(p, others, keepdim=True)
    over = Tensor._wrap(norms._data > maxnorm)
    # the scale is differentiated through the norm, as torch's renorm is
    return input * where(over, maxnorm / (norms + 1e-7), 1.0)


def cov(input, *, correction=1, fweights=None, aweights=None):  # noqa: A002
    """Covariance of the rows (variables) of a 1-d or 2-d ``input`` over its columns
    (observations), with optional frequency and analytic weights."""
    check_tensor("cov", input)
    if input.dim() > 2:
        raise ValueError(f"cov(): expected input to have two or fewer dimensions but got an "
                         f"input with {input.dim()} dimensions")
    x = input.reshape(1, -1) if input.dim() < 2 else input
    if not x.dtype.is_floating_point:
        x = x.float()
    n_obs = x.shape[1]
    w = None
    if fweights is not None:
        w = fweights.to(x.dtype)
    if aweights is not None:
        w = aweights.to(x.dtype) if w is None else w * aweights.to(x.dtype)
    if w is None:
        w_sum = float(n_obs)
        avg = x.mean(1, keepdim=True)
        norm = w_sum - correction
    else:
        w_sum = w.sum()
        avg = (x * w).sum(1, keepdim=True) / w_sum
        if aweights is None or correction == 0:
            norm = w_sum - correction
        else:
            norm = w_sum - correction * (w * aweights.to(x.dtype)).sum() / w_sum
    centered = x - avg
    weighted = centered * w if w is not None else centered
    c = weighted @ centered.t() / norm
    return c.reshape(()) if input.dim() < 2 else c


def corrcoef(input):  # noqa: A002
    """Pearson correlation coefficients of the rows of ``input``, clipped to [-1, 1]."""
    c = cov(input)
    if c.dim() == 0:
        return c / c
    d = c.diagonal()
    stddev = d.sqrt()
    return (c / stddev.unsqueeze(1) / stddev.unsqueeze(0)).clamp(-1, 1)


def real(input):  # noqa: A002
    """``input`` itself: cynn's tensors are real."""
    check_tensor("real", input)
    return input


def angle(input):  # noqa: A002
    """``pi`` where ``input < 0``, 0 elsewhere (nan kept): the argument of a real number."""
    check_tensor("angle", input)
    x = input if input.dtype.is_floating_point else input.float()
    return Tensor._wrap(np.where(np.isnan(x._data), x._data,
                                 np.where(x._data < 0, np.pi, 0.0)).astype(x._data.dtype))


def is_signed(input):  # noqa: A002
    """Whether the dtype has a sign (every dtype but uint8 and bool)."""
    return input._data.dtype.kind in "fi"


def is_nonzero(input):  # noqa: A002
    """The truth of a one-element tensor; raises for any other size, as torch."""
    n = input.numel()
    if n == 0:
        raise RuntimeError("Boolean value of Tensor with no values is ambiguous")
    if n > 1:
        raise RuntimeError("Boolean value of Tensor with more than one value is ambiguous")
    return bool(input._data.reshape(-1)[0])


def is_same_size(input, other):  # noqa: A002
    return tuple(input.shape) == tuple(other.shape)


def is_neg(input):  # noqa: A002
    """Always False: cynn has no lazy negation bit."""
    return False


def is_inference(input):  # noqa: A002
    """Whether ``input`` was created in inference mode."""
    return bool(getattr(input, "_inference", False))


def adjoint(input):  # noqa: A002
    """The (conjugate) transpose of the last two dims; cynn is real, so a transpose."""
    check_tensor("adjoint", input)
    return input.transpose(-2, -1)


def _window(name, values):
    def window(window_length, periodic=True, *, dtype=None, layout=None, device=None,
               requires_grad=False, **params):
        if window_length < 0:
            raise RuntimeError(f"{name} requires non-negative window_length, got "
                               f"window_length={window_length}")
        dt = (_dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype))
        if window_length == 0:
            data = np.zeros(0)
        elif window_length == 1:
            data = np.ones(1)
        else:
            n = window_length + 1 if periodic else window_length
            data = values(n, **params)[:window_length]
        t = Tensor._wrap(np.asarray(data, dt.numpy))
        return t.requires_grad_() if requires_grad else t
    window.__name__ = window.__qualname__ = name
    window.__doc__ = (f"The {name.split('_')[0].capitalize()} window of ``window_length`` "
                      f"points (``periodic``: the first ``window_length`` of one point more). "
                      f"Shape: ``(window_length,)``.")
    return window


hann_window = _window("hann_window", lambda n: np.hanning(n))
hamming_window = _window("hamming_window",
                         lambda n, alpha=0.54, beta=0.46: alpha - beta * np.cos(
                             2 * np.pi * np.arange(n) / (n - 1)))
bartlett_window = _window("bartlett_window", lambda n: np.bartlett(n))
blackman_window = _window("blackman_window", lambda n: np.blackman(n))
kaiser_window = _window("kaiser_window", lambda n, beta=12.0: np.kaiser(n, beta))


def logspace(start, end, steps, base=10.0, *, dtype=None, layout=None, device=None,
             requires_grad=False):
    """``steps`` points ``base ** linspace(start, end)``. Shape: ``(steps,)``."""
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    values = np.power(float(base), np.linspace(float(start), float(end), int(steps)))
    t = Tensor._wrap(values.astype(dt.numpy))
    return t.requires_grad_() if requires_grad else t


def vander(x, N=None, increasing=False):
    """The Vandermonde matrix of the 1-d ``x``: columns ``x ** (N - 1) ... x ** 0``
    (ascending powers with ``increasing``). Shape: ``(len(x), N)``."""
    check_tensor("vander", x, "x")
    if x.dim() != 1:
        raise RuntimeError("x must be a one-dimensional tensor.")
    n = x.shape[0] if N is None else N
    if n < 0:
        raise RuntimeError("N must be non-negative.")
    from .._creation import ones, stack
    powers = [x ** k if k else ones(x.shape[0], dtype=x.dtype) for k in range(n)]
    out = stack(powers, 1) if powers else x.reshape(-1, 1)[:, :0]
    return out if increasing else out.flip(1)


def unravel_index(indices, shape):
    """The coordinates of flat ``indices`` in a tensor of ``shape``, one tensor per dim."""
    idx = indices._data if isinstance(indices, Tensor) else np.asarray(indices)
    if idx.dtype.kind not in "iu":
        raise TypeError("expected 'indices' to be integer dtype, but got "
                        f"{indices.dtype if isinstance(indices, Tensor) else idx.dtype}")
    shape = (shape,) if isinstance(shape, int) else tuple(shape)
    size = int(np.prod(shape)) if shape else 1
    if idx.size and (idx.min() < -size or idx.max() >= size):
        raise RuntimeError("index is out of bounds for shape")
    return tuple(Tensor._wrap(np.asarray(c, np.int64))
                 for c in np.unravel_index(np.where(idx < 0, idx + size, idx), shape))


def trapezoid(y, x=None, *, dx=None, dim=-1):
    """The trapezoidal-rule integral of ``y`` along ``dim`` (spacing ``x`` or ``dx``)."""
    check_tensor("trapezoid", y, "y")
    d = _canon_dim(dim, y.dim())
    n = y.shape[d]
    if n == 0:
        return y.sum(d)
    left, right = y.narrow(d, 0, n - 1), y.narrow(d, 1, n - 1)
    if x is not None:
        spacing = x.diff(dim=-1 if x.dim() == 1 else d)
        if x.dim() == 1:
            shape = [1] * y.dim()
            shape[d] = n - 1
            spacing = spacing.reshape(*shape)
        return ((left + right) * spacing).sum(d) / 2
    return (left + right).sum(d) * ((1.0 if dx is None else dx) / 2)


trapz = trapezoid


def cumulative_trapezoid(y, x=None, *, dx=None, dim=-1):
    """The running trapezoidal integral of ``y`` along ``dim``. Shape: ``dim`` one shorter."""
    check_tensor("cumulative_trapezoid", y, "y")
    d = _canon_dim(dim, y.dim())
    n = y.shape[d]
    left, right = y.narrow(d, 0, max(n - 1, 0)), y.narrow(d, 1, max(n - 1, 0)) if n else y
    if x is not None:
        spacing = x.diff(dim=-1 if x.dim() == 1 else d)
        if x.dim() == 1:
            shape = [1] * y.dim()
            shape[d] = n - 1
            spacing = spacing.reshape(*shape)
        return ((left + right) * spacing / 2).cumsum(d)
    return ((left + right) * ((1.0 if dx is None else dx) / 2)).cumsum(d)


class finfo:
    """Machine limits of a floating dtype (``bits``, ``eps``, ``max``, ``min``, ``tiny``,
    ``smallest_normal``, ``resolution``), as ``torch.finfo``."""

    def __init__(self, type=None):  # noqa: A002
        dt = _dtype.get_default_dtype() if type is None else _dtype.to_dtype(type)
        if dt.numpy.kind != "f":
            raise TypeError(f"torch.finfo() requires a floating point input type. Use "
                            f"torch.iinfo to handle '{type}'")
        info = np.finfo(dt.numpy)
        self.bits, self.eps = info.bits, float(info.eps)
        self.max, self.min = float(info.max), float(info.min)
        self.tiny = self.smallest_normal = float(info.tiny)
        self.resolution = 10.0 ** -int(info.precision)
        self.dtype = dt.name

    def __repr__(self):
        return (f"finfo(resolution={self.resolution:g}, min={self.min:g}, max={self.max:g}, "
                f"eps={self.eps:g}, smallest_normal={self.smallest_normal:g}, "
                f"tiny={self.tiny:g}, dtype={self.dtype})")


class iinfo:
    """Limits of an integer dtype (``bits``, ``max``, ``min``), as ``torch.iinfo``."""

    def __init__(self, type):  # noqa: A002
        dt = _dtype.to_dtype(type)
        if dt.numpy.kind not in "iub":
            raise TypeError(f"torch.iinfo() requires an integer input type. Use torch.finfo "
                            f"to handle '{type}'")
        info = np.iinfo(np.uint8 if dt.numpy.kind == "b" else dt.numpy)
        self.bits, self.max, self.min = info.bits, int(info.max), int(info.min)
        self.dtype = dt.name

    def __repr__(self):
        return f"iinfo(min={self.min}, max={self.max}, dtype={self.dtype})"


def promote_types(type1, type2):
    """The dtype two tensors of these dtypes promote to."""
    a, b = _dtype.to_dtype(type1).numpy, _dtype.to_dtype(type2).numpy
    return _dtype.from_numpy_dtype(_dtype.result_type(np.empty(1, a), np.empty(1, b)))


def result_type(tensor1, tensor2):
    """The dtype of an arithmetic op on these operands (tensors or numbers)."""
    raw = [t._data if isinstance(t, Tensor) else t for t in (tensor1, tensor2)]
    return _dtype.from_numpy_dtype(_dtype.result_type(*raw))


_KIND_ORDER = {"b": 0, "u": 1, "i": 1, "f": 2}


def can_cast(from_, to):
    """Whether torch's casting rules allow ``from_`` to ``to`` (no lower category)."""
    a, b = _dtype.to_dtype(from_).numpy, _dtype.to_dtype(to).numpy
    return _KIND_ORDER[a.kind] <= _KIND_ORDER[b.kind]


def _copy_of(name, method):
    def fn(input, *args, **kwargs):  # noqa: A002
        check_tensor(name, input)
        out = getattr(input, method)(*args, **kwargs)
        if isinstance(out, (tuple, list)):
            return type(out)(o.clone() for o in out)
        return out.clone()
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``{method}`` as a copy, not a view."
    return fn


detach_copy = _copy_of("detach_copy", "detach")
diagonal_copy = _copy_of("diagonal_copy", "diagonal")
expand_copy = _copy_of("expand_copy", "expand")
permute_copy = _copy_of("permute_copy", "permute")
select_copy = _copy_of("select_copy", "select")
slice_copy = _copy_of("slice_copy", "narrow")
split_copy = _copy_of("split_copy", "split")
split_with_sizes_copy = _copy_of("split_with_sizes_copy", "split")
squeeze_copy = _copy_of("squeeze_copy", "squeeze")
t_copy = _copy_of("t_copy", "t")
transpose_copy = _copy_of("transpose_copy", "transpose")
unbind_copy = _copy_of("unbind_copy", "unbind")
unsqueeze_copy = _copy_of("unsqueeze_copy", "unsqueeze")
view_copy = _copy_of("view_copy", "view")
alias_copy = _copy_of("alias_copy", "view_as")  # called as alias_copy(t, t)
unfold_copy = _copy_of("unfold_copy", "unfold")


def unsafe_chunk(input, chunks, dim=0):  # noqa: A002
    """``chunk`` (cynn's views carry no aliasing hazard to skip)."""
    return input.chunk(chunks, dim)


def unsafe_split(input, split_size, dim=0):  # noqa: A002
    return input.split(split_size, dim)


def unsafe_split_with_sizes(input, split_sizes, dim=0):  # noqa: A002
    return input.split(list(split_sizes), dim)


INPLACE = ["absolute", "bitwise_and", "bitwise_or", "bitwise_xor", "bitwise_not",
           "bitwise_left_shift", "bitwise_right_shift", "gcd", "lcm", "nextafter", "i0",
           "renorm", "floor_divide", "remainder"]

# In-place twins of methods the Tensor class defines itself (``cos_`` of ``cos``...).
TWINS_OF_METHODS = ["cos", "sin", "floor", "ceil", "round", "rsqrt", "reciprocal", "sign",
                    "square", "neg", "negative", "cumsum", "logical_not", "eq", "ne", "gt", "ge",
                    "lt", "le", "greater", "greater_equal", "less", "less_equal", "not_equal",
                    "floor_divide", "remainder", "multiply", "divide", "subtract",
                    "true_divide", "sqrt", "abs", "exp", "log"]


def _module_inplace(name):
    def fn(input, *args, **kwargs):  # noqa: A002
        check_tensor(name, input)
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``input.{name}(...)``: in place."
    return fn


# Module-level forms of in-place methods, as torch has them (``torch.exp_(t)``).
MODULE_INPLACE = ["abs_", "acos_", "acosh_", "arccos_", "arccosh_", "arcsin_", "arcsinh_",
                  "arctan_", "arctanh_", "asin_", "asinh_", "atan_", "atanh_", "ceil_", "clamp_",
                  "clamp_max_", "clamp_min_", "clip_", "cos_", "cosh_", "deg2rad_", "erf_",
                  "erfc_", "exp2_", "exp_", "expm1_", "fix_", "floor_", "frac_", "gcd_", "lcm_",
                  "ldexp_", "log10_", "log1p_", "log2_", "log_", "logit_", "nan_to_num_", "neg_",
                  "negative_", "rad2deg_", "reciprocal_", "round_", "rsqrt_", "sin_", "sinc_",
                  "sinh_", "sqrt_", "square_", "tan_", "trunc_", "xlogy_", "zero_", "fill_",
                  "i0_", "detach_", "index_put_"]
for _name in MODULE_INPLACE:
    globals()[_name] = _module_inplace(_name)
__all__ += MODULE_INPLACE
_FUNCTIONS_ONLY |= set(MODULE_INPLACE)
# aliases the Tensor class already defines (greater, remainder, ...) keep its methods
METHODS = [n for n in __all__ if n not in _FUNCTIONS_ONLY and n not in Tensor.__dict__]
