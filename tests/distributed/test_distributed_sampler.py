"""``DistributedSampler`` against torch's: identical shards without shuffling, and the
partition and padding properties of shuffled ones (cynn's generator is not torch's)."""
import collections

import pytest
import torch.utils.data.distributed as torch_distributed

import cynn.distributed as dist
from cynn.utils.data.distributed import DistributedSampler

SIZES = [0, 1, 5, 7, 10, 12]
REPLICAS = [1, 2, 3, 4, 8]


def shards(cls, n, replicas, **kwargs):
    return [list(cls(range(n), num_replicas=replicas, rank=r, **kwargs)) for r in range(replicas)]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("replicas", REPLICAS)
@pytest.mark.parametrize("n", SIZES)
def test_unshuffled_shards_and_lengths_equal_torch(n, replicas, drop_last):
    ours = shards(DistributedSampler, n, replicas, shuffle=False, drop_last=drop_last)
    if n == 0 and not drop_last:   # torch divides by zero padding an empty dataset
        assert ours == [[]] * replicas
        return
    theirs = shards(torch_distributed.DistributedSampler, n, replicas, shuffle=False,
                    drop_last=drop_last)
    assert ours == theirs
    assert [len(DistributedSampler(range(n), replicas, r, drop_last=drop_last))
            for r in range(replicas)] == [len(s) for s in theirs]


@pytest.mark.parametrize("drop_last", [False, True])
@pytest.mark.parametrize("replicas", REPLICAS)
@pytest.mark.parametrize("n", [1, 5, 7, 10, 12])
def test_shuffled_shards_partition_like_torch(n, replicas, drop_last):
    ours = shards(DistributedSampler, n, replicas, seed=3, drop_last=drop_last)
    theirs = shards(torch_distributed.DistributedSampler, n, replicas, seed=3,
                    drop_last=drop_last)
    assert [len(s) for s in ours] == [len(s) for s in theirs]
    counts = collections.Counter(i for shard in ours for i in shard)
    # every index at least once (padding) or at most once (dropping), as in torch's
    expected = collections.Counter(i for shard in theirs for i in shard)
    assert sorted(counts.values()) == sorted(expected.values())
    assert set(counts) <= set(range(n))
    if not drop_last:
        assert set(counts) == set(range(n))


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
