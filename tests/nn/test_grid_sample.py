"""``F.grid_sample`` and ``F.affine_grid`` against torch: values and gradients for
input, grid and theta over modes, padding modes, align_corners and ranks; float64
gradchecks; torch's errors and warnings; empty batches; 1 vs 2 threads."""
import warnings

import numpy as np
import pytest

import cynn
from _nn_parity import assert_same_error, check_parity, gradcheck, torch
from cynn.autograd import gradgradcheck
from cynn.nn.functional import vision as F

TF = torch.nn.functional
PADDINGS = ["zeros", "border", "reflection"]


def _x(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _grid(shape, dtype=np.float32, seed=1, spread=1.3):
    # beyond [-1, 1] so that every padding mode and both borders are exercised
    return np.random.default_rng(seed).uniform(-spread, spread, shape).astype(dtype)


def _parity(x, grid, *args, **kwargs):
    c_out, t_out = check_parity(lambda a, g: F.grid_sample(a, g, *args, **kwargs),
                                lambda a, g: TF.grid_sample(a, g, *args, **kwargs), [x, grid],
                                rtol=1e-4, atol=1e-4)
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_2d_matches_torch(mode, padding_mode, align_corners):
    _parity(_x((2, 3, 5, 7)), _grid((2, 4, 6, 2)), mode, padding_mode, align_corners)


@pytest.mark.parametrize("align_corners", [False, True])
@pytest.mark.parametrize("padding_mode", PADDINGS)
@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_3d_matches_torch(mode, padding_mode, align_corners):
    _parity(_x((2, 2, 3, 5, 4)), _grid((2, 3, 4, 2, 3)), mode, padding_mode, align_corners)


@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_far_away_and_single_pixel_axes(padding_mode):
    # an axis of 1 (reflection over an empty span) and coordinates many sizes away
    grid = _grid((1, 3, 4, 2), spread=9.0)
    for mode in ("bilinear", "nearest", "bicubic"):
        _parity(_x((1, 2, 1, 5)), grid, mode, padding_mode, False)
        _parity(_x((1, 2, 4, 3)), grid, mode, padding_mode, True)


def test_float64_matches_torch():
    _parity(_x((1, 2, 4, 5), np.float64), _grid((1, 3, 3, 2), np.float64), "bicubic",
            "reflection", False)


@pytest.mark.parametrize("mode,padding_mode,align_corners", [
    ("bilinear", "zeros", False), ("bilinear", "border", True),
    ("bilinear", "reflection", False), ("bicubic", "zeros", True),
    ("bicubic", "reflection", False), ("nearest", "zeros", False),
])
def test_gradcheck_2d(mode, padding_mode, align_corners):
    x = _x((1, 2, 4, 5))
    # keep samples off pixel boundaries, where the bilinear/bicubic weights have kinks
    grid = _grid((1, 3, 2, 2), spread=0.9) * 0.97 + 0.011
    grad = [0] if mode == "nearest" else [0, 1]
    gradcheck(lambda a, g: F.grid_sample(a, g, mode, padding_mode, align_corners), [x, grid],
              grad=grad)


@pytest.mark.parametrize("mode", ["bilinear", "nearest"])
def test_gradcheck_3d(mode):
    x = _x((1, 2, 3, 3, 4))
    grid = _grid((1, 2, 2, 2, 3), spread=0.9) * 0.97 + 0.011
    grad = [0] if mode == "nearest" else [0, 1]
    gradcheck(lambda a, g: F.grid_sample(a, g, mode, "border", False), [x, grid], grad=grad)


def test_nearest_grid_gradient_is_zero():
    x = cynn.tensor(_x((1, 1, 3, 3)))
    g = cynn.tensor(_grid((1, 2, 2, 2)), requires_grad=True)
    F.grid_sample(x, g, "nearest", align_corners=False).sum().backward()
    assert not np.any(g.grad.numpy())


@pytest.mark.parametrize("shapes", [((0, 2, 4, 4), (0, 3, 3, 2)), ((1, 0, 4, 4), (1, 3, 3, 2)),
                                    ((1, 2, 4, 4), (1, 0, 3, 2)),
                                    ((0, 2, 3, 4, 4), (0, 2, 3, 3, 3))])
def test_empty(shapes):
    _parity(_x(shapes[0]), _grid(shapes[1]), "bilinear", "zeros", False)


def test_one_and_two_threads_bitwise_equal():
    x = cynn.tensor(_x((4, 6, 20, 24)), requires_grad=True)
    grid = cynn.tensor(_grid((4, 30, 17, 2)), requires_grad=True)
    outputs = []
    before = cynn.get_num_threads()
    try:
        for n in (1, 2):
            cynn.set_num_threads(n)
            x.grad = grid.grad = None
            for mode in ("bilinear", "bicubic"):
                y = F.grid_sample(x, grid, mode, "reflection", False)
                (y * y).sum().backward()
            outputs.append((y.detach().numpy().copy(), x.grad.numpy().copy(),
                            grid.grad.numpy().copy()))
    finally:
        cynn.set_num_threads(before)
    for a, b in zip(*outputs):
        assert np.array_equal(a, b)


_X4, _G4 = _x((1, 2, 4, 4)), _grid((1, 3, 3, 2))


@pytest.mark.parametrize("x,grid,kwargs", [
    (_X4, _G4, dict(mode="foo", align_corners=False)),
    (_X4, _G4, dict(padding_mode="foo", align_corners=False)),
    (_X4, _G4, dict(mode=1, align_corners=False)),
    (_x((1, 2, 3, 3, 3)), _grid((1, 2, 2, 2, 3)), dict(mode="bicubic", align_corners=False)),
    (_X4.astype(np.float64), _G4, dict(align_corners=False)),
    (_x((2, 2, 4, 4)), _G4, dict(align_corners=False)),
    (_X4, _grid((1, 3, 3, 3)), dict(align_corners=False)),
    (_X4, _grid((1, 3, 3, 3, 2)), dict(align_corners=False)),
    (_x((2, 4, 4)), _grid((2, 3, 2)), dict(align_corners=False)),
    (_x((2, 4, 4)), _grid((2, 3, 1)), dict(align_corners=False)),
    (_x((1, 2, 0, 4)), _G4, dict(align_corners=False)),
    (_x((1, 2, 3, 3, 3)), _grid((1, 2, 2, 3)), dict(align_corners=False)),
    (np.ones((1, 2, 4, 4), np.int64), np.ones((1, 3, 3, 2), np.int64),
     dict(align_corners=False)),
    (_X4, np.ones((1, 3, 3, 2), np.int64), dict(align_corners=False)),
])
def test_errors_match_torch(x, grid, kwargs):
    assert_same_error(lambda: F.grid_sample(cynn.tensor(x), cynn.tensor(grid), **kwargs),
                      lambda: TF.grid_sample(torch.tensor(x), torch.tensor(grid), **kwargs))


def _warning_messages(call):
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        call()
    return [(str(w.message), w.category, w.filename) for w in seen]


def test_default_align_corners_warns_like_torch():
    x, g = _x((1, 1, 3, 3)), _grid((1, 2, 2, 2))
    assert _warning_messages(lambda: F.grid_sample(cynn.tensor(x), cynn.tensor(g))) == \
        _warning_messages(lambda: TF.grid_sample(torch.tensor(x), torch.tensor(g)))
    theta = _x((1, 2, 3))
    assert _warning_messages(lambda: F.affine_grid(cynn.tensor(theta), (1, 1, 3, 3))) == \
        _warning_messages(lambda: TF.affine_grid(torch.tensor(theta), (1, 1, 3, 3)))
    assert _warning_messages(
        lambda: F.affine_grid(cynn.tensor(theta), (1, 1, 1, 3), align_corners=True)) == \
        _warning_messages(
            lambda: TF.affine_grid(torch.tensor(theta), (1, 1, 1, 3), align_corners=True))


@pytest.mark.parametrize("size", [(2, 3, 4, 5), (2, 1, 1, 6), (2, 3, 4, 5, 3), (2, 1, 1, 2, 1)])
@pytest.mark.parametrize("align_corners", [False, True])
def test_affine_grid_matches_torch(size, align_corners):
    theta = _x((2, 2, 3) if len(size) == 4 else (2, 3, 4))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        c_out, t_out = check_parity(lambda t: F.affine_grid(t, size, align_corners),
                                    lambda t: TF.affine_grid(t, size, align_corners), [theta])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


def test_affine_grid_gradcheck_and_second_order():
    fn = lambda t: F.affine_grid(t, (2, 1, 3, 4), align_corners=False)  # noqa: E731
    gradcheck(fn, [_x((2, 2, 3))])
    theta = cynn.tensor(_x((2, 2, 3), np.float64), requires_grad=True)
    x = cynn.tensor(_x((2, 1, 4, 4), np.float64), requires_grad=True)
    assert gradgradcheck(fn, (theta,))
    # the usual spatial-transformer chain: grid from theta, then sample
    gradcheck(lambda t, a: F.grid_sample(a, F.affine_grid(t, (2, 1, 3, 4), align_corners=False),
                                         align_corners=False),
              [theta.detach().numpy() * 0.5 + 0.013, x.detach().numpy()])


@pytest.mark.parametrize("theta,size", [
    (_x((1, 2, 3)), (1, 2, 4, 4, 4)), (_x((1, 3, 4)), (1, 2, 4, 4)), (_x((2, 2, 3)), (1, 2, 4, 4)),
    (_x((1, 2, 3)), (1, 2, 4)), (np.ones((1, 2, 3), np.int64), (1, 2, 4, 4)),
    (_x((1, 2, 3)), (1, 2, 0, 4)), (_x((2, 3)), (1, 2, 4, 4)), (_x((1, 2, 3)), [1, 2, 4, 4, 4]),
])
def test_affine_grid_errors_match_torch(theta, size):
    assert_same_error(lambda: F.affine_grid(cynn.tensor(theta), size, align_corners=False),
                      lambda: TF.affine_grid(torch.tensor(theta), size, align_corners=False))


@pytest.mark.parametrize("value", [np.nan, np.inf, -np.inf, 1e30, -1e30])
@pytest.mark.parametrize("mode", ["bilinear", "nearest", "bicubic"])
def test_non_finite_grid_with_zero_padding_matches_torch(mode, value):
    x, grid = _x((1, 2, 4, 5)), _grid((1, 2, 3, 2))
    grid[0, 1, :, 0] = value
    for align_corners in (False, True):
        got = F.grid_sample(cynn.tensor(x), cynn.tensor(grid), mode, "zeros", align_corners)
        expected = TF.grid_sample(torch.tensor(x), torch.tensor(grid), mode, "zeros",
                                  align_corners)
        np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6,
                                   equal_nan=True)


