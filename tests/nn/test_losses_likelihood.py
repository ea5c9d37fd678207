"""Likelihood losses against torch: poisson_nll_loss, gaussian_nll_loss, the
deprecated NLLLoss2d and linear_cross_entropy / LinearCrossEntropyLoss; values and
gradients over argument matrices, float64 gradchecks, empty batches, modules and
PyTorch's errors."""
import warnings

import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from _nn_parity import (assert_close, assert_same_error, check_module_parity, check_parity, cy,
                        gradcheck, rng, th, torch)

TF = torch.nn.functional
REDUCTIONS = ["mean", "sum", "none"]


def _randn(shape, seed=0, dtype=np.float32):
    return rng(seed).standard_normal(shape).astype(dtype)


# ------------------------------------------------------------------ poisson
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("log_input", [True, False])
@pytest.mark.parametrize("full", [False, True])
def test_poisson_nll_loss_matches_torch(reduction, log_input, full):
    x = _randn((4, 5), 1) if log_input else rng(1).uniform(0.1, 3, (4, 5)).astype(np.float32)
    t = rng(2).uniform(0, 4, (4, 5)).astype(np.float32)  # both sides of the t > 1 switch

    def fn(a, b):
        lib = TF if isinstance(a, torch.Tensor) else F
        return lib.poisson_nll_loss(a, b, log_input=log_input, full=full, eps=1e-6,
                                    reduction=reduction)
    check_parity(fn, fn, [x, t])
    gradcheck(fn, [x, t])


def test_poisson_nll_loss_broadcasts_and_promotes_like_torch():
    x = _randn((3, 4), 1)
    for t in (rng(2).integers(0, 5, (3, 4)), rng(2).uniform(0, 3, (3, 1)).astype(np.float32)):
        check_parity(lambda a, b: F.poisson_nll_loss(a, b, full=True, reduction="none"),
                     lambda a, b: TF.poisson_nll_loss(a, b, full=True, reduction="none"),
                     [x, t], grad=[0])


# ------------------------------------------------------------------ gaussian
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("full", [False, True])
@pytest.mark.parametrize("var_shape", [(4, 3), (4, 1), (4,)])
def test_gaussian_nll_loss_matches_torch(reduction, full, var_shape):
    x, t = _randn((4, 3), 1), _randn((4, 3), 2)
    var = rng(3).uniform(0.2, 2, var_shape).astype(np.float32)

    def fn(a, b, v):
        lib = TF if isinstance(a, torch.Tensor) else F
        return lib.gaussian_nll_loss(a, b, v, full=full, reduction=reduction)
    check_parity(fn, fn, [x, t, var])
    gradcheck(fn, [x, t, var])


def test_gaussian_nll_loss_clamps_var_but_not_its_gradient_like_torch():
    x, t = _randn((2, 3), 1), _randn((2, 3), 2)
    var = np.array([[1e-9, 0.0, 0.5], [2.0, 1e-3, 0.0]], np.float32)

    def fn(a, b, v):
        lib = TF if isinstance(a, torch.Tensor) else F
        return lib.gaussian_nll_loss(a, b, v, eps=1e-2, reduction="none")
    check_parity(fn, fn, [x, t, var])


def test_gaussian_nll_loss_takes_a_float_as_var_like_torch():
    x, t = _randn((3, 2), 1), _randn((3, 2), 2)
    check_parity(lambda a, b: F.gaussian_nll_loss(a, b, 0.5),
                 lambda a, b: TF.gaussian_nll_loss(a, b, 0.5), [x, t])
    # an int is neither a float nor a Tensor: a TypeError in both
    assert_same_error(lambda: F.gaussian_nll_loss(cy(x), cy(t), 2),
                      lambda: TF.gaussian_nll_loss(th(x), th(t), 2), match_message=False)


# ------------------------------------------------------------------ empty batches
@pytest.mark.parametrize("reduction", REDUCTIONS)
def test_empty_batch_matches_torch(reduction):
    e = np.zeros((0, 3), np.float32)
    for name, args in (("poisson_nll_loss", (e, e)), ("gaussian_nll_loss", (e, e, e + 1))):
        c = getattr(F, name)(*[cy(a) for a in args], reduction=reduction)
        t = getattr(TF, name)(*[th(a) for a in args], reduction=reduction)
        assert tuple(c.shape) == tuple(t.shape)
        np.testing.assert_array_equal(c.numpy(), t.numpy())


def test_poisson_legacy_flags_warn_and_map_like_torch():
    x, t = _randn((3, 4), 1), rng(2).uniform(0, 3, (3, 4)).astype(np.float32)
    with pytest.warns(UserWarning, match="size_average and reduce args will be deprecated"):
        c = F.poisson_nll_loss(cy(x), cy(t), reduce=False)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(c, TF.poisson_nll_loss(th(x), th(t), reduce=False))


# ------------------------------------------------------------------ errors
def _f32(*shape):
    return np.ones(shape, np.float32)


