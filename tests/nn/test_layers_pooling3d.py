"""3-d pooling against torch: max_pool3d, avg_pool3d, max_unpool3d and their
modules -- forward/backward parity over argument grids, float64 gradcheck,
PyTorch's exceptions, empty batches, huge window arguments, and a small 3-d CNN
trained for three steps in both libraries."""
import numpy as np
import pytest

import cynn
import cynn.nn as nn
import cynn.nn.functional as F
from _nn_parity import assert_close, check_module_parity, check_parity, copy_state, gradcheck, \
    rng, torch

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
    # torch appends a C++ stack to some messages, after a newline
    want = str(expected.value).split("\n")[0]
    builtin = next(k for k in type(expected.value).__mro__ if k.__module__ == "builtins")
    assert isinstance(got.value, builtin), (type(got.value), got.value, want)
    assert str(got.value).startswith(want), (str(got.value), want)


MAX_POOL3D = [
    ((2, 3, 5, 6, 7), dict(kernel_size=2)),
    ((2, 2, 7, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((1, 2, 6, 8, 5), dict(kernel_size=(2, 3, 1), stride=(1, 2, 3), padding=(1, 1, 0))),
    ((2, 1, 9, 8, 9), dict(kernel_size=3, dilation=2, padding=1)),
    ((1, 2, 8, 7, 9), dict(kernel_size=(2, 3, 2), stride=2, padding=1, dilation=(3, 1, 2))),
    ((2, 2, 7, 8, 6), dict(kernel_size=3, stride=2, ceil_mode=True)),
    ((1, 1, 5, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 6, 5, 7), dict(kernel_size=2, stride=4)),
    ((3, 5, 6, 4), dict(kernel_size=2)),
    ((3, 5, 6, 4), dict(kernel_size=3, stride=1, padding=1, ceil_mode=True)),
    ((1, 1, 4, 4, 4), dict(kernel_size=4)),
]
AVG_POOL3D = [
    ((2, 3, 5, 6, 7), dict(kernel_size=2)),
    ((2, 2, 7, 7, 7), dict(kernel_size=3, stride=2, padding=1)),
    ((2, 2, 7, 7, 7), dict(kernel_size=3, stride=2, padding=1, count_include_pad=False)),
    ((1, 2, 6, 8, 5), dict(kernel_size=(2, 3, 4), stride=(1, 2, 3), padding=(1, 1, 2))),
    ((2, 2, 7, 8, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 7, 8, 6), dict(kernel_size=3, stride=2, padding=1, ceil_mode=True,
                           count_include_pad=False)),
    ((1, 1, 5, 5, 5), dict(kernel_size=2, stride=2, padding=1, ceil_mode=True)),
    ((2, 2, 5, 6, 7), dict(kernel_size=3, padding=1, divisor_override=5)),
    ((2, 2, 5, 6, 7), dict(kernel_size=2, stride=1, divisor_override=-3)),
    ((2, 2, 6, 5, 7), dict(kernel_size=2, stride=4)),
    ((3, 5, 6, 4), dict(kernel_size=3, stride=2, padding=1)),
]


def _ids(cases):
    return [f"{shape}-{kwargs}" for shape, kwargs in cases]


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kwargs", MAX_POOL3D, ids=_ids(MAX_POOL3D))
def test_max_pool3d_matches_torch(shape, kwargs, dtype):
    def run(lib_f):
        return lambda x: lib_f.max_pool3d(x, return_indices=True, **kwargs)
    (c_y, c_i), (t_y, t_i) = check_parity(run(F), run(TF), [_x(shape, dtype=dtype)])
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())
    assert c_y.grad_fn.name() == t_y.grad_fn.name() == "MaxPool3DWithIndicesBackward0"


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("shape,kwargs", AVG_POOL3D, ids=_ids(AVG_POOL3D))
def test_avg_pool3d_matches_torch(shape, kwargs, dtype):
    (c_y,), (t_y,) = check_parity(lambda x: F.avg_pool3d(x, **kwargs),
                                  lambda x: TF.avg_pool3d(x, **kwargs),
                                  [_x(shape, dtype=dtype)])
    assert c_y.grad_fn.name() == t_y.grad_fn.name()


@pytest.mark.parametrize("shape,kwargs", MAX_POOL3D[1:5] + MAX_POOL3D[8:10])
def test_max_pool3d_gradcheck(shape, kwargs):
    gradcheck(lambda x: F.max_pool3d(x, **kwargs), [_x(shape)])


@pytest.mark.parametrize("shape,kwargs", AVG_POOL3D[1:9] + AVG_POOL3D[10:])
def test_avg_pool3d_gradcheck(shape, kwargs):
    gradcheck(lambda x: F.avg_pool3d(x, **kwargs), [rng(2).standard_normal(shape)])


@pytest.mark.parametrize("dtype", [np.int64, np.int32, np.int8, np.uint8, np.float16])
def test_max_pool3d_other_dtypes_match_torch(dtype):
    x = (rng(3).permutation(5 * 6 * 7 * 2) % 120).reshape(2, 5, 6, 7).astype(dtype)
    c_y, c_i = F.max_pool3d(cynn.from_numpy(x), 2, return_indices=True)
    t_y, t_i = TF.max_pool3d(torch.from_numpy(x), 2, return_indices=True)
    np.testing.assert_array_equal(c_y.numpy(), t_y.numpy())
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())


