"""``DataLoader``: batches of samples from a dataset, loaded in this process or in a
pool of worker processes; the default collate functions (``_collate.py``) are exported
here too, as in PyTorch.

With ``num_workers > 0`` each iterator starts (or, with ``persistent_workers``, reuses)
that many processes, sends each one batch indices round-robin, ``prefetch_factor``
batches ahead per worker, and hands out the results in the sampler's order. Batches of
map-style datasets come back through a ring of shared-memory slots per worker
(``_ring.py``, ``_RingDataLoaderIter``); those of IterableDatasets, and all batches
where there is no ``/dev/shm``, through a ``multiprocessing`` queue. Shutdown
(see ``_MultiProcessingDataLoaderIter._shutdown_workers``) runs at the end of the
epoch, when the iterator is garbage collected, and at interpreter exit.
"""
import atexit
import itertools
import math
import multiprocessing
import os
import queue
import select
import sys
import threading
import warnings
import weakref

from ... import _threads
from . import _fetch, _ring, _shared_memory, _worker
from ._collate import default_collate, default_convert
from ._worker import ExceptionWrapper, get_worker_info
from .dataset import IterableDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler, numpy_generator

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]


class _InfiniteConstantSampler:
    """Endless ``None`` indices: an iterable dataset ignores the index it is given."""

    def __iter__(self):
        while True:
            yield None


def _default_context():
    """The start method torch would use here: the one set with
    ``multiprocessing.set_start_method`` if any, else fork where the platform's Python
    defaults to it, else spawn. (macOS offers fork, but Python defaults to spawn there
    because forked children crash in system frameworks.)"""
    if multiprocessing.get_start_method(allow_none=True) is not None:
        return multiprocessing.get_context()
    if "fork" in multiprocessing.get_all_start_methods() and sys.platform != "darwin":
        return multiprocessing.get_context("fork")
    return multiprocessing.get_context("spawn")


