"""``F.interpolate``, the deprecated ``upsample*`` wrappers and the ``Upsample``
modules against torch: values, gradients and grad_fn names over a matrix of modes,
ranks, sizes, scale factors and align_corners; float64 gradchecks (first and second
order); torch's errors and warnings; empty batches; 1 vs 2 threads."""
import warnings

import numpy as np
import pytest

import cynn
from _nn_parity import assert_same_error, check_parity, gradcheck, torch
from cynn.autograd import gradgradcheck
from cynn.nn.functional import vision as F
from cynn.nn.modules import upsampling as U

TF = torch.nn.functional


def _x(shape, dtype=np.float32, seed=0):
    return np.random.default_rng(seed).standard_normal(shape).astype(dtype)


def _parity(x, **kwargs):
    c_out, t_out = check_parity(lambda t: F.interpolate(t, **kwargs),
                                lambda t: TF.interpolate(t, **kwargs), [x])
    assert c_out[0].grad_fn.name() == t_out[0].grad_fn.name()


SIZES = [dict(scale_factor=2), dict(scale_factor=0.5), dict(scale_factor=1.7),
         dict(scale_factor=0.3), dict(size=1)]
SIZE_2D = [dict(size=(9, 4)), dict(scale_factor=(0.5, 2.5)), dict(size=(5, 7)),
           dict(scale_factor=3, recompute_scale_factor=True),
           dict(scale_factor=(1.3, 0.7), recompute_scale_factor=False)]
ALIGNED = {"linear", "bilinear", "bicubic", "trilinear"}


MODES_2D = [("nearest", None), ("nearest-exact", None), ("area", None), ("bilinear", False),
            ("bilinear", True), ("bicubic", False), ("bicubic", True)]


@pytest.mark.parametrize("sizing", SIZES + SIZE_2D)
@pytest.mark.parametrize("mode,align_corners", MODES_2D)
def test_2d_matches_torch(mode, align_corners, sizing):
    kwargs = dict(sizing, mode=mode)
    if align_corners is not None:
        kwargs["align_corners"] = align_corners
    _parity(_x((2, 3, 5, 7)), **kwargs)


@pytest.mark.parametrize("sizing", SIZES + [dict(size=11)])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "linear", "linear-aligned", "area"])
def test_1d_matches_torch(mode, sizing):
    kwargs = dict(sizing, mode=mode)
    if mode.startswith("linear"):
        kwargs.update(mode="linear", align_corners=mode == "linear-aligned")
    _parity(_x((2, 3, 7)), **kwargs)


@pytest.mark.parametrize("sizing", [dict(scale_factor=2), dict(scale_factor=(0.5, 1.5, 2)),
                                    dict(size=(2, 7, 3)), dict(size=1)])
@pytest.mark.parametrize("mode", ["nearest", "nearest-exact", "trilinear", "trilinear-aligned",
                                  "area"])
def test_3d_matches_torch(mode, sizing):
    kwargs = dict(sizing, mode=mode)
    if mode.startswith("trilinear"):
        kwargs.update(mode="trilinear", align_corners=mode == "trilinear-aligned")
    _parity(_x((2, 2, 3, 5, 4)), **kwargs)


@pytest.mark.parametrize("sizing", [dict(scale_factor=0.5), dict(scale_factor=0.3),
                                    dict(size=(3, 11)), dict(scale_factor=2)])
@pytest.mark.parametrize("mode,align_corners", [("bilinear", False), ("bilinear", True),
                                                ("bicubic", False), ("bicubic", True),
                                                ("lanczos", False)])
def test_antialias_matches_torch(mode, align_corners, sizing):
    _parity(_x((2, 3, 12, 9)), mode=mode, antialias=True, align_corners=align_corners,
            **sizing)


def test_nearest_float32_index_rounding_matches_torch():
    # scale factors whose reciprocal is inexact in float32: the source index is
    # floor(o * s) computed in float32, as PyTorch does
    for scale in (1.1, 2.3, 0.7, 3.0 / 7.0, 1.999):
        for mode in ("nearest", "nearest-exact"):
            _parity(_x((1, 1, 23, 37)), mode=mode, scale_factor=scale)


def test_float64_matches_torch():
    _parity(_x((2, 2, 5, 6), np.float64), mode="bicubic", scale_factor=1.5,
            align_corners=False)
    _parity(_x((2, 2, 5, 6), np.float64), mode="bilinear", size=(3, 4), antialias=True)


