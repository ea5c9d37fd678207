"""Pooling layers: max, average, adaptive, power-average, fractional and
max-unpooling (one ``F`` call each).

Attributes keep the values as given (``MaxPool2d(2).kernel_size == 2``) except
where PyTorch normalises them to tuples (``AvgPool1d``, ``MaxUnpool1d/2d/3d``,
``FractionalMaxPool2d/3d``), so that ``repr`` reads exactly as PyTorch's.
"""
from .. import functional as F
from .conv import _pair, _single, _triple
from .module import Module

__all__ = ["MaxPool1d", "MaxPool2d", "MaxPool3d", "MaxUnpool1d", "MaxUnpool2d", "MaxUnpool3d",
           "AvgPool1d", "AvgPool2d", "AvgPool3d", "AdaptiveAvgPool1d", "AdaptiveAvgPool2d",
           "AdaptiveAvgPool3d", "AdaptiveMaxPool1d", "AdaptiveMaxPool2d", "AdaptiveMaxPool3d",
           "LPPool1d", "LPPool2d", "LPPool3d", "FractionalMaxPool2d", "FractionalMaxPool3d"]


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

    Example::

        >>> nn.MaxPool1d(3, stride=2)(cynn.randn(20, 16, 50)).shape
        cynn.Size([20, 16, 24])
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


class _MaxUnpoolNd(Module):
    """Max-unpooling; PyTorch keeps the arguments as tuples (``_expand``: ``_single``,
    ``_pair`` or ``_triple``) and calls ``_unpool`` (``F.max_unpool{1,2,3}d``)."""

    def __init__(self, kernel_size, stride=None, padding=0):
        super().__init__()
        self.kernel_size = self._expand(kernel_size)
        self.stride = self._expand(stride if stride is not None else kernel_size)
        self.padding = self._expand(padding)

    def forward(self, input, indices, output_size=None):  # noqa: A002
        return self._unpool(input, indices, self.kernel_size, self.stride, self.padding,
                            output_size)

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class MaxUnpool2d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool2d``: puts each value at the position its index
    names and zeros elsewhere. ``forward(input, indices, output_size=None)``.

    Shape:
        ``H_out = (H - 1) * stride[0] - 2 * padding[0] + kernel_size[0]`` (or
        ``output_size``), likewise ``W_out``.

    Example::

        >>> pool = nn.MaxPool2d(2, return_indices=True)
        >>> nn.MaxUnpool2d(2)(*pool(cynn.randn(1, 1, 4, 4))).shape
        cynn.Size([1, 1, 4, 4])
    """

    _unpool = staticmethod(F.max_unpool2d)
    _expand = staticmethod(_pair)


class AvgPool1d(Module):
    """1-D average pooling over ``(N, C, L)`` or ``(C, L)``.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zero padding, at
        most half the kernel); ceil_mode: round the output length up;
        count_include_pad: count padded zeros in the divisor. Default: ``True``.

    Shape:
        ``L_out = floor((L + 2 * padding - kernel_size) / stride + 1)``.

    Example::

        >>> nn.AvgPool1d(3, stride=2)(cynn.randn(20, 16, 50)).shape
        cynn.Size([20, 16, 24])
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


class _AvgPoolNd(Module):
    """``AvgPool2d`` and ``AvgPool3d``: the arguments kept as given."""

    def __init__(self, kernel_size, stride=None, padding=0, ceil_mode=False,
                 count_include_pad=True, divisor_override=None):
        super().__init__()
        self.kernel_size = kernel_size
        self.stride = stride if stride is not None else kernel_size
        self.padding = padding
        self.ceil_mode = ceil_mode
        self.count_include_pad = count_include_pad
        self.divisor_override = divisor_override

    def extra_repr(self):
        return f"kernel_size={self.kernel_size}, stride={self.stride}, padding={self.padding}"


class AvgPool2d(_AvgPoolNd):
    """2-D average pooling over ``(N, C, H, W)`` or ``(C, H, W)``; arguments as
    ``AvgPool1d`` plus ``divisor_override`` (divide every window by this instead).

    Shape:
        ``H_out = floor((H + 2 * padding[0] - kernel_size[0]) / stride[0] + 1)``,
        likewise ``W_out``.

    Example::

        >>> nn.AvgPool2d((3, 2), stride=(2, 1))(cynn.randn(20, 16, 50, 32)).shape
        cynn.Size([20, 16, 24, 31])
    """

    def forward(self, input):  # noqa: A002
        return F.avg_pool2d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class _AdaptivePoolNd(Module):
    def __init__(self, output_size):
        super().__init__()
        self.output_size = output_size

    def extra_repr(self):
        return f"output_size={self.output_size}"


