"""``cynn.xpu``: answers as ``torch.xpu`` does on a CPU-only PyTorch build: no Intel GPU,
seeding is a no-op, and what needs a device raises
``AssertionError("Torch not compiled with XPU enabled")``.

Example::

    >>> import cynn
    >>> cynn.xpu.is_available(), cynn.xpu.device_count()
    (False, 0)
"""
import collections

__all__ = ["can_device_access_peer", "current_device", "current_stream", "device",
           "device_count", "empty_cache", "get_arch_list", "get_device_capability",
           "get_device_name", "get_device_properties", "get_gencode_flags", "get_rng_state",
           "get_rng_state_all", "init", "initial_seed", "is_available", "is_bf16_supported",
           "is_initialized", "is_tf32_supported", "manual_seed", "manual_seed_all",
           "max_memory_allocated", "max_memory_reserved", "mem_get_info", "memory_allocated",
           "memory_reserved", "memory_stats", "seed", "seed_all", "set_device",
           "set_per_process_memory_fraction", "set_rng_state", "set_rng_state_all", "stream",
           "synchronize"]

_NOT_COMPILED = "Torch not compiled with XPU enabled"


def _no_xpu():
    raise AssertionError(_NOT_COMPILED)


def is_available():
    """Whether an XPU can be used: never, in cynn."""
    return False


def device_count():
    """The number of XPUs: 0."""
    return 0


def is_initialized():
    """Whether the XPU runtime was initialised: never."""
    return False


def init():
    """AssertionError: there is no XPU runtime."""
    _no_xpu()


def manual_seed(seed):
    """Seed the XPU generator: a no-op without a device."""
    int(seed)


def manual_seed_all(seed):
    """Seed every XPU generator: a no-op without a device."""
    int(seed)


def seed():
    """Seed the XPU generator randomly: a no-op without a device."""


def seed_all():
    """Seed every XPU generator randomly: a no-op without a device."""


def initial_seed():
    """AssertionError: there is no XPU generator."""
    _no_xpu()


def get_rng_state(device="xpu"):
    """AssertionError: there is no XPU generator."""
    _no_xpu()


def get_rng_state_all():
    """The states of all (zero) XPU generators: ``[]``."""
    return []


def set_rng_state(new_state, device="xpu"):
    """Set an XPU generator's state: a no-op without a device."""


def set_rng_state_all(new_states):
    """Set every XPU generator's state: a no-op without a device."""


def current_device():
    """AssertionError: there is no current XPU."""
    _no_xpu()


def set_device(device):
    """AssertionError: there is no XPU to select."""
    _no_xpu()


def synchronize(device=None):
    """AssertionError: there is no XPU to wait for."""
    _no_xpu()


def get_device_name(device=None):
    """AssertionError: there is no XPU to name."""
    _no_xpu()


def get_device_capability(device=None):
    """AssertionError: there is no XPU to describe."""
    _no_xpu()


def get_device_properties(device=None):
    """AssertionError: there is no XPU to describe."""
    _no_xpu()


def can_device_access_peer(device, peer):
    """AssertionError: there are no XPUs."""
    _no_xpu()


def current_stream(device=None):
    """AssertionError: there are no XPU streams."""
    _no_xpu()


def is_bf16_supported(including_emulation=True):
    """Whether an XPU supports bfloat16: there is none, so False."""
    return False


def is_tf32_supported():
    """Whether an XPU supports TF32: there is none, so False."""
    return False


def get_arch_list():
    """The XPU architectures this build supports: none."""
    return []


def get_gencode_flags():
    """The XPU code-generation flags of this build: none."""
    return ""


def empty_cache():
    """Release cached XPU memory: a no-op without a device."""


def mem_get_info(device=None):
    """AssertionError: there is no XPU memory."""
    _no_xpu()


def set_per_process_memory_fraction(fraction, device=None):
    """AssertionError: there is no XPU memory."""
    _no_xpu()


def memory_stats(device=None):
    """The XPU allocator's statistics: none."""
    return collections.OrderedDict()


def memory_allocated(device=None):
    """Bytes of XPU memory held by tensors: 0."""
    return 0


def max_memory_allocated(device=None):
    """Peak bytes of XPU memory held by tensors: 0."""
    return 0


def memory_reserved(device=None):
    """Bytes of XPU memory held by the caching allocator: 0."""
    return 0


def max_memory_reserved(device=None):
    """Peak bytes of XPU memory held by the caching allocator: 0."""
    return 0


class device:
    """``with xpu.device(i):``: NotImplementedError on entry for any index, as PyTorch
    without XPU support raises."""

    def __init__(self, device):
        self.idx = device

    def __enter__(self):
        raise NotImplementedError("PyTorch was compiled without XPU support")

    def __exit__(self, *exc):
        return False


class stream:
    """``with xpu.stream(None):``: a no-op; there are no XPU streams to pass."""

    def __init__(self, stream):
        if stream is not None:
            _no_xpu()

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