class DataLoader:
    """Iterate over a dataset in (shuffled) mini-batches, as ``torch.utils.data.DataLoader``.

    Args:
        dataset (Dataset): map-style (``__getitem__``/``__len__``) or ``IterableDataset``.
        batch_size (int, optional): samples per batch (default: 1); ``None`` turns
            automatic batching off (each sample goes through ``collate_fn`` alone,
            by default ``default_convert``).
        shuffle (bool): reshuffle the indices every epoch (default: False), drawing
            from cynn's generator (``cynn.manual_seed``) or ``generator``.
        sampler (Sampler or iterable, optional): the indices to visit; excludes
            ``shuffle``.
        batch_sampler (Sampler or iterable, optional): yields lists of indices;
            excludes ``batch_size``, ``shuffle``, ``sampler`` and ``drop_last``.
        num_workers (int): worker processes loading batches (default: 0, load in
            this process). Each gets a copy of ``dataset``; batches still come out in
            the sampler's order.
        collate_fn (callable, optional): list of samples -> batch
            (default: ``default_collate``).
        pin_memory (bool): accepted; does nothing (no GPU).
        drop_last (bool): drop the last batch when it is smaller than ``batch_size``.
        timeout (float): seconds to wait for a batch from the workers before raising
            ``RuntimeError`` (default: 0, wait forever).
        worker_init_fn (callable, optional): called as ``worker_init_fn(worker_id)`` in
            each worker after seeding, before loading.
        multiprocessing_context (str or multiprocessing context, optional): how workers
            start (``"fork"``, ``"spawn"``, ``"forkserver"``); default: the start
            method set with ``multiprocessing.set_start_method``, else fork (spawn on
            Windows and macOS). With spawn the dataset, ``collate_fn`` and
            ``worker_init_fn`` must be picklable.
        generator (optional): cynn or numpy Generator for ``RandomSampler`` and for the
            workers' base seed (default: cynn's global one).
        prefetch_factor (int, optional): batches requested ahead per worker (default:
            2 with workers; must stay None without).
        persistent_workers (bool): keep the workers alive between epochs.
        pin_memory_device (str): accepted; does nothing.
        in_order (bool): return batches in the sampler's order (default); False
            returns them as workers finish.

    ``len(loader)`` is the number of batches per epoch.

    Workers: every iterator draws ``base_seed`` from ``generator`` (or cynn's
    generator) once, with or without workers, so 0 and N workers give the same
    shuffles; worker ``i`` seeds ``random`` and cynn's generator with
    ``base_seed + i`` and numpy's legacy global generator with a hash of both, and
    ``get_worker_info()`` describes it. A worker's exception is raised again in the
    main process, with the worker id and the original traceback in its message.
    Batches come back through shared memory (``/dev/shm``) where there is one.

    Example::

        >>> cynn.manual_seed(0)
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True,
        ...                     num_workers=2)
        >>> for xb, yb in loader:       # xb: (32, *x.shape[1:]), yb: (32,)
        ...     ...
    """

    _initialized = False

    def __init__(self, dataset, batch_size=1, shuffle=None, sampler=None, batch_sampler=None,
                 num_workers=0, collate_fn=None, pin_memory=False, drop_last=False,
                 timeout=0, worker_init_fn=None, multiprocessing_context=None, generator=None,
                 *, prefetch_factor=None, persistent_workers=False, pin_memory_device="",
                 in_order=True):
        if num_workers < 0:
            raise ValueError("num_workers option should be non-negative; use num_workers=0 "
                             "to disable multiprocessing.")
        if timeout < 0:
            raise ValueError("timeout option should be non-negative")
        if num_workers == 0 and prefetch_factor is not None:
            raise ValueError("prefetch_factor option could only be specified in "
                             "multiprocessing.let num_workers > 0 to enable multiprocessing, "
                             "otherwise set prefetch_factor to None.")
        if num_workers > 0 and prefetch_factor is None:
            prefetch_factor = 2
        elif prefetch_factor is not None and prefetch_factor < 0:
            raise ValueError("prefetch_factor option should be non-negative")
        if persistent_workers and num_workers == 0:
            raise ValueError("persistent_workers option needs num_workers > 0")

        self.dataset = dataset
        self.num_workers = num_workers
        self.prefetch_factor = prefetch_factor
        self.pin_memory = pin_memory
        self.pin_memory_device = pin_memory_device
        self.timeout = timeout
        self.worker_init_fn = worker_init_fn
        self.multiprocessing_context = multiprocessing_context
        self.in_order = in_order

        self._is_iterable = isinstance(dataset, IterableDataset)
        if self._is_iterable:
            if shuffle not in {False, None}:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"shuffle option, but got shuffle={shuffle}")
            if sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"sampler option, but got sampler={sampler}")
            if batch_sampler is not None:
                raise ValueError(f"DataLoader with IterableDataset: expected unspecified "
                                 f"batch_sampler option, but got batch_sampler={batch_sampler}")
        else:
            shuffle = bool(shuffle)

        if sampler is not None and shuffle:
            raise ValueError("sampler option is mutually exclusive with shuffle")
        if batch_sampler is not None:
            if batch_size != 1 or shuffle or sampler is not None or drop_last:
                raise ValueError("batch_sampler option is mutually exclusive with batch_size, "
                                 "shuffle, sampler, and drop_last")
            batch_size = None
            drop_last = False
        elif batch_size is None and drop_last:
            raise ValueError("batch_size=None option disables auto-batching and is mutually "
                             "exclusive with drop_last")

        if sampler is None:
            if self._is_iterable:
                sampler = _InfiniteConstantSampler()
            elif shuffle:
                sampler = RandomSampler(dataset, generator=generator)
            else:
                sampler = SequentialSampler(dataset)
        if batch_size is not None and batch_sampler is None:
            batch_sampler = BatchSampler(sampler, batch_size, drop_last)

        self.batch_size = batch_size
        self.drop_last = drop_last
        self.sampler = sampler
        self.batch_sampler = batch_sampler
        self.generator = generator
        if collate_fn is None:
            collate_fn = default_collate if self._auto_collation else default_convert
        self.collate_fn = collate_fn
        self.persistent_workers = persistent_workers
        self._initialized = True
        # len(loader) of an IterableDataset, to warn when more batches come out
        self._IterableDataset_len_called = None
        self._iterator = None
        self.check_worker_number_rationality()

    @property
    def multiprocessing_context(self):
        return self._multiprocessing_context

    @multiprocessing_context.setter
    def multiprocessing_context(self, multiprocessing_context):
        if multiprocessing_context is not None:
            if self.num_workers == 0:
                raise ValueError("multiprocessing_context can only be used with multi-process "
                                 f"loading (num_workers > 0), but got "
                                 f"num_workers={self.num_workers}")
            if isinstance(multiprocessing_context, str):
                valid_start_methods = multiprocessing.get_all_start_methods()
                if multiprocessing_context not in valid_start_methods:
                    raise ValueError(
                        "multiprocessing_context option should specify a valid start method "
                        f"in {valid_start_methods!r}, but got "
                        f"multiprocessing_context={multiprocessing_context!r}")
                multiprocessing_context = multiprocessing.get_context(multiprocessing_context)
            if not isinstance(multiprocessing_context, multiprocessing.context.BaseContext):
                raise TypeError("multiprocessing_context option should be a valid context "
                                "object or a string specifying the start method, but got "
                                f"multiprocessing_context={multiprocessing_context}")
        self._multiprocessing_context = multiprocessing_context

    def __setattr__(self, attr, val):
        if self._initialized and attr in ("batch_size", "batch_sampler", "sampler",
                                          "drop_last", "dataset", "persistent_workers"):
            raise ValueError(f"{attr} attribute should not be set after "
                             f"{self.__class__.__name__} is initialized")
        super().__setattr__(attr, val)

    @property
    def _auto_collation(self):
        return self.batch_sampler is not None

    @property
    def _index_sampler(self):
        return self.batch_sampler if self._auto_collation else self.sampler

    def _get_iterator(self):
        if self.num_workers == 0:
            return _SingleProcessDataLoaderIter(self)
        self.check_worker_number_rationality()
        if not self._is_iterable and _ring.available():
            return _RingDataLoaderIter(self)
        return _MultiProcessingDataLoaderIter(self)

    def __iter__(self):
        # persistent workers live in the one iterator this loader keeps and resets
        if self.persistent_workers and self.num_workers > 0:
            if self._iterator is None:
                self._iterator = self._get_iterator()
            else:
                self._iterator._reset(self)
            return self._iterator
        return self._get_iterator()

    def __len__(self):
        if self._is_iterable:
            length = self._IterableDataset_len_called = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last \
                    else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)

    def check_worker_number_rationality(self):
        """Warn, as torch does, when ``num_workers`` exceeds the CPUs this process may use."""
        if not self.num_workers:
            return
        # usable_cpus, not the calling thread's mask: OpenMP binding narrows that to one
        max_workers, cpuset_checked = len(_threads.usable_cpus()), hasattr(os, "sched_getaffinity")
        if max_workers is not None and self.num_workers <= max_workers:
            return
        if max_workers is None:
            suggestion = ("DataLoader is not able to compute a suggested max number of worker "
                          "in current system.")
        else:
            unchecked = "" if cpuset_checked else " (`cpuset` is not taken into account)"
            suggestion = (f"Our suggested max number of worker in current system is "
                          f"{max_workers}{unchecked}, which is smaller than what this "
                          "DataLoader is going to create.")
        warnings.warn(f"This DataLoader will create {self.num_workers} worker processes in "
                      f"total. {suggestion} Please be aware that excessive worker creation "
                      "might get DataLoader running slow or even freeze, lower the worker "
                      "number to avoid potential slowness/freeze if necessary.", stacklevel=2)


