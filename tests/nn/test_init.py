"""cynn.nn.init against torch.nn.init: gains, fans, the statistics of every random
initialiser on large tensors (against the formulas PyTorch documents), exact
deterministic initialisers, in-place / no-graph semantics and PyTorch's errors."""
import math
import warnings

import numpy as np
import pytest

import cynn
import cynn.nn as nn
from cynn.nn import init
from _nn_parity import assert_same_error, torch

TI = torch.nn.init

NONLINEARITIES = ["linear", "conv1d", "conv2d", "conv3d", "conv_transpose1d", "conv_transpose2d",
                  "conv_transpose3d", "sigmoid", "tanh", "relu", "leaky_relu", "selu"]


@pytest.mark.parametrize("nonlinearity", NONLINEARITIES)
def test_calculate_gain_equals_torch(nonlinearity):
    assert init.calculate_gain(nonlinearity) == TI.calculate_gain(nonlinearity)


@pytest.mark.parametrize("param", [0.2, 0, 3, math.sqrt(5)])
def test_leaky_relu_gain_with_slope_equals_torch(param):
    assert init.calculate_gain("leaky_relu", param) == TI.calculate_gain("leaky_relu", param)


@pytest.mark.parametrize("args", [("swish",), ("leaky_relu", "0.1"), ("leaky_relu", True)])
def test_calculate_gain_errors_match_torch(args):
    assert_same_error(lambda: init.calculate_gain(*args), lambda: TI.calculate_gain(*args))


@pytest.mark.parametrize("shape", [(3, 5), (8, 4, 3), (16, 3, 5, 5), (4, 2, 3, 3, 3), (0, 3)])
def test_fan_in_and_fan_out_equal_torch(shape):
    assert init._calculate_fan_in_and_fan_out(cynn.empty(*shape)) == \
        TI._calculate_fan_in_and_fan_out(torch.empty(*shape))


@pytest.mark.parametrize("shape", [(5,), ()])
def test_fan_of_fewer_than_two_dims_raises_like_torch(shape):
    assert_same_error(lambda: init._calculate_fan_in_and_fan_out(cynn.empty(shape)),
                      lambda: TI._calculate_fan_in_and_fan_out(torch.empty(shape)))
    assert_same_error(lambda: init.xavier_uniform_(cynn.empty(shape)),
                      lambda: TI.xavier_uniform_(torch.empty(shape)))


# shape of a large weight: (out, in, k, k) -> fan_in = 64 * 9, fan_out = 128 * 9
SHAPE = (128, 64, 3, 3)
FAN_IN, FAN_OUT = 64 * 9, 128 * 9


def _uniform_bound_check(values, bound):
    assert values.min() >= -bound and values.max() <= bound
    assert values.min() < -0.99 * bound and values.max() > 0.99 * bound
    assert abs(values.mean()) < 0.01 * bound
    assert abs(values.std() - bound / math.sqrt(3)) < 0.01 * bound


def _normal_check(values, mean, std):
    assert abs(values.mean() - mean) < 0.01 * std + 1e-6
    assert abs(values.std() - std) < 0.01 * std


