"""Upsampling layers: ``Upsample`` and its fixed-mode forms ``UpsamplingNearest2d``
and ``UpsamplingBilinear2d``, each one call to ``F.interpolate``."""
from ..functional import vision as F
from .module import Module

__all__ = ["Upsample", "UpsamplingNearest2d", "UpsamplingBilinear2d"]


class Upsample(Module):
    r"""Upsamples (or downsamples) 1-d, 2-d or 3-d spatial data; see
    :func:`cynn.nn.functional.interpolate` for the modes and arguments.

    Args:
        size (int or tuple): output spatial size.
        scale_factor (float or tuple): multiplier of the spatial size.
        mode (str): ``'nearest'`` (default), ``'nearest-exact'``, ``'linear'``,
            ``'bilinear'``, ``'bicubic'``, ``'trilinear'`` or ``'area'``.
        align_corners (bool): for the linear and cubic modes. Default: ``False``.
        recompute_scale_factor (bool): interpolate with the output size computed
            from ``scale_factor`` rather than with ``scale_factor`` itself.

    Shape:
        - Input: :math:`(N, C, W_{in})`, :math:`(N, C, H_{in}, W_{in})` or
          :math:`(N, C, D_{in}, H_{in}, W_{in})`
        - Output: the same with :math:`S_{out} = size` or
          :math:`S_{out} = \lfloor S_{in} \times scale\_factor \rfloor` per axis.

    Example::

        >>> up = nn.Upsample(scale_factor=2, mode='bilinear')
        >>> up(cynn.randn(1, 1, 2, 2)).shape
        cynn.Size([1, 1, 4, 4])
    """

    __constants__ = ["size", "scale_factor", "mode", "align_corners", "name",
                     "recompute_scale_factor"]

    def __init__(self, size=None, scale_factor=None, mode="nearest", align_corners=None,
                 recompute_scale_factor=None):
        super().__init__()
        self.name = type(self).__name__
        self.size = size
        if isinstance(scale_factor, tuple):
            self.scale_factor = tuple(float(factor) for factor in scale_factor)
        else:
            self.scale_factor = float(scale_factor) if scale_factor else None
        self.mode = mode
        self.align_corners = align_corners
        self.recompute_scale_factor = recompute_scale_factor

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.interpolate(input, self.size, self.scale_factor, self.mode,
                             self.align_corners,
                             recompute_scale_factor=self.recompute_scale_factor)

    def __setstate__(self, state):
        # modules pickled before the argument existed recompute, as they then did
        state.setdefault("recompute_scale_factor", True)
        super().__setstate__(state)

    def extra_repr(self):
        if self.scale_factor is not None:
            info = "scale_factor=" + repr(self.scale_factor)
        else:
            info = "size=" + repr(self.size)
        return info + ", mode=" + repr(self.mode)


class UpsamplingNearest2d(Upsample):
    r"""2-d nearest-neighbour upsampling: ``Upsample(size, scale_factor, mode='nearest')``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})` with :math:`H_{out} = size[0]` or
          :math:`\lfloor H_{in} \times scale\_factor \rfloor` (likewise W).

    Example::

        >>> nn.UpsamplingNearest2d(scale_factor=2)(cynn.randn(1, 1, 2, 2)).shape
        cynn.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="nearest")


class UpsamplingBilinear2d(Upsample):
    r"""2-d bilinear upsampling with ``align_corners=True``.

    Shape:
        - Input: :math:`(N, C, H_{in}, W_{in})`
        - Output: :math:`(N, C, H_{out}, W_{out})` with :math:`H_{out} = size[0]` or
          :math:`\lfloor H_{in} \times scale\_factor \rfloor` (likewise W).

    Example::

        >>> nn.UpsamplingBilinear2d(scale_factor=2)(cynn.randn(1, 1, 2, 2)).shape
        cynn.Size([1, 1, 4, 4])
    """

    def __init__(self, size=None, scale_factor=None):
        super().__init__(size, scale_factor, mode="bilinear", align_corners=True)
