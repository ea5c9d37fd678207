"""Conv1d/2d/3d and ConvTranspose1d/2d/3d against torch.nn: constructor checks,
attributes, weight shapes, default initialisation, repr, and forward/backward
parity (input, weight and bias gradients) over option grids incl. padding modes."""
import math
import re

import numpy as np
import pytest

import cynn
import cynn.nn as nn
from _nn_parity import (assert_same_error, check_module_parity, check_parity, copy_state, rng,
                        torch)


def _pair(name):
    return getattr(nn, name), getattr(torch.nn, name)


def _x(shape, seed=1):
    return rng(seed).standard_normal(shape).astype(np.float32)


CONV2D_OPTIONS = [
    {}, {"stride": 2}, {"padding": 1}, {"padding": (2, 1), "stride": (2, 1)},
    {"dilation": 2}, {"groups": 2}, {"bias": False}, {"padding": "same"},
    {"padding": "same", "dilation": 2}, {"padding": "valid"},
    {"padding": 1, "padding_mode": "reflect"}, {"padding": (1, 2), "padding_mode": "replicate"},
    {"padding": 2, "padding_mode": "circular"}, {"padding": "same", "padding_mode": "reflect"},
    {"padding": 1, "groups": 4, "stride": 2, "dilation": (1, 2)},
]


@pytest.mark.parametrize("options", CONV2D_OPTIONS, ids=[str(o) for o in CONV2D_OPTIONS])
def test_conv2d_matches_torch(options):
    c, t = nn.Conv2d(4, 8, 3, **options), torch.nn.Conv2d(4, 8, 3, **options)
    assert repr(c) == repr(t)
    for attr in ("in_channels", "out_channels", "kernel_size", "stride", "padding", "dilation",
                 "groups", "padding_mode", "output_padding", "transposed",
                 "_reversed_padding_repeated_twice"):
        assert tuple(np.atleast_1d(getattr(c, attr))) == \
            tuple(np.atleast_1d(getattr(t, attr))), attr
    check_module_parity(c, t, _x((2, 4, 9, 8)))


@pytest.mark.parametrize("options", [{}, {"stride": 2, "padding": 1}, {"padding": "same",
                                                                        "dilation": 3},
                                     {"groups": 2, "bias": False},
                                     {"padding": 2, "padding_mode": "reflect"},
                                     {"padding": 1, "padding_mode": "circular"},
                                     {"padding": 3, "padding_mode": "replicate"}])
def test_conv1d_matches_torch(options):
    c, t = nn.Conv1d(4, 6, 3, **options), torch.nn.Conv1d(4, 6, 3, **options)
    assert repr(c) == repr(t)
    check_module_parity(c, t, _x((3, 4, 11)))


@pytest.mark.parametrize("options", [{}, {"stride": (1, 2, 1), "padding": 1},
                                     {"padding": "same"}, {"groups": 2, "dilation": (1, 1, 2)},
                                     {"padding": 1, "padding_mode": "replicate"},
                                     {"padding": 1, "padding_mode": "circular"}])
def test_conv3d_matches_torch(options):
    c, t = nn.Conv3d(2, 4, (2, 3, 3), **options), torch.nn.Conv3d(2, 4, (2, 3, 3), **options)
    assert repr(c) == repr(t)
    check_module_parity(c, t, _x((2, 2, 4, 5, 6)))


def test_unbatched_input_matches_torch():
    c, t = nn.Conv2d(3, 5, 3, padding=1), torch.nn.Conv2d(3, 5, 3, padding=1)
    check_module_parity(c, t, _x((3, 6, 6)))


TRANSPOSE_OPTIONS = [{}, {"stride": 2}, {"stride": 2, "output_padding": 1},
                     {"stride": (2, 3), "padding": 1, "output_padding": (1, 2)},
                     {"groups": 2}, {"dilation": 2, "bias": False},
                     {"stride": 3, "padding": 2, "dilation": 2, "output_padding": 1}]


@pytest.mark.parametrize("options", TRANSPOSE_OPTIONS, ids=[str(o) for o in TRANSPOSE_OPTIONS])
def test_conv_transpose2d_matches_torch(options):
    c, t = nn.ConvTranspose2d(4, 6, 3, **options), torch.nn.ConvTranspose2d(4, 6, 3, **options)
    assert repr(c) == repr(t)
    assert tuple(c.weight.shape) == tuple(t.weight.shape)
    check_module_parity(c, t, _x((2, 4, 5, 4)))


@pytest.mark.parametrize("output_size", [[11, 11], (2, 6, 12, 12), [12, 11]])
def test_conv_transpose2d_output_size_matches_torch(output_size):
    c = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    t = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    x = _x((2, 4, 6, 6))
    copy_state(c, t)
    out, _ = check_parity(lambda a: c(a, output_size=output_size),
                          lambda a: t(a, output_size=output_size), [x])
    assert tuple(out[0].shape[-2:]) == tuple(output_size[-2:])


