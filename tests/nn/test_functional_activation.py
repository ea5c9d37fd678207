"""cynn.nn.functional activations against torch.nn.functional, plus float64
gradchecks, in-place semantics, rrelu's randomness and PyTorch's errors."""
import warnings

import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from _nn_parity import (assert_close, assert_same_error, check_parity, cy, gradcheck, rng, th,
                        torch)

TF = torch.nn.functional


def _input(shape=(3, 4, 5), seed=0, scale=3.0):
    x = (rng(seed).standard_normal(shape) * scale).astype(np.float32)
    kinks = np.array([0.0, 1e-3, -1e-3], np.float32)  # values at and next to the kinks
    x.reshape(-1)[:3] = kinks[:min(3, x.size)]
    return x


# (name, kwargs) for functions with the same name and arguments in both libraries.
POINTWISE = [
    ("relu", {}), ("leaky_relu", {}), ("leaky_relu", {"negative_slope": 0.2}),
    ("elu", {}), ("elu", {"alpha": 0.5}), ("selu", {}), ("celu", {"alpha": 1.5}),
    ("sigmoid", {}), ("tanh", {}), ("hardtanh", {}), ("hardtanh", {"min_val": -0.5,
                                                                   "max_val": 2.0}),
    ("relu6", {}), ("gelu", {}), ("gelu", {"approximate": "tanh"}), ("silu", {}),
    ("mish", {}), ("softplus", {}), ("softplus", {"beta": 2.0, "threshold": 3.0}),
    ("logsigmoid", {}), ("softsign", {}), ("tanhshrink", {}), ("hardsigmoid", {}),
    ("hardswish", {}), ("threshold", {"threshold": 0.5, "value": -2.0}),
    ("rrelu", {"training": False}),
]


def _ids(cases):
    return [f"{n}-{'-'.join(f'{k}={v}' for k, v in kw.items())}" for n, kw in cases]


@pytest.mark.parametrize("name,kwargs", POINTWISE, ids=_ids(POINTWISE))
@pytest.mark.parametrize("shape", [(7,), (3, 4, 5)])
def test_pointwise_matches_torch(name, kwargs, shape):
    x = _input(shape)
    c_out, t_out = check_parity(lambda t: getattr(F, name)(t, **kwargs),
                                lambda t: getattr(TF, name)(t, **kwargs), [x])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


@pytest.mark.parametrize("name,kwargs", POINTWISE, ids=_ids(POINTWISE))
def test_pointwise_gradcheck(name, kwargs):
    x = _input((2, 5), seed=3)
    # finite differences straddling a kink are meaningless: keep away from them
    x[np.abs(x) < 0.05] = 0.3
    for kink in (-3.0, 3.0, 0.5, 6.0, -1.0, 1.0, 2.0, -0.5, 1.5):
        x[np.abs(x - kink) < 0.05] += 0.2
    gradcheck(lambda t: getattr(F, name)(t, **kwargs), [x])


def test_extreme_values_stay_finite():
    x = np.array([-1000.0, -50.0, 0.0, 50.0, 1000.0], np.float32)
    for name in ("sigmoid", "logsigmoid", "softplus", "silu", "mish", "elu", "selu", "gelu"):
        check_parity(getattr(F, name), getattr(TF, name), [x])


@pytest.mark.parametrize("name", ["relu", "leaky_relu", "elu", "selu", "celu", "hardtanh",
                                  "relu6", "silu", "mish", "hardswish", "hardsigmoid"])
def test_inplace_writes_into_input_and_keeps_gradient(name):
    x = _input((4, 6), seed=5)

    def cynn_fn(t):
        h = t * 1.0
        out = getattr(F, name)(h, inplace=True)
        assert out is h
        return out

    def torch_fn(t):
        return getattr(TF, name)(t * 1.0, inplace=True)

    check_parity(cynn_fn, torch_fn, [x])


def test_inplace_on_leaf_requiring_grad_raises_like_torch():
    x = _input((3,))
    assert_same_error(lambda: F.relu(cy(x, True), inplace=True),
                      lambda: TF.relu(th(x, True), inplace=True))


def test_inplace_without_grad_modifies_storage():
    x = cynn.tensor([-1.0, 2.0, -3.0])
    y = F.leaky_relu_(x, 0.5)
    assert y is x
    np.testing.assert_array_equal(x.numpy(), [-0.5, 2.0, -1.5])


@pytest.mark.parametrize("dim", [0, 1, -1, 2])
@pytest.mark.parametrize("name", ["softmax", "log_softmax", "softmin"])
def test_softmax_family_matches_torch(name, dim):
    x = _input((3, 4, 5), seed=2)
    c_out, t_out = check_parity(lambda t: getattr(F, name)(t, dim),
                                lambda t: getattr(TF, name)(t, dim), [x])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(lambda t: getattr(F, name)(t, dim), [x[:2, :3, :2]])


def test_softmax_is_stable_for_huge_logits():
    x = np.array([[1000.0, 0.0, -1000.0], [-1e4, -1e4, -1e4]], np.float32)
    check_parity(lambda t: F.softmax(t, 1), lambda t: TF.softmax(t, 1), [x])
    check_parity(lambda t: F.log_softmax(t, 1), lambda t: TF.log_softmax(t, 1), [x])


def test_softmax_dtype_argument_casts_first():
    x = _input((2, 3))
    out = F.softmax(cy(x), 1, dtype=cynn.float64)
    assert out.dtype == cynn.float64
    assert_close(out, TF.softmax(th(x), 1, dtype=torch.float64))


