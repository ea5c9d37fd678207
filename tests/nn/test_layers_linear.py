"""Linear, Identity, Flatten, Unflatten against torch.nn: repr, parameters,
default initialisation, forward/backward parity."""
import math

import numpy as np
import pytest

import cynn
import cynn.nn as nn
from _nn_parity import assert_same_error, check_module_parity, rng, torch


@pytest.mark.parametrize("args", [(3, 4), (3, 4, False), (1, 1), (20, 7, True)])
def test_linear_repr_parameters_and_state_dict_match_torch(args):
    c, t = nn.Linear(*args), torch.nn.Linear(*args)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    for (cn, cp), (tn, tp) in zip(c.named_parameters(), t.named_parameters()):
        assert cn == tn and tuple(cp.shape) == tuple(tp.shape)
        assert cp.dtype == cynn.float32 and cp.requires_grad
    assert (c.in_features, c.out_features) == (t.in_features, t.out_features)


def test_linear_default_init_is_uniform_with_bound_one_over_sqrt_fan_in():
    c = nn.Linear(400, 300)
    bound = 1 / math.sqrt(400)
    w, b = c.weight.detach().numpy(), c.bias.detach().numpy()
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.01 * bound
    assert b.min() >= -bound and b.max() <= bound and b.std() > 0.5 * bound / math.sqrt(3)


def test_linear_init_follows_manual_seed():
    cynn.manual_seed(3)
    a = nn.Linear(5, 4).weight.detach().numpy().copy()
    cynn.manual_seed(3)
    np.testing.assert_array_equal(a, nn.Linear(5, 4).weight.detach().numpy())


@pytest.mark.parametrize("x_shape", [(8, 5), (5,), (2, 3, 5)])
@pytest.mark.parametrize("bias", [True, False])
def test_linear_forward_backward_match_torch(x_shape, bias):
    c, t = nn.Linear(5, 3, bias=bias), torch.nn.Linear(5, 3, bias=bias)
    x = rng(1).standard_normal(x_shape).astype(np.float32)
    check_module_parity(c, t, x)


def test_linear_wrong_input_size_raises_like_torch():
    c, t = nn.Linear(5, 3), torch.nn.Linear(5, 3)
    x = np.ones((2, 4), np.float32)
    assert_same_error(lambda: c(cynn.from_numpy(x)), lambda: t(torch.from_numpy(x)))


def test_identity_ignores_arguments_and_returns_input():
    m = nn.Identity(54, unused_argument1=0.1)
    assert repr(m) == repr(torch.nn.Identity(54, unused_argument1=0.1))
    x = cynn.randn(3, 4)
    assert m(x) is x


@pytest.mark.parametrize("start,end", [(1, -1), (0, -1), (1, 2), (2, 3)])
def test_flatten_matches_torch(start, end):
    c, t = nn.Flatten(start, end), torch.nn.Flatten(start, end)
    assert repr(c) == repr(t)
    check_module_parity(c, t, rng(2).standard_normal((2, 3, 4, 5)).astype(np.float32))


def test_unflatten_matches_torch():
    c, t = nn.Unflatten(1, (2, 5, 5)), torch.nn.Unflatten(1, (2, 5, 5))
    assert repr(c) == repr(t)
    check_module_parity(c, t, rng(2).standard_normal((3, 50)).astype(np.float32))
    assert_same_error(lambda: nn.Unflatten(1, (2, 5.0)), lambda: torch.nn.Unflatten(1, (2, 5.0)))
    assert_same_error(lambda: nn.Unflatten(1, 5), lambda: torch.nn.Unflatten(1, 5))
