"""``cynn.backends``: PyTorch's backend switches, answered as on a CPU-only build.

- ``cpu.get_cpu_capability()``: the SIMD level cynn's kernels use on this CPU.
- ``openmp.is_available()``: whether cynn's kernels were built with OpenMP.
- ``cudnn``, ``cuda``, ``mps``, ``mkldnn``, ``mkl``: not available; their flags
  (``cudnn.benchmark``, ``cuda.matmul.allow_tf32``, ...) can be set and read back so
  that scripts setting them run unchanged.

Example::

    >>> import cynn
    >>> cynn.backends.cudnn.is_available(), cynn.backends.mps.is_available()
    (False, False)
"""
from . import cpu, cuda, cudnn, mkl, mkldnn, mps, openmp  # noqa: F401

__all__ = ["cpu", "cuda", "cudnn", "mkl", "mkldnn", "mps", "openmp"]
