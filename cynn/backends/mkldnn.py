"""``cynn.backends.mkldnn``: PyTorch's oneDNN switches. cynn's kernels do not use oneDNN,
so ``is_available()`` is False (no ``to_mkldnn`` layouts exist); ``enabled``,
``deterministic`` and ``allow_tf32`` can be set to bools and read back, and select
nothing.

Example::

    >>> import cynn
    >>> cynn.backends.mkldnn.is_available()
    False
"""
import contextlib
import sys

from ._flags import BoolFlag, FlagModule

__all__ = ["is_available", "flags", "set_flags"]


def is_available():
    """Whether cynn runs oneDNN kernels: it does not."""
    return False


def set_flags(_enabled=None, _deterministic=None, _allow_tf32=None):
    """Set the given flags (None leaves one as it is); returns the previous values."""
    module = sys.modules[__name__]
    previous = (module.enabled, module.deterministic, module.allow_tf32)
    for name, value in (("enabled", _enabled), ("deterministic", _deterministic),
                        ("allow_tf32", _allow_tf32)):
        if value is not None:
            setattr(module, name, value)
    return previous


@contextlib.contextmanager
def flags(enabled=False, deterministic=False, allow_tf32=True):
    """``with flags(...):`` sets the oneDNN flags for a block and restores them after."""
    previous = set_flags(enabled, deterministic, allow_tf32)
    try:
        yield
    finally:
        set_flags(*previous)


class _MkldnnModule(FlagModule):
    enabled = BoolFlag(True, "set_enabled_mkldnn")
    deterministic = BoolFlag(False, "set_deterministic_mkldnn")
    allow_tf32 = BoolFlag(False, "_set_onednn_allow_tf32")


sys.modules[__name__].__class__ = _MkldnnModule
