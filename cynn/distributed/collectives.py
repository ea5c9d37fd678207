"""Collectives over the default process group, in place on cynn Tensors.

A tensor's numpy array goes to MPI as a buffer (no pickling): in place when it is
C-contiguous and writeable, else through a contiguous copy written back afterwards.
Every rank must call the same collectives in the same order with tensors of the same
shape and dtype, as with torch.distributed.
"""
import enum

import numpy as np

from .._tensor import Tensor, _torch_type_name
from . import _mpi
from .process_group import _resolve

__all__ = ["ReduceOp", "Work", "all_reduce", "broadcast", "all_gather", "barrier"]


class ReduceOp(enum.Enum):
    """How ``all_reduce`` combines the ranks' values (torch's ``ReduceOp`` members;
    ``AVG`` needs a floating-point tensor, the bitwise ones an integer or bool one)."""

    SUM = 0
    AVG = 1
    PRODUCT = 2
    MIN = 3
    MAX = 4
    BAND = 5
    BOR = 6
    BXOR = 7


# bool tensors reduce with MPI's logical ops: a sum or maximum of truth values is "any",
# a product or minimum "all" (torch's results for bool)
_LOGICAL = {ReduceOp.SUM: "LOR", ReduceOp.MAX: "LOR", ReduceOp.BOR: "LOR",
            ReduceOp.PRODUCT: "LAND", ReduceOp.MIN: "LAND", ReduceOp.BAND: "LAND",
            ReduceOp.BXOR: "LXOR"}
_ARITHMETIC = {ReduceOp.SUM: "SUM", ReduceOp.AVG: "SUM", ReduceOp.PRODUCT: "PROD",
               ReduceOp.MIN: "MIN", ReduceOp.MAX: "MAX", ReduceOp.BAND: "BAND",
               ReduceOp.BOR: "BOR", ReduceOp.BXOR: "BXOR"}


class Work:
    """The handle an ``async_op=True`` collective returns: ``wait()`` blocks until the
    result is in the tensor(s)."""

    def __init__(self, request, finish=None):
        self._request = request
        self._finish = finish

    def wait(self, timeout=None):
        self._request.Wait()
        self._complete()
        return True

    def is_completed(self):
        if self._request.Test():
            self._complete()
            return True
        return False

    def _complete(self):
        if self._finish is not None:
            finish, self._finish = self._finish, None
            finish()


def all_reduce(tensor, op=ReduceOp.SUM, group=None, async_op=False):  # noqa: A002
    """Combine ``tensor`` across all ranks with ``op``; every rank gets the result in
    ``tensor``, in place.

    Args:
        tensor (Tensor): any shape; the same shape and dtype on every rank.
        op (ReduceOp): ``SUM`` (default), ``AVG``, ``PRODUCT``, ``MIN``, ``MAX``,
            ``BAND``, ``BOR``, ``BXOR``.
        group: the process group (default: the world).
        async_op (bool): return a ``Work`` to ``wait()`` on instead of blocking.

    Example (on 2 ranks)::

        >>> t = cynn.tensor([float(dist.get_rank() + 1)])
        >>> dist.all_reduce(t, op=dist.ReduceOp.SUM)
        >>> t
        tensor([3.])
    """
    _check_tensor(tensor, "tensor", "torch.Tensor")
    if not isinstance(op, ReduceOp):
        raise TypeError(f"all_reduce(): op must be a cynn.distributed.ReduceOp, not "
                        f"{type(op).__name__}")
    pg = _resolve(group)
    mpi = _mpi.MPI()
    dtype = tensor._data.dtype
    mpi_op = getattr(mpi, _mpi_op_name(op, dtype))
    # MPI has no half type: reduce in float32 and round once at the end
    buf, write_back = _contiguous(tensor, np.float32 if dtype == np.float16 else None)
    size = pg.size()

    def finish():
        if op is ReduceOp.AVG:
            np.divide(buf, size, out=buf)
        write_back()

    return _run(async_op, finish,
                lambda: pg.comm.Allreduce(mpi.IN_PLACE, buf, op=mpi_op),
                lambda: pg.comm.Iallreduce(mpi.IN_PLACE, buf, op=mpi_op))


def broadcast(tensor, src=None, group=None, async_op=False, group_src=None):  # noqa: A002
    """Copy ``tensor`` of rank ``src`` into ``tensor`` of every other rank, in place.

    Args:
        tensor (Tensor): the data on ``src``, the destination elsewhere; the same shape
            and dtype on every rank.
        src (int): the sending rank (``group_src`` is the same thing: cynn has only the
            world group).

    Raises:
        ValueError: neither ``src`` nor ``group_src`` given, or both.
        RuntimeError: ``src`` is not a rank of the group.
    """
    _check_tensor(tensor, "tensor", "torch.Tensor")
    if src is None and group_src is None:
        raise ValueError("Must specify global_rank or group_rank")
    if src is not None and group_src is not None:
        raise ValueError("Can only specify one of global_rank or group_rank")
    root = src if src is not None else group_src
    pg = _resolve(group)
    if not 0 <= root < pg.size():
        raise RuntimeError(f"broadcast: invalid root rank: {root} (the group has ranks 0 to "
                           f"{pg.size() - 1})")
    buf, write_back = _contiguous(tensor)
    raw = _bytes(buf)
    return _run(async_op, write_back, lambda: pg.comm.Bcast(raw, root=root),
                lambda: pg.comm.Ibcast(raw, root=root))