class _AdaptiveMaxPoolNd(_AdaptivePoolNd):
    def __init__(self, output_size, return_indices=False):
        super().__init__(output_size)
        self.return_indices = return_indices


class AdaptiveAvgPool2d(_AdaptivePoolNd):
    """Average pooling to a fixed ``output_size`` (int, or ``(h, w)`` where ``None``
    keeps the input's size), whatever the input size.

    Shape:
        ``(N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)`` or
        ``(C, H_out, W_out)``; cell ``i`` covers ``[floor(i * H / H_out),
        ceil((i + 1) * H / H_out))``, likewise along ``W``.

    Example::

        >>> nn.AdaptiveAvgPool2d((5, None))(cynn.randn(1, 64, 8, 9)).shape
        cynn.Size([1, 64, 5, 9])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool2d(input, self.output_size)


class AdaptiveMaxPool2d(_AdaptiveMaxPoolNd):
    """Max pooling to a fixed ``output_size`` over the cells of ``AdaptiveAvgPool2d``;
    ``return_indices`` also returns the argmax positions.

    Shape:
        ``(N, C, H, W)`` or ``(C, H, W)`` -> ``(N, C, H_out, W_out)`` or
        ``(C, H_out, W_out)``.

    Example::

        >>> nn.AdaptiveMaxPool2d((5, 7))(cynn.randn(1, 64, 8, 9)).shape
        cynn.Size([1, 64, 5, 7])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool2d(input, self.output_size, self.return_indices)


class MaxPool3d(_MaxPoolNd):
    """3-D max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; arguments as
    ``MaxPool1d``, each an int or a ``(d, h, w)`` triple.

    Shape:
        ``D_out = floor((D + 2 * padding[0] - dilation[0] * (kernel_size[0] - 1) - 1)
        / stride[0] + 1)``, likewise ``H_out`` and ``W_out``.

    Example::

        >>> nn.MaxPool3d((3, 2, 2), stride=(2, 1, 2))(cynn.randn(20, 16, 50, 44, 31)).shape
        cynn.Size([20, 16, 24, 43, 15])
    """

    def forward(self, input):  # noqa: A002
        return F.max_pool3d(input, self.kernel_size, self.stride, self.padding, self.dilation,
                            ceil_mode=self.ceil_mode, return_indices=self.return_indices)


class AvgPool3d(_AvgPoolNd):
    """3-D average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``.

    Args:
        kernel_size, stride (default ``kernel_size``), padding (zero padding, at
        most half the kernel): an int or a ``(d, h, w)`` triple; ceil_mode: round
        the output size up; count_include_pad: count padded zeros in the divisor
        (default ``True``); divisor_override: divide every window by this instead.

    Shape:
        ``D_out = floor((D + 2 * padding[0] - kernel_size[0]) / stride[0] + 1)``,
        likewise ``H_out`` and ``W_out``.

    Example::

        >>> nn.AvgPool3d((3, 2, 2), stride=(2, 1, 2))(cynn.randn(20, 16, 50, 44, 31)).shape
        cynn.Size([20, 16, 24, 43, 15])
    """

    def forward(self, input):  # noqa: A002
        return F.avg_pool3d(input, self.kernel_size, self.stride, self.padding, self.ceil_mode,
                            self.count_include_pad, self.divisor_override)


