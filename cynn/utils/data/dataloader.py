"""``DataLoader``: batches of samples from a dataset, and the default collate functions.

Loading always runs in the calling process: ``num_workers > 0`` is accepted (so
PyTorch scripts run unchanged) and gives the same batches as ``num_workers=0``.
"""
import collections.abc
import copy
import math
import re

import numpy as np

from ... import _creation, _dtype
from ..._tensor import Tensor
from .dataset import IterableDataset, Subset, TensorDataset
from .sampler import BatchSampler, RandomSampler, SequentialSampler

__all__ = ["DataLoader", "default_collate", "default_convert", "get_worker_info"]

# numpy dtypes that cannot become tensors: strings, bytes, objects
_np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}")


def get_worker_info():
    """Always None: cynn loads data in the main process, never in workers."""
    return None


def _numpy_to_tensor(value):
    """A tensor sharing memory with a numpy array or scalar, keeping its dtype."""
    return _creation.from_numpy(np.asarray(value))


def default_convert(data):
    """Turn numpy arrays and scalars inside ``data`` into tensors, leaving the rest.

    Used instead of ``default_collate`` when automatic batching is off
    (``batch_size=None``). Recurses into mappings, namedtuples and sequences
    (tuples become lists, as in PyTorch).
    """
    elem_type = type(data)
    if isinstance(data, Tensor):
        return data
    if elem_type.__module__ == "numpy" and elem_type.__name__ not in ("str_", "string_",
                                                                     "bytes_"):
        if isinstance(data, np.ndarray) and _np_str_obj_array_pattern.search(data.dtype.str):
            return data
        return _numpy_to_tensor(data)
    if isinstance(data, collections.abc.Mapping):
        try:
            if isinstance(data, collections.abc.MutableMapping):
                clone = copy.copy(data)
                clone.update({key: default_convert(data[key]) for key in data})
                return clone
            return elem_type({key: default_convert(data[key]) for key in data})
        except TypeError:
            return {key: default_convert(data[key]) for key in data}
    if isinstance(data, tuple) and hasattr(data, "_fields"):
        return elem_type(*(default_convert(d) for d in data))
    if isinstance(data, tuple):
        return [default_convert(d) for d in data]
    if isinstance(data, collections.abc.Sequence) and not isinstance(data, (str, bytes)):
        try:
            if isinstance(data, collections.abc.MutableSequence):
                clone = copy.copy(data)
                for i, d in enumerate(data):
                    clone[i] = default_convert(d)
                return clone
            return elem_type([default_convert(d) for d in data])
        except TypeError:
            return [default_convert(d) for d in data]
    return data


def default_collate(batch):
    """Stack a list of samples into a batch, recursing into their structure.

    * Tensor -> Tensor with a new leading batch dimension (``cynn.stack``)
    * numpy array -> Tensor (stacked); numpy scalar -> 1-d Tensor of its dtype
    * python ``float`` -> float64 Tensor; ``int`` -> int64; ``bool`` -> bool
    * ``str`` / ``bytes`` -> the list unchanged
    * Mapping -> same keys, each value collated over the batch
    * namedtuple -> same type, each field collated
    * other sequences -> one collated entry per position (tuples give lists)

    Example::

        >>> default_collate([(cynn.zeros(3), 0), (cynn.ones(3), 1)])
        [tensor([[0., 0., 0.],
                [1., 1., 1.]]), tensor([0, 1])]
    """
    elem = batch[0]
    elem_type = type(elem)

    if isinstance(elem, Tensor):
        return _creation.stack(batch, 0)
    if isinstance(elem, np.ndarray):
        if _np_str_obj_array_pattern.search(elem.dtype.str) is not None:
            raise TypeError(default_collate_err_msg_format.format(elem.dtype))
        return default_collate([_numpy_to_tensor(b) for b in batch])
    if isinstance(elem, (np.bool_, np.number)):
        return _numpy_to_tensor(batch)
    if isinstance(elem, float):
        return _creation.tensor(batch, dtype=_dtype.float64)
    if isinstance(elem, int):
        return _creation.tensor(batch)
    if isinstance(elem, (str, bytes)):
        return batch

    if isinstance(elem, collections.abc.Mapping):
        collated = {key: default_collate([d[key] for d in batch]) for key in elem}
        try:
            if isinstance(elem, collections.abc.MutableMapping):
                # a mapping subclass may carry extra attributes: update a copy
                clone = copy.copy(elem)
                clone.update(collated)
                return clone
            return elem_type(collated)
        except TypeError:
            return collated
    if isinstance(elem, tuple) and hasattr(elem, "_fields"):
        return elem_type(*(default_collate(samples) for samples in zip(*batch)))
    if isinstance(elem, collections.abc.Sequence):
        elem_size = len(elem)
        if any(len(e) != elem_size for e in batch):
            raise RuntimeError("each element in list of batch should be of equal size")
        transposed = list(zip(*batch))
        if isinstance(elem, tuple):
            return [default_collate(samples) for samples in transposed]
        collated = [default_collate(samples) for samples in transposed]
        try:
            if isinstance(elem, collections.abc.MutableSequence):
                clone = copy.copy(elem)
                for i, value in enumerate(collated):
                    clone[i] = value
                return clone
            return elem_type(collated)
        except TypeError:
            return collated
    raise TypeError(default_collate_err_msg_format.format(elem_type))