UNIFORM_CASES = [
    ("uniform", lambda t, m: m.uniform_(t, -0.3, 0.3), 0.3),
    ("xavier_uniform", lambda t, m: m.xavier_uniform_(t),
     math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ("xavier_uniform gain", lambda t, m: m.xavier_uniform_(t, gain=2.0),
     2.0 * math.sqrt(6 / (FAN_IN + FAN_OUT))),
    ("kaiming_uniform", lambda t, m: m.kaiming_uniform_(t),
     math.sqrt(2 / (1 + 0.0)) * math.sqrt(3 / FAN_IN)),
    ("kaiming_uniform a=sqrt5", lambda t, m: m.kaiming_uniform_(t, a=math.sqrt(5)),
     1 / math.sqrt(FAN_IN)),
    ("kaiming_uniform fan_out relu",
     lambda t, m: m.kaiming_uniform_(t, mode="fan_out", nonlinearity="relu"),
     math.sqrt(2) * math.sqrt(3 / FAN_OUT)),
]


@pytest.mark.parametrize("fill,bound", [c[1:] for c in UNIFORM_CASES],
                         ids=[c[0] for c in UNIFORM_CASES])
def test_uniform_initialisers_follow_the_documented_bound(fill, bound):
    c = cynn.empty(*SHAPE)
    assert fill(c, init) is c
    _uniform_bound_check(c.numpy(), bound)
    t = torch.empty(*SHAPE)
    fill(t, TI)
    _uniform_bound_check(t.numpy(), bound)  # the formula is torch's


NORMAL_CASES = [
    ("normal", lambda t, m: m.normal_(t, 0.5, 2.0), 0.5, 2.0),
    ("xavier_normal", lambda t, m: m.xavier_normal_(t), 0.0,
     math.sqrt(2 / (FAN_IN + FAN_OUT))),
    ("kaiming_normal", lambda t, m: m.kaiming_normal_(t), 0.0, math.sqrt(2 / FAN_IN)),
    ("kaiming_normal leaky fan_out",
     lambda t, m: m.kaiming_normal_(t, a=0.2, mode="fan_out"), 0.0,
     math.sqrt(2 / (1 + 0.04)) / math.sqrt(FAN_OUT)),
    ("kaiming_normal tanh", lambda t, m: m.kaiming_normal_(t, nonlinearity="tanh"), 0.0,
     (5 / 3) / math.sqrt(FAN_IN)),
]


@pytest.mark.parametrize("fill,mean,std", [c[1:] for c in NORMAL_CASES],
                         ids=[c[0] for c in NORMAL_CASES])
def test_normal_initialisers_follow_the_documented_std(fill, mean, std):
    c = cynn.empty(*SHAPE)
    assert fill(c, init) is c
    _normal_check(c.numpy(), mean, std)
    t = torch.empty(*SHAPE)
    fill(t, TI)
    _normal_check(t.numpy(), mean, std)


@pytest.mark.parametrize("mean,std,a,b", [(0.0, 1.0, -2.0, 2.0), (0.5, 0.2, 0.0, 1.0),
                                          (0.0, 1.0, 2.0, 4.0)])
def test_trunc_normal_stays_in_bounds_with_torch_moments(mean, std, a, b):
    c, t = cynn.empty(300, 300), torch.empty(300, 300)
    assert init.trunc_normal_(c, mean, std, a, b) is c
    TI.trunc_normal_(t, mean, std, a, b)
    cv, tv = c.numpy(), t.numpy()
    assert cv.min() >= a and cv.max() <= b
    assert abs(cv.mean() - tv.mean()) < 0.01 * std
    assert abs(cv.std() - tv.std()) < 0.01 * std


def test_trunc_normal_far_mean_warns_like_torch():
    with pytest.warns(UserWarning, match="mean is more than 2 std from"):
        init.trunc_normal_(cynn.empty(10), mean=10.0)


@pytest.mark.parametrize("fill", [lambda t, m: m.constant_(t, 0.3), lambda t, m: m.ones_(t),
                                  lambda t, m: m.zeros_(t), lambda t, m: m.eye_(t)],
                         ids=["constant", "ones", "zeros", "eye"])
@pytest.mark.parametrize("shape", [(3, 5), (4, 4)])
def test_deterministic_initialisers_equal_torch(fill, shape):
    c, t = cynn.empty(*shape), torch.empty(*shape)
    assert fill(c, init) is c
    fill(t, TI)
    np.testing.assert_array_equal(c.numpy(), t.numpy())


@pytest.mark.parametrize("shape,groups", [((4, 4, 3), 1), ((6, 3, 3, 3), 2),
                                          ((4, 6, 3, 3, 3), 1), ((8, 2, 5, 4), 4)])
def test_dirac_equals_torch(shape, groups):
    c, t = cynn.empty(*shape), torch.empty(*shape)
    init.dirac_(c, groups)
    TI.dirac_(t, groups)
    np.testing.assert_array_equal(c.numpy(), t.numpy())


@pytest.mark.parametrize("shape", [(20, 50), (50, 20), (16, 4, 3, 3), (30, 30)])
@pytest.mark.parametrize("gain", [1.0, 2.5])
def test_orthogonal_gives_orthonormal_rows_or_columns(shape, gain):
    c = cynn.empty(*shape)
    assert init.orthogonal_(c, gain) is c
    flat = c.numpy().reshape(shape[0], -1).astype(np.float64) / gain
    small = min(flat.shape)
    gram = flat @ flat.T if flat.shape[0] == small else flat.T @ flat
    np.testing.assert_allclose(gram, np.eye(small), atol=1e-5)


def test_sparse_zeroes_the_requested_fraction_per_column():
    c = cynn.empty(20, 30)
    init.sparse_(c, 0.25, std=0.5)
    zeros_per_column = (c.numpy() == 0).sum(axis=0)
    np.testing.assert_array_equal(zeros_per_column, math.ceil(0.25 * 20))


def test_initialisers_fill_leaf_parameters_without_recording_a_graph():
    p = nn.Parameter(cynn.empty(8, 4))
    version = p._version[0]
    for fill in (init.kaiming_uniform_, init.xavier_normal_, init.orthogonal_, init.zeros_):
        out = fill(p)
        assert out is p and p.grad_fn is None and p.requires_grad and p.is_leaf
    assert p._version[0] > version


def test_initialisers_draw_from_cynn_seed():
    a, b = cynn.empty(5, 5), cynn.empty(5, 5)
    cynn.manual_seed(11)
    init.kaiming_uniform_(a)
    cynn.manual_seed(11)
    init.kaiming_uniform_(b)
    np.testing.assert_array_equal(a.numpy(), b.numpy())


def test_zero_element_kaiming_warns_and_is_a_no_op():
    with pytest.warns(UserWarning, match="Initializing zero-element tensors is a no-op"):
        init.kaiming_uniform_(cynn.empty(0, 3))


ERRORS = [
    ("eye_ 3-d", lambda m, lib: m.eye_(lib.empty(2, 2, 2))),
    ("dirac_ 2-d", lambda m, lib: m.dirac_(lib.empty(2, 2))),
    ("dirac_ groups", lambda m, lib: m.dirac_(lib.empty(5, 2, 3), groups=2)),
    ("orthogonal_ 1-d", lambda m, lib: m.orthogonal_(lib.empty(4))),
    ("kaiming mode", lambda m, lib: m.kaiming_uniform_(lib.empty(3, 4), mode="fan_avg")),
    ("kaiming nonlinearity", lambda m, lib: m.kaiming_normal_(lib.empty(3, 4),
                                                              nonlinearity="swish")),
    ("sparse_ 3-d", lambda m, lib: m.sparse_(lib.empty(2, 2, 2), 0.5)),
]


@pytest.mark.parametrize("call", [c for _, c in ERRORS], ids=[n for n, _ in ERRORS])
def test_errors_match_torch(call):
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert_same_error(lambda: call(init, cynn), lambda: call(TI, torch))