class AdaptiveAvgPool1d(_AdaptivePoolNd):
    """Average pooling of ``(N, C, L)`` or ``(C, L)`` to a fixed ``output_size``,
    whatever ``L``.

    Shape:
        ``(N, C, L)`` or ``(C, L)`` -> ``(N, C, L_out)`` or ``(C, L_out)``; cell ``i``
        averages ``[floor(i * L / L_out), ceil((i + 1) * L / L_out))``.

    Example::

        >>> nn.AdaptiveAvgPool1d(5)(cynn.randn(1, 64, 8)).shape
        cynn.Size([1, 64, 5])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool1d(input, self.output_size)


class AdaptiveAvgPool3d(_AdaptivePoolNd):
    """Average pooling of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` to a fixed
    ``output_size`` (int, or ``(d, h, w)`` where ``None`` keeps the input's size).

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example::

        >>> nn.AdaptiveAvgPool3d((5, None, 7))(cynn.randn(1, 64, 8, 9, 10)).shape
        cynn.Size([1, 64, 5, 9, 7])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_avg_pool3d(input, self.output_size)


class AdaptiveMaxPool1d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, L)`` or ``(C, L)`` to a fixed ``output_size`` over the
    cells of ``AdaptiveAvgPool1d``; ``return_indices`` also returns the argmax positions.

    Shape:
        ``(N, C, L)`` or ``(C, L)`` -> ``(N, C, L_out)`` or ``(C, L_out)``.

    Example::

        >>> nn.AdaptiveMaxPool1d(5)(cynn.randn(1, 64, 8)).shape
        cynn.Size([1, 64, 5])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool1d(input, self.output_size, self.return_indices)


class AdaptiveMaxPool3d(_AdaptiveMaxPoolNd):
    """Max pooling of ``(N, C, D, H, W)`` or ``(C, D, H, W)`` to a fixed
    ``output_size`` (as ``AdaptiveAvgPool3d``); ``return_indices`` also returns the
    argmax positions.

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` or ``(C, D_out, H_out, W_out)``.

    Example::

        >>> nn.AdaptiveMaxPool3d((5, None, 7))(cynn.randn(1, 64, 8, 9, 10)).shape
        cynn.Size([1, 64, 5, 9, 7])
    """

    def forward(self, input):  # noqa: A002
        return F.adaptive_max_pool3d(input, self.output_size, self.return_indices)


class MaxUnpool1d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool1d``: puts each value at the position its index
    names and zeros elsewhere. ``forward(input, indices, output_size=None)``.

    Shape:
        ``L_out = (L - 1) * stride - 2 * padding + kernel_size`` (or ``output_size``).

    Example::

        >>> pool = nn.MaxPool1d(2, return_indices=True)
        >>> nn.MaxUnpool1d(2)(*pool(cynn.tensor([[[1., 4., 3., 2.]]])))
        tensor([[[0., 4., 3., 0.]]])
    """

    _unpool = staticmethod(F.max_unpool1d)
    _expand = staticmethod(_single)


class MaxUnpool3d(_MaxUnpoolNd):
    """Partial inverse of ``MaxPool3d``: puts each value at the position its index
    names and zeros elsewhere. ``forward(input, indices, output_size=None)``.

    Shape:
        ``D_out = (D - 1) * stride[0] - 2 * padding[0] + kernel_size[0]`` (or
        ``output_size``), likewise ``H_out`` and ``W_out``.

    Example::

        >>> pool = nn.MaxPool3d(3, stride=2, return_indices=True)
        >>> nn.MaxUnpool3d(3, stride=2)(*pool(cynn.randn(20, 16, 51, 33, 15))).shape
        cynn.Size([20, 16, 51, 33, 15])
    """

    _unpool = staticmethod(F.max_unpool3d)
    _expand = staticmethod(_triple)


class _LPPoolNd(Module):
    def __init__(self, norm_type, kernel_size, stride=None, ceil_mode=False):
        super().__init__()
        self.norm_type = norm_type
        self.kernel_size = kernel_size
        self.stride = stride
        self.ceil_mode = ceil_mode

    def forward(self, input):  # noqa: A002
        return self._pool(input, float(self.norm_type), self.kernel_size, self.stride,
                          self.ceil_mode)

    def extra_repr(self):
        return (f"norm_type={self.norm_type}, kernel_size={self.kernel_size}, "
                f"stride={self.stride}, ceil_mode={self.ceil_mode}")


class LPPool1d(_LPPoolNd):
    """1-D power-average pooling over ``(N, C, L)`` or ``(C, L)``:
    ``y = (sum over each window of x ** p) ** (1 / p)`` with ``p = norm_type``
    (``inf``: max pooling; 1: sum pooling); no padding.

    Shape:
        ``L_out = floor((L - kernel_size) / stride + 1)``.

    Example::

        >>> nn.LPPool1d(2, 3, stride=2)(cynn.randn(20, 16, 50)).shape
        cynn.Size([20, 16, 24])
    """

    _pool = staticmethod(F.lp_pool1d)


