"""Module-level forms of Tensor methods: ``cynn.exp(x)`` is ``x.exp()``."""
from ._tensor import Tensor, _is_sparse, _operand

_UNARY = ["exp", "log", "sqrt", "rsqrt", "abs", "sin", "cos", "tanh", "sigmoid", "relu", "neg",
          "negative", "square", "sign", "floor", "ceil", "round", "reciprocal", "isnan",
          "isinf", "isfinite", "logical_not", "t", "numel", "flatten", "squeeze", "unsqueeze",
          "reshape", "view_as", "permute", "transpose", "chunk", "split", "unbind", "select",
          "narrow", "flip", "clone", "detach", "sum", "mean", "var", "std", "prod", "max",
          "min", "argmax", "argmin", "softmax", "log_softmax", "all", "any", "norm", "cumsum",
          "sort", "argsort", "topk", "nonzero", "unique", "clamp", "clip", "masked_fill",
          "matmul", "mm", "bmm", "dot", "eq", "ne", "gt", "ge", "lt", "le", "equal",
          "allclose", "maximum", "minimum", "expand_as", "repeat"]

__all__ = list(_UNARY) + ["add", "sub", "mul", "div", "pow", "true_divide", "multiply",
                          "subtract", "divide", "is_tensor", "numel", "is_floating_point",
                          "relu_", "sigmoid_", "tanh_"]


def _method(name):
    def fn(input, *args, **kwargs):  # noqa: A002 -- PyTorch's argument name
        if not isinstance(input, Tensor) and not (_is_sparse(input) and hasattr(input, name)):
            raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                            f"{type(input).__name__}")
        return getattr(input, name)(*args, **kwargs)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``cynn.{name}(input, ...)`` is ``input.{name}(...)``; see ``Tensor.{name}``."
    return fn


for _name in _UNARY:
    globals()[_name] = _method(_name)
relu_, sigmoid_, tanh_ = _method("relu_"), _method("sigmoid_"), _method("tanh_")


def _first_tensor(a, b, name):
    if isinstance(a, Tensor):
        return a, b
    if isinstance(b, Tensor):
        return Tensor._wrap(__import__("numpy").asarray(a)), b
    raise TypeError(f"{name}(): argument 'input' (position 1) must be Tensor, not "
                    f"{type(a).__name__}")


def add(input, other, *deprecated_other, alpha=1):  # noqa: A002
    """``input + alpha * other`` with broadcasting (also torch's deprecated
    ``add(input, Number alpha, Tensor other)``, with its warning)."""
    a, b = _first_tensor(input, other, "add")
    return a.add(b, *deprecated_other, alpha=alpha)


def sub(input, other, *deprecated_other, alpha=1):  # noqa: A002
    """``input - alpha * other`` with broadcasting (also torch's deprecated
    ``sub(input, Number alpha, Tensor other)``, with its warning)."""
    a, b = _first_tensor(input, other, "sub")
    return a.sub(b, *deprecated_other, alpha=alpha)


def mul(input, other):  # noqa: A002
    """Elementwise product with broadcasting."""
    if not isinstance(input, Tensor):
        return _operand(other).mul(input)
    return input.mul(other)


def div(input, other, *, rounding_mode=None):  # noqa: A002
    """Elementwise true division (integers give floats) with broadcasting."""
    a, b = _first_tensor(input, other, "div")
    return a.div(b, rounding_mode=rounding_mode)


def pow(input, exponent):  # noqa: A001,A002
    """``input ** exponent``; either may be a number."""
    if not isinstance(input, Tensor):
        return exponent.__rpow__(input)
    return input.pow(exponent)


true_divide = divide = div
multiply = mul
subtract = sub


def is_tensor(obj):
    return isinstance(obj, Tensor)


def is_floating_point(input):  # noqa: A002
    return input.is_floating_point()
