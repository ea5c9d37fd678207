"""Reverse-mode automatic differentiation.

``backward`` and ``grad`` (``api.py``) drive the engine (``engine.py``) over the graph
that ops record through ``Function`` (``function.py``, the extension point for new ops).
Nothing in this package imports ``cynn._tensor``: the tensor imports the package, and
reaches back only through ``function.Tensor``, which it sets once defined.
"""
from . import function
from .api import backward, grad
from .function import Function, BackwardNode
from .grad_mode import (enable_grad, inference_mode, is_grad_enabled, is_inference_mode_enabled,
                        no_grad, set_grad_enabled)
from .gradcheck import GradcheckError, gradcheck, gradgradcheck
from . import functional
from .anomaly_mode import (detect_anomaly, is_anomaly_check_nan_enabled, is_anomaly_enabled,
                           set_detect_anomaly)

__all__ = ["backward", "grad", "gradcheck", "gradgradcheck", "functional", "GradcheckError",
           "detect_anomaly", "set_detect_anomaly", "set_multithreading_enabled", "variable", "Function", "BackwardNode",
           "Variable", "no_grad", "enable_grad", "set_grad_enabled", "is_grad_enabled",
           "inference_mode", "is_inference_mode_enabled"]


class _VariableMeta(type):
    def __instancecheck__(cls, obj):
        return isinstance(obj, function.Tensor)


class Variable(metaclass=_VariableMeta):
    """PyTorch's deprecated wrapper: ``Variable(t, requires_grad=False)`` is a tensor
    sharing ``t``'s storage, outside the graph; every tensor is a ``Variable``."""

    def __new__(cls, data, requires_grad=False, volatile=False):
        return data.detach().requires_grad_(requires_grad)


class set_multithreading_enabled:
    """torch's switch for its multithreaded backward; cynn's engine runs on the calling
    thread either way, so this only keeps the flag (usable as a context manager)."""

    _enabled = True

    def __init__(self, mode):
        self.previous = set_multithreading_enabled._enabled
        set_multithreading_enabled._enabled = bool(mode)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        set_multithreading_enabled._enabled = self.previous
        return False


variable = Variable  # torch.autograd.variable: the module of the legacy Variable


def __getattr__(name):
    # the legacy profiler loads on first use: it sits on cynn.profiler, above autograd
    if name == "profiler":
        import importlib
        return importlib.import_module(".profiler", __name__)
    raise AttributeError(f"module 'cynn.autograd' has no attribute {name!r}")
