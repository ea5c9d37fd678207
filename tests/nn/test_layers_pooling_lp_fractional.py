"""Power-average (lp_pool1d/2d/3d, LPPool*) and fractional max pooling
(fractional_max_pool2d/3d, FractionalMaxPool*) against torch: with the same
``_random_samples`` the windows, values and indices equal torch's exactly; without,
samples come from cynn's generator, reproducibly. Gradients, float64 gradcheck,
PyTorch's exceptions, module attributes and reprs."""
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


# ------------------------------------------------------------------------ lp_pool
LP = [
    ("lp_pool1d", (2, 3, 9), 2, 3, None, False),
    ("lp_pool1d", (3, 10), 3.0, 2, 3, True),
    ("lp_pool2d", (2, 3, 7, 8), 2, 2, None, False),
    ("lp_pool2d", (2, 3, 7, 8), 1.5, (3, 2), (2, 1), True),
    ("lp_pool2d", (3, 7, 8), 4, 3, 2, False),
    ("lp_pool3d", (2, 2, 5, 6, 7), 2, 2, None, False),
    ("lp_pool3d", (2, 2, 5, 6, 7), 3, (2, 3, 2), (1, 2, 3), True),
    ("lp_pool3d", (2, 5, 6, 7), 1, 3, 2, False),
]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("name,shape,p,kernel,stride,ceil", LP)
def test_lp_pool_matches_torch(name, shape, p, kernel, stride, ceil, dtype):
    # positive inputs: a fractional power of a negative window sum is NaN in both
    x = (rng(3).random(shape) + 0.1).astype(dtype)
    (c,), (t,) = check_parity(lambda a: getattr(F, name)(a, p, kernel, stride, ceil),
                              lambda a: getattr(TF, name)(a, p, kernel, stride, ceil), [x])
    assert c.grad_fn.name() == t.grad_fn.name()


def test_lp_pool_signed_inputs_and_infinite_norm_like_torch():
    x = rng(4).standard_normal((2, 3, 6, 6)).astype(np.float32)
    for p in (2, 3):
        check_parity(lambda a: F.lp_pool2d(a, p, 2), lambda a: TF.lp_pool2d(a, p, 2), [x],
                     grad=[])
    check_parity(lambda a: F.lp_pool2d(a, 2, 2), lambda a: TF.lp_pool2d(a, 2, 2), [x])
    for name, shape in (("lp_pool1d", (2, 3, 8)), ("lp_pool2d", (2, 3, 6, 6)),
                        ("lp_pool3d", (2, 2, 4, 6, 6))):
        (c,), (t,) = check_parity(lambda a: getattr(F, name)(a, float("inf"), 2),
                                  lambda a: getattr(TF, name)(a, float("inf"), 2),
                                  [_x(shape) - 10])
        assert c.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("name,shape,p,kernel,stride,ceil", LP)
def test_lp_pool_gradcheck(name, shape, p, kernel, stride, ceil):
    gradcheck(lambda a: getattr(F, name)(a, p, kernel, stride, ceil),
              [rng(5).random(shape) + 0.5])


LP_ERRORS = [
    lambda lib, F, x: F.lp_pool1d(x, 2, 2),
    lambda lib, F, x: F.lp_pool3d(x[0, 0], 2, 2),
    lambda lib, F, x: F.lp_pool2d(x[0, 0, 0], 2, 2),
    lambda lib, F, x: F.lp_pool2d(x[0], 0, 2),
    lambda lib, F, x: F.lp_pool3d(x, 2, 9),
]


@pytest.mark.parametrize("call", LP_ERRORS, ids=[str(i) for i in range(len(LP_ERRORS))])
def test_lp_pool_errors_match_torch(call):
    same_error(call, _x((2, 3, 4, 5, 6)))


LP_MODULES = [("LPPool1d", (2, 3), (2, 3, 9)), ("LPPool1d", (3.0, 2, 1, True), (3, 9)),
              ("LPPool2d", (2, (3, 2), 1), (2, 3, 7, 8)), ("LPPool2d", (1.5, 2), (3, 7, 8)),
              ("LPPool3d", (2, 2), (2, 2, 5, 6, 7)), ("LPPool3d", (1, 2, None, True), (2, 5, 6, 7))]


