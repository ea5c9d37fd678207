"""``PixelShuffle`` and ``PixelUnshuffle``: depth-to-space and back."""
from ..functional import vision as F
from .module import Module

__all__ = ["PixelShuffle", "PixelUnshuffle"]


class PixelShuffle(Module):
    r"""Rearranges ``(*, C r^2, H, W)`` into ``(*, C, H r, W r)`` (sub-pixel
    convolution's upscaling step).

    Args:
        upscale_factor (int): the factor ``r``.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`, :math:`C_{in}` divisible by :math:`r^2`
        - Output: :math:`(*, C_{in} / r^2, H_{in} r, W_{in} r)`

    Example::

        >>> nn.PixelShuffle(3)(cynn.randn(1, 9, 4, 4)).shape
        cynn.Size([1, 1, 12, 12])
    """

    __constants__ = ["upscale_factor"]

    def __init__(self, upscale_factor):
        super().__init__()
        self.upscale_factor = upscale_factor

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.pixel_shuffle(input, self.upscale_factor)

    def extra_repr(self):
        return f"upscale_factor={self.upscale_factor}"


class PixelUnshuffle(Module):
    r"""The inverse of :class:`PixelShuffle`: ``(*, C, H r, W r)`` into
    ``(*, C r^2, H, W)``.

    Args:
        downscale_factor (int): the factor ``r``.

    Shape:
        - Input: :math:`(*, C_{in}, H_{in}, W_{in})`, :math:`H_{in}, W_{in}` divisible by r
        - Output: :math:`(*, C_{in} r^2, H_{in} / r, W_{in} / r)`

    Example::

        >>> nn.PixelUnshuffle(3)(cynn.randn(1, 1, 12, 12)).shape
        cynn.Size([1, 9, 4, 4])
    """

    __constants__ = ["downscale_factor"]

    def __init__(self, downscale_factor):
        super().__init__()
        self.downscale_factor = downscale_factor

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.pixel_unshuffle(input, self.downscale_factor)

    def extra_repr(self):
        return f"downscale_factor={self.downscale_factor}"
