"""Large arrays of a batch travel from a DataLoader worker to the main process through
POSIX shared memory instead of being pickled through the result queue's pipe.

The worker writes each large array into a fresh segment in ``/dev/shm`` (named
``cynn_<main pid>_<iterator token>_<worker id>_<n>``) and sends only its name, shape
and dtype; the main process maps the segment, unlinks the name at once (the mapping
stays valid until the array is freed) and hands out a Tensor over the mapping with
no further copy. Names still in ``/dev/shm`` belong to batches that were sent but
never received: the iterator sweeps its prefix after its workers have stopped, and a
worker whose parent died sweeps its own, so nothing is left behind.

Only on systems with ``/dev/shm`` (Linux); elsewhere every batch is pickled. Used for
IterableDatasets: batches of map-style datasets go through the per-worker slots of
``_ring.py``, which reuses ``MIN_SHARED_BYTES`` to choose between copying an array out
and keeping its mapping.
"""
import itertools
import mmap
import os
import secrets

import numpy as np

from ..._tensor import Tensor

try:
    import _posixshmem
except ImportError:  # Windows
    _posixshmem = None

__all__ = ["available", "new_prefix", "Writer", "Packed", "unpack", "release", "sweep"]

_SHM_DIR = "/dev/shm"

# Arrays smaller than this are pickled. Measured with benchmarks/bench_dataloader.py
# ("transport" table: main-process CPU ms per array received, pickled through the
# loader's result queue vs shared; AMD EPYC, 2 cores, load average ~6 from other jobs):
#     64 KiB 0.06 vs 0.20 | 128 KiB 0.08 vs 0.17 | 256 KiB 0.20-0.31 vs 0.28
#    512 KiB 0.47-1.03 vs 0.45 | 1 MiB 2.2-3.6 vs 0.7-0.9 | 4 MiB 9.9-12.3 vs 2.5-3.1
# Below the crossover (256-512 KiB) the syscalls (shm_open, mmap, unlink, munmap) and
# the page faults on first touch cost more than the pipe's two copies; above it the
# copies and unpickling grow with the size while a mapping only faults pages in. The
# worker pays about the same either way since the segment is filled with pwrite (an
# mmap'd write faulted in every fresh page and cost twice as much).
MIN_SHARED_BYTES = 384 << 10


def available():
    """Whether batches can go through ``/dev/shm`` on this system."""
    return _posixshmem is not None and os.path.isdir(_SHM_DIR)


def new_prefix():
    """A name prefix unique to one iterator of this process."""
    return f"cynn_{os.getpid()}_{secrets.token_hex(4)}_"


class _SharedArray:
    """Where the worker left one array: segment name, shape, dtype, Tensor or ndarray."""

    __slots__ = ("name", "shape", "dtype", "is_tensor")

    def __init__(self, name, shape, dtype, is_tensor):
        self.name = name
        self.shape = shape
        self.dtype = dtype
        self.is_tensor = is_tensor

    def __reduce__(self):
        return _SharedArray, (self.name, self.shape, self.dtype, self.is_tensor)


class Packed:
    """A batch in which some arrays were replaced by ``_SharedArray`` handles."""

    __slots__ = ("data",)

    def __init__(self, data):
        self.data = data

    def __reduce__(self):
        return Packed, (self.data,)


class Writer:
    """Worker side: replaces the large arrays of a batch by shared-memory handles."""

    def __init__(self, prefix, min_bytes=None):
        self.prefix = prefix
        self.min_bytes = MIN_SHARED_BYTES if min_bytes is None else min_bytes
        self._count = itertools.count()
        self._shared = False

    def pack(self, data):
        """``data`` itself when nothing was large enough, else a ``Packed`` batch."""
        self._shared = False
        packed = self._pack(data)
        return Packed(packed) if self._shared else data

    def _pack(self, data):
        if isinstance(data, Tensor):
            if data._requires_grad or data._grad_fn is not None:
                return data  # pickling keeps the autograd flags
            return self._share(data._data, True) or data
        if isinstance(data, np.ndarray):
            return self._share(data, False) or data
        if type(data) is list:
            return [self._pack(d) for d in data]
        if type(data) is dict:
            return {key: self._pack(value) for key, value in data.items()}
        if isinstance(data, tuple):
            items = [self._pack(d) for d in data]
            if type(data) is tuple:
                return tuple(items)
            if hasattr(data, "_fields"):
                return type(data)(*items)
        return data

    def _share(self, array, is_tensor):
        if array.nbytes < self.min_bytes or array.dtype.hasobject:
            return None
        name = f"{self.prefix}{next(self._count)}"
        try:
            fd = _posixshmem.shm_open("/" + name, os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
        except OSError:
            return None
        try:
            view = memoryview(np.ascontiguousarray(array).reshape(-1).view(np.uint8))
            written = 0
            while written < len(view):
                written += os.pwrite(fd, view[written:], written)
        except OSError:
            # /dev/shm full: this array is pickled instead
            _unlink(name)
            return None
        finally:
            os.close(fd)
        self._shared = True
        return _SharedArray(name, array.shape, array.dtype.str, is_tensor)


def unpack(data):
    """Main side: the batch with every handle replaced by its array (or Tensor)."""
    if isinstance(data, Packed):
        return _unpack(data.data)
    return data


def _unpack(data):
    if isinstance(data, _SharedArray):
        return _open(data)
    if type(data) is list:
        return [_unpack(d) for d in data]
    if type(data) is dict:
        return {key: _unpack(value) for key, value in data.items()}
    if isinstance(data, tuple):
        items = [_unpack(d) for d in data]
        return tuple(items) if type(data) is tuple else type(data)(*items)
    return data


def _open(shared):
    dtype = np.dtype(shared.dtype)
    nbytes = int(np.prod(shared.shape, dtype=np.int64)) * dtype.itemsize
    fd = _posixshmem.shm_open("/" + shared.name, os.O_RDWR, 0o600)
    try:
        buffer = mmap.mmap(fd, nbytes)
    finally:
        os.close(fd)
        _unlink(shared.name)
    array = np.frombuffer(buffer, dtype).reshape(shared.shape)
    return Tensor._wrap(array) if shared.is_tensor else array


def release(data):
    """Unlink the segments of a packed batch that will never be unpacked."""
    if isinstance(data, Packed):
        _release(data.data)


def _release(data):
    if isinstance(data, _SharedArray):
        _unlink(data.name)
    elif type(data) is dict:
        for value in data.values():
            _release(value)
    elif isinstance(data, (list, tuple)):
        for d in data:
            _release(d)


def sweep(prefix):
    """Unlink every segment whose name starts with ``prefix``."""
    if not available():
        return
    for name in os.listdir(_SHM_DIR):
        if name.startswith(prefix):
            _unlink(name)


def _unlink(name):
    try:
        _posixshmem.shm_unlink("/" + name)
    except FileNotFoundError:
        pass
