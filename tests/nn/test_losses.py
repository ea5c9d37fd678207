"""Losses (functional and modules) against torch: values, gradients (input and,
where differentiable, target), float64 gradchecks, reductions, weights,
ignore_index, label smoothing, K-dimensional inputs and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from _nn_parity import (assert_close, assert_same_error, check_parity, cy, gradcheck, rng, th,
                        torch)

TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def _randn(shape, seed=0, dtype=np.float32):
    return rng(seed).standard_normal(shape).astype(dtype)


def _classes(shape, n_classes, seed=0):
    return rng(seed).integers(0, n_classes, shape).astype(np.int64)


def _grad_fn_names_match(c_out, t_out):
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


# ------------------------------------------------------------------ regression losses
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "smooth_l1_loss", "huber_loss"])
def test_pointwise_losses_match_torch(name, reduction):
    x, t = _randn((4, 5), 1), _randn((4, 5), 2)
    c_out, t_out = check_parity(lambda a, b: getattr(F, name)(a, b, reduction=reduction),
                                lambda a, b: getattr(TF, name)(a, b, reduction=reduction),
                                [x, t])
    _grad_fn_names_match(c_out, t_out)
    gradcheck(lambda a, b: getattr(F, name)(a, b, reduction=reduction), [x[:2], t[:2]])


@pytest.mark.parametrize("kwargs", [{"beta": 0.5}, {"beta": 0.0}])
def test_smooth_l1_beta_matches_torch(kwargs):
    x, t = _randn((6,), 1), _randn((6,), 2)
    check_parity(lambda a, b: F.smooth_l1_loss(a, b, **kwargs),
                 lambda a, b: TF.smooth_l1_loss(a, b, **kwargs), [x, t])


@pytest.mark.parametrize("name", ["mse_loss", "l1_loss", "huber_loss"])
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_weighted_pointwise_losses_match_torch(name, reduction):
    x, t, w = _randn((3, 4), 1), _randn((3, 4), 2), rng(3).uniform(0, 2, (3, 4)).astype(
        np.float32)
    check_parity(lambda a, b, c: getattr(F, name)(a, b, reduction=reduction, weight=c),
                 lambda a, b, c: getattr(TF, name)(a, b, reduction=reduction, weight=c),
                 [x, t, w], grad=[0, 1])


def test_mse_broadcasting_warns_and_matches_torch():
    x, t = _randn((3, 1), 1), _randn((3,), 2)
    with pytest.warns(UserWarning, match="Using a target size"):
        c = F.mse_loss(cy(x), cy(t))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(c, TF.mse_loss(th(x), th(t)))
        check_parity(F.mse_loss, TF.mse_loss, [x, t])


def test_mse_integer_target_promotes_like_torch():
    x, t = _randn((3, 2), 1), np.ones((3, 2), np.int64)
    check_parity(F.mse_loss, TF.mse_loss, [x, t])
    check_parity(F.l1_loss, TF.l1_loss, [x, t])


@pytest.mark.parametrize("reduction", ["mean", "batchmean", "sum", "none"])
@pytest.mark.parametrize("log_target", [False, True])
def test_kl_div_matches_torch(reduction, log_target):
    logp = np.log(rng(1).dirichlet(np.ones(5), 3)).astype(np.float32)
    q = rng(2).dirichlet(np.ones(5), 3).astype(np.float32)
    q[0, 0] = 0.0  # 0 * log 0 counts as 0
    target = np.log(q + 1e-3) if log_target else q
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        check_parity(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                     lambda a, b: TF.kl_div(a, b, reduction=reduction, log_target=log_target),
                     [logp, target], grad=[0])
        positive_target = np.log(q + 0.1) if log_target else q + 0.1
        gradcheck(lambda a, b: F.kl_div(a, b, reduction=reduction, log_target=log_target),
                  [logp, positive_target])


# ------------------------------------------------------------------ binary cross entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("weighted", [False, True])
def test_bce_matches_torch(reduction, weighted):
    p = rng(1).uniform(0.02, 0.98, (4, 3)).astype(np.float32)
    t = rng(2).uniform(0, 1, (4, 3)).astype(np.float32)
    arrays = [p, t]
    if weighted:
        arrays.append(rng(3).uniform(0.5, 2, (3,)).astype(np.float32))

    def call(M):
        return lambda a, b, *w: M.binary_cross_entropy(a, b, *w, reduction=reduction)

    c_out, t_out = check_parity(call(F), call(TF), arrays, grad=[0, 1])
    _grad_fn_names_match(c_out, t_out)
    gradcheck(call(F), arrays, grad=[0, 1])


def test_bce_clamps_log_at_minus_100_like_torch():
    p = np.array([0.0, 1.0, 0.0, 1.0, 0.5], np.float32)
    t = np.array([1.0, 0.0, 0.0, 1.0, 1.0], np.float32)
    c = F.binary_cross_entropy(cy(p), cy(t), reduction="none")
    np.testing.assert_allclose(c.numpy()[:2], [100.0, 100.0])
    check_parity(lambda a, b: F.binary_cross_entropy(a, b, reduction="none"),
                 lambda a, b: TF.binary_cross_entropy(a, b, reduction="none"), [p, t], grad=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("options", ["plain", "weight", "pos_weight", "both"])
def test_bce_with_logits_matches_torch(reduction, options):
    x = (_randn((5, 3), 1) * 4)
    t = rng(2).uniform(0, 1, (5, 3)).astype(np.float32)
    arrays = [x, t]
    kw_names = []
    if options in ("weight", "both"):
        arrays.append(rng(3).uniform(0.5, 2, (5, 1)).astype(np.float32))
        kw_names.append("weight")
    if options in ("pos_weight", "both"):
        arrays.append(rng(4).uniform(0.5, 3, (3,)).astype(np.float32))
        kw_names.append("pos_weight")

    def call(M):
        def fn(a, b, *extra):
            return M.binary_cross_entropy_with_logits(a, b, reduction=reduction,
                                                      **dict(zip(kw_names, extra)))
        return fn

    c_out, t_out = check_parity(call(F), call(TF), arrays, grad=[0, 1])
    _grad_fn_names_match(c_out, t_out)
    gradcheck(call(F), arrays, grad=[0, 1])


def test_bce_with_logits_is_stable_for_huge_logits():
    x = np.array([-1e4, -100.0, 0.0, 100.0, 1e4], np.float32)
    t = np.array([1.0, 1.0, 0.5, 0.0, 0.0], np.float32)
    c_out, _ = check_parity(lambda a, b: F.binary_cross_entropy_with_logits(a, b, reduction="none"),
                            lambda a, b: TF.binary_cross_entropy_with_logits(a, b,
                                                                             reduction="none"),
                            [x, t], grad=[0])
    assert np.all(np.isfinite(c_out[0].detach().numpy()))


# ------------------------------------------------------------------ nll / cross entropy
NLL_SHAPES = [((5,), ()), ((4, 5), (4,)), ((2, 5, 3), (2, 3)), ((2, 5, 3, 2), (2, 3, 2)),
              ((2, 5, 2, 2, 2), (2, 2, 2, 2))]


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("x_shape,t_shape", NLL_SHAPES)
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("ignore", [False, True])
def test_nll_loss_matches_torch(x_shape, t_shape, reduction, weighted, ignore):
    n_classes = x_shape[0] if len(x_shape) == 1 else x_shape[1]
    x = _randn(x_shape, 1)
    target = _classes(t_shape, n_classes, 2)
    kwargs = {"reduction": reduction}
    if ignore:
        kwargs["ignore_index"] = 1
    arrays = [x, target]
    if weighted:
        arrays.append(rng(3).uniform(0.2, 2, (n_classes,)).astype(np.float32))

    def call(M):
        return lambda a, b, *w: M.nll_loss(a, b, *w, **kwargs)

    c_out, t_out = check_parity(call(F), call(TF), arrays, grad=[0])
    _grad_fn_names_match(c_out, t_out)
    gradcheck(call(F), arrays, grad=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("x_shape,t_shape", NLL_SHAPES[:4])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.2])
def test_cross_entropy_class_indices_match_torch(x_shape, t_shape, reduction, weighted,
                                                 smoothing):
    n_classes = x_shape[0] if len(x_shape) == 1 else x_shape[1]
    x = _randn(x_shape, 1) * 3
    target = _classes(t_shape, n_classes, 2)
    if target.ndim:
        target.reshape(-1)[0] = -100  # one ignored target
    arrays = [x, target]
    if weighted:
        arrays.append(rng(3).uniform(0.2, 2, (n_classes,)).astype(np.float32))

    def call(M):
        return lambda a, b, *w: M.cross_entropy(a, b, *w, reduction=reduction,
                                                label_smoothing=smoothing)

    c_out, t_out = check_parity(call(F), call(TF), arrays, grad=[0])
    _grad_fn_names_match(c_out, t_out)
    gradcheck(call(F), arrays, grad=[0])


@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("shape", [(5,), (4, 5), (2, 5, 3)])
@pytest.mark.parametrize("weighted", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.3])
def test_cross_entropy_probability_targets_match_torch(shape, reduction, weighted, smoothing):
    n_classes = shape[0] if len(shape) == 1 else shape[1]
    class_dim = 0 if len(shape) == 1 else 1
    x = _randn(shape, 1) * 3
    p = np.exp(_randn(shape, 2))
    p = (p / p.sum(axis=class_dim, keepdims=True)).astype(np.float32)
    arrays = [x, p]
    if weighted:
        arrays.append(rng(3).uniform(0.2, 2, (n_classes,)).astype(np.float32))

    def call(M):
        return lambda a, b, *w: M.cross_entropy(a, b, *w, reduction=reduction,
                                                label_smoothing=smoothing)

    check_parity(call(F), call(TF), arrays, grad=[0, 1])
    gradcheck(call(F), arrays, grad=[0, 1])


def test_cross_entropy_is_stable_for_huge_logits():
    x = np.array([[1e4, 0.0, -1e4], [-5e3, 5e3, 0.0]], np.float32)
    c_out, _ = check_parity(F.cross_entropy, TF.cross_entropy, [x, np.array([2, 0])], grad=[0])
    assert np.isfinite(c_out[0].item())


def test_nll_mean_with_all_targets_ignored_is_nan_like_torch():
    x = _randn((3, 4), 1)
    t = np.full(3, -100, np.int64)
    c_out, t_out = check_parity(F.nll_loss, TF.nll_loss, [x, t], grad=[0])
    assert np.isnan(c_out[0].item()) and np.isnan(t_out[0].item())


def test_one_hot_matches_torch():
    idx = np.array([[0, 3], [2, 1]], np.int64)
    for n in (-1, 5):
        out = F.one_hot(cy(idx), n)
        assert out.dtype == cynn.int64
        np.testing.assert_array_equal(out.numpy(), TF.one_hot(th(idx), n).numpy())


# ------------------------------------------------------------------ errors
def _errors():
    x = _randn((3, 4), 1)
    return [
        ("nll batch", lambda M, T: M.nll_loss(T(x), T(np.array([1, 2])))),
        ("nll out of bounds", lambda M, T: M.nll_loss(T(x), T(np.array([1, 2, 5])))),
        ("nll negative target", lambda M, T: M.nll_loss(T(x), T(np.array([1, -1, 0])))),
        ("nll float target", lambda M, T: M.nll_loss(T(x), T(np.array([1.0, 2, 0],
                                                                      np.float32)))),
        ("nll int32 target", lambda M, T: M.nll_loss(T(x), T(np.array([1, 2, 0], np.int32)))),
        ("nll weight size", lambda M, T: M.nll_loss(T(x), T(np.array([1, 2, 0])),
                                                    weight=T(np.ones(3, np.float32)))),
        ("nll 0-d input", lambda M, T: M.nll_loss(T(np.float32(1.0)), T(np.array(2)))),
        ("nll 2-d target", lambda M, T: M.nll_loss(T(x), T(np.array([[1], [2], [0]])))),
        ("nll 1-d target size", lambda M, T: M.nll_loss(T(x[0]), T(np.array([1, 2])))),
        ("nll 3-d target", lambda M, T: M.nll_loss(T(_randn((2, 3, 4))),
                                                   T(np.zeros((2, 3), np.int64)))),
        ("nll 4-d target dims", lambda M, T: M.nll_loss(T(_randn((2, 3, 4, 5))),
                                                        T(np.zeros((2, 4), np.int64)))),
        ("nll 4-d target size", lambda M, T: M.nll_loss(T(_randn((2, 3, 4, 5))),
                                                        T(np.zeros((2, 4, 4), np.int64)))),
        ("nll 4-d weight", lambda M, T: M.nll_loss(T(_randn((2, 3, 4, 5))),
                                                   T(np.zeros((2, 4, 5), np.int64)),
                                                   weight=T(np.ones(2, np.float32)))),
        ("nll integer input", lambda M, T: M.nll_loss(T(np.ones((2, 3), np.int64)),
                                                      T(np.array([0, 1])))),
        ("nll reduction", lambda M, T: M.nll_loss(T(x), T(np.array([1, 2, 0])),
                                                  reduction="foo")),
        ("ce batch", lambda M, T: M.cross_entropy(T(x), T(np.array([1, 2])))),
        ("ce out of bounds", lambda M, T: M.cross_entropy(T(x), T(np.array([1, 2, 4])))),
        ("ce float target", lambda M, T: M.cross_entropy(T(x), T(np.array([1.0, 2, 0],
                                                                          np.float32)))),
        ("ce long probabilities", lambda M, T: M.cross_entropy(T(x), T(np.zeros((3, 4),
                                                                                np.int64)))),
        ("ce smoothing > 1", lambda M, T: M.cross_entropy(T(x), T(np.array([1, 2, 0])),
                                                          label_smoothing=1.5)),
        ("ce weight", lambda M, T: M.cross_entropy(T(x), T(np.array([1, 2, 0])),
                                                   weight=T(np.ones(3, np.float32)))),
        ("ce probabilities weight", lambda M, T: M.cross_entropy(
            T(x), T(np.full((3, 4), 0.25, np.float32)), weight=T(np.ones(3, np.float32)))),
        ("ce probabilities ignore_index", lambda M, T: M.cross_entropy(
            T(x), T(np.full((3, 4), 0.25, np.float32)), ignore_index=1)),
        ("ce weight dtype", lambda M, T: M.cross_entropy(T(x.astype(np.float64)),
                                                         T(np.array([1, 2, 0])),
                                                         weight=T(np.ones(4, np.float32)))),
        ("ce integer input", lambda M, T: M.cross_entropy(T(np.ones((2, 3), np.int64)),
                                                          T(np.array([0, 1])))),
        ("bce size", lambda M, T: M.binary_cross_entropy(T(np.full((3, 1), 0.5, np.float32)),
                                                         T(np.full(3, 0.5, np.float32)))),
        ("bce range", lambda M, T: M.binary_cross_entropy(T(np.full(3, 1.5, np.float32)),
                                                          T(np.full(3, 0.5, np.float32)))),
        ("bce target dtype", lambda M, T: M.binary_cross_entropy(
            T(np.full(3, 0.5, np.float32)), T(np.ones(3, np.int64)))),
        ("bce weight", lambda M, T: M.binary_cross_entropy(
            T(np.full((3, 2), 0.5, np.float32)), T(np.full((3, 2), 0.5, np.float32)),
            weight=T(np.ones(3, np.float32)))),
        ("bce logits size", lambda M, T: M.binary_cross_entropy_with_logits(
            T(np.zeros((3, 1), np.float32)), T(np.zeros(3, np.float32)))),
        ("bce logits target dtype", lambda M, T: M.binary_cross_entropy_with_logits(
            T(np.zeros((3, 2), np.float32)), T(np.ones((3, 2), np.int64)))),
        ("mse reduction", lambda M, T: M.mse_loss(T(x), T(x), reduction="foo")),
        ("mse broadcast", lambda M, T: M.mse_loss(T(_randn((3, 2))), T(_randn((3,))))),
        ("mse weight size", lambda M, T: M.mse_loss(T(x), T(x), weight=T(np.ones(4, np.float32)))),
        ("one_hot too small", lambda M, T: M.one_hot(T(np.array([1, 2, 3])), 3)),
        ("one_hot negative", lambda M, T: M.one_hot(T(np.array([1, -1])), 3)),
        ("one_hot float", lambda M, T: M.one_hot(T(np.array([1.0, 2.0], np.float32)))),
        ("one_hot empty", lambda M, T: M.one_hot(T(np.array([], np.int64)))),
    ]


@pytest.mark.parametrize("call", [c for _, c in _errors()], ids=[n for n, _ in _errors()])
def test_errors_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


def test_legacy_size_average_maps_to_reduction_with_warning():
    x, t = _randn((3, 4), 1), _randn((3, 4), 2)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        c = F.mse_loss(cy(x), cy(t), size_average=False)
    assert_close(c, TF.mse_loss(th(x), th(t), reduction="sum"))


# ------------------------------------------------------------------ modules
MODULES = [
    ("MSELoss", {}), ("L1Loss", {"reduction": "sum"}), ("SmoothL1Loss", {"beta": 0.5}),
    ("HuberLoss", {"delta": 0.7}), ("BCEWithLogitsLoss", {}), ("CrossEntropyLoss", {}),
    ("CrossEntropyLoss", {"label_smoothing": 0.1, "ignore_index": 0}),
    ("NLLLoss", {"reduction": "none"}), ("BCELoss", {}), ("KLDivLoss", {"reduction": "batchmean"}),
]


def _module_inputs(name):
    x = _randn((4, 3), 1)
    if name in ("CrossEntropyLoss", "NLLLoss"):
        return [x, _classes((4,), 3, 2)], [0]
    if name == "BCELoss":
        return [rng(1).uniform(0.05, 0.95, (4, 3)).astype(np.float32),
                rng(2).uniform(0, 1, (4, 3)).astype(np.float32)], [0, 1]
    if name == "KLDivLoss":
        return [np.log(rng(1).dirichlet(np.ones(3), 4)).astype(np.float32),
                rng(2).dirichlet(np.ones(3), 4).astype(np.float32)], [0]
    return [x, _randn((4, 3), 2)], [0, 1]


@pytest.mark.parametrize("name,kwargs", MODULES, ids=[f"{n}{k}" for n, k in MODULES])
def test_loss_modules_match_torch(name, kwargs):
    c_mod, t_mod = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(c_mod) == repr(t_mod)
    arrays, grad = _module_inputs(name)
    check_parity(c_mod, t_mod, arrays, grad=grad)


def test_weighted_loss_modules_register_weight_buffers():
    w = np.array([1.0, 2.0, 0.5], np.float32)
    c_mod = nn.CrossEntropyLoss(weight=cy(w))
    assert list(c_mod.state_dict()) == list(torch.nn.CrossEntropyLoss(weight=th(w)).state_dict())
    arrays, grad = _module_inputs("CrossEntropyLoss")
    check_parity(c_mod, torch.nn.CrossEntropyLoss(weight=th(w)), arrays, grad=grad)
    pw = np.array([2.0, 1.0, 3.0], np.float32)
    c_bce = nn.BCEWithLogitsLoss(pos_weight=cy(pw))
    t_bce = torch.nn.BCEWithLogitsLoss(pos_weight=th(pw))
    assert list(c_bce.state_dict()) == list(t_bce.state_dict())
    check_parity(c_bce, t_bce, *_module_inputs("BCEWithLogitsLoss"))
    assert len(nn.BCEWithLogitsLoss().state_dict()) == 0  # None buffers are not saved


def test_huber_loss_rejects_non_numeric_delta_like_torch():
    assert_same_error(lambda: nn.HuberLoss(delta="1"), lambda: torch.nn.HuberLoss(delta="1"))
