"""``pixel_shuffle``/``pixel_unshuffle``, ``channel_shuffle``/``native_channel_shuffle``
and their modules against torch: values, gradients, grad_fn names, errors, ranks,
empty tensors, gradchecks."""
import numpy as np
import pytest

import cynn
from _nn_parity import assert_same_error, check_parity, gradcheck, torch
from cynn.autograd import gradgradcheck
from cynn.nn.functional import vision as F
from cynn.nn.modules import channelshuffle as CS
from cynn.nn.modules import pixelshuffle as PS

TF = torch.nn.functional


def _x(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _parity(name, x, factor):
    c_out, t_out = check_parity(lambda t: getattr(F, name)(t, factor),
                                lambda t: getattr(TF, name)(t, factor), [x])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


@pytest.mark.parametrize("shape,r", [((2, 8, 3, 5), 2), ((9, 2, 2), 3), ((2, 1, 4, 2, 3), 2),
                                     ((1, 5, 3, 4), 1)])
def test_pixel_shuffle_matches_torch(shape, r):
    _parity("pixel_shuffle", _x(shape), r)


@pytest.mark.parametrize("shape,r", [((2, 2, 4, 6), 2), ((1, 6, 9), 3), ((2, 1, 3, 4, 2), 2)])
def test_pixel_unshuffle_matches_torch(shape, r):
    _parity("pixel_unshuffle", _x(shape), r)


@pytest.mark.parametrize("shape,groups", [((2, 6, 4), 3), ((2, 6, 3, 2), 2), ((1, 4, 2, 2, 2), 4),
                                          ((0, 4, 3), 2), ((2, 5, 2), 1)])
def test_channel_shuffle_matches_torch(shape, groups):
    _parity("channel_shuffle", _x(shape), groups)


def test_empty_batch():
    # torch itself returns the input's shape for an empty input that requires grad
    # (the documented shape without grad), so only the forward is compared, untracked
    x = _x((0, 4, 2, 2))
    assert F.pixel_shuffle(cynn.tensor(x), 2).shape == TF.pixel_shuffle(torch.tensor(x), 2).shape
    assert F.pixel_unshuffle(cynn.tensor(x), 2).shape == (0, 16, 1, 1)
    y = F.pixel_shuffle(cynn.tensor(x, requires_grad=True), 2)
    y.sum().backward()
    # no channels: torch's own backward refuses (it shuffles back with 0 groups)
    x = _x((2, 0, 3))
    assert F.channel_shuffle(cynn.tensor(x), 2).shape == (2, 0, 3)
    c = cynn.tensor(x, requires_grad=True)
    F.channel_shuffle(c, 2).sum().backward()
    assert c.grad.shape == (2, 0, 3)


def test_native_channel_shuffle_values_and_no_derivative():
    x = _x((2, 6, 3))
    got = F.native_channel_shuffle(cynn.tensor(x), 3)
    np.testing.assert_array_equal(got.numpy(),
                                  TF.native_channel_shuffle(torch.tensor(x), 3).numpy())
    c = F.native_channel_shuffle(cynn.tensor(x, requires_grad=True), 3)
    t = TF.native_channel_shuffle(torch.tensor(x, requires_grad=True), 3)
    assert c.grad_fn.name() == t.grad_fn.name()
    assert_same_error(lambda: c.sum().backward(), lambda: t.sum().backward())


def test_gradcheck_and_second_order():
    for name, shape, r in (("pixel_shuffle", (1, 8, 2, 3), 2),
                           ("pixel_unshuffle", (1, 2, 4, 6), 2),
                           ("channel_shuffle", (1, 6, 2), 3)):
        fn = lambda t: getattr(F, name)(t, r) ** 2  # noqa: E731
        gradcheck(fn, [_x(shape)])
        assert gradgradcheck(fn, (cynn.tensor(_x(shape, np.float64), requires_grad=True),))


def test_integer_input():
    x = np.arange(16).reshape(1, 4, 2, 2)
    np.testing.assert_array_equal(F.pixel_shuffle(cynn.tensor(x), 2).numpy(),
                                  TF.pixel_shuffle(torch.tensor(x), 2).numpy())


@pytest.mark.parametrize("name,shape,factor", [
    ("pixel_shuffle", (4, 4), 2), ("pixel_shuffle", (1, 3, 2, 2), 2),
    ("pixel_shuffle", (1, 4, 2, 2), 0), ("pixel_shuffle", (1, 4, 2, 2), -1),
    ("pixel_shuffle", (1, 4, 2, 2), 2.0), ("pixel_shuffle", (1, 4, 2, 2), True),
    ("pixel_unshuffle", (1, 1, 3, 4), 2), ("pixel_unshuffle", (1, 1, 4, 3), 2),
    ("pixel_unshuffle", (1, 1, 4, 4), 0), ("pixel_unshuffle", (4, 4), 2),
    ("channel_shuffle", (1, 2, 4, 4), 0), ("channel_shuffle", (1, 2, 4, 4), -1),
    ("channel_shuffle", (1, 2, 4, 4), 3), ("channel_shuffle", (2, 4), 2),
    ("channel_shuffle", (4,), 2), ("channel_shuffle", (1, 2, 4, 4), 2.0),
    ("native_channel_shuffle", (1, 2, 4, 4), 3), ("native_channel_shuffle", (2, 4), 2),
])
def test_errors_match_torch(name, shape, factor):
    x = _x(shape)
    assert_same_error(lambda: getattr(F, name)(cynn.tensor(x), factor),
                      lambda: getattr(TF, name)(torch.tensor(x), factor))


def test_modules_match_torch():
    for c, t, shape in ((PS.PixelShuffle(2), torch.nn.PixelShuffle(2), (2, 8, 3, 3)),
                        (PS.PixelUnshuffle(3), torch.nn.PixelUnshuffle(3), (2, 1, 6, 3)),
                        (CS.ChannelShuffle(2), torch.nn.ChannelShuffle(2), (2, 4, 3, 3))):
        assert repr(c) == repr(t)
        check_parity(c, t, [_x(shape)])
