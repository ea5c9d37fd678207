"""Pooling layers against torch.nn: repr and attributes, forward/backward parity
over option grids, return_indices and the MaxPool2d -> MaxUnpool2d round trip."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
from _nn_parity import assert_close, check_module_parity, check_parity, rng, torch


def _x(shape, seed=1):
    # distinct values: ties would make the max's argmax (and its gradient) ambiguous
    return rng(seed).permutation(int(np.prod(shape))).reshape(shape).astype(np.float32) / 7


CASES = [
    ("MaxPool2d", (2,), {}), ("MaxPool2d", (3,), {"stride": 2, "padding": 1}),
    ("MaxPool2d", ((2, 3),), {"stride": (1, 2), "dilation": (2, 1), "ceil_mode": True}),
    ("MaxPool1d", (3,), {"stride": 2, "padding": 1}), ("MaxPool1d", (2,), {"ceil_mode": True}),
    ("AvgPool2d", (2,), {}), ("AvgPool2d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool2d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool2d", ((2, 3),), {"ceil_mode": True, "divisor_override": 4}),
    ("AvgPool1d", (3,), {"stride": 2, "padding": 1, "count_include_pad": False}),
    ("AvgPool1d", (2,), {"ceil_mode": True}),
    ("AdaptiveAvgPool2d", ((3, 2),), {}), ("AdaptiveAvgPool2d", (1,), {}),
    ("AdaptiveAvgPool2d", ((None, 3),), {}), ("AdaptiveMaxPool2d", ((3, 2),), {}),
    ("AdaptiveMaxPool2d", (4,), {}),
]


@pytest.mark.parametrize("name,args,kwargs", CASES, ids=[f"{n}{a}{k}" for n, a, k in CASES])
def test_pooling_layers_match_torch(name, args, kwargs):
    c, t = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(c) == repr(t)
    shape = (2, 3, 9) if name.endswith("1d") else (2, 3, 9, 7)
    check_module_parity(c, t, _x(shape))
    unbatched = shape[1:]
    check_module_parity(c, t, _x(unbatched, 2))


@pytest.mark.parametrize("name,args", [("MaxPool2d", (2,)), ("MaxPool1d", (3,)),
                                       ("AdaptiveMaxPool2d", ((2, 3),))])
def test_return_indices_matches_torch(name, args):
    c = getattr(nn, name)(*args, return_indices=True)
    t = getattr(torch.nn, name)(*args, return_indices=True)
    shape = (2, 3, 9) if name.endswith("1d") else (2, 3, 8, 6)
    (c_out, c_idx), (t_out, t_idx) = check_parity(c, t, [_x(shape)])
    assert c_idx.dtype == cynn.int64
    np.testing.assert_array_equal(c_idx.numpy(), t_idx.numpy())


@pytest.mark.parametrize("kernel,stride,padding", [(2, None, 0), (3, 2, 1), ((2, 3), (2, 2), 0)])
def test_max_unpool2d_inverts_max_pool2d_like_torch(kernel, stride, padding):
    c_pool = nn.MaxPool2d(kernel, stride, padding, return_indices=True)
    c_unpool = nn.MaxUnpool2d(kernel, stride, padding)
    t_pool = torch.nn.MaxPool2d(kernel, stride, padding, return_indices=True)
    t_unpool = torch.nn.MaxUnpool2d(kernel, stride, padding)
    assert repr(c_unpool) == repr(t_unpool)

    def c_round_trip(x):
        return c_unpool(*c_pool(x), output_size=x.shape)

    def t_round_trip(x):
        return t_unpool(*t_pool(x), output_size=x.shape)

    check_parity(c_round_trip, t_round_trip, [_x((2, 3, 8, 7))])


def test_pool_stride_defaults_to_kernel_size():
    assert nn.MaxPool2d(3).stride == 3 == torch.nn.MaxPool2d(3).stride
    assert nn.AvgPool1d(3).stride == (3,) == torch.nn.AvgPool1d(3).stride
    assert nn.MaxUnpool2d(2).stride == (2, 2)


def test_global_average_pool_equals_mean():
    x = cynn.randn(2, 5, 4, 3)
    assert_close(nn.AdaptiveAvgPool2d(1)(x), x.mean((2, 3), keepdim=True))
