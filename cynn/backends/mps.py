"""``cynn.backends.mps``: Apple's Metal backend is neither built nor available in cynn.

Example::

    >>> import cynn
    >>> cynn.backends.mps.is_available(), cynn.backends.mps.is_built()
    (False, False)
"""
__all__ = ["is_available", "is_built", "is_macos_or_newer", "is_macos13_or_newer"]


def is_available():
    """Whether MPS can be used: never, in cynn."""
    return False


def is_built():
    """Whether cynn was built with MPS support: no."""
    return False


def is_macos_or_newer(major, minor):
    """RuntimeError, as in PyTorch without MPS: the check needs the backend."""
    raise RuntimeError("Cannot execute isOnMacOSorNewer() without MPS backend.")


def is_macos13_or_newer(minor=0):
    """RuntimeError, as in PyTorch without MPS: the check needs the backend."""
    return is_macos_or_newer(13, minor)