@pytest.mark.parametrize("name,args,shape", LP_MODULES, ids=[f"{n}{a}" for n, a, _ in LP_MODULES])
def test_lp_pool_modules_match_torch(name, args, shape):
    c, t = getattr(nn, name)(*args), getattr(torch.nn, name)(*args)
    assert repr(c) == repr(t)
    check_module_parity(c, t, (rng(6).random(shape) + 0.1).astype(np.float32))


# --------------------------------------------------------------------- fractional
FRACTIONAL_2D = [((2, 3, 9, 10), 2, 4), ((2, 3, 9, 10), (3, 2), (5, 7)), ((1, 2, 10, 10), 2, 4),
                 ((2, 2, 25, 31), 3, (11, 13)), ((3, 12, 11), 2, 6), ((2, 2, 7, 7), 2, 1),
                 ((2, 2, 7, 8), 2, (6, 7)), ((2, 2, 6, 6), 1, 6), ((2, 2, 8, 9), 2, 0)]
FRACTIONAL_3D = [((2, 3, 7, 8, 9), 2, 4), ((1, 2, 9, 10, 8), (3, 2, 2), (4, 5, 6)),
                 ((3, 9, 8, 7), 2, (5, 4, 3)), ((2, 2, 5, 6, 7), 2, 1),
                 ((1, 2, 10, 10, 10), 2, 4)]


def _samples(shape, dims, dtype, seed=7):
    n = 1 if len(shape) == dims + 1 else shape[0]
    return rng(seed).random((n, shape[-dims - 1], dims)).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("dims,shape,kernel,size",
                         [(2,) + c for c in FRACTIONAL_2D] + [(3,) + c for c in FRACTIONAL_3D])
def test_fractional_max_pool_equals_torch_exactly(dims, shape, kernel, size, dtype):
    name = f"fractional_max_pool{dims}d"
    s = _samples(shape, dims, dtype)
    grad = [0] if size != 0 else []

    def run(lib_f, lib):
        return lambda x: getattr(lib_f, name)(x, kernel, size, return_indices=True,
                                              _random_samples=lib.from_numpy(s))
    (c, c_i), (t, t_i) = check_parity(run(F, cynn), run(TF, torch), [_x(shape, dtype=dtype)],
                                      grad=grad)
    np.testing.assert_array_equal(c.detach().numpy(), t.detach().numpy())
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())
    if grad:
        assert c.grad_fn.name() == t.grad_fn.name()


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_fractional_windows_equal_torch_for_many_samples(dtype):
    # window starts come from trunc((i + u) * alpha): every rounding must match
    g = rng(8)
    for n_in, n_out, k in ((10, 4, 2), (31, 13, 3), (50, 25, 2), (17, 16, 2), (64, 21, 5)):
        s = g.random((3, 64, 2)).astype(dtype)
        s[0, :8] = [[0.5, 0.25], [0, 0], [0.999, 0.001], [1 / 3, 2 / 3], [0.1, 0.2],
                    [0.75, 0.125], [0.3, 0.9], [1 - 1e-7, 1e-7]]
        x = np.broadcast_to(np.arange(n_in * n_in, dtype=dtype).reshape(n_in, n_in),
                            (3, 64, n_in, n_in)).copy()
        _, c_i = F.fractional_max_pool2d(cynn.from_numpy(x), k, n_out, return_indices=True,
                                         _random_samples=cynn.from_numpy(s))
        _, t_i = TF.fractional_max_pool2d(torch.from_numpy(x), k, n_out, return_indices=True,
                                          _random_samples=torch.from_numpy(s))
        np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())


def test_fractional_samples_outside_unit_interval_and_empty_windows_like_torch():
    x = _x((2, 3, 9, 9))
    for s in (_samples(x.shape, 2, np.float32) + 1, -_samples(x.shape, 2, np.float32) / 2):
        check_parity(lambda a: F.fractional_max_pool2d(a, 2, 3, _random_samples=cynn.tensor(s)),
                     lambda a: TF.fractional_max_pool2d(a, 2, 3,
                                                        _random_samples=torch.from_numpy(s)), [x])
    s = _samples(x.shape, 2, np.float32)
    c = F.fractional_max_pool2d(cynn.from_numpy(x), 0, 3, return_indices=True,
                                _random_samples=cynn.from_numpy(s))
    t = TF.fractional_max_pool2d(torch.from_numpy(x), 0, 3, return_indices=True,
                                 _random_samples=torch.from_numpy(s))
    for a, b in zip(c, t):
        np.testing.assert_array_equal(a.numpy(), b.numpy())


