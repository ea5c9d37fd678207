"""Distances against torch: cosine_similarity, pairwise_distance, pdist and cdist
(functional and module forms), over norms p (ties and zero distances included, where
each has its own gradient convention), broadcasting, compute modes, float64
gradchecks, empty inputs and PyTorch's errors."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from cynn.nn.functional import distance as D
from cynn.nn.modules import distance as M
from _nn_parity import assert_same_error, check_parity, cy, gradcheck, rng, th, torch

TF = torch.nn.functional
P_VALUES = [0.0, 0.5, 1.0, 1.5, 2.0, 3.0, float("inf")]


def _randn(shape, seed=0, dtype=np.float32):
    return rng(seed).standard_normal(shape).astype(dtype)


# Rows with repeated coordinates and coinciding points: ties for p = inf, zero
# differences for p < 1, zero distances everywhere.
TIES_A = np.array([[1.0, 2, 3], [1, 2, 2], [0, 2, 4], [2, 2, 2]], np.float32)
TIES_B = np.array([[1.0, 2, 3], [0, 2, 4], [1, 1, 1]], np.float32)


def test_public_names():
    assert F.cosine_similarity is D.cosine_similarity
    assert F.pairwise_distance is D.pairwise_distance
    assert F.pdist is D.pdist
    assert cynn.cdist is D.cdist
    assert nn.PairwiseDistance is M.PairwiseDistance
    assert nn.CosineSimilarity is M.CosineSimilarity


# ------------------------------------------------------------------ cosine similarity
@pytest.mark.parametrize("shapes,dim", [(((4, 5), (4, 5)), 1), (((4, 5), (1, 5)), -1),
                                        (((2, 3, 4), (3, 1)), 1), (((5,), (5,)), 0),
                                        (((), ()), 0)])
@pytest.mark.parametrize("eps", [1e-8, 0.5])
def test_cosine_similarity_matches_torch(shapes, dim, eps):
    arrays = [_randn(s, i + 1) for i, s in enumerate(shapes)]

    def fn(a, b):
        lib = TF if isinstance(a, torch.Tensor) else D
        return lib.cosine_similarity(a, b, dim=dim, eps=eps)
    c_out, t_out = check_parity(fn, fn, arrays)
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    if eps < 1e-3:
        # a norm clamped at eps changes the value but, as in PyTorch, not the gradient:
        # finite differences see the clamp, so they only check unclamped norms
        gradcheck(fn, arrays)


def test_cosine_similarity_of_zero_and_tiny_vectors_matches_torch():
    # the clamp at eps sets the value; the norm's gradient still flows (0 at a 0-vector)
    x = np.array([[0.0, 0.0, 0.0], [1e-9, 0.0, 0.0], [0.1, 0.2, 0.0]], np.float32)
    y = _randn((3, 3), 2)
    check_parity(D.cosine_similarity, TF.cosine_similarity, [x, y], rtol=1e-4, atol=1e-3)


def test_cosine_similarity_promotes_like_torch():
    check_parity(D.cosine_similarity, TF.cosine_similarity,
                 [_randn((3, 4), 1), _randn((3, 4), 2, np.float64)])


# ------------------------------------------------------------------ pairwise distance
@pytest.mark.parametrize("p", P_VALUES + [-1.0, float("-inf")])
@pytest.mark.parametrize("keepdim", [False, True])
def test_pairwise_distance_matches_torch(p, keepdim):
    def fn(a, b, eps=1e-6):
        lib = TF if isinstance(a, torch.Tensor) else D
        return lib.pairwise_distance(a, b, p=p, eps=eps, keepdim=keepdim)
    c_out, t_out = check_parity(fn, fn, [_randn((4, 5), 1), _randn((4, 5), 2)])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    check_parity(lambda a, b: fn(a, b, eps=0.0), lambda a, b: fn(a, b, eps=0.0),
                 [TIES_A, np.repeat(TIES_A[:1], 4, axis=0)])
    if p not in (0.0, float("inf"), float("-inf")):  # piecewise constant / max: no FD check
        gradcheck(fn, [_randn((3, 4), 1), _randn((3, 4), 2)])


@pytest.mark.parametrize("shapes", [((4, 5), (5,)), ((5,), (5,)), ((), ()), ((2, 1, 3), (4, 3))])
def test_pairwise_distance_broadcasts_like_torch(shapes):
    check_parity(D.pairwise_distance, TF.pairwise_distance,
                 [_randn(s, i + 1) for i, s in enumerate(shapes)])


def test_pairwise_distance_of_integers_is_float_like_torch():
    a, b = np.arange(6).reshape(2, 3), np.ones((2, 3), np.int64)
    check_parity(D.pairwise_distance, TF.pairwise_distance, [a, b])


# ------------------------------------------------------------------ pdist
@pytest.mark.parametrize("p", P_VALUES)
def test_pdist_matches_torch(p):
    def fn(a):
        lib = TF if isinstance(a, torch.Tensor) else D
        return lib.pdist(a, p=p)
    c_out, t_out = check_parity(fn, fn, [_randn((5, 3), 1)])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    check_parity(fn, fn, [TIES_A])
    if p not in (0.0, float("inf")):
        gradcheck(fn, [_randn((4, 3), 1)])


def test_pdist_of_fewer_than_two_rows_is_empty_like_torch():
    check_parity(D.pdist, TF.pdist, [_randn((1, 3), 1)])
    # no rows: values only, torch's backward of an empty pdist crashes the process
    check_parity(D.pdist, TF.pdist, [_randn((0, 3), 1)], grad=[])
    x = cy(_randn((0, 3), 1), requires_grad=True)
    D.pdist(x).sum().backward()
    assert x.grad.shape == (0, 3)


# ------------------------------------------------------------------ cdist
@pytest.mark.parametrize("p", P_VALUES)
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist",
                                  "donot_use_mm_for_euclid_dist"])
def test_cdist_matches_torch(p, mode):
    def fn(a, b):
        lib = torch if isinstance(a, torch.Tensor) else D
        return lib.cdist(a, b, p=p, compute_mode=mode)
    check_parity(fn, fn, [_randn((4, 5), 1), _randn((3, 5), 2)])
    if p != 2 or mode != "use_mm_for_euclid_dist":  # sqrt(|a|^2 + |b|^2 - 2ab) of equal rows
        check_parity(fn, fn, [TIES_A, TIES_B])
    if p not in (0.0, float("inf")):
        gradcheck(fn, [_randn((3, 4), 1), _randn((2, 4), 2)])


@pytest.mark.parametrize("shapes", [((2, 3, 4), (2, 5, 4)), ((2, 1, 3, 4), (5, 2, 4)),
                                    ((30, 4), (3, 4)), ((3, 4), (26, 4))])
@pytest.mark.parametrize("p", [1.0, 2.0])
def test_cdist_batches_and_large_inputs_match_torch(shapes, p):
    check_parity(lambda a, b: D.cdist(a, b, p=p), lambda a, b: torch.cdist(a, b, p=p),
                 [_randn(s, i + 1) for i, s in enumerate(shapes)])


@pytest.mark.parametrize("shapes", [((0, 4), (2, 4)), ((3, 4), (0, 4)), ((3, 0), (2, 0)),
                                    ((0, 3, 4), (0, 2, 4))])
@pytest.mark.parametrize("mode", ["use_mm_for_euclid_dist_if_necessary", "use_mm_for_euclid_dist"])
def test_cdist_empty_inputs_match_torch(shapes, mode):
    check_parity(lambda a, b: D.cdist(a, b, compute_mode=mode),
                 lambda a, b: torch.cdist(a, b, compute_mode=mode),
                 [_randn(s, i + 1) for i, s in enumerate(shapes)])


def test_cdist_float64_matches_torch():
    check_parity(D.cdist, torch.cdist,
                 [_randn((3, 4), 1, np.float64), _randn((5, 4), 2, np.float64)])


# ------------------------------------------------------------------ modules
def test_modules_match_torch():
    x, y = _randn((4, 5), 1), _randn((4, 5), 2)
    for kwargs in ({}, {"p": 1.0, "eps": 0.0, "keepdim": True}):
        c_mod, t_mod = M.PairwiseDistance(**kwargs), torch.nn.PairwiseDistance(**kwargs)
        assert repr(c_mod) == repr(t_mod)
        assert c_mod.norm == t_mod.norm
        check_parity(c_mod, t_mod, [x, y])
    for kwargs in ({}, {"dim": 0, "eps": 1e-3}):
        c_mod, t_mod = M.CosineSimilarity(**kwargs), torch.nn.CosineSimilarity(**kwargs)
        assert repr(c_mod) == repr(t_mod)
        check_parity(c_mod, t_mod, [x, y])


# ------------------------------------------------------------------ errors
def _f32(*shape):
    return np.ones(shape, np.float32)


ERRORS = [
    ("cosine shapes", lambda L, T: L.cosine_similarity(T(_f32(3, 4)), T(_f32(2, 4)))),
    ("cosine dim", lambda L, T: L.cosine_similarity(T(_f32(3, 4)), T(_f32(3, 4)), dim=2)),
    ("cosine 0-d dim", lambda L, T: L.cosine_similarity(T(_f32()), T(_f32()), dim=1)),
    ("cosine integers", lambda L, T: L.cosine_similarity(T(np.ones((3, 4), np.int64)),
                                                         T(np.ones((3, 4), np.int64)))),
    ("pairwise shapes", lambda L, T: L.pairwise_distance(T(_f32(3, 4)), T(_f32(2, 4)))),
    ("pdist 1-d", lambda L, T: L.pdist(T(_f32(4)))),
    ("pdist 3-d", lambda L, T: L.pdist(T(_f32(2, 3, 4)))),
    ("pdist negative p", lambda L, T: L.pdist(T(_f32(3, 4)), p=-1)),
    ("pdist integers", lambda L, T: L.pdist(T(np.ones((3, 4), np.int64)))),
    ("pdist half", lambda L, T: L.pdist(T(np.ones((3, 4), np.float16)))),
]

CDIST_ERRORS = [
    ("cdist 1-d", lambda lib, T: lib.cdist(T(_f32(4)), T(_f32(3, 4)))),
    ("cdist 1-d x2", lambda lib, T: lib.cdist(T(_f32(3, 4)), T(_f32(4)))),
    ("cdist columns", lambda lib, T: lib.cdist(T(_f32(3, 4)), T(_f32(3, 3)))),
    ("cdist integers", lambda lib, T: lib.cdist(T(np.ones((3, 4), np.int64)), T(_f32(3, 4)))),
    ("cdist integers x2", lambda lib, T: lib.cdist(T(_f32(3, 4)), T(np.ones((3, 4), np.int64)))),
    ("cdist dtypes", lambda lib, T: lib.cdist(T(np.ones((3, 4))), T(_f32(3, 4)))),
    ("cdist negative p", lambda lib, T: lib.cdist(T(_f32(3, 4)), T(_f32(3, 4)), p=-1)),
    ("cdist mode", lambda lib, T: lib.cdist(T(_f32(3, 4)), T(_f32(3, 4)), compute_mode="x")),
    ("cdist batch", lambda lib, T: lib.cdist(T(_f32(2, 3, 4)), T(_f32(3, 2, 4)))),
    ("cdist half", lambda lib, T: lib.cdist(T(np.ones((3, 4), np.float16)),
                                            T(np.ones((2, 4), np.float16)))),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(D, cy), lambda: call(TF, th))


@pytest.mark.parametrize("call", [c for _, c in CDIST_ERRORS], ids=[n for n, _ in CDIST_ERRORS])
def test_cdist_errors_match_torch(call):
    assert_same_error(lambda: call(D, cy), lambda: call(torch, th))