class LPPool2d(_LPPoolNd):
    """2-D power-average pooling over ``(N, C, H, W)`` or ``(C, H, W)``; see
    ``LPPool1d``. kernel_size, stride: an int or an ``(h, w)`` pair.

    Shape:
        ``H_out = floor((H - kernel_size[0]) / stride[0] + 1)``, likewise ``W_out``.

    Example::

        >>> nn.LPPool2d(1.2, (3, 2), stride=(2, 1))(cynn.randn(20, 16, 50, 32)).shape
        cynn.Size([20, 16, 24, 31])
    """

    _pool = staticmethod(F.lp_pool2d)


class LPPool3d(_LPPoolNd):
    """3-D power-average pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see
    ``LPPool1d``. kernel_size, stride: an int or a ``(d, h, w)`` triple.

    Shape:
        ``D_out = floor((D - kernel_size[0]) / stride[0] + 1)``, likewise ``H_out``
        and ``W_out``.

    Example::

        >>> nn.LPPool3d(2, 3, stride=2)(cynn.randn(20, 16, 50, 44, 31)).shape
        cynn.Size([20, 16, 24, 21, 15])
    """

    _pool = staticmethod(F.lp_pool3d)


class _FractionalMaxPoolNd(Module):
    def __init__(self, kernel_size, output_size=None, output_ratio=None, return_indices=False,
                 _random_samples=None):
        super().__init__()
        ntuple = _pair if self._dims == 2 else _triple
        self.kernel_size = ntuple(kernel_size)
        self.return_indices = return_indices
        self.register_buffer("_random_samples", _random_samples)
        self.output_size = ntuple(output_size) if output_size is not None else None
        self.output_ratio = ntuple(output_ratio) if output_ratio is not None else None
        if output_size is None and output_ratio is None:
            raise ValueError(f"{type(self).__name__} requires specifying either an output "
                             "size, or a pooling ratio")
        if output_size is not None and output_ratio is not None:
            raise ValueError("only one of output_size and output_ratio may be specified")
        if self.output_ratio is not None and not all(
                0 < r < 1 for r in self.output_ratio[:self._dims]):
            raise ValueError(f"output_ratio must be between 0 and 1 (got {output_ratio})")

    def forward(self, input):  # noqa: A002
        return self._pool(input, self.kernel_size, self.output_size, self.output_ratio,
                          self.return_indices, _random_samples=self._random_samples)


class FractionalMaxPool2d(_FractionalMaxPoolNd):
    """2-D fractional max pooling (Graham, 2014) over ``(N, C, H, W)`` or
    ``(C, H, W)``: ``kernel_size`` windows placed pseudo-randomly (per sample and
    channel, from cynn's generator unless ``_random_samples`` is given) so the
    input shrinks to ``output_size`` or by ``output_ratio`` (each in ``(0, 1)``).

    Shape:
        output ``(N, C, H_out, W_out)`` with ``(H_out, W_out) = output_size`` or
        ``H_out = int(H * output_ratio[0])``, likewise ``W_out``.

    Example::

        >>> nn.FractionalMaxPool2d(3, output_ratio=(0.5, 0.5))(cynn.randn(20, 16, 50, 32)).shape
        cynn.Size([20, 16, 25, 16])
    """

    _dims = 2
    _pool = staticmethod(F.fractional_max_pool2d)


class FractionalMaxPool3d(_FractionalMaxPoolNd):
    """3-D fractional max pooling over ``(N, C, D, H, W)`` or ``(C, D, H, W)``; see
    ``FractionalMaxPool2d``.

    Shape:
        output ``(N, C, D_out, H_out, W_out)`` with ``output_size`` or
        ``D_out = int(D * output_ratio[0])``, likewise ``H_out`` and ``W_out``.

    Example::

        >>> pool = nn.FractionalMaxPool3d(3, output_size=(13, 12, 11))
        >>> pool(cynn.randn(20, 16, 50, 32, 16)).shape
        cynn.Size([20, 16, 13, 12, 11])
    """

    _dims = 3
    _pool = staticmethod(F.fractional_max_pool3d)
