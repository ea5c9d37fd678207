"""cynn.nn.utils gradient clipping against torch.nn.utils: returned norms, clipped
gradients, errors, messages and warnings, for every norm type and dtype."""
import math
import warnings

import numpy as np
import pytest

import cynn

torch = pytest.importorskip("torch", reason="torch is the test oracle")

INF = math.inf
NAN = math.nan
NORM_TYPES = [2.0, 1, 3, 0.5, 0, -1, -2.5, INF, -INF, "inf", "-inf"]
TOL = {"float32": dict(rtol=1e-6, atol=0), "float64": dict(rtol=1e-13, atol=0),
       "float16": dict(rtol=1e-3, atol=0)}


def make_params(lib, grads, dtype="float32"):
    """Parameters shaped like ``grads`` (numpy arrays, or None for "no gradient")."""
    params = []
    for i, g in enumerate(grads):
        shape = (3,) if g is None else np.shape(g)
        p = lib.nn.Parameter(lib.ones(shape, dtype=getattr(lib, dtype)) * (i + 1))
        if g is not None:
            p.grad = lib.tensor(np.asarray(g), dtype=getattr(lib, dtype))
        params.append(p)
    return params


def grads_like(*shapes, seed=0, scale=1.0):
    rng = np.random.default_rng(seed)
    return [None if s is None else rng.normal(0.0, scale, size=s) for s in shapes]


def assert_same(got, expected, dtype=None):
    """cynn tensor == torch tensor in shape, dtype and value (nan matches nan)."""
    assert tuple(got.shape) == tuple(expected.shape)
    assert str(got.dtype).split(".")[-1] == str(expected.dtype).split(".")[-1]
    dtype = dtype or str(expected.dtype).split(".")[-1]
    np.testing.assert_allclose(got.numpy(), expected.numpy(), equal_nan=True, **TOL[dtype])


def assert_same_grads(cparams, tparams):
    for c, t in zip(cparams, tparams, strict=True):
        assert (c.grad is None) == (t.grad is None)
        if t.grad is not None:
            assert_same(c.grad, t.grad)


def assert_same_error(fn):
    """fn(torch) and fn(cynn) raise the same type with the same message."""
    with pytest.raises(Exception) as expected:
        fn(torch)
    with pytest.raises(type(expected.value)) as got:
        fn(cynn)
    assert str(got.value) == str(expected.value).replace("torch.Tensor", "cynn.Tensor")


# ---------------------------------------------------------------------- clip_grad_norm_

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", NORM_TYPES)
@pytest.mark.parametrize("max_norm", [0.3, 1e3])
def test_clip_grad_norm_matches_torch(dtype, norm_type, max_norm):
    grads = grads_like((4, 3), None, (5,), (2, 2, 2), ())
    tparams, cparams = make_params(torch, grads, dtype), make_params(cynn, grads, dtype)
    expected = torch.nn.utils.clip_grad_norm_(tparams, max_norm, norm_type)
    before = [p.grad for p in cparams]
    got = cynn.nn.utils.clip_grad_norm_(cparams, max_norm, norm_type)
    assert_same(got, expected)
    assert not got.requires_grad
    assert_same_grads(cparams, tparams)
    # in place: the same gradient tensors, now scaled
    assert [p.grad for p in cparams] == before


@pytest.mark.parametrize("make", [lambda ps: ps[0], lambda ps: iter(ps), lambda ps: tuple(ps),
                                  lambda ps: (p for p in ps)],
                         ids=["tensor", "iterator", "tuple", "generator"])
def test_clip_grad_norm_accepts_a_tensor_or_any_iterable(make):
    grads = grads_like((6,), (2, 3), scale=3.0)
    tparams, cparams = make_params(torch, grads), make_params(cynn, grads)
    expected = torch.nn.utils.clip_grad_norm_(make(tparams), 1.0)
    got = cynn.nn.utils.clip_grad_norm_(make(cparams), 1.0)
    assert_same(got, expected)
    assert_same_grads(cparams, tparams)


def test_clip_grad_norm_mixed_dtypes_promote_the_norm():
    g32, g64 = grads_like((5,), (4,), scale=2.0)
    tparams = make_params(torch, [g32]) + make_params(torch, [g64], "float64")
    cparams = make_params(cynn, [g32]) + make_params(cynn, [g64], "float64")
    expected = torch.nn.utils.clip_grad_norm_(tparams, 0.5)
    got = cynn.nn.utils.clip_grad_norm_(cparams, 0.5)
    assert expected.dtype == torch.float64
    assert_same(got, expected)
    assert_same_grads(cparams, tparams)