def test_avg_pool3d_int64_truncates_like_torch():
    x = np.arange(-60, 60).reshape(1, 2, 3, 4, 5)
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1,
                                              divisor_override=7)):
        c = F.avg_pool3d(cynn.from_numpy(x), **kwargs)
        t = TF.avg_pool3d(torch.from_numpy(x), **kwargs)
        assert c.dtype == cynn.int64
        np.testing.assert_array_equal(c.numpy(), t.numpy())


def test_max_pool3d_nan_and_ties_follow_torch():
    x = np.zeros((1, 1, 4, 4, 4), np.float32)
    x[0, 0, 1, 1, 1] = np.nan
    x[0, 0, 2, 3, 0] = np.nan
    x[0, 0, 3, 3, 3] = -np.inf
    for kwargs in (dict(kernel_size=2), dict(kernel_size=3, stride=1, padding=1)):
        c_y, c_i = F.max_pool3d(cynn.from_numpy(x), return_indices=True, **kwargs)
        t_y, t_i = TF.max_pool3d(torch.from_numpy(x), return_indices=True, **kwargs)
        np.testing.assert_array_equal(c_y.numpy(), t_y.numpy())
        np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())
    neg = np.full((1, 1, 3, 3, 3), -np.inf, np.float32)
    c_y, c_i = F.max_pool3d(cynn.from_numpy(neg), 2, 1, 1, return_indices=True)
    t_y, t_i = TF.max_pool3d(torch.from_numpy(neg), 2, 1, 1, return_indices=True)
    np.testing.assert_array_equal(c_i.numpy(), t_i.numpy())


@pytest.mark.parametrize("fn", ["max_pool3d", "avg_pool3d"])
def test_empty_batch(fn):
    check_parity(lambda x: getattr(F, fn)(x, 2), lambda x: getattr(TF, fn)(x, 2),
                 [np.zeros((0, 3, 4, 5, 6), np.float32)])


BIG = 2 ** 31 - 1


@pytest.mark.parametrize("fn,args", [
    ("max_pool3d", (2, BIG)),                       # one output per axis
    ("max_pool3d", (3, BIG, 1, 1, True)),
    ("max_pool3d", (3, (BIG, 1, BIG), 1)),
    ("avg_pool3d", (2, BIG)),
    ("avg_pool3d", (3, BIG, 1, True)),
])
def test_huge_window_arguments_compute_like_torch(fn, args):
    check_parity(lambda x: getattr(F, fn)(x, *args), lambda x: getattr(TF, fn)(x, *args),
                 [_x((1, 2, 3, 3, 4))])


def test_kernel_of_2_31_over_every_axis_is_a_global_max():
    # torch walks the padded part of such windows tap by tap (minutes): numpy decides
    x = _x((2, 3, 4, 5, 6))
    y, i = F.max_pool3d(cynn.from_numpy(x), BIG, 1, 2 ** 30 - 1, return_indices=True)
    assert y.shape == (2, 3, 4, 5, 6)
    flat = x.reshape(2, 3, -1)
    np.testing.assert_array_equal(y.numpy(), np.broadcast_to(flat.max(-1)[..., None, None, None],
                                                             y.shape))
    np.testing.assert_array_equal(i.numpy(), np.broadcast_to(
        flat.argmax(-1)[..., None, None, None], y.shape))


