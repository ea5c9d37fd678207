"""``cynn.backends.openmp``: whether cynn's kernels were compiled with OpenMP (and so run
on ``cynn.get_num_threads()`` threads).

Example::

    >>> import cynn
    >>> isinstance(cynn.backends.openmp.is_available(), bool)
    True
"""
from .._threads import openmp_compiled

__all__ = ["is_available"]


def is_available():
    """Whether cynn's kernels were built with OpenMP."""
    return bool(openmp_compiled())