ERRORS = [
    ("poisson reduction", lambda M, T: M.poisson_nll_loss(T(_f32(3)), T(_f32(3)), reduction="x")),
    ("poisson shapes", lambda M, T: M.poisson_nll_loss(T(_f32(3, 2)), T(_f32(2, 2)))),
    ("gaussian var size", lambda M, T: M.gaussian_nll_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                           T(_f32(2)))),
    ("gaussian var last dim", lambda M, T: M.gaussian_nll_loss(T(_f32(3, 4)), T(_f32(3, 4)),
                                                               T(_f32(3, 2)))),
    ("gaussian negative var", lambda M, T: M.gaussian_nll_loss(T(_f32(3)), T(_f32(3)),
                                                               T(-_f32(3)))),
    ("gaussian negative number", lambda M, T: M.gaussian_nll_loss(T(_f32(3)), T(_f32(3)),
                                                                  -1.0)),
    ("gaussian reduction", lambda M, T: M.gaussian_nll_loss(T(_f32(3)), T(_f32(3)), T(_f32(3)),
                                                            reduction="x")),
    ("gaussian target shape", lambda M, T: M.gaussian_nll_loss(T(_f32(3, 4)), T(_f32(2, 4)),
                                                               T(_f32(3, 4)))),
    ("linear_ce K-dim unbatched", lambda M, T: M.linear_cross_entropy(
        T(_f32(5)), T(_f32(10, 4, 5)), T(np.array(1)))),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


# ------------------------------------------------------------------ modules
def test_poisson_and_gaussian_modules_match_torch():
    x, t = _randn((4, 3), 1), rng(2).uniform(0, 3, (4, 3)).astype(np.float32)
    for kwargs in ({}, {"log_input": False, "full": True, "reduction": "none", "eps": 1e-4}):
        c_mod, t_mod = nn.PoissonNLLLoss(**kwargs), torch.nn.PoissonNLLLoss(**kwargs)
        assert repr(c_mod) == repr(t_mod)
        check_parity(c_mod, t_mod, [np.abs(x) + 0.1, t])
    var = rng(3).uniform(0.5, 2, (4, 1)).astype(np.float32)
    for kwargs in ({}, {"full": True, "eps": 1e-3, "reduction": "sum"}):
        c_mod, t_mod = nn.GaussianNLLLoss(**kwargs), torch.nn.GaussianNLLLoss(**kwargs)
        assert repr(c_mod) == repr(t_mod)
        check_parity(c_mod, t_mod, [x, t, var])


