"""Arrays in POSIX shared memory: the mechanism under ``Tensor.share_memory_`` and
``cynn.multiprocessing``. numpy only, no Tensor, so that the Tensor class can use it
without importing the multiprocessing package.

A shared array lives in a segment made with ``shm_open`` (the DataLoader's worker
batches use the same calls and the same ``cynn_<pid>_`` names, see
``cynn.utils.data._shared_memory``) and mapped with ``mmap``; ``share_array`` copies
an array there once.

Two ways to hand a segment to another process, as torch's sharing strategies:

* ``"file_descriptor"`` (default): the name is unlinked as soon as the segment is
  mapped, so ``/dev/shm`` never lists it; other processes receive a duplicate of the
  file descriptor (inherited by ``fork``, passed over a Unix socket by
  ``multiprocessing.reduction.DupFd`` otherwise). The kernel frees the memory when the
  last descriptor and mapping close, whatever way the processes ended.
* ``"file_system"``: the segment keeps its name and the name is what is sent. The
  creating process unlinks it when its own mapping is freed or it exits; if it is
  killed, the ``multiprocessing`` resource tracker unlinks it.
"""
import itertools
import mmap
import os
import secrets
import weakref
from multiprocessing import reduction, resource_tracker

import numpy as np

try:
    import _posixshmem
except ImportError:  # Windows
    _posixshmem = None

__all__ = ["share_array", "is_shared_array", "get_sharing_strategy", "set_sharing_strategy",
           "get_all_sharing_strategies"]

_all_sharing_strategies = {"file_descriptor", "file_system"}
_sharing_strategy = "file_descriptor"

_counter = itertools.count()
# id(mmap) -> _Segment for every mapping made by this process; an array belongs to a
# segment when the end of its ``.base`` chain is one of these mappings
_segments = {}


def get_sharing_strategy():
    """The current strategy for sharing tensor storage between processes."""
    return _sharing_strategy


def set_sharing_strategy(new_strategy):
    """Set the strategy for sharing tensor storage: ``"file_descriptor"`` or
    ``"file_system"`` (see ``get_all_sharing_strategies``)."""
    global _sharing_strategy
    if new_strategy not in _all_sharing_strategies:
        raise AssertionError(f"invalid sharing strategy {new_strategy!r}, "
                             f"expected one of {_all_sharing_strategies}")
    _sharing_strategy = new_strategy


def get_all_sharing_strategies():
    """The set of sharing strategies supported on this system."""
    return set(_all_sharing_strategies)


class _Segment:
    """One mapping of a shared-memory segment in this process."""

    # no reference to the mapping itself: the arrays over it decide its lifetime
    __slots__ = ("fd", "nbytes", "name", "owner", "address")

    def __init__(self, mm, fd, nbytes, name, owner):
        self.fd = fd            # kept open so the segment can be sent on; -1 if none
        self.nbytes = nbytes
        self.name = name        # None once unlinked (file_descriptor strategy)
        self.owner = owner      # pid that unlinks a named segment, else None
        self.address = np.frombuffer(mm, np.uint8).ctypes.data
        _segments[id(mm)] = self
        weakref.finalize(mm, _release, id(mm), fd, name, owner)


def _release(key, fd, name, owner):
    _segments.pop(key, None)
    if fd >= 0:
        try:
            os.close(fd)
        except OSError:
            pass
    # a fork child holds the parent's finalizers too: only the creator unlinks
    if name is not None and owner == os.getpid():
        _unlink(name)
        try:
            resource_tracker.unregister("/" + name, "shared_memory")
        except Exception:  # the tracker is already gone at interpreter exit
            pass


def segment_of(array):
    """The ``_Segment`` of this process that ``array`` lies in, or None."""
    base = array
    while isinstance(base, np.ndarray):
        base = base.base
    if isinstance(base, memoryview):  # np.frombuffer keeps a memoryview of the mapping
        base = base.obj
    if isinstance(base, mmap.mmap):
        return _segments.get(id(base))
    return None


def _create(nbytes):
    if _posixshmem is None:
        raise RuntimeError("shared memory tensors need POSIX shared memory (shm_open), "
                           "which this system does not provide")
    name = f"cynn_{os.getpid()}_{secrets.token_hex(4)}_mp{next(_counter)}"
    fd = _posixshmem.shm_open("/" + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    keep_name = _sharing_strategy == "file_system"
    try:
        size = max(nbytes, 1)  # mmap refuses a length of 0
        os.ftruncate(fd, size)
        mm = mmap.mmap(fd, size)
    except BaseException:
        os.close(fd)
        _unlink(name)
        raise
    if keep_name:
        resource_tracker.register("/" + name, "shared_memory")
        _Segment(mm, fd, nbytes, name, os.getpid())
        return mm
    _unlink(name)
    _Segment(mm, fd, nbytes, None, None)
    return mm


def _unlink(name):
    try:
        _posixshmem.shm_unlink("/" + name)
    except FileNotFoundError:
        pass


def share_array(array):
    """A copy of ``array`` in a new shared-memory segment (same shape, C order)."""
    if array.dtype.hasobject:
        raise RuntimeError("share_memory_(): tensors of Python objects cannot be shared")
    mm = _create(array.nbytes)
    shared = np.frombuffer(mm, array.dtype, count=array.size).reshape(array.shape)
    np.copyto(shared, array)
    return shared


def is_shared_array(array):
    """Whether ``array``'s memory is a shared segment mapped by this process."""
    return segment_of(array) is not None


# -- what crosses a process boundary ----------------------------------------------------
def layout(array, segment):
    """``(dtype, shape, strides, byte offset)`` of ``array`` inside ``segment``."""
    offset = array.__array_interface__["data"][0] - segment.address
    return (array.dtype.str, array.shape, array.strides, offset)


def handle(segment):
    """What tells another process where ``segment`` is: its name, or a descriptor that
    multiprocessing duplicates into the receiver."""
    if segment.name is not None:
        return ("name", segment.name, segment.nbytes)
    return ("fd", reduction.DupFd(segment.fd), segment.nbytes)


def _open(handle):
    kind, where, nbytes = handle
    size = max(nbytes, 1)
    if kind == "name":
        fd = _posixshmem.shm_open("/" + where, os.O_RDWR, 0o600)
        name = where
    else:
        fd = where.detach()
        name = None
    try:
        mm = mmap.mmap(fd, size)
    except BaseException:
        os.close(fd)
        raise
    _Segment(mm, fd, nbytes, name, None)
    return mm


def view(handle, layout):
    """The array described by ``layout`` over the segment ``handle`` names, mapped here."""
    mm = _open(handle)
    dtype, shape, strides, offset = layout
    return np.ndarray(shape, np.dtype(dtype), buffer=mm, offset=offset,
                      strides=strides)
