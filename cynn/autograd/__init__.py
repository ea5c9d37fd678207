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

__all__ = ["backward", "grad", "gradcheck", "gradgradcheck", "functional", "GradcheckError", "Function", "BackwardNode",
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