def test_nll_loss_2d_is_the_deprecated_nll_loss_like_torch():
    with pytest.warns(FutureWarning, match="NLLLoss2d` has been deprecated"):
        c_mod = nn.NLLLoss2d(ignore_index=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        t_mod = torch.nn.NLLLoss2d(ignore_index=1)
    assert isinstance(c_mod, nn.NLLLoss)
    assert repr(c_mod) == repr(t_mod)
    x = _randn((2, 4, 3, 3), 1)
    target = rng(2).integers(0, 4, (2, 3, 3)).astype(np.int64)
    c_out, t_out = check_parity(c_mod, t_mod, [x, target], grad=[0])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


# ------------------------------------------------------------------ linear cross entropy
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("class_weight", [False, True])
@pytest.mark.parametrize("smoothing", [0.0, 0.1])
def test_linear_cross_entropy_matches_torch(reduction, bias, class_weight, smoothing):
    x, w = _randn((6, 5), 1), _randn((4, 5), 2)
    target = rng(3).integers(0, 4, 6).astype(np.int64)
    target[0] = 2
    arrays = [x, w, target]
    if bias:
        arrays.append(_randn((4,), 4))

    def fn(a, b, c, *bb):
        lib = TF if isinstance(a, torch.Tensor) else F
        cw = None
        if class_weight:
            weights = np.linspace(0.5, 2, 4).astype(str(a.dtype).split(".")[-1])
            cw = (torch.tensor if lib is TF else cynn.tensor)(weights)
        return lib.linear_cross_entropy(a, b, c, linear_bias=bb[0] if bb else None, weight=cw,
                                        reduction=reduction, ignore_index=2,
                                        label_smoothing=smoothing)
    grad = [0, 1] + ([3] if bias else [])
    check_parity(fn, fn, arrays, grad=grad)
    gradcheck(fn, arrays, grad=grad)


@pytest.mark.parametrize("probabilities", [False, True])
def test_linear_cross_entropy_k_dimensional_matches_torch(probabilities):
    x, w, b = _randn((3, 5), 1), _randn((4, 2, 3, 5), 2), _randn((4, 2, 3), 3)
    if probabilities:
        target = rng(4).dirichlet(np.ones(4), (3, 2, 3)).transpose(0, 3, 1, 2).astype(np.float32)
    else:
        target = rng(4).integers(0, 4, (3, 2, 3)).astype(np.int64)

    def fn(a, ww, t, bb):
        lib = TF if isinstance(a, torch.Tensor) else F
        return lib.linear_cross_entropy(a, ww, t, linear_bias=bb)
    check_parity(fn, fn, [x, w, target, b], grad=[0, 1, 3])


def test_linear_cross_entropy_module_matches_torch():
    for kwargs in ({}, {"out_features": (2, 3), "bias": True, "reduction": "sum",
                        "label_smoothing": 0.05}):
        c_mod = nn.LinearCrossEntropyLoss(5, 4, **kwargs)
        t_mod = torch.nn.LinearCrossEntropyLoss(5, 4, **kwargs)
        assert repr(c_mod) == repr(t_mod)
        assert list(c_mod.state_dict()) == list(t_mod.state_dict())
        shape = (3,) + kwargs.get("out_features", ())
        target = rng(4).integers(0, 4, shape).astype(np.int64)
        check_module_parity(c_mod, t_mod, _randn((3, 5), 1), target)


# ------------------------------------------------------------------ chunked evaluation
@pytest.mark.parametrize("reduction", REDUCTIONS)
@pytest.mark.parametrize("bias", [False, True])
@pytest.mark.parametrize("class_weight", [False, True])
@pytest.mark.parametrize("chunk", [{"batch_chunk_size": 3}, {"batch_chunk_size": 100},
                                   {"chunking_method": "aspect_ratio:1"}, {}])
def test_linear_cross_entropy_chunked_matches_torch(reduction, bias, class_weight, chunk):
    x, w = _randn((7, 5), 1), _randn((4, 5), 2)
    target = np.array([0, 1, 2, 3, -100, 1, 2], np.int64)
    arrays = [x, w, target] + ([_randn((4,), 4)] if bias else [])

    def fn(a, b, c, *bb):
        if isinstance(a, torch.Tensor):
            lib, to_tensor, options = TF, torch.tensor, torch.nn.LinearCrossEntropyOptions
        else:
            lib, to_tensor, options = F, cynn.tensor, nn.LinearCrossEntropyOptions
        cw = None
        if class_weight:
            cw = to_tensor(np.linspace(0.5, 2, 4).astype(str(a.dtype).split(".")[-1]))
        return lib.linear_cross_entropy(a, b, c, linear_bias=bb[0] if bb else None, weight=cw,
                                        reduction=reduction, options=options(**chunk))
    grad = [0, 1] + ([3] if bias else [])
    c_out, t_out = check_parity(fn, fn, arrays, grad=grad)
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(fn, arrays, grad=grad)


def test_linear_cross_entropy_chunked_unbatched_matches_torch():
    def fn(a, b, c):
        lib, options = ((TF, torch.nn.LinearCrossEntropyOptions) if isinstance(a, torch.Tensor)
                        else (F, nn.LinearCrossEntropyOptions))
        return lib.linear_cross_entropy(a, b, c, reduction="none", options=options())
    check_parity(fn, fn, [_randn((5,), 1), _randn((4, 5), 2), np.array(3, np.int64)],
                 grad=[0, 1])


@pytest.mark.parametrize("kwargs", [{"label_smoothing": 0.1}, {"probabilities": True}])
def test_linear_cross_entropy_chunked_falls_back_with_torchs_warning(kwargs):
    x, w = _randn((3, 5), 1), _randn((4, 5), 2)
    if kwargs.pop("probabilities", False):
        target = rng(3).dirichlet(np.ones(4), 3).astype(np.float32)
    else:
        target = np.array([0, 3, 1], np.int64)
    with pytest.warns(UserWarning) as c_warning:
        c = F.linear_cross_entropy(cy(x), cy(w), cy(target), **kwargs,
                                   options=nn.LinearCrossEntropyOptions())
    with pytest.warns(UserWarning) as t_warning:
        t = TF.linear_cross_entropy(th(x), th(w), th(target), **kwargs,
                                    options=torch.nn.LinearCrossEntropyOptions())
    assert str(c_warning[0].message) == str(t_warning[0].message).replace("torch.", "cynn.")
    assert_close(c, t)


def test_linear_cross_entropy_options_match_torch():
    for kwargs in ({}, {"batch_chunk_size": 8, "chunking_method": None,
                        "acc_policy": "accurate", "allow_retain_graph": True},
                   {"chunking_method": "aspect_ratio:3"}):
        assert repr(nn.LinearCrossEntropyOptions(**kwargs)) == \
            repr(torch.nn.LinearCrossEntropyOptions(**kwargs))
    for bad in ({"batch_chunk_size": 0}, {"batch_chunk_size": -2},
                {"chunking_method": "aspect_ratio:0"}, {"chunking_method": "fixed"},
                {"acc_policy": "fast"}):
        assert_same_error(lambda: nn.LinearCrossEntropyOptions(**bad),
                          lambda: torch.nn.LinearCrossEntropyOptions(**bad))


def test_linear_cross_entropy_module_with_options_matches_torch():
    c_mod = nn.LinearCrossEntropyLoss(5, 4, bias=True,
                                      options=nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    t_mod = torch.nn.LinearCrossEntropyLoss(
        5, 4, bias=True, options=torch.nn.LinearCrossEntropyOptions(batch_chunk_size=2))
    assert repr(c_mod) == repr(t_mod)
    check_module_parity(c_mod, t_mod, _randn((5, 5), 1), np.array([0, 3, 1, 2, 2], np.int64))
