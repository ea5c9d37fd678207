"""A tensor's storage and its geometry: ``as_strided`` (a view with explicit sizes and
strides, in elements, at an offset into the storage), its copy and scatter forms,
``storage_offset``, ``set_`` (point a tensor at another's storage) and the resizes.

The storage of a cynn tensor is the numpy array that owns its memory (see
``cynn.autograd.functions.strided``); views made here share it, so writes through one
are seen by all, as in torch.
"""
import warnings

import numpy as np

from .._tensor import Tensor
from ..autograd.functions import strided as S
from ._checks import check_tensor

__all__ = ["as_strided", "as_strided_", "as_strided_copy", "as_strided_scatter", "resize_as_",
           "slice_inverse"]
METHODS = ["as_strided", "as_strided_", "as_strided_scatter", "storage_offset", "slice_inverse",
           "set_", "resize", "resize_as"]
INPLACE = []


def _ints(name, values):
    values = tuple(values) if isinstance(values, (tuple, list)) else (values,)
    if not all(isinstance(v, (int, np.integer)) and not isinstance(v, bool) for v in values):
        pos, bad = next((i, v) for i, v in enumerate(values, 1)
                        if not isinstance(v, (int, np.integer)) or isinstance(v, bool))
        raise TypeError(f"as_strided(): argument '{name}' failed to unpack the object at pos "
                        f"{pos} with error \"type must be tuple of ints,but got "
                        f"{type(bad).__name__}\"")
    return tuple(int(v) for v in values)


def _geometry(input, size, stride, storage_offset):  # noqa: A002
    size, stride = _ints("size", size), _ints("stride", stride)
    offset = S.storage_offset(input._data) if storage_offset is None else int(storage_offset)
    S.check_geometry(size, stride, offset, input._data.itemsize,
                     S.storage_numel(input._data))
    return size, stride, offset


def storage_offset(self):
    """This tensor's first element's distance, in elements, from its storage's start."""
    return int(S.storage_offset(self._data))


def as_strided(input, size, stride, storage_offset=None):  # noqa: A002
    """A view of ``input``'s storage with the given ``size`` and ``stride`` (in elements),
    starting ``storage_offset`` elements into the storage (default: where ``input``
    starts). Element ``i`` of the view is storage element
    ``storage_offset + sum(i[d] * stride[d])``; the elements may overlap.

    Shape: ``size``. Raises RuntimeError when the geometry reaches outside the storage
    or a stride is negative, as torch. Differentiable (``AsStridedBackward0``): elements
    the view repeats add their gradients.

    Example::

        >>> x = cynn.arange(6.)
        >>> cynn.as_strided(x, (2, 2), (1, 2))
        tensor([[0., 2.],
                [1., 3.]])
    """
    check_tensor("as_strided", input)
    size, stride, offset = _geometry(input, size, stride, storage_offset)
    return S.AsStridedView.apply(input, size, stride, offset)


def as_strided_(input, size, stride, storage_offset=None):  # noqa: A002
    """In place: ``input`` becomes ``as_strided(input, size, stride, storage_offset)``."""
    check_tensor("as_strided_", input)
    size, stride, offset = _geometry(input, size, stride, storage_offset)
    input._check_inplace_target()
    return input._adopt_view(S.AsStridedView.apply(input, size, stride, offset))


def as_strided_copy(input, size, stride, storage_offset=None):  # noqa: A002
    """``as_strided``'s elements in a new tensor (no memory shared with ``input``)."""
    check_tensor("as_strided_copy", input)
    size, stride, offset = _geometry(input, size, stride, storage_offset)
    return S.AsStridedCopy.apply(input, size, stride, offset)