def test_clip_grad_norm_without_any_gradient_returns_zero():
    tparams, cparams = make_params(torch, [None, None]), make_params(cynn, [None, None])
    assert_same(cynn.nn.utils.clip_grad_norm_(cparams, 1.0),
                torch.nn.utils.clip_grad_norm_(tparams, 1.0))
    assert all(p.grad is None for p in cparams)
    assert_same(cynn.nn.utils.clip_grad_norm_([], 1.0), torch.nn.utils.clip_grad_norm_([], 1.0))


@pytest.mark.parametrize("norm_type", [2.0, 1, INF, 0.5])
@pytest.mark.parametrize("bad", [NAN, INF, -INF])
def test_clip_grad_norm_nonfinite_gradients_are_scaled_without_error(norm_type, bad):
    grads = [np.array([1.0, bad, -2.0]), np.array([0.5, 0.25])]
    tparams, cparams = make_params(torch, grads), make_params(cynn, grads)
    expected = torch.nn.utils.clip_grad_norm_(tparams, 1.0, norm_type)
    got = cynn.nn.utils.clip_grad_norm_(cparams, 1.0, norm_type)
    assert not np.isfinite(got.item())
    assert_same(got, expected)
    assert_same_grads(cparams, tparams)


@pytest.mark.parametrize("norm_type", [2.0, INF, 1])
@pytest.mark.parametrize("bad", [NAN, INF])
def test_clip_grad_norm_nonfinite_with_error_raises_and_leaves_grads(norm_type, bad):
    grads = [np.array([1.0, bad, -2.0]), np.array([0.5, 0.25])]
    tparams, cparams = make_params(torch, grads), make_params(cynn, grads)
    assert_same_error(lambda lib: lib.nn.utils.clip_grad_norm_(
        tparams if lib is torch else cparams, 1.0, norm_type, error_if_nonfinite=True))
    assert_same_grads(cparams, tparams)
    np.testing.assert_array_equal(cparams[1].grad.numpy(), np.float32([0.5, 0.25]))


def test_clip_grad_norm_float32_overflow_gives_inf_as_torch():
    # the sum of squares overflows float32: torch reports inf and zeroes the gradients
    grads = [np.full(4, 1e20), np.array([1e-30, 1e-30])]
    tparams, cparams = make_params(torch, grads), make_params(cynn, grads)
    expected = torch.nn.utils.clip_grad_norm_(tparams, 1.0)
    got = cynn.nn.utils.clip_grad_norm_(cparams, 1.0)
    assert math.isinf(expected.item())
    assert_same(got, expected)
    assert_same_grads(cparams, tparams)


def test_clip_grad_norm_float16():
    grads = [np.array([300.0, 300.0]), np.array([0.5])]
    tparams, cparams = make_params(torch, grads, "float16"), make_params(cynn, grads, "float16")
    assert_same(cynn.nn.utils.clip_grad_norm_(cparams, 1.0),
                torch.nn.utils.clip_grad_norm_(tparams, 1.0))
    assert_same_grads(cparams, tparams)


@pytest.mark.parametrize("call", [
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, "abc"),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, 1.0, None),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, "x"),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps, None),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(3.0, 1.0),
    lambda lib, ps: lib.nn.utils.clip_grad_norm_(ps + [lib.zeros(0)], 1.0),  # grad-less
    lambda lib, ps: lib.nn.utils.get_total_norm([lib.tensor([1, 2])]),
    lambda lib, ps: lib.nn.utils.get_total_norm([3.0]),
], ids=["norm_type_str", "norm_type_none", "max_norm_str", "max_norm_none", "not_iterable",
        "plain_tensor_no_grad", "integer_tensor", "not_a_tensor"])
def test_clip_grad_norm_argument_errors(call):
    grads = [np.array([1.0, 2.0])]
    params = {torch: make_params(torch, grads), cynn: make_params(cynn, grads)}
    try:
        call(torch, params[torch])
    except Exception:
        assert_same_error(lambda lib: call(lib, params[lib]))
    else:
        call(cynn, params[cynn])
        assert_same_grads(params[cynn], params[torch])