ERRORS_3D = [
    lambda lib, F, x: F.max_pool3d(x, (2, 2)),
    lambda lib, F, x: F.max_pool3d(x, (2, 2, 2, 2)),
    lambda lib, F, x: F.max_pool3d(x, 2, (1, 1)),
    lambda lib, F, x: F.max_pool3d(x, 2, 1, (1, 1)),
    lambda lib, F, x: F.max_pool3d(x, 2, 1, 0, (1, 1)),
    lambda lib, F, x: F.max_pool3d(x, 0),
    lambda lib, F, x: F.max_pool3d(x, 0, 1),
    lambda lib, F, x: F.max_pool3d(x, (1, 0, 1), 1),
    lambda lib, F, x: F.max_pool3d(x, 2, -1),
    lambda lib, F, x: F.max_pool3d(x, 2, (1, -1, 1)),
    lambda lib, F, x: F.max_pool3d(x, 2, 1, -1),
    lambda lib, F, x: F.max_pool3d(x, 2, 1, 2),
    lambda lib, F, x: F.max_pool3d(x, 2, 1, 0, 0),
    lambda lib, F, x: F.max_pool3d(x, 3, 1, 2, 2),
    lambda lib, F, x: F.max_pool3d(x, 2, 1, 0, BIG),
    lambda lib, F, x: F.max_pool3d(x, 2 ** 40),
    lambda lib, F, x: F.max_pool3d(x, 2, 2 ** 40),
    lambda lib, F, x: F.max_pool3d(x, 2 ** 64),
    lambda lib, F, x: F.max_pool3d(x, BIG, 1, 2 ** 30),
    lambda lib, F, x: F.max_pool3d(x, "a"),
    lambda lib, F, x: F.max_pool3d(x, (2, 2.0, 2)),
    lambda lib, F, x: F.max_pool3d(x, 2, ceil_mode=1),
    lambda lib, F, x: F.max_pool3d([1], 2),
    lambda lib, F, x: F.max_pool3d(x[0, 0], 2),
    lambda lib, F, x: F.max_pool3d(x[None], 2),
    lambda lib, F, x: F.max_pool3d(x[:, :0], 2),
    lambda lib, F, x: F.max_pool3d(x[:, :, :, :0], 2),
    lambda lib, F, x: F.max_pool3d(x[0, :0], 2),
    lambda lib, F, x: F.max_pool3d(x[:, :0, :1], 0, 1),
    lambda lib, F, x: F.max_pool3d(x[:, :, :1], 2),
    lambda lib, F, x: F.max_pool3d(x > 0, 2),
    lambda lib, F, x: F.max_pool3d((x > 0)[:, :, :1], 2),
    lambda lib, F, x: F.avg_pool3d(x, (2, 2)),
    lambda lib, F, x: F.avg_pool3d(x, 2, (1, 1)),
    lambda lib, F, x: F.avg_pool3d(x, 2, 1, (1, 1)),
    lambda lib, F, x: F.avg_pool3d(x, 0),
    lambda lib, F, x: F.avg_pool3d(x, 0, 1),
    lambda lib, F, x: F.avg_pool3d(x, 2, -1),
    lambda lib, F, x: F.avg_pool3d(x, 2, 1, -1),
    lambda lib, F, x: F.avg_pool3d(x, 2, 1, 2),
    lambda lib, F, x: F.avg_pool3d(x, 2, divisor_override=0),
    lambda lib, F, x: F.avg_pool3d(x, 2, 0, divisor_override=0),
    lambda lib, F, x: F.avg_pool3d(x[0, 0, 0], 2, divisor_override=0),
    lambda lib, F, x: F.avg_pool3d(x, 2, divisor_override=2.0),
    lambda lib, F, x: F.avg_pool3d(x, 2, divisor_override=2 ** 64),
    lambda lib, F, x: F.avg_pool3d(x, 2, ceil_mode=1),
    lambda lib, F, x: F.avg_pool3d(x, 2, count_include_pad=1),
    lambda lib, F, x: F.avg_pool3d(x[0, 0], 2),
    lambda lib, F, x: F.avg_pool3d(x[:, :0], 2),
    lambda lib, F, x: F.avg_pool3d(x[:, :, :0], 0, 1),
    lambda lib, F, x: F.avg_pool3d(x[:, :, :1], 2),
    lambda lib, F, x: F.avg_pool3d(x[:, :, :1], 2, 1, 1),
    lambda lib, F, x: F.avg_pool3d(x, BIG, 1, 2 ** 30 - 1),
    lambda lib, F, x: F.avg_pool3d(x.int(), 2),
    lambda lib, F, x: F.avg_pool3d(x.half(), 2),
    lambda lib, F, x: F.avg_pool3d(x.int()[:0], 2),
    lambda lib, F, x: F.avg_pool3d(x > 0, 2),
]