def test_conv_transpose_output_size_errors_match_torch():
    c = nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    t = torch.nn.ConvTranspose2d(4, 6, 3, stride=2, padding=1)
    x = _x((2, 4, 6, 6))
    for size in ([14, 14], [5]):
        assert_same_error(lambda: c(cynn.from_numpy(x), output_size=size),
                          lambda: t(torch.from_numpy(x), output_size=size))


@pytest.mark.parametrize("name,dims", [("ConvTranspose1d", 1), ("ConvTranspose3d", 3)])
def test_conv_transpose_1d_3d_match_torch(name, dims):
    c_cls, t_cls = _pair(name)
    c, t = c_cls(2, 4, 3, stride=2, output_padding=1), t_cls(2, 4, 3, stride=2, output_padding=1)
    assert repr(c) == repr(t)
    check_module_parity(c, t, _x((2, 2) + (4,) * dims))


@pytest.mark.parametrize("args,kwargs,shape", [
    ((6, 6, 3), {"groups": 3}, (6, 2, 3, 3)), ((4, 8, (3, 5)), {}, (8, 4, 3, 5)),
    ((4, 8, 3), {"groups": 4}, (8, 1, 3, 3))])
def test_conv2d_weight_shape_matches_torch(args, kwargs, shape):
    assert tuple(nn.Conv2d(*args, **kwargs).weight.shape) == shape == \
        tuple(torch.nn.Conv2d(*args, **kwargs).weight.shape)


def test_conv_transpose2d_weight_shape_is_in_out_over_groups():
    assert tuple(nn.ConvTranspose2d(6, 4, 3, groups=2).weight.shape) == (6, 2, 3, 3)


def test_conv_default_init_bound_is_one_over_sqrt_fan_in():
    c = nn.Conv2d(32, 64, 5, groups=2)
    fan_in = 16 * 25
    bound = 1 / math.sqrt(fan_in)
    w, b = c.weight.detach().numpy(), c.bias.detach().numpy()
    assert w.min() >= -bound and w.max() <= bound and w.max() > 0.99 * bound
    assert abs(w.std() - bound / math.sqrt(3)) < 0.02 * bound
    assert b.min() >= -bound and b.max() <= bound


def test_state_dict_keys_match_torch():
    for args, kw in (((3, 4, 3), {}), ((3, 4, 3), {"bias": False})):
        assert list(nn.Conv2d(*args, **kw).state_dict()) == \
            list(torch.nn.Conv2d(*args, **kw).state_dict())


CONSTRUCTOR_ERRORS = [
    ("Conv2d", (5, 6, 3), {"groups": 2}),
    ("Conv2d", (4, 6, 3), {"groups": 4}),
    ("Conv2d", (4, 6, 3), {"groups": 0}),
    ("Conv2d", (4, 6, 3), {"padding": "full"}),
    ("Conv2d", (4, 6, 3), {"padding": "same", "stride": 2}),
    ("Conv1d", (4, 6, 3), {"padding": "same", "stride": (2,)}),
    ("Conv2d", (4, 6, 3), {"padding_mode": "mirror"}),
    ("ConvTranspose2d", (4, 6, 3), {"padding_mode": "reflect"}),
    ("ConvTranspose2d", (5, 6, 3), {"groups": 2}),
]


@pytest.mark.parametrize("name,args,kwargs", CONSTRUCTOR_ERRORS,
                         ids=[f"{n}{a}{k}" for n, a, k in CONSTRUCTOR_ERRORS])
def test_constructor_errors_match_torch(name, args, kwargs):
    c_cls, t_cls = _pair(name)
    with pytest.raises(Exception) as expected:
        t_cls(*args, **kwargs)
    with pytest.raises(type(expected.value)) as got:
        c_cls(*args, **kwargs)
    assert type(got.value) is type(expected.value)
    # PyTorch prints the valid choices as a set, whose order varies between processes
    assert _sorted_sets(str(got.value)) == _sorted_sets(str(expected.value))


def _sorted_sets(message):
    return re.sub(r"\{([^}]*)\}", lambda m: "{" + ", ".join(sorted(m.group(1).split(", "))) + "}",
                  message)


def test_forward_errors_match_torch():
    c, t = nn.Conv2d(4, 6, 3), torch.nn.Conv2d(4, 6, 3)
    for shape in ((2, 3, 8, 8), (2, 4, 2, 2), (4, 8)):
        x = _x(shape)
        assert_same_error(lambda: c(cynn.from_numpy(x)), lambda: t(torch.from_numpy(x)))
