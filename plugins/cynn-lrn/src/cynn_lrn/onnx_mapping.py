"""LocalResponseNorm's ONNX mapping, registered with ``cynn.onnx.register_op``.

Registering needs only cynn: ``onnx`` is imported by ``cynn.onnx.export`` alone, so
the plugin imports where onnx is not installed.
"""
from cynn.onnx import register_op

from .functional import LocalResponseNormFunction

__all__ = ["local_response_norm_to_onnx"]


@register_op(LocalResponseNormFunction)
def local_response_norm_to_onnx(g, x, *, size, alpha, beta, k):
    """ONNX's LRN for an odd ``size`` on (N, C, H, W). For an even one ONNX centres
    the window one channel later than PyTorch (``[c - (size-1)//2, c + size//2]``),
    and ONNX Runtime's LRN takes 4-d inputs only; otherwise the window mean is spelled
    out: pad the channels as PyTorch does, average ``size`` of them."""
    if size % 2 and x.ndim == 4:
        return g.op("LRN", x, size=size, alpha=alpha, beta=beta, bias=k)
    # (N, 1, C, L): one 2-d pooling plane per sample, whatever the input's rank
    squares = g.op("Reshape", g.op("Mul", x, x), g.constant([0, 1, x.shape[1], -1], "int64"))
    pads = g.constant([0, 0, size // 2, 0, 0, 0, (size - 1) // 2, 0], "int64")
    padded = g.op("Pad", squares, pads, mode="constant")
    mean = g.op("AveragePool", padded, kernel_shape=[size, 1])
    mean = g.op("Reshape", mean, g.op("Shape", x))
    scaled = g.op("Add", g.op("Mul", mean, g.constant(alpha, x.dtype)), g.constant(k, x.dtype))
    return g.op("Div", x, g.op("Pow", scaled, g.constant(beta, x.dtype)))
