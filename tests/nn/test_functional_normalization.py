"""batch_norm, instance_norm, layer_norm, group_norm, normalize against torch:
values, gradients of input / weight / bias, running-statistics updates, float64
gradchecks and PyTorch's errors."""
import numpy as np
import pytest

import cynn
import cynn.nn.functional as F
from _nn_parity import (assert_close, assert_same_error, check_parity, cy, gradcheck, rng, th,
                        torch)

TF = torch.nn.functional


def _randn(shape, seed=0, loc=0.5, scale=2.0):
    return (rng(seed).standard_normal(shape) * scale + loc).astype(np.float32)


@pytest.mark.parametrize("shape", [(6, 3), (4, 3, 5), (2, 3, 4, 5), (2, 3, 2, 3, 2)])
@pytest.mark.parametrize("affine", [False, True])
@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_matches_torch(shape, affine, training):
    c = shape[1]
    x = _randn(shape, 1)
    mean0 = _randn((c,), 2, 0.0, 0.5)
    var0 = rng(3).uniform(0.5, 2.0, c).astype(np.float32)
    c_stats = [cy(mean0), cy(var0)]
    t_stats = [th(mean0), th(var0)]
    arrays = [x]
    if affine:
        arrays += [_randn((c,), 4), _randn((c,), 5)]

    def call(M, stats):
        return lambda a, *wb: M.batch_norm(a, *stats, *wb, training=training, momentum=0.3,
                                           eps=1e-3)

    c_out, t_out = check_parity(call(F, c_stats), call(TF, t_stats), arrays)
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    for got, expected in zip(c_stats, t_stats):
        assert_close(got, expected, what="running statistic")
    if training:
        assert not np.allclose(c_stats[0].numpy(), mean0)
    small = [_randn((3, c) + (2,) * (len(shape) - 2), 6)] + arrays[1:]
    stats = (None, None) if training else (cy(mean0.astype(np.float64)),
                                           cy(var0.astype(np.float64)))
    gradcheck(lambda a, *wb: F.batch_norm(a, *stats, *wb, training=training), small)


def test_batch_norm_running_stats_without_affine_or_stats_in_training():
    x = _randn((8, 4), 1)
    check_parity(lambda a: F.batch_norm(a, None, None, training=True),
                 lambda a: TF.batch_norm(a, None, None, training=True), [x])


def test_batch_norm_bumps_running_stat_versions():
    mean, var = cy(np.zeros(3, np.float32)), cy(np.ones(3, np.float32))
    before = (mean._version[0], var._version[0])
    F.batch_norm(cy(_randn((4, 3))), mean, var, training=True)
    assert mean._version[0] == before[0] + 1 and var._version[0] == before[1] + 1


@pytest.mark.parametrize("shape", [(2, 3, 5), (2, 3, 4, 5)])
@pytest.mark.parametrize("affine", [False, True])
# (running statistics given, use_input_stats): using them requires having them
@pytest.mark.parametrize("running,use_input_stats", [(False, True), (True, True),
                                                     (True, False)])
def test_instance_norm_matches_torch(shape, affine, running, use_input_stats):
    c = shape[1]
    x = _randn(shape, 1)
    mean0, var0 = _randn((c,), 2, 0.0, 0.5), rng(3).uniform(0.5, 2, c).astype(np.float32)
    c_stats = [cy(mean0), cy(var0)] if running else [None, None]
    t_stats = [th(mean0), th(var0)] if running else [None, None]
    arrays = [x] + ([_randn((c,), 4), _randn((c,), 5)] if affine else [])

    def call(M, stats):
        return lambda a, *wb: M.instance_norm(a, *stats, *wb, use_input_stats=use_input_stats,
                                              momentum=0.2)

    check_parity(call(F, c_stats), call(TF, t_stats), arrays)
    if running:
        for got, expected in zip(c_stats, t_stats):
            assert_close(got, expected, what="running statistic")
    if use_input_stats:
        gradcheck(lambda a, *wb: F.instance_norm(a, None, None, *wb), [x[:2, :, :3]] + arrays[1:])


@pytest.mark.parametrize("shape,normalized", [((4, 5), (5,)), ((2, 3, 4), (3, 4)),
                                              ((2, 3, 4), (4,)), ((6,), (6,))])
