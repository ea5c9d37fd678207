"""Views with explicit strides over a tensor's storage (``as_strided``) and the scatter
that writes through one (``as_strided_scatter``).

A cynn tensor's storage is the numpy array at the bottom of its ``.base`` chain (the
array that owns the memory); a view's storage offset is its distance from that array's
first element. ``as_strided`` builds a numpy view over the same memory, so writes
through it are seen by the tensor and by every other view of the storage, as in torch.

Gradients, as torch's ``as_strided_backward``: the output's gradient is summed into a
buffer laid out like the storage (positions the output shares add up), and the input
reads its gradient back from its own positions in it; an input that itself repeats a
storage element (an expanded tensor) divides by how often it repeats it.
"""
import numpy as np

from .. import function
from ..function import Function

__all__ = ["storage_of", "storage_offset", "storage_positions", "strided_view",
           "check_geometry", "AsStridedView", "SliceInverse", "AsStridedCopy", "AsStridedScatter",
           "Resize"]


def storage_of(array):
    """The array that owns ``array``'s memory (the bottom of its ``.base`` chain)."""
    root = array
    while True:
        base = root.base
        if isinstance(base, np.ndarray):
            root = base
        elif isinstance(getattr(base, "base", None), np.ndarray):   # numpy's DummyArray
            root = base.base
        else:
            return root


def _address(array):
    return array.__array_interface__["data"][0]


def storage_offset(array):
    """``array``'s first element's distance, in elements, from its storage's start."""
    return (_address(array) - _address(storage_of(array))) // array.itemsize


def storage_numel(array):
    """How many elements of ``array``'s dtype its storage holds."""
    return storage_of(array).nbytes // array.itemsize


def storage_positions(shape, strides, offset):
    """The storage position of every element of a ``(shape, strides, offset)`` geometry
    (strides in elements), as an int64 array of ``shape``."""
    positions = np.full(tuple(shape), offset, dtype=np.int64)
    for dim, (n, s) in enumerate(zip(shape, strides)):
        along = np.arange(n, dtype=np.int64) * s
        positions += along.reshape((n,) + (1,) * (len(shape) - dim - 1))
    return positions


