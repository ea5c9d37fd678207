"""``cynn.accelerator``: the device-generic accelerator API, answered as PyTorch answers
it on a CPU-only build: no accelerator is available, so the queries report none and
everything that would act on the current accelerator raises.

Example::

    >>> import cynn
    >>> cynn.accelerator.is_available(), cynn.accelerator.current_accelerator()
    (False, None)
    >>> device = cynn.accelerator.current_accelerator() or cynn.device("cpu")
"""
import warnings

__all__ = ["Graph", "current_accelerator", "current_device_idx", "current_device_index",
           "current_stream", "device_count", "device_index", "empty_cache",
           "empty_host_cache", "get_device_capability", "get_memory_info", "is_available",
           "max_memory_allocated", "max_memory_reserved", "memory_allocated",
           "memory_reserved", "memory_stats", "reset_accumulated_memory_stats",
           "reset_peak_memory_stats", "set_device_idx", "set_device_index", "set_stream",
           "synchronize"]

_NO_ACCELERATOR = "Cannot access accelerator device when none is available."


def _unavailable(*args, **kwargs):
    raise RuntimeError(_NO_ACCELERATOR)


def is_available():
    """Whether an accelerator is available: never, in cynn."""
    return False


def current_accelerator(check_available=False):
    """The accelerator device type (``None``: cynn has none)."""
    return None


def device_count():
    """The number of accelerator devices: 0."""
    return 0


def current_device_index():
    """RuntimeError: there is no accelerator device to be current."""
    _unavailable()


def set_device_index(device):
    """RuntimeError: there is no accelerator device to select."""
    _unavailable()


def current_stream(device=None):
    """RuntimeError: there is no accelerator stream."""
    _unavailable()


def set_stream(stream):
    """TypeError for anything but a stream, which cynn cannot create."""
    raise TypeError(f"set_stream(): argument 'stream' must be torch.Stream, not "
                    f"{type(stream).__name__}")


def synchronize(device=None):
    """RuntimeError: there is no accelerator to wait for."""
    _unavailable()


def get_device_capability(device=None):
    """RuntimeError: there is no accelerator to describe."""
    _unavailable()


def empty_cache():
    """RuntimeError: there is no accelerator memory cache."""
    _unavailable()


def empty_host_cache():
    """RuntimeError: there is no accelerator host-memory cache."""
    _unavailable()


def get_memory_info(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def memory_stats(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def memory_allocated(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def max_memory_allocated(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def memory_reserved(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def max_memory_reserved(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def reset_accumulated_memory_stats(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def reset_peak_memory_stats(device_index=None):
    """RuntimeError: there is no accelerator memory."""
    _unavailable()


def current_device_idx():
    """Deprecated name of ``current_device_index`` (FutureWarning, as in PyTorch)."""
    warnings.warn("Use `current_device_index` instead.", FutureWarning, stacklevel=2)
    return current_device_index()


def set_device_idx(device):
    """Deprecated name of ``set_device_index`` (FutureWarning, as in PyTorch)."""
    warnings.warn("Use `set_device_index` instead.", FutureWarning, stacklevel=2)
    return set_device_index(device)


class device_index:
    """``with device_index(i):`` runs its block on accelerator ``i``; only ``None`` (stay
    where you are) can be entered in cynn, any index raises RuntimeError on entry."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        if self.idx is not None:
            _unavailable()
        return self

    def __exit__(self, *exc):
        return False


class Graph:
    """An accelerator graph capture: RuntimeError on construction, as there is no device."""

    def __init__(self, keep_graph=False, *, pool=None, capture_error_mode="default"):
        _unavailable()