@pytest.mark.parametrize("dims,shape,kernel,size", [(2,) + c for c in FRACTIONAL_2D[:6]]
                         + [(3,) + c for c in FRACTIONAL_3D[:4]])
def test_fractional_gradcheck(dims, shape, kernel, size):
    s = cynn.from_numpy(_samples(shape, dims, np.float64))
    gradcheck(lambda a: getattr(F, f"fractional_max_pool{dims}d")(a, kernel, size,
                                                                   _random_samples=s),
              [_x(shape, dtype=np.float64)])


@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_output_ratio_like_torch(dims):
    shape = (2, 3, 9, 10) if dims == 2 else (2, 3, 7, 9, 10)
    ratio = (0.5, 0.7) if dims == 2 else (0.5, 0.7, 0.6)
    s = _samples(shape, dims, np.float32)
    name = f"fractional_max_pool{dims}d"
    check_parity(lambda a: getattr(F, name)(a, 2, output_ratio=ratio,
                                            _random_samples=cynn.from_numpy(s)),
                 lambda a: getattr(TF, name)(a, 2, output_ratio=ratio,
                                             _random_samples=torch.from_numpy(s)), [_x(shape)])


@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_without_samples_draws_from_cynn_generator(dims):
    shape = (2, 3, 9, 10) if dims == 2 else (2, 3, 7, 9, 10)
    name = f"fractional_max_pool{dims}d"
    x = cynn.from_numpy(_x(shape))
    cynn.manual_seed(123)
    y1, i1 = getattr(F, name)(x, 2, 4, return_indices=True)
    cynn.manual_seed(123)
    y2, i2 = getattr(F, name)(x, 2, 4, return_indices=True)
    np.testing.assert_array_equal(i1.numpy(), i2.numpy())
    np.testing.assert_array_equal(y1.numpy(), y2.numpy())
    # the draw is (N, C, dims) uniform samples of the input's dtype: the same samples
    # given explicitly reproduce the output, in torch too
    cynn.manual_seed(123)
    s = cynn.rand(shape[0], shape[1], dims)
    _, t_i = getattr(TF, name)(torch.from_numpy(x.numpy()), 2, 4, return_indices=True,
                               _random_samples=torch.from_numpy(s.numpy()))
    np.testing.assert_array_equal(i1.numpy(), t_i.numpy())
    draws = {getattr(F, name)(x, 2, 4, return_indices=True)[1].numpy().tobytes()
             for _ in range(5)}
    assert len(draws) > 1


