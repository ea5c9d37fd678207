"""``Linear`` (``y = x W^T + b``) and ``Identity``."""
import math
import operator

from ... import _creation
from .. import functional as F
from .. import init
from ..parameter import Parameter
from .module import Module

__all__ = ["Identity", "Linear", "Bilinear"]

_HEAPTYPE = 1 << 9


def _type_name(value):
    """The type's name as PyTorch's argument parser prints it (C's ``tp_name``):
    ``float``, ``Tensor``, ``numpy.float64``."""
    t = type(value)
    if t.__module__ == "builtins" or t.__flags__ & _HEAPTYPE:
        return t.__name__
    return f"{t.__module__}.{t.__name__}"


def _check_features(in_features, out_features):
    """PyTorch's errors for the weight shape ``(out_features, in_features)``: TypeError
    for a size that is not an integer (``operator.index`` accepts ``int``, numpy
    integers and one-element integer tensors, as PyTorch does), RuntimeError for a
    negative one."""
    sizes = []
    for pos, value in enumerate((out_features, in_features)):
        try:
            sizes.append(operator.index(value))
        except (TypeError, ValueError, RuntimeError):
            name = _type_name(value)
            if pos == 0:
                raise TypeError("empty(): argument 'size' (position 1) must be tuple of ints, "
                                f"but found element of type {name} at pos 0") from None
            raise TypeError("empty(): argument 'size' failed to unpack the object at pos 2 "
                            f'with error "type must be tuple of ints,but got {name}"') from None
    for n in sizes:
        if n < 0:
            raise RuntimeError(f"Trying to create tensor with negative dimension {n}: {sizes}")
    return sizes


class Identity(Module):
    """Returns its input unchanged; any constructor arguments are ignored.

    Example::

        >>> m = nn.Identity(54, unused_argument1=0.1)
        >>> m(cynn.randn(128, 20)).shape
        cynn.Size([128, 20])
    """

    def __init__(self, *args, **kwargs):
        super().__init__()

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return input


class Linear(Module):
    """Applies ``y = x W^T + b``.

    Args:
        in_features (int): size of each input sample.
        out_features (int): size of each output sample.
        bias (bool): learn an additive bias. Default: ``True``.

    Shape:
        input ``(*, in_features)``, output ``(*, out_features)``.

    Attributes:
        weight: ``(out_features, in_features)``, initialised from U(-sqrt(k), sqrt(k))
            with k = 1 / in_features (``kaiming_uniform_`` with a = sqrt(5)).
        bias: ``(out_features,)``, from the same distribution.

    Example::

        >>> m = nn.Linear(20, 30)
        >>> m(cynn.randn(128, 20)).shape
        cynn.Size([128, 30])
    """

    def __init__(self, in_features, out_features, bias=True, device=None, dtype=None):
        out_size, in_size = _check_features(in_features, out_features)
        super().__init__()
        self.in_features = in_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_size, in_size), dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_creation.empty(out_size, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        """Re-draw ``weight`` and ``bias`` from PyTorch's default distribution."""
        init.kaiming_uniform_(self.weight, a=math.sqrt(5))
        if self.bias is not None:
            fan_in, _ = init._calculate_fan_in_and_fan_out(self.weight)
            bound = 1 / math.sqrt(fan_in) if fan_in > 0 else 0
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input):  # noqa: A002
        return F.linear(input, self.weight, self.bias)

    def extra_repr(self):
        return (f"in_features={self.in_features}, out_features={self.out_features}, "
                f"bias={self.bias is not None}")


class Bilinear(Module):
    """``y = x1^T A x2 + b``: one ``in1 x in2`` matrix per output feature.

    Args:
        in1_features, in2_features, out_features (int): sizes.
        bias (bool): learn a bias. Default: ``True``.

    Shape: ``(*, in1)`` and ``(*, in2)`` -> ``(*, out)``.

    Attributes:
        weight: ``(out_features, in1_features, in2_features)``, uniform in
            ``(-1/sqrt(in1), 1/sqrt(in1))``; bias ``(out_features,)``, the same.

    Example::

        >>> m = nn.Bilinear(20, 30, 40)
        >>> m(cynn.randn(128, 20), cynn.randn(128, 30)).shape
        cynn.Size([128, 40])
    """

    def __init__(self, in1_features, in2_features, out_features, bias=True, device=None,
                 dtype=None):
        super().__init__()
        self.in1_features, self.in2_features = in1_features, in2_features
        self.out_features = out_features
        self.weight = Parameter(_creation.empty((out_features, in1_features, in2_features),
                                                dtype=dtype, device=device))
        if bias:
            self.bias = Parameter(_creation.empty(out_features, dtype=dtype, device=device))
        else:
            self.register_parameter("bias", None)
        self.reset_parameters()

    def reset_parameters(self):
        bound = 1 / math.sqrt(self.weight.shape[1]) if self.weight.shape[1] else 0
        init.uniform_(self.weight, -bound, bound)
        if self.bias is not None:
            init.uniform_(self.bias, -bound, bound)

    def forward(self, input1, input2):
        return F.bilinear(input1, input2, self.weight, self.bias)

    def extra_repr(self):
        return (f"in1_features={self.in1_features}, in2_features={self.in2_features}, "
                f"out_features={self.out_features}, bias={self.bias is not None}")
