"""``DistributedSampler`` against torch's: the same shards, shuffled or not, for every
rank and the same arguments (torch is the oracle)."""
import itertools

import pytest
import torch.utils.data.distributed as torch_distributed

import cynn
import cynn.distributed as dist
from cynn.utils.data.distributed import DistributedSampler

SIZES = [0, 1, 2, 3, 5, 7, 10, 12, 100, 1001]
REPLICAS = [1, 2, 3, 4, 8]
SEEDS = [0, 3, 2 ** 32 + 1]
EPOCHS = [0, 1, 5]


def shards(cls, n, replicas, epoch=0, **kwargs):
    samplers = [cls(range(n), num_replicas=replicas, rank=r, **kwargs) for r in range(replicas)]
    for sampler in samplers:
        sampler.set_epoch(epoch)
    return [list(sampler) for sampler in samplers], [len(sampler) for sampler in samplers]


@pytest.mark.parametrize("shuffle", [True, False])
@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("replicas", REPLICAS)
@pytest.mark.parametrize("n", SIZES)
def test_shards_and_lengths_equal_torchs(n, replicas, drop_last, shuffle):
    for seed, epoch in itertools.product(SEEDS, EPOCHS):
        kwargs = dict(shuffle=shuffle, seed=seed, drop_last=drop_last)
        assert (shards(DistributedSampler, n, replicas, epoch, **kwargs)
                == shards(torch_distributed.DistributedSampler, n, replicas, epoch, **kwargs)), \
            (seed, epoch)


@pytest.mark.parametrize("n, replicas, drop_last", [
    (60000, 8, False), (60001, 7, True), (60001, 7, False), (10 ** 6, 3, False)])
def test_large_dataset_shards_equal_torchs(n, replicas, drop_last):
    kwargs = dict(seed=17, drop_last=drop_last)
    for rank in (0, replicas - 1):
        ours = DistributedSampler(range(n), replicas, rank, **kwargs)
        theirs = torch_distributed.DistributedSampler(range(n), replicas, rank, **kwargs)
        ours.set_epoch(2)
        theirs.set_epoch(2)
        assert list(ours) == list(theirs)


def test_cynn_seed_does_not_change_the_order():
    first = list(DistributedSampler(range(50), num_replicas=2, rank=0, seed=7))
    cynn.manual_seed(123)
    assert list(DistributedSampler(range(50), num_replicas=2, rank=0, seed=7)) == first


def test_epochs_reshuffle_reproducibly_and_agree_across_ranks():
    samplers = [DistributedSampler(range(50), num_replicas=2, rank=r, seed=7) for r in range(2)]
    epoch0 = [list(s) for s in samplers]
    for s in samplers:
        s.set_epoch(1)
    epoch1 = [list(s) for s in samplers]
    assert epoch0 != epoch1
    for epoch in (epoch0, epoch1):   # the ranks' shards are disjoint and cover everything
        assert sorted(epoch[0] + epoch[1]) == list(range(50))
    again = DistributedSampler(range(50), num_replicas=2, rank=0, seed=7)
    again.set_epoch(1)
    assert list(again) == epoch1[0]
    assert list(DistributedSampler(range(50), num_replicas=2, rank=0, seed=8)) != epoch0[0]


@pytest.mark.parametrize("rank", [-1, 3])
def test_invalid_rank_raises_value_error_as_torch(rank):
    for cls in (DistributedSampler, torch_distributed.DistributedSampler):
        with pytest.raises(ValueError, match=r"Invalid rank .*interval \[0, 2\]"):
            cls(range(10), num_replicas=3, rank=rank)


def test_rank_from_an_uninitialized_group_raises_as_get_rank():
    assert not dist.is_initialized()
    with pytest.raises(ValueError, match="has not been initialized"):
        DistributedSampler(range(10))
