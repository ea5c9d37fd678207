"""Distance layers: each calls one ``F`` function of ``cynn.nn.functional.distance``."""
from ..functional import distance as F
from .module import Module

__all__ = ["PairwiseDistance", "CosineSimilarity"]


class PairwiseDistance(Module):
    """``||x1 - x2 + eps||_p`` over the last dimension (``F.pairwise_distance``).

    Args:
        p (float): the norm degree. Default: 2.
        eps (float): added to the difference against a zero norm. Default: 1e-6.
        keepdim (bool): keep the reduced dimension. Default: False.

    Shape:
        x1, x2 ``(N, D)`` or ``(D)`` (broadcastable); output ``(N)`` or ``()``, with a
        trailing 1 for ``keepdim``.

    Example::

        >>> pdist = nn.PairwiseDistance(p=2)
        >>> pdist(cynn.randn(100, 128), cynn.randn(100, 128)).shape
        cynn.Size([100])
    """

    def __init__(self, p=2.0, eps=1e-6, keepdim=False):
        super().__init__()
        self.norm = p
        self.eps = eps
        self.keepdim = keepdim

    def forward(self, x1, x2):
        return F.pairwise_distance(x1, x2, self.norm, self.eps, self.keepdim)


class CosineSimilarity(Module):
    """Cosine similarity of ``x1`` and ``x2`` along ``dim`` (``F.cosine_similarity``).

    Args:
        dim (int): the dimension reduced. Default: 1.
        eps (float): lower bound of each norm. Default: 1e-8.

    Shape:
        x1, x2 ``(*1, D, *2)`` (broadcastable); output ``(*1, *2)``.

    Example::

        >>> cos = nn.CosineSimilarity(dim=1)
        >>> cos(cynn.randn(100, 128), cynn.randn(100, 128)).shape
        cynn.Size([100])
    """

    def __init__(self, dim=1, eps=1e-8):
        super().__init__()
        self.dim = dim
        self.eps = eps

    def forward(self, x1, x2):
        return F.cosine_similarity(x1, x2, self.dim, self.eps)
