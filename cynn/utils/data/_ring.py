"""The transport of a map-style dataset's batches from DataLoader workers: a ring of
shared-memory slots per worker and two plain pipes, instead of queues.

Each worker owns a few slots (``prefetch_factor`` of them), segments in ``/dev/shm``
named ``cynn_<main pid>_<iterator token>_<worker id>_<slot>_<generation>``. The main
process sends a worker ``(task index, slot, sampler index)`` triples, several per
message when several slots are free (the first ``prefetch_factor`` at once). The worker
writes the batch into the slot and answers with one small message: task index, slot,
the batch's description and the segment's name when it created one. The main process
copies the arrays out and the slot is free again: its next task tells the worker so.

How a batch is written:
  * plain (what ``default_collate`` makes: Tensors, numeric arrays, Python scalars and
    strings in lists, tuples and dicts): each array's bytes, and a description of the
    structure with each array's offset, dtype and shape in the message. A
    TensorDataset's rows are gathered straight into the slot (``np.take(out=...)``).
  * anything else (namedtuples, objects, Tensors that require grad): pickled with
    protocol 5, the pickle and its out-of-band array buffers in the slot.
  * a control message, an error, or a batch when ``/dev/shm`` is full: in the message.

Why: a ``multiprocessing.Queue`` puts every message through a feeder thread (a GIL
handoff and a wake-up on each side) and pickles a 200 KiB batch through a pipe in 64 KiB
turns; the index queue costs the same again. Here the main process makes one poll, one
read and one write per batch, and copies each array once.

A slot is sized by the first batch written into it (plus an eighth for batches of
varying size); a batch that does not fit gets a new, larger segment for that slot, whose
name travels with the answer. The main process maps a segment when its name first
arrives and unlinks the name at once, so names in ``/dev/shm`` belong only to segments
whose answer was never read; the iterator sweeps its prefix after its workers have
stopped, and a worker whose parent died sweeps its own.

Arrays of at least ``_shared_memory.MIN_SHARED_BYTES`` are not copied: the batch keeps
the slot's mapping (as the per-array segments of ``_shared_memory`` do), and the slot is
retired, i.e. the worker drops its mapping and the next batch for it gets a fresh
segment. Below that size a copy costs less than the system calls and page faults of a
fresh segment.
"""
import math
import mmap
import os
import pickle
import queue
import select
import struct
import time

import numpy as np

from ..._tensor import Tensor
from . import _fetch, _shared_memory
from ._worker_state import ExceptionWrapper, _IterableDatasetStopIteration, get_worker_info

__all__ = ["available", "WorkerChannel", "MainChannel"]

# out-of-band buffers start on this boundary, so the arrays the main process maps keep
# the alignment their dtype (and any SIMD kernel) expects
_ALIGN = 64

# buffers below this size stay inside the pickle: one copy less than a separate buffer
_INBAND_BYTES = 1024

# A worker whose last batch took less than this (seconds, from task to answer) gets its
# next tasks only when it has none left or when the main process is about to wait for
# it, several per message: one wake-up of the worker per few batches instead of one per
# batch. The sampler is still drawn exactly as torch draws it (one batch per batch
# returned); only the sending waits, and a worker that cheap catches up within
# ``prefetch_factor`` ms. Slower workers get each task at once, as in torch.
_DEFER_BELOW = 1e-3


def available():
    return _shared_memory.available()


def _round_up(n, to):
    return (n + to - 1) // to * to


