"""``cynn.backends.cudnn``: the cuDNN switches of PyTorch, with no cuDNN behind them.

``is_available()`` is False and ``version()`` None, as on a CPU-only PyTorch build. The
flags (``enabled``, ``benchmark``, ``deterministic``, ``allow_tf32``) can be read and set
(to bools only) so that training scripts which set them run unchanged; they select
nothing in cynn, whose CPU kernels are deterministic and pick their algorithm by shape.

Example::

    >>> import cynn
    >>> cynn.backends.cudnn.benchmark = True
    >>> cynn.backends.cudnn.is_available()
    False
    >>> cynn.backends.cudnn.benchmark = False
"""
import contextlib
import sys

from ._flags import BoolFlag, FlagModule

__all__ = ["is_available", "version", "is_acceptable", "flags", "set_flags"]


def is_available():
    """Whether cuDNN can be used: never, in cynn."""
    return False


def version():
    """cuDNN's version: None, as there is no cuDNN."""
    return None


def is_acceptable(tensor):
    """Whether cuDNN would run on ``tensor``: never."""
    return False


def set_flags(_enabled=None, _benchmark=None, _benchmark_limit=None, _deterministic=None,
              _allow_tf32=None):
    """Set the given flags (None leaves one as it is); returns the previous values."""
    module = sys.modules[__name__]
    previous = (module.enabled, module.benchmark, None, module.deterministic,
                module.allow_tf32)
    for name, value in (("enabled", _enabled), ("benchmark", _benchmark),
                        ("deterministic", _deterministic), ("allow_tf32", _allow_tf32)):
        if value is not None:
            setattr(module, name, value)
    return previous


@contextlib.contextmanager
def flags(enabled=False, benchmark=False, benchmark_limit=10, deterministic=False,
          allow_tf32=True):
    """``with flags(...):`` sets the cuDNN flags for a block and restores them after."""
    previous = set_flags(enabled, benchmark, benchmark_limit, deterministic, allow_tf32)
    try:
        yield
    finally:
        set_flags(*previous)


class _CudnnModule(FlagModule):
    enabled = BoolFlag(True, "set_enabled_cudnn")
    benchmark = BoolFlag(False, "set_benchmark_cudnn")
    deterministic = BoolFlag(False, "set_deterministic_cudnn")
    allow_tf32 = BoolFlag(True, "set_allow_tf32_cublas")
    # PyTorch defines the limit only when cuDNN is available
    benchmark_limit = None


sys.modules[__name__].__class__ = _CudnnModule
