"""Fetchers: turn one index (or list of indices) from the sampler into a collated batch.

Shared by the single-process iterator and the worker processes, so both produce the
same batches from the same indices.
"""
import numpy as np

from ..._tensor import Tensor
from ._collate import default_collate
from .dataset import Subset, TensorDataset


class _MapDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset = dataset
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self._fast_tensor_rows = auto_collation and _is_default_collate(collate_fn)

    def rows(self, possibly_batched_index):
        """The batch ``fetch`` would return, as a ``Rows`` still to gather, when the
        dataset is a TensorDataset (possibly inside Subsets) collated by default; else
        None. Lets a worker gather the rows straight into shared memory."""
        if not self._fast_tensor_rows:
            return None
        return _tensor_dataset_rows(self.dataset, possibly_batched_index, gather=False)

    def fetch(self, possibly_batched_index):
        if not self.auto_collation:
            return self.collate_fn(self.dataset[possibly_batched_index])
        if self._fast_tensor_rows:
            rows = _tensor_dataset_rows(self.dataset, possibly_batched_index)
            if rows is not None:
                return rows
        getitems = getattr(self.dataset, "__getitems__", None)
        if callable(getitems):
            data = getitems(possibly_batched_index)
        else:
            data = [self.dataset[i] for i in possibly_batched_index]
        return self.collate_fn(data)


class _IterableDatasetFetcher:
    def __init__(self, dataset, auto_collation, collate_fn, drop_last):
        self.dataset_iter = iter(dataset)
        self.auto_collation = auto_collation
        self.collate_fn = collate_fn
        self.drop_last = drop_last
        self.ended = False

    def fetch(self, possibly_batched_index):
        if self.ended:
            raise StopIteration
        if not self.auto_collation:
            return self.collate_fn(next(self.dataset_iter))
        data = []
        for _ in possibly_batched_index:
            try:
                data.append(next(self.dataset_iter))
            except StopIteration:
                self.ended = True
                break
        if len(data) == 0 or (self.drop_last and len(data) < len(possibly_batched_index)):
            raise StopIteration
        return self.collate_fn(data)


def create_fetcher(is_iterable, dataset, auto_collation, collate_fn, drop_last):
    kind = _IterableDatasetFetcher if is_iterable else _MapDatasetFetcher
    return kind(dataset, auto_collation, collate_fn, drop_last)


def _is_default_collate(collate_fn):
    return collate_fn is default_collate


def _tensor_dataset_rows(dataset, indices, gather=True):
    """``default_collate([dataset[i] for i in indices])`` in one indexing per tensor,
    when ``dataset`` is a TensorDataset (possibly inside Subsets); else None.

    Collating a TensorDataset's samples stacks rows that integer-array indexing gets
    directly, without a Python-level loop over the batch. With ``gather=False`` the
    rows come back as ``Rows``, or None when the indices need ``fetch``'s own checks
    (out of range, not integers) or a tensor requires grad.
    """
    while type(dataset) is Subset:
        indices = [dataset.indices[i] for i in indices]
        dataset = dataset.dataset
    if type(dataset) is not TensorDataset:
        return None
    needs_grad = any(t._requires_grad or t._grad_fn is not None for t in dataset.tensors)
    if gather:
        rows = np.asarray(indices, dtype=np.int64)
        if needs_grad:  # indexing records the gather in the graph
            return [t[rows] for t in dataset.tensors]
        # one copy: Tensor indexing gathers the rows, then copies them again
        return [Tensor._wrap(np.take(t._data, rows, axis=0)) for t in dataset.tensors]
    rows = np.asarray(indices)
    if rows.ndim != 1 or rows.dtype.kind not in "iu" or needs_grad:
        return None
    sources = [t._data for t in dataset.tensors]
    n = min(len(s) for s in sources) if sources else 0
    # np.take(mode="wrap") maps -n..-1 as indexing does, but n or more silently too;
    # min/max of a short list cost less than numpy's reductions
    values = indices if type(indices) is list else rows
    if len(rows) and (min(values) < -n or max(values) >= n):
        return None
    return Rows(sources, rows.astype(np.int64, copy=False))


class Rows:
    """The rows ``indices`` of each array of ``sources``: a TensorDataset's batch before
    it is gathered."""

    __slots__ = ("sources", "indices")

    def __init__(self, sources, indices):
        self.sources, self.indices = sources, indices

    def gather(self):
        return [Tensor._wrap(np.take(s, self.indices, axis=0)) for s in self.sources]