class WorkerChannel:
    """Worker side: reads tasks from ``index_conn``, writes batches into its slots and
    answers on ``result_conn``; ``get``/``put``/``close`` as the queues it replaces.

    A task is returned by ``get`` as ``(task index, sampler index)``; ``put`` of
    ``(task index, batch)`` writes the batch into the slot that task named.
    """

    def __init__(self, index_conn, result_conn, prefix):
        self.prefix = prefix
        self._index_pipe = _Pipe(index_conn)
        self._result_pipe = _Pipe(result_conn)
        self._poller = select.poll()
        self._poller.register(index_conn.fileno(), select.POLLIN)
        self._tasks = []      # received, not yet returned by get (reversed)
        self._slot_of = {}    # task index -> slot
        self._slots = {}      # slot -> (mmap, uint8 view)
        self._generation = 0
        self._started = 0.0   # when get returned the task being loaded

    def get(self, timeout):
        if not self._tasks:
            if not self._index_pipe.has_message() and not self._poller.poll(timeout * 1000):
                raise queue.Empty
            message = self._index_pipe.recv()
            if not isinstance(message, tuple):  # None, _ResumeIteration
                return message
            tasks, retired = message
            for slot in retired:
                self._drop(slot)
            for idx, slot, index in reversed(tasks):
                self._slot_of[idx] = slot
                self._tasks.append((idx, index))
        self._started = time.perf_counter()
        return self._tasks.pop()

    def fetch(self, fetcher, index):
        """``fetcher.fetch(index)``, or for a TensorDataset the rows to gather straight
        into the slot (one copy fewer than gathering them and copying the batch)."""
        rows = fetcher.rows(index)
        return fetcher.fetch(index) if rows is None else rows

    def put(self, item):
        idx, data = item
        slot = self._slot_of.pop(idx, None) if isinstance(idx, int) else None
        message = None
        if slot is not None and _is_batch(data):
            try:
                message = (idx, slot, *self._write(slot, data),
                           time.perf_counter() - self._started)
            except OSError:
                pass  # /dev/shm full: this batch goes through the pipe
            except Exception:
                data = ExceptionWrapper(
                    where=f"in DataLoader worker process {get_worker_info().id}")
        if message is None:
            if type(data) is _fetch.Rows:
                data = data.gather()
            message = (idx, slot, _INLINE, None, data, None)
        try:
            self._send(message)
        except BrokenPipeError:
            pass  # the main process is gone: the watchdog ends this worker
        except Exception:
            # an inline batch that cannot be pickled
            self._send((idx, slot, _INLINE, None, ExceptionWrapper(
                where=f"in DataLoader worker process {get_worker_info().id}"), None))

    def _send(self, message):
        self._result_pipe.send(message)

    def _write(self, slot, data):
        """Write ``data`` into ``slot``: ``(kind, name, layout)`` for the message."""
        arrays = []
        try:
            spec = _encode(data, arrays)
        except _NotPlain:
            return self._write_pickle(slot, data)
        leaves, end = [], 0
        for array in arrays:
            start = _round_up(end, _ALIGN)
            end = start + array.nbytes
            leaves.append((start, array.nbytes, array.dtype.str, array.shape))
        name = self._reserve(slot, end)
        try:
            view = self._slots[slot][1]
            for (start, nbytes, _, _), array in zip(leaves, arrays):
                out = view[start:start + nbytes].view(array.dtype).reshape(array.shape)
                if type(array) is _Gather:
                    np.take(array.source, array.rows, axis=0, out=out, mode="wrap")
                else:
                    np.copyto(out, array, casting="no")
        except BaseException:
            self._abandon(slot, name)
            raise
        return _PLAIN, name, (spec, leaves)

    def _write_pickle(self, slot, data):
        buffers = []
        header = pickle.dumps(data, protocol=5,
                              buffer_callback=lambda b: _keep_inband(b, buffers))
        layout = [(0, len(header))]
        end = len(header)
        for b in buffers:
            start = _round_up(end, _ALIGN)
            end = start + b.raw().nbytes
            layout.append((start, end - start))
        name = self._reserve(slot, end)
        try:
            view = self._slots[slot][1]
            view[:len(header)] = np.frombuffer(header, np.uint8)
            for (start, n), b in zip(layout[1:], buffers):
                view[start:start + n] = np.frombuffer(b.raw(), np.uint8)
        except BaseException:
            self._abandon(slot, name)
            raise
        return _PICKLED, name, layout

    def _reserve(self, slot, nbytes):
        """Make ``slot`` hold ``nbytes``; the name of a segment created for it, else None."""
        if slot in self._slots and len(self._slots[slot][0]) >= nbytes:
            return None
        self._drop(slot)
        self._generation += 1
        name = f"{self.prefix}{slot}_{self._generation}"
        size = _round_up(max(nbytes + nbytes // 8, 1), mmap.PAGESIZE)
        self._slots[slot] = _create(name, size)
        return name

    def _abandon(self, slot, name):
        """A write into ``slot`` failed: the answer will not name a segment created for
        it, so remove that segment, and forget the slot so that its next batch gets a
        new one (and names it)."""
        if name is not None:
            _shared_memory._unlink(name)
        self._drop(slot)

    def _drop(self, slot):
        # unmapped now rather than when collected: the view exporting it goes first
        mm = self._slots.pop(slot, (None,))[0]
        if mm is not None:
            try:
                mm.close()
            except BufferError:
                pass  # a view of a failed write still exports it: unmapped when freed

    def cancel_join_thread(self):
        pass

    def close(self):
        self._result_pipe.conn.close()
        self._index_pipe.conn.close()


# how a batch travels: inside the message, as arrays in the slot, pickled in the slot
_INLINE, _PLAIN, _PICKLED = 0, 1, 2


_HEADER = struct.Struct("<I")


class _Pipe:
    """Length-prefixed pickled messages over one end of a pipe.

    ``Connection.send_bytes``/``recv_bytes`` make two reads per message; here a message
    is one write, and one read takes every message waiting (a worker that finished
    several batches while the main process was busy).
    """

    def __init__(self, conn):
        self.conn = conn
        self._fd = conn.fileno()
        self._buffer = bytearray()

    def send(self, message):
        data = pickle.dumps(message, pickle.HIGHEST_PROTOCOL)
        view = memoryview(_HEADER.pack(len(data)) + data)
        while view:  # a blocking pipe writes everything unless a signal interrupts
            view = view[os.write(self._fd, view):]

    def has_message(self):
        buffer = self._buffer
        return len(buffer) >= 4 and len(buffer) >= 4 + _HEADER.unpack_from(buffer)[0]

    def recv(self):
        buffer = self._buffer
        while not self.has_message():
            chunk = os.read(self._fd, 1 << 16)
            if not chunk:
                raise EOFError
            buffer += chunk
        end = 4 + _HEADER.unpack_from(buffer)[0]
        message = pickle.loads(memoryview(buffer)[4:end])
        del buffer[:end]
        return message


class _NotPlain(Exception):
    """The batch holds something ``_encode`` does not describe: pickle it."""


class _Gather:
    """Rows of a TensorDataset's tensor, gathered when written into the slot."""

    __slots__ = ("source", "rows", "shape", "dtype", "nbytes")

    def __init__(self, source, rows):
        self.source, self.rows = source, rows
        self.shape = (len(rows),) + source.shape[1:]
        self.dtype = source.dtype
        self.nbytes = self.dtype.itemsize * math.prod(self.shape)


_SCALARS = (int, float, bool, str, bytes, type(None))


def _encode(data, arrays):
    """A picklable description of ``data`` in which every array is replaced by its
    position in ``arrays`` (appended to), its dtype and shape.

    Covers what default_collate produces: Tensors (not requiring grad), numeric numpy
    arrays, Python scalars and strings, in lists, tuples and dicts; anything else
    (subclasses, namedtuples, objects) raises ``_NotPlain``.
    """
    kind = type(data)
    if kind is Tensor:
        if data._requires_grad or data._grad_fn is not None:
            raise _NotPlain  # pickling keeps the autograd flags
        return ("t", _array(data._data, arrays))
    if kind is np.ndarray:
        return ("a", _array(data, arrays))
    if kind is _fetch.Rows:
        return ("l", [("t", _array(_Gather(source, data.indices), arrays))
                      for source in data.sources])
    if kind in _SCALARS:
        return ("v", data)
    if kind is list:
        return ("l", [_encode(d, arrays) for d in data])
    if kind is tuple:
        return ("u", [_encode(d, arrays) for d in data])
    if kind is dict:
        return ("d", list(data), [_encode(d, arrays) for d in data.values()])
    raise _NotPlain


def _array(array, arrays):
    # kinds whose ``dtype.str`` rebuilds the dtype: not objects, not structured (void)
    if array.dtype.kind not in "biufcmMUS" or array.dtype.itemsize == 0:
        raise _NotPlain
    arrays.append(array)
    return (len(arrays) - 1, array.dtype.str, array.shape)


def _decode(spec, arrays):
    kind = spec[0]
    if kind == "t":
        return Tensor._wrap(arrays[spec[1][0]])
    if kind == "a":
        return arrays[spec[1][0]]
    if kind == "v":
        return spec[1]
    if kind == "l":
        return [_decode(s, arrays) for s in spec[1]]
    if kind == "u":
        return tuple(_decode(s, arrays) for s in spec[1])
    return dict(zip(spec[1], [_decode(s, arrays) for s in spec[2]]))


def _is_batch(data):
    """Whether ``data`` is a batch (else a control message sent as it is)."""
    return not isinstance(data, (ExceptionWrapper, _IterableDatasetStopIteration))


def _keep_inband(buffer, buffers):
    if buffer.raw().nbytes < _INBAND_BYTES:
        return True
    buffers.append(buffer)
    return False


def _create(name, size):
    fd = _shared_memory._posixshmem.shm_open("/" + name,
                                             os.O_CREAT | os.O_EXCL | os.O_RDWR, 0o600)
    try:
        os.ftruncate(fd, size)
        mm = mmap.mmap(fd, size)
    except BaseException:
        _shared_memory._unlink(name)
        raise
    finally:
        os.close(fd)
    return mm, np.frombuffer(mm, np.uint8)


def _open(name):
    fd = _shared_memory._posixshmem.shm_open("/" + name, os.O_RDWR, 0o600)
    try:
        mm = mmap.mmap(fd, os.fstat(fd).st_size)
    finally:
        os.close(fd)
        _shared_memory._unlink(name)
    return mm, np.frombuffer(mm, np.uint8)


class MainChannel:
    """Main side of one worker's ring: the pipes, the slots' mappings and which are free."""

    def __init__(self, index_conn, result_conn, process, num_slots):
        self.index_conn = index_conn
        self.result_conn = result_conn
        self._index_pipe = _Pipe(index_conn)
        self._result_pipe = _Pipe(result_conn)
        self.process = process
        self.poller = select.poll()
        self.poller.register(result_conn.fileno(), select.POLLIN)
        self.poller.register(process.sentinel, select.POLLIN)
        self._slots = {}
        self._next_slot = num_slots
        self.free = list(range(num_slots))
        self._retired = []
        self._pending = []
        self._in_flight = 0   # tasks sent whose answers were not read yet
        self._cheap = False   # the last batch took less than _DEFER_BELOW

    def send(self, idx, index):
        """Queue task ``idx`` for this worker; ``flush`` sends the queued ones."""
        if not self.free:  # more tasks in flight than prefetch_factor: one more slot
            self.free.append(self._next_slot)
            self._next_slot += 1
        self._pending.append((idx, self.free.pop(), index))

    def flush(self, force=True):
        """Send the queued tasks; unless ``force``, not while a cheap worker still has
        tasks to load (see ``_DEFER_BELOW``)."""
        if self._pending and (force or not self._cheap or not self._in_flight):
            try:
                self._index_pipe.send((self._pending, self._retired))
            except BrokenPipeError:
                pass  # the worker died: the main process finds out when it polls it
            self._in_flight += len(self._pending)
            self._pending = []
            self._retired = []

    def send_control(self, message):
        self.flush()
        self._index_pipe.send(message)

    def ready(self, timeout):
        """Whether an answer can be read within ``timeout`` seconds (None: wait forever).
        Returns early, False, when the worker has exited; an answer it sent before
        exiting still counts."""
        if self._result_pipe.has_message():
            return True
        fd = self.result_conn.fileno()
        events = self.poller.poll(None if timeout is None else timeout * 1000)
        return any(ready_fd == fd and event & select.POLLIN for ready_fd, event in events)

    def recv(self):
        """The next ``(task index, data)`` from this worker; its slot is free again."""
        idx, slot, kind, name, payload, cost = self._result_pipe.recv()
        if slot is None:
            return idx, payload
        self._in_flight -= 1
        self._cheap = cost is not None and cost < _DEFER_BELOW
        if name is not None:
            self._map(slot, name)
        if kind == _INLINE:
            data = payload
        else:
            mm, view = self._slots[slot]
            if kind == _PLAIN:
                data, kept = self._read_plain(mm, *payload)
            else:
                data, kept = self._read_pickled(view, payload)
            if kept:
                # the batch keeps this mapping: the worker gets a fresh segment for it
                del self._slots[slot]
                self._retired.append(slot)
                slot = self._next_slot
                self._next_slot += 1
        self.free.append(slot)
        return idx, data

    def discard(self):
        """Read and drop the next answer; returns its task index."""
        idx, slot, kind, name, payload, _ = self._result_pipe.recv()
        if name is not None:
            self._map(slot, name)
        if slot is not None:
            self._in_flight -= 1
            self.free.append(slot)
        return idx

    def _map(self, slot, name):
        self._slots.pop(slot, None)
        self._slots[slot] = _open(name)

    @staticmethod
    def _read_plain(mm, spec, leaves):
        arrays, kept = [], False
        for start, nbytes, dtype, shape in leaves:
            dtype = np.dtype(dtype)
            array = np.frombuffer(mm, dtype, nbytes // dtype.itemsize, start).reshape(shape)
            if nbytes >= _shared_memory.MIN_SHARED_BYTES:
                kept = True
            else:
                array = array.copy()
            arrays.append(array)
        return _decode(spec, arrays), kept

    @staticmethod
    def _read_pickled(view, layout):
        start, n = layout[0]
        header = view[start:start + n].tobytes()
        buffers, kept = [], False
        for start, n in layout[1:]:
            if n >= _shared_memory.MIN_SHARED_BYTES:
                buffers.append(view[start:start + n])
                kept = True
            else:
                buffers.append(view[start:start + n].copy())
        return pickle.loads(header, buffers=buffers), kept

    def close(self):
        self._slots.clear()
        for conn in (self.index_conn, self.result_conn):
            try:
                conn.close()
            except OSError:
                pass