def as_strided_scatter(input, src, size, stride, storage_offset=None):  # noqa: A002
    """A copy of ``input`` with the elements that ``as_strided(copy, size, stride,
    storage_offset)`` would view replaced by ``src`` (the copy keeps ``input``'s memory
    layout and starts its own storage, so the default offset is 0).

    Shape: output ``input``'s; ``src`` broadcasts to ``size``. Differentiable in both."""
    check_tensor("as_strided_scatter", input)
    check_tensor("as_strided_scatter", src, "src", 2)
    size, stride = _ints("size", size), _ints("stride", stride)
    if tuple(src.shape) != size:
        raise RuntimeError(f"expected src to have a size equal to the slice of self. src "
                           f"size = [{', '.join(map(str, src.shape))}], slice size = "
                           f"[{', '.join(map(str, size))}]")
    offset = 0 if storage_offset is None else int(storage_offset)
    return S.AsStridedScatter.apply(input, src, size, stride, offset)


def slice_inverse(input, src, dim=0, start=None, end=None, step=1):  # noqa: A002
    """The inverse of ``src = base[start:end:step]`` along ``dim`` as functionalization
    uses it: a view of ``input``'s storage with ``src``'s sizes, strides and storage
    offset (``input`` the sliced view, ``src`` the base it came from). The slice
    arguments describe the slice; the geometry comes from ``src``.

    Shape: ``src``'s. Differentiable in ``input`` (``SliceInverseBackward0``)."""
    check_tensor("slice_inverse", input)
    check_tensor("slice_inverse", src, "src", 2)
    size, stride, offset = _geometry(input, tuple(src.shape), src.stride(),
                                     src.storage_offset())
    return S.SliceInverse.apply(input, size, stride, offset)


def set_(self, source=None, storage_offset=0, size=None, stride=None):
    """Point this tensor at ``source``'s storage: with ``source`` alone, the same storage,
    sizes and strides; with ``size`` (and ``stride``, default C-ordered), that geometry at
    ``storage_offset``; with no arguments, an empty tensor. The version counter stays
    this tensor's own, as in torch."""
    if self.requires_grad and self.grad_fn is None:
        raise RuntimeError("a leaf Variable that requires grad is being used in an in-place "
                           "operation.")
    if source is None:
        array = np.empty(0, self._data.dtype)
    elif not isinstance(source, Tensor):
        raise TypeError(f"set_(): argument 'source' must be Tensor, not "
                        f"{type(source).__name__} (cynn has no separate storage objects)")
    elif source._data.dtype != self._data.dtype:
        raise RuntimeError(f"Could not set tensor of type {self.dtype} to a tensor of type "
                           f"{source.dtype}")
    elif size is None:
        array = source._data
    else:
        size = _ints("size", size)
        if stride is None:
            stride = tuple(int(np.prod(size[d + 1:])) for d in range(len(size)))
        size, stride, offset = _geometry(source, size, stride, storage_offset)
        array = S.strided_view(source._data, size, stride, offset)
    self._data = array
    self._base = None
    self._version[0] += 1
    return self


def resize_as_(input, the_template, *, memory_format=None):  # noqa: A002
    """``input.resize_(the_template.shape)``."""
    check_tensor("resize_as_", input)
    check_tensor("resize_as_", the_template, "the_template", 2)
    return input.resize_(tuple(the_template.shape))


def resize(self, *sizes):
    """Deprecated in torch (warns): a copy of this tensor in the shape ``sizes``, which
    must hold the same number of elements. Differentiable (``ResizeBackward``)."""
    warnings.warn("non-inplace resize is deprecated", UserWarning, stacklevel=2)
    return _resize(self, sizes)


def resize_as(self, tensor):
    """Deprecated in torch (warns): ``resize`` to ``tensor``'s shape."""
    warnings.warn("non-inplace resize_as is deprecated", UserWarning, stacklevel=2)
    return _resize(self, tuple(tensor.shape))


def _resize(self, sizes):
    if len(sizes) == 1 and isinstance(sizes[0], (tuple, list)):
        sizes = tuple(sizes[0])
    sizes = tuple(int(n) for n in sizes)
    numel = int(np.prod(sizes)) if sizes else 1
    if numel != self.numel():
        raise RuntimeError(
            f"requested resize to {'x'.join(map(str, sizes))} ({numel} elements in total), "
            f"but the given tensor has a size of {'x'.join(map(str, self.shape))} "
            f"({self.numel()} elements). autograd's resize can only change the shape of a "
            "given tensor, while preserving the number of elements. ")
    return S.Resize.apply(self, sizes)
