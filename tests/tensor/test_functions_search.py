"""cynn._ops.search, print options and the generator-state helpers against torch."""
import numpy as np
import pytest

import cynn
from helpers import helper_test_exception, helper_test_op, torch_module

torch = torch_module()


def _same(got, want):
    got = got if isinstance(got, tuple) else (got,)
    want = want if isinstance(want, tuple) else (want,)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert str(g.dtype).split(".")[1] == str(w.dtype).split(".")[1]
        np.testing.assert_allclose(g.numpy(), w.numpy(), rtol=1e-6)


@pytest.mark.parametrize("kw", [{}, {"right": True}, {"out_int32": True}])
def test_bucketize_and_searchsorted(kw):
    b = np.array([1.0, 3.0, 5.0, 7.0])
    x = np.array([[0.0, 3.0, 6.0], [9.0, 1.0, 7.0]])
    _same(cynn.bucketize(cynn.tensor(x), cynn.tensor(b), **kw),
          torch.bucketize(torch.tensor(x), torch.tensor(b), **kw))
    _same(cynn.searchsorted(cynn.tensor(b), cynn.tensor(x), **kw),
          torch.searchsorted(torch.tensor(b), torch.tensor(x), **kw))
    seq = np.array([[1.0, 3.0, 5.0], [2.0, 4.0, 6.0]])
    vals = np.array([[3.0, 0.5], [6.0, 4.0]])
    _same(cynn.searchsorted(cynn.tensor(seq), cynn.tensor(vals), **kw),
          torch.searchsorted(torch.tensor(seq), torch.tensor(vals), **kw))
    unsorted = np.array([5.0, 1.0, 3.0])
    sorter = np.argsort(unsorted)
    _same(cynn.searchsorted(cynn.tensor(unsorted), cynn.tensor([2.0, 5.0]),
                            sorter=cynn.tensor(sorter), side="right"),
          torch.searchsorted(torch.tensor(unsorted), torch.tensor([2.0, 5.0]),
                             sorter=torch.tensor(sorter), side="right"))


def test_histc_histogram_bincount():
    x = np.array([1.0, 2.0, 1.0, 4.0, -1.0, 3.0], np.float32)
    for args in [dict(bins=4, min=0, max=3), dict(bins=5), dict(bins=3, min=1, max=1)]:
        _same(cynn.histc(cynn.tensor(x), **args), torch.histc(torch.tensor(x), **args))
    _same(cynn.tensor(x).histc(4, 0, 3), torch.tensor(x).histc(4, 0, 3))
    got = cynn.histogram(cynn.tensor(x), bins=4, range=(0.0, 3.0))
    want = torch.histogram(torch.tensor(x), bins=4, range=(0.0, 3.0))
    _same((got.hist, got.bin_edges), (want.hist, want.bin_edges))
    got = cynn.histogram(cynn.tensor(x), cynn.tensor([0.0, 1.5, 5.0]), density=True)
    want = torch.histogram(torch.tensor(x), torch.tensor([0.0, 1.5, 5.0]), density=True)
    _same(tuple(got), tuple(want))
    i = np.array([1, 2, 1, 5])
    _same(cynn.bincount(cynn.tensor(i), minlength=3), torch.bincount(torch.tensor(i), minlength=3))
    _same(cynn.tensor(i).bincount(cynn.tensor([0.5, 1, 2, 3])),
          torch.tensor(i).bincount(torch.tensor([0.5, 1, 2, 3])))
    helper_test_exception(lambda lib: lib.bincount(lib.tensor([-1])), RuntimeError,
                          match="non-negative integral")
    helper_test_exception(lambda lib: lib.histc(lib.tensor([1, 2])), NotImplementedError,
                          match="histogram_cpu")


def test_unique_consecutive_argwhere_isin_msort():
    x = np.array([1, 1, 2, 2, 3, 1, 1, 2])
    for kw in ({}, {"return_inverse": True}, {"return_counts": True},
               {"return_inverse": True, "return_counts": True}):
        _same(cynn.unique_consecutive(cynn.tensor(x), **kw),
              torch.unique_consecutive(torch.tensor(x), **kw))
    m = np.array([[1, 2], [1, 2], [3, 4], [1, 2]])
    _same(cynn.tensor(m).unique_consecutive(return_counts=True, dim=0),
          torch.tensor(m).unique_consecutive(return_counts=True, dim=0))
    _same(cynn.argwhere(cynn.tensor([[1, 0], [0, 3]])),
          torch.argwhere(torch.tensor([[1, 0], [0, 3]])))
    _same(cynn.isin(cynn.tensor([1, 2, 3]), cynn.tensor([2, 5]), invert=True),
          torch.isin(torch.tensor([1, 2, 3]), torch.tensor([2, 5]), invert=True))
    helper_test_op([(4, 3)], lambda t: t.msort(), check_grad_fn=False)


def test_set_printoptions_matches_torch():
    x = np.array([1.23456789, 2.0, 1000.5])
    try:
        for kw in [dict(precision=2), dict(sci_mode=True), dict(profile="short"),
                   dict(threshold=5, edgeitems=1), dict(linewidth=20)]:
            cynn.set_printoptions(**kw)
            torch.set_printoptions(**kw)
            for arr in (x, np.arange(12.0).reshape(3, 4) / 3):
                arr = arr.astype(np.float32)
                assert repr(cynn.tensor(arr)) == repr(torch.tensor(arr))
            cynn.set_printoptions(profile="default")
            torch.set_printoptions(profile="default")
    finally:
        cynn.set_printoptions(profile="default", sci_mode=None)
        torch.set_printoptions(profile="default", sci_mode=None)


def test_rng_state_round_trip_and_fork_rng():
    cynn.manual_seed(3)
    state = cynn.get_rng_state()
    first = cynn.randn(4).numpy()
    cynn.set_rng_state(state)
    np.testing.assert_array_equal(cynn.randn(4).numpy(), first)
    cynn.set_rng_state(state)
    with cynn.random.fork_rng():
        cynn.randn(100)
    np.testing.assert_array_equal(cynn.randn(4).numpy(), first)
    with pytest.raises(TypeError):
        cynn.set_rng_state(cynn.zeros(3))