@pytest.mark.parametrize("call", ERRORS_3D, ids=[str(i) for i in range(len(ERRORS_3D))])
def test_pool3d_errors_match_torch(call):
    same_error(call, _x((2, 3, 5, 6, 7)))


# ------------------------------------------------------------------ max_unpool3d
UNPOOL3D = [
    ((2, 3, 4, 6, 6), 2, None, 0, None),
    ((2, 2, 7, 7, 7), 3, 2, 1, None),
    ((1, 2, 6, 8, 5), (2, 3, 1), (2, 2, 3), 0, (6, 8, 5)),
    ((2, 2, 5, 7, 7), 2, None, 0, (5, 7, 7)),
    ((3, 5, 7, 4), 2, None, 0, (5, 7, 4)),
]


@pytest.mark.parametrize("shape,kernel,stride,padding,output_size", UNPOOL3D)
def test_max_unpool3d_inverts_max_pool3d_like_torch(shape, kernel, stride, padding, output_size):
    def round_trip(lib_f):
        def fn(x):
            y, i = lib_f.max_pool3d(x, kernel, stride, padding, return_indices=True)
            return lib_f.max_unpool3d(y * 2, i, kernel, stride, padding, output_size)
        return fn
    (c,), (t,) = check_parity(round_trip(F), round_trip(TF), [_x(shape)])
    assert c.grad_fn.name() == t.grad_fn.name() == "MaxUnpool3DBackward0"


def test_max_unpool3d_gradcheck():
    x = _x((2, 2, 4, 6, 6))
    _, i = TF.max_pool3d(torch.from_numpy(x), 2, return_indices=True)
    idx = cynn.from_numpy(i.numpy())
    gradcheck(lambda y: F.max_unpool3d(y, idx, 2), [rng(4).standard_normal(tuple(i.shape))])


def _pooled(shape=(2, 3, 4, 6, 6)):
    y, i = TF.max_pool3d(torch.from_numpy(_x(shape)), 2, return_indices=True)
    return y.numpy(), i.numpy()


UNPOOL_ERRORS = [
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2, output_size=(6, 7, 7)),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2, output_size=(7, 7)),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2, 1, 5),
    lambda lib, F, y, i: F.max_unpool3d(y, i.int(), 2),
    lambda lib, F, y, i: F.max_unpool3d(y, i.float(), 2),
    lambda lib, F, y, i: F.max_unpool3d(y, [1], 2),
    lambda lib, F, y, i: F.max_unpool3d(y, i[:1], 2),
    lambda lib, F, y, i: F.max_unpool3d(y, i[:1], 2, 0),
    lambda lib, F, y, i: F.max_unpool3d(y[0, 0], i[0, 0], 2),
    lambda lib, F, y, i: F.max_unpool3d(y[0, 0], i[0, 0].int(), 2),
    lambda lib, F, y, i: F.max_unpool3d(y[0, 0], i[0, 0], (2, 2)),
    lambda lib, F, y, i: F.max_unpool3d(y, i, (2, 2)),
    lambda lib, F, y, i: F.max_unpool3d(y, i + 1000, 2),
    lambda lib, F, y, i: F.max_unpool3d(y, i - 1000, 2),
    lambda lib, F, y, i: F.max_unpool3d(y[:, :0], i[:, :0], 2),
    lambda lib, F, y, i: F.max_unpool3d(y[:, :0], i[:1, :0], 2),
    lambda lib, F, y, i: F.max_unpool3d(y.long(), i, 2),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2, 0),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2, -1),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2 ** 40),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2 ** 62),
    lambda lib, F, y, i: F.max_unpool3d(y, i, 2, output_size=(2 ** 40,) * 3),
]


@pytest.mark.parametrize("call", UNPOOL_ERRORS, ids=[str(i) for i in range(len(UNPOOL_ERRORS))])
def test_max_unpool3d_errors_match_torch(call):
    # with several threads torch reports the last invalid index of whichever thread
    # finishes last; serially (and in cynn, always) the last one
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        same_error(call, *_pooled())
    finally:
        torch.set_num_threads(threads)


def test_max_unpool3d_empty_batch_and_unbatched():
    y, i = _pooled()
    check_parity(lambda a, b: F.max_unpool3d(a, b, 2), lambda a, b: TF.max_unpool3d(a, b, 2),
                 [y[:0], i[:0]])
    check_parity(lambda a, b: F.max_unpool3d(a, b, 2), lambda a, b: TF.max_unpool3d(a, b, 2),
                 [y[0], i[0]])


