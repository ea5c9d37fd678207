"""cynn._ops.reduction against torch: values, indices, gradients (ties, zeros, nan),
errors, float64 finite differences."""
import numpy as np
import pytest

import cynn
from helpers import check_gradcheck, helper_test_exception, helper_test_op, torch_module

torch = torch_module()
# distinct values, so that index-returning reductions have one right answer
DISTINCT = np.random.default_rng(0).permutation(60).reshape(3, 4, 5).astype(np.float32) / 7


@pytest.mark.parametrize("dim,keepdim", [((), False), (1, False), ((0, 2), True), (-1, True)])
def test_logsumexp_amax_amin(dim, keepdim):
    if dim != ():  # torch 2.13's logsumexp fails on dim=() itself
        helper_test_op([(3, 4, 5)], lambda x: torch.logsumexp(x, dim, keepdim),
                       lambda x: cynn.logsumexp(x, dim, keepdim), check_grad_fn=False)
    for name in ("amax", "amin"):
        helper_test_op([(3, 4, 5)], lambda x: getattr(x, name)(dim, keepdim))


def test_logsumexp_is_stable_and_handles_infinities():
    x = np.array([[1000.0, 1000.0, -np.inf], [-np.inf, -np.inf, -np.inf]])
    helper_test_op([], lambda t: torch.logsumexp(t, 1), lambda t: cynn.logsumexp(t, 1),
                   inputs=[x], dtype="float64", grad=False)
    helper_test_op([], lambda t: torch.logsumexp(t, 1), lambda t: cynn.logsumexp(t, 1),
                   inputs=[x[:1, :2]], dtype="float64", check_grad_fn=False)


def test_amax_ties_share_the_gradient():
    x = np.array([[1.0, 3.0, 3.0], [2.0, 2.0, 2.0]])
    helper_test_op([], lambda t: t.amax(1), inputs=[x], dtype="float64")
    helper_test_op([], lambda t: t.amin(), inputs=[x], dtype="float64")
    r = cynn.aminmax(cynn.tensor(x), dim=1)
    t = torch.aminmax(torch.tensor(x), dim=1)
    np.testing.assert_array_equal(r.min.numpy(), t.min.numpy())
    np.testing.assert_array_equal(r.max.numpy(), t.max.numpy())


@pytest.mark.parametrize("name", ["median", "nanmedian"])
def test_median_family(name):
    helper_test_op([], lambda x: getattr(x, name)(), inputs=[DISTINCT])
    for dim, keepdim in [(0, False), (1, True), (-1, False)]:
        helper_test_op([], lambda x: getattr(x, name)(dim, keepdim), inputs=[DISTINCT])
    ties = np.array([1.0, 3.0, 3.0, 1.0])
    helper_test_op([], lambda x: getattr(x, name)(), inputs=[ties], dtype="float64")


def test_median_and_nanmedian_with_nan():
    x = np.array([[1.0, np.nan, 3.0, 2.0], [np.nan, np.nan, np.nan, np.nan], [4, 1, 2, 3]])
    for name in ("median", "nanmedian"):
        got = getattr(cynn.tensor(x), name)(1)
        want = getattr(torch.tensor(x), name)(1)
        np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
        # an all-nan row's index is whichever nan torch's nth_element leaves in place
        np.testing.assert_array_equal(got.indices.numpy()[[0, 2]], want.indices.numpy()[[0, 2]])
        np.testing.assert_array_equal(getattr(cynn.tensor(x), name)().numpy(),
                                      getattr(torch.tensor(x), name)().numpy())


def test_kthvalue_and_mode():
    for k in (1, 3, 5):
        helper_test_op([], lambda x: x.kthvalue(k, 2), inputs=[DISTINCT])
    helper_test_op([], lambda x: torch.kthvalue(x, 2, 0, True),
                   lambda x: cynn.kthvalue(x, 2, 0, True), inputs=[DISTINCT])
    x = np.array([[1.0, 3, 3, 2, 1, 3], [2, 2, 5, 5, 1, 1], [4, 4, 4, 0, 0, 9]])
    helper_test_op([], lambda t: t.mode(1), inputs=[x], dtype="float64")
    helper_test_op([], lambda t: t.mode(0, True), inputs=[x], dtype="float64")
    helper_test_exception(lambda lib: lib.zeros(2, 3).kthvalue(4), RuntimeError,
                          match="selected number k out of range")


