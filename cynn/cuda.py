"""``cynn.cuda``: answers as ``torch.cuda`` does on a CPU-only PyTorch build.

Queries say there is no GPU (``is_available()`` False, ``device_count()`` 0, memory
counters 0); seeding is a no-op, so ``torch.cuda.manual_seed_all(0)`` lines run; what
needs a GPU (``current_device()``, ``synchronize()``, ...) raises PyTorch's
``AssertionError("Torch not compiled with CUDA enabled")``.

Example::

    >>> import cynn
    >>> cynn.cuda.is_available()
    False
    >>> device = cynn.device("cuda" if cynn.cuda.is_available() else "cpu")
"""
import collections
import warnings

__all__ = ["can_device_access_peer", "current_device", "current_stream", "default_stream",
           "device", "device_count", "empty_cache", "get_arch_list", "get_device_capability",
           "get_device_name", "get_device_properties", "get_gencode_flags", "get_rng_state",
           "get_rng_state_all", "init", "initial_seed", "ipc_collect", "is_available",
           "is_bf16_supported", "is_initialized", "is_tf32_supported", "manual_seed",
           "manual_seed_all", "max_memory_allocated", "max_memory_reserved", "mem_get_info",
           "memory_allocated", "memory_reserved", "memory_stats", "reset_max_memory_allocated",
           "reset_peak_memory_stats", "seed", "seed_all", "set_device",
           "set_per_process_memory_fraction", "set_rng_state", "set_rng_state_all", "stream",
           "synchronize"]

_NOT_COMPILED = "Torch not compiled with CUDA enabled"


def _no_cuda(*args, **kwargs):
    raise AssertionError(_NOT_COMPILED)


def _device_index(device):
    """The index in ``device`` (an int, ``"cuda"``, ``"cuda:1"``, None); -1 for none."""
    if device is None:
        return -1
    if isinstance(device, int):
        return device
    name = str(device)
    kind, _, index = name.partition(":")
    if kind != "cuda":
        raise ValueError(f"Expected a cuda device, but got: {name}")
    return int(index) if index else -1


def is_available():
    """Whether a CUDA GPU can be used: never, in cynn."""
    return False


def device_count():
    """The number of CUDA GPUs: 0."""
    return 0


def is_initialized():
    """Whether CUDA was initialised: never."""
    return False


def init():
    """AssertionError: there is no CUDA to initialise."""
    _no_cuda()


def manual_seed(seed):
    """Seed the GPU generator: a no-op without a GPU (``seed`` must still be an int)."""
    int(seed)


def manual_seed_all(seed):
    """Seed every GPU's generator: a no-op without a GPU."""
    int(seed)


def seed():
    """Seed the GPU generator randomly: a no-op without a GPU."""


def seed_all():
    """Seed every GPU's generator randomly: a no-op without a GPU."""


def initial_seed():
    """AssertionError: there is no GPU generator."""
    _no_cuda()


def get_rng_state(device="cuda"):
    """AssertionError: there is no GPU generator."""
    _no_cuda()


def get_rng_state_all():
    """The states of all (zero) GPU generators: ``[]``."""
    return []


def set_rng_state(new_state, device="cuda"):
    """Set a GPU generator's state: a no-op without a GPU."""


def set_rng_state_all(new_states):
    """Set every GPU generator's state: a no-op without a GPU."""


def current_device():
    """AssertionError: there is no current GPU."""
    _no_cuda()


def set_device(device):
    """Select a GPU: a negative index is a no-op, any GPU raises AssertionError."""
    if _device_index(device) >= 0:
        _no_cuda()


def synchronize(device=None):
    """AssertionError: there is no GPU to wait for."""
    _no_cuda()


def get_device_name(device=None):
    """AssertionError: there is no GPU to name."""
    _no_cuda()


def get_device_capability(device=None):
    """AssertionError: there is no GPU to describe."""
    _no_cuda()


def get_device_properties(device=None):
    """AssertionError: there is no GPU to describe."""
    _no_cuda()


def can_device_access_peer(device, peer_device):
    """AssertionError: there are no GPUs."""
    _no_cuda()


def current_stream(device=None):
    """AssertionError: there are no CUDA streams."""
    _no_cuda()


def default_stream(device=None):
    """AssertionError: there are no CUDA streams."""
    _no_cuda()


def is_bf16_supported(including_emulation=True):
    """Whether a GPU supports bfloat16: there is none, so False."""
    return False


def is_tf32_supported():
    """Whether a GPU supports TF32: there is none, so False."""
    return False


def get_arch_list():
    """The CUDA architectures this build supports: none."""
    return []


def get_gencode_flags():
    """The NVCC gencode flags of this build: none."""
    return ""


def empty_cache():
    """Release cached GPU memory: a no-op without a GPU."""


def ipc_collect():
    """AssertionError: there is no GPU memory shared between processes."""
    _no_cuda()


def mem_get_info(device=None):
    """AssertionError: there is no GPU memory."""
    _no_cuda()


def set_per_process_memory_fraction(fraction, device=None):
    """AssertionError: there is no GPU memory."""
    _no_cuda()


def memory_stats(device=None):
    """The GPU allocator's statistics: none."""
    return collections.OrderedDict()


def memory_allocated(device=None):
    """Bytes of GPU memory held by tensors: 0."""
    return 0


def max_memory_allocated(device=None):
    """Peak bytes of GPU memory held by tensors: 0."""
    return 0


def memory_reserved(device=None):
    """Bytes of GPU memory held by the caching allocator: 0."""
    return 0


def max_memory_reserved(device=None):
    """Peak bytes of GPU memory held by the caching allocator: 0."""
    return 0


def reset_peak_memory_stats(device=None):
    """AssertionError: there is no GPU memory."""
    _no_cuda()


def reset_max_memory_allocated(device=None):
    """AssertionError: there is no GPU memory (after PyTorch's FutureWarning that this
    resets all peak statistics)."""
    warnings.warn("torch.cuda.reset_max_memory_allocated now calls "
                  "torch.cuda.reset_peak_memory_stats, which resets /all/ peak memory stats.",
                  FutureWarning, stacklevel=2)
    _no_cuda()


class device:
    """``with cuda.device(i):`` runs its block on GPU ``i``. Index -1 or None (no
    change) enters; a GPU index raises RuntimeError on entry, as without CUDA support."""

    def __init__(self, device):
        self.idx = _device_index(device)

    def __enter__(self):
        if self.idx >= 0:
            raise RuntimeError("PyTorch was compiled without CUDA support")
        return self

    def __exit__(self, *exc):
        return False


class stream:
    """``with cuda.stream(s):`` for ``s=None`` (the only stream there can be): a no-op."""

    def __init__(self, stream):
        if stream is not None:
            _no_cuda()

    def __enter__(self):
        return None

    def __exit__(self, *exc):
        return False
