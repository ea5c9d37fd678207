"""The special functions with an order or a second argument: the regularized incomplete
gamma functions ``igamma``/``igammac`` (``P(a, x)``, ``Q(a, x)``) and ``polygamma``.

``Tensor.polygamma(n)`` takes the order as its argument (``self`` is the input), unlike
the function ``cynn.polygamma(n, input)``: it is installed by ``install_methods``.
"""
from .. import _dtype
from .._tensor import Tensor
from ..autograd.functions import special as S
from ._checks import check_tensor

__all__ = ["igamma", "igammac", "polygamma"]
METHODS = ["igamma", "igammac"]
INPLACE = ["igamma", "igammac"]


def _incomplete_gamma(name, fn_cls, doc):
    def fn(input, other, *, out=None):  # noqa: A002
        check_tensor(name, input, "input", 1)
        check_tensor(name, other, "other", 2)
        if out is not None:
            raise TypeError(f"{name}(): the out= argument is not supported by cynn")
        if not input.dtype.is_floating_point and not other.dtype.is_floating_point:
            raise NotImplementedError(f'"{name}_cpu" not implemented for '
                                      f"'{_torch_type(input)}'")
        return fn_cls.apply(input, other)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = doc
    return fn


def _torch_type(t):
    return {"int64": "Long", "int32": "Int", "int16": "Short", "int8": "Char",
            "uint8": "Byte", "bool": "Bool"}.get(str(t._data.dtype), str(t._data.dtype))


igamma = _incomplete_gamma("igamma", S.Igamma, r"""The regularized lower incomplete gamma
function ``P(a, x) = 1 / Gamma(a) * integral_0^x t^(a-1) e^(-t) dt`` with ``a = input``,
``x = other`` (``cynn.special.gammainc``); nan where ``a < 0`` or ``x < 0``.

Shape: ``input`` and ``other`` broadcast; integers promote to the default float.
Differentiable in ``other`` only; asking for the gradient of ``input`` raises
NotImplementedError, as in torch.

Example::

    >>> cynn.igamma(cynn.tensor([1.0, 2.0]), cynn.tensor([0.5, 3.0]))
    tensor([0.3935, 0.8009])
""")

igammac = _incomplete_gamma("igammac", S.Igammac, r"""The regularized upper incomplete gamma
function ``Q(a, x) = 1 - P(a, x)`` with ``a = input``, ``x = other``
(``cynn.special.gammaincc``). Shape, promotion and gradients as ``igamma``.
""")


def polygamma(n, input):  # noqa: A002
    """``psi^(n)(input)``, the ``n``-th derivative of digamma (n = 0: digamma, n = 1:
    trigamma). Shape: as ``input``; integers promote to the default float.
    Differentiable: the gradient is ``polygamma(n + 1, input)``."""
    check_tensor("polygamma", input, "input", 2)
    if n < 0:
        raise RuntimeError("polygamma(n, x) does not support negative n.")
    x = input if input.dtype.is_floating_point else input.to(_dtype.get_default_dtype())
    return S.Polygamma.apply(x, int(n))


def _polygamma_method(self, n):
    """``cynn.polygamma(n, self)``."""
    return polygamma(n, self)


def _polygamma_inplace(self, n):
    """In-place ``polygamma(n, self)``."""
    return self._inplace(lambda current: polygamma(n, current))


def install_methods():
    _polygamma_method.__name__ = _polygamma_method.__qualname__ = "polygamma"
    _polygamma_inplace.__name__ = _polygamma_inplace.__qualname__ = "polygamma_"
    Tensor.polygamma = _polygamma_method
    Tensor.polygamma_ = _polygamma_inplace
