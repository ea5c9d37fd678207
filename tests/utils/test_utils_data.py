"""cynn.utils.data against torch.utils.data: batching, shuffling, lengths, collation,
samplers, random_split, and the argument errors."""
import collections
import warnings

import numpy as np
import pytest

import cynn
from cynn.utils.data import (BatchSampler, ConcatDataset, DataLoader, Dataset,
                             IterableDataset, RandomSampler, SequentialSampler, Subset,
                             SubsetRandomSampler, TensorDataset, WeightedRandomSampler,
                             default_collate, random_split)
from helpers import helper_test_exception, torch_module

torch = torch_module()


def make_dataset(lib, n=10):
    """Features row i = [i, i + 0.5] (float32), label i (int64)."""
    x = np.stack([np.arange(n), np.arange(n) + 0.5], axis=1).astype(np.float32)
    return lib.utils.data.TensorDataset(lib.from_numpy(x), lib.from_numpy(np.arange(n)))


def batches(loader):
    """Each batch as a tuple of numpy arrays."""
    return [tuple(np.asarray(t.numpy()) for t in batch) for batch in loader]


# ---------------------------------------------------------------------- TensorDataset
def test_tensor_dataset_indexes_every_tensor():
    ds = make_dataset(cynn, 5)
    assert len(ds) == 5
    x, y = ds[3]
    np.testing.assert_array_equal(x.numpy(), [3.0, 3.5])
    assert y.item() == 3 and y.dtype == cynn.int64


def test_tensor_dataset_size_mismatch_raises_like_torch():
    helper_test_exception(lambda lib: lib.utils.data.TensorDataset(lib.zeros(4, 2),
                                                                   lib.zeros(5)),
                          AssertionError, match="Size mismatch between tensors")


# ---------------------------------------------------------------------- DataLoader batching
@pytest.mark.parametrize("n,batch_size,drop_last", [
    (10, 3, False), (10, 3, True), (10, 5, False), (10, 5, True), (10, 1, False),
    (10, 16, False), (10, 16, True), (7, 7, True),
])
def test_sequential_batches_and_len_match_torch(n, batch_size, drop_last):
    loader = DataLoader(make_dataset(cynn, n), batch_size=batch_size, drop_last=drop_last)
    torch_loader = torch.utils.data.DataLoader(make_dataset(torch, n), batch_size=batch_size,
                                               drop_last=drop_last)
    got, expected = batches(loader), batches(torch_loader)
    assert len(loader) == len(torch_loader) == len(got)
    assert len(got) == len(expected)
    for g, e in zip(got, expected):
        for a, b in zip(g, e):
            assert a.dtype == b.dtype and a.shape == b.shape
            np.testing.assert_array_equal(a, b)


def test_batches_are_cynn_tensors_with_a_leading_batch_dimension():
    xb, yb = next(iter(DataLoader(make_dataset(cynn), batch_size=4)))
    assert isinstance(xb, cynn.Tensor) and isinstance(yb, cynn.Tensor)
    assert xb.shape == (4, 2) and yb.shape == (4,)
    assert xb.dtype == cynn.float32 and yb.dtype == cynn.int64


def _epoch_labels(loader):
    return np.concatenate([yb.numpy() for _, yb in loader]).tolist()


def test_shuffle_visits_every_sample_once_and_is_seeded():
    loader = DataLoader(make_dataset(cynn, 50), batch_size=8, shuffle=True)
    cynn.manual_seed(0)
    first, second = _epoch_labels(loader), _epoch_labels(loader)
    assert sorted(first) == sorted(second) == list(range(50))
    assert first != second, "each epoch must draw a new permutation"
    assert first != list(range(50))
    cynn.manual_seed(0)
    assert _epoch_labels(loader) == first
    assert _epoch_labels(loader) == second
    cynn.manual_seed(1)
    assert _epoch_labels(loader) != first