@pytest.mark.parametrize("mode,shape,kwargs", [
    ("nearest", (1, 2, 4), dict(scale_factor=1.5)),
    ("linear", (1, 2, 4), dict(size=7, align_corners=False)),
    ("bilinear", (1, 2, 3, 4), dict(scale_factor=1.5, align_corners=True)),
    ("bicubic", (1, 1, 4, 3), dict(size=(5, 5), align_corners=False)),
    ("bilinear", (1, 1, 6, 5), dict(size=(3, 2), antialias=True)),
    ("bicubic", (1, 1, 6, 5), dict(size=(4, 3), antialias=True)),
    ("trilinear", (1, 1, 2, 3, 3), dict(scale_factor=1.5, align_corners=False)),
    ("nearest-exact", (1, 1, 2, 3, 3), dict(size=(3, 2, 4))),
    ("area", (1, 2, 5, 4), dict(size=(3, 2))),
])
def test_gradcheck(mode, shape, kwargs):
    fn = lambda t: F.interpolate(t, mode=mode, **kwargs)  # noqa: E731
    gradcheck(fn, [_x(shape)])
    if mode != "area":
        x = cynn.tensor(_x(shape, np.float64), requires_grad=True)
        assert gradgradcheck(fn, (x,))


def test_double_backward_matches_torch():
    x = _x((1, 2, 4, 5), np.float64)
    results = []
    for lib, F_ in ((cynn, F), (torch, TF)):
        t = lib.tensor(x, requires_grad=True)
        y = F_.interpolate(t, scale_factor=1.5, mode="bicubic", align_corners=False)
        (g,) = lib.autograd.grad((y ** 2).sum(), t, create_graph=True)
        (gg,) = lib.autograd.grad((g ** 3).sum(), t)
        results.append((g.detach().numpy(), gg.numpy()))
    for a, b in zip(*results):
        np.testing.assert_allclose(a, b, rtol=1e-7, atol=1e-9)


@pytest.mark.parametrize("mode", ["nearest", "bilinear", "bicubic", "area"])
def test_empty_batch(mode):
    kwargs = dict(size=(3, 5), mode=mode)
    if mode in ALIGNED:
        kwargs["align_corners"] = False
    _parity(_x((0, 3, 4, 4)), **kwargs)


def test_one_and_two_threads_bitwise_equal():
    x = cynn.tensor(_x((4, 8, 33, 29)), requires_grad=True)
    g = cynn.tensor(_x((4, 8, 70, 41), seed=1))
    outputs = []
    before = cynn.get_num_threads()
    try:
        for n in (1, 2):
            cynn.set_num_threads(n)
            x.grad = None
            for kwargs in (dict(mode="bilinear", align_corners=False),
                           dict(mode="bicubic", align_corners=True),
                           dict(mode="nearest"), dict(mode="bilinear", antialias=True)):
                y = F.interpolate(x, size=(70, 41), **kwargs)
                (y * g).sum().backward()
            outputs.append((y.detach().numpy().copy(), x.grad.numpy().copy()))
    finally:
        cynn.set_num_threads(before)
    for a, b in zip(*outputs):
        assert np.array_equal(a, b)


_X4 = _x((1, 2, 4, 4))
ERRORS = [
    dict(size=0), dict(scale_factor=0.1), dict(scale_factor=-1.0),
    dict(size=(0, 3), mode="bilinear"), dict(size=(2, 2), scale_factor=2),
    dict(), dict(size=(2,)), dict(scale_factor=(2,)), dict(size=(2.0, 2)),
    dict(size=(2, 2), recompute_scale_factor=True),
    dict(size=2, mode="nearest", align_corners=True),
    dict(size=2, mode="area", align_corners=False),
    dict(size=2, mode="nearest-exact", align_corners=True),
    dict(size=2, mode="nearest", antialias=True),
    dict(size=-3, mode="bicubic"),
    dict(size=2, mode="foo"), dict(size=2, mode="linear"), dict(size=2, mode="trilinear"),
    dict(scale_factor=1e20), dict(scale_factor=float("inf")), dict(scale_factor=float("nan")),
    dict(scale_factor=2, mode="lanczos"),
    dict(scale_factor=0.5, mode="lanczos", antialias=True, align_corners=True),
]


@pytest.mark.parametrize("kwargs", ERRORS, ids=range(len(ERRORS)))
def test_errors_match_torch(kwargs):
    assert_same_error(lambda: F.interpolate(cynn.tensor(_X4), **kwargs),
                      lambda: TF.interpolate(torch.tensor(_X4), **kwargs))


