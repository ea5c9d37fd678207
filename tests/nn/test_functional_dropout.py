"""Dropout functions: statistics of the masks, scaling, channel-wise masks,
identity out of training, gradients through the mask, seeding, in-place use and
PyTorch's errors and warnings. (Masks are random, so the comparison with torch is
on distributions and invariants, not on values.)"""
import warnings

import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from _nn_parity import assert_same_error, cy, rng, th, torch

TF = torch.nn.functional


def _ones(shape, dtype=np.float32):
    return cy(np.ones(shape, dtype))


@pytest.mark.parametrize("p", [0.1, 0.5, 0.8])
def test_dropout_zeroes_fraction_p_and_scales_survivors(p):
    cynn.manual_seed(0)
    out = F.dropout(_ones((400, 500)), p).numpy()
    zero = out == 0
    assert abs(zero.mean() - p) < 0.005
    np.testing.assert_allclose(out[~zero], 1 / (1 - p), rtol=1e-6)
    assert abs(out.mean() - 1.0) < 0.02  # expectation preserved


def test_dropout_gradient_is_the_mask():
    cynn.manual_seed(1)
    x = cynn.randn(50, 40, requires_grad=True)
    y = F.dropout(x, 0.3)
    assert y.grad_fn.name() == "MulBackward0"
    y.sum().backward()
    mask = y.detach().numpy() / x.detach().numpy()
    np.testing.assert_allclose(x.grad.numpy(), mask, rtol=1e-5)


@pytest.mark.parametrize("fn", [F.dropout, F.dropout1d, F.dropout2d, F.dropout3d,
                                F.alpha_dropout, F.feature_alpha_dropout])
def test_identity_out_of_training_and_for_p_zero(fn):
    shapes = {F.dropout1d: (2, 3, 4), F.dropout3d: (2, 3, 4, 4, 2)}
    x = _ones(shapes.get(fn, (2, 3, 4, 4)))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        assert fn(x, 0.5, training=False) is x
        assert fn(x, 0.0, training=True) is x


def test_p_one_zeroes_everything_and_keeps_graph():
    x = cynn.randn(3, 4, requires_grad=True)
    y = F.dropout(x, 1.0)
    assert not np.any(y.detach().numpy())
    assert y.grad_fn.name() == TF.dropout(torch.ones(1, requires_grad=True), 1.0).grad_fn.name()
    y.sum().backward()
    assert not np.any(x.grad.numpy())


@pytest.mark.parametrize("fn,shape,spatial", [(F.dropout1d, (8, 6, 20), (2,)),
                                              (F.dropout1d, (6, 20), (1,)),
                                              (F.dropout2d, (8, 6, 5, 5), (2, 3)),
                                              (F.dropout3d, (4, 6, 3, 3, 3), (2, 3, 4)),
                                              (F.dropout3d, (6, 3, 3, 3), (1, 2, 3))])
def test_feature_dropout_drops_whole_channels(fn, shape, spatial):
    cynn.manual_seed(2)
    out = fn(_ones(shape), 0.5).numpy()
    per_channel_min, per_channel_max = out.min(axis=spatial), out.max(axis=spatial)
    np.testing.assert_array_equal(per_channel_min, per_channel_max)  # constant per channel
    assert set(np.unique(per_channel_min)) <= {0.0, 2.0}
    assert 0 < (per_channel_min == 0).mean() < 1


def test_dropout2d_on_3d_input_warns_and_drops_length_channels():
    x = _ones((4, 6, 10))
    with pytest.warns(UserWarning, match="Received a 3D input to dropout2d"):
        out = F.dropout2d(x, 0.5).numpy()
    np.testing.assert_array_equal(out.min(axis=2), out.max(axis=2))


def test_dropout2d_on_2d_input_warns_like_torch():
    with pytest.warns(UserWarning, match="Received a 2-D input to dropout2d"):
        F.dropout2d(_ones((5, 3)), 0.5)


def test_alpha_dropout_keeps_zero_mean_unit_variance():
    cynn.manual_seed(3)
    x = cynn.randn(1000, 1000)
    out = F.alpha_dropout(x, 0.3, training=True).numpy()
    t_out = TF.alpha_dropout(torch.randn(1000, 1000), 0.3, training=True).numpy()
    assert abs(out.mean() - t_out.mean()) < 0.01
    assert abs(out.std() - t_out.std()) < 0.01
    # dropped units all take the same (negative saturation) value, as torch's do
    values, counts = np.unique(out, return_counts=True)
    t_values, t_counts = np.unique(t_out, return_counts=True)
    assert abs(counts.max() / out.size - 0.3) < 0.01
    assert abs(values[counts.argmax()] - t_values[t_counts.argmax()]) < 1e-6


def test_dropout_is_reproducible_under_manual_seed():
    x = _ones((20, 20))
    cynn.manual_seed(7)
    a = F.dropout(x, 0.5).numpy().copy()
    cynn.manual_seed(7)
    np.testing.assert_array_equal(a, F.dropout(x, 0.5).numpy())
    assert not np.array_equal(a, F.dropout(x, 0.5).numpy())


def test_inplace_dropout_writes_into_input():
    cynn.manual_seed(4)
    x = _ones((30, 30))
    y = F.dropout(x, 0.5, inplace=True)
    assert y is x
    assert set(np.unique(x.numpy())) == {0.0, 2.0}


def test_inplace_dropout_in_graph_gives_mask_gradient():
    cynn.manual_seed(5)
    w = cynn.ones(10, 10, requires_grad=True)
    h = w * 3.0
    y = F.dropout(h, 0.5, inplace=True)
    y.sum().backward()
    np.testing.assert_allclose(w.grad.numpy(), 3.0 * (y.detach().numpy() != 0) * 2.0)


@pytest.mark.parametrize("fn", ["dropout", "dropout1d", "dropout2d", "dropout3d",
                                "alpha_dropout", "feature_alpha_dropout"])
@pytest.mark.parametrize("p", [-0.1, 1.5])
def test_probability_out_of_range_raises_like_torch(fn, p):
    x = np.ones((2, 3, 4), np.float32)
    assert_same_error(lambda: getattr(F, fn)(cy(x), p), lambda: getattr(TF, fn)(th(x), p))


def test_dropout1d_rejects_wrong_rank_like_torch():
    x = np.ones(5, np.float32)
    assert_same_error(lambda: F.dropout1d(cy(x), 0.5), lambda: TF.dropout1d(th(x), 0.5))


def _reseeded(fn, **kwargs):
    """``fn`` drawing the same mask on every call, so that finite differences apply."""
    def call(t):
        cynn.manual_seed(17)
        return fn(t, **kwargs)
    return call


@pytest.mark.parametrize("fn,shape", [(F.dropout, (4, 5)), (F.dropout2d, (2, 3, 2, 2)),
                                      (F.dropout1d, (2, 3, 4)),
                                      (F.alpha_dropout, (4, 5)),
                                      (F.feature_alpha_dropout, (2, 3, 2, 2))])
def test_dropout_gradcheck_with_a_fixed_mask(fn, shape):
    x = cynn.from_numpy(rng(0).standard_normal(shape)).requires_grad_()
    assert cynn.autograd.gradcheck(_reseeded(fn, p=0.4, training=True), (x,))


def test_integer_input_raises_like_torch():
    x = np.ones((2, 2), np.int64)
    assert_same_error(lambda: F.dropout(cy(x), 0.5), lambda: TF.dropout(th(x), 0.5))
