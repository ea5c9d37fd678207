"""``cynn.backends.cpu.get_cpu_capability()``: the SIMD level cynn's kernels run at.

``"AVX512"`` while cynn's own AVX-512 float32 product kernel is the one in use (it is
chosen when the CPU has AVX-512F, unless ``CYNN_GEMM=blas``); else ``"AVX2"`` when the
CPU has AVX2 and FMA, the level of the ``arch=haswell`` clones cynn's depthwise
convolution kernels dispatch to; else ``"DEFAULT"``.

Example::

    >>> import cynn
    >>> cynn.backends.cpu.get_cpu_capability() in ("AVX512", "AVX2", "DEFAULT")
    True
"""
import functools

from .._kernels import gemm as _gemm

__all__ = ["get_cpu_capability"]


@functools.lru_cache(maxsize=None)
def _cpu_flags():
    """The CPU feature flags the kernel reports (Linux); empty where it does not."""
    try:
        with open("/proc/cpuinfo") as info:
            for line in info:
                if line.startswith("flags"):
                    return frozenset(line.split(":", 1)[1].split())
    except OSError:
        pass
    return frozenset()


def get_cpu_capability():
    """The SIMD level of cynn's kernels on this CPU: ``"AVX512"``, ``"AVX2"`` or
    ``"DEFAULT"`` (the names PyTorch's ``torch.backends.cpu.get_cpu_capability`` uses)."""
    if _gemm.gemm_kernel() == "cynn":
        return "AVX512"
    if {"avx2", "fma"} <= _cpu_flags():
        return "AVX2"
    return "DEFAULT"
