"""cynn: Cython-accelerated CPU neural-network layers with a PyTorch-mirroring API.

``import cynn as torch`` runs PyTorch-tutorial code on the CPU; see README.md.
"""
__version__ = "0.1.0"

from ._dtype import (bool, double, dtype, float, float16, float32, float64, get_default_dtype,  # noqa: A004
                     half, int, int8, int16, int32, int64, long, set_default_dtype, uint8)
from ._device import device
from ._random import Generator, initial_seed, manual_seed, seed
from ._tensor_str import get_printoptions, set_printoptions
from ._threads import get_num_threads, set_num_threads
from ._tensor import Size, Tensor
from ._creation import *  # noqa: F401,F403
from ._functions import *  # noqa: F401,F403
from ._ops import *  # noqa: F401,F403
from .random import get_rng_state, set_rng_state
from ._typename import typename
from ._toplevel import *  # noqa: F401,F403
from ._sparse_tensor import sparse_coo, sparse_coo_tensor, spmm  # noqa: F401
from .autograd import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                       no_grad, set_grad_enabled)
from . import autograd
from ._determinism import (are_deterministic_algorithms_enabled, get_deterministic_debug_mode,
                           is_deterministic_algorithms_warn_only_enabled,
                           set_deterministic_debug_mode, use_deterministic_algorithms)
from ._matmul_precision import get_float32_matmul_precision, set_float32_matmul_precision

_OPTIONAL = ("nn", "optim", "utils", "serialization", "registry", "hooks", "accelerator", "cpu", "hub",
             "backends", "cuda", "mps", "xpu", "testing", "distributed", "onnx", "linalg", "random", "sparse",
             "multiprocessing", "profiler")


def __getattr__(name):
    # Subpackages load on first use: `import cynn` stays fast and free of cycles.
    if name in _OPTIONAL:
        import importlib
        if name == "registry":
            # the built-in layers reach the registry when cynn.nn is imported
            importlib.import_module(".nn", __name__)
        return importlib.import_module(f".{name}", __name__)
    from ._toplevel import DROPOUT_FORMS, FUNCTIONAL_ALIASES, dropout_like
    if name in FUNCTIONAL_ALIASES:
        from .nn import functional as F
        if hasattr(F, FUNCTIONAL_ALIASES[name]):
            return getattr(F, FUNCTIONAL_ALIASES[name])
    if name in DROPOUT_FORMS:
        return dropout_like(name)
    if name in ("cdist", "pdist", "pairwise_distance", "cosine_similarity"):
        # torch's top-level distances are nn.functional's; loaded on use like cynn.nn
        import importlib
        return getattr(importlib.import_module(".nn.functional.distance", __name__), name)
    if name in ("save", "load"):
        from . import serialization
        return getattr(serialization, name)
    raise AttributeError(f"module 'cynn' has no attribute {name!r}")


def cuda_is_available():
    return False


FloatTensor = DoubleTensor = LongTensor = None  # set below: callable type aliases


def _typed(dtype_):
    def make(*args):
        if len(args) == 1 and not isinstance(args[0], (type(1), type(1.0))):
            return tensor(args[0], dtype=dtype_)
        return zeros(*args, dtype=dtype_)
    return make


FloatTensor = _typed(float32)
DoubleTensor = _typed(float64)
LongTensor = _typed(int64)
IntTensor = _typed(int32)
BoolTensor = _typed(bool)
