"""The plugin's layers: Modules over ``cynn_activations.functional``."""
from cynn.nn import Module

from . import functional as F

__all__ = ["SiLU", "Swish", "Mish", "GELU", "Hardswish"]


class SiLU(Module):
    r"""Sigmoid-weighted linear unit, elementwise: ``SiLU(x) = x * sigmoid(x)``.

    Args:
        inplace (bool): overwrite the input with the result. Default: ``False``.

    Shape:
        - Input: (*), any shape.
        - Output: (*), the same shape as the input.

    Example::

        >>> m = SiLU()
        >>> m(cynn.randn(2)).shape
        cynn.Size([2])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.silu(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class Swish(Module):
    r"""Swish (Ramachandran, Zoph and Le, 2017): ``Swish(x) = x * sigmoid(beta * x)``.

    With the default ``beta=1`` it is :class:`SiLU`.

    Args:
        beta (float): slope inside the sigmoid. Default: 1.0.
        inplace (bool): overwrite the input with the result. Default: ``False``.

    Shape:
        - Input: (*), any shape.
        - Output: (*), the same shape as the input.

    Example::

        >>> Swish(beta=2.0)
        Swish(beta=2.0)
    """

    def __init__(self, beta=1.0, inplace=False):
        super().__init__()
        self.beta = beta
        self.inplace = inplace

    def forward(self, input):
        return F.swish(input, beta=self.beta, inplace=self.inplace)

    def extra_repr(self):
        return f"beta={self.beta}" + (", inplace=True" if self.inplace else "")


class Mish(Module):
    r"""Mish (Misra, 2019), elementwise: ``Mish(x) = x * tanh(softplus(x))``.

    Args:
        inplace (bool): overwrite the input with the result. Default: ``False``.

    Shape:
        - Input: (*), any shape.
        - Output: (*), the same shape as the input.

    Example::

        >>> Mish()(cynn.zeros(3))
        tensor([0., 0., 0.])
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.mish(input, inplace=self.inplace)

    def extra_repr(self):
        return "inplace=True" if self.inplace else ""


class GELU(Module):
    r"""Gaussian error linear unit: ``GELU(x) = x * Phi(x)``, Phi the standard normal CDF.

    Args:
        approximate (str): ``'none'`` (exact, through erf) or ``'tanh'``
            (``x/2 * (1 + tanh(sqrt(2/pi) * (x + 0.044715 x^3)))``). Default: ``'none'``.

    Shape:
        - Input: (*), any shape.
        - Output: (*), the same shape as the input.

    Example::

        >>> GELU(approximate="tanh")
        GELU(approximate='tanh')
    """

    def __init__(self, approximate="none"):
        super().__init__()
        self.approximate = approximate

    def forward(self, input):
        return F.gelu(input, approximate=self.approximate)

    def extra_repr(self):
        return f"approximate={self.approximate!r}"


class Hardswish(Module):
    r"""Hardswish (Howard et al., MobileNetV3): ``Hardswish(x) = x * relu6(x + 3) / 6``.

    Args:
        inplace (bool): overwrite the input with the result. Default: ``False``.

    Shape:
        - Input: (*), any shape.
        - Output: (*), the same shape as the input.

    Example::

        >>> Hardswish()(cynn.tensor([-4., 0., 4.]))
        tensor([-0.,  0.,  4.])

    As in PyTorch, the ``repr`` does not show ``inplace``.
    """

    def __init__(self, inplace=False):
        super().__init__()
        self.inplace = inplace

    def forward(self, input):
        return F.hardswish(input, inplace=self.inplace)
