"""Tensors in shared memory, and how multiprocessing pickles them.

``share_memory_`` swaps a tensor's array for a copy in a shared segment (see
``_segments``: the Tensor object keeps its identity, the data is copied once).
Pickling by ``multiprocessing`` (its ``ForkingPickler``: ``Queue``, ``Pipe``, the
arguments of a spawned ``Process``) sends a shared tensor as its segment's handle plus
shape, strides and offset; the receiver maps the same memory, so writes on either side
are seen on the other. A tensor that is not shared is pickled as usual (a copy).
"""
import pickle
from multiprocessing import reduction

from .._tensor import Tensor
from ..nn.parameter import Buffer, Parameter
from .. import _shared_storage as _segments
from .._shared_storage import get_all_sharing_strategies, get_sharing_strategy, set_sharing_strategy

__all__ = ["share_memory_", "is_shared", "get_sharing_strategy", "set_sharing_strategy",
           "get_all_sharing_strategies"]


def share_memory_(tensor):
    """Move ``tensor``'s data into shared memory, in place; returns ``tensor``.

    The data is copied once into a new segment and the tensor then reads and writes
    the segment (a no-op when it is shared already). Its gradient is not moved.
    Unlike torch, where a storage moves with all its views, only this tensor moves:
    views of it taken before the call, or the tensor it is a view of, keep the old
    memory (numpy arrays cannot be re-pointed).
    """
    if not isinstance(tensor, Tensor):
        raise TypeError(f"share_memory_(): expected a Tensor, got {type(tensor).__name__}")
    if not _segments.is_shared_array(tensor._data):
        tensor._data = _segments.share_array(tensor._data)
    return tensor


def is_shared(tensor):
    """Whether ``tensor``'s data lives in shared memory."""
    return _segments.is_shared_array(tensor._data)


def _rebuild_tensor(handle, layout, requires_grad):
    return Tensor._wrap(_segments.view(handle, layout), requires_grad)


def _rebuild_parameter(handle, layout, requires_grad):
    return Parameter(Tensor._wrap(_segments.view(handle, layout)), requires_grad)


def _reduce(tensor):
    if tensor._grad_fn is not None:
        raise RuntimeError(
            "Cowardly refusing to serialize non-leaf tensor which requires_grad, since "
            "autograd does not support crossing process boundaries.  If you just want to "
            "transfer the data, call detach() on the tensor before serializing (e.g., "
            "putting it on the queue).")
    segment = _segments.segment_of(tensor._data)
    if segment is None:
        return tensor.__reduce_ex__(pickle.HIGHEST_PROTOCOL)
    rebuild = _rebuild_parameter if isinstance(tensor, Parameter) else _rebuild_tensor
    return rebuild, (_segments.handle(segment), _segments.layout(tensor._data, segment),
                     tensor._requires_grad)


def _register_reducers():
    # ForkingPickler's table is looked up by exact type, as copyreg's is
    for cls in (Tensor, Parameter, Buffer):
        reduction.ForkingPickler.register(cls, _reduce)