F2_ERRORS = [
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, output_ratio=0.5),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, output_ratio=(0.5, 0.5, 0.5)),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 8, 4, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 3, 8, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, (3, 10), _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, -1, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, -1, _random_samples=s[:, :1]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=s[..., :1]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=s[:1]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=s[:, :, 0]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=s[:, :2]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=s.double()),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=s[:, :2].double()),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3, _random_samples=[1]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 3.0, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2.0, 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, (2, 2, 2), 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, (3, 3, 3), _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2 ** 40, 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, 2 ** 40, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x, 2, -2 ** 40, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[0, 0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[0, 0], 2, 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[0, 0, 0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[0, 0, 0], 2, output_ratio=(0.5, 0.5)),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[0, 0, 0, 0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[None], 2, 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[:, :0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[:, :0], 2, 3, _random_samples=s[:, :0]),
    lambda lib, F, x, s: F.fractional_max_pool2d(x[:, :, :0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool2d(x.long(), 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool2d(x.long(), 2, 3, _random_samples=s.long()),
    lambda lib, F, x, s: F.fractional_max_pool2d(x.long(), 2, 3, _random_samples=s[:1].long()),
    lambda lib, F, x, s: F.fractional_max_pool2d(x.long(), 2, 3, _random_samples=s),
]


@pytest.mark.parametrize("call", F2_ERRORS, ids=[str(i) for i in range(len(F2_ERRORS))])
def test_fractional_max_pool2d_errors_match_torch(call):
    same_error(call, _x((2, 3, 9, 10)), _samples((2, 3, 9, 10), 2, np.float32))


F3_ERRORS = [
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 8, 4, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 3, 7, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, (3, 8, 2), _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, (3, 2, 9), _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, -1, _random_samples=s[:, :1]),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, 3, _random_samples=s[..., :2]),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, 3, _random_samples=s[:1]),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, 3, _random_samples=s[:, :2]),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, 3, _random_samples=s.double()),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, (2, 2), 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x, 2, (3, 3), _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x[0, 0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool3d(x[0, 0], 2, 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x[None], 2, 3, _random_samples=s),
    lambda lib, F, x, s: F.fractional_max_pool3d(x[:, :0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool3d(x[:, :, :0], 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool3d(x.long(), 2, 3),
    lambda lib, F, x, s: F.fractional_max_pool3d(x.long(), 2, 3, _random_samples=s.long()),
]


@pytest.mark.parametrize("call", F3_ERRORS, ids=[str(i) for i in range(len(F3_ERRORS))])
def test_fractional_max_pool3d_errors_match_torch(call):
    same_error(call, _x((2, 3, 7, 8, 9)), _samples((2, 3, 7, 8, 9), 3, np.float32))


def test_fractional_empty_batch_and_unbatched_empty_channels_like_torch():
    for shape, dims in (((0, 3, 9, 10), 2), ((0, 9, 10), 2), ((0, 3, 7, 8, 9), 3),
                        ((0, 7, 8, 9), 3)):
        name = f"fractional_max_pool{dims}d"
        s = np.zeros((max(shape[0], 1) if len(shape) == dims + 2 else 1, shape[-dims - 1],
                      dims), np.float32)
        check_parity(lambda a: getattr(F, name)(a, 2, 3, _random_samples=cynn.from_numpy(s)),
                     lambda a: getattr(TF, name)(a, 2, 3, _random_samples=torch.from_numpy(s)),
                     [np.zeros(shape, np.float32)], grad=[])


@pytest.mark.parametrize("dims", [2, 3])
def test_fractional_modules_match_torch(dims):
    name = f"FractionalMaxPool{dims}d"
    shape = (2, 3, 9, 10) if dims == 2 else (2, 3, 7, 9, 10)
    s = _samples(shape, dims, np.float32)
    ratio = (0.5,) * dims
    for kwargs in (dict(output_size=4), dict(output_ratio=ratio),
                   dict(output_ratio=0.6, return_indices=True)):
        c = getattr(nn, name)(2, _random_samples=cynn.from_numpy(s), **kwargs)
        t = getattr(torch.nn, name)(2, _random_samples=torch.from_numpy(s), **kwargs)
        assert repr(c) == repr(t)
        for attr in ("kernel_size", "output_size", "output_ratio", "return_indices"):
            assert getattr(c, attr) == getattr(t, attr), attr
        assert list(c.state_dict()) == list(t.state_dict()) == ["_random_samples"]
        check_parity(c, t, [_x(shape)])
    c, t = getattr(nn, name)(2, 3), getattr(torch.nn, name)(2, 3)
    assert list(c.state_dict()) == list(t.state_dict()) == []


@pytest.mark.parametrize("dims", [2, 3])
@pytest.mark.parametrize("kwargs", [dict(), dict(output_size=3, output_ratio=0.5),
                                    dict(output_ratio=1.5), dict(output_ratio=0),
                                    dict(output_ratio=(0.5, 1.0, 0.5))])
def test_fractional_module_argument_errors_match_torch(dims, kwargs):
    name = f"FractionalMaxPool{dims}d"
    with pytest.raises(ValueError) as expected:
        getattr(torch.nn, name)(2, **kwargs)
    with pytest.raises(ValueError) as got:
        getattr(nn, name)(2, **kwargs)
    assert str(got.value) == str(expected.value)
