"""Margin and embedding losses against torch: margin_ranking, hinge_embedding,
cosine_embedding, triplet_margin (with and without a distance function),
multi_margin, multilabel_margin, multilabel_soft_margin and soft_margin; values and
gradients over reductions and argument matrices, float64 gradchecks, empty batches,
legacy reduction flags, modules and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from cynn.nn.functional import distance as D
from _nn_parity import assert_close, assert_same_error, check_parity, cy, gradcheck, rng, th, torch

TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def _randn(shape, seed=0, dtype=np.float32):
    return rng(seed).standard_normal(shape).astype(dtype)


def _signs(shape, seed=0):
    return rng(seed).choice([-1.0, 1.0], shape).astype(np.float32)


def _call(name, **kwargs):
    """``fn(*tensors)`` calling ``name`` of the library the tensors belong to."""
    def fn(*args):
        lib = TF if isinstance(args[0], torch.Tensor) else F
        return getattr(lib, name)(*args, **kwargs)
    return fn


def _parity_and_gradcheck(name, arrays, grad, kwargs):
    fn = _call(name, **kwargs)
    check_parity(fn, fn, arrays, grad=grad)
    gradcheck(fn, arrays, grad=grad)


# ------------------------------------------------------------------ pairwise-target losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.5])
@pytest.mark.parametrize("shape", [(6,), (3, 4)])
def test_margin_ranking_loss_matches_torch(reduction, margin, shape):
    arrays = [_randn(shape, 1), _randn(shape, 2), _signs(shape, 3)]
    _parity_and_gradcheck("margin_ranking_loss", arrays, [0, 1],
                          {"margin": margin, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [1.0, 0.3])
def test_hinge_embedding_loss_matches_torch(reduction, margin):
    x = np.abs(_randn((4, 5), 1)) + 0.05
    t = _signs((4, 5), 2)
    t[0, 0] = 0.0  # neither +1 nor -1: both terms, as in PyTorch
    _parity_and_gradcheck("hinge_embedding_loss", [x, t], [0],
                          {"margin": margin, "reduction": reduction})
    # target broadcast over the batch
    _parity_and_gradcheck("hinge_embedding_loss", [x, t[1]], [0],
                          {"margin": margin, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("margin", [0.0, 0.4])
@pytest.mark.parametrize("batched", [True, False])
def test_cosine_embedding_loss_matches_torch(reduction, margin, batched):
    if batched:
        arrays = [_randn((5, 4), 1), _randn((5, 4), 2), _signs((5,), 3)]
    else:
        arrays = [_randn((4,), 1), _randn((4,), 2), np.array(-1.0, np.float32)]
    _parity_and_gradcheck("cosine_embedding_loss", arrays, [0, 1],
                          {"margin": margin, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p,swap", [(2, False), (2, True), (1, False), (3, True)])
@pytest.mark.parametrize("shape", [(5, 4), (4,)])
def test_triplet_margin_loss_matches_torch(reduction, p, swap, shape):
    arrays = [_randn(shape, 1), _randn(shape, 2), _randn(shape, 3)]
    _parity_and_gradcheck("triplet_margin_loss", arrays, [0, 1, 2],
                          {"margin": 1.5, "p": p, "swap": swap, "reduction": reduction})


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("swap", [False, True])
@pytest.mark.parametrize("distance", ["default", "cosine"])
def test_triplet_margin_with_distance_loss_matches_torch(reduction, swap, distance):
    def fn(a, p, n):
        lib = TF if isinstance(a, torch.Tensor) else F
        dist = None
        if distance == "cosine":
            cos = TF.cosine_similarity if lib is TF else D.cosine_similarity
            dist = lambda x, y: 1.0 - cos(x, y)  # noqa: E731
        return lib.triplet_margin_with_distance_loss(a, p, n, distance_function=dist,
                                                     margin=0.8, swap=swap,
                                                     reduction=reduction)
    arrays = [_randn((5, 4), 1), _randn((5, 4), 2), _randn((5, 4), 3)]
    check_parity(fn, fn, arrays)
    gradcheck(fn, arrays)


# ------------------------------------------------------------------ multi-class margins
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("p", [1, 2])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("margin", [1.0, 0.4])
def test_multi_margin_loss_matches_torch(reduction, p, weighted, margin):
    x = _randn((6, 4), 1)
    t = rng(2).integers(0, 4, 6).astype(np.int64)
    arrays = [x, t]
    if weighted:
        arrays.append(rng(3).uniform(0.2, 2, 4).astype(np.float32))

    def fn(a, b, *w):
        lib = TF if isinstance(a, torch.Tensor) else F
        return lib.multi_margin_loss(a, b, p=p, margin=margin, weight=w[0] if w else None,
                                     reduction=reduction)
    c_out, t_out = check_parity(fn, fn, arrays, grad=[0])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(fn, arrays, grad=[0])


@pytest.mark.parametrize("x_shape,t", [((4,), np.array([2])), ((4,), np.array(2)),
                                       ((), np.array(0))])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multi_margin_loss_unbatched_matches_torch(x_shape, t, reduction):
    check_parity(_call("multi_margin_loss", reduction=reduction),
                 _call("multi_margin_loss", reduction=reduction),
                 [_randn(x_shape, 1), t.astype(np.int64)], grad=[0])


def _multilabel_targets():
    return np.array([[0, 3, -1, 1, 2], [4, -1, 4, 4, 4], [-1, 0, 0, 0, 0],
                     [1, 1, 2, -1, 0]], np.int64)  # [1, 1, 2]: a class listed twice


@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_multilabel_margin_loss_matches_torch(reduction):
    x = _randn((4, 5), 1)
    c_out, t_out = check_parity(_call("multilabel_margin_loss", reduction=reduction),
                                _call("multilabel_margin_loss", reduction=reduction),
                                [x, _multilabel_targets()], grad=[0])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(_call("multilabel_margin_loss", reduction=reduction),
              [x, _multilabel_targets()], grad=[0])
    check_parity(_call("multilabel_margin_loss", reduction=reduction),
                 _call("multilabel_margin_loss", reduction=reduction),
                 [x[0], _multilabel_targets()[0]], grad=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weight_shape", [None, (5,), (4, 1)])
def test_multilabel_soft_margin_loss_matches_torch(reduction, weight_shape):
    x, t = _randn((4, 5), 1) * 2, rng(2).integers(0, 2, (4, 5)).astype(np.float32)
    arrays = [x, t]
    if weight_shape:
        arrays.append(rng(3).uniform(0.2, 2, weight_shape).astype(np.float32))

    def fn(a, b, *w):
        lib = TF if isinstance(a, torch.Tensor) else F
        return lib.multilabel_soft_margin_loss(a, b, weight=w[0] if w else None,
                                               reduction=reduction)
    check_parity(fn, fn, arrays, grad=[0, 1])
    gradcheck(fn, arrays, grad=[0, 1])
    check_parity(fn, fn, [x[0], t[0]], grad=[0, 1])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("t_shape", [(4, 5), (5,), (1, 5)])
def test_soft_margin_loss_matches_torch(reduction, t_shape):
    x = _randn((4, 5), 1) * 3
    c_out, t_out = check_parity(_call("soft_margin_loss", reduction=reduction),
                                _call("soft_margin_loss", reduction=reduction),
                                [x, _signs(t_shape, 2)], grad=[0])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(_call("soft_margin_loss", reduction=reduction), [x, _signs(t_shape, 2)], grad=[0])


def test_soft_margin_loss_takes_integer_targets_like_torch():
    x, t = _randn((3, 4), 1), rng(2).choice([-1, 1], (3, 4)).astype(np.int64)
    check_parity(_call("soft_margin_loss"), _call("soft_margin_loss"), [x, t], grad=[0])


# ------------------------------------------------------------------ empty batches
EMPTY = [
    ("margin_ranking_loss", lambda: [np.zeros(0, np.float32)] * 2 + [np.zeros(0, np.float32)]),
    ("hinge_embedding_loss", lambda: [np.zeros((0, 3), np.float32), np.zeros((0, 3), np.float32)]),
    ("cosine_embedding_loss",
     lambda: [np.zeros((0, 3), np.float32)] * 2 + [np.zeros(0, np.float32)]),
    ("triplet_margin_loss", lambda: [np.zeros((0, 3), np.float32)] * 3),
    ("multi_margin_loss", lambda: [np.zeros((0, 3), np.float32), np.zeros(0, np.int64)]),
    ("multilabel_margin_loss", lambda: [np.zeros((0, 3), np.float32), np.zeros((0, 3), np.int64)]),
    ("multilabel_soft_margin_loss", lambda: [np.zeros((0, 3), np.float32)] * 2),
    ("soft_margin_loss", lambda: [np.zeros(0, np.float32)] * 2),
]


@pytest.mark.parametrize("name,arrays", EMPTY, ids=[e[0] for e in EMPTY])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_batch_matches_torch(name, arrays, reduction):
    c = getattr(F, name)(*[cy(a) for a in arrays()], reduction=reduction)
    t = getattr(TF, name)(*[th(a) for a in arrays()], reduction=reduction)
    assert tuple(c.shape) == tuple(t.shape)
    if reduction != "none" and name in ("multi_margin_loss", "multilabel_margin_loss"):
        # torch returns an uninitialised value here (seen: 0.0, 1.2e35, 3.2e38); cynn
        # gives the sum of nothing, 0, and its mean, nan, as for the other losses
        np.testing.assert_array_equal(c.numpy(), np.nan if reduction == "mean" else 0.0)
        return
    np.testing.assert_array_equal(c.numpy(), t.numpy())  # nan where torch gives nan


# ------------------------------------------------------------------ legacy flags
@pytest.mark.parametrize("name,n_inputs", [
    ("margin_ranking_loss", 3), ("hinge_embedding_loss", 2), ("soft_margin_loss", 2),
    ("multilabel_soft_margin_loss", 2), ("cosine_embedding_loss", 3)])
@pytest.mark.parametrize("flags", [{"size_average": False}, {"reduce": False}])
def test_legacy_flags_warn_and_map_like_torch(name, n_inputs, flags):
    x = [_randn((3, 4), 1), _randn((3, 4), 2), _signs((3,), 3)][:n_inputs]
    if name != "cosine_embedding_loss":
        x[-1] = _signs((3, 4), 3)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        c = getattr(F, name)(*[cy(a) for a in x], **flags)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t = getattr(TF, name)(*[th(a) for a in x], **flags)
    assert_close(c, t)


# ------------------------------------------------------------------ errors
def _f32(*shape):
    return np.ones(shape, np.float32)


ERRORS = [
    ("margin_ranking dims", lambda M, T: M.margin_ranking_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                               T(_f32(4)))),
    ("margin_ranking reduction", lambda M, T: M.margin_ranking_loss(T(_f32(3)), T(_f32(3)),
                                                                    T(_f32(3)), reduction="x")),
    ("margin_ranking shapes", lambda M, T: M.margin_ranking_loss(T(_f32(3)), T(_f32(2)),
                                                                 T(_f32(3)))),
    ("hinge shapes", lambda M, T: M.hinge_embedding_loss(T(_f32(3, 4)), T(_f32(3)))),
    ("cosine 2-d target", lambda M, T: M.cosine_embedding_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                               T(_f32(3, 4)))),
    ("cosine 1-d inputs", lambda M, T: M.cosine_embedding_loss(T(_f32(4)), T(_f32(4)),
                                                               T(_f32(3)))),
    ("cosine 0-d target", lambda M, T: M.cosine_embedding_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                               T(_f32()))),
    ("cosine input shapes", lambda M, T: M.cosine_embedding_loss(T(_f32(3, 4)), T(_f32(2, 4)),
                                                                 T(_f32(3)))),
    ("cosine target length", lambda M, T: M.cosine_embedding_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                                  T(_f32(2)))),
    ("triplet dims", lambda M, T: M.triplet_margin_loss(T(_f32(3, 4)), T(_f32(4)),
                                                        T(_f32(3, 4)))),
    ("triplet margin", lambda M, T: M.triplet_margin_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                          T(_f32(3, 4)), margin=0)),
    ("triplet reduction", lambda M, T: M.triplet_margin_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                             T(_f32(3, 4)), reduction="x")),
    ("triplet-d margin", lambda M, T: M.triplet_margin_with_distance_loss(
        T(_f32(3, 4)), T(_f32(3, 4)), T(_f32(3, 4)), margin=-1.0)),
    ("triplet-d reduction", lambda M, T: M.triplet_margin_with_distance_loss(
        T(_f32(3, 4)), T(_f32(3, 4)), T(_f32(3, 4)), reduction="x")),
    ("triplet-d dims", lambda M, T: M.triplet_margin_with_distance_loss(
        T(_f32(3, 4)), T(_f32(4)), T(_f32(3, 4)))),
    ("multi_margin p", lambda M, T: M.multi_margin_loss(T(_f32(3, 4)),
                                                        T(np.zeros(3, np.int64)), p=3)),
    ("multi_margin weight dims", lambda M, T: M.multi_margin_loss(
        T(_f32(3, 4)), T(np.zeros(3, np.int64)), weight=T(_f32(2, 2)))),
    ("multi_margin weight size", lambda M, T: M.multi_margin_loss(
        T(_f32(3, 4)), T(np.zeros(3, np.int64)), weight=T(_f32(3)))),
    ("multi_margin weight dtype", lambda M, T: M.multi_margin_loss(
        T(_f32(3, 4)), T(np.zeros(3, np.int64)), weight=T(np.ones(4)))),
    ("multi_margin target range", lambda M, T: M.multi_margin_loss(
        T(_f32(3, 4)), T(np.array([0, 1, 4])))),
    ("multi_margin negative target", lambda M, T: M.multi_margin_loss(
        T(_f32(3, 4)), T(np.array([0, -1, 2])))),
    ("multi_margin target size", lambda M, T: M.multi_margin_loss(
        T(_f32(3, 4)), T(np.array([0, 1])))),
    ("multi_margin 3-d", lambda M, T: M.multi_margin_loss(T(_f32(1, 3, 4)),
                                                          T(np.zeros(3, np.int64)))),
    ("multi_margin no classes", lambda M, T: M.multi_margin_loss(T(_f32(3, 0)),
                                                                 T(np.zeros(3, np.int64)))),
    ("multi_margin float target", lambda M, T: M.multi_margin_loss(T(_f32(3, 4)),
                                                                   T(_f32(3)))),
    ("multilabel target shape", lambda M, T: M.multilabel_margin_loss(
        T(_f32(3, 4)), T(np.zeros((1, 4), np.int64)))),
    ("multilabel target range", lambda M, T: M.multilabel_margin_loss(
        T(_f32(2, 4)), T(np.array([[0, 1, -1, 2], [4, -1, 0, 0]])))),
    ("multilabel after terminator", lambda M, T: M.multilabel_margin_loss(
        T(_f32(1, 4)), T(np.array([[0, -1, 9, 9]])))),
    ("multilabel below -1", lambda M, T: M.multilabel_margin_loss(
        T(_f32(1, 4)), T(np.array([[0, -2, 1, 1]])))),
    ("multilabel float target", lambda M, T: M.multilabel_margin_loss(T(_f32(3, 4)),
                                                                      T(_f32(3, 4)))),
    ("multilabel 3-d", lambda M, T: M.multilabel_margin_loss(
        T(_f32(1, 3, 4)), T(np.zeros((1, 3, 4), np.int64)))),
    ("multilabel_soft reduction", lambda M, T: M.multilabel_soft_margin_loss(
        T(_f32(3, 4)), T(_f32(3, 4)), reduction="x")),
    ("multilabel_soft 0-d", lambda M, T: M.multilabel_soft_margin_loss(T(_f32()), T(_f32()))),
    ("multilabel_soft weight", lambda M, T: M.multilabel_soft_margin_loss(
        T(_f32(3, 4)), T(_f32(3, 4)), weight=T(_f32(5)))),
    ("soft_margin shapes", lambda M, T: M.soft_margin_loss(T(_f32(3, 4)), T(_f32(2, 4)))),
    ("soft_margin reduction", lambda M, T: M.soft_margin_loss(T(_f32(3)), T(_f32(3)),
                                                              reduction="x")),
    ("soft_margin target grad", lambda M, T: M.soft_margin_loss(
        T(_f32(3)), T(_f32(3)).requires_grad_())),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


def test_module_errors_match_torch():
    for make in (lambda lib: lib.nn.TripletMarginWithDistanceLoss(margin=0),
                 lambda lib: lib.nn.MultiMarginLoss(p=3)):
        assert_same_error(lambda: make(cynn), lambda: make(torch))


# ------------------------------------------------------------------ modules
MODULES = [
    ("MarginRankingLoss", {"margin": 0.2}, "ranking"),
    ("HingeEmbeddingLoss", {"margin": 0.5, "reduction": "sum"}, "pair"),
    ("CosineEmbeddingLoss", {"margin": 0.1}, "cosine"),
    ("TripletMarginLoss", {"margin": 0.7, "p": 1.0, "swap": True}, "triplet"),
    ("TripletMarginWithDistanceLoss", {"margin": 0.7, "reduction": "none"}, "triplet"),
    ("MultiMarginLoss", {"p": 2, "margin": 0.5}, "classes"),
    ("MultiLabelMarginLoss", {"reduction": "none"}, "labels"),
    ("MultiLabelSoftMarginLoss", {}, "soft"),
    ("SoftMarginLoss", {"reduction": "sum"}, "pair"),
]


def _module_inputs(kind):
    x, y = _randn((4, 5), 1), _randn((4, 5), 2)
    return {
        "ranking": ([x[:, 0], y[:, 0], _signs((4,), 3)], [0, 1]),
        "pair": ([x, _signs((4, 5), 3)], [0]),
        "cosine": ([x, y, _signs((4,), 3)], [0, 1]),
        "triplet": ([x, y, _randn((4, 5), 3)], [0, 1, 2]),
        "classes": ([x, np.array([0, 4, 2, 2], np.int64)], [0]),
        "labels": ([x, _multilabel_targets()], [0]),
        "soft": ([x, rng(3).integers(0, 2, (4, 5)).astype(np.float32)], [0, 1]),
    }[kind]


@pytest.mark.parametrize("name,kwargs,kind", MODULES, ids=[m[0] for m in MODULES])
def test_modules_match_torch(name, kwargs, kind):
    c_mod, t_mod = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(c_mod) == repr(t_mod)
    arrays, grad = _module_inputs(kind)
    check_parity(c_mod, t_mod, arrays, grad=grad)


def test_weighted_modules_register_weight_buffers_like_torch():
    w = np.array([1.0, 2.0, 0.5, 1.5, 1.0], np.float32)
    for name in ("MultiMarginLoss", "MultiLabelSoftMarginLoss"):
        c_mod, t_mod = getattr(nn, name)(weight=cy(w)), getattr(torch.nn, name)(weight=th(w))
        assert list(c_mod.state_dict()) == list(t_mod.state_dict())
        arrays, grad = _module_inputs("classes" if name == "MultiMarginLoss" else "soft")
        check_parity(c_mod, t_mod, arrays, grad=grad)


def test_triplet_with_distance_module_keeps_a_module_distance_as_submodule():
    c_mod = nn.TripletMarginWithDistanceLoss(distance_function=D.cosine_similarity)
    assert c_mod.distance_function is D.cosine_similarity
    from cynn.nn.modules.distance import PairwiseDistance
    c_mod = nn.TripletMarginWithDistanceLoss(distance_function=PairwiseDistance(p=1.0))
    t_mod = torch.nn.TripletMarginWithDistanceLoss(
        distance_function=torch.nn.PairwiseDistance(p=1.0))
    assert repr(c_mod) == repr(t_mod)
    check_parity(c_mod, t_mod, *_module_inputs("triplet"))