def all_gather(tensor_list, tensor, group=None, async_op=False):  # noqa: A002
    """Every rank's ``tensor`` into ``tensor_list[rank]``, on every rank.

    Args:
        tensor_list (list[Tensor]): ``world_size`` tensors of ``tensor``'s shape and
            dtype, overwritten in place.
        tensor (Tensor): this rank's contribution.

    Raises:
        TypeError: ``tensor_list`` is not a list of Tensors.
        RuntimeError: the list's length is not the world size, or a shape differs.
        ValueError: a dtype differs from ``tensor``'s.
    """
    if not isinstance(tensor_list, list) or not all(isinstance(t, Tensor) for t in tensor_list):
        raise TypeError("Invalid function argument. Expected parameter `tensor_list` of type "
                        f"List[torch.Tensor] but got {type(tensor_list)} instead.")
    _check_tensor(tensor, "tensor", "torch.Tensor")
    pg = _resolve(group)
    size = pg.size()
    if len(tensor_list) != size:
        raise RuntimeError(f"all_gather: invalid output tensor list (expected length {size}, "
                           f"got {len(tensor_list)})")
    for i, out in enumerate(tensor_list):
        if out._data.dtype != tensor._data.dtype:
            raise ValueError(f"Invalid usage of tensors with different dtypes: found "
                             f"{_torch_type_name(out._data.dtype)} at tensor_list[{i}] and "
                             f"{_torch_type_name(tensor._data.dtype)} for tensor")
        if out.shape != tensor.shape:
            raise RuntimeError(f"all_gather: invalid tensor size at index {i} (expected "
                               f"{tuple(tensor.shape)}, got {tuple(out.shape)})")
    send = np.ascontiguousarray(tensor._data)
    gathered = np.empty((size,) + send.shape, send.dtype)

    def finish():
        for out, part in zip(tensor_list, gathered):
            np.copyto(out._data, part)

    return _run(async_op, finish,
                lambda: pg.comm.Allgather(_bytes(send), _bytes(gathered)),
                lambda: pg.comm.Iallgather(_bytes(send), _bytes(gathered)))


def barrier(group=None, async_op=False, device_ids=None, timeout=None):  # noqa: A002
    """Block until every rank of ``group`` has reached this call."""
    pg = _resolve(group)
    return _run(async_op, None, pg.comm.Barrier, pg.comm.Ibarrier)


def _run(async_op, finish, blocking, start):
    """Run a collective now, or start it and hand back its ``Work``."""
    if async_op:
        return Work(start(), finish)
    blocking()
    if finish is not None:
        finish()
    return None


def _check_tensor(value, name, type_name):
    if not isinstance(value, Tensor):
        raise TypeError(f"Invalid function argument. Expected parameter `{name}` of type "
                        f"{type_name} but got {type(value)} instead.")


def _mpi_op_name(op, dtype):
    """The MPI operation for ``op`` on ``dtype``, or torch's error where it has none."""
    if dtype == np.bool_:
        if op is ReduceOp.AVG:
            raise RuntimeError("result type Float can't be cast to the desired output type Bool")
        return _LOGICAL[op]
    if dtype.kind == "f" and op in (ReduceOp.BAND, ReduceOp.BOR, ReduceOp.BXOR):
        raise RuntimeError(f"Cannot use ReduceOp.{op.name} with non-integral dtype "
                           f"{_torch_type_name(dtype)}")
    if dtype.kind in "iu" and op is ReduceOp.AVG:
        raise RuntimeError(f"result type Float can't be cast to the desired output type "
                           f"{_torch_type_name(dtype)}")
    return _ARITHMETIC[op]


def _contiguous(tensor, dtype=None):
    """A contiguous array to communicate through, and what puts its result back into
    ``tensor`` (nothing when the tensor's own array serves)."""
    data = tensor._data
    if data.flags.c_contiguous and data.flags.writeable and (dtype is None or data.dtype == dtype):
        return data, lambda: None
    buf = np.array(data, dtype=dtype, order="C")
    return buf, lambda: np.copyto(data, buf, casting="unsafe")


def _bytes(array):
    """``array``'s memory as bytes: data movement needs no MPI type, so every dtype
    (half and bool included) travels the same way."""
    return array.reshape(-1).view(np.uint8)