def test_nan_reductions_and_moments():
    x = np.array([[1.0, np.nan, 3.0], [np.nan, 5.0, 6.0]], np.float32)
    helper_test_op([], lambda t: torch.nansum(t), lambda t: cynn.nansum(t), inputs=[x],
                   check_grad_fn=False)
    helper_test_op([], lambda t: t.nansum(1), inputs=[x], check_grad_fn=False)
    helper_test_op([], lambda t: t.nanmean(0, keepdim=True), inputs=[x], check_grad_fn=False)
    helper_test_op([(3, 4)], lambda t: torch.var_mean(t, 1), lambda t: cynn.var_mean(t, 1),
                   check_grad_fn=False)
    helper_test_op([(3, 4)], lambda t: torch.std_mean(t, 0, correction=0),
                   lambda t: cynn.std_mean(t, 0, correction=0), check_grad_fn=False)
    y = np.array([[0, 1, 2], [0, 0, 3]])
    np.testing.assert_array_equal(cynn.count_nonzero(cynn.tensor(y), 1).numpy(),
                                  torch.count_nonzero(torch.tensor(y), 1).numpy())
    assert cynn.count_nonzero(cynn.tensor(y)).item() == 3


@pytest.mark.parametrize("dim", [0, 1, -1])
def test_cumulative(dim):
    helper_test_op([(3, 4, 5)], lambda x: x.cumprod(dim))
    helper_test_op([(3, 4, 5)], lambda x: torch.logcumsumexp(x, dim),
                   lambda x: cynn.logcumsumexp(x, dim))
    for name in ("cummax", "cummin"):
        helper_test_op([], lambda x: getattr(x, name)(dim), inputs=[DISTINCT])


def test_cumprod_gradient_with_zeros():
    x = np.array([[2.0, 0.0, 3.0, 4.0], [0.0, 1.5, 0.0, 2.0], [1.0, 2.0, 3.0, 0.0]])
    helper_test_op([], lambda t: t.cumprod(1), inputs=[x], dtype="float64")
    check_gradcheck(lambda t: t.cumprod(1), [], inputs=[x])


def test_cummax_ties_and_nan_indices_match_torch():
    x = np.array([[1.0, 3, 3, 2, 1, 3], [2, 2, 5, 5, 1, 1]])
    y = np.array([1.0, np.nan, 3, np.nan, 0])
    for arr in (x, y):
        for name in ("cummax", "cummin"):
            got = getattr(cynn.tensor(arr), name)(-1)
            want = getattr(torch.tensor(arr), name)(-1)
            np.testing.assert_array_equal(got.values.numpy(), want.values.numpy())
            np.testing.assert_array_equal(got.indices.numpy(), want.indices.numpy())


def test_logcumsumexp_extreme_values():
    x = np.array([[-1000.0, 0.0, 1000.0, -np.inf], [500.0, -500.0, 3.0, 2.0]])
    helper_test_op([], lambda t: torch.logcumsumexp(t, 1), lambda t: cynn.logcumsumexp(t, 1),
                   inputs=[x], dtype="float64")


@pytest.mark.parametrize("n,dim", [(1, -1), (2, 1), (3, 0)])
def test_diff(n, dim):
    helper_test_op([(4, 5)], lambda x: torch.diff(x, n, dim), lambda x: cynn.diff(x, n, dim),
                   check_grad_fn=False)
    helper_test_op([(4, 5), (4, 1), (4, 2)],
                   lambda x, p, a: torch.diff(x, 1, 1, prepend=p, append=a),
                   lambda x, p, a: cynn.diff(x, 1, 1, prepend=p, append=a), check_grad_fn=False)


def test_gradcheck_float64():
    check_gradcheck(lambda x: cynn.logsumexp(x, 1), [(3, 4)])
    check_gradcheck(lambda x: x.amax(0), [(3, 4)])
    check_gradcheck(lambda x: x.cumprod(1), [(3, 4)])
    check_gradcheck(lambda x: x.logcumsumexp(0), [(3, 4)])
    check_gradcheck(lambda x: x.cummax(1).values, [(3, 4)])
    check_gradcheck(lambda x: x.median(1).values, [(3, 5)])
    check_gradcheck(lambda x: x.kthvalue(2, 0).values, [(3, 5)])


def test_errors_and_numpy_keywords():
    helper_test_exception(lambda lib: lib.zeros(0, 3).amax(0), IndexError,
                          match="Expected reduction dim 0 to have non-zero size")
    helper_test_exception(lambda lib: lib.nanmean(lib.ones(3, dtype=lib.int64)), RuntimeError,
                          match="nanmean")
    x = np.arange(12.0).reshape(3, 4)
    np.testing.assert_array_equal(cynn.tensor(x).amax(axis=1, keepdims=True).numpy(),
                                  torch.tensor(x).amax(axis=1, keepdims=True).numpy())
    np.testing.assert_allclose(cynn.logsumexp(cynn.tensor(x), axis=0).numpy(),
                               torch.logsumexp(torch.tensor(x), axis=0).numpy())
