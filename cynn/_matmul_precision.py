"""``cynn.set_float32_matmul_precision``: the internal precision of float32 products.

In PyTorch ``"high"`` and ``"medium"`` let float32 matrix products run in TF32 or bfloat16
where the hardware has them, and ``backends.cuda.matmul.allow_tf32`` is this same setting
seen from CUDA. cynn's products always accumulate in float32 (``"highest"``); the other
values are accepted and reported back, so scripts that set them run unchanged.
"""
import warnings

__all__ = ["set_float32_matmul_precision", "get_float32_matmul_precision"]

PRECISIONS = ("highest", "high", "medium")

_precision = "highest"


def set_float32_matmul_precision(precision):
    """Set the internal precision of float32 matrix products: ``"highest"`` (the
    default), ``"high"`` or ``"medium"``. cynn computes in float32 at every setting.

    An unknown name warns and leaves the setting unchanged, as in PyTorch.

    Example::

        >>> import cynn
        >>> cynn.set_float32_matmul_precision("high")
        >>> cynn.get_float32_matmul_precision()
        'high'
        >>> cynn.set_float32_matmul_precision("highest")
    """
    global _precision
    if not isinstance(precision, str):
        raise RuntimeError(f"set_float32_matmul_precision expects a str, but got "
                           f"{type(precision).__name__}")
    if precision not in PRECISIONS:
        warnings.warn(f"{precision} is not one of 'highest', 'high', or 'medium'; the current"
                      "setFloat32MatmulPrecision call has no effect.", UserWarning, stacklevel=2)
        return
    _precision = precision


def get_float32_matmul_precision():
    """The setting of ``set_float32_matmul_precision``: ``"highest"`` by default."""
    return _precision
