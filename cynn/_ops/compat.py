"""Tensor attributes and functions torch keeps for compatibility or for devices cynn does
not have, each behaving as torch's does on a CPU tensor: ``name`` (None), ``volatile``
(removed: always False, warns), ``reinforce`` (removed: raises), ``is_distributed``,
``record_stream`` (CUDA-only), ``grad_dtype``, ``module_load``, ``as_subclass``, and the
top-level ``resolve_neg``, ``imag``, ``addmv_``, ``get_device_module``, ``from_file``.
"""
import importlib
import warnings

import numpy as np

from .. import _dtype
from .._tensor import Tensor
from ._checks import check_tensor

__all__ = ["is_distributed", "resolve_neg", "imag", "addmv_", "get_device_module", "from_file"]
METHODS = ["is_distributed", "record_stream", "module_load", "as_subclass", "reinforce"]
INPLACE = []

_REINFORCE_REMOVED = (
    "reinforce() was removed.\n"
    "Use torch.distributions instead.\n"
    "See https://pytorch.org/docs/main/distributions.html")


def is_distributed(input):  # noqa: A002
    """Always False: cynn tensors live in one process's memory."""
    return False


def resolve_neg(input):  # noqa: A002
    """``input`` itself: cynn has no lazy negation bit to materialise."""
    check_tensor("resolve_neg", input)
    return input.resolve_neg()


def imag(input):  # noqa: A002
    """The imaginary part; cynn tensors are real, so this raises as torch does for them."""
    check_tensor("imag", input)
    return input.imag


def addmv_(input, mat, vec, *, beta=1, alpha=1):  # noqa: A002
    """In place: ``input = beta * input + alpha * (mat @ vec)``. Shape: mat ``(n, m)``,
    vec ``(m,)``, input ``(n,)``."""
    check_tensor("addmv_", input)
    return input.addmv_(mat, vec, beta=beta, alpha=alpha)


def get_device_module(device=None):
    """The module of a device type (``"cpu"`` -> ``cynn.cpu``, ``"cuda"`` -> ``cynn.cuda``,
    ``"mps"``, ``"xpu"``); with no argument the current accelerator's, which on cynn is
    the CPU's."""
    if device is None:
        name = "cpu"
    elif isinstance(device, str):
        name = device.split(":")[0]
    else:
        name = getattr(device, "type", None) or str(device)
    if name not in ("cpu", "cuda", "mps", "xpu"):
        raise RuntimeError(f"Device '{name}' does not have a corresponding module registered "
                           f"as 'cynn.{name}'.")
    return importlib.import_module(f"cynn.{name}")


def from_file(filename, shared=None, size=0, *, dtype=None, layout=None, device=None,
              pin_memory=False):
    """A 1-d tensor of ``size`` elements over a memory-mapped file.

    With ``shared=True`` writes to the tensor go to the file (created or grown as needed);
    otherwise they stay private (copy on write) and the file must hold at least ``size``
    elements. ``dtype`` defaults to the default float dtype.
    """
    import os
    dt = _dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)
    nbytes = int(size) * dt.itemsize
    if shared:
        if not os.path.exists(filename) or os.path.getsize(filename) < nbytes:
            with open(filename, "ab") as f:
                f.truncate(max(nbytes, 0))
    elif os.path.getsize(filename) < nbytes:
        raise RuntimeError(f"unable to mmap {nbytes} bytes from file <{filename}>: Cannot "
                           f"allocate memory (12)")
    if size == 0:
        return Tensor._wrap(np.empty(0, dt.numpy))
    array = np.memmap(filename, dtype=dt.numpy, mode="r+" if shared else "c", shape=(size,))
    return Tensor._wrap(array)


def record_stream(self, stream):
    """CUDA's allocator hint; a CPU tensor has no stream to record, as in torch."""
    raise NotImplementedError("Could not run 'aten::record_stream' with arguments from the "
                              "'CPU' backend. 'aten::record_stream' is only available for "
                              "CUDA tensors.")


def module_load(self, other, assign=False):
    """How ``Module.load_state_dict`` turns the state-dict value ``other`` into this
    parameter's or buffer's new value: ``other.detach()`` with ``assign``, else this
    tensor's storage updated with ``other``'s values, detached."""
    if assign:
        return other.detach()
    return self.copy_(other).detach()


def as_subclass(self, cls):
    """This tensor as an instance of ``cls`` (a subclass of ``cynn.Tensor``): the same
    memory, version counter and place in the autograd graph."""
    if not (isinstance(cls, type) and issubclass(cls, Tensor)):
        raise TypeError(f"as_subclass(): argument 'cls' must be a subclass of Tensor, "
                        f"not {getattr(cls, '__name__', cls)!r}")
    out = object.__new__(cls)
    for slot in ("_data", "_requires_grad", "_grad", "_grad_fn", "_output_nr", "_version",
                 "_base", "_hooks", "_acc_node", "_retains_grad"):
        setattr(out, slot, getattr(self, slot))
    return out


def reinforce(self, reward):
    """Removed from torch; raises with torch's pointer to torch.distributions."""
    raise RuntimeError(_REINFORCE_REMOVED)


def _volatile_get(self):
    warnings.warn("volatile was removed (Variable.volatile is always False)", UserWarning,
                  stacklevel=2)
    return False


def _volatile_set(self, value):
    warnings.warn("volatile was removed and now has no effect. Use `with torch.no_grad():` "
                  "instead.", UserWarning, stacklevel=2)


def _grad_dtype_get(self):
    if self.grad_fn is not None:
        raise RuntimeError("grad_dtype can only be accessed on leaf tensors.")
    return self.__dict__.get("_grad_dtype", self.dtype)


def _grad_dtype_set(self, value):
    if self.grad_fn is not None:
        raise RuntimeError("grad_dtype can only be set on leaf tensors.")
    if value is not None and _dtype.to_dtype(value) != self.dtype:
        raise NotImplementedError(
            f"grad_dtype: cynn's autograd accumulates a leaf's gradient in the leaf's own "
            f"dtype ({self.dtype}); a different grad_dtype ({value}) is not supported")
    self.__dict__["_grad_dtype"] = value


def install_properties():
    """torch's attribute-like members of these (getset descriptors there)."""
    Tensor.name = property(lambda self: None,
                           doc="None: cynn tensors have no names (torch's is None unless "
                                "set by named-tensor internals).")
    Tensor.volatile = property(_volatile_get, _volatile_set,
                               doc="Removed in torch: always False, and warns.")
    Tensor.grad_dtype = property(
        _grad_dtype_get, _grad_dtype_set,
        doc="The dtype a leaf's gradient is accumulated in: the tensor's dtype (None "
            "allows any). Only the tensor's own dtype or None can be set on cynn.")
