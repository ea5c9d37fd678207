"""``cynn.mps``: answers as ``torch.mps`` does on a PyTorch build without Apple's Metal
backend: ``is_available()`` False, ``device_count()`` 0, ``manual_seed`` a no-op, and
everything else raises PyTorch's ``RuntimeError("Cannot execute ... without MPS
backend.")``.

Example::

    >>> import cynn
    >>> cynn.mps.is_available()
    False
"""
__all__ = ["current_allocated_memory", "device_count", "driver_allocated_memory",
           "empty_cache", "get_rng_state", "is_available", "manual_seed",
           "recommended_max_memory", "seed", "set_per_process_memory_fraction",
           "set_rng_state", "synchronize"]


def _no_mps(operation):
    raise RuntimeError(f"Cannot execute {operation}() without MPS backend.")


def is_available():
    """Whether the Metal backend can be used: never, in cynn."""
    return False


def device_count():
    """The number of MPS devices: 0."""
    return 0


def manual_seed(seed):
    """Seed the MPS generator: a no-op without the backend."""


def seed():
    """RuntimeError: there is no MPS generator."""
    _no_mps("getDefaultGenerator")


def get_rng_state(device="mps"):
    """RuntimeError: there is no MPS generator."""
    _no_mps("getDefaultGenerator")


def set_rng_state(new_state, device="mps"):
    """RuntimeError: there is no MPS generator."""
    _no_mps("getDefaultGenerator")


def synchronize():
    """RuntimeError: there is no MPS device to wait for."""
    _no_mps("deviceSynchronize")


def empty_cache():
    """RuntimeError: there is no MPS memory cache."""
    _no_mps("emptyCache")


def set_per_process_memory_fraction(fraction):
    """RuntimeError: there is no MPS memory."""
    _no_mps("setMemoryFraction")


def current_allocated_memory():
    """RuntimeError: there is no MPS memory."""
    _no_mps("getCurrentAllocatedMemory")


def driver_allocated_memory():
    """RuntimeError: there is no MPS memory."""
    _no_mps("getDriverAllocatedMemory")


def recommended_max_memory():
    """RuntimeError: there is no MPS memory."""
    _no_mps("getRecommendedMaxMemory")