def test_shuffle_keeps_features_and_labels_together():
    for xb, yb in DataLoader(make_dataset(cynn, 20), batch_size=6, shuffle=True):
        np.testing.assert_array_equal(xb.numpy()[:, 0], yb.numpy().astype(np.float32))


def test_own_generator_gives_reproducible_order_independent_of_global_seed():
    from cynn._random import Generator
    orders = []
    for global_seed in (3, 4):
        cynn.manual_seed(global_seed)
        loader = DataLoader(make_dataset(cynn, 30), batch_size=4, shuffle=True,
                            generator=Generator(7))
        orders.append(_epoch_labels(loader))
    assert orders[0] == orders[1]
    orders.append(_epoch_labels(DataLoader(make_dataset(cynn, 30), batch_size=4, shuffle=True,
                                           generator=np.random.default_rng(7))))
    assert sorted(orders[2]) == list(range(30))


def test_two_workers_give_the_batches_of_the_main_process():
    cynn.manual_seed(0)
    plain = _epoch_labels(DataLoader(make_dataset(cynn, 25), batch_size=4, shuffle=True))
    cynn.manual_seed(0)
    workers = _epoch_labels(DataLoader(make_dataset(cynn, 25), batch_size=4, shuffle=True,
                                       num_workers=2, pin_memory=True))
    assert plain == workers


def test_custom_collate_fn_and_plain_dataset():
    class Squares(Dataset):
        def __len__(self):
            return 5

        def __getitem__(self, i):
            return {"x": float(i), "y": i * i}

    loader = DataLoader(Squares(), batch_size=2, collate_fn=lambda samples: samples)
    assert next(iter(loader)) == [{"x": 0.0, "y": 0}, {"x": 1.0, "y": 1}]
    batch = next(iter(DataLoader(Squares(), batch_size=5)))
    assert batch["x"].dtype == cynn.float64 and batch["y"].dtype == cynn.int64
    np.testing.assert_array_equal(batch["y"].numpy(), [0, 1, 4, 9, 16])


def test_batch_size_none_converts_samples_without_batching():
    class Arrays(Dataset):
        def __len__(self):
            return 3

        def __getitem__(self, i):
            return np.full(2, i, dtype=np.float64), i

    loader = DataLoader(Arrays(), batch_size=None)
    samples = list(loader)
    assert len(loader) == 3 and len(samples) == 3
    x, label = samples[2]
    assert isinstance(x, cynn.Tensor) and x.dtype == cynn.float64 and x.shape == (2,)
    assert label == 2


def test_batch_sampler_and_sampler_arguments():
    ds = make_dataset(cynn, 10)
    by_batch_sampler = DataLoader(ds, batch_sampler=[[9, 0], [5, 6, 7]])
    assert [yb.numpy().tolist() for _, yb in by_batch_sampler] == [[9, 0], [5, 6, 7]]
    by_sampler = DataLoader(ds, batch_size=3, sampler=[4, 3, 2, 1])
    assert [yb.numpy().tolist() for _, yb in by_sampler] == [[4, 3, 2], [1]]


def test_iterable_dataset_is_batched_in_order():
    class Stream(IterableDataset):
        def __iter__(self):
            return iter(range(7))

        def __len__(self):
            return 7

    loader = DataLoader(Stream(), batch_size=3)
    assert [b.numpy().tolist() for b in loader] == [[0, 1, 2], [3, 4, 5], [6]]
    assert len(loader) == 3
    dropping = DataLoader(Stream(), batch_size=3, drop_last=True)
    assert [b.numpy().tolist() for b in dropping] == [[0, 1, 2], [3, 4, 5]]
    assert len(dropping) == 2


