"""``LocalResponseNorm``: the Module form of ``local_response_norm``."""
from cynn.nn import Module

from .functional import local_response_norm

__all__ = ["LocalResponseNorm"]


class LocalResponseNorm(Module):
    r"""Local response normalisation across channels, as in AlexNet.

    ``b_c = a_c * (k + alpha/size * sum_{c'} a_{c'}^2) ** -beta`` over the window
    ``c' in [c - size//2, c + (size-1)//2]`` of neighbouring channels (clipped at the
    edges): the same layer as ``torch.nn.LocalResponseNorm``, computed by a Cython
    kernel (forward and backward, OpenMP over samples and positions).

    Args:
        size (int): number of neighbouring channels in the window.
        alpha (float): multiplicative factor. Default: 1e-4.
        beta (float): exponent. Default: 0.75.
        k (float): additive factor. Default: 1.0.

    Shape:
        - Input: (N, C, *), at least 3 dimensions, float32 or float64.
        - Output: (N, C, *), the same shape as the input.

    Example::

        >>> import cynn
        >>> from cynn_lrn import LocalResponseNorm
        >>> lrn = LocalResponseNorm(2)
        >>> lrn
        LocalResponseNorm(2, alpha=0.0001, beta=0.75, k=1.0)
        >>> lrn(cynn.randn(32, 5, 24, 24)).shape
        cynn.Size([32, 5, 24, 24])
    """

    def __init__(self, size, alpha=1e-4, beta=0.75, k=1.0):
        super().__init__()
        self.size = size
        self.alpha = alpha
        self.beta = beta
        self.k = k

    def forward(self, input):
        return local_response_norm(input, self.size, self.alpha, self.beta, self.k)

    def extra_repr(self):
        return f"{self.size}, alpha={self.alpha}, beta={self.beta}, k={self.k}"
