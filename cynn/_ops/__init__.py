"""Tensor functions beyond the core, one family per file. Each is a plain function
``f(input, ...)``, exported as ``cynn.f``; the family's ``METHODS`` become
``Tensor.f`` (the function itself: ``input`` is ``self``) and its ``INPLACE`` names
get a ``Tensor.f_`` twin that writes the result into ``self`` (through
``Tensor._inplace``, so autograd and version counters see it as for ``add_``).

Installing the methods from a table keeps these forwarders out of ``_tensor.py`` and
lets a test check that every listed name exists on both sides.
"""
from .._tensor import Tensor
from . import (compat, gradient, indexing, linalg_legacy, matrix, methods, misc, pointwise,
               reduction, search, shape, special, spectral, strided)

FAMILIES = (pointwise, indexing, reduction, shape, matrix, search, misc, methods, special, strided,
            gradient, compat, spectral, linalg_legacy)

__all__ = [name for family in FAMILIES for name in family.__all__]
for _family in FAMILIES:
    for _name in _family.__all__:
        globals()[_name] = getattr(_family, _name)


def _inplace_twin(fn):
    def method(self, *args, **kwargs):
        return self._inplace(lambda current: fn(current, *args, **kwargs))
    method.__name__ = method.__qualname__ = fn.__name__ + "_"
    method.__doc__ = f"In-place :func:`cynn.{fn.__name__}`: writes the result into ``self``."
    return method


def _install_methods():
    for family in FAMILIES:
        for name in family.METHODS:
            if name in Tensor.__dict__:
                raise RuntimeError(f"cynn._ops.{family.__name__}: Tensor.{name} already exists")
            setattr(Tensor, name, getattr(family, name))
        for name in family.INPLACE:
            setattr(Tensor, name + "_", _inplace_twin(getattr(family, name)))
        for name in getattr(family, "TWINS_OF_METHODS", ()):
            if name + "_" not in Tensor.__dict__:
                setattr(Tensor, name + "_", _inplace_twin(_method_caller(name)))


def _method_caller(name):
    def call(tensor, *args, **kwargs):
        return getattr(tensor, name)(*args, **kwargs)
    call.__name__ = name
    return call


_install_methods()
methods.install_properties()
special.install_methods()
compat.install_properties()