@pytest.mark.parametrize("kwargs,match", [
    ({"shuffle": True, "sampler": [0, 1]}, "sampler option is mutually exclusive with shuffle"),
    ({"batch_size": 2, "batch_sampler": [[0, 1]]},
     "batch_sampler option is mutually exclusive with batch_size"),
    ({"drop_last": True, "batch_sampler": [[0, 1]]}, "batch_sampler option is mutually"),
    ({"batch_size": None, "drop_last": True}, "batch_size=None option disables auto-batching"),
    ({"num_workers": -1}, "num_workers option should be non-negative"),
    ({"batch_size": 0}, "batch_size should be a positive integer value, but got batch_size=0"),
    ({"persistent_workers": True}, "persistent_workers option needs num_workers > 0"),
    ({"prefetch_factor": 2}, "prefetch_factor option could only be specified"),
])
def test_dataloader_argument_errors_match_torch(kwargs, match):
    helper_test_exception(lambda lib: lib.utils.data.DataLoader(make_dataset(lib), **kwargs),
                          ValueError, match=match)


def test_loader_attributes_are_frozen_like_torch():
    def set_batch_size(lib):
        loader = lib.utils.data.DataLoader(make_dataset(lib), batch_size=2)
        loader.batch_size = 4
    helper_test_exception(set_batch_size, ValueError,
                          match="batch_size attribute should not be set after DataLoader is "
                                "initialized")


# ---------------------------------------------------------------------- default_collate
Point = collections.namedtuple("Point", ["x", "y"])

SAMPLE_BATCHES = {
    "python floats": [1.5, 2.5, -1.0],
    "python ints": [1, 2, 3],
    "python bools": [True, False],
    "numpy float32 scalars": [np.float32(1.5), np.float32(2.0)],
    "numpy float64 scalars": [np.float64(1.5), np.float64(2.0)],
    "numpy int32 scalars": [np.int32(4), np.int32(5)],
    "numpy arrays": [np.ones((2, 3)), np.zeros((2, 3))],
    "numpy float32 arrays": [np.ones(3, dtype=np.float32), np.arange(3, dtype=np.float32)],
    "strings": ["a", "b"],
    "tuples": [(1, 2.0, "u"), (3, 4.0, "v")],
    "lists": [[1, 2], [3, 4]],
    "dicts": [{"a": 1, "b": [1.0, 2.0]}, {"a": 2, "b": [3.0, 4.0]}],
    "namedtuples": [Point(1, 2.0), Point(3, 4.0)],
}


def _tensors_of(lib):
    return [lib.from_numpy(np.arange(6, dtype=np.float32).reshape(2, 3)),
            lib.from_numpy(np.ones((2, 3), dtype=np.float32))]


def assert_same_structure(got, expected, path="batch"):
    if isinstance(expected, torch.Tensor):
        assert isinstance(got, cynn.Tensor), f"{path}: {type(got)} is not a cynn.Tensor"
        assert got.dtype.name == str(expected.dtype).replace("torch.", ""), path
        assert tuple(got.shape) == tuple(expected.shape), path
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=path)
    elif isinstance(expected, dict):
        assert type(got) is type(expected) and list(got) == list(expected), path
        for key in expected:
            assert_same_structure(got[key], expected[key], f"{path}[{key!r}]")
    elif isinstance(expected, (list, tuple)):
        assert type(got).__name__ == type(expected).__name__, f"{path}: {type(got)}"
        assert len(got) == len(expected), path
        for i, (g, e) in enumerate(zip(got, expected)):
            assert_same_structure(g, e, f"{path}[{i}]")
    else:
        assert got == expected, path


@pytest.mark.parametrize("name", list(SAMPLE_BATCHES))
def test_default_collate_matches_torch(name):
    batch = SAMPLE_BATCHES[name]
    expected = torch.utils.data.default_collate(batch)
    if name == "namedtuples":
        # torch rebuilds the namedtuple type; compare field by field
        got = default_collate(batch)
        assert isinstance(got, Point)
        for g, e in zip(got, expected):
            assert_same_structure(g, e)
        return
    assert_same_structure(default_collate(batch), expected)


def test_default_collate_stacks_tensors_like_torch():
    got = default_collate(_tensors_of(cynn))
    expected = torch.utils.data.default_collate(_tensors_of(torch))
    assert_same_structure(got, expected)


