"""``Fold`` and ``Unfold``: col2im and im2col as layers."""
from ..functional import vision as F
from .module import Module

__all__ = ["Fold", "Unfold"]


class Fold(Module):
    r"""Combines an array of sliding local blocks into a large tensor, summing
    overlapping values; see :func:`cynn.nn.functional.fold`.

    Args:
        output_size (int or tuple): spatial size ``(H, W)`` of the output.
        kernel_size (int or tuple): size of the blocks.
        dilation, padding, stride (int or tuple): block geometry. Defaults 1, 0, 1.

    Shape:
        - Input: :math:`(N, C \times \prod(kernel\_size), L)` or
          :math:`(C \times \prod(kernel\_size), L)`
        - Output: :math:`(N, C, H, W)` or :math:`(C, H, W)`, where
          :math:`L = \prod_d \lfloor (S_d + 2 p_d - d_d (k_d - 1) - 1) / s_d \rfloor + 1`.

    Example::

        >>> fold = nn.Fold(output_size=(4, 5), kernel_size=(2, 2))
        >>> fold(cynn.randn(1, 3 * 2 * 2, 12)).shape
        cynn.Size([1, 3, 4, 5])
    """

    __constants__ = ["output_size", "kernel_size", "dilation", "padding", "stride"]

    def __init__(self, output_size, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.output_size = output_size
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.fold(input, self.output_size, self.kernel_size, self.dilation, self.padding,
                      self.stride)

    def extra_repr(self):
        return (f"output_size={self.output_size}, kernel_size={self.kernel_size}, "
                f"dilation={self.dilation}, padding={self.padding}, stride={self.stride}")


class Unfold(Module):
    r"""Extracts sliding local blocks from a batched input; see
    :func:`cynn.nn.functional.unfold`.

    Args:
        kernel_size (int or tuple): size of the blocks.
        dilation, padding, stride (int or tuple): block geometry. Defaults 1, 0, 1.

    Shape:
        - Input: :math:`(N, C, H, W)` or :math:`(C, H, W)`
        - Output: :math:`(N, C \times \prod(kernel\_size), L)` (or without N), where
          :math:`L = \prod_d \lfloor (S_d + 2 p_d - d_d (k_d - 1) - 1) / s_d \rfloor + 1`.

    Example::

        >>> unfold = nn.Unfold(kernel_size=(2, 3))
        >>> unfold(cynn.randn(2, 5, 3, 4)).shape
        cynn.Size([2, 30, 4])
    """

    __constants__ = ["kernel_size", "dilation", "padding", "stride"]

    def __init__(self, kernel_size, dilation=1, padding=0, stride=1):
        super().__init__()
        self.kernel_size = kernel_size
        self.dilation = dilation
        self.padding = padding
        self.stride = stride

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.unfold(input, self.kernel_size, self.dilation, self.padding, self.stride)

    def extra_repr(self):
        return (f"kernel_size={self.kernel_size}, dilation={self.dilation}, "
                f"padding={self.padding}, stride={self.stride}")
