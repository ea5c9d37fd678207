"""How DistributedDataParallel groups gradients into buckets (no MPI needed)."""
import numpy as np

import cynn
from cynn.nn.parallel._reducer import assign_buckets


def params(*specs):
    """A parameter list from ``(n_elements, dtype)`` specs."""
    return [cynn.zeros(n, dtype=dtype) for n, dtype in specs]


def nbytes(ps, bucket):
    return sum(ps[i]._data.nbytes for i in bucket)


def test_reverse_order_first_bucket_small_then_cap():
    ps = params(*[(256, cynn.float32)] * 10)      # 1 kB each
    buckets = assign_buckets(ps, bucket_cap_bytes=3000, first_bucket_bytes=1500)
    assert buckets == [[9, 8], [7, 6, 5], [4, 3, 2], [1, 0]]


def test_a_parameter_larger_than_the_cap_gets_a_bucket_of_its_own():
    ps = params((10, cynn.float32), (10_000, cynn.float32), (10, cynn.float32))
    assert assign_buckets(ps, bucket_cap_bytes=1000, first_bucket_bytes=1000) == \
        [[2, 1], [0]]


def test_dtypes_never_share_a_bucket_and_every_parameter_is_in_one_once():
    ps = params((100, cynn.float32), (100, cynn.float64), (100, cynn.float32),
                (100, cynn.float64), (100, cynn.float32))
    buckets = assign_buckets(ps, bucket_cap_bytes=700, first_bucket_bytes=500)
    assert sorted(i for b in buckets for i in b) == list(range(5))
    for b in buckets:
        assert len({ps[i]._data.dtype for i in b}) == 1
        assert b == sorted(b, reverse=True)


def test_default_sizes_1_mb_first_then_25_mb():
    ps = params(*[(64 * 1024, cynn.float32)] * 120)   # 256 kB each, 30 MB in all
    buckets = assign_buckets(ps)
    assert nbytes(ps, buckets[0]) == 1024 * 1024
    assert nbytes(ps, buckets[1]) == 25 * 1024 * 1024
    assert buckets[0] == [119, 118, 117, 116]
    assert np.concatenate(buckets).tolist() == list(range(119, -1, -1))