def test_default_collate_nested_samples_like_torch():
    def samples(lib):
        a, b = _tensors_of(lib)
        return [{"image": a, "meta": (1, 0.5)}, {"image": b, "meta": (2, 1.5)}]
    assert_same_structure(default_collate(samples(cynn)),
                          torch.utils.data.default_collate(samples(torch)))


@pytest.mark.parametrize("make_batch,exception,match", [
    (lambda lib: [[1, 2], [3]], RuntimeError, "each element in list of batch should be of "
                                              "equal size"),
    (lambda lib: [lib.zeros(2), lib.zeros(3)], RuntimeError, "stack expects each tensor to be "
                                                             "equal size"),
    (lambda lib: [object(), object()], TypeError, "default_collate: batch must contain"),
    (lambda lib: [np.array(["a"]), np.array(["b"])], TypeError, "default_collate: batch must"),
])
def test_default_collate_errors_match_torch(make_batch, exception, match):
    helper_test_exception(lambda lib: lib.utils.data.default_collate(make_batch(lib)),
                          exception, match=match)


# ---------------------------------------------------------------------- samplers
def test_sequential_and_batch_samplers_match_torch():
    for drop_last in (False, True):
        got = list(BatchSampler(SequentialSampler(range(10)), 3, drop_last))
        expected = list(torch.utils.data.BatchSampler(
            torch.utils.data.SequentialSampler(range(10)), 3, drop_last))
        assert got == expected
        assert len(BatchSampler(range(10), 3, drop_last)) == len(expected)


@pytest.mark.parametrize("kwargs,n_expected", [
    ({}, 12), ({"num_samples": 30}, 30), ({"num_samples": 5}, 5),
    ({"replacement": True, "num_samples": 50}, 50),
])
def test_random_sampler_lengths_and_ranges(kwargs, n_expected):
    sampler = RandomSampler(range(12), **kwargs)
    drawn = list(sampler)
    assert len(sampler) == len(drawn) == n_expected
    assert all(0 <= i < 12 for i in drawn)
    if not kwargs.get("replacement"):
        full_passes = n_expected // 12
        for k in range(full_passes):
            assert sorted(drawn[12 * k:12 * (k + 1)]) == list(range(12))
        assert len(set(drawn[12 * full_passes:])) == n_expected % 12


@pytest.mark.parametrize("build,exception,match", [
    (lambda lib: lib.utils.data.RandomSampler(range(3), num_samples=0), ValueError,
     "num_samples should be a positive integer value, but got num_samples=0"),
    (lambda lib: lib.utils.data.RandomSampler(range(3), replacement=1), TypeError,
     "replacement should be a boolean value"),
    (lambda lib: lib.utils.data.BatchSampler(range(3), 2, drop_last=None), ValueError,
     "drop_last should be a boolean value"),
    (lambda lib: lib.utils.data.WeightedRandomSampler([[1.0, 2.0]], 2), ValueError,
     r"weights should be a 1d sequence but given weights have shape \(1, 2\)"),
])
def test_sampler_errors_match_torch(build, exception, match):
    helper_test_exception(build, exception, match=match)


def test_subset_random_and_weighted_samplers():
    drawn = list(SubsetRandomSampler([3, 5, 7, 9]))
    assert sorted(drawn) == [3, 5, 7, 9]
    weighted = list(WeightedRandomSampler([0.0, 1.0, 0.0, 3.0], 200))
    assert set(weighted) == {1, 3}
    assert weighted.count(3) > weighted.count(1)
    without = list(WeightedRandomSampler([1.0, 1.0, 0.0, 1.0], 3, replacement=False))
    assert sorted(without) == [0, 1, 3]