def test_max_unpool3d_backward_checks_indices_changed_behind_the_version_counter():
    y, i = _pooled()
    results = []
    for lib, lib_f in ((torch, TF), (cynn, F)):
        yy = lib.from_numpy(y.copy()).requires_grad_()
        idx = lib.from_numpy(i.copy())
        out = lib_f.max_unpool3d(yy, idx, 2)
        idx.data.add_(10000)
        with pytest.raises(RuntimeError) as info:
            out.sum().backward()
        results.append(str(info.value))
    assert results[1] == results[0]


def test_max_unpool3d_backward_refuses_indices_changed_in_place():
    y, i = _pooled()
    yy = cynn.from_numpy(y).requires_grad_()
    idx = cynn.from_numpy(i.copy())
    out = F.max_unpool3d(yy, idx, 2)
    idx.add_(10000)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        out.sum().backward()


# ------------------------------------------------------------------------ modules
MODULES = [
    ("MaxPool3d", (2,), {}), ("MaxPool3d", (3,), {"stride": 2, "padding": 1}),
    ("MaxPool3d", ((2, 3, 2),), {"stride": (1, 2, 2), "dilation": (2, 1, 1),
                                 "ceil_mode": True}),
    ("AvgPool3d", (2,), {}), ("AvgPool3d", (3,), {"stride": 2, "padding": 1}),
    ("AvgPool3d", ((2, 1, 2), 1, (1, 0, 1), True, False, 3), {}),
]


@pytest.mark.parametrize("name,args,kwargs", MODULES, ids=[f"{n}{a}{k}" for n, a, k in MODULES])
def test_pool3d_modules_match_torch(name, args, kwargs):
    c, t = getattr(nn, name)(*args, **kwargs), getattr(torch.nn, name)(*args, **kwargs)
    assert repr(c) == repr(t)
    assert c.stride == t.stride
    check_module_parity(c, t, _x((2, 3, 6, 7, 8)))
    check_module_parity(c, t, _x((3, 6, 7, 8), 2))


def test_max_pool3d_module_return_indices_and_unpool_module():
    c_pool, t_pool = nn.MaxPool3d(2, return_indices=True), torch.nn.MaxPool3d(2,
                                                                             return_indices=True)
    c_unpool, t_unpool = nn.MaxUnpool3d(2), torch.nn.MaxUnpool3d(2)
    assert repr(c_unpool) == repr(t_unpool)
    assert repr(nn.MaxUnpool3d(2, 1)) == repr(torch.nn.MaxUnpool3d(2, 1))
    check_parity(lambda x: c_unpool(*c_pool(x), output_size=x.shape),
                 lambda x: t_unpool(*t_pool(x), output_size=x.shape), [_x((2, 3, 5, 7, 6))])


# -------------------------------------------------------------------- 3-d CNN
def _cnn(lib):
    nn_ = lib.nn
    return nn_.Sequential(
        nn_.Conv3d(2, 4, 3, padding=1), nn_.BatchNorm3d(4), nn_.ReLU(),
        nn_.MaxPool3d(2), nn_.Conv3d(4, 6, 3, padding=1), nn_.ReLU(),
        nn_.AdaptiveAvgPool3d(1), nn_.Flatten(), nn_.Linear(6, 3))


def test_tiny_3d_cnn_trains_like_torch():
    cynn.manual_seed(0)
    c_model, t_model = _cnn(cynn), _cnn(torch)
    copy_state(c_model, t_model)
    c_opt = cynn.optim.SGD(c_model.parameters(), lr=0.1, momentum=0.9)
    t_opt = torch.optim.SGD(t_model.parameters(), lr=0.1, momentum=0.9)
    data = rng(5).standard_normal((4, 2, 6, 8, 8)).astype(np.float32)
    target = np.array([0, 2, 1, 2])
    for step in range(3):
        losses = []
        for lib, model, opt in ((cynn, c_model, c_opt), (torch, t_model, t_opt)):
            opt.zero_grad()
            loss = lib.nn.functional.cross_entropy(model(lib.from_numpy(data)),
                                                   lib.from_numpy(target))
            loss.backward()
            opt.step()
            losses.append(loss)
        assert_close(losses[0], losses[1], what=f"loss at step {step}")
    t_params = dict(t_model.named_parameters())
    for name, p in c_model.named_parameters():
        assert_close(p, t_params[name], rtol=1e-4, atol=1e-5, what=name)
    t_buffers = dict(t_model.named_buffers())
    for name, b in c_model.named_buffers():
        assert_close(b, t_buffers[name], rtol=1e-4, atol=1e-5, what=name)
