"""Names torch keeps at its top level that are neither tensor math nor a subpackage:
runtime switches (default device, interop threads, warn-always, flush-denormal), build
queries (``has_openmp``...), device errors, legacy tensor-type names, creation from
buffers, and torch's top-level forms of ``nn.functional`` ops (``torch.conv2d`` is
``F.conv2d``; ``torch.dropout(input, p, train)`` takes ``train`` positionally).

The ``nn.functional`` forms load ``cynn.nn`` on first use (``cynn.__getattr__``), so
``import cynn`` stays free of it.
"""
import builtins

import numpy as np

from . import _dtype, _threads
from ._tensor import Tensor

__all__ = ["AcceleratorError", "FatalError", "OutOfMemoryError", "get_default_device",
           "set_default_device", "get_num_interop_threads", "set_num_interop_threads",
           "init_num_threads",
           "set_warn_always", "is_warn_always_enabled", "set_flush_denormal", "has_openmp",
           "has_lapack", "has_mkl", "has_spectral", "is_vulkan_available", "is_storage",
           "set_default_tensor_type", "asarray", "frombuffer", "empty_strided",
           "empty_permuted", "fill", "range", "unflatten", "short", "ByteTensor", "CharTensor",
           "ShortTensor", "poisson", "binomial", "layout", "strided", "memory_format",
           "contiguous_format", "channels_last", "channels_last_3d", "preserve_format",
           "get_device", "default_generator", "thread_safe_generator", "uint16", "uint32", "uint64"]


class AcceleratorError(RuntimeError):
    """An accelerator's runtime error (never raised on cynn's CPU-only build)."""


class FatalError(Exception):
    """An unrecoverable error of the runtime (torch raises it from C++; cynn never does)."""


class OutOfMemoryError(RuntimeError):
    """A device allocation failed (torch.cuda.OutOfMemoryError's base)."""


def get_default_device():
    """The device new tensors are created on: always the CPU."""
    from ._device import device
    return device("cpu")


def set_default_device(device):
    """Accept ``"cpu"`` (or None); cynn has no other device."""
    if device is not None and str(device).split(":")[0] != "cpu":
        raise RuntimeError(f"cynn is CPU-only: cannot make {device!r} the default device")


_interop_threads = [1]


def get_num_interop_threads():
    """Threads for inter-op parallelism (cynn runs ops one after another: 1 unless set)."""
    return _interop_threads[0]


def set_num_interop_threads(n):
    if not isinstance(n, int) or n < 1:
        raise RuntimeError("Number of interop threads must be positive")
    _interop_threads[0] = n


def init_num_threads():
    """Kept for torch's API: cynn's thread pool needs no initialisation."""


_warn_always = [False]


def set_warn_always(b):
    """torch's switch for warnings that fire once; cynn stores it (Python's warnings
    filters decide repetition)."""
    _warn_always[0] = bool(b)


def is_warn_always_enabled():
    return _warn_always[0]


def set_flush_denormal(mode):
    """numpy cannot set the CPU's flush-to-zero flag: returns False (unsupported), as
    torch does where the CPU lacks it."""
    return False


has_openmp = _threads.openmp_compiled()
has_lapack = True      # numpy's linalg
has_mkl = False
has_spectral = True    # numpy's fft


def is_vulkan_available():
    return False


def is_storage(obj):
    """Always False: cynn tensors have no separate storage objects."""
    return False


def set_default_tensor_type(t):
    """Legacy: ``cynn.DoubleTensor``/``"torch.DoubleTensor"`` sets the default dtype."""
    name = t if isinstance(t, str) else getattr(t, "__name__", str(t))
    if "Double" in name:
        _dtype.set_default_dtype(_dtype.float64)
    elif "Float" in name:
        _dtype.set_default_dtype(_dtype.float32)
    else:
        raise TypeError(f"invalid type: '{name}'")


def asarray(obj, *, dtype=None, device=None, copy=None, requires_grad=False):
    """A tensor over ``obj``'s memory when it is a numpy array or tensor of the wanted
    dtype and ``copy`` is not True; a new one otherwise. Python numbers and nested
    lists become tensors as ``cynn.tensor`` makes them."""
    if isinstance(obj, Tensor):
        array = obj._data
    elif isinstance(obj, np.ndarray):
        array = obj
    else:
        from ._creation import tensor
        t = tensor(obj, dtype=dtype)
        return t.requires_grad_() if requires_grad else t
    target = array.dtype if dtype is None else _dtype.to_dtype(dtype).numpy
    if copy is False and target != array.dtype:
        raise ValueError("can't alias tensor from an array of a different dtype without a copy")
    if copy or target != array.dtype:
        array = np.array(array, dtype=target, copy=True)
    t = Tensor._wrap(array)
    return t.requires_grad_() if requires_grad else t


def frombuffer(buffer, *, dtype, count=-1, offset=0, requires_grad=False):
    """A 1-d tensor over a Python buffer's memory (no copy)."""
    np_dtype = _dtype.to_dtype(dtype).numpy
    array = np.frombuffer(buffer, dtype=np_dtype, count=count, offset=offset)
    t = Tensor._wrap(array)
    return t.requires_grad_() if requires_grad else t


def empty_strided(size, stride, *, dtype=None, layout=None, device=None, requires_grad=False,
                  pin_memory=False):
    """An uninitialised C-ordered tensor of ``size``; ``stride`` is accepted for torch's
    signature but not applied (cynn allocates every new tensor C-ordered)."""
    from ._creation import empty
    t = empty(tuple(size), dtype=dtype)
    return t.requires_grad_() if requires_grad else t


