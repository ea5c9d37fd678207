"""Activation and dropout layers against torch.nn: repr, forward/backward parity,
PReLU's learnable slope, RReLU and dropout in train vs eval, in-place layers."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
from _nn_parity import (assert_same_error, check_module_parity, check_parity, copy_state, rng,
                        torch)


def _x(shape=(3, 4, 5), seed=1):
    return (rng(seed).standard_normal(shape) * 2).astype(np.float32)


LAYERS = [
    ("ReLU", {}), ("LeakyReLU", {}), ("LeakyReLU", {"negative_slope": 0.2}), ("ELU", {}),
    ("ELU", {"alpha": 0.3}), ("SELU", {}), ("CELU", {"alpha": 2.0}), ("Sigmoid", {}),
    ("Tanh", {}), ("Softmax", {"dim": 1}), ("Softmax", {"dim": -1}), ("LogSoftmax", {"dim": 1}),
    ("Softmin", {"dim": 0}), ("GELU", {}), ("GELU", {"approximate": "tanh"}), ("SiLU", {}),
    ("Mish", {}), ("Hardswish", {}), ("Hardsigmoid", {}), ("Hardtanh", {}),
    ("Hardtanh", {"min_val": -0.5, "max_val": 3.0}), ("ReLU6", {}), ("Softplus", {"beta": 2}),
    ("LogSigmoid", {}), ("Softsign", {}), ("Tanhshrink", {}), ("GLU", {"dim": 1}),
    ("Threshold", {"threshold": 0.1, "value": 20.0}), ("Softmax2d", {}),
]


@pytest.mark.parametrize("name,kwargs", LAYERS, ids=[f"{n}{k}" for n, k in LAYERS])
def test_activation_layers_match_torch(name, kwargs):
    c, t = getattr(nn, name)(**kwargs), getattr(torch.nn, name)(**kwargs)
    assert repr(c) == repr(t)
    check_module_parity(c, t, _x((2, 4, 3, 5) if name == "Softmax2d" else (3, 4, 5)))


@pytest.mark.parametrize("name,kwargs", [("ReLU", {}), ("LeakyReLU", {"negative_slope": 0.1}),
                                         ("ELU", {}), ("SELU", {}), ("CELU", {}), ("SiLU", {}),
                                         ("Hardtanh", {}), ("ReLU6", {}), ("Mish", {}),
                                         ("RReLU", {})])
def test_inplace_layers_match_torch(name, kwargs):
    c = getattr(nn, name)(inplace=True, **kwargs)
    t = getattr(torch.nn, name)(inplace=True, **kwargs)
    assert repr(c) == repr(t)
    c.eval()
    t.eval()

    def run(module):
        return lambda x: module(x * 1.0)

    check_parity(run(c), run(t), [_x()])


@pytest.mark.parametrize("num_parameters,shape", [(1, (3, 4, 5)), (4, (3, 4, 5)), (4, (6, 4)),
                                                  (1, (7,))])
def test_prelu_layer_learns_its_slope_like_torch(num_parameters, shape):
    c, t = nn.PReLU(num_parameters), torch.nn.PReLU(num_parameters)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == ["weight"]
    np.testing.assert_array_equal(c.weight.detach().numpy(), np.full(num_parameters, 0.25))
    with torch.no_grad():
        t.weight.uniform_(0.1, 0.4)
    copy_state(c, t)
    check_module_parity(c, t, _x(shape))
    assert np.any(c.weight.grad.numpy())


def test_prelu_init_argument():
    assert np.all(nn.PReLU(3, init=0.1).weight.detach().numpy() == np.float32(0.1))


def test_rrelu_layer_is_random_in_train_and_fixed_in_eval():
    c, t = nn.RReLU(0.1, 0.3), torch.nn.RReLU(0.1, 0.3)
    assert repr(c) == repr(t)
    x = cynn.from_numpy(-np.abs(_x((50, 50))))
    train_slopes = (c(x) / x).numpy()
    assert train_slopes.std() > 0.03 and 0.1 <= train_slopes.min() and train_slopes.max() <= 0.3
    c.eval()
    t.eval()
    check_module_parity(c, t, _x())


@pytest.mark.parametrize("name,shape", [("Dropout", (20, 30)), ("Dropout1d", (4, 6, 10)),
                                        ("Dropout2d", (4, 6, 3, 3)),
                                        ("Dropout3d", (2, 6, 2, 2, 2)),
                                        ("AlphaDropout", (20, 30)),
                                        ("FeatureAlphaDropout", (4, 6, 3, 3))])
def test_dropout_layers_train_vs_eval(name, shape):
    c, t = getattr(nn, name)(p=0.4), getattr(torch.nn, name)(p=0.4)
    assert repr(c) == repr(t)
    x = cynn.from_numpy(np.ones(shape, np.float32) * 3)
    cynn.manual_seed(0)
    out = c(x).numpy()
    assert not np.allclose(out, 3.0)  # something was dropped or rescaled in training
    c.eval()
    assert c(x) is x


def test_dropout_inplace_repr_and_probability_check_match_torch():
    assert repr(nn.Dropout(0.2, inplace=True)) == repr(torch.nn.Dropout(0.2, inplace=True))
    assert_same_error(lambda: nn.Dropout(1.5), lambda: torch.nn.Dropout(1.5))
    assert_same_error(lambda: nn.Dropout2d(-0.1), lambda: torch.nn.Dropout2d(-0.1))


def test_constructor_and_input_errors_match_torch():
    assert_same_error(lambda: nn.Hardtanh(1.0, -1.0), lambda: torch.nn.Hardtanh(1.0, -1.0))
    x = np.ones((3, 4), np.float32)
    assert_same_error(lambda: nn.Softmax2d()(cynn.from_numpy(x)),
                      lambda: torch.nn.Softmax2d()(torch.from_numpy(x)))
