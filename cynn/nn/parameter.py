"""``Parameter`` (a Tensor a Module registers as learnable) and ``Buffer``."""
import numpy as np

from .. import _dtype
from .._tensor import Tensor

__all__ = ["Parameter", "Buffer"]


def _empty():
    return np.empty((0,), dtype=_dtype.get_default_dtype().numpy)


class Parameter(Tensor):
    """A Tensor that is a module parameter.

    Assigning a Parameter as an attribute of a ``Module`` registers it: it then
    appears in ``parameters()`` and ``state_dict()``. The Parameter shares storage
    with ``data``; operations on it return plain Tensors.

    Args:
        data (Tensor, optional): the parameter's value; an empty float tensor
            when omitted.
        requires_grad (bool): whether gradients are accumulated into ``.grad``.
            Default: ``True``.

    Example::

        >>> w = cynn.nn.Parameter(cynn.ones(2, 3))
        >>> w
        Parameter containing:
        tensor([[1., 1., 1.],
                [1., 1., 1.]], requires_grad=True)
        >>> type(w * 2).__name__
        'Tensor'
    """

    def __new__(cls, data=None, requires_grad=True):
        if data is None:
            array, version = _empty(), [0]
        elif isinstance(data, Tensor):
            array, version = data._data, data._version
        else:
            # PyTorch calls data.detach() here, which fails the same way.
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        if requires_grad and array.dtype.kind != "f":
            raise RuntimeError("Only Tensors of floating point and complex dtype can require "
                               "gradients")
        param = cls._wrap(array, requires_grad)
        # An alias of ``data`` (as ``detach`` makes): in-place writes through either
        # are seen by graph nodes that saved the other.
        param._version = version
        return param

    def __init__(self, data=None, requires_grad=True):
        pass  # everything happens in __new__; Tensor.__init__ must not run again

    def __repr__(self):
        return "Parameter containing:\n" + super().__repr__()

    def __reduce_ex__(self, protocol):
        return (_rebuild_parameter, (self._data, self._requires_grad))


def _rebuild_parameter(array, requires_grad):
    return Parameter(Tensor._wrap(array), requires_grad)


class Buffer(Tensor):
    """Marks a Tensor as a buffer when assigned to a ``Module`` attribute.

    ``module.running_mean = Buffer(t)`` is ``module.register_buffer("running_mean",
    t, persistent)``; the module stores a plain Tensor sharing ``t``'s storage.

    Args:
        data (Tensor, optional): the buffer's value; an empty float tensor when omitted.
        persistent (bool): whether the buffer is part of ``state_dict()``. Default: ``True``.
    """

    def __new__(cls, data=None, *, persistent=True):
        if data is None:
            array, version, requires_grad = _empty(), [0], False
        elif isinstance(data, Tensor):
            array, version, requires_grad = data._data, data._version, data._requires_grad
        else:
            raise AttributeError(f"'{type(data).__name__}' object has no attribute 'detach'")
        buf = cls._wrap(array, requires_grad)
        buf._version = version
        buf.persistent = bool(persistent)
        return buf

    def __init__(self, data=None, *, persistent=True):
        pass

    def _as_tensor(self):
        t = Tensor._wrap(self._data, self._requires_grad)
        t._version = self._version
        return t