@pytest.mark.parametrize("norm_type", [INF, -INF, -1, "inf"])
@pytest.mark.parametrize("foreach", [None, True, False])
def test_norm_without_identity_on_an_empty_gradient(norm_type, foreach):
    # max, min and negative powers have no value over zero elements; the message names
    # torch's foreach kernel or linalg.vector_norm as torch's own does
    grads = [np.array([1.0, 2.0]), np.zeros(0)]
    params = {torch: make_params(torch, grads), cynn: make_params(cynn, grads)}
    assert_same_error(lambda lib: lib.nn.utils.clip_grad_norm_(params[lib], 1.0, norm_type,
                                                               foreach=foreach))
    # Parameters themselves are not plain tensors: torch does not take its foreach path
    assert_same_error(lambda lib: lib.nn.utils.get_total_norm(params[lib], norm_type))


@pytest.mark.parametrize("norm_type", [2.0, 1, 0, 0.5])
def test_empty_gradient_norms_with_identity(norm_type):
    grads = [np.zeros(0), np.zeros((2, 0))]
    tparams, cparams = make_params(torch, grads), make_params(cynn, grads)
    assert_same(cynn.nn.utils.clip_grad_norm_(cparams, 1.0, norm_type),
                torch.nn.utils.clip_grad_norm_(tparams, 1.0, norm_type))


def test_empty_generator_warns_at_the_caller():
    for lib in (torch, cynn):
        with pytest.warns(UserWarning, match=r"^`parameters` is an empty generator, no gradient "
                                             r"clipping will occur\.$") as record:
            norm = lib.nn.utils.clip_grad_norm_((p for p in []), 1.0)
        assert norm.item() == 0.0
        assert [w.filename for w in record] == [__file__]
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        cynn.nn.utils.clip_grad_norm_([], 1.0)  # an empty list is not worth a warning


def test_clip_grad_norm_is_deprecated_as_in_torch():
    for lib in (torch, cynn):
        grads = [np.array([3.0, 4.0])]
        params = make_params(lib, grads)
        with pytest.warns(FutureWarning, match=r"^`torch\.nn\.utils\.clip_grad_norm` is now "
                                               r"deprecated in favor of `torch\.nn\.utils\."
                                               r"clip_grad_norm_`\.$") as record:
            norm = lib.nn.utils.clip_grad_norm(params, 1.0)
        assert norm.item() == 5.0
        assert [w.filename for w in record] == [__file__]
        np.testing.assert_allclose(params[0].grad.numpy(), [0.6, 0.8], rtol=1e-6)


def test_clip_grad_norm_runs_outside_the_graph():
    for lib in (torch, cynn):
        w = lib.nn.Parameter(lib.tensor([1.0, 2.0]))
        w.grad = lib.tensor([3.0, 4.0], requires_grad=True)
        norm = lib.nn.utils.clip_grad_norm_(w, 1.0)
        assert not norm.requires_grad and norm.grad_fn is None


# ---------------------------------------------------------------------- get_total_norm

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("norm_type", NORM_TYPES)
def test_get_total_norm_matches_torch(dtype, norm_type):
    # zeros inside: the 0-norm counts them out and negative p sends the norm to 0
    arrays = grads_like((3, 4), (7,), (1,)) + [np.array([0.0, 1.5, 0.0])]
    expected = torch.nn.utils.get_total_norm(
        [torch.tensor(a, dtype=getattr(torch, dtype)) for a in arrays], norm_type)
    got = cynn.nn.utils.get_total_norm(
        [cynn.tensor(a, dtype=getattr(cynn, dtype)) for a in arrays], norm_type)
    assert_same(got, expected)
    single = np.arange(-3.0, 3.0).reshape(2, 3)
    assert_same(cynn.nn.utils.get_total_norm(cynn.tensor(single, dtype=getattr(cynn, dtype)),
                                             norm_type),
                torch.nn.utils.get_total_norm(torch.tensor(single, dtype=getattr(torch, dtype)),
                                              norm_type))


def test_get_total_norm_nonfinite():
    for bad in (NAN, INF):
        values = [np.array([1.0, bad]), np.array([2.0])]
        for norm_type in (2.0, INF, -INF, 0):
            assert_same(cynn.nn.utils.get_total_norm([cynn.tensor(v) for v in values], norm_type),
                        torch.nn.utils.get_total_norm([torch.tensor(v) for v in values],
                                                      norm_type))
        assert_same_error(lambda lib: lib.nn.utils.get_total_norm(
            [lib.tensor(v) for v in values], 2.0, error_if_nonfinite=True))


