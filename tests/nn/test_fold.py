"""``F.unfold``/``F.fold`` and ``nn.Unfold``/``nn.Fold`` against torch: values,
gradients and grad_fn names over kernel/dilation/padding/stride geometries, batched
and unbatched; float64 gradchecks (first and second order); torch's errors; empty
batches; 1 vs 2 threads."""
import numpy as np
import pytest

import cynn
from _nn_parity import assert_same_error, check_parity, gradcheck, torch
from cynn.autograd import gradgradcheck
from cynn.nn.functional import vision as F
from cynn.nn.modules import fold as M

TF = torch.nn.functional


def _x(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


GEOMETRIES = [
    dict(kernel_size=3), dict(kernel_size=(2, 3), stride=2),
    dict(kernel_size=2, dilation=(2, 1), padding=1),
    dict(kernel_size=(3, 1), dilation=2, padding=(0, 2), stride=(1, 3)),
    dict(kernel_size=1), dict(kernel_size=(6, 7)), dict(kernel_size=4, padding=3, stride=5),
]


def _blocks(size, g):
    k = g["kernel_size"]
    k = (k, k) if isinstance(k, int) else k
    pair = lambda v: (v, v) if isinstance(v, int) else v  # noqa: E731
    d, p, s = pair(g.get("dilation", 1)), pair(g.get("padding", 0)), pair(g.get("stride", 1))
    return k, [(size[i] + 2 * p[i] - d[i] * (k[i] - 1) - 1) // s[i] + 1 for i in range(2)]


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_unfold_matches_torch(geometry, batched):
    shape = (2, 3, 6, 7) if batched else (3, 6, 7)
    c_out, t_out = check_parity(lambda t: F.unfold(t, **geometry),
                                lambda t: TF.unfold(t, **geometry), [_x(shape)])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


@pytest.mark.parametrize("batched", [True, False])
@pytest.mark.parametrize("geometry", GEOMETRIES)
def test_fold_matches_torch(geometry, batched):
    (kh, kw), (bh, bw) = _blocks((6, 7), geometry)
    shape = (2, 3 * kh * kw, bh * bw) if batched else (3 * kh * kw, bh * bw)
    c_out, t_out = check_parity(lambda t: F.fold(t, (6, 7), **geometry),
                                lambda t: TF.fold(t, (6, 7), **geometry), [_x(shape)])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


def test_float64_matches_torch():
    check_parity(lambda t: F.unfold(t, 3, padding=1), lambda t: TF.unfold(t, 3, padding=1),
                 [_x((1, 2, 5, 5), np.float64)])


@pytest.mark.parametrize("geometry", GEOMETRIES[:4])
def test_gradcheck(geometry):
    gradcheck(lambda t: F.unfold(t, **geometry), [_x((1, 2, 6, 7))])
    (kh, kw), (bh, bw) = _blocks((6, 7), geometry)
    gradcheck(lambda t: F.fold(t, (6, 7), **geometry), [_x((1, 2 * kh * kw, bh * bw))])


def test_second_order():
    x = cynn.tensor(_x((1, 2, 5, 5), np.float64), requires_grad=True)
    assert gradgradcheck(lambda t: F.unfold(t, 2, stride=1) ** 2, (x,))
    col = cynn.tensor(_x((1, 8, 16), np.float64), requires_grad=True)
    assert gradgradcheck(lambda t: F.fold(t, (5, 5), 2) ** 2, (col,))


def test_empty_batch():
    check_parity(lambda t: F.unfold(t, 2), lambda t: TF.unfold(t, 2), [_x((0, 2, 4, 4))])
    check_parity(lambda t: F.fold(t, (4, 4), 2), lambda t: TF.fold(t, (4, 4), 2),
                 [_x((0, 8, 9))])


def test_one_and_two_threads_bitwise_equal():
    x = cynn.tensor(_x((4, 16, 30, 30)), requires_grad=True)
    outputs = []
    before = cynn.get_num_threads()
    try:
        for n in (1, 2):
            cynn.set_num_threads(n)
            x.grad = None
            col = F.unfold(x, 3, padding=1, stride=2, dilation=2)
            y = F.fold(col * col, (30, 30), 3, padding=1, stride=2, dilation=2)
            (y * y).sum().backward()
            outputs.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    finally:
        cynn.set_num_threads(before)
    for a, b in zip(*outputs):
        assert np.array_equal(a, b)


_X4 = _x((1, 2, 4, 4))


@pytest.mark.parametrize("x,args,kwargs", [
    (_x((4, 4)), (2,), {}), (_x((4,)), (2,), {}), (_x((1, 1, 4, 4, 4)), (2,), {}),
    (_X4, (0,), {}), (_X4, (2,), dict(stride=0)), (_X4, (2,), dict(dilation=0)),
    (_X4, (2,), dict(padding=-1)), (_X4, (0,), dict(dilation=0, padding=-1, stride=0)),
    (_X4, (2,), dict(dilation=0, padding=-1, stride=0)), (_X4, (5,), {}),
    (_x((1, 0, 4, 4)), (2,), {}), (_x((1, 2, 0, 4)), (2,), dict(padding=1)),
    (_X4, ((2, 2, 2),), {}), (_X4, (2.0,), {}), (_X4, (True,), {}),
    (_X4, (2,), dict(padding=(1.0, 1))), (_X4, (2,), dict(padding=(1, 1.0))),
    (np.ones((1, 2, 4, 4), np.int64), (2,), {}),
])
def test_unfold_errors_match_torch(x, args, kwargs):
    assert_same_error(lambda: F.unfold(cynn.tensor(x), *args, **kwargs),
                      lambda: TF.unfold(torch.tensor(x), *args, **kwargs))


_C = _x((1, 8, 9))


@pytest.mark.parametrize("x,args,kwargs", [
    (_x((1, 8, 9, 1)), ((4, 4), 2), {}), (_x((8,)), ((4, 4), 2), {}),
    (_x((1, 7, 9)), ((4, 4), 2), {}), (_x((7, 9)), ((4, 4), 2), {}),
    (_x((1, 8, 8)), ((4, 4), 2), {}), (_x((8, 8)), ((4, 4), 2), {}),
    (_C, ((4, 4), 0), {}), (_C, ((4, 4), 2), dict(stride=0)), (_C, ((4, 4), 2), dict(dilation=0)),
    (_C, ((4, 4), 2), dict(padding=-1)),
    (_C, ((4, 4), 0), dict(dilation=0, padding=-1, stride=0)),
    (_C, ((4, 4), 2), dict(dilation=0, padding=-1, stride=0)),
    (_C, ((0, 4), 2), {}), (_C, ((1, 1), 2), {}), (_x((1, 4, 1)), ((0, 0), 2), {}),
    (_x((1, 0, 9)), ((4, 4), 2), {}), (_x((1, 8, 0)), ((4, 4), 2), {}),
    (_C, ((4, 4, 4), 2), {}), (_C, (4.0, 2), {}),
    (np.ones((1, 8, 9), np.int64), ((4, 4), 2), {}),
])
def test_fold_errors_match_torch(x, args, kwargs):
    assert_same_error(lambda: F.fold(cynn.tensor(x), *args, **kwargs),
                      lambda: TF.fold(torch.tensor(x), *args, **kwargs))


def test_modules_match_torch():
    for make in (lambda nn: nn.Unfold(2, padding=1), lambda nn: nn.Unfold((2, 3), 2, 1, (2, 1))):
        c, t = make(M), make(torch.nn)
        assert repr(c) == repr(t)
        check_parity(c, t, [_x((2, 3, 6, 7))])
    for make in (lambda nn: nn.Fold((4, 5), 2), lambda nn: nn.Fold(6, (2, 3), 1, 1, 2)):
        c, t = make(M), make(torch.nn)
        assert repr(c) == repr(t)
        size = c.output_size if isinstance(c.output_size, tuple) else (c.output_size,) * 2
        (kh, kw), (bh, bw) = _blocks(size, dict(kernel_size=c.kernel_size, dilation=c.dilation,
                                                padding=c.padding, stride=c.stride))
        check_parity(c, t, [_x((2, 2 * kh * kw, bh * bw))])


def test_non_contiguous_input():
    x = _x((2, 7, 6, 3)).transpose(0, 3, 2, 1)
    view = cynn.tensor(_x((2, 7, 6, 3))).permute(0, 3, 2, 1)
    assert not view.numpy().flags.c_contiguous
    np.testing.assert_array_equal(F.unfold(view, 2, stride=2).numpy(),
                                  TF.unfold(torch.tensor(x), 2, stride=2).numpy())
