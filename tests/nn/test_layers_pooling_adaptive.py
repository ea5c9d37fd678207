"""Adaptive pooling in 1-d and 3-d against torch: adaptive_avg_pool1d/3d,
adaptive_max_pool1d/3d (+ _with_indices) and their modules -- values, indices,
gradients and grad_fn names over output-size grids, float64 gradcheck,
PyTorch's exceptions, empty batches and unbatched inputs."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from _nn_parity import check_module_parity, check_parity, gradcheck, rng, torch

TF = torch.nn.functional


def _x(shape, seed=1, dtype=np.float32):
    # distinct values: ties would make the max's argmax (and its gradient) ambiguous
    return (rng(seed).permutation(int(np.prod(shape))).reshape(shape) / 7).astype(dtype)


def same_error(call, *arrays):
    """``call(lib, F, *tensors)`` raises the same exception type and message (first
    line) in torch and in cynn."""
    with pytest.raises(Exception) as expected:
        call(torch, TF, *[torch.from_numpy(np.array(a)) for a in arrays])
    with pytest.raises(Exception) as got:
        call(cynn, F, *[cynn.from_numpy(np.array(a)) for a in arrays])
    want = str(expected.value).split("\n")[0]
    builtin = next(k for k in type(expected.value).__mro__ if k.__module__ == "builtins")
    assert isinstance(got.value, builtin), (type(got.value), got.value, want)
    assert str(got.value).startswith(want), (str(got.value), want)


# (input shape, output_size): shrinking, growing, equal, 1, 0 and unbatched cases
CASES_1D = [((2, 3, 7), 3), ((2, 3, 7), (4,)), ((2, 3, 5), 5), ((2, 3, 5), 8),
            ((2, 3, 9), 1), ((3, 11), 4), ((2, 3, 6), 0), ((0, 3, 7), 3)]
CASES_3D = [((2, 3, 5, 6, 7), 3), ((2, 3, 5, 6, 7), (2, 4, 3)), ((2, 2, 4, 5, 6), (4, 7, 9)),
            ((2, 2, 5, 6, 7), (None, 2, None)), ((2, 2, 5, 6, 7), 1), ((2, 2, 5, 6, 7), (1, 1, 2)),
            ((3, 5, 6, 4), (2, 3, 2)), ((2, 2, 4, 5, 6), (2, 0, 3)), ((0, 3, 4, 5, 6), 2)]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", CASES_1D)
def test_adaptive_pool1d_matches_torch(shape, size, dtype):
    grad = [] if size == 0 else None   # see test_empty_output_backward_like_torch
    (c,), (t,) = check_parity(lambda x: F.adaptive_avg_pool1d(x, size),
                              lambda x: TF.adaptive_avg_pool1d(x, size), [_x(shape, dtype=dtype)],
                              grad=grad)
    (c, c_i), (t, t_i) = check_parity(
        lambda x: F.adaptive_max_pool1d(x, size, return_indices=True),
        lambda x: TF.adaptive_max_pool1d(x, size, return_indices=True), [_x(shape, dtype=dtype)],
        grad=grad)
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())
    (c,), (t,) = check_parity(lambda x: F.adaptive_max_pool1d_with_indices(x, size)[0],
                              lambda x: TF.adaptive_max_pool1d_with_indices(x, size)[0],
                              [_x(shape, dtype=dtype)], grad=grad)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,size", CASES_3D)
def test_adaptive_pool3d_matches_torch(shape, size, dtype):
    grad = [] if size == (2, 0, 3) else None   # see test_empty_output_backward_like_torch
    (c,), (t,) = check_parity(lambda x: F.adaptive_avg_pool3d(x, size),
                              lambda x: TF.adaptive_avg_pool3d(x, size), [_x(shape, dtype=dtype)],
                              grad=grad)
    if grad is None:
        assert c.grad_fn.name() == t.grad_fn.name()
    (c, c_i), (t, t_i) = check_parity(
        lambda x: F.adaptive_max_pool3d(x, size, return_indices=True),
        lambda x: TF.adaptive_max_pool3d(x, size, return_indices=True), [_x(shape, dtype=dtype)],
        grad=grad)
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())
    c_i = F.adaptive_max_pool3d_with_indices(cynn.from_numpy(_x(shape)), size)[1]
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())


@pytest.mark.parametrize("shape,size", [c for c in CASES_1D if c[1] != 0 and c[0][0] != 0])
def test_adaptive_pool1d_gradcheck(shape, size):
    gradcheck(lambda x: F.adaptive_avg_pool1d(x, size), [rng(2).standard_normal(shape)])
    gradcheck(lambda x: F.adaptive_max_pool1d(x, size), [_x(shape)])


@pytest.mark.parametrize("shape,size", [c for c in CASES_3D[:7]])
def test_adaptive_pool3d_gradcheck(shape, size):
    gradcheck(lambda x: F.adaptive_avg_pool3d(x, size), [rng(2).standard_normal(shape)])
    gradcheck(lambda x: F.adaptive_max_pool3d(x, size), [_x(shape)])


def test_adaptive_max_pool3d_nan_and_minus_inf_follow_torch():
    x = np.full((1, 2, 3, 3, 3), -np.inf, np.float32)
    x[0, 1, 1, 1, 1] = np.nan
    x[0, 1, 2, 2, 2] = np.nan
    c, c_i = F.adaptive_max_pool3d(cynn.from_numpy(x), 2, return_indices=True)
    t, t_i = TF.adaptive_max_pool3d(torch.from_numpy(x), 2, return_indices=True)
    np.testing.assert_array_equal(c.numpy(), t.numpy())
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())


@pytest.mark.parametrize("dtype", [np.float16])
def test_half_inputs(dtype):
    x = _x((2, 3, 4, 5, 6), dtype=dtype)
    for name in ("adaptive_avg_pool3d", "adaptive_max_pool3d"):
        c = getattr(F, name)(cynn.from_numpy(x), 3)
        t = getattr(TF, name)(torch.from_numpy(x), 3)
        # float16 sums round differently with the accumulation order: two ulps
        np.testing.assert_allclose(c.numpy().astype(np.float32), t.numpy().astype(np.float32),
                                   rtol=2.5e-3, atol=1e-3)


ERRORS = [
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, (3, 2)), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, None), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, (None,)), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, -1), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, 3.0), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, "a"), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d([1.0], 3), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, 2 ** 63), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, 3), (7,)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, (3, 2)), (7,)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, 3), (1, 2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x, 3), (2, 3, 0)),
    (lambda lib, F, x: F.adaptive_avg_pool1d(x.long(), 3), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, (3, 2)), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, None), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, -1), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, 3), (7,)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, 3), (1, 2, 3, 7)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, 3), (2, 0, 7)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x, 3), (2, 3, 0)),
    (lambda lib, F, x: F.adaptive_max_pool1d(x.long(), 3), (2, 3, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, (3, 2)), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, (3, 2, 1, 1)), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, None), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 3.0), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, -1), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, (2, -1, 3)), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 3), (3, 4, 5)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, (3, 2)), (3, 4, 5)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, -1), (3, 4, 5)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 3), (1, 1, 1, 3, 4, 5)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 3), (2, 0, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 3), (2, 3, 4, 5, 0)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x.long(), 3), (2, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x.long(), 3), (0, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x.long(), 1), (2, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 1), (5, 6)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, 2 ** 40), (2, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, (2 ** 21,) * 3), (1, 1, 1, 1, 1)),
    (lambda lib, F, x: F.adaptive_avg_pool3d(x, (2 ** 40, 2 ** 40, -1)), (1, 1, 1, 1, 1)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, (3, 2)), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, None), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, -1), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, (2, -1, 3)), (2, 3, 5, 6, 7)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, (3, 2)), (3, 4, 5)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, 3), (1, 1, 1, 3, 4, 5)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, 3), (2, 0, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, -1), (1, 3, 0, 4, 5)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, 1), (2, 3, 0, 5, 6)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x.long(), 3), (2, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x.long(), 3), (0, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, 2 ** 40), (2, 3, 4, 5, 6)),
    (lambda lib, F, x: F.adaptive_max_pool3d(x, (2 ** 21,) * 3), (1, 1, 1, 1, 1)),
]


@pytest.mark.parametrize("call,shape", ERRORS, ids=[str(i) for i in range(len(ERRORS))])
def test_adaptive_errors_match_torch(call, shape):
    same_error(call, np.zeros(shape, np.float32))


@pytest.mark.filterwarnings("ignore:Mean of empty slice", "ignore:invalid value encountered")
def test_global_average_of_empty_volume_is_nan_like_torch():
    check_parity(lambda x: F.adaptive_avg_pool3d(x, 1), lambda x: TF.adaptive_avg_pool3d(x, 1),
                 [np.zeros((2, 3, 0, 4, 5), np.float32)])


@pytest.mark.parametrize("name,shape,size", [("adaptive_avg_pool3d", (2, 2, 4, 5, 6), (2, 0, 3)),
                                             ("adaptive_max_pool3d", (2, 2, 4, 5, 6), (2, 0, 3)),
                                             ("adaptive_avg_pool1d", (2, 3, 6), 0),
                                             ("adaptive_max_pool1d", (2, 3, 6), 0)])
def test_empty_output_backward_like_torch(name, shape, size):
    # the adaptive backward kernels refuse a grad_output with an empty cell grid
    results = []
    for lib, lib_f in ((torch, TF), (cynn, F)):
        x = lib.from_numpy(_x(shape)).requires_grad_()
        y = getattr(lib_f, name)(x, size)
        with pytest.raises(RuntimeError) as info:
            y.sum().backward()
        results.append(str(info.value).split("\n")[0])
    assert results[1] == results[0]


MODULES = [
    ("AdaptiveAvgPool1d", (3,), (2, 3, 8)), ("AdaptiveAvgPool1d", (1,), (3, 8)),
    ("AdaptiveMaxPool1d", (3,), (2, 3, 8)), ("AdaptiveMaxPool1d", (5,), (3, 8)),
    ("AdaptiveAvgPool3d", ((2, None, 3),), (2, 3, 5, 6, 7)),
    ("AdaptiveAvgPool3d", (1,), (2, 3, 5, 6, 7)), ("AdaptiveAvgPool3d", (3,), (3, 5, 6, 7)),
    ("AdaptiveMaxPool3d", ((2, None, 3),), (2, 3, 5, 6, 7)),
    ("AdaptiveMaxPool3d", (2,), (3, 5, 6, 7)),
]


@pytest.mark.parametrize("name,args,shape", MODULES, ids=[f"{n}{a}" for n, a, _ in MODULES])
def test_adaptive_modules_match_torch(name, args, shape):
    c, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(c) == repr(t)
    check_module_parity(c, t, _x(shape))


@pytest.mark.parametrize("name,shape", [("AdaptiveMaxPool1d", (2, 3, 8)),
                                        ("AdaptiveMaxPool3d", (2, 3, 5, 6, 7))])
def test_adaptive_max_modules_return_indices(name, shape):
    c = getattr(nn, name)(3, return_indices=True)
    t = getattr(torch.nn, name)(3, return_indices=True)
    assert c.return_indices and repr(c) == repr(t)
    (_, c_i), (_, t_i) = check_parity(c, t, [_x(shape)])
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())
