"""BatchNorm1d/2d/3d, InstanceNorm1d/2d/3d, LayerNorm, GroupNorm against torch.nn:
repr, parameters and buffers, running statistics over several training steps
then eval, momentum=None, track_running_stats=False, and PyTorch's errors."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
from _nn_parity import (assert_close, assert_same_error, check_module_parity, copy_state, rng,
                        torch)


def _x(shape, seed=1):
    return (rng(seed).standard_normal(shape) * 1.5 + 0.7).astype(np.float32)


BN_OPTIONS = [{}, {"momentum": None}, {"momentum": 0.5, "eps": 1e-3}, {"affine": False},
              {"track_running_stats": False}, {"bias": False},
              {"affine": False, "track_running_stats": False}]
BN_SHAPES = {"BatchNorm1d": [(6, 4), (5, 4, 3)], "BatchNorm2d": [(3, 4, 5, 2)],
             "BatchNorm3d": [(2, 4, 3, 2, 2)]}


@pytest.mark.parametrize("options", BN_OPTIONS, ids=[str(o) for o in BN_OPTIONS])
@pytest.mark.parametrize("name,shape", [(n, s) for n, shapes in BN_SHAPES.items()
                                        for s in shapes])
def test_batch_norm_training_steps_then_eval_match_torch(name, shape, options):
    c, t = getattr(nn, name)(4, **options), getattr(torch.nn, name)(4, **options)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    copy_state(c, t)
    for step in range(3):
        c.zero_grad()
        t.zero_grad()
        check_module_parity(c, t, _x(shape, seed=step))  # compares the buffers too
    if c.track_running_stats:
        assert int(c.num_batches_tracked.item()) == 3
        assert not np.allclose(c.running_mean.numpy(), 0)
    c.eval()
    t.eval()
    check_module_parity(c, t, _x(shape, seed=10))
    if c.track_running_stats:
        assert int(c.num_batches_tracked.item()) == 3  # eval does not count


def test_batch_norm_momentum_none_is_cumulative_average():
    c = nn.BatchNorm1d(3, momentum=None)
    batches = [_x((8, 3), seed) for seed in range(4)]
    for b in batches:
        c(cynn.from_numpy(b))
    np.testing.assert_allclose(c.running_mean.numpy(),
                               np.mean([b.mean(0) for b in batches], axis=0), rtol=1e-5)
    np.testing.assert_allclose(c.running_var.numpy(),
                               np.mean([b.var(0, ddof=1) for b in batches], axis=0), rtol=1e-5)


def test_batch_norm_buffers_and_dtypes():
    c = nn.BatchNorm2d(5)
    assert dict(c.named_buffers()).keys() == {"running_mean", "running_var",
                                              "num_batches_tracked"}
    assert c.num_batches_tracked.dtype == cynn.int64 and c.num_batches_tracked.dim() == 0
    np.testing.assert_array_equal(c.running_var.numpy(), np.ones(5))
    np.testing.assert_array_equal(c.weight.detach().numpy(), np.ones(5))
    np.testing.assert_array_equal(c.bias.detach().numpy(), np.zeros(5))
    c(cynn.randn(4, 5, 3, 3))
    c.reset_running_stats()
    np.testing.assert_array_equal(c.running_mean.numpy(), np.zeros(5))
    assert c.num_batches_tracked.item() == 0


def test_batch_norm_state_dict_round_trip():
    a = nn.BatchNorm1d(3)
    for seed in range(2):
        a(cynn.from_numpy(_x((6, 3), seed)))
    b = nn.BatchNorm1d(3)
    b.load_state_dict(a.state_dict())
    a.eval()
    b.eval()
    x = cynn.from_numpy(_x((4, 3), 9))
    assert_close(a(x), b(x))


BN_ERRORS = [
    ("BatchNorm1d", (1, 4), "batch of one in training"),
    ("BatchNorm1d", (4,), "1-d input"),
    ("BatchNorm1d", (2, 4, 3, 3), "4-d input"),
    ("BatchNorm2d", (2, 4, 3), "3-d input"),
    ("BatchNorm3d", (2, 4, 3), "3-d input"),
    ("BatchNorm1d", (2, 5), "wrong channel count"),
]


@pytest.mark.parametrize("name,shape,why", BN_ERRORS, ids=[e[2] + e[0] for e in BN_ERRORS])
def test_batch_norm_errors_match_torch(name, shape, why):
    c, t = getattr(nn, name)(4), getattr(torch.nn, name)(4)
    x = _x(shape)
    assert_same_error(lambda: c(cynn.from_numpy(x)), lambda: t(torch.from_numpy(x)))


def test_batch_norm_batch_of_one_message_names_the_size():
    with pytest.raises(ValueError, match=r"Expected more than 1 value per channel when "
                                         r"training, got input size cynn.Size\(\[1, 4\]\)"):
        nn.BatchNorm1d(4)(cynn.randn(1, 4))
    nn.BatchNorm1d(4).eval()(cynn.randn(1, 4))  # fine in eval


IN_OPTIONS = [{}, {"affine": True}, {"track_running_stats": True},
              {"affine": True, "track_running_stats": True, "momentum": 0.3}]
IN_SHAPES = {"InstanceNorm1d": [(3, 4, 6), (4, 6)], "InstanceNorm2d": [(2, 4, 3, 5), (4, 3, 5)],
             "InstanceNorm3d": [(2, 4, 2, 3, 2)]}


@pytest.mark.parametrize("options", IN_OPTIONS, ids=[str(o) for o in IN_OPTIONS])
@pytest.mark.parametrize("name,shape", [(n, s) for n, shapes in IN_SHAPES.items()
                                        for s in shapes])
def test_instance_norm_matches_torch(name, shape, options):
    c, t = getattr(nn, name)(4, **options), getattr(torch.nn, name)(4, **options)
    assert repr(c) == repr(t)
    assert list(c.state_dict()) == list(t.state_dict())
    copy_state(c, t)
    for step in range(2):
        check_module_parity(c, t, _x(shape, seed=step))
    c.eval()
    t.eval()
    check_module_parity(c, t, _x(shape, seed=5))


def test_instance_norm_channel_mismatch_matches_torch():
    x = _x((2, 5, 3, 3))
    c, t = nn.InstanceNorm2d(4, affine=True), torch.nn.InstanceNorm2d(4, affine=True)
    assert_same_error(lambda: c(cynn.from_numpy(x)), lambda: t(torch.from_numpy(x)))
    with pytest.warns(UserWarning, match="does not match num_features"):
        nn.InstanceNorm2d(4)(cynn.from_numpy(x))
    x2 = _x((2, 4))
    assert_same_error(lambda: nn.InstanceNorm2d(4)(cynn.from_numpy(x2)),
                      lambda: torch.nn.InstanceNorm2d(4)(torch.from_numpy(x2)))


LN_CASES = [(5, {}, (3, 5)), ((4, 5), {}, (2, 3, 4, 5)), (5, {"elementwise_affine": False},
                                                          (3, 5)),
            ([5], {"bias": False, "eps": 1e-3}, (2, 5))]


@pytest.mark.parametrize("normalized,options,shape", LN_CASES)
def test_layer_norm_matches_torch(normalized, options, shape):
    c, t = nn.LayerNorm(normalized, **options), torch.nn.LayerNorm(normalized, **options)
    assert repr(c) == repr(t)
    assert c.normalized_shape == t.normalized_shape
    with torch.no_grad():
        for p in t.parameters():
            p.uniform_(0.5, 1.5)
    for name, p in t.named_parameters():
        getattr(c, name).data = cynn.from_numpy(p.detach().numpy().copy())
    check_module_parity(c, t, _x(shape))


@pytest.mark.parametrize("groups,channels,options", [(2, 4, {}), (3, 6, {"affine": False}),
                                                     (1, 4, {"eps": 1e-3}),
                                                     (4, 4, {"bias": False})])
def test_group_norm_matches_torch(groups, channels, options):
    c, t = nn.GroupNorm(groups, channels, **options), torch.nn.GroupNorm(groups, channels,
                                                                         **options)
    assert repr(c) == repr(t)
    check_module_parity(c, t, _x((2, channels, 3, 2)))


def test_group_norm_constructor_error_matches_torch():
    assert_same_error(lambda: nn.GroupNorm(4, 6), lambda: torch.nn.GroupNorm(4, 6))
