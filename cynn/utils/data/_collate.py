"""``default_collate`` and ``default_convert``: samples to batches.

Below both the ``DataLoader`` and the fetchers that workers run, which each need
``default_collate``; exported from ``dataloader`` as in PyTorch.
"""
import collections.abc
import copy
import re

import numpy as np

from ... import _creation, _dtype
from ..._tensor import Tensor

__all__ = ["default_collate", "default_convert"]

# numpy dtypes that cannot become tensors: strings, bytes, objects
_np_str_obj_array_pattern = re.compile(r"[SaUO]")

default_collate_err_msg_format = (
    "default_collate: batch must contain tensors, numpy arrays, numbers, "
    "dicts or lists; found {}")


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