def empty_permuted(size, physical_layout, *, dtype=None, layout=None, device=None,
                   requires_grad=False, pin_memory=False):
    """An uninitialised tensor of ``size`` laid out in memory in ``physical_layout``'s
    dim order (a permuted view of a C-ordered block)."""
    from ._creation import empty
    order = list(physical_layout)
    block = empty(tuple(size[d] for d in order), dtype=dtype)
    inverse = [order.index(d) for d in builtins.range(len(order))]
    t = block.permute(*inverse)
    return t.requires_grad_() if requires_grad else t


def fill(input, value):  # noqa: A002
    """A new tensor shaped like ``input`` filled with ``value``."""
    out = input.clone()
    return out.fill_(value)


def range(start=0, end=None, step=1, *, dtype=None, device=None, requires_grad=False):  # noqa: A001
    """Deprecated in torch: ``arange`` with the end included."""
    from . import _warnings
    from ._creation import tensor
    _warnings.warn("torch.range is deprecated and will be removed in a future release because "
                   "its behavior is inconsistent with Python's range builtin. Instead, use "
                   "torch.arange, which produces values in [start, end).")
    if end is None:
        start, end = 0, start
    count = int(np.floor((end - start) / step)) + 1
    values = start + step * np.arange(max(count, 0))
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    t = tensor(values.astype(dt.numpy))
    return t.requires_grad_() if requires_grad else t


def unflatten(input, dim, sizes):  # noqa: A002
    """``input.unflatten(dim, sizes)``."""
    return input.unflatten(dim, sizes)


short = _dtype.int16
uint16, uint32, uint64 = _dtype.uint16, _dtype.uint32, _dtype.uint64


def _typed(dt):
    def make(*args):
        from ._creation import tensor, zeros
        if len(args) == 1 and not isinstance(args[0], (int, float)):
            return tensor(args[0], dtype=dt)
        return zeros(*args, dtype=dt)
    return make


ByteTensor = _typed(_dtype.uint8)
CharTensor = _typed(_dtype.int8)
ShortTensor = _typed(_dtype.int16)


def poisson(input, generator=None):  # noqa: A002
    """A Poisson sample per element with the element as its rate."""
    from ._random import generator as gen
    rng = gen() if generator is None else generator.numpy
    return Tensor._wrap(rng.poisson(input._data).astype(input._data.dtype))


def binomial(count, prob, generator=None):
    """A binomial sample per element (``count`` trials of probability ``prob``)."""
    from ._random import generator as gen
    rng = gen() if generator is None else generator.numpy
    return Tensor._wrap(rng.binomial(count._data.astype(np.int64), prob._data)
                        .astype(count._data.dtype))


from ._layout import (channels_last, channels_last_3d, contiguous_format,  # noqa: E402
                      layout, memory_format, preserve_format, strided)


def thread_safe_generator():
    """The generator a DataLoader thread worker should sample with: None here, meaning
    the default generator, since cynn's DataLoader workers are processes (each seeded
    on its own), as torch answers in process workers and the main process."""
    return None


def get_device(input):  # noqa: A002
    """-1: the CPU, as torch reports it."""
    return -1


def _default_generator():
    from ._random import default_generator as generator
    return generator


default_generator = _default_generator()

# torch's top-level forms of nn.functional ops: (torch name, F name, positional names
# torch takes that F takes as keywords)
FUNCTIONAL_ALIASES = {
    name: name for name in (
        "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d", "conv_transpose3d",
        "max_pool1d", "max_pool2d", "max_pool3d", "max_pool1d_with_indices", "avg_pool1d",
        "adaptive_avg_pool1d", "adaptive_max_pool1d", "pixel_shuffle", "pixel_unshuffle",
        "channel_shuffle", "native_channel_shuffle", "prelu", "selu", "celu", "rrelu",
        "hardshrink", "bilinear", "rms_norm", "layer_norm", "group_norm", "threshold",
        "selu_", "celu_", "rrelu_", "threshold_", "cosine_embedding_loss",
        "hinge_embedding_loss", "margin_ranking_loss", "triplet_margin_loss",
        "poisson_nll_loss", "binary_cross_entropy_with_logits")}


def dropout_like(name):
    """``torch.dropout(input, p, train)``: F's keyword ``training`` as a positional."""
    def fn(input, p, train):  # noqa: A002
        from .nn import functional as F
        fname = name.rstrip("_")
        inplace = name.endswith("_")
        if fname == "feature_dropout":
            return F.dropout2d(input, p, train, inplace) if input.dim() > 2 else \
                F.dropout1d(input, p, train, inplace)
        return getattr(F, fname)(input, p, train, inplace)
    fn.__name__ = fn.__qualname__ = name
    fn.__doc__ = f"``torch.{name}(input, p, train)``: ``F.{name.rstrip('_')}``."
    return fn


DROPOUT_FORMS = ("dropout", "dropout_", "alpha_dropout", "alpha_dropout_",
                 "feature_alpha_dropout", "feature_alpha_dropout_", "feature_dropout",
                 "feature_dropout_")


def is_anomaly_enabled():
    from .autograd import anomaly_mode
    return anomaly_mode.is_anomaly_enabled()


def is_anomaly_check_nan_enabled():
    from .autograd import anomaly_mode
    return anomaly_mode.is_anomaly_check_nan_enabled()


def set_anomaly_enabled(enabled, check_nan=True):
    from .autograd import anomaly_mode
    anomaly_mode.set_detect_anomaly(enabled, check_nan)


__all__ += ["is_anomaly_enabled", "is_anomaly_check_nan_enabled", "set_anomaly_enabled"]

from . import _aten_forms  # noqa: E402
from ._aten_forms import *  # noqa: E402,F401,F403

__all__ += _aten_forms.__all__