# ---------------------------------------------------------------------- random_split
@pytest.mark.parametrize("n,lengths", [
    (10, [3, 7]), (10, [0.3, 0.3, 0.4]), (11, [0.5, 0.5]), (7, [0.1, 0.2, 0.7]),
    (100, [0.8, 0.2]), (5, [5, 0]), (2, [0.1, 0.1, 0.8]),
])
def test_random_split_sizes_and_warnings_match_torch(n, lengths):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        parts = random_split(range(n), lengths)
    with warnings.catch_warnings(record=True) as torch_caught:
        warnings.simplefilter("always")
        expected = torch.utils.data.random_split(range(n), lengths)
    assert [str(w.message) for w in caught] == [str(w.message) for w in torch_caught]
    assert [len(p) for p in parts] == [len(p) for p in expected]
    assert all(isinstance(p, Subset) for p in parts)
    everything = [p[i] for p in parts for i in range(len(p))]
    assert sorted(everything) == list(range(n))


def test_random_split_is_seeded_and_accepts_a_generator():
    cynn.manual_seed(0)
    first = [list(p.indices) for p in random_split(range(20), [5, 15])]
    cynn.manual_seed(0)
    assert [list(p.indices) for p in random_split(range(20), [5, 15])] == first
    assert first[0] != list(range(5))
    from cynn._random import Generator
    a = [list(p.indices) for p in random_split(range(20), [0.5, 0.5], generator=Generator(42))]
    b = [list(p.indices) for p in random_split(range(20), [0.5, 0.5], generator=Generator(42))]
    assert a == b


@pytest.mark.parametrize("lengths,match", [
    ([3, 3], "Sum of input lengths does not equal the length of the input dataset!"),
    ([0.5, 0.6], "Sum of input lengths does not equal the length of the input dataset!"),
    ([1.5, -0.5], "Fraction at index 0 is not between 0 and 1"),
])
def test_random_split_errors_match_torch(lengths, match):
    helper_test_exception(lambda lib: lib.utils.data.random_split(range(10), lengths),
                          ValueError, match=match)


def test_split_of_tensor_dataset_feeds_a_loader():
    train, val = random_split(make_dataset(cynn, 20), [0.75, 0.25])
    loader = DataLoader(train, batch_size=4, shuffle=True)
    labels = _epoch_labels(loader)
    assert len(loader) == 4 and len(labels) == 15
    assert sorted(labels + [int(val[i][1].item()) for i in range(len(val))]) == list(range(20))


def test_subset_and_concat_dataset():
    ds = make_dataset(cynn, 6)
    sub = Subset(ds, [5, 1])
    assert len(sub) == 2 and sub[0][1].item() == 5
    both = ConcatDataset([sub, make_dataset(cynn, 3)])
    assert len(both) == 5
    assert [int(both[i][1].item()) for i in range(5)] == [5, 1, 0, 1, 2]
    assert int(both[-1][1].item()) == 2
    assert len(sub + sub) == 4


@pytest.mark.parametrize("wrap", [lambda ds: ds, lambda ds: Subset(Subset(ds, list(range(3, 23))),
                                                                   [19, 0, 5, 7, 2, 11, 13])],
                         ids=["TensorDataset", "Subset-of-Subset"])
def test_tensor_dataset_batches_equal_collating_sample_by_sample(wrap):
    x = cynn.randn(30, 2, 3)
    ds = wrap(TensorDataset(x, cynn.arange(30), cynn.randn(30) > 0))
    sampler = list(cynn.randperm(len(ds)).numpy())
    fast = DataLoader(ds, batch_size=4, sampler=sampler)
    slow = DataLoader(ds, batch_size=4, sampler=sampler,
                      collate_fn=lambda samples: default_collate(samples))
    got, expected = list(fast), list(slow)
    assert len(got) == len(expected) == len(fast)
    for g_batch, e_batch in zip(got, expected):
        assert type(g_batch) is type(e_batch) is list
        for g, e in zip(g_batch, e_batch):
            assert g.dtype == e.dtype and g.shape == e.shape
            np.testing.assert_array_equal(g.numpy(), e.numpy())