def array_positions(array):
    """The storage position of every element of ``array``."""
    return storage_positions(array.shape, [s // array.itemsize for s in array.strides],
                             storage_offset(array))


def check_geometry(size, stride, offset, itemsize, available):
    """torch's checks of an ``as_strided`` geometry against a storage of ``available``
    elements."""
    if len(size) != len(stride):
        raise RuntimeError(f"mismatch in length of strides and shape")
    if any(s < 0 for s in stride):
        raise RuntimeError(f"as_strided: Negative strides are not supported at the moment, "
                           f"got strides: [{', '.join(map(str, stride))}]")
    if any(n < 0 for n in size):
        raise RuntimeError(f"Trying to create tensor with negative dimension {min(size)}: "
                           f"[{', '.join(map(str, size))}]")
    if offset < 0:
        raise RuntimeError(f"Tensor: invalid storage offset {offset}")
    needed = 0 if 0 in size else offset + 1 + sum((n - 1) * s for n, s in zip(size, stride))
    if needed > available:
        raise RuntimeError(
            f"setStorage: sizes [{', '.join(map(str, size))}], strides "
            f"[{', '.join(map(str, stride))}], storage offset {offset}, and itemsize "
            f"{itemsize} requiring a storage size of {needed * itemsize} are out of bounds "
            f"for storage of size {available * itemsize}")


def strided_view(array, size, stride, offset):
    """A numpy view of ``array``'s storage with the given geometry (already checked)."""
    root = storage_of(array)
    if not (root.flags.c_contiguous or root.flags.f_contiguous):
        raise NotImplementedError("as_strided: this tensor's memory is not one contiguous "
                                  "block cynn can address; call .contiguous() first")
    return np.ndarray(tuple(size), dtype=array.dtype, buffer=root, offset=offset * array.itemsize,
                      strides=tuple(s * array.itemsize for s in stride))


class AsStridedView(Function):
    """``x.as_strided(size, stride, storage_offset)``: a view of ``x``'s storage."""
    grad_fn_name = "AsStridedBackward0"
    output_is_view = True
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        ctx.in_positions = array_positions(x)
        ctx.out_positions = storage_positions(size, stride, offset)
        return strided_view(x, size, stride, offset)

    @staticmethod
    def backward(ctx, g):
        return _scatter_back(ctx.in_positions, ctx.out_positions, g), None, None, None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return _scatter_back_graph(ctx.in_positions, ctx.out_positions, g), None, None, None


class SliceInverse(AsStridedView):
    """``slice_inverse(x, src, ...)``: ``x``'s storage seen with ``src``'s geometry."""
    grad_fn_name = "SliceInverseBackward0"


class AsStridedCopy(AsStridedView):
    """``as_strided_copy``: the view's elements in a new C-ordered array."""
    grad_fn_name = "AsStridedBackward0_copy"
    output_is_view = False

    @staticmethod
    def forward(ctx, x, size, stride, offset):
        return np.array(AsStridedView.forward(ctx, x, size, stride, offset), order="C",
                        copy=True)


def _extent(in_positions, out_positions):
    top = max(int(in_positions.max(initial=-1)), int(out_positions.max(initial=-1)))
    return top + 1


def _scatter_back(in_positions, out_positions, g):
    buffer = np.zeros(_extent(in_positions, out_positions), g.dtype)
    np.add.at(buffer, out_positions.reshape(-1), np.asarray(g).reshape(-1))
    gx = buffer[in_positions]
    repeats = np.bincount(in_positions.reshape(-1), minlength=buffer.size)
    if in_positions.size and repeats.max() > 1:
        gx /= repeats[in_positions]
    return gx


def _scatter_back_graph(in_positions, out_positions, g):
    """``_scatter_back`` in differentiable Tensor ops (a recorded backward)."""
    Tensor = function.Tensor
    size = _extent(in_positions, out_positions)
    buffer = g.new_zeros(size).index_add(0, Tensor._wrap(out_positions.reshape(-1)),
                                         g.reshape(-1))
    gx = buffer[Tensor._wrap(in_positions)]
    repeats = np.bincount(in_positions.reshape(-1), minlength=size)
    if in_positions.size and repeats.max() > 1:
        gx = gx / Tensor._wrap(repeats[in_positions].astype(g._data.dtype))
    return gx


class AsStridedScatter(Function):
    """A copy of ``x`` (same memory layout, as torch's ``clone``) with the elements of the
    ``(size, stride, offset)`` geometry over the copy's storage replaced by ``src``."""
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, src, size, stride, offset):
        out = np.array(x, order="K", copy=True)
        check_geometry(size, stride, offset, out.itemsize, out.size)
        strided_view(out, size, stride, offset)[...] = src
        ctx.in_positions = array_positions(out)
        ctx.positions = storage_positions(size, stride, offset)
        return out

    @staticmethod
    def backward(ctx, g):
        written = np.zeros(max(ctx.in_positions.size, 1), bool)
        written[ctx.positions.reshape(-1)] = True
        gx = gsrc = None
        if ctx.needs_input_grad[0]:
            gx = np.where(written[ctx.in_positions], 0, g).astype(g.dtype, copy=False)
        if ctx.needs_input_grad[1]:
            laid_out = np.zeros(written.shape, g.dtype)
            laid_out[ctx.in_positions] = g
            gsrc = laid_out[ctx.positions]
        return gx, gsrc, None, None, None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        Tensor = function.Tensor
        written = np.zeros(max(ctx.in_positions.size, 1), bool)
        written[ctx.positions.reshape(-1)] = True
        keep = Tensor._wrap((~written[ctx.in_positions]).astype(g._data.dtype))
        # the storage order of g's elements, then the written positions read from it
        order = np.argsort(ctx.in_positions.reshape(-1), kind="stable")
        laid_out = g.reshape(-1)[Tensor._wrap(order)]
        return g * keep, laid_out[Tensor._wrap(ctx.positions)], None, None, None


class Resize(Function):
    """``Tensor.resize(*sizes)`` (deprecated in torch): a copy with the same number of
    elements in the new shape."""
    grad_fn_name = "ResizeBackward"
    fresh_gradients = True

    @staticmethod
    def forward(ctx, x, sizes):
        ctx.input_shape = x.shape
        return np.array(x, order="C", copy=True).reshape(sizes)

    @staticmethod
    def backward(ctx, g):
        return np.array(g, order="C", copy=True).reshape(ctx.input_shape), None

    @staticmethod
    def grad_graph(ctx, inputs, g):
        return g.reshape(ctx.input_shape), None
