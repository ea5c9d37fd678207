"""``DistributedSampler``: each rank's share of a dataset's indices, as torch's."""
import math

from . import _torch_randperm
from .sampler import Sampler

__all__ = ["DistributedSampler"]


class DistributedSampler(Sampler):
    """The indices rank ``rank`` of ``num_replicas`` visits in one epoch: a disjoint,
    equally long share of the dataset for every rank.

    The index list (shuffled when ``shuffle`` by ``randperm`` under the seed
    ``seed + epoch``, the same on every rank) is made a multiple of ``num_replicas``
    long, by repeating its start (default) or, with ``drop_last``, by cutting its tail;
    rank ``r`` takes every ``num_replicas``-th index from position ``r``. Call
    ``set_epoch(epoch)`` before each epoch for a new order.

    Args:
        dataset: anything with ``len``.
        num_replicas (int, optional): number of ranks (default: the world size).
        rank (int, optional): this rank (default: ``cynn.distributed.get_rank()``).
        shuffle (bool): permute the indices each epoch. Default: ``True``.
        seed (int): the permutation's seed, identical on every rank. Default: 0.
        drop_last (bool): drop the tail instead of padding. Default: ``False``.

    ``len(sampler)`` is ``ceil(len(dataset) / num_replicas)``, or with ``drop_last``
    ``ceil((len(dataset) - num_replicas) / num_replicas)`` (the floor of the quotient).

    Every shard, shuffled or not, is the one torch's ``DistributedSampler`` gives for the
    same arguments: the permutation comes from a copy of torch's CPU generator and
    ``randperm`` (``_torch_randperm``), not from cynn's own generator, so that a job
    can move between torch and cynn mid-training without a sample seen twice or
    missed, and ``cynn.manual_seed`` does not change the order.

    Example::

        >>> sampler = DistributedSampler(range(10), num_replicas=3, rank=1, shuffle=False)
        >>> list(sampler)
        [1, 4, 7, 0]
    """

    def __init__(self, dataset, num_replicas=None, rank=None, shuffle=True, seed=0,
                 drop_last=False):
        if num_replicas is None or rank is None:
            from ... import distributed
            if not distributed.is_available():
                raise RuntimeError("Requires distributed package to be available")
            if num_replicas is None:
                num_replicas = distributed.get_world_size()
            if rank is None:
                rank = distributed.get_rank()
        if rank >= num_replicas or rank < 0:
            raise ValueError(f"Invalid rank {rank}, rank should be in the interval "
                             f"[0, {num_replicas - 1}]")
        self.dataset = dataset
        self.num_replicas = num_replicas
        self.rank = rank
        self.epoch = 0
        self.drop_last = drop_last
        n = len(dataset)
        if drop_last and n % num_replicas != 0:
            self.num_samples = math.ceil((n - num_replicas) / num_replicas)
        else:
            self.num_samples = math.ceil(n / num_replicas)
        self.total_size = self.num_samples * num_replicas
        self.shuffle = shuffle
        self.seed = seed

    def __iter__(self):
        n = len(self.dataset)
        if self.shuffle:
            indices = _torch_randperm.randperm(n, self.seed + self.epoch).tolist()
        else:
            indices = list(range(n))
        if self.drop_last:
            indices = indices[:self.total_size]
        else:
            missing = self.total_size - len(indices)
            # repeat from the start, the whole list again as often as needed
            repeats = math.ceil(missing / len(indices)) if indices else 0
            indices += (indices * repeats)[:missing]
        if len(indices) != self.total_size:
            raise AssertionError(f"Number of indices ({len(indices)}) does not match "
                                 f"total_size ({self.total_size})")
        return iter(indices[self.rank:self.total_size:self.num_replicas])

    def __len__(self):
        return self.num_samples

    def set_epoch(self, epoch):
        """The epoch whose order the next ``__iter__`` gives (seeded ``seed + epoch``)."""
        self.epoch = epoch
