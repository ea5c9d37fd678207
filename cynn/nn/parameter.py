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


_UNINITIALIZED = ("Can't access the shape of an uninitialized parameter or buffer. This error "
                  "usually happens in `load_state_dict` when trying to load an uninitialized "
                  "parameter into an initialized one. Call `forward` to initialize the "
                  "parameters before accessing their attributes.")


class UninitializedTensorMixin:
    """A parameter or buffer whose shape a lazy module learns from its first input;
    ``materialize(shape)`` gives it storage and turns it into ``cls_to_become``."""
    cls_to_become = None

    def materialize(self, shape, device=None, dtype=None):
        """Allocate ``shape`` (uninitialised values) and become ``cls_to_become``."""
        if isinstance(shape, int):
            shape = (shape,)
        np_dtype = self._data.dtype if dtype is None else _dtype.to_dtype(dtype).numpy
        self._data = np.empty(tuple(shape), dtype=np_dtype)
        self._version[0] += 1
        self.__class__ = self.cls_to_become

    @property
    def shape(self):
        raise RuntimeError(_UNINITIALIZED)

    def size(self, dim=None):
        raise RuntimeError(_UNINITIALIZED)

    def numel(self):
        raise RuntimeError(_UNINITIALIZED)

    def __repr__(self):
        return f"<{self.__class__.__name__}>"

    def __reduce_ex__(self, protocol):
        return (type(self), (self._requires_grad,))


class UninitializedParameter(UninitializedTensorMixin, Parameter):
    """A ``Parameter`` of a lazy module before its first forward (no shape yet)."""
    cls_to_become = Parameter

    def __new__(cls, requires_grad=True, device=None, dtype=None):
        np_dtype = (_dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)).numpy
        param = cls._wrap(np.empty((0,), np_dtype), requires_grad)
        return param

    def __init__(self, requires_grad=True, device=None, dtype=None):
        pass


class UninitializedBuffer(UninitializedTensorMixin, Tensor):
    """A buffer of a lazy module before its first forward (no shape yet)."""
    cls_to_become = Tensor

    def __new__(cls, requires_grad=False, device=None, dtype=None, persistent=True):
        np_dtype = (_dtype.get_default_dtype() if dtype is None else _dtype.to_dtype(dtype)).numpy
        return cls._wrap(np.empty((0,), np_dtype), requires_grad)

    def __init__(self, requires_grad=False, device=None, dtype=None, persistent=True):
        pass


def is_lazy(param):
    """Whether ``param`` is still uninitialised."""
    return isinstance(param, UninitializedTensorMixin)


__all__ += ["UninitializedParameter", "UninitializedBuffer", "is_lazy"]
