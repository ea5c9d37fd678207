"""``ChannelShuffle``: interleaves channel groups (ShuffleNet)."""
from ..functional import vision as F
from .module import Module

__all__ = ["ChannelShuffle"]


class ChannelShuffle(Module):
    r"""Divides the channels of ``(N, C, *)`` into ``groups`` groups and interleaves
    them: output channel ``i * groups + g`` is input channel ``g * (C / groups) + i``.

    Args:
        groups (int): number of groups to divide channels in.

    Shape:
        - Input: :math:`(N, C, *)`, :math:`C` divisible by ``groups``
        - Output: :math:`(N, C, *)`

    Example::

        >>> shuffle = nn.ChannelShuffle(2)
        >>> shuffle(cynn.arange(4.).view(1, 4, 1)).flatten()
        tensor([0., 2., 1., 3.])
    """

    __constants__ = ["groups"]

    def __init__(self, groups):
        super().__init__()
        self.groups = groups

    def forward(self, input):  # noqa: A002 -- PyTorch's argument name
        return F.channel_shuffle(input, self.groups)

    def extra_repr(self):
        return f"groups={self.groups}"