# ---------------------------------------------------------------------- clip_grads_with_norm_

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("total", [0.0, 0.5, 2.0, 1e6, NAN, INF])
def test_clip_grads_with_norm_matches_torch(dtype, total):
    grads = grads_like((3, 2), None, (4,))
    tparams, cparams = make_params(torch, grads, dtype), make_params(cynn, grads, dtype)
    assert torch.nn.utils.clip_grads_with_norm_(tparams, 1.0, torch.tensor(total)) is None
    assert cynn.nn.utils.clip_grads_with_norm_(cparams, 1.0, cynn.tensor(total)) is None
    assert_same_grads(cparams, tparams)


def test_clip_grads_with_norm_errors():
    grads = [np.array([1.0, 2.0])]
    params = {torch: make_params(torch, grads), cynn: make_params(cynn, grads)}
    assert_same_error(lambda lib: lib.nn.utils.clip_grads_with_norm_(params[lib], 1.0, 2.0))
    assert_same_error(lambda lib: lib.nn.utils.clip_grads_with_norm_(params[lib], "x",
                                                                     lib.tensor(2.0)))
    # nothing to clip: the norm is never looked at
    for lib in (torch, cynn):
        assert lib.nn.utils.clip_grads_with_norm_(make_params(lib, [None]), 1.0, 2.0) is None


# ---------------------------------------------------------------------- clip_grad_value_

@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("clip_value", [0.5, 2, 1e9, 0.0, -1.0, NAN, INF])
def test_clip_grad_value_matches_torch(dtype, clip_value):
    grads = grads_like((4, 3), None, (5,), scale=2.0) + [np.array([NAN, INF, -INF, 0.0])]
    tparams, cparams = make_params(torch, grads, dtype), make_params(cynn, grads, dtype)
    assert torch.nn.utils.clip_grad_value_(tparams, clip_value) is None
    before = [p.grad for p in cparams]
    assert cynn.nn.utils.clip_grad_value_(cparams, clip_value) is None
    assert_same_grads(cparams, tparams)
    assert [p.grad for p in cparams] == before


def test_clip_grad_value_accepts_a_single_tensor_and_a_generator():
    grads = grads_like((6,), (2,), scale=3.0)
    tparams, cparams = make_params(torch, grads), make_params(cynn, grads)
    torch.nn.utils.clip_grad_value_(tparams[0], 1.0)
    cynn.nn.utils.clip_grad_value_(cparams[0], 1.0)
    torch.nn.utils.clip_grad_value_((p for p in tparams[1:]), 0.1)
    cynn.nn.utils.clip_grad_value_((p for p in cparams[1:]), 0.1)
    assert_same_grads(cparams, tparams)


def test_clip_grad_value_errors():
    grads = [np.array([1.0, 2.0])]
    params = {torch: make_params(torch, grads), cynn: make_params(cynn, grads)}
    assert_same_error(lambda lib: lib.nn.utils.clip_grad_value_(params[lib], None))
    assert_same_error(lambda lib: lib.nn.utils.clip_grad_value_(params[lib], "abc"))
    assert_same_error(lambda lib: lib.nn.utils.clip_grad_value_(1.0, 1.0))


def test_clipping_a_trained_model_matches_torch():
    """End to end: backward through Linear layers, then clip; same grads as torch."""
    rng = np.random.default_rng(3)
    x, w1, w2 = rng.normal(size=(8, 5)), rng.normal(size=(4, 5)), rng.normal(size=(2, 4))
    results = {}
    for lib in (torch, cynn):
        model = lib.nn.Sequential(lib.nn.Linear(5, 4, bias=False), lib.nn.Tanh(),
                                  lib.nn.Linear(4, 2, bias=False))
        with lib.no_grad():
            model[0].weight.copy_(lib.tensor(w1, dtype=lib.float64))
            model[2].weight.copy_(lib.tensor(w2, dtype=lib.float64))
        model.double()
        model(lib.tensor(x)).pow(2).sum().backward()
        norm = lib.nn.utils.clip_grad_norm_(model.parameters(), 0.1)
        results[lib] = norm, [p.grad for p in model.parameters()]
    assert_same(results[cynn][0], results[torch][0])
    for c, t in zip(results[cynn][1], results[torch][1], strict=True):
        assert_same(c, t)
