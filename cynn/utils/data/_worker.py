"""What runs inside a DataLoader worker process, and what it sends back.

A worker receives ``(task index, sampler index)`` pairs on its own index queue,
fetches and collates the batch, and puts ``(task index, batch)`` on the result queue
shared by all workers (for a map-style dataset, the queues are the worker's pipes and
shared-memory slots of ``_ring.py``); ``None`` tells it to exit. Errors travel as an
``ExceptionWrapper`` carrying the formatted traceback, re-raised by the main process.
"""
import dataclasses
import multiprocessing.queues
import os
import queue
import random
import sys
import traceback

import numpy as np

from ... import _random, _threads
from . import _fetch, _ring, _shared_memory, _worker_state
from ._worker_state import (ExceptionWrapper, KeyErrorMessage, WorkerInfo,  # noqa: F401
                            _IterableDatasetStopIteration, get_worker_info)

__all__ = ["WorkerInfo", "get_worker_info"]

# How long the main process waits on the result queue before checking that its workers
# are alive. torch waits 5 s; 1 s reports a dead worker sooner.
MP_STATUS_CHECK_INTERVAL = 1.0

# How long an idle worker waits for an index before checking that its parent is alive
# and that shutdown has not begun. The check for shutdown matters when the iterator is
# collected as part of a reference cycle (an exception's traceback holds it): the
# garbage collector runs the index queues' own finalizers first, which stop their
# feeder threads, so the None sent at shutdown may never arrive (torch then waits 5 s
# per worker and terminates it). Ten wake-ups a second cost an idle worker ~0.1 ms.
_WORKER_POLL_INTERVAL = 0.1


@dataclasses.dataclass(frozen=True)
class _ResumeIteration:
    """Asks a persistent worker to start a new epoch (a fresh fetcher)."""



class _ResultQueue(multiprocessing.queues.Queue):
    """The queue workers put ``(task index, batch)`` on.

    A worker's queue pickles in a background thread, so a batch that cannot be pickled
    (a lambda, a class defined inside a function) would only be printed there and never
    arrive, and the main process would wait forever; here it is replaced by the
    pickling error, re-raised in the main process like any error of the worker.
    """

    def __init__(self, *, ctx):
        super().__init__(ctx=ctx)
        _widen_pipe(self._reader)

    def _on_queue_feeder_error(self, e, obj):
        if not (isinstance(obj, tuple) and len(obj) == 2) or isinstance(obj[1], ExceptionWrapper):
            return super()._on_queue_feeder_error(e, obj)
        idx, data = obj
        _shared_memory.release(data)
        info = get_worker_info()
        where = f"in DataLoader worker process {info.id if info is not None else '?'}"
        self.put((idx, ExceptionWrapper((type(e), e, e.__traceback__), where=where)))


def _widen_pipe(connection):
    """Grow a pipe's buffer from 64 KiB to up to 1 MiB (Linux).

    A pickled batch larger than the buffer crosses in 64 KiB turns, each one waking
    the reader and then the writer again; with a buffer holding the whole batch the
    worker writes it in one go and the main process reads it in one call. Measured on a
    200 KiB batch (10k x 1x28x28 float32 in batches of 64): ~5 reads and ~4.8
    voluntary context switches per batch in the main process before, ~1 and ~2 after.
    """
    try:
        import fcntl
        with open("/proc/sys/fs/pipe-max-size") as f:
            size = min(1 << 20, int(f.read()))
        fcntl.fcntl(connection.fileno(), fcntl.F_SETPIPE_SZ, size)
    except (ImportError, AttributeError, OSError, ValueError):
        pass  # not Linux: 64 KiB turns


class ManagerWatchdog:
    """Tells a worker whether the process that started it is still alive.

    An orphaned process is re-parented, so its parent pid changes; where parent pids
    do not change (Windows) the parent's process sentinel is polled instead.

    Args:
        manager_pid (int, optional): the parent's pid as the parent knew it. Reading it
            here with ``os.getppid()`` (as torch does) misses a parent that died before
            the worker got this far: the worker would take its new parent for the
            manager and never exit.
    """

    def __init__(self, manager_pid=None):
        self.manager_pid = os.getppid() if manager_pid is None else manager_pid
        self.manager_dead = False
        self._parent = None
        if sys.platform == "win32":
            import multiprocessing
            self._parent = multiprocessing.parent_process()

    def is_alive(self):
        if not self.manager_dead:
            if self._parent is not None:
                self.manager_dead = not self._parent.is_alive()
            else:
                self.manager_dead = os.getppid() != self.manager_pid
        return not self.manager_dead