@pytest.mark.parametrize("padding_mode", ["border", "reflection"])
def test_non_finite_grid_with_border_padding_stays_in_bounds(padding_mode):
    # PyTorch's vectorized kernel reads an arbitrary element here; cynn samples a
    # border pixel, and never reads outside the input
    x = _x((1, 2, 4, 5))
    grid = np.array([np.nan, np.inf, -np.inf, 1e30], np.float32).reshape(1, 1, 2, 2)
    for mode in ("bilinear", "nearest", "bicubic"):
        out = F.grid_sample(cynn.tensor(x), cynn.tensor(grid), mode, padding_mode, False)
        assert out.shape == (1, 2, 1, 2)


def test_non_contiguous_inputs():
    x, grid = _x((2, 5, 4, 3)), _grid((2, 2, 3, 4))
    cx = cynn.tensor(x).permute(0, 3, 2, 1)
    cg = cynn.tensor(grid).permute(0, 2, 3, 1)[..., :2]
    tx = torch.tensor(x).permute(0, 3, 2, 1)
    tg = torch.tensor(grid).permute(0, 2, 3, 1)[..., :2]
    np.testing.assert_allclose(F.grid_sample(cx, cg, align_corners=True).numpy(),
                               TF.grid_sample(tx, tg, align_corners=True).numpy(),
                               rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("x_shape,grid_shape,mode", [
    ((2, 2, 3, 4), (2, 2, 3, 2), "bilinear"), ((2, 2, 3, 4), (2, 2, 3, 2), "bicubic"),
    ((2, 2, 3, 4), (2, 2, 3, 2), "nearest"), ((1, 2, 3, 2, 4), (1, 2, 2, 3, 3), "bilinear"),
])
@pytest.mark.parametrize("padding_mode", PADDINGS)
def test_double_backward_matches_torch(x_shape, grid_shape, mode, padding_mode):
    xa = _x(x_shape, np.float64)
    ga = _grid(grid_shape, np.float64)
    results = []
    for lib, F_ in ((cynn, F), (torch, TF)):
        x, g = lib.tensor(xa, requires_grad=True), lib.tensor(ga, requires_grad=True)
        y = F_.grid_sample(x, g, mode, padding_mode, align_corners=False)
        gx, gg = lib.autograd.grad((y * y).sum(), (x, g), create_graph=True)
        second = lib.autograd.grad((gx ** 2).sum() + (gg ** 3).sum(), (x, g), allow_unused=True)
        results.append([gx.detach().numpy(), gg.detach().numpy()] +
                       [np.zeros_like(a) if s is None else s.numpy()
                        for s, a in zip(second, (xa, ga))])
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


def test_gradgradcheck():
    x = cynn.tensor(_x((1, 2, 3, 4), np.float64), requires_grad=True)
    grid = cynn.tensor(_grid((1, 2, 2, 2), np.float64, spread=0.9) * 0.97 + 0.011,
                       requires_grad=True)
    for mode in ("bilinear", "bicubic"):
        assert gradgradcheck(lambda a, g: F.grid_sample(a, g, mode, "reflection", False),
                             (x, grid))
