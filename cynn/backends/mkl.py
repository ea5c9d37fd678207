"""``cynn.backends.mkl``: whether PyTorch was built with Intel MKL. cynn's products call
the BLAS that SciPy ships (OpenBLAS in its wheels), not MKL: ``is_available()`` is False.
"""
__all__ = ["is_available"]


def is_available():
    """Whether cynn was built against MKL: no."""
    return False
