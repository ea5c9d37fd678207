"""Pooling layers: max, average, adaptive and max-unpooling (one ``F`` call each).

Attributes keep the values as given (``MaxPool2d(2).kernel_size == 2``) except
where PyTorch normalises them to tuples (``AvgPool1d``, ``MaxUnpool2d``), so that
``repr`` reads exactly as PyTorch's.
"""
from .. import functional as F
from .conv import _pair, _single
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxUnpool2d", "AvgPool1d", "AvgPool2d",
           "AdaptiveAvgPool2d", "AdaptiveMaxPool2d"]


class _MaxPoolNd(Module):
    def __init__(self, kernel_size, stride=None, padding=0, dilation=1, return_indices=False,
                 ceil_mode=False):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.dilation = dilation
        self.return_indices = return_indices
        self.ceil_mode = ceil_mode

    def extra_repr(self):
        return ("kernel_size={kernel_size}, stride={stride}, padding={padding}, "
                "dilation={dilation}, ceil_mode={ceil_mode}".format(**self.__dict__))


class MaxPool1d(_MaxPoolNd):
    """1-D max pooling over ``(N, C, L)`` or ``(C, L)``.

    Args:
        kernel_size: window length. stride: step (default ``kernel_size``).
        padding: implicit -inf padding on both sides (at most half the kernel).
        dilation: spacing of the window taps. return_indices: also return the
        argmax positions. ceil_mode: round the output length up.

    Shape:
        ``L_out = floor((L + 2 * padding - dilation * (kernel_size - 1) - 1) / stride
        + 1)``.
    """

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.max_pool1d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxPool2d(_MaxPoolNd):
    """2-D max pooling over ``(N, C, H, W)`` or ``(C, H, W)``; arguments as
    ``MaxPool1d``, each an int or an ``(h, w)`` pair.

    Shape:
        ``H_out = floor((H + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
        / stride[0] + 1)``, likewise ``W_out``.

    Example::

        >>> nn.MaxPool2d(3, stride=2)(cynn.randn(20, 16, 50, 32)).shape
        cynn.Size([20, 16, 24, 15])
    """

    def forward(self, input):  # noqa: A002
        return F.max_pool2d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class MaxUnpool2d(Module):
    """Partial inverse of ``MaxPool2d``: puts each value at the position its index
    names and zeros elsewhere. ``forward(input, indices, output_size=None)``.

    Shape:
        ``H_out = (H - 1) * stride[0] - 2 * padding[0] + kernel_size[0]`` (or
        ``output_size``), likewise ``W_out``.
    """

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = _pair(kernel_size)
        self.stride = _pair(stride if stride is not None else kernel_size)
        self.padding = _pair(padding)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return F.max_unpool2d(input, indices, self.kernel_size, self.stride, self.padding,
                              output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool1d(Module):
    """1-D average pooling over ``(N, C, L)`` or ``(C, L)``.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zero padding, at
        most half the kernel); ceil_mode: round the output length up;
        count_include_pad: count padded zeros in the divisor. Default: ``True``.
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True):
        super().__init__()
        self.kernel_size = _single(kernel_size)
        self.stride = _single(stride if stride is not None else kernel_size)
        self.padding = _single(padding)
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad

    def forward(self, input):  # noqa: A002
        return F.avg_pool1d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(Module):
    """2-D average pooling over ``(N, C, H, W)`` or ``(C, H, W)``; arguments as
    ``AvgPool1d`` plus ``divisor_override`` (divide every window by this instead).

    Example::

        >>> nn.AvgPool2d((3, 2), stride=(2, 1))(cynn.randn(20, 16, 50, 32)).shape
        cynn.Size([20, 16, 24, 31])
    """

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def forward(self, input):  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AdaptiveAvgPool2d(Module):
    """Average pooling to a fixed ``output_size`` (int, or ``(h, w)`` where ``None``
    keeps the input's size), whatever the input size.

    Example::

        >>> nn.AdaptiveAvgPool2d((5, None))(cynn.randn(1, 64, 8, 9)).shape
        cynn.Size([1, 64, 5, 9])
    """

    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)

    def extra_repr(self):
        return f"output_size={self.output_size}"


class AdaptiveMaxPool2d(Module):
    """Max pooling to a fixed ``output_size``; ``return_indices`` also returns the
    argmax positions."""

    def __init__(self, output_size, return_indices=False):
        super().__init__()
        self.output_size = output_size
        self.return_indices = return_indices

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)

    def extra_repr(self):
        return f"output_size={self.output_size}"