@pytest.mark.parametrize("shape,kwargs", [
    ((1, 2, 4), dict(size=0)), ((1, 2, 4, 4, 4), dict(size=0, mode="trilinear")),
    ((1, 0, 4), dict(size=2)), ((1, 0, 4, 4), dict(size=2, mode="bilinear")),
    ((1, 0, 4, 4, 4), dict(size=2)), ((2, 2, 0, 4), dict(size=(2, 3), mode="bilinear")),
    ((2, 4), dict(size=(2,))), ((2, 4, 3, 3, 3, 3), dict(size=2)),
    ((1, 2, 4), dict(size=(2, 2), mode="bilinear")), ((1, 2, 4), dict(size=2, mode="bilinear")),
    ((1, 2, 4, 4, 4), dict(size=2, mode="linear")),
    ((1, 2, 4, 4, 4), dict(size=2, mode="bicubic")),
])
def test_rank_errors_match_torch(shape, kwargs):
    x = _x(shape)
    assert_same_error(lambda: F.interpolate(cynn.tensor(x), **kwargs),
                      lambda: TF.interpolate(torch.tensor(x), **kwargs))


@pytest.mark.parametrize("kwargs", [dict(), dict(mode="linear"), dict(mode="bicubic"),
                                    dict(mode="bilinear", antialias=True)])
def test_integer_input_errors_match_torch(kwargs):
    shape = (1, 2, 4) if kwargs.get("mode") == "linear" else (1, 2, 4, 4)
    x = np.arange(np.prod(shape)).reshape(shape)
    assert_same_error(lambda: F.interpolate(cynn.tensor(x), size=2, **kwargs),
                      lambda: TF.interpolate(torch.tensor(x), size=2, **kwargs))


def test_non_tensor_input():
    with pytest.raises(TypeError, match="must be Tensor"):
        F.interpolate(np.zeros((1, 1, 2, 2)), size=3)


@pytest.mark.parametrize("name,kwargs", [("upsample", dict(scale_factor=2)),
                                         ("upsample", dict(size=3, mode="bilinear")),
                                         ("upsample_nearest", dict(scale_factor=2)),
                                         ("upsample_bilinear", dict(size=(3, 5)))])
def test_deprecated_wrappers_warn_and_match(name, kwargs):
    x = _x((1, 2, 4, 4))
    with warnings.catch_warnings(record=True) as seen:
        warnings.simplefilter("always")
        expected = getattr(TF, name)(torch.tensor(x), **kwargs)
        got = getattr(F, name)(cynn.tensor(x), **kwargs)
    messages = [str(w.message) for w in seen]
    assert messages[0] == messages[1]
    assert seen[1].filename == __file__ and seen[1].category is seen[0].category
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [
    lambda nn: nn.Upsample(scale_factor=2),
    lambda nn: nn.Upsample(size=(3, 7), mode="bilinear", align_corners=True),
    lambda nn: nn.Upsample(scale_factor=(1.5, 0.5), mode="bicubic"),
    lambda nn: nn.Upsample(scale_factor=2.0, mode="nearest-exact", recompute_scale_factor=True),
    lambda nn: nn.Upsample(size=3, mode="area"),
    lambda nn: nn.UpsamplingNearest2d(scale_factor=2),
    lambda nn: nn.UpsamplingNearest2d(size=(5, 3)),
    lambda nn: nn.UpsamplingBilinear2d(scale_factor=2),
    lambda nn: nn.UpsamplingBilinear2d(size=3),
])
def test_modules_match_torch(make):
    c, t = make(U), make(torch.nn)
    assert repr(c) == repr(t)
    assert (c.size, c.scale_factor, c.mode, c.align_corners, c.recompute_scale_factor) == \
        (t.size, t.scale_factor, t.mode, t.align_corners, t.recompute_scale_factor)
    check_parity(c, t, [_x((2, 3, 4, 6))])


def test_upsample_scale_factor_zero_means_none():
    assert repr(U.Upsample(scale_factor=0)) == repr(torch.nn.Upsample(scale_factor=0))


def test_non_contiguous_input():
    x = _x((2, 6, 5, 3)).transpose(0, 3, 2, 1)          # (2, 3, 5, 6), strided
    view = cynn.tensor(_x((2, 6, 5, 3))).permute(0, 3, 2, 1)
    assert not view.numpy().flags.c_contiguous
    for kwargs in (dict(mode="bilinear", scale_factor=1.5, align_corners=False),
                   dict(mode="nearest", size=(4, 9))):
        np.testing.assert_allclose(F.interpolate(view, **kwargs).numpy(),
                                   TF.interpolate(torch.tensor(x), **kwargs).numpy(),
                                   rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("kwargs", [dict(size=2.0), dict(scale_factor="a"),
                                    dict(scale_factor=(2, "b"), mode="bilinear")])
def test_argument_types_raise_type_error_like_torch(kwargs):
    x = _x((1, 2, 4, 4))
    with pytest.raises(TypeError) as expected:
        TF.interpolate(torch.tensor(x), **kwargs)
    with pytest.raises(TypeError) as got:
        F.interpolate(cynn.tensor(x), **kwargs)
    # the same op is named; the parser's wording (and its list of overloads) is torch's own
    assert str(expected.value).split("(")[0] == str(got.value).split("(")[0]