def _generate_state(base_seed, worker_id):
    """Four 32-bit words for ``numpy.random.seed``, mixed from the worker's seed as
    torch does (a SeedSequence-like hash), so that numpy's legacy global generator and
    ``random`` do not start from the same seed."""
    init_a, mult_a = 0x43B0D7E5, 0x931E8875
    init_b, mult_b = 0x8B51F9DD, 0x58F38DED
    mix_mult_l, mix_mult_r = 0xCA01F9DD, 0x4973F715
    xshift, mask32 = 16, 0xFFFFFFFF

    entropy = [worker_id, base_seed & mask32, base_seed >> 32, 0]
    hash_const_a = init_a

    def hash_(value):
        nonlocal hash_const_a
        value = (value ^ hash_const_a) & mask32
        hash_const_a = (hash_const_a * mult_a) & mask32
        value = (value * hash_const_a) & mask32
        return (value ^ (value >> xshift)) & mask32

    def mix(x, y):
        result = ((mix_mult_l * x) & mask32) - ((mix_mult_r * y) & mask32)
        result &= mask32
        return (result ^ (result >> xshift)) & mask32

    pool = [hash_(e) for e in entropy]
    for i_src in range(4):
        for i_dst in range(4):
            if i_src != i_dst:
                pool[i_dst] = mix(pool[i_dst], hash_(pool[i_src]))

    hash_const_b = init_b
    state = []
    for value in pool:
        value = (value ^ hash_const_b) & mask32
        hash_const_b = (hash_const_b * mult_b) & mask32
        value = (value * hash_const_b) & mask32
        state.append((value ^ (value >> xshift)) & mask32)
    return state


def _spread_over(cpus):
    """Let this worker run on every CPU the main process may use.

    With ``OMP_PROC_BIND``/``OMP_PLACES`` set, libgomp pins the main process's thread to
    one CPU, and a worker inherits that mask (forked or spawned): every worker would
    then share the main process's core, and loading with workers would be slower than
    without. ``cpus`` is the main process's ``_threads.usable_cpus()``, which a taskset
    restriction still bounds.
    """
    if not cpus or not hasattr(os, "sched_setaffinity"):
        return
    try:
        if frozenset(os.sched_getaffinity(0)) != frozenset(cpus):
            os.sched_setaffinity(0, cpus)
    except OSError:  # CPUs taken away since (cpuset changed): keep the inherited mask
        pass


def _worker_loop(is_iterable, dataset, index_queue, data_queue, done_event, auto_collation,
                 collate_fn, drop_last, base_seed, init_fn, worker_id, num_workers,
                 shm_prefix, ring=False, parent_pid=None, cpus=None):
    """Body of worker ``worker_id``: seed, run ``init_fn``, then serve indices until
    ``None`` arrives or the main process dies.

    Once ``done_event`` is set (the main process is shutting down) queued indices are
    skipped and results are dropped rather than flushed into a pipe nobody reads.

    With ``ring``, ``index_queue`` and ``data_queue`` are the worker's ends of two pipes
    and batches go through its shared-memory slots (``_ring.WorkerChannel``); otherwise
    they are queues, and large arrays go through ``_shared_memory.Writer``.
    """
    writer = None
    if ring:
        index_queue = data_queue = _ring.WorkerChannel(index_queue, data_queue,
                                                       f"{shm_prefix}{worker_id}_")
    elif shm_prefix:
        writer = _shared_memory.Writer(f"{shm_prefix}{worker_id}_")
    watchdog = ManagerWatchdog(parent_pid)
    try:
        # workers already run in parallel: a kernel's own threads would oversubscribe
        _threads.set_num_threads(1)
        _spread_over(cpus)
        seed = base_seed + worker_id
        random.seed(seed)
        _random.manual_seed(seed)
        np.random.seed(_generate_state(base_seed, worker_id))
        _worker_state._worker_info = WorkerInfo(id=worker_id, num_workers=num_workers,
                                                seed=seed, dataset=dataset)

        init_exception = None
        try:
            if init_fn is not None:
                init_fn(worker_id)
            fetcher = _fetch.create_fetcher(is_iterable, dataset, auto_collation, collate_fn,
                                            drop_last)
        except Exception:
            init_exception = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")

        # an exhausted IterableDataset copy waits for None like a shut-down worker
        iteration_end = False
        while watchdog.is_alive():
            try:
                r = index_queue.get(timeout=_WORKER_POLL_INTERVAL)
            except queue.Empty:
                if done_event.is_set():
                    break
                continue
            if isinstance(r, _ResumeIteration):
                data_queue.put((r, None))
                iteration_end = False
                fetcher = _fetch.create_fetcher(is_iterable, dataset, auto_collation,
                                                collate_fn, drop_last)
                continue
            if r is None:
                break
            if done_event.is_set() or iteration_end:
                continue
            idx, index = r
            if init_exception is not None:
                data, init_exception = init_exception, None
            else:
                try:
                    data = (data_queue.fetch(fetcher, index) if ring
                            else fetcher.fetch(index))
                    if writer is not None:
                        data = writer.pack(data)
                except StopIteration:
                    if not is_iterable:
                        data = ExceptionWrapper(
                            where=f"in DataLoader worker process {worker_id}")
                    else:
                        data = _IterableDatasetStopIteration(worker_id)
                        iteration_end = True
                except Exception:
                    data = ExceptionWrapper(where=f"in DataLoader worker process {worker_id}")
            data_queue.put((idx, data))
            del data, idx, index, r
    except KeyboardInterrupt:
        pass  # the main process gets it too and shuts the workers down
    if done_event.is_set() or not watchdog.is_alive():
        data_queue.cancel_join_thread()
        data_queue.close()
    if shm_prefix and not watchdog.is_alive():
        # nobody will receive what this worker sent
        _shared_memory.sweep(f"{shm_prefix}{worker_id}_")
