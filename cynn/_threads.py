"""Thread count for cynn's OpenMP kernels.

Every kernel takes ``n_threads`` as an argument; ops read it from here so that
``cynn.set_num_threads`` governs all of them. The default is ``OMP_NUM_THREADS``
when set, else the number of CPUs this process may run on.
"""
import os

from ._kernels import parallel as _parallel

__all__ = ["set_num_threads", "get_num_threads", "openmp_compiled"]


def _default_threads() -> int:
    env = os.environ.get("OMP_NUM_THREADS", "").split(",")[0].strip()
    if env.isdigit() and int(env) > 0:
        return int(env)
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # macOS, Windows
        return max(1, os.cpu_count() or 1)


_num_threads = _default_threads()


def set_num_threads(n: int) -> None:
    """Set the number of OpenMP threads every cynn kernel uses (``n >= 1``)."""
    global _num_threads
    if isinstance(n, bool) or not isinstance(n, int):
        raise TypeError(f"set_num_threads(): argument 'n' must be int, not {type(n).__name__}")
    if n < 1:
        raise ValueError(f"set_num_threads(): number of threads must be positive, got {n}")
    _num_threads = n


def get_num_threads() -> int:
    """The number of threads cynn kernels run with."""
    return _num_threads


def openmp_compiled() -> bool:
    """Whether the kernels were compiled with OpenMP."""
    return _parallel.openmp_compiled()