@pytest.mark.parametrize("affine", ["none", "weight", "both"])
def test_layer_norm_matches_torch(shape, normalized, affine):
    x = _randn(shape, 1)
    arrays = [x]
    if affine != "none":
        arrays.append(_randn(normalized, 2))
    if affine == "both":
        arrays.append(_randn(normalized, 3))
    c_out, t_out = check_parity(lambda a, *wb: F.layer_norm(a, normalized, *wb, eps=1e-4),
                                lambda a, *wb: TF.layer_norm(a, normalized, *wb, eps=1e-4),
                                arrays)
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(lambda a, *wb: F.layer_norm(a, normalized, *wb), arrays)


@pytest.mark.parametrize("shape,groups", [((2, 6, 4), 3), ((2, 4, 3, 3), 2), ((3, 8), 4),
                                          ((2, 6, 2, 2), 1)])
@pytest.mark.parametrize("affine", [False, True])
def test_group_norm_matches_torch(shape, groups, affine):
    c = shape[1]
    arrays = [_randn(shape, 1)] + ([_randn((c,), 2), _randn((c,), 3)] if affine else [])
    c_out, t_out = check_parity(lambda a, *wb: F.group_norm(a, groups, *wb),
                                lambda a, *wb: TF.group_norm(a, groups, *wb), arrays)
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()
    gradcheck(lambda a, *wb: F.group_norm(a, groups, *wb), arrays)


@pytest.mark.parametrize("p,dim", [(2.0, 1), (1.0, 0), (3.0, -1)])
def test_normalize_matches_torch(p, dim):
    x = _randn((3, 4), 1)
    check_parity(lambda a: F.normalize(a, p, dim), lambda a: TF.normalize(a, p, dim), [x])
    gradcheck(lambda a: F.normalize(a, p, dim), [x])


def _errors():
    x3 = _randn((5, 4, 3))
    ones4, ones3 = np.ones(4, np.float32), np.ones(3, np.float32)
    return [
        ("bn running_mean size", lambda M, T: M.batch_norm(T(x3), T(ones3), T(ones4),
                                                           training=True)),
        ("bn running_var size", lambda M, T: M.batch_norm(T(x3), T(ones4), T(ones3),
                                                          training=True)),
        ("bn weight size", lambda M, T: M.batch_norm(T(x3), T(ones4), T(ones4),
                                                     weight=T(ones3), training=True)),
        ("bn bias size", lambda M, T: M.batch_norm(T(x3), T(ones4), T(ones4), bias=T(ones3),
                                                   training=True)),
        ("bn eval without stats", lambda M, T: M.batch_norm(T(x3), None, None)),
        ("bn one value per channel", lambda M, T: M.batch_norm(T(_randn((1, 4))), None, None,
                                                               training=True)),
        ("bn one value 3d", lambda M, T: M.batch_norm(T(_randn((1, 4, 1))), None, None,
                                                      training=True)),
        ("bn eps", lambda M, T: M.batch_norm(T(x3), None, None, training=True, eps=0.0)),
        ("bn mixed dtype", lambda M, T: M.batch_norm(T(x3.astype(np.float64)), T(ones4),
                                                     T(ones4), training=True)),
        ("bn integer", lambda M, T: M.batch_norm(T(np.ones((2, 2), np.int64)), None, None,
                                                 training=True)),
        ("in spatial size 1", lambda M, T: M.instance_norm(T(_randn((2, 4, 1, 1))))),
        ("ln input shape", lambda M, T: M.layer_norm(T(_randn((3, 4))), [5])),
        ("ln weight shape", lambda M, T: M.layer_norm(T(_randn((3, 5))), [5],
                                                      weight=T(ones4))),
        ("ln bias shape", lambda M, T: M.layer_norm(T(_randn((3, 5))), [5], bias=T(ones4))),
        ("ln int shape", lambda M, T: M.layer_norm(T(_randn((3, 5))), 5)),
        ("ln empty shape", lambda M, T: M.layer_norm(T(_randn((3, 5))), [])),
        ("ln integer", lambda M, T: M.layer_norm(T(np.ones((2, 2), np.int64)), [2])),
        ("gn groups", lambda M, T: M.group_norm(T(_randn((2, 6, 3))), 4)),
        ("gn integer", lambda M, T: M.group_norm(T(np.ones((2, 2, 3), np.int64)), 1)),
    ]