class _BaseDataLoaderIter:
    """One pass over a DataLoader's sampler; subclasses say where batches are loaded."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._is_iterable = loader._is_iterable
        self._IterableDataset_len_called = loader._IterableDataset_len_called
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._index_sampler = loader._index_sampler
        self._num_workers = loader.num_workers
        self._timeout = loader.timeout
        self._collate_fn = loader.collate_fn
        self._sampler_iter = iter(self._index_sampler)
        # drawn with or without workers (as torch does), so the sampler's later draws
        # and hence the shuffles do not depend on num_workers
        self._base_seed = int(numpy_generator(loader.generator).integers(0, 2 ** 63 - 1))
        self._persistent_workers = loader.persistent_workers
        self._num_yielded = 0

    def __iter__(self):
        return self

    def _reset(self, loader, first_iter=False):
        self._sampler_iter = iter(self._index_sampler)
        self._num_yielded = 0
        self._IterableDataset_len_called = loader._IterableDataset_len_called

    def _next_index(self):
        return next(self._sampler_iter)

    def _next_data(self):
        raise NotImplementedError

    def __next__(self):
        data = self._next_data()
        self._num_yielded += 1
        if (self._is_iterable and self._IterableDataset_len_called is not None
                and self._num_yielded > self._IterableDataset_len_called):
            msg = (f"Length of IterableDataset {self._dataset} was reported to be "
                   f"{self._IterableDataset_len_called}(when accessing len(dataloader)), but "
                   f"{self._num_yielded} samples have been fetched. ")
            if self._num_workers > 0:
                msg += ("For multiprocessing data-loading, this could be caused by not properly "
                        "configuring the IterableDataset replica at each worker. Please see "
                        "https://pytorch.org/docs/stable/data.html#torch.utils.data."
                        "IterableDataset for examples.")
            warnings.warn(msg, stacklevel=2)
        return data

    def __len__(self):
        return len(self._index_sampler)

    def __getstate__(self):
        raise NotImplementedError(f"{self.__class__.__name__} cannot be pickled")


class _SingleProcessDataLoaderIter(_BaseDataLoaderIter):
    """Loads every batch in the calling process."""

    def __init__(self, loader):
        super().__init__(loader)
        if self._timeout != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires timeout == 0")
        if self._num_workers != 0:
            raise AssertionError("_SingleProcessDataLoaderIter requires num_workers == 0")
        self._dataset_fetcher = _fetch.create_fetcher(self._is_iterable, self._dataset,
                                                      self._auto_collation, self._collate_fn,
                                                      self._drop_last)

    def _next_data(self):
        index = self._next_index()
        return self._dataset_fetcher.fetch(index)


# seconds a worker gets to exit after its None before it is terminated (torch's value)
_JOIN_TIMEOUT = 5.0

# iterators with live workers, shut down at exit before multiprocessing's own atexit
# handler (registered earlier, so run later) terminates daemonic children mid-batch
_live_iterators = weakref.WeakSet()
_live_iterators_lock = threading.Lock()


@atexit.register
def _shutdown_live_iterators():
    with _live_iterators_lock:
        iterators = list(_live_iterators)
    for iterator in iterators:
        iterator._shutdown_workers()


class _MultiProcessingDataLoaderIter(_BaseDataLoaderIter):
    """Loads batches in ``num_workers`` processes and returns them in the sampler's order.

    Task ``i`` (the ``i``-th index from the sampler) goes to worker ``i % num_workers``
    (skipping workers whose IterableDataset copy is exhausted); at most
    ``prefetch_factor * num_workers`` tasks are outstanding. ``_task_info[i]`` is
    ``(worker_id,)`` while task ``i`` is pending and ``(worker_id, data)`` once it
    arrived ahead of its turn; ``_rcvd_idx`` is the next task to return.
    """

    _shutdown = True  # until there are workers to shut down

    def __init__(self, loader):
        super().__init__(loader)
        self._prefetch_factor = loader.prefetch_factor
        self._in_order = loader.in_order
        if self._num_workers <= 0:
            raise AssertionError(
                "num_workers must be greater than 0 for MultiProcessingDataLoaderIter")
        if self._prefetch_factor <= 0:
            raise AssertionError(
                "prefetch_factor must be greater than 0 for MultiProcessingDataLoaderIter")

        context = loader.multiprocessing_context or _default_context()
        self._shm_prefix = _shared_memory.new_prefix() if _shared_memory.available() else None
        # this process is the workers' parent unless a forkserver starts them
        self._parent_pid = os.getpid() if context.get_start_method() in ("fork", "spawn") \
            else None
        self._workers_done_event = context.Event()
        self._index_queues = []
        self._workers = []
        self._workers_status = [True] * self._num_workers
        self._task_info = {}
        self._shutdown = False
        with _live_iterators_lock:
            _live_iterators.add(self)
        try:
            self._start_workers(context, loader)
            self._reset(loader, first_iter=True)
        except BaseException:
            self._shutdown_workers()
            raise

    def _worker_args(self, loader, worker_id, index_queue, data_queue, ring=False):
        return (self._is_iterable, self._dataset, index_queue, data_queue,
                self._workers_done_event, self._auto_collation, self._collate_fn,
                self._drop_last, self._base_seed, loader.worker_init_fn, worker_id,
                self._num_workers, self._shm_prefix, ring, self._parent_pid,
                _threads.usable_cpus())

    def _start_workers(self, context, loader):
        self._worker_result_queue = self._data_queue = _worker._ResultQueue(ctx=context)
        for i in range(self._num_workers):
            index_queue = context.Queue()
            # indices still queued at shutdown are worthless: do not wait to flush them
            index_queue.cancel_join_thread()
            w = context.Process(target=_worker._worker_loop,
                                args=self._worker_args(loader, i, index_queue,
                                                       self._worker_result_queue),
                                daemon=True)
            w.start()
            self._index_queues.append(index_queue)
            self._workers.append(w)

    def _reset(self, loader, first_iter=False):
        super()._reset(loader, first_iter)
        if not first_iter:
            self._release_buffered()
        self._send_idx = 0
        self._rcvd_idx = 0
        self._task_info = {}
        # == number of entries of _task_info still waiting for their data
        self._tasks_outstanding = 0
        self._workers_status = [True] * self._num_workers
        self._workers_num_tasks = [0] * self._num_workers
        self._worker_queue_idx_cycle = itertools.cycle(range(self._num_workers))
        if not first_iter:
            self._resume_workers()
        for _ in range(self._prefetch_factor * self._num_workers):
            self._try_put_index()
        self._flush()

    def _resume_workers(self):
        # persistent workers: results of the abandoned epoch still on their way are
        # dropped until every worker has acknowledged the new epoch
        for index_queue in self._index_queues:
            index_queue.put(_worker._ResumeIteration())
        resume_iteration_cnt = self._num_workers
        while resume_iteration_cnt > 0:
            return_idx, return_data = self._get_data()
            if isinstance(return_idx, _worker._ResumeIteration):
                resume_iteration_cnt -= 1
            else:
                _shared_memory.release(return_data)

    def _try_get_data(self, timeout=_worker.MP_STATUS_CHECK_INTERVAL):
        try:
            return True, self._data_queue.get(timeout=timeout)
        except Exception as e:
            failed_workers = []
            for worker_id, w in enumerate(self._workers):
                if self._workers_status[worker_id] and not w.is_alive():
                    failed_workers.append(w)
                    self._mark_worker_as_unavailable(worker_id)
            if failed_workers:
                pids = ", ".join(str(w.pid) for w in failed_workers)
                raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly") from e
            if isinstance(e, queue.Empty):
                return False, None
            raise

    def _get_data(self):
        if self._timeout > 0:
            success, data = self._try_get_data(self._timeout)
            if success:
                return data
            raise RuntimeError(f"DataLoader timed out after {self._timeout} seconds")
        while True:
            success, data = self._try_get_data()
            if success:
                return data

    def _next_data(self):
        while True:
            # skip tasks of workers that stopped (exhausted IterableDataset copies)
            while self._rcvd_idx < self._send_idx:
                info = self._task_info.get(self._rcvd_idx)
                if info:
                    worker_id = info[0]
                    if len(info) == 2 or self._workers_status[worker_id]:
                        break
                    del self._task_info[self._rcvd_idx]
                self._rcvd_idx += 1
            else:
                if not self._persistent_workers:
                    self._shutdown_workers()
                raise StopIteration

            if len(self._task_info[self._rcvd_idx]) == 2:
                worker_id, data = self._task_info.pop(self._rcvd_idx)
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

            if self._shutdown or self._tasks_outstanding <= 0:
                raise AssertionError("Invalid iterator state: shutdown or no outstanding "
                                     "tasks when fetching next data")
            idx, data = self._get_data()
            self._tasks_outstanding -= 1
            if self._is_iterable and isinstance(data, _worker._IterableDatasetStopIteration):
                if self._persistent_workers:
                    self._workers_status[data.worker_id] = False
                else:
                    self._mark_worker_as_unavailable(data.worker_id)
                self._try_put_index()
                continue

            if idx != self._rcvd_idx:
                if not self._in_order:
                    worker_id = self._task_info.pop(idx)[0]
                    return self._process_data(data, worker_id)
                self._task_info[idx] += (data,)
            else:
                worker_id = self._task_info.pop(idx)[0]
                self._rcvd_idx += 1
                return self._process_data(data, worker_id)

    def _try_put_index(self):
        max_tasks = self._prefetch_factor * self._num_workers
        if self._tasks_outstanding >= max_tasks:
            raise AssertionError("Number of outstanding tasks exceeded maximum allowed tasks")
        try:
            index = self._next_index()
        except StopIteration:
            return
        for _ in range(self._num_workers):  # the next active worker, if any
            worker_queue_idx = next(self._worker_queue_idx_cycle)
            if self._workers_status[worker_queue_idx]:
                if self._in_order:
                    break
                if self._workers_num_tasks[worker_queue_idx] < max_tasks // sum(
                        self._workers_status):
                    break
        else:
            return
        self._send_index(worker_queue_idx, self._send_idx, index)
        self._task_info[self._send_idx] = (worker_queue_idx,)
        self._workers_num_tasks[worker_queue_idx] += 1
        self._tasks_outstanding += 1
        self._send_idx += 1

    def _send_index(self, worker_id, idx, index):
        self._index_queues[worker_id].put((idx, index))

    def _flush(self):
        """Send the indices ``_send_index`` held back (none here: queues send at once)."""

    def _process_data(self, data, worker_idx):
        self._workers_num_tasks[worker_idx] -= 1
        self._try_put_index()
        self._flush()
        if isinstance(data, ExceptionWrapper):
            data.reraise()
        return _shared_memory.unpack(data)

    def _release_buffered(self):
        """Unlink the shared memory of batches that arrived early and will not be returned."""
        for info in self._task_info.values():
            if len(info) == 2:
                _shared_memory.release(info[1])

    def _mark_worker_as_unavailable(self, worker_id):
        # the worker exits once it reads None; it may still send results queued before it
        self._index_queues[worker_id].put(None)
        self._workers_status[worker_id] = False

    def _shutdown_workers(self):
        """Stop the workers: done event, ``None`` to each, join with a timeout, terminate
        the ones still alive; then unlink the shared memory of batches never received.

        Safe to call more than once, and from ``__del__`` of a half-built iterator.
        """
        if self._shutdown:
            return
        self._shutdown = True
        try:
            self._workers_done_event.set()
            for worker_id in range(len(self._workers)):
                if self._persistent_workers or self._workers_status[worker_id]:
                    self._mark_worker_as_unavailable(worker_id)
            for w in self._workers:
                w.join(timeout=_JOIN_TIMEOUT)
            for q in self._index_queues:
                q.cancel_join_thread()
                q.close()
        finally:
            for w in self._workers:
                if w.is_alive():
                    w.terminate()
                    w.join(timeout=_JOIN_TIMEOUT)
            self._close_results()
            if self._shm_prefix is not None:
                self._release_buffered()
                _shared_memory.sweep(self._shm_prefix)
            with _live_iterators_lock:
                _live_iterators.discard(self)

    def _close_results(self):
        queue_ = getattr(self, "_worker_result_queue", None)
        if queue_ is not None:
            queue_.cancel_join_thread()
            queue_.close()

    def __del__(self):
        self._shutdown_workers()


class _RingDataLoaderIter(_MultiProcessingDataLoaderIter):
    """``_MultiProcessingDataLoaderIter`` for map-style datasets on systems with
    ``/dev/shm``: batches come back through a ring of shared-memory slots per worker and
    indices go out through plain pipes (``_ring.py`` says why), with the same order,
    prefetching, errors and shutdown.

    Each worker answers its tasks in the order it got them, so while batches are
    returned in order the next one is always the oldest answer of one known worker:
    only that worker's pipe is polled, and nothing arrives early to be buffered.
    """

    def _start_workers(self, context, loader):
        self._channels = []
        for i in range(self._num_workers):
            index_reader, index_writer = context.Pipe(duplex=False)
            result_reader, result_writer = context.Pipe(duplex=False)
            w = context.Process(target=_worker._worker_loop,
                                args=self._worker_args(loader, i, index_reader,
                                                       result_writer, ring=True),
                                daemon=True)
            w.start()
            # the worker's ends: closed here so that later workers do not inherit them
            index_reader.close()
            result_writer.close()
            self._workers.append(w)
            self._channels.append(_ring.MainChannel(index_writer, result_reader, w,
                                                    self._prefetch_factor))

    def _send_index(self, worker_id, idx, index):
        self._channels[worker_id].send(idx, index)

    def _flush(self, force=False):
        for channel in self._channels:
            channel.flush(force)

    def _try_get_data(self, timeout=_worker.MP_STATUS_CHECK_INTERVAL):
        if self._in_order:
            channels = [self._channels[self._task_info[self._rcvd_idx][0]]]
        else:
            channels = [c for c, n in zip(self._channels, self._workers_num_tasks) if n > 0]
        return self._receive(channels, timeout, lambda channel: channel.recv())

    def _receive(self, channels, timeout, read):
        try:
            return self._receive_or_eof(channels, timeout, read)
        except EOFError:
            pass  # a worker died in the middle of an answer: reported below
        return self._report_failed_workers()

    def _receive_or_eof(self, channels, timeout, read):
        if len(channels) == 1:
            if channels[0].ready(0):
                return True, read(channels[0])
            self._flush(force=True)  # about to wait: no worker may sit on unsent tasks
            if channels[0].ready(timeout):
                return True, read(channels[0])
        else:
            self._flush(force=True)
            poller = select.poll()
            by_fd = {}
            for channel in channels:
                by_fd[channel.result_conn.fileno()] = channel
                poller.register(channel.result_conn.fileno(), select.POLLIN)
                poller.register(channel.process.sentinel, select.POLLIN)
            for fd, event in poller.poll(timeout * 1000):
                if fd in by_fd and event & select.POLLIN:
                    return True, read(by_fd[fd])
        return self._report_failed_workers()

    def _report_failed_workers(self):
        """Raise if a worker died, else report that nothing arrived in time."""
        failed_workers = []
        for worker_id, w in enumerate(self._workers):
            if self._workers_status[worker_id] and not w.is_alive():
                failed_workers.append(w)
                self._mark_worker_as_unavailable(worker_id)
        if failed_workers:
            pids = ", ".join(str(w.pid) for w in failed_workers)
            raise RuntimeError(f"DataLoader worker (pid(s) {pids}) exited unexpectedly")
        return False, None

    def _resume_workers(self):
        for channel in self._channels:
            channel.send_control(_worker._ResumeIteration())
        for channel in self._channels:
            while True:
                success, idx = self._receive([channel], _worker.MP_STATUS_CHECK_INTERVAL,
                                             lambda channel: channel.discard())
                if success and isinstance(idx, _worker._ResumeIteration):
                    break

    def _mark_worker_as_unavailable(self, worker_id):
        try:
            self._channels[worker_id].send_control(None)
        except (OSError, IndexError):
            pass  # the worker is gone (its pipe has no reader) or was never started
        self._workers_status[worker_id] = False

    def _close_results(self):
        for channel in getattr(self, "_channels", ()):
            channel.close()