@pytest.mark.parametrize("ndim,expected_dim", [(1, 0), (2, 1), (3, 0), (4, 1)])
def test_softmax_implicit_dim_warns_and_picks_torch_dim(ndim, expected_dim):
    x = _input((2, 3, 2, 2)[:ndim])
    with pytest.warns(UserWarning, match="Implicit dimension choice for softmax"):
        out = F.softmax(cy(x))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_close(out, TF.softmax(th(x)))
    assert_close(out, TF.softmax(th(x), expected_dim))


@pytest.mark.parametrize("weight_shape,x_shape", [((1,), (2, 3, 4)), ((3,), (2, 3, 4)),
                                                  ((3,), (5, 3)), ((1,), (6,)), ((1,), ())])
def test_prelu_matches_torch(weight_shape, x_shape):
    x = _input(x_shape, seed=4) if x_shape else np.array(-1.5, np.float32)
    w = rng(9).uniform(0.1, 0.5, weight_shape).astype(np.float32)
    c_out, t_out = check_parity(F.prelu, TF.prelu, [x, w])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(F.prelu, [np.where(np.abs(x) < 0.05, 0.3, x), w])


def test_prelu_errors_match_torch():
    x = _input((2, 4, 3))
    for w in (np.ones(3, np.float32), np.ones((4, 1), np.float32)):
        assert_same_error(lambda: F.prelu(cy(x), cy(w)), lambda: TF.prelu(th(x), th(w)))
    assert_same_error(lambda: F.prelu(cy(x[0, 0]), cy(np.ones(4, np.float32))),
                      lambda: TF.prelu(th(x[0, 0]), th(np.ones(4, np.float32))))


def test_rrelu_training_draws_slopes_in_range_and_backward_uses_them():
    cynn.manual_seed(0)
    x = cynn.tensor(_input((200, 50), seed=6), requires_grad=True)
    lower, upper = 0.1, 0.3
    y = F.rrelu(x, lower, upper, training=True)
    xv, yv = x.detach().numpy(), y.detach().numpy()
    positive = xv > 0
    np.testing.assert_array_equal(yv[positive], xv[positive])
    slopes = yv[~positive & (xv != 0)] / xv[~positive & (xv != 0)]
    assert slopes.min() >= lower - 1e-6 and slopes.max() <= upper + 1e-6
    assert abs(slopes.mean() - (lower + upper) / 2) < 0.01  # U(lower, upper)
    assert slopes.std() > 0.04  # really random, not one slope
    y.sum().backward()
    grad = x.grad.numpy()
    np.testing.assert_array_equal(grad[positive], 1.0)
    np.testing.assert_allclose(grad[~positive & (xv != 0)], slopes, rtol=1e-5)
    assert y.grad_fn.name() == "RreluWithNoiseBackward0"


def test_rrelu_is_reproducible_under_manual_seed():
    x = cy(_input((10, 10)))
    cynn.manual_seed(123)
    a = F.rrelu(x, training=True).numpy().copy()
    cynn.manual_seed(123)
    b = F.rrelu(x, training=True).numpy()
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, F.rrelu(x, training=True).numpy())


def test_rrelu_eval_is_leaky_relu_with_mean_slope():
    x = _input((5, 5))
    check_parity(lambda t: F.rrelu(t, 0.1, 0.5), lambda t: TF.leaky_relu(t, 0.3), [x])


@pytest.mark.parametrize("dim", [-1, 0, 1])
def test_glu_matches_torch(dim):
    x = _input((4, 6, 2))
    check_parity(lambda t: F.glu(t, dim), lambda t: TF.glu(t, dim), [x])
    gradcheck(lambda t: F.glu(t, dim), [x[:2, :2, :2]])


ERRORS = [
    ("gelu bad approximate", lambda M, x: M.gelu(x, approximate="foo")),
    ("hardtanh min > max", lambda M, x: M.hardtanh(x, 2.0, 1.0)),
    ("glu odd", lambda M, x: M.glu(x, 1)),
    ("softmax dim", lambda M, x: M.softmax(x, 2)),
    ("celu alpha 0", lambda M, x: M.celu(x, alpha=0.0)),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    x = _input((3, 5))
    assert_same_error(lambda: call(F, cy(x)), lambda: call(TF, th(x)))


@pytest.mark.parametrize("name", ["leaky_relu", "elu", "selu", "celu", "gelu", "silu", "mish",
                                  "softplus", "logsigmoid", "hardswish", "hardsigmoid"])
def test_integer_input_raises_like_torch(name):
    x = np.array([1, -2], np.int64)
    assert_same_error(lambda: getattr(F, name)(cy(x)), lambda: getattr(TF, name)(th(x)))


@pytest.mark.parametrize("dim", [0, 1])
def test_softmax_integer_input_raises_like_torch(dim):
    x = np.ones((2, 3), np.int64)
    assert_same_error(lambda: F.softmax(cy(x), dim), lambda: TF.softmax(th(x), dim))
    assert_same_error(lambda: F.log_softmax(cy(x), dim), lambda: TF.log_softmax(th(x), dim))


def test_non_tensor_input_raises_type_error_like_torch():
    assert_same_error(lambda: F.relu(3), lambda: TF.relu(3))


def test_rrelu_training_gradcheck_with_fixed_noise():
    def call(t):
        cynn.manual_seed(5)
        return F.rrelu(t, 0.1, 0.4, training=True)

    x = _input((3, 4), seed=8)
    x[np.abs(x) < 0.05] = 0.3
    gradcheck(call, [x])