@pytest.mark.parametrize("call", [c for _, c in _errors()], ids=[n for n, _ in _errors()])
def test_errors_match_torch(call):
    assert_same_error(lambda: call(F, cy), lambda: call(TF, th))


# Shapes that take each kernel path: long segments across the 2048-element statistics
# block, the column kernels of short segments ((N, C) with N across blocks of 64 rows),
# one sample, float16 (computed in float32, as torch's CPU kernels do).
KERNEL_PATH_CASES = {
    "bn_long_segments": (lambda M: lambda a, w, b: M.batch_norm(a, None, None, w, b, True),
                         (3, 4, 50, 45), (4,)),
    "bn_columns": (lambda M: lambda a, w, b: M.batch_norm(a, None, None, w, b, True),
                   (150, 300), (300,)),
    "bn_columns_3d": (lambda M: lambda a, w, b: M.batch_norm(a, None, None, w, b, True),
                      (70, 9, 5), (9,)),
    "gn_long_groups": (lambda M: lambda a, w, b: M.group_norm(a, 2, w, b), (2, 4, 40, 40),
                       (4,)),
    "ln_long_rows": (lambda M: lambda a, w, b: M.layer_norm(a, (3000,), w, b), (70, 3000),
                     (3000,)),
}


@pytest.mark.parametrize("name", sorted(KERNEL_PATH_CASES))
def test_kernel_paths_match_torch(name):
    make, shape, wshape = KERNEL_PATH_CASES[name]
    arrays = [_randn(shape, 1, loc=3.0), _randn(wshape, 2), _randn(wshape, 3)]
    check_parity(make(F), make(TF), arrays)


@pytest.mark.parametrize("name", ["bn_columns_3d", "gn_long_groups"])
def test_kernel_paths_in_float16_match_torch(name):
    make, shape, wshape = KERNEL_PATH_CASES[name]
    arrays = [_randn(shape, 1).astype(np.float16), _randn(wshape, 2).astype(np.float16),
              _randn(wshape, 3).astype(np.float16)]
    check_parity(make(F), make(TF), arrays, rtol=1e-2, atol=1e-2)


@pytest.mark.parametrize("training", [True, False])
def test_batch_norm_eval_and_train_paths_gradcheck_across_blocks(training):
    # 2 x 2 x 1030: each channel spans 2060 elements, more than one statistics block
    x = rng(7).standard_normal((2, 2, 1030))
    stats = (None, None) if training else (cy(np.array([0.3, -0.2])), cy(np.array([1.5, 0.7])))
    gradcheck(lambda a, w, b: F.batch_norm(a, *stats, w, b, training=training),
              [x, np.array([1.5, -0.5]), np.array([0.2, 0.1])])


def _in_place_change_after_forward(lib, fn, requires):
    x = lib.tensor(_randn((4, 3, 5, 5), 8), requires_grad="x" in requires)
    w = lib.tensor(_randn((3,), 9), requires_grad="w" in requires)
    b = lib.tensor(_randn((3,), 10), requires_grad="b" in requires)
    hidden = x * 1.0
    y = fn(lib, hidden, w, b)
    with lib.no_grad():
        hidden.add_(1.0)
    try:
        y.sum().backward()
    except RuntimeError as error:
        return "raised: " + str(error).split(":")[0]
    return "ran"


SAVED_CASES = {
    "batch_norm": lambda lib, a, w, b: lib.nn.functional.batch_norm(a, None, None, w, b, True),
    "group_norm": lambda lib, a, w, b: lib.nn.functional.group_norm(a, 3, w, b),
    "layer_norm": lambda lib, a, w, b: lib.nn.functional.layer_norm(
        a, (5,), w[:1].expand(5), b[:1].expand(5)),
}


@pytest.mark.parametrize("name", sorted(SAVED_CASES))
@pytest.mark.parametrize("requires", ["x", "w", "b"])
def test_in_place_change_of_the_input_after_forward(name, requires):
    """The input is kept only when a requested gradient reads it (x's and the weight's):
    changing it then raises as in torch; a bias gradient alone keeps nothing (torch
    keeps the input anyway and raises)."""
    mine = _in_place_change_after_forward(cynn, SAVED_CASES[name], requires)
    if requires == "b":
        assert mine == "ran"
    else:
        theirs = _in_place_change_after_forward(torch, SAVED_CASES[name], requires)
        assert mine == theirs and mine.startswith("raised")
