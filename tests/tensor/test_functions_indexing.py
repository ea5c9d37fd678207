"""cynn._ops.indexing against torch: values, gradients (incl. repeated indices),
torch's errors for bad indices, float64 finite differences, in-place twins."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()
RNG = np.random.default_rng(0)
X = RNG.standard_normal((3, 4, 5)).astype(np.float32)


def _idx(shape, high, seed=1):
    return np.random.default_rng(seed).integers(0, high, shape)


@pytest.mark.parametrize("dim,shape", [(0, (2, 4, 5)), (1, (3, 6, 2)), (2, (1, 2, 7)),
                                       (-1, (3, 4, 5))])
def test_gather_forward_and_backward_with_repeats(dim, shape):
    index = _idx(shape, X.shape[dim])
    helper_test_op([], lambda x, i: torch.gather(x, dim, i), lambda x, i: cynn.gather(x, dim, i),
                   inputs=[X, index])
    helper_test_op([], lambda x, i: x.gather(dim, i), inputs=[X, index])


@pytest.mark.parametrize("dim", [0, 1, 2])
def test_scatter_family(dim):
    shape = [3, 4, 5]
    shape[dim] = 2
    index = _idx(tuple(shape), X.shape[dim], seed=dim)
    # unique targets along dim for the overwrite form (torch leaves repeats unspecified)
    unique = np.argsort(RNG.random(X.shape), axis=dim)
    unique = np.take(unique, np.arange(2), axis=dim)
    src = RNG.standard_normal(tuple(shape)).astype(np.float32)
    helper_test_op([], lambda x, i, s: torch.scatter(x, dim, i, s),
                   lambda x, i, s: cynn.scatter(x, dim, i, s), inputs=[X, unique, src])
    helper_test_op([], lambda x, i: x.scatter(dim, i, 2.5), inputs=[X, unique])
    helper_test_op([], lambda x, i, s: x.scatter_add(dim, i, s), inputs=[X, index, src])
    for reduce in ("sum", "prod", "mean", "amax", "amin"):
        for include_self in (True, False):
            helper_test_op([], lambda x, i, s: x.scatter_reduce(dim, i, s, reduce,
                                                                include_self=include_self),
                           inputs=[X, index, src])


def test_scatter_reduce_ties_and_zeros_share_gradients_like_torch():
    x = np.array([1.0, 0.0, 2.0, 3.0])
    src = np.array([2.0, 0.0, 0.0, 5.0, 1.0, 3.0])
    index = np.array([0, 1, 1, 2, 0, 3])
    for reduce in ("amax", "amin", "prod"):
        for include_self in (True, False):
            helper_test_op([], lambda a, i, s: a.scatter_reduce(0, i, s, reduce,
                                                                include_self=include_self),
                           inputs=[x, index, src], dtype="float64")


def test_scatter_with_index_smaller_than_src():
    src = RNG.standard_normal((3, 6)).astype(np.float32)
    index = np.array([[0, 2], [1, 3], [3, 0]])
    # torch's own backward rejects a source larger than the index (it returns the
    # gathered block as the source's gradient), so torch checks the values and finite
    # differences the gradients: the unread part of the source gets zero
    helper_test_op([], lambda x, i, s: x.scatter_add(1, i, s), inputs=[X[:, :, 0], index, src],
                   grad=False)
    helper_test_op([], lambda x, i, s: x.scatter(1, i, s), inputs=[X[:, :, 0], index, src],
                   grad=False)
    i = cynn.tensor(index)
    check_gradcheck(lambda x, s: x.scatter_add(1, i, s), [(3, 4), (3, 6)])
    check_gradcheck(lambda x, s: x.scatter(1, i, s), [(3, 4), (3, 6)])


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_index_select_add_copy_fill(dim):
    n = X.shape[dim]
    index = np.array([n - 1, 0, n - 1])
    perm = np.array([n - 1, 0])
    src_shape = list(X.shape)
    src_shape[dim] = 3
    src = RNG.standard_normal(tuple(src_shape)).astype(np.float32)
    src2_shape = list(X.shape)
    src2_shape[dim] = 2
    src2 = RNG.standard_normal(tuple(src2_shape)).astype(np.float32)
    helper_test_op([], lambda x, i: torch.index_select(x, dim, i),
                   lambda x, i: cynn.index_select(x, dim, i), inputs=[X, index])
    helper_test_op([], lambda x, i, s: x.index_add(dim, i, s, alpha=2.0), inputs=[X, index, src])
    helper_test_op([], lambda x, i, s: x.index_copy(dim, i, s), inputs=[X, perm, src2])
    helper_test_op([], lambda x, i: x.index_fill(dim, i, -1.5), inputs=[X, index])


def test_masked_select_masked_scatter_take_put_index_put():
    mask = RNG.random((4, 5)) > 0.5
    helper_test_op([], lambda x, m: torch.masked_select(x, m),
                   lambda x, m: cynn.masked_select(x, m), inputs=[X, mask])
    source = RNG.standard_normal(30).astype(np.float32)
    helper_test_op([], lambda x, m, s: x.masked_scatter(m, s), inputs=[X, mask, source])
    flat = np.array([[0, 59], [-1, 7]])
    helper_test_op([], lambda x, i: torch.take(x, i), lambda x, i: cynn.take(x, i),
                   inputs=[X, flat])
    vals = RNG.standard_normal(3).astype(np.float32)
    helper_test_op([], lambda x, i, v: x.put(i, v), inputs=[X, np.array([1, 5, -2]), vals])
    helper_test_op([], lambda x, i, v: x.put(i, v, accumulate=True),
                   inputs=[X, np.array([1, 1, -2]), vals])
    helper_test_op([], lambda x, i, v: x.index_put((i,), v), inputs=[X, np.array([2, 0]),
                                                                    X[:2] * 2])
    helper_test_op([], lambda x, i, v: x.index_put((i, i), v, accumulate=True),
                   inputs=[X, np.array([1, 1, 0]), vals[:, None].repeat(5, 1)])


def test_take_along_dim():
    index = np.argsort(X, axis=1)[:, :2]
    helper_test_op([], lambda x, i: torch.take_along_dim(x, i, 1),
                   lambda x, i: cynn.take_along_dim(x, i, 1), inputs=[X, index])
    helper_test_op([], lambda x, i: torch.take_along_dim(x, i),
                   lambda x, i: cynn.take_along_dim(x, i), inputs=[X, np.array([3, 0, 59])])
    helper_test_op([], lambda x, i: torch.take_along_dim(x, i, 2),
                   lambda x, i: cynn.take_along_dim(x, i, 2), inputs=[X, index[:1, :1, :]])


@pytest.mark.parametrize("fn", [
    lambda lib: lib.zeros(2, 3).gather(1, lib.tensor([0])),
    lambda lib: lib.zeros(2, 3).gather(1, lib.tensor([[5]])),
    lambda lib: lib.zeros(2, 3).gather(1, lib.tensor([[-1]])),
    lambda lib: lib.zeros(2, 3).gather(1, lib.zeros(3, 1, dtype=lib.int64)),
    lambda lib: lib.zeros(2, 3).scatter(1, lib.tensor([[5]]), 1.0),
    lambda lib: lib.zeros(2, 3).scatter(1, lib.tensor([[0]]), lib.ones(1, 1, dtype=lib.float64)),
    lambda lib: lib.zeros(2, 3).scatter(1, lib.zeros(2, 5, dtype=lib.int64), lib.ones(2, 2)),
    lambda lib: lib.zeros(2, 3).scatter_add(1, lib.zeros(2, 2, dtype=lib.int64), lib.ones(2, 1)),
    lambda lib: lib.zeros(2, 3).scatter_reduce(1, lib.zeros(2, 2, dtype=lib.int64),
                                               lib.ones(2, 2), "foo"),
    lambda lib: lib.zeros(2, 3).index_select(1, lib.tensor([[0]])),
    lambda lib: lib.zeros(2, 3).index_select(1, lib.tensor([5])),
    lambda lib: lib.zeros(2, 3).index_select(1, lib.tensor([0.0])),
    lambda lib: lib.zeros(2, 3).index_add(1, lib.tensor([5]), lib.ones(2, 1)),
    lambda lib: lib.zeros(2, 3).index_add(1, lib.tensor([0]), lib.ones(2, 2)),
    lambda lib: lib.zeros(2, 3).index_copy(1, lib.tensor([5]), lib.ones(2, 1)),
    lambda lib: lib.zeros(2, 3).index_fill(1, lib.tensor([5]), 1.0),
    lambda lib: lib.zeros(2, 3).masked_select(lib.ones(2, 3)),
    lambda lib: lib.zeros(2, 3).masked_select(lib.ones(3, 3, dtype=lib.bool)),
    lambda lib: lib.zeros(2, 3).take(lib.tensor([6])),
    lambda lib: lib.zeros(2, 3).take(lib.tensor([-7])),
    lambda lib: lib.zeros(2, 3).put(lib.tensor([1]), lib.ones(2)),
    lambda lib: lib.zeros(2, 3).masked_scatter(lib.ones(2, 3, dtype=lib.bool), lib.ones(2)),
    lambda lib: lib.zeros(2, 3).gather(3, lib.tensor([[0]])),
])
def test_bad_indices_raise_torchs_errors(fn):
    helper_test_exception(fn)


def test_gradcheck_float64():
    index = cynn.tensor([[0, 2, 2], [1, 0, 1]])
    check_gradcheck(lambda x: x.gather(1, index), [(2, 4)])
    check_gradcheck(lambda x, s: x.scatter_add(1, index, s), [(2, 4), (2, 3)])
    check_gradcheck(lambda x, s: x.scatter_reduce(1, index, s, "mean"), [(2, 4), (2, 3)])
    check_gradcheck(lambda x, s: x.scatter_reduce(1, index, s, "prod", include_self=False),
                    [(2, 4), (2, 3)], low=0.5, high=2)
    vec = cynn.tensor([2, 0, 2])
    check_gradcheck(lambda x: x.index_select(1, vec), [(2, 4)])
    check_gradcheck(lambda x, s: x.index_add(1, vec, s), [(2, 4), (2, 3)])
    check_gradcheck(lambda x: x.masked_select(x.detach() > 0), [(3, 4)])
    check_gradcheck(lambda x: x.take(cynn.tensor([0, 5, 5])), [(2, 3)])


def test_inplace_twins_and_zero_dim():
    x = cynn.zeros(2, 3)
    assert x.scatter_(1, cynn.tensor([[2], [0]]), 1.0) is x
    np.testing.assert_array_equal(x.numpy(), [[0, 0, 1], [1, 0, 0]])
    y = cynn.ones(4)
    y.index_add_(0, cynn.tensor([1, 1]), cynn.ones(2))
    np.testing.assert_array_equal(y.numpy(), [1, 3, 1, 1])
    helper_test_op([], lambda s, i: s.gather(0, i), inputs=[np.array(2.0, np.float32),
                                                           np.array(0)])
    helper_test_op([], lambda s, i: s.index_select(0, i), inputs=[np.array(2.0, np.float32),
                                                                 np.array([0])])
    helper_test_exception(lambda lib: lib.tensor(2.0).index_select(0, lib.tensor([0, 0])),
                          RuntimeError, match="Index to scalar can have only 1 value")


def test_empty_index():
    helper_test_op([], lambda x, i: x.gather(1, i), inputs=[X, np.zeros((3, 0, 5), np.int64)])
    helper_test_op([], lambda x, i: x.index_select(0, i), inputs=[X, np.zeros(0, np.int64)])