class _InfiniteConstantSampler:
    """Endless ``None`` indices: an iterable dataset ignores the index it is given."""

    def __iter__(self):
        while True:
            yield None


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
        num_workers (int): accepted for compatibility; loading runs in this process.
        collate_fn (callable, optional): list of samples -> batch
            (default: ``default_collate``).
        pin_memory (bool): accepted; does nothing (no GPU).
        drop_last (bool): drop the last batch when it is smaller than ``batch_size``.
        timeout, worker_init_fn, multiprocessing_context, prefetch_factor,
        persistent_workers, pin_memory_device, in_order: accepted for compatibility
            and validated as PyTorch does; without worker processes they have no
            effect (``worker_init_fn`` is never called).
        generator (optional): cynn or numpy Generator for ``RandomSampler``.

    ``len(loader)`` is the number of batches per epoch.

    Example::

        >>> cynn.manual_seed(0)
        >>> loader = DataLoader(TensorDataset(x, y), batch_size=32, shuffle=True)
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
        if multiprocessing_context is not None and num_workers == 0:
            raise ValueError("multiprocessing_context can only be used with multi-process "
                             f"loading (num_workers > 0), but got num_workers={num_workers}")

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

    def __iter__(self):
        return _DataLoaderIter(self)

    def __len__(self):
        if self._is_iterable:
            length = len(self.dataset)
            if self.batch_size is not None:
                length = length // self.batch_size if self.drop_last \
                    else math.ceil(length / self.batch_size)
            return length
        return len(self._index_sampler)


class _DataLoaderIter:
    """One epoch of a DataLoader: fetches and collates batch after batch."""

    def __init__(self, loader):
        self._dataset = loader.dataset
        self._auto_collation = loader._auto_collation
        self._drop_last = loader.drop_last
        self._collate_fn = loader.collate_fn
        self._index_iter = iter(loader._index_sampler)
        self._dataset_iter = iter(loader.dataset) if loader._is_iterable else None
        self._loader = loader
        self._fast_tensor_rows = loader._auto_collation and loader.collate_fn is default_collate

    def __iter__(self):
        return self

    def __len__(self):
        return len(self._loader)

    def __next__(self):
        index = next(self._index_iter)
        if self._fast_tensor_rows:
            rows = _tensor_dataset_rows(self._dataset, index)
            if rows is not None:
                return rows
        data = self._fetch_iterable(index) if self._dataset_iter is not None \
            else self._fetch_map(index)
        return self._collate_fn(data)

    def _fetch_map(self, index):
        if not self._auto_collation:
            return self._dataset[index]
        getitems = getattr(self._dataset, "__getitems__", None)
        if callable(getitems):
            return getitems(index)
        return [self._dataset[i] for i in index]

    def _fetch_iterable(self, index):
        if not self._auto_collation:
            return next(self._dataset_iter)
        data = []
        for _ in index:
            try:
                data.append(next(self._dataset_iter))
            except StopIteration:
                break
        if len(data) == 0 or (self._drop_last and len(data) < len(index)):
            raise StopIteration
        return data


def _tensor_dataset_rows(dataset, indices):
    """``default_collate([dataset[i] for i in indices])`` in one indexing per tensor,
    when ``dataset`` is a TensorDataset (possibly inside Subsets); else None.

    Collating a TensorDataset's samples stacks rows that integer-array indexing gets
    directly, without a Python-level loop over the batch.
    """
    while type(dataset) is Subset:
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    rows = np.asarray(indices, dtype=np.int64)
    return [t[rows] for t in dataset.tensors]
