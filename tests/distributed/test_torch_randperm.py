"""``_torch_randperm`` against torch itself: the generator's seeded state and draws,
and ``randperm`` for many lengths and seeds (the inside-out branch, from n = 214748364
on, was checked against torch once at that n; here it runs on a lowered threshold
against a literal transcription of torch's loop)."""
import numpy as np
import pytest
import torch

from cynn.utils.data import _torch_randperm
from cynn.utils.data._torch_randperm import mt19937, randperm

SEEDS = [0, 1, 7, 12345, 2 ** 31, 2 ** 32 - 1, 2 ** 32, 2 ** 32 + 5, 2 ** 40 + 3,
         2 ** 63 - 1, 2 ** 64 - 1, -1, -7, -2 ** 63]
LENGTHS = [0, 1, 2, 3, 4, 5, 10, 31, 100, 257, 1000, 4097]


def torch_generator(seed):
    generator = torch.Generator()
    generator.manual_seed(seed)
    return generator


@pytest.mark.parametrize("seed", SEEDS)
def test_seeded_state_is_torchs(seed):
    # torch's state bytes start with the seed (8 bytes), left and seeded (4 + 4), next
    # (8), then the 624 state words, each stored in 8 bytes
    state = torch_generator(seed).get_state().numpy().tobytes()
    assert np.frombuffer(state[:8], np.uint64)[0] == seed % 2 ** 64
    words = np.frombuffer(state[24:24 + 624 * 8], np.uint64)
    np.testing.assert_array_equal(mt19937(seed).state["state"]["key"], words)


@pytest.mark.parametrize("seed", SEEDS)
def test_32_and_64_bit_draws_are_torchs(seed):
    # torch's randint draws random() % range for a range below 2**28, random64() % range
    # for a large one
    small = torch.randint(0, 2 ** 28 - 1, (700,), generator=torch_generator(seed))
    np.testing.assert_array_equal(mt19937(seed).random_raw(700) % (2 ** 28 - 1), small.numpy())
    large = torch.randint(0, 2 ** 62, (700,), generator=torch_generator(seed))
    words = mt19937(seed).random_raw(1400).reshape(-1, 2)
    np.testing.assert_array_equal(((words[:, 0] << np.uint64(32)) | words[:, 1]) % 2 ** 62,
                                  large.numpy())


@pytest.mark.parametrize("seed", SEEDS)
@pytest.mark.parametrize("n", LENGTHS)
def test_randperm_equals_torchs(n, seed):
    expected = torch.randperm(n, generator=torch_generator(seed)).numpy()
    got = randperm(n, seed)
    assert got.dtype == np.int64 and got.shape == (n,)
    np.testing.assert_array_equal(got, expected)


@pytest.mark.parametrize("n", [60000, 10 ** 6])
def test_randperm_of_large_datasets_equals_torchs(n):
    np.testing.assert_array_equal(randperm(n, 2 ** 33 + 1),
                                  torch.randperm(n, generator=torch_generator(2 ** 33 + 1)))


def test_draws_across_blocks_stay_in_torchs_order(monkeypatch):
    monkeypatch.setattr(_torch_randperm, "_BLOCK", 7)
    for n in (6, 7, 8, 9, 50):
        np.testing.assert_array_equal(randperm(n, 3),
                                      torch.randperm(n, generator=torch_generator(3)))


def inside_out_as_torch_writes_it(n, seed):
    """torch's loop for large n, one element at a time, on the verified draws."""
    words = iter(int(w) for w in mt19937(seed).random_raw(2 * n))
    perm = [0] * n
    for i in range(n):
        z = ((next(words) << 32) | next(words)) % (i + 1)
        perm[i] = perm[z]
        perm[z] = i
    return perm


@pytest.mark.parametrize("block", [5, 1 << 20])
@pytest.mark.parametrize("n", [1, 2, 3, 11, 1000])
def test_inside_out_branch_follows_torchs_loop(monkeypatch, n, block):
    monkeypatch.setattr(_torch_randperm, "INSIDE_OUT_FROM", 1)
    monkeypatch.setattr(_torch_randperm, "_BLOCK", block)
    got = randperm(n, 2 ** 32 + 9)
    assert got.tolist() == inside_out_as_torch_writes_it(n, 2 ** 32 + 9)
    assert sorted(got.tolist()) == list(range(n))


@pytest.mark.parametrize("seed, error, message", [
    (1.5, RuntimeError, "manual_seed expected a long, but got float"),
    ("3", RuntimeError, "manual_seed expected a long, but got str"),
    (True, RuntimeError, "manual_seed expected a long, but got bool"),
    (2 ** 64, ValueError, "Overflow when unpacking long long"),
    (-2 ** 63 - 1, ValueError, "Overflow when unpacking long long"),
])
def test_bad_seeds_raise_as_torch(seed, error, message):
    with pytest.raises(error, match=message):
        torch_generator(seed)
    with pytest.raises(error, match=message):
        randperm(5, seed)


def test_negative_length_raises_as_torch():
    message = r"Trying to create tensor with negative dimension -1: \[-1\]"
    with pytest.raises(RuntimeError, match=message):
        torch.randperm(-1)
    with pytest.raises(RuntimeError, match=message):
        randperm(-1, 0)
